"""Demo data: a council and an ICB commissioning jointly, 12 providers, and one person per role.

For demonstrations and local use only: every demo account shares one published password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.access import acting_for
from accounts.models import Invitation, Membership, OrganisationKind, Role, User
from accounts.services import invitation_create
from commissioning.demo.contracts import ANCHOR, demo_portfolio, demo_start
from commissioning.models import CommissioningBody, Contract
from commissioning.services import contracts_import
from providers.models import CqcRating, Provider

DEMO_PASSWORD = "Riverton-demo-2026"
COUNCIL = "Riverton City Council"
ICB = "Riverton ICB"

# A realistic CQC mix for 12 agencies (a mid-sized city's 25: 14 Good, 5 Requires improvement,
# 6 not yet inspected, none Outstanding), scaled down.
PROVIDERS: list[tuple[str, str, str, date | None]] = [
    ("Acme Homecare Ltd", "1-000000001", CqcRating.GOOD, date(2024, 11, 2)),
    ("Brookside Care Services", "1-000000002", CqcRating.GOOD, date(2023, 6, 14)),
    ("Castle Home Support", "1-000000003", CqcRating.REQUIRES_IMPROVEMENT, date(2025, 2, 20)),
    ("Dale Reablement Ltd", "1-000000004", CqcRating.GOOD, date(2024, 3, 8)),
    ("Elmfield Domiciliary Care", "1-000000005", CqcRating.NOT_YET_INSPECTED, None),
    ("Fairway Homecare", "1-000000006", CqcRating.GOOD, date(2022, 10, 3)),
    ("Greenlane Care at Home", "1-000000007", CqcRating.REQUIRES_IMPROVEMENT, date(2025, 7, 1)),
    ("Harbour Support Services", "1-000000008", CqcRating.GOOD, date(2024, 9, 19)),
    ("Ivy Court Homecare", "1-000000009", CqcRating.NOT_YET_INSPECTED, None),
    ("Juniper Care Partnership", "1-000000010", CqcRating.GOOD, date(2023, 12, 5)),
    ("Kestrel Home Care", "1-000000011", CqcRating.NOT_YET_INSPECTED, None),
    ("Larkspur Living Ltd", "1-000000012", CqcRating.GOOD, date(2025, 1, 27)),
]

# Registered names and offices (Riverton and its "RV" postcodes are made up): what letters are
# addressed to. (registered name, address line 1, address line 2, town, postcode)
REGISTERED_ADDRESSES: dict[str, tuple[str, str, str, str, str]] = {
    "Acme Homecare Ltd": (
        "Acme Homecare Limited",
        "Unit 4, Mill Yard",
        "Canal Street",
        "Riverton",
        "RV1 3QT",
    ),
    "Brookside Care Services": (
        "Brookside Care Services Ltd",
        "12 Brookside Parade",
        "",
        "Riverton",
        "RV4 8LD",
    ),
    "Castle Home Support": (
        "Castle Home Support CIC",
        "The Old Bank",
        "2 Castle Street",
        "Riverton",
        "RV1 1HA",
    ),
    "Dale Reablement Ltd": (
        "Dale Reablement Limited",
        "Dale House",
        "45 Station Road",
        "Ashby Dale",
        "RV9 2PW",
    ),
    "Elmfield Domiciliary Care": (
        "Elmfield Domiciliary Care Ltd",
        "First Floor, 8 Elmfield Road",
        "",
        "Riverton",
        "RV6 4EN",
    ),
    "Fairway Homecare": (
        "Fairway Homecare (Riverton) Ltd",
        "3 Fairway Court",
        "Links Lane",
        "Riverton",
        "RV7 5FG",
    ),
    "Greenlane Care at Home": ("Greenlane Care Ltd", "21 Green Lane", "", "Northby", "RV12 6GB"),
    "Harbour Support Services": (
        "Harbour Support Services Limited",
        "Suite 2, Quay House",
        "Harbour Road",
        "Riverton",
        "RV2 7HS",
    ),
    "Ivy Court Homecare": ("Ivy Court Homecare Ltd", "Ivy Court", "90 High Street", "Westcombe", "RV15 1JC"),
    "Juniper Care Partnership": ("Juniper Care Partnership LLP", "6 Juniper Walk", "", "Riverton", "RV3 9JW"),
    "Kestrel Home Care": (
        "Kestrel Home Care Ltd",
        "Kestrel Business Centre",
        "Unit 11",
        "Riverton",
        "RV8 2KT",
    ),
    "Larkspur Living Ltd": ("Larkspur Living Limited", "57 Larkspur Avenue", "", "Riverton", "RV5 3LL"),
}


@dataclass(frozen=True)
class DemoPerson:
    email: str
    full_name: str
    organisation: str
    role: str
    is_admin: bool = False
    job_title: str = ""

    @property
    def label(self) -> str:
        role = Role(self.role).label
        return f"{role} and organisation admin" if self.is_admin else role


PEOPLE: list[DemoPerson] = [
    DemoPerson(
        "commissioner@riverton.example",
        "Priya Shah",
        COUNCIL,
        Role.COMMISSIONER,
        job_title="Head of Commissioning, Adult Social Care",
    ),
    DemoPerson(
        "contracts@riverton.example",
        "Tom Bradley",
        COUNCIL,
        Role.CONTRACT_OFFICER,
        job_title="Contracts and Compliance Manager",
    ),
    DemoPerson(
        "quality@riverton.example",
        "Grace Okafor",
        COUNCIL,
        Role.QUALITY_OFFICER,
        job_title="Quality Assurance Officer",
    ),
    DemoPerson("viewer@riverton.example", "Cllr Alan Price", COUNCIL, Role.VIEWER),
    DemoPerson("admin@riverton.example", "Helen Marsh", COUNCIL, Role.COMMISSIONER, is_admin=True),
    DemoPerson("commissioner@riverton-icb.example", "Sam Ward", ICB, Role.COMMISSIONER, is_admin=True),
    DemoPerson("submitter@acme.example", "Dan Evans", "Acme Homecare Ltd", Role.SUBMITTER),
    DemoPerson("approver@acme.example", "Maria Lopez", "Acme Homecare Ltd", Role.APPROVER),
    DemoPerson("viewer@acme.example", "Ben Carter", "Acme Homecare Ltd", Role.VIEWER),
    DemoPerson("admin@acme.example", "Ruth Kaye", "Acme Homecare Ltd", Role.APPROVER, is_admin=True),
    DemoPerson(
        "manager@brookside.example", "Joe Lamb", "Brookside Care Services", Role.APPROVER, is_admin=True
    ),
]
# Joint commissioning: the council's commissioner also works for the ICB (switch in the header).
EXTRA_MEMBERSHIPS = [("commissioner@riverton.example", ICB, Role.VIEWER, False)]
# Invitations waiting to be accepted, sent through the service so the audit log shows them:
# (invited by, email, full name, role).
PENDING_INVITATIONS = [
    ("admin@acme.example", "new.carer@acme.example", "Lily Grant", Role.SUBMITTER),
    ("admin@riverton.example", "analyst@riverton.example", "Owen Hughes", Role.VIEWER),
]


def sign_in_lines(site_url: str) -> list[str]:
    """The demo sign-ins as `seed_demo` and `serve_demo` print them (scripts/smoke_pages.py reads them)."""
    width = max(len(p.email) for p in PEOPLE)
    return [
        f"Demo sign-ins. Sign in at {site_url}/account/sign-in/ — every demo password is: {DEMO_PASSWORD}",
        "",
        *(f"  {p.email.ljust(width)}  {p.organisation}: {p.label}" for p in PEOPLE),
    ]


@transaction.atomic
def demo_seed(today: date | None = None) -> list[DemoPerson]:
    """Create or refresh the demo organisations, people and contracts; running it again changes nothing
    else. The contracts begin in the April a year or two before ``today`` (see demo_start); once made,
    they keep their dates, so the months of returns already loaded stay theirs."""
    CommissioningBody.objects.update_or_create(name=COUNCIL, defaults={"kind": OrganisationKind.COUNCIL})
    CommissioningBody.objects.update_or_create(name=ICB, defaults={"kind": OrganisationKind.ICB})
    for name, location_id, rating, rated_on in PROVIDERS:
        legal_name, line_1, line_2, town, postcode = REGISTERED_ADDRESSES[name]
        Provider.objects.update_or_create(
            name=name,
            defaults={
                "cqc_location_id": location_id,
                "cqc_rating": rating,
                "cqc_rating_date": rated_on,
                "legal_name": legal_name,
                "address_line_1": line_1,
                "address_line_2": line_2,
                "address_town": town,
                "address_postcode": postcode,
            },
        )
    organisations = {o.name: o for o in CommissioningBody.objects.all()} | {
        p.name: p for p in Provider.objects.all()
    }
    # Every demo account shares the published password: hashed once (a deliberately slow step) for all.
    password = make_password(DEMO_PASSWORD)
    for person in PEOPLE:
        user = User.objects.filter(email__iexact=person.email).first() or User(email=person.email)
        user.full_name = person.full_name
        user.job_title = person.job_title
        user.is_active = True
        user.password = password
        user.save()
        Membership.objects.update_or_create(
            user=user,
            organisation=organisations[person.organisation],
            defaults={"role": person.role, "is_admin": person.is_admin},
        )
    for email, organisation, role, is_admin in EXTRA_MEMBERSHIPS:
        Membership.objects.update_or_create(
            user=User.objects.get(email=email),
            organisation=organisations[organisation],
            defaults={"role": role, "is_admin": is_admin},
        )
    began = Contract.objects.filter(reference=ANCHOR, lead_commissioner__name=COUNCIL).values_list(
        "start_date", flat=True
    )
    start = began.first() or demo_start(today or timezone.localdate())
    contracts_import(demo_portfolio(start), label="Demo data")
    for inviter, email, full_name, role in PENDING_INVITATIONS:
        admin = User.objects.get(email=inviter)
        organisation = Membership.objects.get(user=admin, is_admin=True).organisation
        if not Invitation.objects.filter(organisation=organisation, email=email).exists():
            invitation_create(
                acting=acting_for(admin, organisation.pk),
                email=email,
                full_name=full_name,
                role=role,
                is_admin=False,
            )
    return PEOPLE
