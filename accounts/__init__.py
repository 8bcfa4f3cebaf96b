"""People, organisations and access: memberships and roles, sign-in, invitations, the audit log,
and what every app shares (downloads, form parts, emails, the REST API's common parts)."""
