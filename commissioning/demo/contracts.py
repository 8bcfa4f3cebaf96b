"""The demo contract portfolio, in the import file format (loaded through the same import service).

Twelve contracts across the demo providers: reablement/short-term and long-term homecare, a joint
council and ICB contract, an ICB-led end-of-life contract, and a prime provider with two
subcontractors. Target sets follow published practice (48-hour start, independence after two and
six weeks, residential entry 5% / 10% with dementia, package changes, 91 days at home, surveys,
returns on time).
"""

from __future__ import annotations

from datetime import date, timedelta

COUNCIL = "Riverton City Council"
ICB = "Riverton ICB"
# The contract whose start dates the demo: every later run keeps it, so months already loaded stay.
ANCHOR = "RCC-RB-001"


def demo_start(today: date) -> date:
    """When the demo contracts began: 1 April of the financial year before the one holding the last
    month that has ended, so the demo always has between 13 and 24 months of returns up to it."""
    last = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    year = last.year if last.month >= 4 else last.year - 1
    return date(year - 1, 4, 1)


def _years(start: date, years: int) -> date:
    return start.replace(year=start.year + years)


def _t(measure: str, target: float, params: dict | None = None, **extra) -> dict:
    return {"measure": measure, "params": params or {}, "target": target, **extra}


REABLEMENT_TARGETS = [
    _t("HELP_48H", 90),
    _t("INDEPENDENT_WITHIN", 33, {"window_days": 14, "referral_source": "hospital_discharge"}),
    _t("INDEPENDENT_WITHIN", 66, {"window_days": 42}),
    _t("AT_HOME_91D", 90),
    _t("RETURNS_ON_TIME", 100, min_denominator=1),
]
HOMECARE_TARGETS = [
    _t("HELP_48H", 90, {}),
    _t("RESIDENTIAL_ENTRY", 5),
    _t("RESIDENTIAL_ENTRY", 10, {"dementia": "Y"}),
    _t("PACKAGE_REDUCED", 10),
    _t("PACKAGE_INCREASED", 10),
    _t("HEALTH_NEEDS_MET", 95),
    _t("CARER_SUPPORTED", 95),
    _t("RETURNS_ON_TIME", 100, min_denominator=1),
]
END_OF_LIFE_TARGETS = [
    _t("DIED_PREFERRED_PLACE", 75),
    _t("DIED_WITH_DIGNITY", 95),
    _t("CARER_SUPPORTED", 95),
    _t("RETURNS_ON_TIME", 100, min_denominator=1),
]


def _contract(
    start: date, reference, title, provider, service_type, *, value, rate, lot="", targets=(), **extra
) -> dict:
    return {
        "reference": reference,
        "title": title,
        "lead_commissioner": extra.pop("lead", COUNCIL),
        "partner_commissioners": extra.pop("partners", []),
        "provider": provider,
        "subcontractors": extra.pop("subcontractors", []),
        "service_type": service_type,
        "start": extra.pop("begins", start.isoformat()),
        "end": extra.pop("end", (_years(start, 3) - timedelta(days=1)).isoformat()),
        "hourly_rate": rate,
        "annual_value": value,
        "lot": lot,
        "return_due_day": 10,
        "targets": list(targets),
        **extra,
    }


def demo_portfolio(start: date) -> dict:
    """The demo portfolio as an import file, its contracts beginning on ``start`` (see demo_start)."""
    return {
        "commissioners": [{"name": COUNCIL, "kind": "council"}, {"name": ICB, "kind": "icb"}],
        "contracts": _contracts(start),
    }


def _contracts(start: date) -> list[dict]:
    relet = _years(start, 2)
    return [
        _contract(
            start,
            "RCC-RB-001",
            "Home First reablement, city-wide",
            "Dale Reablement Ltd",
            "short_term",
            value="1450000.00",
            rate="15.10",
            lot="City-wide",
            partners=[ICB],
            targets=[
                *REABLEMENT_TARGETS[:2],
                # Raised after the first year: both versions stay in the history.
                _t("INDEPENDENT_WITHIN", 60, {"window_days": 42}, effective_from=start.isoformat()),
                _t(
                    "INDEPENDENT_WITHIN", 66, {"window_days": 42}, effective_from=_years(start, 1).isoformat()
                ),
                *REABLEMENT_TARGETS[3:],
            ],
        ),
        _contract(
            start,
            "RCC-RB-002",
            "Short-term support, East",
            "Harbour Support Services",
            "short_term",
            value="620000.00",
            rate="14.80",
            lot="East",
            targets=REABLEMENT_TARGETS,
        ),
        _contract(
            start,
            "RCC-RB-003",
            "Reablement, North",
            "Acme Homecare Ltd",
            "short_term",
            value="540000.00",
            rate="14.95",
            lot="North",
            targets=REABLEMENT_TARGETS,
        ),
        _contract(
            start,
            "RCC-HC-001",
            "Homecare, North locality",
            "Acme Homecare Ltd",
            "homecare",
            value="1250000.00",
            rate="14.30",
            lot="North",
            subcontractors=["Elmfield Domiciliary Care", "Ivy Court Homecare"],
            targets=HOMECARE_TARGETS,
        ),
        _contract(
            start,
            "RCC-HC-002",
            "Homecare, South locality",
            "Brookside Care Services",
            "homecare",
            value="1180000.00",
            rate="14.30",
            lot="South",
            targets=HOMECARE_TARGETS,
        ),
        _contract(
            start,
            "RCC-HC-003",
            "Homecare, East locality",
            "Castle Home Support",
            "homecare",
            value="960000.00",
            rate="14.30",
            lot="East",
            targets=HOMECARE_TARGETS,
        ),
        _contract(
            start,
            "RCC-HC-004",
            "Homecare, West locality",
            "Fairway Homecare",
            "homecare",
            value="1020000.00",
            rate="14.30",
            lot="West",
            targets=HOMECARE_TARGETS,
        ),
        _contract(
            start,
            "RCC-HC-005",
            "Homecare, Central locality",
            "Greenlane Care at Home",
            "homecare",
            value="870000.00",
            rate="14.30",
            lot="Central",
            status="suspended",
            targets=HOMECARE_TARGETS,
        ),
        _contract(
            start,
            "RCC-HC-006",
            "Homecare, rural lot",
            "Kestrel Home Care",
            "homecare",
            value="410000.00",
            rate="16.20",
            lot="Rural",
            targets=HOMECARE_TARGETS,
        ),
        _contract(
            start,
            "RCC-EC-001",
            "Extra care, Larkspur Court",
            "Larkspur Living Ltd",
            "extra_care",
            value="690000.00",
            rate="15.40",
            lot="Larkspur Court",
            targets=HOMECARE_TARGETS[1:],
        ),
        _contract(
            start,
            "RICB-EOL-001",
            "End-of-life care at home",
            "Juniper Care Partnership",
            "homecare",
            value="380000.00",
            rate="16.86",
            lot="City-wide",
            lead=ICB,
            partners=[COUNCIL],
            targets=END_OF_LIFE_TARGETS,
        ),
        _contract(
            start,
            "RCC-HC-007",
            f"Homecare, North locality ({relet.year} re-let)",
            "Brookside Care Services",
            "homecare",
            value="1300000.00",
            rate="14.60",
            lot="North",
            begins=relet.isoformat(),
            end=(_years(relet, 3) - timedelta(days=1)).isoformat(),
            status="draft",
        ),
    ]
