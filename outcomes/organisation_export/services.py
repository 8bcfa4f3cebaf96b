"""An organisation admin asks for everything held about the organisation; a background task makes
the zip (``build.organisation_export``) and stores it with its checksum; it can be downloaded by the
organisation's admins for EXPORT_KEEP_DAYS, then it is deleted (nightly). Asking, making and each
download are audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.shortcuts import get_object_or_404

from accounts.access import Acting, Capability
from accounts.audit import audit_record
from accounts.jobs import job_enqueue
from outcomes.models import ExportStatus, OrganisationExport
from outcomes.organisation_export.making import EXPORT_KEEP_DAYS
from outcomes.organisation_export.tasks import organisation_export_make


def exports_for(acting: Acting):
    """The organisation's exports, newest first (its admins only: 403 otherwise)."""
    acting.require(Capability.MANAGE_MEMBERS)
    return OrganisationExport.objects.filter(organisation_id=acting.organisation.pk)


def export_get_for(acting: Acting, export_id: int) -> OrganisationExport:
    """One of the organisation's exports; 404 for anyone else's."""
    return get_object_or_404(exports_for(acting), pk=export_id)


def export_subject(export_id: int) -> str:
    return f"organisation-export:{export_id}"


def export_request(*, acting: Acting) -> OrganisationExport:
    """Ask for a new export (one at a time: an export still being made is returned instead)."""
    acting.require(Capability.MANAGE_MEMBERS)
    with transaction.atomic():
        waiting = exports_for(acting).filter(status=ExportStatus.QUEUED).first()
        if waiting is not None:
            return waiting
        export = OrganisationExport.objects.create(
            organisation_id=acting.organisation.pk,
            requested_by=acting.user,
            requested_by_label=str(acting.user),
        )
        audit_record(
            actor=acting.user,
            action="organisation.export_requested",
            obj=export,
            organisation=acting.organisation,
            actor_organisation=acting.organisation,
        )
        job_enqueue(
            organisation_export_make,
            export.pk,
            subject=export_subject(export.pk),
            label=f"Making the export of {acting.organisation.name}",
        )
    return export


def expires_on(export: OrganisationExport) -> datetime:
    return export.requested_at + timedelta(days=EXPORT_KEEP_DAYS)
