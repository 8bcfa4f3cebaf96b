"""The demo contract portfolio, in the import file format (loaded through the same import service).

Twelve contracts across the demo providers: reablement/short-term and long-term homecare, a joint
council and ICB contract, an ICB-led end-of-life contract, and a prime provider with two
subcontractors. Target sets follow published practice (48-hour start, independence after two and
six weeks, residential entry 5% / 10% with dementia, package changes, 91 days at home, surveys,
returns on time).
"""

from __future__ import annotations

COUNCIL = "Riverton City Council"
ICB = "Riverton ICB"
START, END = "2025-04-01", "2028-03-31"


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


def _contract(reference, title, provider, service_type, *, value, rate, lot="", targets=(), **extra) -> dict:
    return {
        "reference": reference,
        "title": title,
        "lead_commissioner": extra.pop("lead", COUNCIL),
        "partner_commissioners": extra.pop("partners", []),
        "provider": provider,
        "subcontractors": extra.pop("subcontractors", []),
        "service_type": service_type,
        "start": extra.pop("start", START),
        "end": extra.pop("end", END),
        "hourly_rate": rate,
        "annual_value": value,
        "lot": lot,
        "return_due_day": 10,
        "targets": list(targets),
        **extra,
    }


DEMO_PORTFOLIO = {
    "commissioners": [{"name": COUNCIL, "kind": "council"}, {"name": ICB, "kind": "icb"}],
    "contracts": [
        _contract(
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
                _t("INDEPENDENT_WITHIN", 60, {"window_days": 42}, effective_from="2025-04-01"),
                _t("INDEPENDENT_WITHIN", 66, {"window_days": 42}, effective_from="2026-04-01"),
                *REABLEMENT_TARGETS[3:],
            ],
        ),
        _contract(
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
            "RCC-HC-007",
            "Homecare, North locality (2027 re-let)",
            "Brookside Care Services",
            "homecare",
            value="1300000.00",
            rate="14.60",
            lot="North",
            start="2027-04-01",
            end="2030-03-31",
            status="draft",
        ),
    ],
}
