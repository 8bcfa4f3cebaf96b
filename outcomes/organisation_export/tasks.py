"""Background work of organisation exports: making one, and forgetting old ones (nightly)."""

from __future__ import annotations

from celery import shared_task

from accounts.jobs import job_failure_register
from outcomes.models import ExportStatus, OrganisationExport
from outcomes.organisation_export.making import export_make, exports_prune


@shared_task(name="outcomes.organisation_export.tasks.organisation_export_make", acks_late=True)
def organisation_export_make(export_id: int) -> str:
    """Make one organisation's export and store it."""
    return export_make(export_id)


@shared_task(name="outcomes.organisation_export.tasks.organisation_exports_prune")
def organisation_exports_prune() -> int:
    """Nightly: delete the exports asked for more than a week ago."""
    return exports_prune()


def _export_failed(export_id: int, *, error: str) -> None:
    """The page then says the export could not be made, and the admin asks again."""
    OrganisationExport.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.FAILED, error=error[:500]
    )


job_failure_register(organisation_export_make, _export_failed)
