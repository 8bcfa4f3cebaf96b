"""The demo council's review meetings as a table (loaded by ``outcomes.reviews.demo``).

Two contracts: Acme's North reablement contract (Acme's people have demo sign-ins, so they can
write the open commentary) and Home First, the council's contract with Dale that the ICB
commissions jointly. For each, the last three ended quarters before the current one were reviewed
and recorded, and the quarter just ended is reviewed at a meeting in the coming days. Texts name
figures through placeholders (``{HELP_48H}`` and so on: the figure the meeting saw), so they
always match the stored results; dates are days after the meeting that agreed an action.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from outcomes.periods import day_label

COMMISSIONER = "commissioner@riverton.example"
OFFICER = "contracts@riverton.example"
ICB_COMMISSIONER = "commissioner@riverton-icb.example"
# Days from a quarter's end to the meetings that reviewed it (then moved to a Tuesday–Thursday).
HELD_AFTER = (36, 38, 35)
PLANNED_IN = 9  # the coming meeting: days from today


@dataclass(frozen=True)
class Partner:
    """Someone from a system partner, invited by name, organisation and role (no account)."""

    name: str
    organisation: str
    role: str
    email: str = ""

    @property
    def owner(self) -> str:
        return f"{self.name}, {self.role[0].lower()}{self.role[1:]}"


DISTRICT_NURSING = Partner(
    "Janet Okoro",
    "Riverton Community Health NHS Trust",
    "District nursing lead",
    "janet.okoro@riverton-community.nhs.example",
)
THERAPY = Partner("Paul Whitfield", "Riverton Community Health NHS Trust", "Occupational therapy lead")
GP_FEDERATION = Partner(
    "Dr Anita Rao", "Riverton GP Federation", "Clinical lead", "anita.rao@riverton-gpfed.example"
)
DISCHARGE = Partner(
    "Karen Mitchell", "Riverton ICB", "Discharge lead, integrated discharge hub", "karen.mitchell@icb.example"
)
CHAIR = ("Margaret Ellison", "Riverton Health and Care Partnership")


@dataclass(frozen=True)
class DemoContract:
    """One reviewed contract: where it meets, who comes, and who writes for the provider."""

    reference: str
    area: str  # as the provider writes it: "in the North", "across the city"
    place: str
    link: str
    provider_users: tuple[str, ...]  # invited by account (emails)
    provider_named: tuple[str, str] = ("", "")  # or by name: (name, role) when it has no sign-ins
    writers: tuple[str, str] = ("", "")  # who writes the commentary: DATA, then REVIEW / ACTION
    partner_users: tuple[str, ...] = ()  # people of the partner bodies (the ICB on a joint contract)
    partners: tuple[tuple[Partner, ...], ...] = ()  # by meeting, oldest first (the coming one last)
    absent: tuple[tuple[str, ...], ...] = ()  # names who sent apologies, by recorded meeting
    chaired: tuple[int, ...] = ()  # meetings with the independent chair
    draft_pack: bool = False  # the coming meeting has a draft pack made


CONTRACTS = (
    DemoContract(
        "RCC-RB-003",
        "in the North",
        "Meeting Room 4, Riverton Civic Centre",
        "https://meet.riverton.example/reviews/acme-north",
        provider_users=("approver@acme.example", "admin@acme.example"),
        writers=("submitter@acme.example", "approver@acme.example"),
        partners=(
            (DISTRICT_NURSING, GP_FEDERATION),
            (DISTRICT_NURSING, THERAPY),
            (DISTRICT_NURSING, THERAPY, DISCHARGE),
            (DISTRICT_NURSING, DISCHARGE),
        ),
        absent=(("Dr Anita Rao",), (), ("Paul Whitfield",)),
    ),
    DemoContract(
        "RCC-RB-001",
        "across the city",
        "Board Room, Riverton ICB, 2 Wharf Street",
        "https://meet.riverton.example/reviews/home-first",
        provider_users=(),
        provider_named=("Mark Ellis", "Operations manager"),
        writers=("Mark Ellis, operations manager", "Mark Ellis, operations manager"),
        partner_users=(ICB_COMMISSIONER,),
        partners=(
            (DISCHARGE, DISTRICT_NURSING, THERAPY),
            (DISCHARGE, DISTRICT_NURSING, GP_FEDERATION),
            (DISCHARGE, THERAPY, GP_FEDERATION),
            (DISCHARGE, DISTRICT_NURSING, THERAPY, GP_FEDERATION),
        ),
        absent=((), ("Dr Anita Rao",), ()),
        chaired=(0, 2, 3),
        draft_pack=True,
    ),
)

# --- Commentary ------------------------------------------------------------------------------------
# DATA is written from the figures; REVIEW and ACTION by measure and whether the target was met,
# one variant a quarter. Placeholders: {area}; in DATA also {n}, {d}, {value}, {target}, {trend}.

DATA = {
    "HELP_48H": "{n} of {d} episodes referred in the quarter had their first visit within 48 hours: "
    "{value}% against the {target}% target{trend}.",
    "INDEPENDENT_14": "{n} of {d} episodes referred to us from hospital ended fully independent within "
    "14 days: {value}% against the {target}% target{trend}.",
    "INDEPENDENT_42": "{n} of {d} reablement episodes ended fully independent within six weeks of "
    "the first visit: {value}% against the {target}% target{trend}.",
    "AT_HOME_91D": "In {n} of {d} reablement episodes after hospital discharge, the person was still "
    "living at home 91 days later: {value}% against the {target}% target{trend}.",
    "RETURNS_ON_TIME": "{n} of {d} monthly returns for the quarter were submitted by the due date{trend}.",
}

REVIEW = {
    ("HELP_48H", False): (
        "Referrals arriving after 3pm on Fridays are the main cause: most of the late starts were "
        "booked for the Monday. Two coordinators were off sick in the busiest weeks.",
        "Hospital discharges came in bursts after the trust's long-stay reviews, sometimes eight in "
        "a day, more than the rota {area} can start within two days.",
        "Late starts are now mostly people whose discharge was brought forward at short notice; "
        "we had the referral less than a day before they went home.",
    ),
    ("HELP_48H", True): (
        "The second coordinator on the late-week rota has made the difference: Friday referrals "
        "are now booked the same day.",
        "Staffing {area} was stable all quarter and the discharge hub's daily call gave us notice "
        "of most discharges a day ahead.",
        "Starts held up through the summer holidays because leave was planned around the rota.",
    ),
    ("INDEPENDENT_14", False): (
        "People leaving hospital are frailer than a year ago; more of them need equipment or a "
        "district nursing visit before their goals can be worked on, which takes longer than 14 days.",
        "Several people went home with a short-term care plan that ran past two weeks because the "
        "equipment they needed was not delivered until the second week.",
        "Fewer people came to us straight from the wards and more after a step-down bed, already "
        "past the easy gains; those who remain need longer support.",
    ),
    ("INDEPENDENT_14", True): (
        "Goals are now set on the first visit using the ward's therapy notes, so support tapers "
        "from the first week.",
        "Joint visits with district nurses meant people's wound care and personal care goals were "
        "worked on together.",
        "The hospital's therapy notes now arrive with the referral, so we start on the right goals.",
    ),
    ("INDEPENDENT_42", False): (
        "More people needed a longer package because of falls at home in the first fortnight; "
        "those who fell rarely finished within six weeks.",
        "Some people finished as 'transferred' to long-term care while waiting for a review that "
        "would probably have found them independent; the reviews are taking three to four weeks.",
        "Fewer people had an occupational therapy assessment in their first week, so equipment and "
        "adaptations came late.",
    ),
    ("INDEPENDENT_42", True): (
        "Weekly goal reviews with the therapists are keeping people moving towards independence.",
        "Most people now have an occupational therapy assessment in their first week.",
        "The falls pathway with the community trust is helping people regain confidence at home.",
    ),
    ("AT_HOME_91D", False): (
        "Most of the people not at home at 91 days were readmitted to hospital, about half after "
        "a fall; a few moved into care homes at their family's choice.",
        "Readmissions rose {area} this quarter, several within a week of finishing reablement.",
        "Of the people not at home, most were readmitted with chest infections or falls; we had "
        "ended reablement with them independent.",
    ),
    ("AT_HOME_91D", True): (
        "The follow-up call at two weeks after reablement ends is catching problems early.",
        "Fewer readmissions this quarter, helped by the GP medication reviews after discharge.",
        "People are staying at home: the falls pathway and medication reviews are working.",
    ),
    ("RETURNS_ON_TIME", True): (
        "Returns are checked by the registered manager before upload; no problems.",
        "No problems this quarter.",
        "All returns checked and submitted on time.",
    ),
    ("RETURNS_ON_TIME", False): (
        "One return was late because the person who prepares it was on leave.",
        "A validation error delayed one return by two days.",
        "One return was late while our care planning system was upgraded.",
    ),
}

ACTION = {
    ("HELP_48H", False): (
        "Add a second coordinator to the Friday and Saturday rota from next month (registered manager).",
        "Agree with the discharge hub a cap on same-day discharges to us, with a call when it is "
        "reached (operations manager, by the end of next month).",
        "Keep two support workers free each morning for short-notice discharges (rota lead, now).",
    ),
    ("HELP_48H", True): (
        "Keep the late-week rota as it is and review it at the next meeting.",
        "Keep joining the discharge hub's daily call.",
        "No change; we will report any week below 90% to the contract officer.",
    ),
    ("INDEPENDENT_14", False): (
        "Ask the ward therapists to send goals with every referral (registered manager, with the "
        "ICB's discharge lead).",
        "Chase equipment on the day of discharge and report delays to the equipment service weekly "
        "(coordinators, from now).",
        "Review every person still with us at day 10 at the weekly huddle (team leaders, from now).",
    ),
    ("INDEPENDENT_14", True): (
        "Carry on setting goals on the first visit and share the approach with the other teams.",
        "Keep the joint visits going and extend them to the rest of the area.",
        "No change needed.",
    ),
    ("INDEPENDENT_42", False): (
        "Refer everyone with a falls history to occupational therapy on the first visit "
        "(coordinators, from now).",
        "Audit the end reasons of everyone recorded as transferred and correct any return that "
        "needs it (registered manager, within four weeks).",
        "Review everyone not progressing at three weeks with a therapist (team leaders, weekly).",
    ),
    ("INDEPENDENT_42", True): (
        "Keep the weekly goal reviews.",
        "Keep the first-week therapy assessments.",
        "No change needed.",
    ),
    ("AT_HOME_91D", False): (
        "Make a follow-up call to everyone two weeks after reablement ends (coordinators, from next month).",
        "Ask the GP federation for medication reviews within a week of discharge (registered manager).",
        "Write a recovery plan with monthly figures for the council and the ICB (registered "
        "manager, within four weeks).",
    ),
    ("AT_HOME_91D", True): (
        "Keep the two-week follow-up calls.",
        "Keep working with the GP federation on medication reviews.",
        "No change needed.",
    ),
    ("RETURNS_ON_TIME", True): ("No action needed.", "No action needed.", "No action needed."),
    ("RETURNS_ON_TIME", False): (
        "A second person is now trained to prepare the return.",
        "We now check the file with the validation tool before the due date.",
        "A second person now prepares the return.",
    ),
}

# The commissioner's review notes, on missed targets only.
NOTES = (
    "The explanation is accepted, but this is the second quarter below target. We expect to see "
    "the effect of the actions in next quarter's figures.",
    "Discussed with the ICB: part of this is outside the provider's control. The system actions "
    "agreed at the meeting matter as much as the provider's.",
    "Please bring the monthly breakdown to the meeting so we can see whether the actions are working.",
)

# --- The meeting record ----------------------------------------------------------------------------
# By contract, one per recorded meeting, oldest first. Placeholders: {quarter} and each measure's
# figure as the meeting saw it ({HELP_48H}, {INDEPENDENT_14}, {INDEPENDENT_42}, {AT_HOME_91D}).

MINUTES = {
    "RCC-RB-003": (
        (
            "The meeting reviewed {quarter}. Starts within 48 hours were {HELP_48H}; Acme explained "
            "the Friday afternoon referrals and the sickness among coordinators. Independence within "
            "14 days of hospital discharge ({INDEPENDENT_14}) was discussed at length: the district "
            "nursing lead said many of the same people are on her caseload and visits could be "
            "combined. The GP federation sent apologies; its action on medication reviews was taken "
            "by the contract officer to pass on.",
            "Acme will add a late-week coordinator; the community trust will share its caseload "
            "list; the council will look at whether equipment waits distort the 14-day measure.",
        ),
        (
            "The meeting reviewed {quarter}. Starts within 48 hours fell to {HELP_48H} while two posts "
            "were vacant. 91 days at home was {AT_HOME_91D}; the occupational therapy lead said falls "
            "account for most readmissions they see. The council reported that the question of "
            "equipment waits was no longer needed once the equipment service improved.",
            "Acme to fill both vacancies. The community trust to offer occupational therapy "
            "assessments within five working days for people with a falls history. The council to "
            "obtain readmission data from the acute trust.",
        ),
        (
            "The meeting reviewed {quarter}. Starts within 48 hours recovered to {HELP_48H}. 91 days "
            "at home fell to {AT_HOME_91D}; the readmission data showed that most of the people "
            "readmitted went back to hospital for reasons unrelated to the reablement they had, "
            "several after the acute trust's change to its discharge criteria. The meeting agreed to "
            "show the figure as amber for this quarter, with the reason, while the ICB reviews "
            "readmissions. The therapy lead sent apologies.",
            "91 days at home for {quarter} shown as amber (agreed override, reason recorded). Acme "
            "to write a recovery plan. The ICB discharge lead to include Acme's capacity in the "
            "daily discharge hub call.",
        ),
    ),
    "RCC-RB-001": (
        (
            "Independent chair: Margaret Ellison. The meeting reviewed {quarter} with the ICB. "
            "Independence within six weeks was {INDEPENDENT_42}; the ICB's discharge tracker "
            "suggested that some people recorded as transferred had in fact finished independent, "
            "and Dale agreed to check. Starts within 48 hours were {HELP_48H}; the discharge lead "
            "agreed to send the daily discharge list earlier, weekends included.",
            "Dale to audit {first_month}'s end reasons and correct any return needed. The ICB to send "
            "the daily discharge list by 10am. The community trust to pilot joint visits in the West.",
        ),
        (
            "The meeting reviewed {quarter}. Independence within 14 days of hospital discharge was "
            "{INDEPENDENT_14}. The ICB explained that the winter discharge-to-assess pathway sent Dale "
            "people who would normally have gone to a step-down bed, and the meeting agreed to show "
            "the figure as amber for this quarter. Dale's correction of its {corrected_month} return was "
            "noted; the next pack will show the figure restated. The GP federation sent apologies.",
            "Independence within 14 days for {quarter} shown as amber (agreed override, reason "
            "recorded). Dale to run a late-day discharge shift. The ICB to share its readmissions "
            "dashboard. The council and the ICB to review the 14-day target for 2027-28.",
        ),
        (
            "Independent chair: Margaret Ellison. The meeting reviewed {quarter}. Independence within "
            "six weeks fell to {INDEPENDENT_42} against the raised target; Dale said the new target "
            "needs goal setting from the first visit. Starts within 48 hours were {HELP_48H}. The "
            "therapy lead offered a therapist at the weekly Home First huddle.",
            "Dale to set and review goals at two weeks. The community trust to join the weekly "
            "huddle. The council to report the figures and actions to the joint commissioning board.",
        ),
    ),
}


@dataclass(frozen=True)
class DemoAction:
    """An action agreed at a recorded meeting (0 the oldest). ``owner``: "provider", "commissioner"
    or a Partner; ``updates``: (days after the meeting, status, note); "{correction}" in a note is
    the provider's corrected return, and the update is dated the day after it was accepted."""

    contract: str
    meeting: int
    measure: str
    description: str
    owner: str | Partner
    owner_name: str
    due: int
    updates: tuple[tuple[int, str, str], ...] = ()


