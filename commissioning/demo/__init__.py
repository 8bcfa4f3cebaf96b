"""Demo data: the organisations, people and contracts, a year of QAF history and of notices."""
