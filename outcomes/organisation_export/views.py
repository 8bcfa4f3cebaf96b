"""The organisation export pages (its admins): the exports asked for, asking for a new one, its
progress while it is made, and downloading it (each download audited)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.access import Capability, capability_required
from accounts.audit import audit_view
from accounts.downloads import stored_file_response
from outcomes.models import ExportStatus
from outcomes.organisation_export import services
from outcomes.organisation_export.making import EXPORT_KEEP_DAYS


def _context(request: HttpRequest) -> dict:
    exports = list(services.exports_for(request.acting)[:10])
    for export in exports:
        export.expires_on = services.expires_on(export)
    return {
        "exports": exports,
        "making": any(export.status == ExportStatus.QUEUED for export in exports),
        "keep_days": EXPORT_KEEP_DAYS,
    }


@capability_required(Capability.MANAGE_MEMBERS)
@require_GET
def export_page(request: HttpRequest) -> HttpResponse:
    return render(request, "outcomes/organisation_export/page.html", _context(request))


@capability_required(Capability.MANAGE_MEMBERS)
@require_GET
def export_status(request: HttpRequest) -> HttpResponse:
    """The list of exports (polled by the page while one is made; the page reloads when it is done)."""
    context = _context(request)
    response = render(request, "outcomes/organisation_export/exports.html", context)
    if not context["making"] and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@capability_required(Capability.MANAGE_MEMBERS)
@require_POST
def export_request(request: HttpRequest) -> HttpResponse:
    export = services.export_request(acting=request.acting)
    messages.success(
        request,
        f"The export of {request.acting.organisation.name} is being made. It can take a few minutes for a "
        "large organisation; this page shows when it is ready.",
    )
    return redirect(f"{reverse('data-export:page')}#export-{export.pk}")


@capability_required(Capability.MANAGE_MEMBERS)
@require_GET
def export_download(request: HttpRequest, export_id: int):
    export = services.export_get_for(request.acting, export_id)
    if export.status != ExportStatus.READY or not export.file:
        raise Http404("This export is not ready.")
    response = stored_file_response(export.file, export.file.name.rsplit("/", 1)[-1], "application/zip")
    audit_view(request, export, "organisation_export", organisation=export.organisation)
    return response