ICB_OWNER = Partner("Sam Ward", "Riverton ICB", "Commissioner")
ACME_OWNER = "Maria Lopez, registered manager"
DALE_OWNER = "Mark Ellis, operations manager"
OFFICER_OWNER = "Tom Bradley, contract officer"
COMMISSIONER_OWNER = "Priya Shah, commissioner"

ACTIONS = (
    # Acme, North reablement.
    DemoAction(
        "RCC-RB-003",
        0,
        "HELP_48H",
        "Add a second coordinator to the Friday and Saturday referral rota, so that late-week "
        "referrals are booked within 48 hours.",
        "provider",
        ACME_OWNER,
        42,
        (
            (14, "in_progress", "Second coordinator recruited; on the rota from next week."),
            (
                40,
                "done",
                "Both late-week rotas now have two coordinators; Friday referrals are booked the same day.",
            ),
        ),
    ),
    DemoAction(
        "RCC-RB-003",
        0,
        "INDEPENDENT_14",
        "Share a weekly list of people on both the district nursing and the reablement caseloads in "
        "the North, so visits can be combined.",
        DISTRICT_NURSING,
        DISTRICT_NURSING.owner,
        28,
        (
            (
                10,
                "in_progress",
                "First list shared; the data sharing agreement is with the trust's information governance lead.",
            ),
            (52, "done", "Weekly list in place; visits combined for most people on both caseloads."),
        ),
    ),
    DemoAction(
        "RCC-RB-003",
        0,
        "INDEPENDENT_14",
        "Check whether waits for community equipment distort the 14-day independence measure.",
        "commissioner",
        OFFICER_OWNER,
        56,
        (
            (30, "in_progress", "Raised with the ICB's performance lead."),
            (
                75,
                "dropped",
                "No longer needed: the equipment service now delivers within two working days of discharge.",
            ),
        ),
    ),
    DemoAction(
        "RCC-RB-003",
        0,
        "AT_HOME_91D",
        "Agree a route for reablement staff to ask for a GP medication review within a week of discharge.",
        GP_FEDERATION,
        GP_FEDERATION.owner,
        60,
        (
            (35, "in_progress", "Draft referral form shared with practice managers."),
            (120, "in_progress", "Piloting with four North practices."),
            (200, "done", "The route is live across all North practices."),
        ),
    ),
    DemoAction(
        "RCC-RB-003",
        1,
        "HELP_48H",
        "Recruit two reablement support workers for the North rota and report vacancies monthly.",
        "provider",
        ACME_OWNER,
        60,
        (
            (21, "in_progress", "One appointed, one offer made."),
            (58, "done", "Both in post; the North rota is fully staffed."),
        ),
    ),
    DemoAction(
        "RCC-RB-003",
        1,
        "INDEPENDENT_42",
        "Offer an occupational therapy assessment within five working days of the first visit to "
        "people with a falls history.",
        THERAPY,
        THERAPY.owner,
        56,
        (
            (28, "in_progress", "Triage in place; about six in ten assessed within five working days."),
            (
                150,
                "in_progress",
                "Eight in ten assessed within five working days; a second therapist is being recruited.",
            ),
        ),
    ),
    DemoAction(
        "RCC-RB-003",
        1,
        "AT_HOME_91D",
        "Obtain readmission data for people discharged through reablement, so the 91-day measure can "
        "be reviewed with its causes.",
        "commissioner",
        OFFICER_OWNER,
        30,
        ((26, "done", "Data for the quarter received from the acute trust and shared with Acme."),),
    ),
    DemoAction(
        "RCC-RB-003",
        2,
        "AT_HOME_91D",
        "Write a recovery plan for 91 days at home, with monthly figures for the council and the ICB.",
        "provider",
        ACME_OWNER,
        28,
        (
            (20, "in_progress", "Draft plan shared with the contract officer."),
            (33, "done", "Recovery plan agreed; monthly figures reported from next month."),
        ),
    ),
    DemoAction(
        "RCC-RB-003",
        2,
        "HELP_48H",
        "Include Acme's North capacity in the daily discharge hub call, so referrals are not sent "
        "when no start is possible within 48 hours.",
        DISCHARGE,
        DISCHARGE.owner,
        21,
        (
            (
                12,
                "in_progress",
                "Acme joins the call on Mondays and Thursdays; daily once the hub's rota allows.",
            ),
        ),
    ),
    DemoAction(
        "RCC-RB-003",
        2,
        "",
        "Write to the acute trust about discharge summaries arriving without medication lists.",
        "commissioner",
        COMMISSIONER_OWNER,
        28,
        ((40, "in_progress", "Raised at the system discharge board; the trust is auditing its summaries."),),
    ),
    # Dale, Home First (joint with the ICB).
    DemoAction(
        "RCC-RB-001",
        0,
        "INDEPENDENT_42",
        "Check the end reasons recorded for people who finished reablement in {first_month} against the "
        "ICB's discharge tracker, and correct any return that needs it.",
        "provider",
        DALE_OWNER,
        42,
        ((20, "in_progress", "Audit under way: two end reasons look wrong."), (54, "done", "{correction}")),
    ),
    DemoAction(
        "RCC-RB-001",
        0,
        "INDEPENDENT_14",
        "Send Dale the hospital discharge list by 10am every day, weekends included, so goals are "
        "set on the first visit.",
        DISCHARGE,
        DISCHARGE.owner,
        28,
        ((15, "done", "The list is sent by 9.30am every day, weekends included."),),
    ),
    DemoAction(
        "RCC-RB-001",
        0,
        "AT_HOME_91D",
        "Set up joint visits for people discharged with both reablement and district nursing needs, "
        "starting in the West of the city.",
        DISTRICT_NURSING,
        DISTRICT_NURSING.owner,
        56,
        (
            (30, "in_progress", "Joint visits running in the West."),
            (130, "in_progress", "Extended to the East; the North and Central follow next."),
            (260, "done", "Joint visits now run across the city."),
        ),
    ),
    DemoAction(
        "RCC-RB-001",
        0,
        "HELP_48H",
        "Agree with the ICB whether the 48-hour start target should allow for referrals received "
        "after 4pm on Fridays.",
        "commissioner",
        COMMISSIONER_OWNER,
        60,
        (
            (
                40,
                "done",
                "Agreed with the ICB: no change; the seven-day discharge rota now starts Friday referrals on Saturday.",
            ),
        ),
    ),
    DemoAction(
        "RCC-RB-001",
        1,
        "HELP_48H",
        "Run a 4pm to 10pm discharge shift, so people discharged late in the day start within 48 hours.",
        "provider",
        DALE_OWNER,
        45,
        ((30, "done", "The late shift runs every weekday."),),
    ),
    DemoAction(
        "RCC-RB-001",
        1,
        "AT_HOME_91D",
        "Ask practices to offer reablement patients a medication review at their first GP contact "
        "after discharge.",
        GP_FEDERATION,
        GP_FEDERATION.owner,
        60,
        (
            (45, "in_progress", "Template agreed; most practices are using it."),
            (170, "done", "All practices are using the template."),
        ),
    ),
    DemoAction(
        "RCC-RB-001",
        1,
        "AT_HOME_91D",
        "Share the ICB's monthly readmissions dashboard with Dale and the council.",
        ICB_OWNER,
        ICB_OWNER.owner,
        30,
        ((25, "done", "The dashboard is shared every month."),),
    ),
    DemoAction(
        "RCC-RB-001",
        1,
        "INDEPENDENT_14",
        "Review the 14-day independence target with the ICB for 2027-28, using a year of "
        "discharge-to-assess figures.",
        "commissioner",
        COMMISSIONER_OWNER,
        120,
        ((60, "in_progress", "Analysis started with the ICB's performance team."),),
    ),
    DemoAction(
        "RCC-RB-001",
        2,
        "INDEPENDENT_42",
        "Set goals with each person at the first visit and review them at two weeks, recording the "
        "outcome in the care plan.",
        "provider",
        DALE_OWNER,
        35,
        ((30, "done", "Two-week goal reviews are in place for every new start."),),
    ),
    DemoAction(
        "RCC-RB-001",
        2,
        "INDEPENDENT_42",
        "Provide a therapist at the weekly Home First huddle to review people not progressing "
        "after three weeks.",
        THERAPY,
        THERAPY.owner,
        28,
        ((21, "in_progress", "A therapist attends every other week; weekly once a post is filled."),),
    ),
    DemoAction(
        "RCC-RB-001",
        2,
        "",
        "Report the Home First figures and this meeting's actions to the joint commissioning board.",
        "commissioner",
        OFFICER_OWNER,
        60,
        ((55, "done", "Reported to the joint commissioning board with the agreed actions."),),
    ),
)

