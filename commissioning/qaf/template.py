"""The default QAF template shipped with the product: five domains, sixteen standards.

Structured like the regional PAMMS tool. A commissioning body starts from this and publishes its
own versions; each standard is rated Excellent, Good, Requires improvement, Poor or Not assessed.
"""

from __future__ import annotations

DEFAULT_NAME = "Homecare Quality Assurance Framework"

DEFAULT_DOMAINS: list[tuple[str, list[tuple[str, str, str]]]] = [
    (
        "Involvement and information",
        [
            (
                "1.1",
                "Involvement in care planning",
                "People and their families help write their care plan and agree changes to it.",
            ),
            (
                "1.2",
                "Information for people",
                "People get clear information about their care, costs and how to complain, in a form they can use.",
            ),
            (
                "1.3",
                "Consent",
                "Care is given with people's consent; the Mental Capacity Act is followed where capacity is in doubt.",
            ),
        ],
    ),
    (
        "Personalised care and support",
        [
            (
                "2.1",
                "Assessment and care planning",
                "Each person's needs, risks and outcomes are assessed and reviewed at least every six months.",
            ),
            (
                "2.2",
                "Delivery of care",
                "Visits happen at the agreed times and for the agreed length; missed and late calls are recorded and followed up.",
            ),
            (
                "2.3",
                "Reablement and independence",
                "Care helps people do more for themselves and is reduced when they need less.",
            ),
            (
                "2.4",
                "Medication",
                "Medicines support follows the care plan and NICE guidance; records are complete.",
            ),
        ],
    ),
    (
        "Safeguarding and safety",
        [
            (
                "3.1",
                "Safeguarding",
                "Staff recognise and report abuse; referrals are made to the council without delay.",
            ),
            ("3.2", "Risk management", "Risks to people and staff are assessed, recorded and reduced."),
            (
                "3.3",
                "Infection prevention and control",
                "Staff follow infection control practice and have the equipment they need.",
            ),
        ],
    ),
    (
        "Suitability of staffing",
        [
            (
                "4.1",
                "Recruitment",
                "Staff are recruited safely: DBS checks, references and right to work before starting.",
            ),
            (
                "4.2",
                "Training and supervision",
                "Staff complete induction and mandatory training, and are supervised regularly.",
            ),
            ("4.3", "Continuity of care", "People are visited by a small, consistent team of care workers."),
        ],
    ),
    (
        "Quality of management",
        [
            (
                "5.1",
                "Leadership and governance",
                "A registered manager is in post; audits find and fix problems.",
            ),
            (
                "5.2",
                "Complaints and feedback",
                "Complaints are answered on time and feedback from people changes practice.",
            ),
            (
                "5.3",
                "Records and data",
                "Records are accurate, secure and kept as the data standard requires; returns are made on time.",
            ),
        ],
    ),
]
