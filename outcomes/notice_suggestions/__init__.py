"""Suggested notices: the nightly rules that flag contracts for a notice, and their pages."""
