"""Homecare providers: their CQC registration and rating."""
