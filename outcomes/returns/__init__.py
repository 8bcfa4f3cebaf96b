"""Monthly returns: upload, validation (a background task), sign-off and acceptance, reminders."""
