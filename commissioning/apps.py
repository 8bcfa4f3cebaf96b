from django.apps import AppConfig


class CommissioningConfig(AppConfig):
    name = "commissioning"
    verbose_name = "Commissioning"

    def ready(self) -> None:
        from accounts.jobs import orphan_finder_register
        from commissioning.notices.services import letter_orphans_queue
        from commissioning.qaf.services import report_orphans_queue

        # The sweeper also gives a job to documents asked for before the outbox.
        orphan_finder_register(letter_orphans_queue)
        orphan_finder_register(report_orphans_queue)
