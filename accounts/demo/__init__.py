"""Demo data: the demo API tokens."""
