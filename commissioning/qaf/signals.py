"""Signals the QAF sends. Computing QAF status belongs to outcomes (see outcomes/apps.py), which
listens here, so commissioning never imports it."""

from django.dispatch import Signal

# Sent after the commit of any change to a provider's assessments: provider_id, commissioner_id.
qaf_changed = Signal()
