"""Making an organisation's export (the background task's work) and forgetting old ones."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.db.utils import InterfaceError, OperationalError
from django.utils import timezone

from accounts.audit import audit_record
from outcomes.models import ExportStatus, OrganisationExport
from outcomes.organisation_export.build import organisation_export

logger = logging.getLogger(__name__)
EXPORT_KEEP_DAYS = 7


def export_make(export_id: int) -> str:
    """Build and store one export; safe to run twice. Returns "done", "failed" or "missing"."""
    export = OrganisationExport.objects.select_related("organisation").filter(pk=export_id).first()
    if export is None:
        return "missing"
    if export.status != ExportStatus.QUEUED:
        return "done" if export.status == ExportStatus.READY else "failed"
    with tempfile.TemporaryDirectory(prefix="organisation-export-") as folder:
        path = Path(folder) / "export.zip"
        try:
            rows = organisation_export(export.organisation, path)
        except (OperationalError, InterfaceError):
            raise  # the database is away: the task tries again
        except Exception as error:
            logger.exception("The export %s of %s could not be made", export.pk, export.organisation)
            export.status, export.error = ExportStatus.FAILED, f"{type(error).__name__}: {error}"[:500]
            OrganisationExport.objects.filter(pk=export.pk, status=ExportStatus.QUEUED).update(
                status=export.status, error=export.error
            )
            return "failed"
        digest = hashlib.sha256()
        with path.open("rb") as made:
            for chunk in iter(lambda: made.read(1 << 20), b""):
                digest.update(chunk)
            made.seek(0)
            # Stored by the first run to finish, under the export's row lock: a second run at the
            # same time (the work handed out twice) keeps what the first stored.
            with transaction.atomic():
                status = (
                    OrganisationExport.objects.select_for_update()
                    .filter(pk=export.pk)
                    .values_list("status", flat=True)
                    .first()
                )
                if status != ExportStatus.QUEUED:
                    return (
                        "missing" if status is None else "done" if status == ExportStatus.READY else "failed"
                    )
                export.file.save(_filename(export), File(made), save=False)
                export.sha256, export.size, export.rows = digest.hexdigest(), export.file.size, rows
                export.status, export.generated_at = ExportStatus.READY, timezone.now()
                export.save(update_fields=["file", "sha256", "size", "rows", "status", "generated_at"])
                audit_record(
                    actor=None,
                    action="organisation.exported",
                    obj=export,
                    organisation=export.organisation,
                    actor_label="Organisation export",
                    details={"files": rows, "sha256": export.sha256},
                )
    return "done"


def _filename(export: OrganisationExport) -> str:
    name = "".join(c if c.isalnum() else "-" for c in export.organisation.name).strip("-")
    return f"{name}-{timezone.localtime(export.requested_at):%Y-%m-%d-%H%M}.zip"


def exports_prune(now: datetime | None = None) -> int:
    """Nightly: delete exports (and their files) asked for more than EXPORT_KEEP_DAYS ago."""
    old = OrganisationExport.objects.filter(
        requested_at__lt=(now or timezone.now()) - timedelta(days=EXPORT_KEEP_DAYS)
    )
    count = 0
    for export in old:
        if export.file:
            export.file.delete(save=False)
        export.delete()
        count += 1
    return count
