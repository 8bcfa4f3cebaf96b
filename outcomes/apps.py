from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "outcomes"
    verbose_name = "Outcomes"

    def ready(self) -> None:
        # Connects the receiver that recomputes results when a contract's targets or term change.
        from accounts.jobs import orphan_finder_register
        from outcomes.results import requests
        from outcomes.returns.tasks import validation_orphans_queue
        from outcomes.reviews.packs import pack_orphans_queue

        # The sweeper also gives a job to work saved without one (before the outbox, or a bulk load's).
        orphan_finder_register(validation_orphans_queue)
        orphan_finder_register(requests.recompute_orphans_queue)
        orphan_finder_register(pack_orphans_queue)
