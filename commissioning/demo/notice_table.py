"""The demo council's notices as a table, and the dates it is written in (loaded by
``commissioning.notices.demo``).

Dates are relative to the day the demo is loaded: the last five financial quarters and the current
one, about four breach notices a quarter and sixteen in the quarter of the council's vetting audit
(firmer enforcement, not a worse market), two of them to Brookside from one incident; Notices of
Concern of every category and complexity, about two-fifths closed within target, some late, some
escalated and some open (Castle's past its target, with a draft escalation waiting); Greenlane's
ladder from a Notice of Concern to a breach notice to the suspension of new placements now in
force; one corrected notice; and for Acme, whose people have demo sign-ins, a notice to
acknowledge, one to respond to and closed ones. The fifth quarter back is the baseline of the
latest ended quarter (the figures page's default), so its comparison a year on is a real one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from commissioning.notices.models import (
    Complexity,
    NocCategory,
    NoticeClosedReason,
    NoticeEvent,
    NoticeKind,
    NoticeReason,
)
from commissioning.notices.working_days import add_working_days, is_working_day

A = NoticeEvent.Action
# The time of day each kind of step is taken (varied by a few minutes from one notice to the next).
STEP_TIMES = {
    A.ACKNOWLEDGED: time(9, 20),
    A.RESPONDED: time(15, 50),
    A.EXTENDED: time(11, 5),
    A.CLOSED: time(14, 15),
}

R = NoticeReason
CLAUSES = {
    R.QAF_ACTIONS: "Clause 9.3 (Quality Assurance Framework action plans)",
    R.SAFEGUARDING: "Clause 10.2 (Safeguarding adults)",
    R.HEALTH_AND_SAFETY: "Clause 11.1 (Health and safety)",
    R.STAFFING: "Clause 12.5 (Staff vetting and recruitment)",
    R.RETURNS: "Clause 14.2 (Information and returns)",
    R.SUBCONTRACTING: "Clause 22.4 (Subcontracting)",
    R.DATA_PROTECTION: "Clause 24.1 (Data protection)",
    R.MISSED_CALLS: "Schedule 2, paragraph 4.3 (Call times and missed calls)",
    R.OTHER: "Schedule 2, paragraph 6.1 (Care and support plans)",
}
SUSPENSION_CLAUSE = "Clause 30.2 (Suspension of new placements)"
# Who acts for each provider: its demo approver where its people have sign-ins, else a named manager.
PROVIDER_PEOPLE = {
    "Acme Homecare Ltd": "approver@acme.example",
    "Brookside Care Services": "manager@brookside.example",
    "Castle Home Support": "Sunita Patel, registered manager",
    "Dale Reablement Ltd": "Mark Ellis, operations manager",
    "Fairway Homecare": "Claire Dunn, registered manager",
    "Greenlane Care at Home": "Anna Greaves, managing director",
    "Harbour Support Services": "Lucy Bennett, registered manager",
    "Kestrel Home Care": "Gareth Rhys, director",
    "Larkspur Living Ltd": "Fiona Walsh, scheme manager",
}


@dataclass(frozen=True)
class DemoNotice:
    """One demo notice. ``when``: see ``notice_day``; ``due``: days after issue, ("today", days), or
    "copied" (a correction's, from the notice it corrects); steps: (action, days after issue, ...) as
    made by ``ack``, ``said``, ``extended``, ``closed``."""

    key: str
    contract: str
    kind: str
    reason: str
    when: tuple
    facts: str
    remedy: str
    due: int | tuple | str | None = 28
    steps: tuple = ()
    clause: str = ""
    category: str = ""
    complexity: str = ""
    escalated_from: str = ""
    supersedes: str = ""
    evidence: bool = False  # link the provider's latest QAF assessment completed before the notice
    draft: bool = False
    drafted_days_before: int = 1

    def __post_init__(self) -> None:
        if not self.clause:
            object.__setattr__(self, "clause", CLAUSES[self.reason])


def quarter(shift: int, fraction: float) -> tuple:
    return ("quarter", shift, fraction)


def ago(days: int) -> tuple:
    return ("ago", days)


def this_quarter(days: int) -> tuple:
    return ("this quarter", days)


def after(key: str, days: int) -> tuple:
    return ("after", key, days)


def ack(days: int) -> tuple:
    return (A.ACKNOWLEDGED, days)


def said(days: int, text: str) -> tuple:
    return (A.RESPONDED, days, text)


def extended(days: int, new_due: int | tuple, reason: str) -> tuple:
    return (A.EXTENDED, days, new_due, reason)


def closed(days: int, note: str, reason: str = NoticeClosedReason.REMEDIED) -> tuple:
    return (A.CLOSED, days, reason, note)


def breach(key, contract, reason, when, facts, remedy, due=28, *steps, **extra) -> DemoNotice:
    return DemoNotice(key, contract, NoticeKind.BREACH, reason, when, facts, remedy, due, steps, **extra)


def noc(key, contract, reason, category, complexity, when, facts, remedy, due, *steps, **extra) -> DemoNotice:
    return DemoNotice(
        key,
        contract,
        NoticeKind.NOC,
        reason,
        when,
        facts,
        remedy,
        due,
        steps,
        category=category,
        complexity=complexity,
        **extra,
    )


VETTING_AUDIT = "The council's audit of vetting records at every provider this quarter"
LOW, MEDIUM, HIGH = Complexity.LOW, Complexity.MEDIUM, Complexity.HIGH
CONTRACTUAL, QUALITY, SAFEGUARDING = NocCategory.CONTRACTUAL, NocCategory.QUALITY, NocCategory.SAFEGUARDING

SUPERVISION_FACTS = (
    "The QAF reassessment again rated staff supervision (standard 4.2) as requiring improvement: 9 of "
    "the 20 care workers sampled had not been supervised for more than three months, although the "
    "action plan after the first assessment asked for supervision at least every three months."
)

BREACHES: list[DemoNotice] = [
    # Four quarters back.
    breach(
        "acme-subcontracting",
        "RCC-HC-001",
        R.SUBCONTRACTING,
        quarter(-4, 0.25),
        "Visit records for {month} show 38 weekend calls in the North locality delivered by care workers "
        "of Northgate Staffing. Northgate is not an approved subcontractor: the contract approves only "
        "Elmfield Domiciliary Care and Ivy Court Homecare.",
        "Stop using Northgate Staffing on this contract, send the council a list of every call it delivered "
        "with the care workers' vetting checks, and ask for approval before any other organisation "
        "delivers care under the contract.",
        21,
        ack(1),
        said(
            6,
            "We used Northgate to cover weekend sickness without realising approval was needed, and we "
            "stopped on the day the notice arrived. The list of the 38 calls and the care workers' DBS "
            "checks is with the contracts team.",
        ),
        closed(
            24, "Call list and vetting checks received and checked; no calls by Northgate since. Remedied."
        ),
    ),
    breach(
        "castle-returns",
        "RCC-HC-003",
        R.RETURNS,
        quarter(-4, 0.4),
        "The quarterly workforce return (staff numbers, turnover and training) has not been sent for the "
        "last two quarters, despite reminders on {incident} and a week before.",
        "Send both outstanding workforce returns and name the person responsible for sending future "
        "returns on time.",
        14,
        ack(2),
        said(
            9,
            "Both returns are now sent. Our office manager is responsible for returns from now on, with the "
            "registered manager as cover.",
        ),
        closed(16, "Both workforce returns received and complete. Remedied."),
    ),
    breach(
        "kestrel-missed-calls",
        "RCC-HC-006",
        R.MISSED_CALLS,
        quarter(-4, 0.6),
        "17 calls were missed in the rural lot in {month}, five of them for people who live alone, and the "
        "council was not told about any of them on the day.",
        "Tell the council and the person's family the same day about any missed call, review the travel "
        "times on the rural rounds, and send the council weekly missed-call figures for eight weeks.",
        28,
        ack(1),
        said(
            10,
            "Travel times on our two longest rural rounds were underestimated after the road closures. We "
            "have split both rounds, and our coordinator now phones the council about any missed call the "
            "same day.",
        ),
        extended(26, 42, "Missed calls are falling; the council wants two more weeks of figures."),
        closed(
            44, "Eight weeks of figures: two missed calls in total, both reported the same day. Remedied."
        ),
    ),
    breach(
        "fairway-phone",
        "RCC-HC-004",
        R.DATA_PROTECTION,
        quarter(-4, 0.8),
        "A care worker's unencrypted work phone holding the rota, with people's names, addresses and "
        "key-safe codes, was lost on {incident}. The council was told nine days later, and the key-safe "
        "codes were not changed until then.",
        "Encrypt every work phone, change every key-safe code on the lost rota, report any data breach to "
        "the council within 24 hours, and send the council your breach report.",
        21,
        ack(1),
        said(
            5,
            "All 27 key-safe codes have been changed with the people and their families. Every work phone "
            "is now encrypted and locks after one minute. Our breach report is with the council's "
            "information governance team.",
        ),
        closed(
            22,
            "Breach report accepted by information governance; key-safe codes confirmed changed. Remedied.",
        ),
    ),
    # Three quarters back.
    breach(
        "brookside-missed-calls",
        "RCC-HC-002",
        R.MISSED_CALLS,
        quarter(-3, 0.3),
        "Missed calls stayed above the contract standard throughout the Notice of Concern: {month} saw 14 "
        "missed calls and 38 calls more than an hour late, and the weekly figures stopped after five weeks.",
        "Missed calls within the contract standard (no more than 0.5% of calls) for two months in a row, "
        "weekly figures every Monday, and a named manager accountable for the Saturday runs.",
        42,
        ack(1),
        said(
            7,
            "Our operations director now chairs a weekly call-monitoring meeting and the Saturday runs have "
            "their own coordinator. The weekly figures restarted this Monday.",
        ),
        closed(52, "Missed calls within the standard for two months in a row (0.3% and 0.4%). Remedied."),
        escalated_from="brookside-noc",
    ),
    breach(
        "larkspur-fire-door",
        "RCC-EC-001",
        R.HEALTH_AND_SAFETY,
        quarter(-3, 0.45),
        "At an unannounced visit on {incident} a first-floor fire door was wedged open, and the emergency "
        "call system in flat 14 had been out of order for six days without a repair being logged.",
        "Keep fire doors closed, test the call system in every flat weekly and log repairs, and send the "
        "council the review of the fire risk assessment.",
        14,
        ack(1),
        said(
            4,
            "The wedge has gone and staff have been briefed. The call system in flat 14 was repaired the day "
            "after the visit, and weekly tests of every flat are now logged.",
        ),
        closed(15, "Fire risk assessment review and four weeks of call-system tests received. Remedied."),
    ),
    breach(
        "harbour-dbs",
        "RCC-RB-002",
        R.STAFFING,
        quarter(-3, 0.6),
        "Two care workers recruited in {month} visited people alone before their enhanced DBS checks had "
        "come back.",
        "Stop any care worker working alone until their DBS check is back, check every recruit since the "
        "contract began, and send the council the results.",
        14,
        ack(1),
        said(
            5,
            "Both care workers came off lone visits the same day, and their checks have since come back "
            "clear. We checked all 24 recruits since the contract began: every other check was back before "
            "the first visit.",
        ),
        closed(17, "Recruitment check received and sampled at a visit. Remedied."),
    ),
    breach(
        "dale-capacity-return",
        "RCC-RB-001",
        R.RETURNS,
        quarter(-3, 0.85),
        "The weekly hospital discharge capacity return was not submitted for five of the last eight weeks, "
        "so the discharge hub could not see how many reablement starts Dale could take.",
        "Submit the capacity return every Monday by 12:00 and name a deputy for when the usual person is away.",
        14,
        ack(1),
        said(
            3,
            "The returns were missed while our scheduler was on leave. Two deputies are now trained, and "
            "every return since the notice has gone in on time.",
        ),
        closed(29, "Four weekly returns in a row on time. Remedied."),
    ),
    # Two quarters back: the council's vetting audit and a firmer line on returns (16 notices).
    breach(
        "brookside-double-up",
        "RCC-HC-002",
        R.MISSED_CALLS,
        quarter(-2, 0.1),
        "On {incident} one of the two care workers for the 07:30 double-up call of a person who uses a "
        "hoist did not attend, and the person waited until 11:40 to get up. The missed call was not "
        "reported to the council.",
        "Make sure both care workers attend every double-up call, alert the coordinator when either has "
        "not logged in within 15 minutes, and report every missed call to the council the same day.",
        21,
        ack(1),
        said(
            6,
            "We are sorry. The second care worker's rota was changed without the double-up being given to "
            "someone else. Double-up calls now raise an alert when either care worker has not logged in "
            "within 15 minutes, and the coordinator phones the family.",
        ),
        closed(
            25, "No missed double-up call since the notice; the alert was seen working at a visit. Remedied."
        ),
    ),
    breach(
        "brookside-hoist",
        "RCC-HC-002",
        R.HEALTH_AND_SAFETY,
        quarter(-2, 0.1),
        "In the same incident on {incident}, the care worker who did attend moved the person with the hoist "
        "alone, against the moving and handling plan, and the person slipped and fell. The fall was not "
        "recorded as an incident for two days.",
        "Retrain the care workers involved in moving and handling, remind every care worker that hoist "
        "transfers need two people, record every fall as an incident the same day, and send the council "
        "the incident investigation.",
        21,
        ack(1),
        said(
            6,
            "The care worker has been retrained and is on supervised calls for a month, and every care "
            "worker has signed the two-person hoist rule again. Our investigation report is with the "
            "council's quality team.",
        ),
        closed(26, "Investigation report received and retraining records checked. Remedied."),
    ),
    breach(
        "acme-references",
        "RCC-HC-001",
        R.STAFFING,
        quarter(-2, 0.3),
        f"{VETTING_AUDIT} sampled 20 of Acme's staff files: 3 had only one reference, and 1 relied on a DBS "
        "check from a previous employer that had not been checked on the update service.",
        "Obtain the missing references and an up-to-date DBS check, check every other file for the same "
        "gaps, and tell the council when it is done.",
        28,
        ack(2),
        said(
            12,
            "The references and the DBS check are now on file. Checking every file found four more care "
            "workers with a single reference; we are chasing the second ones.",
        ),
        closed(
            30,
            "Files sampled again; the four remaining references are followed up through the QAF. Remedied.",
        ),
    ),
    breach(
        "castle-dbs",
        "RCC-HC-003",
        R.STAFFING,
        quarter(-2, 0.3),
        f"{VETTING_AUDIT} found DBS checks more than three years old, never checked on the update service, "
        "for 5 of the 20 Castle care workers sampled.",
        "Renew, or check on the update service, every DBS check older than three years, and keep a renewal "
        "tracker.",
        28,
        ack(1),
        said(
            10,
            "All five have been checked on the update service, with no changes. A renewal tracker is now "
            "reviewed every month.",
        ),
        closed(21, "Checks and tracker seen. Remedied."),
    ),
    breach(
        "fairway-right-to-work",
        "RCC-HC-004",
        R.STAFFING,
        quarter(-2, 0.32),
        f"{VETTING_AUDIT} found no right-to-work check for 2 of the 20 Fairway care workers sampled.",
        "Complete right-to-work checks for the two care workers and check every other file.",
        14,
        ack(1),
        said(4, "Both checks are done, and every other file has been checked: there were no more gaps."),
        closed(15, "Checks seen. Remedied."),
    ),
    breach(
        "greenlane-references",
        "RCC-HC-005",
        R.STAFFING,
        quarter(-2, 0.33),
        f"{VETTING_AUDIT} found 4 of the 20 Greenlane staff files sampled without two references, and one "
        "care worker with no DBS check on file.",
        "Obtain the missing references and DBS check, and keep the care worker off lone visits until the "
        "check is back.",
        21,
        ack(2),
        said(
            9,
            "The care worker has been on shadow shifts only since the audit, and the DBS check came back "
            "clear yesterday. Three of the four references are on file.",
        ),
        extended(20, 35, "One referee's business has closed; a character reference was agreed instead."),
        closed(37, "All references and the DBS check seen. Remedied."),
    ),
    breach(
        "kestrel-dbs",
        "RCC-HC-006",
        R.STAFFING,
        quarter(-2, 0.35),
        f"{VETTING_AUDIT} found no DBS check on file for 3 of the 12 Kestrel care workers sampled.",
        "Show the council the DBS checks, or keep the care workers off visits until they are done.",
        14,
        ack(1),
        said(
            2,
            "The three checks were done before the care workers started. The certificates are kept at our "
            "Hillside office, which the audit did not visit; copies are with the contracts team.",
        ),
        closed(
            6,
            "The three certificates were seen and were in date when the care workers started: the records "
            "were at another office. Withdrawn.",
            NoticeClosedReason.WITHDRAWN,
        ),
    ),
    breach(
        "harbour-induction",
        "RCC-RB-002",
        R.STAFFING,
        quarter(-2, 0.36),
        f"{VETTING_AUDIT} found no induction record for 4 of the 20 Harbour staff sampled, and two new care "
        "workers had not started the Care Certificate.",
        "Record induction for every care worker, start the Care Certificate for both new care workers and "
        "send the council the training matrix.",
        28,
        ack(1),
        said(
            11,
            "Induction records are complete and both new care workers are enrolled on the Care Certificate. "
            "The training matrix is with the contracts team.",
        ),
        closed(29, "Training matrix received and checked. Remedied."),
    ),
    breach(
        "dale-complaints-log",
        "RCC-RB-001",
        R.RETURNS,
        quarter(-2, 0.5),
        "The monthly complaints log has not been sent for three months running, despite two reminders.",
        "Send the three outstanding logs, and every future log by the 10th of the month.",
        14,
        ack(1),
        said(
            4,
            "The logs are sent. They were held up by a change of office manager; the new manager has the "
            "deadline in her calendar.",
        ),
        closed(14, "Logs received. Remedied."),
    ),
    breach(
        "castle-call-monitoring",
        "RCC-HC-003",
        R.RETURNS,
        quarter(-2, 0.5),
        "The electronic call monitoring extract has not been sent for {month} or the month before, despite "
        "reminders.",
        "Send both extracts, and every future extract by the 10th of the month.",
        14,
        ack(3),
        said(
            10,
            "Our call monitoring supplier changed its export. Both extracts are now sent, and the new "
            "export runs automatically on the 5th.",
        ),
        closed(18, "Both extracts received. Remedied."),
    ),
    breach(
        "kestrel-workforce-return",
        "RCC-HC-006",
        R.RETURNS,
        quarter(-2, 0.52),
        "The quarterly workforce return is six weeks overdue, and the last two came only after reminders.",
        "Send the workforce return and name the person responsible for returns.",
        14,
        ack(1),
        said(8, "The return is sent. Our director now sends it herself."),
        closed(13, "Return received. Remedied."),
    ),
    breach(
        "larkspur-care-plan",
        "RCC-EC-001",
        R.DATA_PROTECTION,
        quarter(-2, 0.6),
        "On {incident} a resident's care plan, with her medical history and contact details, was left in "
        "the communal lounge and read by another resident's visitor.",
        "Keep care plans in flats or locked storage only, tell the resident, report the breach to your data "
        "protection officer and send the council your breach report.",
        21,
        ack(1),
        said(
            5,
            "We have apologised to the resident and her son. Care plans are now kept only in flats or the "
            "locked office, and our breach report is with your information governance team.",
        ),
        closed(20, "Breach report accepted. Remedied."),
    ),
    breach(
        "acme-late-calls",
        "RCC-RB-003",
        R.MISSED_CALLS,
        quarter(-2, 0.7),
        "In {month}, 11% of reablement calls in the North lot started more than an hour late, against the "
        "contract standard of 5%, mostly on the evening runs.",
        "Bring late calls within the standard, re-plan the evening runs, and send weekly late-call figures "
        "until they have been within it for four weeks.",
        28,
        ack(1),
        said(
            7,
            "The evening runs had too little travel time. We have re-planned them and added a fourth "
            "evening care worker; weekly figures will follow.",
        ),
        extended(27, 42, "Late calls fell to 6%; two more weeks were agreed to reach the standard."),
        closed(44, "Late calls at 3% and 4% over the last four weeks. Remedied."),
    ),
    breach(
        "greenlane-sole-trader",
        "RCC-HC-005",
        R.SUBCONTRACTING,
        quarter(-2, 0.75),
        "Since {month}, the calls of three people in the Central locality have been delivered by a sole "
        "trader Greenlane pays directly. The contract allows no subcontracting without the council's written "
        "approval.",
        "End the arrangement or apply for approval, and send the council the sole trader's vetting checks.",
        14,
        ack(2),
        said(
            6,
            "The arrangement has ended and the three people's calls are back with our own care workers. "
            "The sole trader's DBS check was in date.",
        ),
        closed(16, "Confirmed at a visit. Remedied."),
    ),
    breach(
        "fairway-complaints",
        "RCC-HC-004",
        R.QAF_ACTIONS,
        quarter(-2, 0.85),
        "The QAF action plan asked Fairway to answer complaints within 20 working days. Four of the six "
        "complaints received since were answered late, the longest after 47 working days.",
        "Answer every open complaint, report each complaint's answer date to the council monthly, and show "
        "how the complaints policy is now followed.",
        28,
        ack(1),
        said(
            9,
            "Every open complaint is answered. Our deputy manager tracks complaints weekly, and the "
            "registered manager checks every answer.",
        ),
        closed(31, "Two months of complaint reports, all answered within 20 working days. Remedied."),
        evidence=True,
    ),
    breach(
        "harbour-lone-working",
        "RCC-RB-002",
        R.HEALTH_AND_SAFETY,
        quarter(-2, 0.9),
        "A care worker was assaulted on a late-evening call on {incident}. Harbour has no lone-working "
        "check-in for calls after 20:00, and the risk at the address had been flagged by the hospital "
        "discharge team.",
        "Introduce a lone-working check-in for evening calls, risk-assess every address flagged at "
        "discharge, and send the council your incident review.",
        28,
        ack(1),
        said(
            8,
            "Our care worker is recovering and has our full support. Evening care workers now check in and "
            "out through the rota app, and the on-call manager is alerted after 15 minutes. The incident "
            "review is with the contracts team.",
        ),
        closed(27, "Incident review received; the check-in was seen working. Remedied."),
    ),
    # Last quarter.
    breach(
        "greenlane-medication",
        "RCC-HC-005",
        R.HEALTH_AND_SAFETY,
        quarter(-1, 0.15),
        "The Notice of Concern about medication was not remedied by its extended date. The audit for "
        "{month} found 9 administration errors, one a missed dose of insulin, and 7 care workers still "
        "give medicines without a competency assessment.",
        "Complete every competency assessment, audit every medication record weekly and report the results "
        "to the council, and have an independent pharmacist review your medication procedures.",
        28,
        ack(1),
        said(
            9,
            "An independent pharmacist reviews our procedures next week, and weekly audits have started. "
            "We accept the assessments are late: four remain, all booked.",
        ),
        extended(27, 49, "The pharmacist's report is two weeks later than planned."),
        said(
            45,
            "The pharmacist found our procedures sound but practice inconsistent. This month's audit found 7 "
            "errors.",
        ),
        escalated_from="greenlane-noc",
    ),
    breach(
        "castle-rota-email",
        "RCC-HC-003",
        R.DATA_PROTECTION,
        quarter(-1, 0.35),
        "On {incident} Castle emailed a rota with the names, addresses and care needs of 42 people to a care "
        "worker's personal email address, from which it was shared with a relative.",
        "Have the email deleted and confirmed in writing, keep personal data to work email, report the "
        "breach to the ICO if your data protection officer finds it reportable, and send the council your "
        "breach report.",
        21,
        ack(1),
        said(
            7,
            "The care worker and her relative have confirmed in writing that the email is deleted. Our data "
            "protection officer reported the breach to the ICO, and rotas can no longer be sent outside "
            "work email.",
        ),
        closed(24, "Breach report and ICO reference received. Remedied."),
    ),
    breach(
        "brookside-qaf-actions",
        "RCC-HC-002",
        R.QAF_ACTIONS,
        quarter(-1, 0.5),
        "The QAF action plan asked Brookside to stop missed calls (standard 2.2) and to audit medication "
        "records monthly (standard 2.4). Both actions are past their due dates: the missed-calls action "
        "was reopened because certificates for three staff were missing, and no medication audit has come.",
        "Complete both actions and send the council the evidence: the call monitoring reports and two "
        "monthly medication audits.",
        28,
        ack(1),
        said(
            10,
            "The first medication audit and the missing certificates are sent. Missed calls are down but "
            "not yet where they need to be.",
        ),
        extended(
            27,
            ("today", 21),
            "A QAF reassessment is under way; the council will decide once its report is final and the last "
            "two audits are in.",
        ),
        said(45, "The second medication audit is sent. Missed calls fell again last month."),
        evidence=True,
    ),
    breach(
        "larkspur-night-cover",
        "RCC-EC-001",
        R.STAFFING,
        quarter(-1, 0.7),
        "Night cover at Larkspur Court was one agency worker on 6 nights in {month}, without the induction "
        "to the building and its call system that the contract requires.",
        "Induct every agency worker before their first shift and keep a record, and keep two staff on site "
        "at night.",
        14,
        ack(1),
        said(
            3,
            "Every agency worker now has a one-hour induction before the first shift, recorded on our "
            "system, and two staff have been on site every night since the notice.",
        ),
        closed(18, "Induction records and rotas checked. Remedied."),
    ),
    # This quarter.
    breach(
        "acme-letter",
        "RCC-HC-001",
        R.DATA_PROTECTION,
        this_quarter(2),
        "On {incident} Acme posted a care review letter, with a person's diagnosis and medicines, to a "
        "neighbour with a similar address. The person's daughter told the council; Acme had not.",
        "Apologise to the person, ask the neighbour to return or destroy the letter, check addresses before "
        "anything is posted, report data breaches to the council within 24 hours, and send the council "
        "your breach report.",
        21,
    ),
    breach(
        "brookside-missed-calls-again",
        "RCC-HC-002",
        R.MISSED_CALLS,
        this_quarter(20),
        "Call monitoring for {month} shows 19 missed calls in the South locality, the most since the breach "
        "notice about missed calls earlier in the year, and the QAF reassessment again rated missed calls "
        "(standard 2.2) poor.",
        "Bring missed calls within the contract standard for two months in a row, and send weekly figures "
        "until then.",
        35,
        ack(1),
        said(
            6,
            "It has been a difficult month: two senior care workers left and the South rotas carried 11 "
            "open runs. Agency cover is agreed for four weeks and we hold a recruitment day next week. "
            "Weekly figures will follow every Monday.",
        ),
        evidence=True,
    ),
    breach(
        "fairway-bed-rail",
        "RCC-HC-004",
        R.HEALTH_AND_SAFETY,
        this_quarter(35),
        "A care worker was hurt on {incident} when a person's bed rail gave way during a transfer. The rail "
        "had been reported loose two weeks earlier and not followed up.",
        "Report and follow up every equipment fault the same week, check the equipment of everyone Fairway "
        "visits, and send the council the injury report.",
        21,
        ack(1),
        said(
            5,
            "The rail was replaced the day after the incident. We have checked the equipment of all 96 "
            "people we visit and reported three more faults to the equipment service; faults are now a "
            "standing item at our weekly meeting.",
        ),
        closed(19, "Equipment check and injury report received. Remedied."),
    ),
    breach(
        "harbour-capacity-return",
        "RCC-RB-002",
        R.RETURNS,
        this_quarter(45),
        "The weekly hospital discharge capacity return was missed in 4 of the last 6 weeks, and the monthly "
        "complaints log is a month overdue.",
        "Send the capacity return every Monday by 12:00 and the complaints log by the 10th of each month.",
        21,
        ack(2),
        said(
            8,
            "The missed weeks were during our change of rostering system. Returns now go from the new "
            "system, and the complaints log is sent.",
        ),
        extended(20, ("today", 14), "The council wants four more weekly returns on time before closing."),
    ),
]

CONCERNS: list[DemoNotice] = [
    noc(
        "castle-safeguarding",
        "RCC-HC-003",
        R.SAFEGUARDING,
        SAFEGUARDING,
        HIGH,
        ago(290),
        "A safeguarding enquiry opened on {incident} found that a care worker saw bruising on a person's arms "
        "during a morning call and did not report it; the office heard two days later from the person's "
        "daughter. Four of the six care workers on the run had had no safeguarding training for three years.",
        "Report every safeguarding concern to the council's adult safeguarding team the same working day, "
        "train every care worker in safeguarding adults (level 2), and send the council the training "
        "records and your revised reporting procedure.",
        56,
        ack(2),
        said(
            12,
            "We accept the findings. The care worker is off lone calls while the enquiry runs, and level 2 "
            "training is booked for all 31 care workers over the next six weeks. Our revised reporting "
            "procedure is with the safeguarding team for comment.",
        ),
        said(
            48,
            "29 of 31 care workers are trained; the other two are on leave and booked for next month. Every "
            "concern since our first response was reported the same day.",
        ),
        closed(
            78,
            "Training records and the concerns log checked: every concern reported the same day. Remedied.",
        ),
    ),
    noc(
        "brookside-noc",
        "RCC-HC-002",
        R.MISSED_CALLS,
        QUALITY,
        MEDIUM,
        quarter(-4, 0.35),
        "Electronic call monitoring for {month} shows 23 missed calls and 61 calls more than an hour late in "
        "the South locality, against 4 missed calls a month earlier in the year. Nine of the missed calls "
        "were for people who live alone.",
        "A missed-calls recovery plan: enough care workers on the South rotas, a same-day check of every "
        "call not logged within 30 minutes, and weekly missed and late call figures to the council until "
        "they are back within the contract standard.",
        28,
        ack(1),
        said(
            8,
            "The rise followed the loss of six care workers in one month. We have recruited four, moved two "
            "runs to our Northside team, and the on-call coordinator now checks late calls the same day. "
            "Weekly figures will follow every Monday.",
        ),
        extended(
            27, 49, "Inductions of the new care workers finish later than planned; missed calls are falling."
        ),
        said(45, "Missed calls were 9 last month; late calls remain high on the Saturday runs."),
    ),
    noc(
        "greenlane-noc",
        "RCC-HC-005",
        R.HEALTH_AND_SAFETY,
        QUALITY,
        HIGH,
        quarter(-3, 0.5),
        "Medication audits of 40 people's records in {month} found 14 administration errors in eight weeks, "
        "including two doses of a blood thinner given twice. Administration records were incomplete for 11 "
        "people, and three care workers giving medicines had no competency assessment on file.",
        "Competency assessments for every care worker who gives medicines, a monthly audit of every "
        "medication administration record with action on each gap, a named medication lead, and the audit "
        "results to the council every month.",
        42,
        ack(3),
        said(
            14,
            "Our deputy manager is now medication lead, the three care workers without assessments no longer "
            "give medicines, and monthly audits have started. Assessments for all 38 care workers will be "
            "done within six weeks.",
        ),
        extended(
            40,
            84,
            "Assessments are behind because of sickness in the training team; fortnightly updates agreed.",
        ),
        said(70, "31 of 38 competency assessments are done. The latest audit found 6 errors, down from 14."),
    ),
    noc(
        "fairway-workforce-return",
        "RCC-HC-004",
        R.RETURNS,
        CONTRACTUAL,
        LOW,
        ago(200),
        "The last two quarterly workforce returns came without the turnover and training figures, and the "
        "gaps were not filled when the council asked.",
        "Send the missing figures, and complete returns from now on.",
        21,
        ack(2),
        said(
            10,
            "The figures are being pulled together from our old payroll system; we will send them in full.",
        ),
        extended(20, 35, "Payroll figures take longer to extract than expected."),
        closed(45, "Complete figures received for both quarters. Remedied, after the target closure date."),
    ),
    noc(
        "kestrel-call-extract",
        "RCC-HC-006",
        R.RETURNS,
        CONTRACTUAL,
        LOW,
        ago(330),
        "The monthly electronic call monitoring extract has not been sent for two months.",
        "Send both extracts and every future extract by the 10th of the month.",
        14,
        ack(1),
        said(5, "Both extracts are sent, and the task is now in our director's diary."),
        closed(18, "Extracts received. Remedied within target."),
    ),
    noc(
        "dale-goals",
        "RCC-RB-001",
        R.OTHER,
        CONTRACTUAL,
        MEDIUM,
        ago(150),
        "Reablement plans for people discharged from hospital in {month} were missing the agreed goals for "
        "12 of 30 people, so their outcomes at six weeks cannot be measured against them.",
        "Record agreed goals for every person within 72 hours of the first visit, and audit a sample of plans "
        "monthly.",
        35,
        ack(2),
        said(
            10,
            "Goal-setting is now on the first-visit checklist and a team leader signs off every plan within "
            "72 hours. The first audit found 2 of 30 plans without goals, both since put right.",
        ),
        closed(35, "Two monthly audits: every plan sampled has agreed goals. Remedied within target."),
    ),
    noc(
        "harbour-hours",
        "RCC-RB-002",
        R.STAFFING,
        CONTRACTUAL,
        LOW,
        ago(120),
        "Rotas for {month} show 6 care workers working more than 60 hours in a week, with no record of rest "
        "breaks, against the working-time arrangements agreed at the start of the contract.",
        "Keep every care worker within the agreed hours, record rest breaks and send the council four weeks "
        "of rotas.",
        21,
        ack(1),
        said(
            7,
            "The rotas are rebalanced and two care workers are recruited; nobody will work over 48 hours "
            "once they start.",
        ),
        extended(
            20, 35, "The two recruits start later than planned; four weeks of rotas are needed after that."
        ),
        closed(
            38, "Four weeks of rotas checked: nobody over the agreed hours. Remedied, after the target date."
        ),
    ),
    noc(
        "larkspur-medication",
        "RCC-EC-001",
        R.HEALTH_AND_SAFETY,
        QUALITY,
        LOW,
        ago(60),
        "Medication records at Larkspur Court for {month} show 9 gaps in the administration records, 6 of "
        "them at weekends.",
        "Audit medication records weekly and act on every gap.",
        21,
        ack(1),
        said(
            6,
            "Weekend staff have had refresher training, and the senior on shift now checks the records at "
            "the end of every shift.",
        ),
        closed(19, "Three weekly audits with no gaps. Remedied within target."),
    ),
    noc(
        "acme-safeguarding",
        "RCC-HC-001",
        R.SAFEGUARDING,
        SAFEGUARDING,
        MEDIUM,
        ago(260),
        "A family raised two concerns about a care worker's manner with a person living with dementia, on "
        "{incident} and the week before. Neither was passed to the council's adult safeguarding team.",
        "Refer both concerns to the safeguarding team, review how concerns from families are recorded and "
        "passed on, and train office staff in the referral procedure.",
        28,
        ack(1),
        said(
            9,
            "Both concerns are referred, and the care worker is not visiting the person while the enquiry "
            "runs. Office staff are trained, and concerns from families now go into one log that the "
            "registered manager reviews daily.",
        ),
        extended(40, 63, "The safeguarding enquiry is still open; the notice closes when it ends."),
        said(55, "The safeguarding enquiry has concluded; its recommendations are in our action plan."),
        closed(
            70,
            "The enquiry's recommendations are done and the concerns log works. Remedied, after the target date.",
        ),
    ),
    noc(
        "castle-supervision",
        "RCC-HC-003",
        R.QAF_ACTIONS,
        QUALITY,
        MEDIUM,
        ago(75),
        SUPERVISION_FACTS,
        "Supervise every care worker who is overdue, keep a supervision tracker, and send it to the council "
        "monthly.",
        35,
        ack(2),
        said(
            14,
            "Supervision is back on track for the East team; the North team has a new senior who starts next "
            "month.",
        ),
        extended(
            30,
            56,
            "The new senior's start date moved; a later date was agreed for the remaining supervisions.",
        ),
        said(
            60,
            "11 of the 14 overdue supervisions are done. The tracker shows three care workers still overdue.",
        ),
        evidence=True,
    ),
    noc(
        "acme-first-visits",
        "RCC-RB-003",
        R.MISSED_CALLS,
        QUALITY,
        LOW,
        ago(9),
        "Visit logs for the North reablement lot show 23 visits in {month} more than an hour later than the "
        "time agreed with the person, most on Tuesday and Wednesday mornings, when two double-up runs share "
        "one care worker.",
        "Re-plan the Tuesday and Wednesday morning runs so that no care worker is on two double-up runs, and "
        "send the council the new rotas and two weeks of visit times.",
        21,
        ack(1),
        evidence=True,
    ),
    noc(
        "kestrel-key-safe",
        "RCC-HC-006",
        R.SAFEGUARDING,
        SAFEGUARDING,
        LOW,
        ago(20),
        "A neighbour told the council on {incident} that a person had been without a working key safe for "
        "three days. Kestrel knew, and neither arranged a replacement nor told the council.",
        "Replace the key safe, check that everyone with a key safe has a working one and a backup "
        "arrangement, and tell the council the same day when someone's access is at risk.",
        28,
        ack(1),
        said(
            6,
            "The key safe was replaced the day after the notice. Our coordinators checked all 41 key safes "
            "and replaced two more; access problems now go to the on-call manager the same day.",
        ),
    ),
    noc(
        "dale-wrong-practice",
        "RCC-RB-001",
        R.DATA_PROTECTION,
        CONTRACTUAL,
        LOW,
        ago(40),
        "On {incident} Dale emailed the reablement plans of three people to the wrong GP practice. The "
        "practice told the council; Dale did not.",
        "Tell the three people, ask the practice to delete the emails and confirm it, check addresses before "
        "sending personal data, and send the council your breach report.",
        49,
        clause=CLAUSES[R.RETURNS],  # the wrong clause, corrected below
    ),
    noc(
        "dale-wrong-practice-corrected",
        "RCC-RB-001",
        R.DATA_PROTECTION,
        CONTRACTUAL,
        MEDIUM,
        after("dale-wrong-practice", 1),
        "On {incident} Dale emailed the reablement plans of three people to the wrong GP practice. The "
        "practice told the council; Dale did not. (This corrects the contract clause and the complexity of "
        "the notice issued the working day before.)",
        "Tell the three people, ask the practice to delete the emails and confirm it, check addresses before "
        "sending personal data, and send the council your breach report.",
        "copied",  # a correction keeps the remedy date unless the officer changes it
        ack(1),
        said(
            8,
            "We have apologised to the three people, and the practice has confirmed the emails are deleted. "
            "Our breach report is with the council, and plans now go only to practice addresses checked "
            "against the NHS directory.",
        ),
        supersedes="dale-wrong-practice",
        drafted_days_before=0,
    ),
    noc(
        "harbour-falls",
        "RCC-RB-002",
        R.HEALTH_AND_SAFETY,
        QUALITY,
        HIGH,
        ago(300),
        "Harbour recorded 14 falls during calls in {month} and the month before, against 3 in the quarter "
        "before. Falls risk assessments were out of date for 9 of the 14 people, and two falls needed "
        "hospital treatment.",
        "Review the falls risk assessment of everyone you visit, refer anyone at high risk to the falls "
        "service, and report falls to the council monthly.",
        42,
        ack(2),
        said(
            15,
            "Every falls risk assessment is being reviewed, starting with the 14 people who fell; 6 people are referred.",
        ),
        extended(40, 70, "Joint visits wait on the falls service's list, so the reviews take longer."),
        said(80, "All assessments are reviewed, and falls were 5 last month."),
        closed(
            100,
            "Three months of figures show falls back to their earlier level. Remedied, after the target date.",
        ),
    ),
]

OTHERS: list[DemoNotice] = [
    DemoNotice(
        "greenlane-suspension",
        "RCC-HC-005",
        NoticeKind.SUSPENSION,
        R.HEALTH_AND_SAFETY,
        this_quarter(30),
        "Medication errors have continued through a Notice of Concern and a breach notice: the latest audit "
        "found 7 errors, and competency assessments are still not complete. The council suspends new "
        "placements with Greenlane Care at Home from the date of this notice; people already receiving "
        "care are not affected.",
        "No new packages will be offered while the suspension lasts. To lift it: a competency assessment for "
        "every care worker who gives medicines, four weekly audits in a row with no serious error, and the "
        "pharmacist's recommendations carried out. The council will review the suspension on the remedy "
        "date.",
        42,
        (
            ack(1),
            said(
                3,
                "We accept the suspension. Our improvement plan, with weekly milestones, is with the "
                "contracts team, and we ask for a review meeting in four weeks.",
            ),
        ),
        clause=SUSPENSION_CLAUSE,
        escalated_from="greenlane-medication",
    ),
    # Drafts for the officer to finish and issue.
    DemoNotice(
        "castle-escalation-draft",
        "RCC-HC-003",
        NoticeKind.BREACH,
        R.QAF_ACTIONS,
        ago(1),
        SUPERVISION_FACTS,
        "Complete every overdue supervision within four weeks, and send the supervision tracker to the "
        "council every month for six months.",
        ("today", 28),
        escalated_from="castle-supervision",
        evidence=True,
        draft=True,
    ),
    noc(
        "harbour-first-visits-draft",
        "RCC-RB-002",
        R.MISSED_CALLS,
        QUALITY,
        MEDIUM,
        ago(2),
        "The discharge hub logged 6 people in {month} whose first reablement visit came more than 24 hours "
        "after they left hospital, two of them left overnight without help.",
        "Start every reablement package within 24 hours of discharge, tell the discharge hub the same day "
        "when you cannot, and send the council weekly start times for four weeks.",
        ("today", 35),
        draft=True,
    ),
]

# The quarter five back: the baseline of the latest ended quarter, which the figures page shows
# first. Five breach notices, all remedied (one after its remedy date), and three Notices of Concern
# that ended in it: one remedied within target, one late, one escalated.
BASELINE: list[DemoNotice] = [
    noc(
        "fairway-care-plans-noc",
        "RCC-HC-004",
        R.OTHER,
        CONTRACTUAL,
        MEDIUM,
        quarter(-5, 0.02),
        "An audit of 40 care and support plans in {month} found 15 not reviewed within six weeks of the "
        "care starting, as the contract requires, and 4 people whose needs had changed with no new plan.",
        "Review every plan that is overdue, starting with the four people whose needs have changed, and "
        "send the council the review date of every plan.",
        28,
        ack(2),
        said(
            9,
            "The four plans for people whose needs changed are reviewed. The other reviews are booked over "
            "the next three weeks, and review dates now go on the rota when care starts.",
        ),
        said(30, "27 of the 40 plans are now in date; the rest wait on families' availability."),
    ),
    noc(
        "larkspur-call-bells",
        "RCC-EC-001",
        R.HEALTH_AND_SAFETY,
        QUALITY,
        MEDIUM,
        quarter(-5, 0.05),
        "The call bell report for Larkspur Court for {month} shows 41 of 260 calls answered after more "
        "than ten minutes, 9 of them at night, and one resident who had fallen waited 25 minutes.",
        "Answer every call bell within ten minutes, review night staffing against the calls made, and send "
        "the council the call bell report every month.",
        35,
        ack(1),
        said(
            8,
            "A second member of staff now covers the upper floors at night, and the senior on shift checks "
            "every call answered late. The call bell system is being upgraded so that it reports by floor.",
        ),
        extended(33, 56, "The upgraded call bell system was fitted late, so its first full report is too."),
        said(50, "The first full report shows 6 calls answered after ten minutes, none at night."),
        closed(
            68,
            "Two monthly reports: every call bell answered within ten minutes. Remedied, after the target "
            "date.",
        ),
    ),
    noc(
        "dale-discharge-return",
        "RCC-RB-001",
        R.RETURNS,
        CONTRACTUAL,
        LOW,
        quarter(-5, 0.1),
        "The hospital discharge return for {month} came 12 days late and without the outcomes at six "
        "weeks, so the council could not report them to the discharge partnership.",
        "Send the missing outcomes, and every future return complete by the 10th of the month.",
        21,
        ack(1),
        said(4, "The outcomes are sent. Our data officer now sends the return, with the manager as cover."),
        closed(
            16, "Outcomes received and the next return came complete and on time. Remedied within target."
        ),
    ),
    breach(
        "harbour-safeguarding-referral",
        "RCC-RB-002",
        R.SAFEGUARDING,
        quarter(-5, 0.2),
        "On {incident} a care worker told the Harbour office that a person's son was taking money from her "
        "purse. Harbour did not refer the concern to the council's adult safeguarding team for 11 days.",
        "Refer every safeguarding concern the same working day, retrain the office team in the referral "
        "procedure, and send the council the log of concerns raised this year with the day each was "
        "referred.",
        21,
        ack(1),
        said(
            6,
            "We accept the referral was late. The office team is retrained, and the log is with the "
            "safeguarding team; it shows two more concerns that were not referred, both now referred.",
        ),
        extended(
            19, 35, "The safeguarding team is checking the two further concerns before the log is signed off."
        ),
        closed(33, "Log checked: every concern since the notice was referred the same day. Remedied."),
    ),
    breach(
        "acme-moving-and-handling",
        "RCC-HC-001",
        R.STAFFING,
        quarter(-5, 0.4),
        "Training records for {month} show moving and handling training out of date for 22 of 74 care "
        "workers, 6 of whom work on double-up calls with hoists.",
        "Keep every care worker whose training is out of date off calls with hoists, train them, and send "
        "the council the training matrix.",
        42,
        ack(2),
        said(
            12,
            "The six care workers are off hoist calls until they are trained. Courses for all 22 are "
            "booked with our trainer over the next five weeks.",
        ),
        said(40, "20 of the 22 are trained; the other two are back from leave next week and booked."),
        closed(47, "Training matrix checked: all 74 care workers in date. Remedied, after the remedy date."),
        clause="Clause 12.7 (Staff training)",
    ),
    breach(
        "fairway-care-plans",
        "RCC-HC-004",
        R.OTHER,
        quarter(-5, 0.5),
        "The Notice of Concern about care and support plans was not remedied by its remedy date: the audit "
        "for {month} found 11 of 40 plans still not reviewed, two of them for people whose needs had "
        "changed since.",
        "Review every plan that is due within four weeks, send the council the review date of all 40, and "
        "audit 10 plans a month for three months.",
        28,
        ack(1),
        said(
            8,
            "A senior care worker now does nothing but reviews until they are done; 7 of the 11 are done and "
            "the rest are booked.",
        ),
        closed(27, "All 40 plans reviewed; the first monthly audit found none overdue. Remedied."),
        escalated_from="fairway-care-plans-noc",
    ),
    breach(
        "greenlane-missed-calls",
        "RCC-HC-005",
        R.MISSED_CALLS,
        quarter(-5, 0.65),
        "{month} saw 12 missed calls in the Central locality, 7 of them over two weekends when the rota had "
        "gaps, and no family was told on the day.",
        "Fill the weekend rota gaps, tell the person or their family within an hour when a call is missed, "
        "and send the council weekly missed-call figures until the remedy date.",
        42,
        ack(1),
        said(
            5,
            "Two weekend care workers are recruited, and the on-call coordinator now phones the family "
            "within the hour about any missed call. Weekly figures will follow every Monday.",
        ),
        closed(38, "Weekly figures since the notice: one missed call, reported within the hour. Remedied."),
    ),
    breach(
        "brookside-stolen-records",
        "RCC-HC-002",
        R.DATA_PROTECTION,
        quarter(-5, 0.85),
        "On {incident} a bag of paper care records for 8 people was stolen from a care worker's car, where "
        "it had been left overnight. The council was told five days later.",
        "Tell the 8 people or their families, report the theft to the council's information governance "
        "team, stop paper records being taken home, and send the council your breach report.",
        21,
        ack(1),
        said(
            4,
            "The 8 people and their families are told, and the theft is reported to the police and the "
            "council. Paper records now go back to the office at the end of every shift.",
        ),
        closed(20, "Breach report accepted by information governance. Remedied."),
    ),
]

NOTICES: list[DemoNotice] = [*BREACHES, *CONCERNS, *OTHERS, *BASELINE]


# --- The table's dates ---------------------------------------------------------------------------


def quarter_start(day: date, shift: int = 0) -> date:
    """The first day of the financial quarter (April, July, October, January) ``shift`` quarters away."""
    months = day.year * 12 + day.month - 1 - (day.month - 4) % 3 + 3 * shift
    return date(months // 12, months % 12 + 1, 1)


def notice_day(when: tuple, today: date, days: dict[str, date]) -> date:
    """("quarter", k, fraction): that far through the quarter k quarters back; ("ago", days): that many
    days ago; ("this quarter", days): that many days ago, but not before this quarter began; ("after",
    key, days): that many working days after another demo notice's day. Always a working day, moved
    forward (or back, to stay in the past or in this quarter)."""
    kind, *rest = when
    floor = quarter_start(today) if kind == "this quarter" else date.min
    if kind == "after":
        return min(add_working_days(days[rest[0]], rest[1]), today)
    if kind == "quarter":
        shift, fraction = rest
        start, end = quarter_start(today, shift), quarter_start(today, shift + 1) - timedelta(days=1)
        day = start + timedelta(days=int(fraction * (end - start).days))
    else:
        day = max(floor, today - timedelta(days=rest[0]))
    later, earlier = next_working_day(day), previous_working_day(day)
    if later <= today:
        return later
    return earlier if earlier >= floor else day


def next_working_day(day: date) -> date:
    """``day`` if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def previous_working_day(day: date) -> date:
    """``day`` if it is a working day, else the last working day before it."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def remedy_day(spec_due: int | tuple, day: date, today: date) -> date:
    """Days after the issue day, or ("today", days) for a date kept ahead of the demo; a working day."""
    due = today + timedelta(days=spec_due[1]) if isinstance(spec_due, tuple) else day + timedelta(spec_due)
    return next_working_day(due)


def notice_text(template: str, day: date) -> str:
    """Fill in the month before ``day`` and an incident a few days before it."""
    previous = day.replace(day=1) - timedelta(days=1)
    incident = day - timedelta(days=4)
    return template.format(month=f"{previous:%B}", incident=f"{incident.day} {incident:%B}")
