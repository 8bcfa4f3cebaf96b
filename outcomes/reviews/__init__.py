"""Quarterly review meetings: commentary, the record, actions, and packs (PDF) frozen from the results."""
