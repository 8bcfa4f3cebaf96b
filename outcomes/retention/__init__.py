"""Retention of person-level data: what goes when a contract's retention period has passed
(``apply``), and the nightly task (``tasks``)."""
