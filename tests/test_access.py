"""The button and the action ask the same question.

For every person of the permission matrix's world and every relationship (lead body, prime
provider, notice officer and recipient, assessment owner and assessed provider, review manager,
commentator and action updater, who may recompute and override), the ``is_…`` a page asks agrees
with the ``require_…`` its service asks. And on the pages themselves: a button is shown exactly to
the people whose action the service then accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import Client
from django.utils import timezone

from accounts.access import Acting, Capability, acting_for
from commissioning import access as contracts_access
from commissioning.notices import access as notices_access
from commissioning.notices.drafts import NoticeInput, notice_draft_create
from commissioning.notices.models import Notice, NoticeKind
from commissioning.notices.services import notice_acknowledge
from commissioning.qaf import access as qaf_access
from commissioning.qaf.models import Assessment
from commissioning.services.contracts import contract_update
from commissioning.services.targets import TargetInput, target_add
from outcomes.models import ComplianceResult
from outcomes.periods import parse_period, quarter_period
from outcomes.results import overrides, requests
from outcomes.reviews import access as reviews_access
from outcomes.reviews.meetings import meeting_create
from outcomes.reviews.models import ReviewAction, ReviewMeeting
from tests.commissioning.contract_inputs import contract_input
from tests.factories import CouncilFactory, ProviderFactory, contract, target
from tests.fixtures import matrix as make
from tests.fixtures.matrix import MEMBERS
from tests.fixtures.world import World, build_world, kept_for_the_module

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def w(django_db_setup, django_db_blocker) -> World:
    """The matrix world: J-1 (council leads, the ICB partners, A prime), C-2 (council, B prime, A
    subcontracts) and X-3 of another council; a notice, an assessment and a meeting on each side."""
    with kept_for_the_module(django_db_blocker):
        world = build_world()
        joint = contract(world.council, world.provider_a, reference="J-1", partners=[world.icb])
        target(joint, "HELP_48H", "90")
        council_b = contract(
            world.council, world.provider_b, reference="C-2", subcontractors=[world.provider_a]
        )
        other = contract(CouncilFactory(name="Elsewhere Council"), ProviderFactory(), reference="X-3")
        target(other)
        world.contracts = {"joint": joint, "council_b": council_b, "other": other}
        yield world


def _acting(w: World, role: str) -> Acting:
    found = acting_for(w.users[role], None)
    assert found is not None
    return found


def _refused(call: Callable[[], object]) -> bool:
    """Whether the service refuses the person (403); whatever it did otherwise is rolled back."""

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            call()
            raise Undo
    except Undo:
        return False
    except PermissionDenied:
        return True


# --- Each is_… agrees with its require_… ---------------------------------------------------------


def _pairs(w: World) -> list[tuple[str, Callable[[Acting], bool], Callable[[Acting], object]]]:
    joint, council_b, other = (w.contracts[key] for key in ("joint", "council_b", "other"))
    issued = Notice.objects.get(pk=make.notice(w, "issued"))
    draft = Notice.objects.get(pk=make.notice(w, "draft"))
    assessment = Assessment.objects.get(pk=make.qaf_assessment(w))
    meeting = ReviewMeeting.objects.get(pk=make.meeting(w))
    provider_action = ReviewAction.objects.get(pk=make.review_action(w, "provider"))
    council_action = ReviewAction.objects.get(pk=make.review_action(w, "commissioner"))
    pairs = []
    for name, deal in (("J-1", joint), ("C-2", council_b), ("X-3", other)):
        for capability in (None, *Capability):
            caps = () if capability is None else (capability,)
            pairs.append(
                (
                    f"lead body of {name} {capability or ''}",
                    lambda a, d=deal, c=caps: contracts_access.is_lead_body(a, d, *c),
                    lambda a, d=deal, c=caps: contracts_access.require_lead_body(a, d, *c),
                )
            )
            pairs.append(
                (
                    f"prime provider of {name} {capability or ''}",
                    lambda a, d=deal, c=caps: contracts_access.is_prime_provider(a, d, *c),
                    lambda a, d=deal, c=caps: contracts_access.require_prime_provider(a, d, *c),
                )
            )
        pairs += [
            (
                f"raises notices on {name}",
                lambda a, d=deal: notices_access.may_raise_notice(a, d),
                lambda a, d=deal: notices_access.require_raise_notice(a, d),
            ),
            (
                f"recomputes {name}",
                lambda a, d=deal: requests.may_recompute(a, d),
                lambda a, d=deal: requests.require_recompute(a, d),
            ),
            (
                f"overrides {name}",
                lambda a, d=deal: overrides.may_override(a, d),
                lambda a, d=deal: overrides.require_override(a, d),
            ),
        ]
    pairs += [
        ("notice manager", notices_access.is_notice_manager, notices_access.require_notice_manager),
        (
            "officer of the issued notice",
            lambda a: notices_access.is_notice_officer(a, issued),
            lambda a: notices_access.require_notice_officer(a, issued),
        ),
        (
            "officer of the draft",
            lambda a: notices_access.is_notice_officer(a, draft),
            lambda a: notices_access.require_notice_officer(a, draft),
        ),
        (
            "recipient of the issued notice",
            lambda a: notices_access.is_notice_recipient(a, issued),
            lambda a: notices_access.require_notice_recipient(a, issued),
        ),
        (
            "recipient of the draft",
            lambda a: notices_access.is_notice_recipient(a, draft),
            lambda a: notices_access.require_notice_recipient(a, draft),
        ),
        ("quality officer", qaf_access.is_quality_officer, qaf_access.require_quality_officer),
        (
            "quality officer of the council",
            lambda a: qaf_access.is_quality_officer(a, w.council.pk),
            lambda a: qaf_access.require_quality_officer(a, w.council.pk),
        ),
        (
            "owner of the assessment",
            lambda a: qaf_access.is_assessment_owner(a, assessment),
            lambda a: qaf_access.require_assessment_owner(a, assessment),
        ),
        (
            "assessed provider",
            lambda a: qaf_access.is_assessed_provider(a, assessment),
            lambda a: qaf_access.require_assessed_provider(a, assessment),
        ),
        (
            "manager of the meeting",
            lambda a: reviews_access.is_manager(a, meeting),
            lambda a: reviews_access.require_manager(a, meeting),
        ),
        (
            "commentator of the meeting",
            lambda a: reviews_access.is_commentator(a, meeting),
            lambda a: reviews_access.require_commentator(a, meeting),
        ),
        (
            "updater of the provider's action",
            lambda a: reviews_access.can_update_action(a, provider_action),
            lambda a: reviews_access.require_action_updater(a, provider_action),
        ),
        (
            "updater of the commissioner's action",
            lambda a: reviews_access.can_update_action(a, council_action),
            lambda a: reviews_access.require_action_updater(a, council_action),
        ),
    ]
    return pairs


def test_every_is_agrees_with_its_require_for_every_person(w):
    disagreements = []
    pairs = _pairs(w)
    for role in MEMBERS:
        acting = _acting(w, role)
        for name, is_, require in pairs:
            allowed = is_(acting)
            if allowed == _refused(lambda: require(acting)):
                disagreements.append(f"{role}: {name}: is_ says {allowed}")
    assert not disagreements, "\n".join(disagreements)


# --- A button is shown exactly to those whose action the service accepts --------------------------


def _shown(w: World, role: str, path: str, marker: str) -> bool:
    client = Client()
    client.force_login(w.users[role])
    response = client.get(path)
    return response.status_code == 200 and marker in response.content.decode()


def _quarter() -> tuple[str, date]:
    """The quarter just ended, and a meeting day in the days after it."""
    ended = quarter_period(quarter_period(timezone.localdate()).start - timedelta(days=1))
    return ended.identifier, timezone.localdate() + timedelta(days=7)


@pytest.mark.parametrize(
    "button",
    [
        "Change contract details",
        "Add a target",
        "Raise a notice",
        "Plan a review meeting",
        "Recompute now",
        "Override the RAG",
        "Acknowledge the notice",
    ],
)
def test_a_button_is_shown_exactly_to_the_people_the_service_accepts(w, button):
    joint = w.contracts["joint"]
    if button in ("Recompute now", "Override the RAG"):
        result = ComplianceResult.objects.get(pk=make.result(w))
    notice = Notice.objects.get(pk=make.notice(w, "issued")) if button == "Acknowledge the notice" else None
    quarter, held_on = _quarter()

    def plan(acting):
        try:
            meeting_create(
                acting=acting, contracts=[joint], quarter=quarter, held_on=held_on, place="Council House"
            )
        except ValidationError as error:
            if "does not lead" in " ".join(error.messages):
                raise PermissionDenied(error.messages[0]) from None
            raise

    cases = {
        "Change contract details": (
            f"/contracts/{joint.pk}/",
            f'href="/contracts/{joint.pk}/edit/"',
            lambda a: contract_update(
                acting=a, contract=joint, data=contract_input(w.provider_a, reference="J-1")
            ),
        ),
        "Add a target": (
            f"/contracts/{joint.pk}/",
            f'href="/contracts/{joint.pk}/targets/new/"',
            lambda a: target_add(
                acting=a,
                contract=joint,
                measure="RESIDENTIAL_ENTRY",
                params=None,
                data=TargetInput(target_value="5", effective_from=date(2025, 4, 1)),
            ),
        ),
        "Raise a notice": (
            f"/contracts/{joint.pk}/",
            f'href="/notices/contracts/{joint.pk}/new/"',
            lambda a: notice_draft_create(
                acting=a,
                contract=joint,
                data=NoticeInput(
                    kind=NoticeKind.BREACH,
                    reason="returns",
                    clause="Clause 14.2",
                    facts="The June return was not received.",
                    remedy="Submit it.",
                    remedy_due_on=timezone.localdate() + timedelta(days=20),
                ),
            ),
        ),
        "Plan a review meeting": (f"/contracts/{joint.pk}/", f"/reviews/new/?contract={joint.pk}", plan),
        "Recompute now": (
            f"/results/contracts/{joint.pk}/",
            f'action="/results/contracts/{joint.pk}/recompute/"',
            lambda a: requests.recompute_run_request(
                acting=a, contract=joint, year=2025, periods=[parse_period("2025-26-Q1")]
            ),
        ),
        "Override the RAG": (
            f"/results/{result.pk}/" if button == "Override the RAG" else "",
            f'action="/results/{result.pk}/override/"' if button == "Override the RAG" else "",
            lambda a: overrides.result_override(
                acting=a, result=result, rag_value="red", reason="Agreed at review"
            ),
        ),
        "Acknowledge the notice": (
            f"/notices/{notice.pk}/" if notice else "",
            f'action="/notices/{notice.pk}/acknowledge/"' if notice else "",
            lambda a: notice_acknowledge(acting=a, notice=notice),
        ),
    }
    path, marker, act = cases[button]
    wrong = []
    for role in MEMBERS:
        shown = _shown(w, role, path, marker)
        accepted = not _refused(lambda: act(_acting(w, role)))
        if shown != accepted:
            wrong.append(f"{role}: button shown {shown}, action accepted {accepted}")
    assert not wrong, f"{button}:\n" + "\n".join(wrong)
