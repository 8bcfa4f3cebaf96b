"""QAF reads, scoped to the acting organisation.

A commissioning body sees its own assessments (all its roles); a provider sees its own
assessments once the draft report is shared with it (not the officers' work in progress).
Anything else is 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Case, Count, IntegerField, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from accounts.access import Acting
from commissioning.models import Contract
from commissioning.qaf.models import (
    ActionStatus,
    Assessment,
    AssessmentStatus,
    Comment,
    EvidenceFile,
    FinalReport,
    QafDomain,
    QafFramework,
    QafStandard,
    QafStatus,
    QafStatusCode,
    Rating,
    RemedialAction,
)
from providers.models import CqcRating, Provider

PROVIDER_VISIBLE = (AssessmentStatus.DRAFT_SHARED, AssessmentStatus.FINALISED)


def assessments_for(acting: Acting) -> QuerySet[Assessment]:
    """The assessments the acting organisation may see."""
    base = Assessment.objects.select_related(
        "provider", "contract", "commissioner", "framework_version__framework"
    )
    if acting.is_commissioner:
        return base.filter(commissioner_id=acting.organisation.pk)
    if acting.is_provider:
        return base.filter(provider_id=acting.organisation.pk, status__in=PROVIDER_VISIBLE)
    return base.none()


def assessment_get_for(acting: Acting, assessment_id: int) -> Assessment:
    return get_object_or_404(assessments_for(acting), pk=assessment_id)


def action_get_for(acting: Acting, action_id: int) -> RemedialAction:
    action = get_object_or_404(RemedialAction.objects.select_related("assessment", "standard"), pk=action_id)
    assessment_get_for(acting, action.assessment_id)  # 404 outside
    return action


def evidence_get_for(acting: Acting, file_id: int) -> EvidenceFile:
    evidence = get_object_or_404(EvidenceFile.objects.select_related("assessment"), pk=file_id)
    assessment_get_for(acting, evidence.assessment_id)  # 404 outside
    return evidence


def frameworks_for(acting: Acting) -> QuerySet[QafFramework]:
    if not acting.is_commissioner:
        return QafFramework.objects.none()
    return QafFramework.objects.filter(owner_id=acting.organisation.pk)


def statuses_for(acting: Acting) -> QuerySet[QafStatus]:
    """The body's stored QAF statuses (provider level and per contract)."""
    if not acting.is_commissioner:
        return QafStatus.objects.none()
    return QafStatus.objects.filter(commissioner_id=acting.organisation.pk).select_related(
        "provider", "contract", "assessment"
    )


@dataclass
class Section:
    """A domain of the framework version with the assessment's rating of each of its standards."""

    domain: QafDomain
    ratings: list[Rating]


def assessment_sections(assessment: Assessment) -> list[Section]:
    """The assessment's ratings grouped by domain, in the framework's order."""
    ratings = {
        rating.standard_id: rating
        for rating in Rating.objects.filter(assessment=assessment).select_related("standard")
    }
    sections = []
    for domain in QafDomain.objects.filter(version=assessment.framework_version).prefetch_related(
        "standards"
    ):
        rows = [ratings[s.pk] for s in domain.standards.all() if s.pk in ratings]
        sections.append(Section(domain, rows))
    return sections


# --- Pages: the tracker, a provider's QAF page, the action plan ------------------------------------

PRIORITY_CQC_RATINGS = (CqcRating.REQUIRES_IMPROVEMENT, CqcRating.INADEQUATE)
HIGHLIGHTED_STATUSES = (QafStatusCode.OVERDUE, QafStatusCode.NON_COMPLIANT_PAST_WINDOW)
OPEN_STATUSES = (AssessmentStatus.SCHEDULED, AssessmentStatus.STARTED, AssessmentStatus.DRAFT_SHARED)


def providers_assessed_by(acting: Acting) -> QuerySet[Provider]:
    """Providers the acting commissioning body assesses: the prime provider of a contract it leads."""
    if not acting.is_commissioner:
        return Provider.objects.none()
    led = Contract.objects.filter(lead_commissioner_id=acting.organisation.pk).values("provider_id")
    return Provider.objects.filter(pk__in=led).order_by("name")


