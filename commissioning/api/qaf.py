"""(being written)"""

from __future__ import annotations


def register(router) -> None:
    """Add this module's collections to the API router."""
