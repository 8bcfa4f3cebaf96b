"""QAF frameworks: the shipped template, versions (new ones from a body's quality officers), and
the judgement rule from ratings to an overall judgement and compliance."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.access import Acting
from accounts.audit import audit_record
from commissioning.models import CommissioningBody
from commissioning.qaf.access import require_quality_officer
from commissioning.qaf.models import (
    RATING_POINTS,
    Outcome,
    QafDomain,
    QafFramework,
    QafFrameworkVersion,
    QafStandard,
    Rating,
    StandardRating,
)
from commissioning.qaf.template import DEFAULT_DOMAINS, DEFAULT_NAME

# --- Frameworks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StandardInput:
    code: str
    title: str
    looks_like: str = ""
    weight: Decimal = Decimal("1")


@dataclass(frozen=True)
class DomainInput:
    name: str
    standards: list[StandardInput]


def default_domains() -> list[DomainInput]:
    """The shipped template's domains and standards (``commissioning.qaf.template``)."""
    return [
        DomainInput(name, [StandardInput(code, title, looks_like) for code, title, looks_like in standards])
        for name, standards in DEFAULT_DOMAINS
    ]


def framework_version_publish(
    *,
    framework: QafFramework,
    domains: list[DomainInput],
    note: str,
    actor_label: str,
    thresholds: tuple[Decimal, Decimal, Decimal] | None = None,
) -> QafFrameworkVersion:
    """A new version of a framework (assessments already made keep the version they used)."""
    problems = []
    if not domains or not any(domain.standards for domain in domains):
        problems.append("A framework needs at least one domain with at least one standard.")
    codes = [standard.code.strip() for domain in domains for standard in domain.standards]
    if len(codes) != len(set(codes)):
        problems.append("Each standard needs its own code.")
    for domain in domains:
        for standard in domain.standards:
            if not standard.code.strip() or not standard.title.strip():
                problems.append(f"Every standard in {domain.name!r} needs a code and a title.")
            if standard.weight <= 0:
                problems.append(f"Standard {standard.code} needs a weight above 0.")
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        QafFramework.objects.select_for_update().get(pk=framework.pk)
        latest = framework.versions.order_by("-number").first()
        version = QafFrameworkVersion.objects.create(
            framework=framework,
            number=(latest.number + 1) if latest else 1,
            note=note,
            created_by_label=actor_label,
            **(
                dict(
                    zip(("excellent_from", "good_from", "requires_improvement_from"), thresholds, strict=True)
                )
                if thresholds
                else {}
            ),
        )
        for position, domain in enumerate(domains, start=1):
            stored = QafDomain.objects.create(version=version, position=position, name=domain.name.strip())
            QafStandard.objects.bulk_create(
                QafStandard(
                    domain=stored,
                    position=index,
                    code=standard.code.strip(),
                    title=standard.title.strip(),
                    looks_like=standard.looks_like.strip(),
                    weight=standard.weight,
                )
                for index, standard in enumerate(domain.standards, start=1)
            )
    return version


def framework_of(owner: CommissioningBody) -> QafFramework | None:
    """The body's framework, or None before it has adopted one (the shipped template is adopted when
    it first schedules an assessment, or when a quality officer adopts it on the framework page)."""
    return QafFramework.objects.filter(owner=owner).order_by("created_at", "id").first()


def framework_default_adopt(*, acting: Acting) -> QafFramework:
    """A quality officer adopts the shipped template as the body's framework (nothing changes if the
    body already has one)."""
    require_quality_officer(acting)
    body = acting.organisation.commissioningbody
    existing = framework_of(body)
    if existing is not None:
        return existing
    with transaction.atomic():
        framework = framework_default_get_or_create(owner=body, actor_label=str(acting.user))
        audit_record(
            actor=acting.user,
            actor_organisation=acting.organisation,
            action="qaf.framework_adopt",
            obj=framework,
            organisation=body,
            details={"name": framework.name},
        )
    return framework


def framework_default_get_or_create(*, owner: CommissioningBody, actor_label: str = "System") -> QafFramework:
    """The body's framework, created from the shipped template (version 1) the first time."""
    framework = framework_of(owner)
    if framework is not None:
        return framework
    with transaction.atomic():
        framework = QafFramework.objects.create(owner=owner, name=DEFAULT_NAME)
        framework_version_publish(
            framework=framework,
            domains=default_domains(),
            note="The shipped template: five domains, sixteen standards.",
            actor_label=actor_label,
        )
    return framework


def framework_version_current(framework: QafFramework) -> QafFrameworkVersion | None:
    return framework.versions.order_by("-number").first()


# --- Judgement -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Judgement:
    score: Decimal | None
    judgement: str
    outcome: str
    rated: int
    poor: list[str]