def qaf_provider_get_for(acting: Acting, provider_id: int) -> Provider:
    """One provider the body assesses; 404 for anyone else (providers included)."""
    return get_object_or_404(providers_assessed_by(acting), pk=provider_id)


def providers_without_status(acting: Acting) -> list[int]:
    """Ids of the body's providers with no stored provider-level QAF status yet."""
    stored = QafStatus.objects.filter(commissioner_id=acting.organisation.pk, contract__isnull=True).values(
        "provider_id"
    )
    return list(providers_assessed_by(acting).exclude(pk__in=stored).values_list("pk", flat=True))


@dataclass
class TrackerRow:
    """A provider on the commissioner's QAF tracker."""

    provider: Provider
    status: QafStatus | None
    last_completed_on: date | None
    in_progress: Assessment | None

    @property
    def cqc_priority(self) -> bool:
        return self.provider.cqc_rating in PRIORITY_CQC_RATINGS

    @property
    def highlighted(self) -> bool:
        return self.status is not None and self.status.status in HIGHLIGHTED_STATUSES

    @property
    def due_on(self) -> date | None:
        """The date that matters next: the end of the compliance window, else the next assessment."""
        if self.status is None:
            return None
        return self.status.window_ends_on or self.status.next_due_on


def tracker_rows_for(acting: Acting, *, status: str = "", cqc_rating: str = "") -> list[TrackerRow]:
    """Every provider the body assesses with its provider-level QAF status, CQC rating, last
    completed assessment and any assessment under way; filtered by QAF status and CQC rating."""
    providers = providers_assessed_by(acting)
    if cqc_rating:
        providers = providers.filter(cqc_rating=cqc_rating)
    statuses = {
        row.provider_id: row
        for row in statuses_for(acting).filter(contract__isnull=True, provider__in=providers)
    }
    mine = assessments_for(acting).filter(provider__in=providers)
    last_completed = dict(
        mine.filter(status=AssessmentStatus.FINALISED)
        .order_by()
        .values("provider_id")
        .annotate(last=Max("finalised_on"))
        .values_list("provider_id", "last")
    )
    in_progress: dict[int, Assessment] = {}
    for assessment in mine.filter(status__in=OPEN_STATUSES).order_by("provider_id", "-id"):
        in_progress.setdefault(assessment.provider_id, assessment)
    rows = [
        TrackerRow(
            provider, statuses.get(provider.pk), last_completed.get(provider.pk), in_progress.get(provider.pk)
        )
        for provider in providers
    ]
    if status:
        rows = [row for row in rows if row.status is not None and row.status.status == status]
    return rows


@dataclass
class ProviderQaf:
    """A provider's QAF page for one commissioning body."""

    provider: Provider
    overall: QafStatus | None
    by_contract: list[QafStatus]
    contracts: list[Contract]
    assessments: list[Assessment]


def provider_qaf_for(acting: Acting, provider: Provider) -> ProviderQaf:
    """The body's statuses of a provider (overall and per contract it leads), its contracts with
    the provider and every assessment of the provider by the body, newest first."""
    statuses = list(statuses_for(acting).filter(provider=provider).order_by("contract__reference"))
    return ProviderQaf(
        provider=provider,
        overall=next((row for row in statuses if row.contract_id is None), None),
        by_contract=[row for row in statuses if row.contract_id is not None],
        contracts=list(contracts_with(acting, provider)),
        assessments=list(assessments_for(acting).filter(provider=provider)),
    )


def contracts_with(acting: Acting, provider: Provider) -> QuerySet[Contract]:
    """The contracts the acting body leads with the provider (an assessment may be scoped to one)."""
    if not acting.is_commissioner:
        return Contract.objects.none()
    return Contract.objects.filter(lead_commissioner_id=acting.organisation.pk, provider=provider).order_by(
        "reference"
    )


def assessment_list_for(acting: Acting) -> QuerySet[Assessment]:
    """The visible assessments with their number of actions and of actions not yet verified."""
    return assessments_for(acting).annotate(
        action_count=Count("actions", distinct=True),
        open_action_count=Count("actions", filter=~Q(actions__status=ActionStatus.VERIFIED), distinct=True),
    )


