"""Pages for signing in, people and organisations, the audit log and the home pages."""
