"""This app's API collections, added to the router in config/api_urls.py."""

from __future__ import annotations

from outcomes.api import measures, results, returns, reviews


def register(router) -> None:
    """Add this app's collections to the API router."""
    for module in (measures, returns, results, reviews):
        module.register(router)
