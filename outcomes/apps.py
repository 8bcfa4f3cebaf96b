from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "outcomes"
    verbose_name = "Outcomes"

    def ready(self) -> None:
        from commissioning.qaf.signals import qaf_changed

        qaf_changed.connect(_qaf_status_refresh_later, dispatch_uid="outcomes.qaf_status_refresh")


def _qaf_status_refresh_later(sender, *, provider_id: int, commissioner_id: int, **kwargs) -> None:
    """A provider's assessments changed (the change is committed): recompute its QAF status."""
    from outcomes.tasks import qaf_status_refresh

    qaf_status_refresh.delay(provider_id, commissioner_id)
