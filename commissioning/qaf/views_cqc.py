"""CQC rating pages: record one provider's rating (a form on the QAF provider page posts here) and
import many from a CSV file. Commissioning bodies only: provider organisations get 404; roles
without ASSESS_QUALITY or MANAGE_CONTRACTS get 403."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.access import organisation_required
from accounts.govuk_forms import GovukFormMixin
from accounts.upload_limits import megabytes, upload_limit
from commissioning.qaf import cqc
from providers.models import CqcRating

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class CqcRatingForm(forms.Form):
    """The fields the provider page's "Record a CQC rating" form posts (see cqc_record_form.html)."""

    rating = forms.ChoiceField(
        label="CQC rating",
        choices=CqcRating.choices,
        error_messages={
            "required": "Choose the CQC rating",
            "invalid_choice": f"Choose the CQC rating: {cqc.RATINGS_ACCEPTED}",
        },
    )
    rating_date = forms.DateField(
        label="Date of the rating",
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": "Enter the date of the rating as a real date, like 02/11/2024"},
    )
    location_id = forms.CharField(label="CQC location ID", required=False, max_length=20)
    location_name = forms.CharField(label="Location name", required=False, max_length=200)


class CqcImportForm(GovukFormMixin, forms.Form):
    file = forms.FileField(
        label="CSV file of CQC ratings",
        help_text=f"Saved from Excel as CSV UTF-8 (Comma delimited); {cqc.CQC_IMPORT_UPLOAD.hint()}.",
        error_messages={"required": "Choose a CSV file to upload", "empty": "The file is empty"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = cqc.CQC_IMPORT_UPLOAD
        if upload.size > limit.file_bytes:
            raise ValidationError(
                f"The file is {megabytes(upload.size)}; it can be at most {limit.size_text}", code="size"
            )
        return upload


def _commissioner_only(request: HttpRequest) -> None:
    if not request.acting.is_commissioner:
        raise Http404("CQC ratings are recorded by commissioning bodies.")


@organisation_required
def cqc_record(request: HttpRequest, provider_id: int) -> HttpResponse:
    """Record a CQC rating for a provider the body contracts; back to the provider's QAF page."""
    acting = request.acting
    _commissioner_only(request)
    provider = cqc.cqc_provider_get_for(acting, provider_id)
    cqc.cqc_require(acting)
    back = reverse("qaf:provider", args=[provider.pk])
    if request.method != "POST":
        return redirect(back)
    form = CqcRatingForm(request.POST)
    problems: list[str] = []
    if form.is_valid():
        data = form.cleaned_data
        try:
            done = cqc.cqc_rating_record(
                acting=acting,
                provider=provider,
                rating=data["rating"],
                rating_date=data["rating_date"],
                location_id=data["location_id"],
                location_name=data["location_name"],
            )
        except ValidationError as error:
            problems = error.messages
        else:
            recorded = cqc.rating_text(done.record.rating, done.record.rating_date)
            messages.success(
                request,
                f"CQC rating recorded for {provider.name}: {recorded}. It is now the current rating."
                if done.became_current
                else f"CQC rating recorded for {provider.name}: {recorded}. It is older than the current "
                f"rating ({done.previous}), so it was added to the history and the current rating is unchanged.",
            )
    else:
        problems = [message for errors in form.errors.values() for message in errors]
    if problems:
        messages.error(
            request,
            "The CQC rating was not recorded. "
            + " ".join(p if p.endswith(".") else f"{p}." for p in problems),
        )
    return redirect(back)


@upload_limit(cqc.CQC_IMPORT_UPLOAD)
@organisation_required
def cqc_import(request: HttpRequest) -> HttpResponse:
    """Upload a CSV file of CQC ratings: guidance and the form; after an upload, every problem
    (nothing stored) or what was stored."""
    acting = request.acting
    _commissioner_only(request)
    cqc.cqc_require(acting)
    summary = None
    if request.method == "POST":
        form = CqcImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            summary = cqc.cqc_ratings_import(acting=acting, file_bytes=upload.read(), filename=upload.name)
    else:
        form = CqcImportForm()
    return render(
        request,
        "commissioning/qaf/cqc_import.html",
        {
            "form": form,
            "summary": summary,
            "summary_problems": summary.problems[:10] if summary else [],
            "headers": [
                (cqc.COLUMN_LABELS[key], key in cqc.REQUIRED_COLUMNS, sorted(spellings))
                for key, spellings in cqc.HEADER_SPELLINGS.items()
            ],
        },
    )