# RAG overrides agreed at recorded meetings: (contract, meeting, measure, RAG, reason).
OVERRIDES = (
    (
        "RCC-RB-003",
        2,
        "AT_HOME_91D",
        "amber",
        "Agreed at the review meeting: most readmissions this quarter followed the acute trust's "
        "change to its discharge criteria and were unrelated to the reablement provided. Shown as "
        "amber while the ICB reviews readmissions; Acme's recovery plan is an action.",
    ),
    (
        "RCC-RB-001",
        1,
        "INDEPENDENT_14",
        "amber",
        "Agreed at the review meeting with the ICB: the winter discharge-to-assess pathway sent Home "
        "First people who would normally have gone to a step-down bed. Shown as amber for this "
        "quarter; the council and the ICB are reviewing the target for 2027-28.",
    ),
)
CORRECTION_NOTE = (
    "Version {version} of the {month} return accepted on {day}: {changed} end reasons corrected after "
    "checking them against the ICB's discharge tracker. The next pack shows the figures restated."
)
NO_CORRECTION_NOTE = "Audit complete: the end reasons recorded were right, so no return needed correcting."


# --- Filling in the texts -----------------------------------------------------------------------------


def measure_key(target) -> str:
    """The table's name for a target's measure: ``INDEPENDENT_14`` for independence within 14 days."""
    if target.measure == "INDEPENDENT_WITHIN":
        return f"INDEPENDENT_{target.params.get('window_days')}"
    return target.measure