def comment_get_for(acting: Acting, comment_id: int) -> Comment:
    """A comment on an assessment the acting organisation may see; 404 otherwise."""
    comment = get_object_or_404(Comment.objects.select_related("assessment", "standard"), pk=comment_id)
    comment.assessment = assessment_get_for(acting, comment.assessment_id)
    return comment


def assessment_comments(assessment: Assessment) -> list[Comment]:
    return list(assessment.comments.select_related("standard"))


def assessment_files(assessment: Assessment) -> list[EvidenceFile]:
    """Files attached to the assessment itself (those sent against an action are on the action plan)."""
    return list(assessment.files.filter(action__isnull=True))


def assessment_report(assessment: Assessment) -> FinalReport | None:
    return FinalReport.objects.filter(assessment=assessment).first()


def action_plan_for(assessment: Assessment) -> list[RemedialAction]:
    """The assessment's actions by due date, each with its standard and evidence files."""
    return list(
        assessment.actions.select_related("standard").prefetch_related(
            Prefetch("files", queryset=EvidenceFile.objects.order_by("uploaded_at", "id"))
        )
    )


def assessment_standards(assessment: Assessment) -> QuerySet[QafStandard]:
    """The standards of the assessment's framework version, in the framework's order."""
    return QafStandard.objects.filter(domain__version_id=assessment.framework_version_id).select_related(
        "domain"
    )


def reassessments_of(acting: Acting, assessment: Assessment) -> QuerySet[Assessment]:
    """The visible reassessments that follow an assessment."""
    return assessments_for(acting).filter(reassessment_of=assessment).order_by("id")


# --- The API's QAF status collection ---------------------------------------------------------------

OVERDUE_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.REOPENED)


def _action_count(*, scoped: bool, overdue_before: date | None = None) -> Coalesce:
    """Remedial actions not yet verified behind a stored status (counted as qaf_status_store counts
    them): of the body's assessments of the provider, not cancelled; for a contract's status, those
    for the contract or for no particular contract. ``overdue_before``: only those still waiting on
    the provider (open or reopened) and due before that day."""
    actions = RemedialAction.objects.filter(
        assessment__provider_id=OuterRef("provider_id"),
        assessment__commissioner_id=OuterRef("commissioner_id"),
    ).exclude(assessment__status=AssessmentStatus.CANCELLED)
    actions = actions.exclude(status=ActionStatus.VERIFIED)
    if scoped:
        actions = actions.filter(
            Q(assessment__contract__isnull=True) | Q(assessment__contract_id=OuterRef("contract_id"))
        )
    if overdue_before is not None:
        actions = actions.filter(status__in=OVERDUE_ACTION_STATUSES, due_on__lt=overdue_before)
    counted = actions.order_by().values("assessment__provider_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted[:1], output_field=IntegerField()), 0)


def status_list_for(acting: Acting, today: date) -> QuerySet[QafStatus]:
    """Stored QAF statuses the acting organisation may read: a body its own (as its tracker and
    provider pages show them); a provider its own, from each body that assesses it (as the
    review packs show them). Each with ``open_action_count`` and ``overdue_action_count``."""
    if acting.is_commissioner:
        statuses = statuses_for(acting)
    elif acting.is_provider:
        statuses = QafStatus.objects.filter(provider_id=acting.organisation.pk).select_related(
            "provider", "contract", "assessment"
        )
    else:
        return QafStatus.objects.none()

    def by_scope(overall: Coalesce, for_contract: Coalesce) -> Case:
        return Case(When(contract__isnull=True, then=overall), default=for_contract)

    return statuses.select_related("commissioner").annotate(
        open_action_count=by_scope(_action_count(scoped=False), _action_count(scoped=True)),
        overdue_action_count=by_scope(
            _action_count(scoped=False, overdue_before=today),
            _action_count(scoped=True, overdue_before=today),
        ),
    )


def status_assessment_for(acting: Acting, status: QafStatus) -> Assessment | None:
    """The assessment a status rests on, if the acting organisation may see it (a provider sees
    its assessments from the draft report on; never the officers' work in progress)."""
    assessment = status.assessment
    if assessment is None:
        return None
    if acting.is_provider and assessment.status not in PROVIDER_VISIBLE:
        return None
    return assessment
