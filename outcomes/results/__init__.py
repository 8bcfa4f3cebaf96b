"""Compliance results: computed and stored (background tasks), overrides, scorecards and result pages."""
