"""This app's API collections, added to the router in config/api_urls.py."""

from __future__ import annotations


def register(router) -> None:
    """Add this app's collections to the API router."""
