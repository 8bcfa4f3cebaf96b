"""Notices of Concern and breach notices: drafts, the escalation ladder, letters, the register."""