def judgement_from(ratings: list[Rating], version: QafFrameworkVersion) -> Judgement:
    """The framework version's rule: weighted mean points of the rated standards (two decimals,
    half up) → Excellent / Good / Requires improvement / Poor; compliant when Good or better and
    no standard is rated Poor."""
    weighted = Decimal(0)
    weights = Decimal(0)
    poor = []
    for rating in ratings:
        points = RATING_POINTS.get(rating.rating)
        if points is None:
            continue
        weighted += Decimal(points) * rating.standard.weight
        weights += rating.standard.weight
        if rating.rating == StandardRating.POOR:
            poor.append(rating.standard.code)
    if not weights:
        return Judgement(None, "", "", 0, [])
    score = (weighted / weights).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if score >= version.excellent_from:
        judgement = StandardRating.EXCELLENT
    elif score >= version.good_from:
        judgement = StandardRating.GOOD
    elif score >= version.requires_improvement_from:
        judgement = StandardRating.REQUIRES_IMPROVEMENT
    else:
        judgement = StandardRating.POOR
    compliant = judgement in (StandardRating.EXCELLENT, StandardRating.GOOD) and not poor
    rated = sum(1 for rating in ratings if rating.rating in RATING_POINTS)
    return Judgement(score, judgement, Outcome.COMPLIANT if compliant else Outcome.NON_COMPLIANT, rated, poor)


# --- A body's own framework: new versions and settings, by its quality officers ------------------

THRESHOLD_FIELDS = ("excellent_from", "good_from", "requires_improvement_from")
THRESHOLD_LABELS = dict(zip(THRESHOLD_FIELDS, ("Excellent", "Good", "Requires improvement"), strict=True))
THRESHOLD_RANGE = (Decimal("1"), Decimal("4"))
COMMENT_WINDOW_RANGE = (1, 90)


def _framework_shape(domains: list[DomainInput], thresholds: tuple[Decimal, Decimal, Decimal]) -> tuple:
    return (
        tuple(Decimal(t) for t in thresholds),
        tuple(
            (
                domain.name.strip(),
                tuple(
                    (s.code.strip(), s.title.strip(), s.looks_like.strip(), Decimal(s.weight))
                    for s in domain.standards
                ),
            )
            for domain in domains
        ),
    )


def _version_shape(version: QafFrameworkVersion) -> tuple:
    domains = [
        DomainInput(
            domain.name,
            [StandardInput(s.code, s.title, s.looks_like, s.weight) for s in domain.standards.all()],
        )
        for domain in version.domains.order_by("position").prefetch_related("standards")
    ]
    return _framework_shape(
        domains, (version.excellent_from, version.good_from, version.requires_improvement_from)
    )


def framework_version_upload(
    *,
    acting: Acting,
    framework: QafFramework,
    domains: list[DomainInput],
    thresholds: tuple[Decimal, Decimal, Decimal],
    note: str,
    filename: str = "",
    sha256: str = "",
) -> QafFrameworkVersion:
    """A quality officer of the owning body publishes the next version of its framework (standards
    from an uploaded file, thresholds, what changed); audited. Assessments keep their version."""
    require_quality_officer(acting, framework.owner_id)
    problems: dict[str, list[str]] = {}
    low, high = THRESHOLD_RANGE
    for name, value in zip(THRESHOLD_FIELDS, thresholds, strict=True):
        if not low <= value <= high:
            problems.setdefault(name, []).append(
                f"Enter a score from {low} to {high} for {THRESHOLD_LABELS[name]}"
            )
    excellent, good, requires_improvement = thresholds
    if not problems and not excellent > good > requires_improvement:
        problems["good_from"] = [
            "The scores must go down from Excellent to Good to Requires improvement: "
            "Excellent needs a higher score than Good, and Good a higher score than Requires improvement"
        ]
    if not note.strip():
        problems["note"] = ["Say what changed in this version"]
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        QafFramework.objects.select_for_update().get(pk=framework.pk)
        current = framework_version_current(framework)
        if current is not None and _version_shape(current) == _framework_shape(domains, thresholds):
            raise ValidationError(
                {
                    "file": f"The standards and thresholds are the same as version {current.number}, "
                    "so there is nothing to publish. Change the file or a threshold and try again."
                }
            )
        version = framework_version_publish(
            framework=framework,
            domains=domains,
            note=note.strip(),
            actor_label=str(acting.user),
            thresholds=thresholds,
        )
        audit_record(
            actor=acting.user,
            actor_organisation=acting.organisation,
            action="qaf.framework_publish",
            obj=version,
            organisation=framework.owner,
            details={
                "framework": framework.name,
                "number": version.number,
                "previous": current.number if current else None,
                "note": version.note,
                "domains": len(domains),
                "standards": sum(len(domain.standards) for domain in domains),
                "thresholds": [str(t) for t in thresholds],
                "filename": filename,
                "sha256": sha256,
            },
        )
    return version


def framework_settings_update(
    *, acting: Acting, framework: QafFramework, comment_window_days: int
) -> QafFramework:
    """A quality officer changes the days a provider has to comment on a draft report (1 to 90);
    drafts already shared keep their due date. Audited when it changes."""
    require_quality_officer(acting, framework.owner_id)
    low, high = COMMENT_WINDOW_RANGE
    if not low <= comment_window_days <= high:
        raise ValidationError({"comment_window_days": f"Enter a number of days from {low} to {high}"})
    with transaction.atomic():
        locked = QafFramework.objects.select_for_update().get(pk=framework.pk)
        before = locked.comment_window_days
        if before != comment_window_days:
            locked.comment_window_days = comment_window_days
            locked.save(update_fields=["comment_window_days"])
            audit_record(
                actor=acting.user,
                actor_organisation=acting.organisation,
                action="qaf.framework_settings",
                obj=locked,
                organisation=framework.owner,
                details={"comment_window_days": [before, comment_window_days]},
            )
    return locked