def figure_text(result) -> str:
    return f"{result.value:.1f}% ({result.numerator}/{result.denominator})"


def data_text(key: str, result, before, previous: str) -> str:
    """The DATA part: the quarter's figure against its target, and the change since ``previous``."""
    trend = ""
    words = {"improved": "up from", "worsened": "down from", "stable": "the same as"}
    compared = before is not None and before.value is not None and result.value is not None
    if compared and result.direction in words and key != "RETURNS_ON_TIME":
        trend = f", {words[result.direction]} {figure_text(before)} in {previous}"
    target = format(result.target_version.target_value.normalize(), "f")
    value = "—" if result.value is None else f"{result.value:.1f}"
    return DATA[key].format(n=result.numerator, d=result.denominator, value=value, target=target, trend=trend)


def commentary_parts(key: str, rag: str, missed: int, variant: int, recorded: bool) -> list[tuple[str, str]]:
    """The parts written besides DATA, as (part, text): all of them before a recorded meeting, with
    the commissioner's notes on the first two missed targets; before the coming one, REVIEW on the
    first two missed targets and ACTION on the first only (the rest blank, so the pack flags them)."""
    if rag not in ("green", "amber", "red"):
        return []
    met = rag == "green"
    parts = []
    if recorded or (not met and missed <= 2):
        parts.append(("review", REVIEW[(key, met)][variant]))
    if recorded or (not met and missed == 1):
        parts.append(("action", ACTION[(key, met)][variant]))
    if recorded and not met and missed <= 2:
        parts.append(("commissioner", NOTES[(variant + missed) % 3]))
    return parts


def record_texts(
    reference: str, index: int, seen: dict[str, str], quarter: str, months: dict[str, str]
) -> tuple[str, str]:
    """The minutes and decisions of a recorded meeting, naming the figures it saw and the months
    (``first_month``: the quarter's first; ``corrected_month``: the one the provider corrected)."""
    words = dict.fromkeys(DATA, "no result") | seen | {"quarter": quarter} | months
    minutes, decisions = MINUTES[reference][index]
    return minutes.format(**words), decisions.format(**words)


def correction_note(attempt) -> str:
    """The note closing the provider's audit: its corrected return, or that none was needed."""
    if attempt is None:
        return NO_CORRECTION_NOTE
    return CORRECTION_NOTE.format(
        version=attempt.version,
        month=f"{attempt.monthly_return.month:%B %Y}",
        day=day_label(timezone.localdate(attempt.submitted_at)),
        changed={1: "one", 2: "two", 3: "three"}.get((attempt.changes or {}).get("changed"), "several"),
    )
