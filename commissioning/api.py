"""API endpoints for contracts (with targets and versions), QAF status and notices."""

from __future__ import annotations


def register(router) -> None:
    """Add this app's collections to the API router."""
