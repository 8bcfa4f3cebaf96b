"""Demo data: 18 months of returns (through the real validation and acceptance) and review meetings."""
