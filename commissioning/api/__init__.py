"""API endpoints for contracts (with their targets and versions), QAF status and notices."""

from __future__ import annotations

from commissioning.api import contracts, notices, qaf


def register(router) -> None:
    """Add this app's collections to the API router (config/api_urls.py)."""
    contracts.register(router)
    qaf.register(router)
    notices.register(router)
