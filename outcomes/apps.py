from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "outcomes"
    verbose_name = "Outcomes"

    def ready(self) -> None:
        # Connects the receiver that recomputes results when a contract's targets or term change.
        from outcomes.results import requests  # noqa: F401
