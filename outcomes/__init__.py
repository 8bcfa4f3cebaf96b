"""Monthly returns, the measure library and compliance results (filled in by later features)."""
