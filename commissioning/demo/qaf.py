"""A year of QAF history for the demo council's providers (python manage.py seed_demo).

Dates are relative to the day the demo is loaded, so the statuses stay meaningful: a provider
found non-compliant who became compliant within the window (Castle), one past the window
(Brookside), one whose assessment is overdue (Harbour), one non-compliant within the window with
an action plan under way (Acme, the demo provider users' own), a draft report waiting for the
provider's comments (Greenlane), one scheduled (Kestrel) and several compliant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from commissioning.models import CommissioningBody, Contract
from commissioning.qaf.frameworks import (
    framework_default_get_or_create,
    framework_version_current,
    judgement_from,
)
from commissioning.qaf.models import (
    ActionStatus,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Comment,
    EvidenceFile,
    FinalReport,
    QafStandard,
    Rating,
    RemedialAction,
    StandardRating,
)
from commissioning.qaf.reports import qaf_report_generate
from commissioning.qaf.status import qaf_status_store_all
from providers.models import CqcRatingRecord, Provider

COUNCIL = "Riverton City Council"
OFFICER = "quality@riverton.example"
LABEL = "Grace Okafor"

G, E, RI, P = (
    StandardRating.GOOD,
    StandardRating.EXCELLENT,
    StandardRating.REQUIRES_IMPROVEMENT,
    StandardRating.POOR,
)


@dataclass(frozen=True)
class Plan:
    """One demo assessment: days before today it started and finished, its ratings and actions."""

    provider: str
    started: int  # days ago
    finished: int | None  # days ago; None while not finalised
    ratings: dict[str, str] = field(default_factory=dict)  # by standard code; the rest Good
    base: str = G
    kind: str = AssessmentKind.INITIAL
    status: str = AssessmentStatus.FINALISED
    delay: tuple[str, str] | None = None
    actions: tuple[tuple[str, str, int, str], ...] = ()  # standard, what, due in days from completion, status
    comment: str = ""


PLANS: list[Plan] = [
    Plan(
        "Dale Reablement Ltd",
        320,
        200,
        {"2.3": E, "1.1": E},
        delay=("provider_evidence", "Staff files sent late"),
    ),
    Plan("Harbour Support Services", 470, 400, {"4.3": RI}),
    Plan(
        "Castle Home Support",
        260,
        200,
        {"3.1": P, "4.2": RI, "2.2": RI},
        actions=(
            (
                "3.1",
                "Train every care worker in safeguarding adults (level 2) and keep the certificates.",
                28,
                ActionStatus.VERIFIED,
            ),
            (
                "4.2",
                "Supervise each care worker at least every three months and record it.",
                42,
                ActionStatus.VERIFIED,
            ),
        ),
        comment="Safeguarding training for 6 staff was booked before the visit.",
    ),
    Plan("Castle Home Support", 150, 140, {"4.2": RI}, kind=AssessmentKind.REASSESSMENT),
    Plan(
        "Brookside Care Services",
        230,
        130,
        {"2.2": P, "2.4": RI, "5.1": RI},
        delay=("officer_capacity", "Two of the three quality officers were on long-term leave"),
        actions=(
            (
                "2.2",
                "Stop missed calls: monitor visits electronically and follow up every late call.",
                21,
                ActionStatus.REOPENED,
            ),
            ("2.4", "Audit medication records monthly and act on every gap.", 28, ActionStatus.OPEN),
        ),
    ),
    Plan("Brookside Care Services", 50, 30, {"2.2": P}, kind=AssessmentKind.REASSESSMENT),
    Plan(
        "Acme Homecare Ltd",
        90,
        40,
        {"3.2": P, "4.1": RI},
        actions=(
            (
                "3.2",
                "Complete a moving and handling risk assessment for every person with a hoist.",
                30,
                ActionStatus.DONE,
            ),
            (
                "4.1",
                "Obtain two references for the four care workers recruited in 2025.",
                45,
                ActionStatus.OPEN,
            ),
        ),
        comment="Two of the four references were on file at the time of the visit.",
    ),
    Plan(
        "Fairway Homecare",
        300,
        250,
        {"5.2": RI},
        actions=(("5.2", "Answer complaints within 20 working days.", 30, ActionStatus.OPEN),),
    ),
    Plan("Larkspur Living Ltd", 160, 100, {"1.2": E, "2.1": E, "5.1": E}),
    Plan("Greenlane Care at Home", 35, None, {"2.4": RI}, status=AssessmentStatus.DRAFT_SHARED),
]


def _build(
    plan: Plan, body: CommissioningBody, version, officer: User, today: date, previous: Assessment | None
):
    provider = Provider.objects.get(name=plan.provider)
    contract = (
        Contract.objects.filter(lead_commissioner=body, provider=provider).order_by("reference").first()
    )
    started = today - timedelta(days=plan.started)
    finished = today - timedelta(days=plan.finished) if plan.finished is not None else None
    assessment = Assessment.objects.create(
        framework_version=version,
        commissioner=body,
        provider=provider,
        contract=contract,
        kind=plan.kind,
        reassessment_of=previous if plan.kind == AssessmentKind.REASSESSMENT else None,
        status=plan.status,
        lead_officer=officer,
        scheduled_for=started - timedelta(days=14),
        started_on=started,
        draft_shared_at=timezone.make_aware(
            timezone.datetime.combine(
                (finished or today) - timedelta(days=15 if finished else 3), time(14, 10)
            )
        ),
        delay_reason=plan.delay[0] if plan.delay else "",
        delay_note=plan.delay[1] if plan.delay else "",
        created_by_label=LABEL,
    )
    assessment.comments_due_on = assessment.draft_shared_at.date() + timedelta(days=14)
    ratings = []
    for standard in QafStandard.objects.filter(domain__version=version):
        value = plan.ratings.get(standard.code, plan.base)
        note = {
            P: "Serious gaps found in the records sampled.",
            RI: "Some records incomplete; practice not consistent across teams.",
            E: "Strong evidence of good practice in every record sampled.",
        }.get(value, "Evidence seen on the visit and in the records sampled.")
        ratings.append(
            Rating(
                assessment=assessment, standard=standard, rating=value, evidence=note, updated_by_label=LABEL
            )
        )
    Rating.objects.bulk_create(ratings)
    if plan.comment:
        Comment.objects.create(
            assessment=assessment,
            text=plan.comment,
            author_label=f"{provider.name} (registered manager)",
            created_at=assessment.draft_shared_at + timedelta(days=5, hours=-3, minutes=-25),
            response="Noted; the rating stands because the certificates were not available at the time.",
            responded_at=assessment.draft_shared_at + timedelta(days=8),
        )
    if finished is not None:
        judged = judgement_from(
            list(Rating.objects.filter(assessment=assessment).select_related("standard")), version
        )
        assessment.finalised_on = finished
        assessment.score, assessment.judgement, assessment.outcome = (
            judged.score,
            judged.judgement,
            judged.outcome,
        )
        assessment.summary = (
            f"Two visits and a sample of 12 care records. Overall {judged.judgement.replace('_', ' ')}; "
            + (
                "compliant with the framework."
                if judged.outcome == "compliant"
                else "not compliant: see the action plan."
            )
        )
    assessment.save()
    standards = {s.code: s for s in QafStandard.objects.filter(domain__version=version)}
    for code, what, due_in, status in plan.actions:
        action = RemedialAction.objects.create(
            assessment=assessment,
            standard=standards[code],
            description=what,
            owner="Registered manager",
            due_on=finished + timedelta(days=due_in),
            status=status,
            provider_note="Done: evidence attached."
            if status in (ActionStatus.DONE, ActionStatus.VERIFIED)
            else "",
            officer_note="Certificates for 3 staff still missing." if status == ActionStatus.REOPENED else "",
            done_at=timezone.now() - timedelta(days=5) if status != ActionStatus.OPEN else None,
            verified_at=timezone.now() - timedelta(days=2) if status == ActionStatus.VERIFIED else None,
        )
        if status in (ActionStatus.DONE, ActionStatus.VERIFIED):
            import hashlib

            from django.core.files.base import ContentFile

            content = f"Evidence for action {code}: {what}\nSigned off by the registered manager.\n".encode()
            evidence = EvidenceFile(
                assessment=assessment,
                action=action,
                original_name=f"evidence-{code}.txt",
                content_type="text/plain",
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                uploaded_by_label=f"{provider.name} (registered manager)",
                uploaded_by_provider=True,
            )
            evidence.file.save(f"evidence-{code}.txt", ContentFile(content), save=False)
            evidence.save()
    if finished is not None:
        FinalReport.objects.create(assessment=assessment)
    return assessment


def qaf_seed(today: date | None = None) -> int:
    """Load the demo QAF history once (nothing happens if the council already has assessments)."""
    today = today or timezone.localdate()
    body = CommissioningBody.objects.get(name=COUNCIL)
    if Assessment.objects.filter(commissioner=body).exists():
        return 0
    officer = User.objects.get(email=OFFICER)
    with transaction.atomic():
        version = framework_version_current(framework_default_get_or_create(owner=body, actor_label=LABEL))
        # Published before the year of assessments made with it began.
        first = today - timedelta(days=max(plan.started for plan in PLANS) + 45)
        published = timezone.make_aware(timezone.datetime.combine(first, time(11, 0)))
        type(version).objects.filter(pk=version.pk, created_at__gt=published).update(created_at=published)
        previous: dict[str, Assessment] = {}
        for plan in PLANS:
            previous[plan.provider] = _build(plan, body, version, officer, today, previous.get(plan.provider))
        Assessment.objects.create(
            framework_version=version,
            commissioner=body,
            provider=Provider.objects.get(name="Kestrel Home Care"),
            contract=Contract.objects.filter(
                lead_commissioner=body, provider__name="Kestrel Home Care"
            ).first(),
            scheduled_for=today + timedelta(days=14),
            lead_officer=officer,
            created_by_label=LABEL,
        )
    # The providers' CQC ratings, as the council's quarterly import recorded them.
    CqcRatingRecord.objects.bulk_create(
        CqcRatingRecord(
            provider=provider,
            location_id=provider.cqc_location_id or "",
            location_name=provider.name,
            rating=provider.cqc_rating,
            rating_date=provider.cqc_rating_date,
            source=CqcRatingRecord.Source.IMPORT,
            recorded_by_label=LABEL,
            recorded_by_organisation=body,
        )
        for provider in Provider.objects.filter(cqc_ratings__isnull=True).exclude(cqc_rating="")
    )
    for report in FinalReport.objects.filter(assessment__commissioner=body, generated_at__isnull=True):
        qaf_report_generate(report.pk)
    qaf_status_store_all(today)
    return len(PLANS) + 1
