"""The body's own QAF framework: the current version's standards, its judgement rule, the comment
window and the version history; quality officers publish a new version from a CSV file and change
the comment window; anyone in the body downloads the standards as CSV.

Commissioning bodies only: provider organisations get 404. Every role of the body sees the page
and downloads the file; a POST needs Capability.ASSESS_QUALITY (else 403).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.access import Acting, Capability, organisation_required
from accounts.downloads import CSV_CONTENT_TYPE, download_response
from accounts.govuk_forms import GovukFormMixin, apply_service_errors
from accounts.upload_limits import megabytes, upload_limit
from commissioning.qaf import framework_csv as standards_csv
from commissioning.qaf import frameworks
from commissioning.qaf.access import is_quality_officer
from commissioning.qaf.framework_csv import FrameworkCsvProblem, ParsedFramework
from commissioning.qaf.models import Assessment, QafDomain, QafFramework, QafFrameworkVersion

SUMMARY_PROBLEMS = 20  # the error summary lists this many file problems; the table lists them all
THRESHOLD_HELP = "A score from 1 to 4, with up to two decimal places."


# --- Forms ---------------------------------------------------------------------------------------


def _threshold_field(label: str, name: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=f"{label} from",
        help_text=THRESHOLD_HELP,
        min_value=Decimal("1"),
        max_value=Decimal("4"),
        max_digits=3,
        decimal_places=2,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "spellcheck": "false", "class": "govuk-input--width-4"}
        ),
        error_messages={
            "required": f"Enter the score from which the judgement is {name}, like 2.50",
            "invalid": f"Enter the score for {name} as a number, like 2.50",
            "min_value": f"The score for {name} must be 1 or more",
            "max_value": f"The score for {name} must be 4 or less",
            "max_digits": f"Enter the score for {name} as a number from 1 to 4 with no more than two "
            "decimal places, like 2.50",
            "max_whole_digits": f"Enter the score for {name} as a number from 1 to 4, like 2.50",
            "max_decimal_places": f"Enter the score for {name} with no more than two decimal places",
        },
    )


class FrameworkPublishForm(GovukFormMixin, forms.Form):
    """A new version: the file of standards, the three thresholds and what changed. The file is
    read here (framework_csv); its problems are kept in ``file_problems`` for the page's table."""

    file = forms.FileField(
        label="CSV file of standards",
        help_text=f"Saved from Excel as CSV UTF-8 (Comma delimited); {standards_csv.FRAMEWORK_UPLOAD.hint()}.",
        error_messages={
            "required": "Choose the CSV file of standards to upload",
            "empty": "The file is empty",
        },
    )
    excellent_from = _threshold_field("Excellent", "Excellent")
    good_from = _threshold_field("Good", "Good")
    requires_improvement_from = _threshold_field("Requires improvement", "Requires improvement")
    note = forms.CharField(
        label="What changed in this version",
        help_text="For example: weight of 3.1 raised to 2; standard 5.4 on continuity of care added.",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Say what changed in this version",
            "max_length": "Say what changed in 500 characters or fewer",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.file_problems: list[FrameworkCsvProblem] = []
        self.parsed: ParsedFramework | None = None
        self.sha256 = ""

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = standards_csv.FRAMEWORK_UPLOAD
        if upload.size > limit.file_bytes:
            raise ValidationError(
                f"The file is {megabytes(upload.size)}; it can be at most {limit.size_text}", code="size"
            )
        content = upload.read()
        self.sha256 = hashlib.sha256(content).hexdigest()
        parsed = standards_csv.framework_csv_parse(content, upload.name)
        if not parsed.ok:
            self.file_problems = parsed.problems
            count = len(parsed.problems)
            raise ValidationError(
                f"{upload.name} has {count} problem{'s' if count != 1 else ''}, listed below. "
                "Fix the file and upload it again: nothing was published.",
                code="problems",
            )
        self.parsed = parsed
        return upload

    def clean(self):
        data = super().clean()
        excellent, good, requires_improvement = (data.get(name) for name in frameworks.THRESHOLD_FIELDS)
        if excellent is not None and good is not None and not excellent > good:
            self.add_error("excellent_from", "The score for Excellent must be higher than the score for Good")
        if good is not None and requires_improvement is not None and not good > requires_improvement:
            self.add_error(
                "requires_improvement_from",
                "The score for Requires improvement must be lower than the score for Good",
            )
        return data

    @property
    def thresholds(self) -> tuple[Decimal, Decimal, Decimal]:
        return tuple(self.cleaned_data[name] for name in frameworks.THRESHOLD_FIELDS)


class FrameworkSettingsForm(GovukFormMixin, forms.Form):
    comment_window_days = forms.IntegerField(
        label="Days for the provider's comments on a draft report",
        help_text="From 1 to 90.",
        min_value=frameworks.COMMENT_WINDOW_RANGE[0],
        max_value=frameworks.COMMENT_WINDOW_RANGE[1],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        error_messages={
            "required": "Enter the number of days, from 1 to 90",
            "invalid": "Enter the number of days as a whole number, like 14",
            "min_value": "Enter a number of days from 1 to 90",
            "max_value": "Enter a number of days from 1 to 90",
        },
    )


# --- Reads ---------------------------------------------------------------------------------------


@dataclass
class VersionRow:
    version: QafFrameworkVersion
    assessment_count: int


@dataclass
class FrameworkPage:
    """A body's framework: the current version with its domains and standards, and every version
    (newest first) with how many assessments use it."""

    framework: QafFramework
    current: QafFrameworkVersion
    domains: list[QafDomain]
    history: list[VersionRow]

    @property
    def standard_count(self) -> int:
        return sum(len(domain.standards.all()) for domain in self.domains)


def _framework_for(acting: Acting) -> QafFramework | None:
    """The acting commissioning body's framework, None before it adopts one; 404 for a provider."""
    if not acting.is_commissioner:
        raise Http404("QAF frameworks belong to commissioning bodies.")
    acting.require(Capability.VIEW_PORTFOLIO)
    return frameworks.framework_of(acting.organisation.commissioningbody)


def _framework_page(framework: QafFramework) -> FrameworkPage:
    versions = list(framework.versions.order_by("-number"))
    used = dict(
        Assessment.objects.filter(framework_version__framework=framework)
        .order_by()
        .values("framework_version")
        .annotate(count=Count("id"))
        .values_list("framework_version", "count")
    )
    current = versions[0]
    return FrameworkPage(
        framework=framework,
        current=current,
        domains=standards_csv.version_domains(current),
        history=[VersionRow(version, used.get(version.pk, 0)) for version in versions],
    )


# --- Pages ---------------------------------------------------------------------------------------


def _summary_items(form: forms.Form | None) -> list[tuple[str, str]]:
    """The error summary: (link, message) for each field error; the file's problems one by one."""
    if form is None or not form.errors:
        return []
    items = [("#main-content", error) for error in form.non_field_errors()]
    for name in form.fields:
        if name == "file" and getattr(form, "file_problems", None):
            problems = form.file_problems
            items += [
                (f"#problem-{number}", str(problem))
                for number, problem in enumerate(problems[:SUMMARY_PROBLEMS], start=1)
            ]
            if len(problems) > SUMMARY_PROBLEMS:
                items.append(
                    ("#problems", f"And {len(problems) - SUMMARY_PROBLEMS} more, listed in the table below")
                )
            continue
        items += [(f"#id_{name}", error) for error in form.errors.get(name, [])]
    return items


def _render(
    request: HttpRequest,
    framework: QafFramework,
    publish_form: FrameworkPublishForm | None = None,
    settings_form: FrameworkSettingsForm | None = None,
) -> HttpResponse:
    acting = request.acting
    page = _framework_page(framework)
    can_change = acting.can(Capability.ASSESS_QUALITY)
    if can_change:
        publish_form = publish_form or FrameworkPublishForm(
            initial={
                "excellent_from": page.current.excellent_from,
                "good_from": page.current.good_from,
                "requires_improvement_from": page.current.requires_improvement_from,
            }
        )
        settings_form = settings_form or FrameworkSettingsForm(
            initial={"comment_window_days": framework.comment_window_days}
        )
    errors = _summary_items(publish_form) + _summary_items(settings_form)
    return render(
        request,
        "commissioning/qaf/framework.html",
        {
            "page": page,
            "can_change": can_change,
            "publish_form": publish_form,
            "settings_form": settings_form,
            "errors": errors,
            "file_problems": publish_form.file_problems if publish_form is not None else [],
            "headers": [
                (standards_csv.COLUMN_LABELS[key], key in standards_csv.REQUIRED_COLUMNS, sorted(spellings))
                for key, spellings in standards_csv.HEADER_SPELLINGS.items()
            ],
        },
    )


@upload_limit(standards_csv.FRAMEWORK_UPLOAD)
@organisation_required
def framework(request: HttpRequest) -> HttpResponse:
    """The framework page; a POST publishes a new version (``form=publish``, the default) or changes
    the comment window (``form=settings``). Nothing is stored while anything is wrong."""
    acting = request.acting
    qaf_framework = _framework_for(acting)
    if request.method != "POST":
        if qaf_framework is None:
            return render(
                request,
                "commissioning/qaf/framework_not_adopted.html",
                {
                    "domains": frameworks.default_domains(),
                    "can_adopt": is_quality_officer(acting),
                },
            )
        return _render(request, qaf_framework)
    acting.require(Capability.ASSESS_QUALITY)
    if request.POST.get("form") == "adopt":
        frameworks.framework_default_adopt(acting=acting)
        messages.success(request, "Your organisation now uses the shipped framework (version 1).")
        return redirect("qaf:framework")
    if qaf_framework is None:
        messages.error(request, "Adopt the shipped framework first: new versions are versions of it.")
        return redirect("qaf:framework")
    if request.POST.get("form") == "settings":
        settings_form = FrameworkSettingsForm(request.POST)
        if settings_form.is_valid():
            days = settings_form.cleaned_data["comment_window_days"]
            try:
                frameworks.framework_settings_update(
                    acting=acting, framework=qaf_framework, comment_window_days=days
                )
            except ValidationError as error:
                apply_service_errors(settings_form, error)
            else:
                messages.success(
                    request,
                    f"Providers now have {days} day{'s' if days != 1 else ''} to comment on a draft report. "
                    "Drafts already shared keep their date.",
                )
                return redirect("qaf:framework")
        return _render(request, qaf_framework, settings_form=settings_form)
    publish_form = FrameworkPublishForm(request.POST, request.FILES)
    if publish_form.is_valid():
        parsed = publish_form.parsed
        try:
            version = frameworks.framework_version_upload(
                acting=acting,
                framework=qaf_framework,
                domains=parsed.domains,
                thresholds=publish_form.thresholds,
                note=publish_form.cleaned_data["note"],
                filename=parsed.filename,
                sha256=publish_form.sha256,
            )
        except ValidationError as error:
            apply_service_errors(publish_form, error)
        else:
            messages.success(
                request,
                f"Version {version.number} of the framework is published: {len(parsed.domains)} "
                f"domain{'s' if len(parsed.domains) != 1 else ''}, {parsed.standard_count} "
                f"standard{'s' if parsed.standard_count != 1 else ''}. Assessments scheduled from now on use it; "
                "assessments already scheduled keep the version they started with.",
            )
            return redirect("qaf:framework")
    return _render(request, qaf_framework, publish_form=publish_form)


@require_GET
@organisation_required
def framework_csv(request: HttpRequest) -> HttpResponse:
    """The current version's standards as CSV, in the format the framework page accepts back."""
    qaf_framework = _framework_for(request.acting)
    if qaf_framework is None:
        raise Http404("Your organisation has not adopted a QAF framework yet: see the framework page.")
    version = frameworks.framework_version_current(qaf_framework)
    return download_response(
        standards_csv.framework_csv_bytes(version),
        f"qaf-standards-version-{version.number}.csv",
        CSV_CONTENT_TYPE,
    )
