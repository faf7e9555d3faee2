"""Demo and bulk data.

``demo()`` builds a realistic fictional trust: units, people of every role, and change ideas
with votes, comments and public timelines, moved through their statuses by the same services
the site uses. ``bulk()`` makes volume for benchmarks with Core ``INSERT`` executemany.
"""

import hashlib
import itertools
import math
import random
import secrets
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, Table, bindparam, delete, func, insert, text, update
from sqlmodel import Session, SQLModel, col, select

from app.accounts import passwords
from app.accounts.service import Principal
from app.comments import service as comments_service
from app.db import WRITE_OPTION, get_engine, session_scope
from app.ideas import service as ideas_service
from app.ideas.schemas import IdeaInput
from app.models import (
    STAFF_ROLES,
    Category,
    Comment,
    Idea,
    IdeaStatus,
    Identity,
    Notification,
    RateEvent,
    Role,
    Unit,
    UnitKind,
    User,
    UserRole,
    UserUnit,
    Visibility,
    Vote,
    utcnow,
)
from app.units import service as units
from app.votes import service as votes_service

DEMO_PASSWORD = "purple kite harbour lantern"

#: (directorate, [(service, [teams and wards])])
DEMO_UNITS: list[tuple[str, list[tuple[str, list[str]]]]] = [
    (
        "Adult Community Mental Health",
        [
            ("Community Mental Health Team North", ["Riverside CMHT"]),
            ("Early Intervention in Psychosis", []),
        ],
    ),
    (
        "Inpatient and Acute Care",
        [
            ("Acute Adult Wards", ["Willow Ward", "Cedar Ward"]),
        ],
    ),
    (
        "Children and Young People",
        [
            ("CAMHS Community", []),
        ],
    ),
]

DEMO_PEOPLE: list[tuple[str, str, Identity, set[Role]]] = [
    ("admin@example.org", "Sam Admin", Identity.staff, {Role.admin, Role.staff}),
    ("moderator@example.org", "Priya Moderator", Identity.staff, {Role.moderator, Role.staff}),
    (
        "safeguarding@example.org",
        "Tom Safeguarding",
        Identity.staff,
        {Role.safeguarding_lead, Role.staff},
    ),
    (
        "improvement@example.org",
        "Grace Improvement",
        Identity.staff,
        {Role.improvement_lead, Role.staff},
    ),
    ("staff@example.org", "Ade Nurse", Identity.staff, {Role.staff}),
    ("serviceuser@example.org", "Jo", Identity.service_user, {Role.service_user}),
    ("carer@example.org", "Chris", Identity.carer, {Role.carer}),
]

FIRST_NAMES = [
    "Alex",
    "Bea",
    "Cal",
    "Dani",
    "Eli",
    "Fran",
    "Gus",
    "Hana",
    "Isa",
    "Jay",
    "Kit",
    "Lou",
    "Mo",
    "Nia",
    "Oli",
    "Pat",
    "Quin",
    "Ravi",
    "Sol",
    "Tia",
    "Uma",
    "Vic",
    "Wren",
]


#: Who writes what. Authors: "jo", "chris", "ade" (the named demo accounts), "su", "carer",
#: "staff", "other" (someone from that group), "helped" (staff typing it in for a service user)
#: and "anon:<identity>" (no account). Commenters may also be "mod" or "lead".


class DemoComment(NamedTuple):
    who: str
    text: str
    #: Index of the comment (in the same idea's list) this one replies to.
    reply_to: int | None = None
    #: Written after the idea's last status change (e.g. thanks once something is done).
    late: bool = False


class DemoIdea(NamedTuple):
    title: str
    description: str
    benefit: str | None
    unit: str | None  # None: the whole organisation
    category: str
    author: str
    days_ago: int
    votes: int
    #: Status moves in order, each with its public note (None: a standard note).
    moves: tuple[tuple[IdeaStatus, str | None], ...] = ()
    comments: tuple[DemoComment, ...] = ()
    #: For duplicates: the title of the idea it is merged into.
    merged_into: str | None = None


_S = IdeaStatus
_C = DemoComment

DEMO_IDEAS: list[DemoIdea] = [
    # Done: "you said, we did".
    DemoIdea(
        "Quiet room on Willow Ward in the evenings",
        "The lounge gets really loud after tea, with the TV on and visitors coming and going. "
        "Could the small room by the garden be kept as a quiet room in the evenings, with soft "
        "lights and no TV?",
        "Somewhere calm to go when things feel like too much, without having to go back to "
        "your bedroom.",
        "Willow Ward",
        "environment",
        "jo",
        172,
        20,
        (
            (_S.under_review, None),
            (
                _S.accepted,
                "The ward team agree. We'll try the small room by the garden as a quiet "
                "room in the evenings.",
            ),
            (
                _S.in_progress,
                "We're buying lamps and comfortable seats, and agreeing the hours at "
                "the ward community meeting.",
            ),
            (
                _S.done,
                "You said: the lounge gets loud in the evenings and there's nowhere calm to "
                "go. We did: the small room by the garden is now a quiet room from 6pm to 10pm, "
                "with lamps, comfortable seats and no TV. Outcome: in our ward survey after 8 "
                "weeks, 7 in 10 people said evenings felt calmer, up from 4 in 10.",
            ),
        ),
        (
            _C(
                "su", "Yes please. Evenings are the hardest time for me and the lounge is so noisy."
            ),
            _C(
                "mod",
                "Thank you for saying this. We've shared it with the ward manager and "
                "will update you here.",
                0,
            ),
            _C(
                "su",
                "Sat in the new quiet room last night. The lamps make it feel like a proper "
                "living room. Thank you.",
                late=True,
            ),
            _C("lead", "Really glad to hear it. Tell us if anything would make it better.", 2),
        ),
    ),
    DemoIdea(
        "Text reminders before appointments",
        "Letters sometimes arrive after the appointment date, or get lost. A text a few days "
        "before, and again the day before, would help people remember.",
        "Fewer missed appointments, and less worry about getting the date wrong.",
        "Riverside CMHT",
        "communication",
        "chris",
        160,
        17,
        (
            (_S.under_review, None),
            (_S.accepted, None),
            (
                _S.in_progress,
                "We're testing text reminders at Riverside CMHT first, for people "
                "who agree to get texts.",
            ),
            (
                _S.done,
                "You said: letters arrive late, so appointments get missed. We did: "
                "everyone who agrees now gets a text 3 days and 1 day before their appointment. "
                "Outcome: missed appointments at Riverside CMHT went down from 18% to 11% over 3 "
                "months.",
            ),
        ),
        (
            _C(
                "carer",
                "The person I care for has missed two appointments because the letter "
                "came after the date. A text would really help.",
            ),
            _C("staff", "We see this a lot in clinic. Happy to help test it."),
            _C("carer", "Got my first reminder text today. Short and clear. Thank you.", late=True),
        ),
    ),
    DemoIdea(
        "Hot drinks available after 9pm",
        "After 9pm you have to ask at the nursing station for a cup of tea. It feels like a "
        "big thing to ask when staff are busy. Could there be a drinks station we can use "
        "ourselves?",
        "A warm drink helps people settle before bed.",
        "Cedar Ward",
        "food",
        "su",
        150,
        13,
        (
            (_S.accepted, "A quick fix: we're sorting this out with catering now."),
            (
                _S.done,
                "You said: you can't get a hot drink after 9pm without asking. We did: a "
                "drinks station with decaf tea and coffee, hot chocolate and squash now stays out "
                "until 11pm. Outcome: staff counted 40% fewer late-night requests at the nursing "
                "station over two weeks.",
            ),
        ),
        (
            _C(
                "su",
                "A cup of tea helps me settle before bed. Having to ask every time feels awkward.",
            ),
            _C("staff", "Staff would welcome this too. It saves a lot of trips to the kitchen.", 0),
        ),
    ),
    DemoIdea(
        "Clear letters without jargon",
        "Our letters are full of abbreviations and medical words. Please write them in plain "
        "English, and put the most important things first: when, where and who to call.",
        None,
        None,
        "communication",
        "carer",
        178,
        10,
        (
            (_S.under_review, None),
            (_S.accepted, None),
            (
                _S.in_progress,
                "A group of service users and carers is rewriting our most-used "
                "letters with the admin team.",
            ),
            (
                _S.done,
                "You said: our letters are full of jargon. We did: we rewrote our 6 "
                "most-used letters with service users and carers, and added a plain-English "
                "word list. Outcome: when we tested the new letters with 20 people, 18 understood "
                "what the letter asked them to do, up from 9 with the old letters.",
            ),
        ),
        (
            _C(
                "carer",
                "I had to look up three abbreviations in one letter. Please just say "
                "what you mean.",
            ),
            _C("other", "Putting the date and place at the top would help a lot."),
            _C("mod", "Thank you both. The letters group is using these exact points.", 1),
        ),
    ),
    DemoIdea(
        "Board games and puzzles on Cedar Ward",
        "There isn't much to do on the ward, especially at weekends. Some board games, cards "
        "and jigsaws would give people something to do together.",
        "Something to do, and an easy way to chat with other people on the ward.",
        "Cedar Ward",
        "activities",
        "helped",
        120,
        5,
        (
            (_S.accepted, None),
            (
                _S.done,
                "You said: there's not much to do on the ward. We did: a games cupboard "
                "with board games, cards and jigsaws, and a games hour on Tuesdays and Fridays "
                "run by the activity coordinator. Outcome: around 6 people join each games hour.",
            ),
        ),
        (_C("su", "The Tuesday games hour is the best bit of my week.", late=True),),
    ),
    DemoIdea(
        "Let young people choose where to meet",
        "Clinic rooms can feel scary. It would help if young people could choose where their "
        "appointment happens: a clinic room, the garden room, or a walk and talk.",
        "Young people would feel more comfortable and might find it easier to talk.",
        "CAMHS Community",
        "care-and-treatment",
        "carer",
        140,
        8,
        (
            (_S.under_review, None),
            (_S.accepted, None),
            (
                _S.in_progress,
                "We're asking young people at booking where they'd like to meet, "
                "and checking how it goes.",
            ),
            (
                _S.done,
                "You said: clinic rooms can feel scary and young people want a say. We "
                "did: at booking, young people now choose a clinic room, the garden room or a walk "
                "and talk. Outcome: the average answer to 'Did you feel comfortable?' went up "
                "from 3.4 to 4.2 out of 5.",
            ),
        ),
        (
            _C(
                "carer",
                "My child was much calmer when they met outside. Thank you for asking them.",
                late=True,
            ),
            _C("staff", "Young people often talk more easily on a walk. Great idea."),
        ),
    ),
    DemoIdea(
        "Welcome pack for carers",
        "When someone is admitted, carers don't know who to ask about anything. A short pack "
        "with visiting times, who to call and what happens at ward round would help.",
        "Carers would feel less lost and more able to help.",
        "Acute Adult Wards",
        "staff-and-support",
        "carer",
        131,
        8,
        (
            (_S.under_review, None),
            (_S.accepted, None),
            (_S.in_progress, "Our carers' group is writing the pack with the ward teams."),
            (
                _S.done,
                "You said: carers don't know who to ask when someone is admitted. We did: "
                "a carers' welcome pack written with our carers' group, covering visiting, who to "
                "contact, ward round and how to ask for a carer's assessment. Outcome: 85% of "
                "carers we asked said they got the information they needed in the first week, up "
                "from 50%.",
            ),
        ),
        (
            _C(
                "carer",
                "When my partner was admitted I didn't know who to ask about anything. "
                "This would have helped so much.",
            ),
            _C(
                "lead",
                "The carers' group helped write every page. Thank you to everyone who came.",
                late=True,
            ),
        ),
    ),
    DemoIdea(
        "Phone charging point in the lounge",
        "There's nowhere to charge your phone except your bedroom, and some of us don't have "
        "a socket that works. A charging point in the lounge would help.",
        None,
        "Willow Ward",
        "environment",
        "anon:service_user",
        95,
        4,
        (
            (_S.accepted, None),
            (
                _S.done,
                "You said: there's nowhere to charge your phone. We did: a charging "
                "station with short cables is now in the lounge. Outcome: not measured yet. We'll "
                "ask at the next ward community meeting.",
            ),
        ),
        (_C("su", "Being able to message my family in the evening makes a big difference."),),
    ),
    # In progress.
    DemoIdea(
        "Peer support worker at the first assessment",
        "The first assessment is frightening. Meeting someone who has been through it "
        "themselves, at the very start, would make it less scary.",
        "People would feel understood from day one and more likely to come back.",
        "Early Intervention in Psychosis",
        "care-and-treatment",
        "su",
        125,
        15,
        (
            (_S.under_review, None),
            (
                _S.accepted,
                "We agree. This will be part of our First Contact improvement project, "
                "with service users and carers on the project team from the start.",
            ),
            (
                _S.in_progress,
                "The First Contact project has started. We're testing a peer "
                "support worker at first assessments on Tuesdays.",
            ),
        ),
        (
            _C(
                "su",
                "Meeting someone who had been through it would have made me less scared "
                "at the start.",
            ),
            _C("carer", "Could carers meet a peer supporter too?"),
            _C(
                "lead", "Good question. We're adding a carer peer supporter to the project plan.", 1
            ),
            _C("staff", "Our team is really keen on this."),
        ),
    ),
    DemoIdea(
        "Evening group for people who work",
        "All the groups are in the daytime. Once I started work I had to stop going. A group "
        "one evening a week would let people keep coming.",
        None,
        "Community Mental Health Team North",
        "access-and-waiting",
        "su",
        110,
        7,
        (
            (_S.under_review, None),
            (_S.accepted, None),
            (
                _S.in_progress,
                "We're starting a Wednesday evening group for 8 weeks and will ask "
                "people how it went.",
            ),
        ),
        (
            _C(
                "su",
                "I stopped going to group when I started my new job. An evening slot would "
                "let me come back.",
            ),
            _C(
                "mod",
                "Thank you. The team is sorting out a room and staff for Wednesday evenings.",
                0,
            ),
        ),
    ),
    DemoIdea(
        "Updates while you wait for therapy",
        "We waited months for therapy and heard nothing. A short call or message every month "
        "would make the wait less worrying, and tell us what we can do in the meantime.",
        "People would know they haven't been forgotten.",
        "Community Mental Health Team North",
        "access-and-waiting",
        "carer",
        100,
        12,
        (
            (_S.under_review, None),
            (_S.accepted, None),
            (
                _S.in_progress,
                "We're testing a monthly check-in call for people waiting for "
                "therapy, starting with Riverside CMHT.",
            ),
        ),
        (
            _C("carer", "Even a short message to say we haven't been forgotten would help."),
            _C("su", "Tell us what we can do while we wait, like groups or apps."),
            _C("lead", "We're testing a monthly check-in call. We'll share how it goes here.", 0),
        ),
    ),
    DemoIdea(
        "Fresh fruit every day on the wards",
        "There's a lot of toast and biscuits on the wards. A bowl of fresh fruit every day "
        "would be a healthier choice for everyone.",
        None,
        "Acute Adult Wards",
        "food",
        "staff",
        88,
        5,
        (
            (_S.under_review, None),
            (_S.accepted, None),
            (_S.in_progress, "Catering are trying a daily fruit bowl on Willow and Cedar wards."),
        ),
        (
            _C("su", "Yes! There's a lot of toast."),
            _C("staff", "Catering have said they can try a fruit bowl on each ward.", 0),
        ),
    ),
    DemoIdea(
        "Time for staff to talk after a hard shift",
        "Some shifts stay with you. Ten minutes at the end of a shift to talk things through "
        "as a team, before going home, would help us look after each other.",
        "Staff who feel supported can support patients better.",
        "Inpatient and Acute Care",
        "staff-and-support",
        "ade",
        76,
        6,
        (
            (_S.under_review, None),
            (_S.accepted, None),
            (
                _S.in_progress,
                "We're trying a 10-minute team check-out at the end of late shifts, "
                "led by the ward managers.",
            ),
        ),
        (
            _C("staff", "Some shifts stay with you. This would help."),
            _C("staff", "We did this on my last ward and it made a real difference."),
        ),
    ),
    DemoIdea(
        "Sensory box for the waiting room",
        "Waiting is hard for some young people. A box with fidget toys, sensory things and "
        "books in the waiting room would help them stay calm.",
        None,
        "CAMHS Community",
        "environment",
        "carer",
        64,
        4,
        (
            (_S.accepted, None),
            (_S.in_progress, "Our occupational therapists are putting the box together."),
        ),
        (
            _C(
                "carer",
                "Waiting is the hardest part for my child. Something to do with their "
                "hands would help.",
            ),
        ),
    ),
    # Accepted.
    DemoIdea(
        "Know who my care coordinator is",
        "I've had three care coordinators in a year and didn't always know when it changed. "
        "Please tell us their name and how to reach them, and who to call when they're away.",
        None,
        "Riverside CMHT",
        "communication",
        "jo",
        70,
        8,
        (
            (_S.under_review, None),
            (
                _S.accepted,
                "Thank you. We'll send a text with your care coordinator's name and "
                "number, and tell you who to contact when they're away.",
            ),
        ),
        (
            _C("su", "I didn't know mine had changed until I rang."),
            _C("mod", "Thank you. We'll text you whenever it changes.", 0),
        ),
    ),
    DemoIdea(
        "Water fountain in the garden",
        "It gets very hot in the garden in summer and you have to go back inside for water.",
        None,
        "Willow Ward",
        "environment",
        "anon:service_user",
        58,
        3,
        (
            (_S.under_review, None),
            (_S.accepted, "Estates have agreed to fit a drinking fountain in the garden."),
        ),
        (_C("su", "Yes, especially in summer."),),
    ),
    DemoIdea(
        "Explain my medicine in plain words",
        "It would help to have a short, plain explanation of what each medicine is for and "
        "which side effects to look out for. Families want to know too.",
        "People would feel more in control of their treatment.",
        "Early Intervention in Psychosis",
        "care-and-treatment",
        "carer",
        47,
        6,
        (
            (_S.under_review, None),
            (
                _S.accepted,
                "Our pharmacist will write a plain-English leaflet for each common "
                "medicine and hold a monthly drop-in for families.",
            ),
        ),
        (
            _C("carer", "I want to know what to look out for, but I never know who to ask."),
            _C("staff", "Our pharmacist is happy to run a short drop-in for families.", 0),
        ),
    ),
    DemoIdea(
        "Weekend walking group",
        "Weekends drag on the ward. A short walk in the park on Saturday and Sunday, with "
        "staff, would help.",
        None,
        "Cedar Ward",
        "activities",
        "su",
        39,
        2,
        (
            (
                _S.accepted,
                "We'll start a weekend walking group when our new activity coordinator "
                "joins next month.",
            ),
        ),
        (_C("su", "The weekend drags. A walk would really help."),),
    ),
    DemoIdea(
        "Vegetarian and halal hot meals every day",
        "Some days the only hot meal I can eat isn't on the menu and I end up with a sandwich.",
        None,
        "Acute Adult Wards",
        "food",
        "anon:service_user",
        33,
        4,
        ((_S.under_review, None), (_S.accepted, None)),
        (
            _C("su", "Sometimes a sandwich is the only option I can eat."),
            _C("staff", "Catering are adding a daily vegetarian and halal hot meal.", 0),
        ),
    ),
    DemoIdea(
        "Carers invited to ward round if the person agrees",
        "Carers often know things that would help the team, but we hear about decisions "
        "afterwards. If the person agrees, please invite us to ward round.",
        None,
        "Willow Ward",
        "care-and-treatment",
        "chris",
        52,
        5,
        (
            (_S.under_review, None),
            (
                _S.accepted,
                "We'll ask everyone when they're admitted whether they'd like a carer "
                "at ward round, and record their choice.",
            ),
        ),
        (
            _C(
                "carer",
                "I often know things that would help, but I hear about decisions afterwards.",
            ),
            _C("mod", "Thank you. We will always ask the person first.", 0),
        ),
    ),
    # Not taken forward, with a public reason.
    DemoIdea(
        "Pet visits on the ward",
        "Lots of us miss our pets. Could well-behaved pets visit now and then?",
        None,
        "Cedar Ward",
        "activities",
        "su",
        115,
        5,
        (
            (_S.under_review, None),
            (
                _S.not_taken_forward,
                "Thank you for this idea. We talked to the infection control "
                "team, and we can't allow pets on the ward because of allergies and hygiene "
                "rules. We know this is disappointing.",
            ),
        ),
        (
            _C("su", "I miss my dog more than anything when I'm on the ward."),
            _C("other", "Could visits happen in the garden instead?"),
        ),
    ),
    DemoIdea(
        "Open the café at weekends",
        "Weekends are when most families visit, but the café is closed.",
        None,
        None,
        "food",
        "carer",
        84,
        2,
        (
            (_S.under_review, None),
            (
                _S.not_taken_forward,
                "The café is run by an outside company and its opening hours "
                "are set in their contract. We'll ask for weekend opening when the contract is "
                "renewed next year.",
            ),
        ),
        (_C("carer", "Weekends are when most of us visit, so it's a shame."),),
    ),
    DemoIdea(
        "Free parking for carers",
        "Parking costs add up when you visit every day.",
        None,
        "Inpatient and Acute Care",
        "other",
        "anon:carer",
        66,
        3,
        (
            (
                _S.not_taken_forward,
                "Parking is run by the hospital site owner, not by us. We've "
                "passed your idea on to them. Carers can ask the ward team for a free day "
                "permit.",
            ),
        ),
        (
            _C("carer", "It adds up when you visit every day."),
            _C(
                "mod",
                "Please ask the ward team for a free day permit. We know it's not the "
                "same, and we'll keep asking.",
                0,
                late=True,
            ),
        ),
    ),
    DemoIdea(
        "Move all appointments online",
        "Video appointments would save everyone travel time.",
        None,
        "Adult Community Mental Health",
        "access-and-waiting",
        "staff",
        43,
        1,
        (
            (_S.under_review, None),
            (
                _S.not_taken_forward,
                "Many people told us they prefer to meet face to face, and "
                "not everyone has a private space or a device at home. We'll keep offering both, "
                "and you can ask for video appointments if they suit you.",
            ),
        ),
        (_C("su", "I'd miss coming in. Seeing someone in person matters to me."),),
    ),
    DemoIdea(
        "Choose your nurse each shift",
        "It would be good to choose which nurse looks after you.",
        None,
        "Cedar Ward",
        "staff-and-support",
        "su",
        29,
        1,
        (
            (_S.under_review, None),
            (
                _S.not_taken_forward,
                "We can't do this because of how shifts are staffed. "
                "Everyone has a named nurse for their stay, and the nurse in charge will tell you "
                "at the start of each shift who is looking after you.",
            ),
        ),
    ),
    # Duplicates, merged into the first idea on the same subject.
    DemoIdea(
        "Somewhere quiet on the ward at night",
        "There's nowhere quiet to sit in the evening.",
        None,
        "Willow Ward",
        "environment",
        "su",
        148,
        0,
        ((_S.duplicate, None),),
        merged_into="Quiet room on Willow Ward in the evenings",
    ),
    DemoIdea(
        "Reminder texts please",
        "Could you text me before my appointment?",
        None,
        "Riverside CMHT",
        "communication",
        "anon:other",
        135,
        0,
        ((_S.duplicate, None),),
        merged_into="Text reminders before appointments",
    ),
    DemoIdea(
        "Tea and toast at night",
        "It would be nice to make tea and toast late in the evening.",
        None,
        "Cedar Ward",
        "food",
        "su",
        121,
        0,
        ((_S.duplicate, None),),
        merged_into="Hot drinks available after 9pm",
    ),
    # Under review.
    DemoIdea(
        "Longer visiting hours at weekends",
        "I work until six, so weekday visiting is very hard. Longer hours at weekends would "
        "mean I could visit properly and bring the children.",
        None,
        "Willow Ward",
        "other",
        "carer",
        90,
        3,
        (
            (_S.under_review, None),
            (
                _S.not_taken_forward,
                "Visiting times protect time for meals, groups and rest on "
                "the ward, so we're not changing them for now.",
            ),
            (
                _S.under_review,
                "Several carers have asked about this, so we're looking at it "
                "again with the ward community meeting.",
            ),
        ),
        (
            _C("carer", "I work until six, so weekday visiting is very hard for me."),
            _C("carer", "Longer hours at weekends would mean I could bring the children."),
            _C(
                "mod",
                "Thank you. We're talking about this at the next ward community meeting.",
                1,
                late=True,
            ),
        ),
    ),
    DemoIdea(
        "Wi-Fi for patients on the wards",
        "So much is online now: benefits, housing forms, keeping in touch with family. "
        "Patients can't use the Wi-Fi on the wards.",
        None,
        "Acute Adult Wards",
        "other",
        "jo",
        26,
        6,
        ((_S.under_review, None),),
        (
            _C("su", "So much is online now, including benefits and housing forms."),
            _C("staff", "It would help with video calls to families too."),
        ),
    ),
    DemoIdea(
        "A buddy for new staff",
        "Starting on a busy ward is a lot. Pairing new staff with a buddy for their first "
        "month would help them ask the small questions.",
        None,
        "Acute Adult Wards",
        "staff-and-support",
        "staff",
        21,
        3,
        ((_S.under_review, None),),
        (_C("staff", "My first week was a blur. A buddy would have helped."),),
    ),
    DemoIdea(
        "Drop-in hour without an appointment",
        "Sometimes I just need a quick check-in, not a full appointment. A weekly drop-in hour "
        "would help.",
        None,
        "Community Mental Health Team North",
        "access-and-waiting",
        "su",
        17,
        3,
        ((_S.under_review, None),),
        (_C("su", "A quick check-in can stop things getting worse."),),
    ),
    DemoIdea(
        "Same-day call back from the duty team",
        "When you ring the duty line you can wait all day for a call back. Could you give a "
        "rough time, or call back the same morning?",
        None,
        "Adult Community Mental Health",
        "access-and-waiting",
        "chris",
        12,
        5,
        ((_S.under_review, None),),
        (
            _C("carer", "Waiting all day by the phone is really stressful."),
            _C("mod", "Thanks for this. We're looking at how the duty line works now.", 0),
        ),
    ),
    DemoIdea(
        "Photos and names of the team on the wall",
        "New faces are hard for some young people. Photos of the team with their first names "
        "and jobs in the waiting room would help them know who they'll see.",
        None,
        "CAMHS Community",
        "communication",
        "carer",
        9,
        2,
        ((_S.under_review, None),),
        (_C("carer", "My child finds new faces hard. Photos would really help."),),
    ),
    # Submitted (two of them older than ten working days, so overdue in the triage queue).
    DemoIdea(
        "Music sessions on Cedar Ward",
        "A weekly music session, singing or just listening together, would lift the mood on "
        "the ward.",
        None,
        "Cedar Ward",
        "activities",
        "su",
        6,
        2,
        comments=(_C("su", "I'd happily bring my guitar."),),
    ),
    DemoIdea(
        "Breakfast later at weekends",
        "Breakfast finishes at 9 every day. At weekends it would be nice to have it a bit later.",
        None,
        "Willow Ward",
        "food",
        "anon:service_user",
        19,
        0,
    ),
    DemoIdea(
        "Training for staff from people with lived experience",
        "Staff training should include people who have used services and carers, telling "
        "staff what helped and what didn't.",
        "Staff would understand what care feels like from the other side.",
        None,
        "staff-and-support",
        "carer",
        4,
        1,
        comments=(_C("staff", "I'd sign up for this straight away."),),
    ),
    DemoIdea(
        "Easy-read version of my care plan",
        "My care plan is long and hard to read. A one-page easy-read version, with pictures, "
        "would help me know what's in it.",
        None,
        "Early Intervention in Psychosis",
        "care-and-treatment",
        "helped",
        2,
        0,
    ),
    DemoIdea(
        "Somewhere safe to leave a bike",
        "There's nowhere to lock a bike outside the clinic, so I have to bring it inside.",
        None,
        "Riverside CMHT",
        "other",
        "other",
        15,
        1,
    ),
    DemoIdea(
        "Only tell our story once",
        "Every new worker asks the same questions. Could the team read the notes first, so "
        "young people don't have to repeat painful things again and again?",
        None,
        "Children and Young People",
        "access-and-waiting",
        "carer",
        1,
        0,
    ),
]


class _Person(NamedTuple):
    user: User
    roles: frozenset[Role]

    @property
    def principal(self) -> Principal:
        return Principal(user=self.user, roles=self.roles)


#: Named demo accounts that ideas and comments refer to.
_NAMED = {
    "jo": "serviceuser@example.org",
    "chris": "carer@example.org",
    "ade": "staff@example.org",
    "mod": "moderator@example.org",
    "lead": "improvement@example.org",
}
#: Who moves ideas along: moderators triage, the improvement team delivers.
_MOVER = {
    IdeaStatus.under_review: "mod",
    IdeaStatus.accepted: "mod",
    IdeaStatus.not_taken_forward: "mod",
    IdeaStatus.duplicate: "mod",
    IdeaStatus.in_progress: "lead",
    IdeaStatus.done: "lead",
}
_STANDARD_NOTE = {
    IdeaStatus.under_review: "Thank you for this idea. We're looking at it with the team and "
    "will update you here.",
    IdeaStatus.accepted: "Thank you. We think this is a good idea and we're going to do it.",
    IdeaStatus.in_progress: "Work has started. We'll post here when it's done.",
}

#: Every timestamp the demo back-dates: rows written "now" are moved to when they happened.
_STAMPED = (
    ("idea", "created_at"),
    ("idea", "updated_at"),
    ("idea_event", "at"),
    ("vote", "created_at"),
    ("comment", "created_at"),
    ("follow", "created_at"),
    ("notification", "created_at"),
)


#: The rate limits submitting, voting and commenting count against (their services' buckets).
_SEED_RATE_BUCKETS = ("idea_user", "idea_ip", "vote_user", "comment_user")


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _has_people(db: Session) -> bool:
    return bool(db.scalar(select(func.count()).select_from(User)))


def demo() -> str:
    """Seed the demo trust once; a second run changes nothing."""
    with session_scope() as db:
        if _has_people(db):
            return "Demo data already present: nothing to do."
        now = utcnow()
        rng = random.Random(2026)
        unit_ids = _demo_units(db)
        leaf_ids = [uid for name, uid in unit_ids.items() if name in _LEAF_NAMES]
        people = _demo_people(db, rng, leaf_ids)
        ideas, votes, comments = _demo_ideas(db, rng, now=now, unit_ids=unit_ids, people=people)
        _backdate_setup(
            db, now=now, unit_ids=list(unit_ids.values()), user_ids=[p.user.id for p in people]
        )
        unit_count = db.scalar(select(func.count()).select_from(Unit))
    return (
        f"Seeded {unit_count} units and {len(people)} people, with {ideas} ideas, {votes} votes "
        f"and {comments} comments.\n"
        f"Sign in at http://127.0.0.1:8000/login as admin@example.org "
        f"(or moderator@, improvement@, safeguarding@, staff@, serviceuser@, carer@example.org)\n"
        f"with the password: {DEMO_PASSWORD}"
    )


#: Services and teams (where staff work); directorates are not.
_LEAF_NAMES = frozenset(
    name for _d, services in DEMO_UNITS for service, teams in services for name in [service, *teams]
)


def _demo_units(db: Session) -> dict[str, int]:
    """Create the demo tree; returns unit ids by name (in creation order)."""
    root = units.root(db)
    assert root.id is not None
    ids: dict[str, int] = {}
    for directorate, services in DEMO_UNITS:
        d = units.create(
            db, name=directorate, kind=UnitKind.directorate, parent_id=root.id, actor_id=None
        )
        assert d.id is not None
        ids[directorate] = d.id
        for service, teams in services:
            s = units.create(db, name=service, kind=UnitKind.service, parent_id=d.id, actor_id=None)
            assert s.id is not None
            ids[service] = s.id
            for team in teams:
                t = units.create(db, name=team, kind=UnitKind.team, parent_id=s.id, actor_id=None)
                assert t.id is not None
                ids[team] = t.id
    return ids


def _demo_people(db: Session, rng: random.Random, leaf_ids: list[int]) -> list[_Person]:
    # One hash for every demo account: argon2 is deliberately slow.
    password_hash = passwords.hash_password(DEMO_PASSWORD)
    people = list(DEMO_PEOPLE)
    for i, first in enumerate(FIRST_NAMES):
        identity = [Identity.service_user, Identity.carer, Identity.staff, Identity.other][i % 4]
        roles = (
            {Role(identity.value)}
            if identity in (Identity.service_user, Identity.carer)
            else ({Role.staff} if identity is Identity.staff else set())
        )
        people.append((f"{first.lower()}{i}@example.org", first, identity, roles))
    created: list[_Person] = []
    for email, name, identity, roles in people:
        user = User(email=email, display_name=name, identity=identity, password_hash=password_hash)
        db.add(user)
        db.flush()
        assert user.id is not None
        for role in sorted(roles):
            db.add(UserRole(user_id=user.id, role=role))
        if identity is Identity.staff:
            db.add(UserUnit(user_id=user.id, unit_id=rng.choice(leaf_ids)))
        created.append(_Person(user, frozenset(roles)))
    db.flush()
    return created


def _backdate_setup(
    db: Session, *, now: datetime, unit_ids: list[int], user_ids: list[int | None]
) -> None:
    """Accounts and units existed well before the first idea."""
    joined = now - timedelta(days=210)
    user, role = _table("user_account"), _table("user_role")
    db.execute(
        update(user).where(user.c.id.in_(user_ids)).values(created_at=joined, updated_at=joined)
    )
    db.execute(update(role).where(role.c.user_id.in_(user_ids)).values(granted_at=joined))
    unit = _table("unit")
    db.execute(
        update(unit).where(unit.c.id.in_(unit_ids)).values(created_at=joined - timedelta(days=7))
    )


def _restamp(db: Session, *, since: datetime, at: datetime) -> None:
    """Move every row written since ``since`` to ``at``, and forget the rate-limit hits (the
    seed is not one person clicking very fast)."""
    db.flush()
    for name, column in _STAMPED:
        table = _table(name)
        db.execute(update(table).where(table.c[column] >= since).values({column: at}))
    db.execute(
        delete(RateEvent).where(
            col(RateEvent.at) >= since, col(RateEvent.bucket).in_(_SEED_RATE_BUCKETS)
        )
    )


class _Pools:
    """Demo people by the words DEMO_IDEAS uses for them."""

    def __init__(self, people: list[_Person], rng: random.Random) -> None:
        self.rng = rng
        self.by_email = {p.user.email: p for p in people}
        special = {self.by_email[e].user.id for e in _NAMED.values()} - {
            self.by_email[_NAMED["jo"]].user.id,
            self.by_email[_NAMED["chris"]].user.id,
            self.by_email[_NAMED["ade"]].user.id,
        }
        plain = [p for p in people if p.user.id not in special]
        self.groups: dict[str, list[_Person]] = {
            "su": [p for p in plain if p.user.identity is Identity.service_user],
            "carer": [p for p in plain if p.user.identity is Identity.carer],
            "staff": [p for p in plain if p.user.identity is Identity.staff],
            "other": [p for p in plain if p.user.identity is Identity.other],
        }
        #: Admins, moderators and leads do not vote on the demo board.
        self.voters = plain

    def pick(self, who: str, *, avoid: Collection[int | None] = ()) -> _Person:
        if who in _NAMED:
            return self.by_email[_NAMED[who]]
        group = self.groups[who]
        fresh = [p for p in group if p.user.id not in avoid]
        return self.rng.choice(fresh or group)


_VOTING_CLOSED = ideas_service.VOTING_CLOSED


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    if end <= start:
        return start
    return start + (end - start) * rng.random()


def _demo_ideas(
    db: Session,
    rng: random.Random,
    *,
    now: datetime,
    unit_ids: dict[str, int],
    people: list[_Person],
) -> tuple[int, int, int]:
    """Submit DEMO_IDEAS, vote, comment and move them on, in the order it all happened."""
    pools = _Pools(people, rng)
    hour = timedelta(hours=1)
    ideas: dict[str, Idea] = {}
    comment_ids: dict[tuple[str, int], int] = {}
    actions: list[tuple[datetime, int, Callable[[], None]]] = []

    def plan(at: datetime, action: Callable[[], None]) -> None:
        actions.append((at, len(actions), action))

    for n, spec in enumerate(DEMO_IDEAS):
        created = now - timedelta(days=spec.days_ago) + timedelta(minutes=rng.randint(-300, 300))
        created = min(created, now - 2 * hour)
        author: _Person | None = None
        helped = spec.author == "helped"
        submitted_as: Identity | None = None
        if spec.author.startswith("anon:"):
            submitted_as = Identity(spec.author.removeprefix("anon:"))
        else:
            author = pools.pick("staff" if helped else spec.author)
        plan(created, _submit_action(db, ideas, spec, unit_ids, author, helped, submitted_as, n))

        # Status moves: a first response within days, the rest spread out until now.
        times: list[datetime] = []
        if spec.moves:
            age_hours = (now - created) / hour
            first_limit = 48 if spec.moves[0][0] is IdeaStatus.duplicate else 8 * 24
            first = created + hour * rng.uniform(3, max(4, min(first_limit, age_hours * 0.4)))
            rest = sorted(_between(rng, first, now - 3 * hour) for _ in spec.moves[1:])
            times = [first, *rest]
        for at, (status, note) in zip(times, spec.moves, strict=True):
            plan(at, _move_action(db, ideas, pools, spec, status, note))

        # Votes before voting closes, from people other than the author.
        closes = next(
            (t for t, (s, _n) in zip(times, spec.moves, strict=True) if s in _VOTING_CLOSED),
            now - timedelta(minutes=5),
        )
        author_id = author.user.id if author else None
        voters = rng.sample([p for p in pools.voters if p.user.id != author_id], spec.votes)
        for voter in voters:
            at = _between(rng, created + timedelta(minutes=15), closes)
            plan(at, _vote_action(db, ideas, spec.title, voter))

        # Comments: most before the last status change, thanks after it, in the order listed;
        # replies a little after what they answer.
        last_move = times[-1] if times else None
        late = [c.late and last_move is not None for c in spec.comments]
        tops = [c.reply_to is None for c in spec.comments]
        early_times = iter(
            sorted(
                _between(rng, created + hour, (last_move or now) - hour)
                for top, lt in zip(tops, late, strict=True)
                if top and not lt
            )
        )
        late_times = iter(
            sorted(
                _between(rng, (last_move or now) + hour, now - hour)
                for top, lt in zip(tops, late, strict=True)
                if top and lt
            )
        )
        comment_times: list[datetime] = []
        used: set[int | None] = {author_id}
        for i, comment in enumerate(spec.comments):
            if comment.reply_to is not None:
                parent_at = comment_times[comment.reply_to]
                at = parent_at + hour * rng.uniform(1, 36)
                if comment.late and last_move is not None:
                    at = max(at, last_move + hour * rng.uniform(1, 24))
                at = min(at, now - timedelta(minutes=10))
            else:
                at = next(late_times if late[i] else early_times)
            at = max(at, created + timedelta(minutes=30))
            comment_times.append(at)
            person = pools.pick(comment.who, avoid=used)
            used.add(person.user.id)
            plan(at, _comment_action(db, ideas, comment_ids, spec.title, i, comment, person))

    actions.sort(key=lambda a: (a[0], a[1]))
    for at, _seq, action in actions:
        action()
        _restamp(db, since=now, at=at)
    _mark_old_notifications_read(db, now=now)
    return (
        len(ideas),
        int(db.scalar(select(func.count()).select_from(Vote)) or 0),
        int(db.scalar(select(func.count()).select_from(Comment)) or 0),
    )


def _submit_action(
    db: Session,
    ideas: dict[str, Idea],
    spec: DemoIdea,
    unit_ids: dict[str, int],
    author: _Person | None,
    helped: bool,
    submitted_as: Identity | None,
    n: int,
) -> Callable[[], None]:
    def run() -> None:
        data = IdeaInput(
            title=spec.title,
            description=spec.description,
            benefit=spec.benefit,
            unit_id=unit_ids[spec.unit] if spec.unit else None,
            category=spec.category,
            submitted_as=submitted_as,
        )
        result = ideas_service.submit(
            db,
            data=data,
            form_token=ideas_service.new_form_token(),
            author=author.principal if author else None,
            helped=helped,
            # A documentation address (RFC 5737): anonymous ideas need one for their limit.
            ip_address=f"192.0.2.{n + 1}",
        )
        ideas[spec.title] = result.idea

    return run


def _move_action(
    db: Session,
    ideas: dict[str, Idea],
    pools: _Pools,
    spec: DemoIdea,
    status: IdeaStatus,
    note: str | None,
) -> Callable[[], None]:
    def run() -> None:
        merged_into = ideas[spec.merged_into] if spec.merged_into else None
        text_ = note or _STANDARD_NOTE.get(status)
        if status is IdeaStatus.duplicate and merged_into is not None:
            text_ = (
                f"This is the same as \u201c{merged_into.title}\u201d, so we've joined them "
                "together. Please follow that idea for updates."
            )
        ideas_service.change_status(
            db,
            idea=ideas[spec.title],
            to=status,
            actor=pools.pick(_MOVER[status]).principal,
            note=text_,
            merged_into=merged_into,
        )

    return run


def _vote_action(
    db: Session, ideas: dict[str, Idea], title: str, voter: _Person
) -> Callable[[], None]:
    def run() -> None:
        votes_service.vote(db, idea=ideas[title], user=voter.user)

    return run


def _comment_action(
    db: Session,
    ideas: dict[str, Idea],
    comment_ids: dict[tuple[str, int], int],
    title: str,
    index: int,
    comment: DemoComment,
    person: _Person,
) -> Callable[[], None]:
    def run() -> None:
        parent = comment_ids[(title, comment.reply_to)] if comment.reply_to is not None else None
        row = comments_service.add(
            db, idea=ideas[title], principal=person.principal, body=comment.text, parent_id=parent
        )
        assert row.id is not None
        comment_ids[(title, index)] = row.id

    return run


def _mark_old_notifications_read(db: Session, *, now: datetime) -> None:
    """People have read what reached them more than a few days ago."""
    rows = db.execute(
        select(col(Notification.id), col(Notification.created_at)).where(
            col(Notification.created_at) < now - timedelta(days=4)
        )
    ).all()
    if rows:
        table = _table("notification")
        db.execute(
            update(table).where(table.c.id == bindparam("b_id")).values(read_at=bindparam("b_at")),
            [{"b_id": r[0], "b_at": r[1] + timedelta(hours=20)} for r in rows],
        )


# --- Bulk synthetic data -------------------------------------------------------------------

BULK_BATCH = 10_000
#: Negative: KiB (so 256 MB).
BULK_SQLITE_CACHE_KIB = -262_144
BULK_YEARS = 3

_THINGS = [
    "a quiet room",
    "a sensory garden",
    "a drinks station",
    "an evening group",
    "a walking group",
    "text reminders",
    "a welcome pack",
    "peer support",
    "music sessions",
    "an art group",
    "fresh fruit",
    "a water fountain",
    "a phone charging point",
    "a noticeboard",
    "easy-read leaflets",
    "a one-page care plan",
    "a carers' evening",
    "a cooking group",
    "a bike rack",
    "a reading corner",
    "a sensory box",
    "gym sessions",
    "a yoga class",
    "a library trolley",
    "board games",
    "an allotment",
    "a family room",
    "a faith room",
    "wellbeing check-ins",
    "video appointments",
    "a drop-in hour",
    "advocacy sessions",
    "benefits advice",
    "housing advice",
    "job coaching",
    "a football team",
    "a gardening club",
    "a mindfulness group",
    "a breakfast club",
    "a film night",
    "a quiz night",
    "photos of the team",
    "a feedback box",
    "interpreters",
    "a hearing loop",
    "a step-free entrance",
    "help with bus passes",
    "a discharge checklist",
    "a pharmacist drop-in",
    "a self-help library",
]
_PLACES = [
    "on the ward",
    "in the waiting room",
    "at the clinic",
    "in the garden",
    "at weekends",
    "in the evenings",
    "for carers",
    "for young people",
    "for new staff",
    "before appointments",
    "after discharge",
    "at the first assessment",
    "in the community team",
    "for people who work",
    "for families",
    "on admission",
    "while waiting for therapy",
    "in every team",
    "at the day centre",
    "for older adults",
]
_VERBS = [
    "Offer",
    "Bring back",
    "Try",
    "Set up",
    "Add",
    "Start",
    "Improve",
    "Keep",
    "Share",
    "Make room for",
]
_OPENERS = [
    "It would really help to have {thing} {place}.",
    "At the moment there is nothing like {thing} {place}.",
    "Lots of people have talked about {thing} {place}.",
    "I think {thing} {place} would make a real difference.",
    "Other services already have {thing} {place}, and it works well.",
    "Could we try {thing} {place}?",
]
_MIDDLES = [
    "This would help {people} feel {feeling}.",
    "It would not need to cost much.",
    "Staff and volunteers could run it together.",
    "We could try it for a month and ask people what they think.",
    "Many {people} have asked about this before.",
    "It could be planned with service users and carers from the start.",
    "It would mean less waiting around with nothing to do.",
    "It would make it easier to talk to staff.",
    "The {season} is the hardest time for this.",
]
_CLOSERS = [
    "Thank you for listening.",
    "I'd be happy to help set it up.",
    "Even a small trial would be good.",
    "Please think about it.",
    "",
]
_PEOPLE = [
    "service users",
    "carers",
    "families",
    "young people",
    "staff",
    "visitors",
    "people new to the service",
    "older adults",
]
_FEELINGS = [
    "calmer",
    "more welcome",
    "less alone",
    "listened to",
    "more in control",
    "safer",
    "more hopeful",
    "less anxious",
    "more relaxed",
    "more involved",
]
_OUTCOMES = [
    "keep coming to appointments",
    "sleep better",
    "get home sooner",
    "stay in touch with family",
    "know what happens next",
    "get help sooner",
    "make friends",
    "build confidence",
    "stay well after discharge",
    "feel part of their care",
]
_SEASONS = ["winter", "summer", "weekend", "evening", "night"]
_COMMENTS = [
    "I agree, this would help a lot.",
    "Yes please!",
    "We had something like this at my last service and it worked well.",
    "Could this work at weekends too?",
    "My family would really like this.",
    "Good idea. Who would run it?",
    "This would make a big difference to me.",
    "Thank you for suggesting this.",
    "I'd be happy to help.",
    "Could carers be part of this too?",
    "This came up at our community meeting as well.",
    "Simple, and it would really help.",
]
_STAFF_REPLIES = [
    "Thank you, we're looking at this with the team.",
    "Good point. We've passed this on to the ward manager.",
    "We'll talk about this at the next community meeting.",
    "Thanks for raising it. We'll post an update here.",
]
_REASONS = [
    "We looked at this carefully, but we can't do it with the space we have. We'll look again "
    "if that changes.",
    "This is decided by another organisation, not by us. We've passed your idea on to them.",
    "Most people told us they would rather keep things as they are, so we're not changing "
    "this for now.",
]
_WE_DID = [
    "You said: {thing} {place} would help. We did: we set it up with service users and "
    "carers. Outcome: {n} in 10 people we asked said it made things better.",
    "You said: {thing} {place}. We did: we tried it for a month and kept it. Outcome: not "
    "measured yet; we'll ask at the next community meeting.",
]

#: Ways an idea reaches each status (all allowed by ideas_service.TRANSITIONS).
_PATHS: dict[IdeaStatus, list[tuple[IdeaStatus, ...]]] = {
    _S.submitted: [()],
    _S.under_review: [(_S.under_review,)],
    _S.accepted: [(_S.under_review, _S.accepted), (_S.accepted,)],
    _S.not_taken_forward: [(_S.under_review, _S.not_taken_forward), (_S.not_taken_forward,)],
    _S.duplicate: [(_S.duplicate,), (_S.under_review, _S.duplicate)],
    _S.in_progress: [(_S.under_review, _S.accepted, _S.in_progress), (_S.accepted, _S.in_progress)],
    _S.done: [
        (_S.under_review, _S.accepted, _S.in_progress, _S.done),
        (_S.under_review, _S.accepted, _S.done),
        (_S.accepted, _S.done),
    ],
}
#: Status mix by age: new ideas are mostly waiting; old ones mostly decided.
_STATUS_MIX: list[tuple[float, dict[IdeaStatus, int]]] = [
    (
        14,
        {
            _S.submitted: 60,
            _S.under_review: 30,
            _S.accepted: 5,
            _S.duplicate: 3,
            _S.not_taken_forward: 2,
        },
    ),
    (
        90,
        {
            _S.submitted: 10,
            _S.under_review: 25,
            _S.accepted: 20,
            _S.in_progress: 20,
            _S.not_taken_forward: 10,
            _S.duplicate: 5,
            _S.done: 10,
        },
    ),
    (
        math.inf,
        {
            _S.submitted: 3,
            _S.under_review: 5,
            _S.accepted: 10,
            _S.in_progress: 15,
            _S.not_taken_forward: 15,
            _S.duplicate: 5,
            _S.done: 47,
        },
    ),
]
_IDENTITY_MIX = {
    Identity.service_user: 45,
    Identity.carer: 25,
    Identity.staff: 20,
    Identity.other: 10,
}
_BULK_UNITS = [
    ("Community Services", ["Home Treatment Team", "Crisis Resolution Team"]),
    ("Inpatient Services", ["Rowan Ward", "Birch Ward", "Maple Ward"]),
    ("Specialist Services", ["Perinatal Team", "Eating Disorders Service"]),
]


class _BulkUser(NamedTuple):
    id: int
    identity: Identity
    is_staff: bool


def _batches(
    rows: Iterator[dict[str, Any]], size: int = BULK_BATCH
) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert_all(conn: Connection, table: Table, rows: Iterator[dict[str, Any]]) -> int:
    n = 0
    for batch in _batches(rows):
        conn.execute(insert(table), batch)
        n += len(batch)
    return n


#: SQLite keeps idea_fts in step with a trigger per inserted idea (the ideas migration).
_FTS_INSERT_TRIGGER = "idea_fts_ai"
_FTS_INDEX_NEW = (
    "INSERT INTO idea_fts(rowid, title, description, benefit) "
    "SELECT id, title, description, coalesce(benefit, '') FROM idea WHERE form_token LIKE :tokens"
)


@contextmanager
def _fts_in_one_statement(conn: Connection, tokens: str) -> Iterator[None]:
    """SQLite: index the new ideas with one INSERT ... SELECT instead of the per-row trigger.

    FTS5 flushes its buffer at the end of every statement, so 100,000 one-row inserts write
    100,000 tiny segments (about 20 s) where one statement takes about a second. The trigger is
    dropped and re-created inside the caller's transaction: if anything fails, it is rolled back
    with everything else, and other connections never see it missing.
    """
    trigger = None
    if conn.dialect.name == "sqlite":
        trigger = conn.scalar(
            text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
            {"name": _FTS_INSERT_TRIGGER},
        )
    if trigger is None:
        yield
        return
    conn.execute(text(f"DROP TRIGGER {_FTS_INSERT_TRIGGER}"))
    yield
    conn.execute(text(_FTS_INDEX_NEW), {"tokens": tokens})
    conn.execute(text(trigger))


@contextmanager
def _sqlite_bulk_settings(conn: Connection) -> Iterator[None]:
    """SQLite: a bigger page cache while bulk loading (indexes on a million votes do not fit in
    the default 2 MB); restored afterwards, as the connection goes back to the pool."""
    if conn.dialect.name != "sqlite":
        yield
        return
    previous = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = {BULK_SQLITE_CACHE_KIB}")
    conn.commit()
    try:
        yield
    finally:
        conn.rollback()
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous or -2000)}")
        conn.commit()


def _at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _allocate(total: int, weights: Sequence[float], cap: int, rng: random.Random) -> list[int]:
    """Split ``total`` over the weights (roughly in proportion), none above ``cap``."""
    counts = [0] * len(weights)
    active = [i for i, w in enumerate(weights) if w > 0]
    remaining = total
    while remaining:
        active = [i for i in active if counts[i] < cap]
        if not active:
            raise ValueError("Not enough ideas and people for that many votes")
        w_active = [weights[i] for i in active]
        scale = remaining / math.fsum(w_active)
        for i, w in zip(active, w_active, strict=True):
            k = min(int(w * scale), cap - counts[i])
            counts[i] += k
            remaining -= k
        for i in rng.choices(active, w_active, k=remaining):
            if counts[i] < cap:
                counts[i] += 1
                remaining -= 1
    return counts


def _bulk_units(db: Session) -> list[int]:
    """Ideas go to teams and services; a database with few units gets a handful more."""
    ids = list(db.scalars(select(Unit.id).where(col(Unit.parent_id).is_not(None))))
    if len(ids) >= 5:
        return ids
    root = units.root(db)
    assert root.id is not None
    for directorate, teams in _BULK_UNITS:
        d = units.create(
            db, name=directorate, kind=UnitKind.directorate, parent_id=root.id, actor_id=None
        )
        assert d.id is not None
        ids.append(d.id)
        for team in teams:
            t = units.create(db, name=team, kind=UnitKind.team, parent_id=d.id, actor_id=None)
            assert t.id is not None
            ids.append(t.id)
    return ids


def _idea_text(rng: random.Random) -> tuple[str, str, str | None]:
    thing, place = rng.choice(_THINGS), rng.choice(_PLACES)
    if rng.random() < 0.5:
        title = f"{rng.choice(_VERBS)} {thing} {place}"
    else:
        title = f"{thing[0].upper()}{thing[1:]} {place}"
    words = {
        "thing": thing,
        "place": place,
        "people": rng.choice(_PEOPLE),
        "feeling": rng.choice(_FEELINGS),
        "season": rng.choice(_SEASONS),
    }
    parts = [rng.choice(_OPENERS), *rng.sample(_MIDDLES, rng.randint(1, 3)), rng.choice(_CLOSERS)]
    description = " ".join(p.format(**words) for p in parts if p)
    benefit = None
    if rng.random() < 0.5:
        benefit = (
            f"{words['people'].capitalize()} would feel {words['feeling']} and "
            f"{rng.choice(_OUTCOMES)}."
        )
    return title[:120], description, benefit


class _IdeaPlan(NamedTuple):
    created: float
    status: IdeaStatus
    moves: tuple[tuple[IdeaStatus, float], ...]
    #: When voting closed (done, not taken forward, duplicate), else None.
    closed: float | None
    visibility: Visibility


def _plan_ideas(rng: random.Random, n: int, now: float) -> list[_IdeaPlan]:
    span = BULK_YEARS * 365 * 86400
    created = sorted(now - span * rng.random() for _ in range(n))
    mixes = [
        (limit, list(mix), list(itertools.accumulate(mix.values()))) for limit, mix in _STATUS_MIX
    ]
    plans = []
    for n_plan, ts in enumerate(created):
        age_days = (now - ts) / 86400
        if age_days < 0.1:
            status = IdeaStatus.submitted
        else:
            _limit, statuses, cum = next(m for m in mixes if age_days < m[0])
            status = rng.choices(statuses, cum_weights=cum)[0]
            if n_plan == 0 and status is IdeaStatus.duplicate:
                status = IdeaStatus.under_review  # nothing earlier to be a duplicate of
        path = rng.choice(_PATHS[status])
        moves: list[tuple[IdeaStatus, float]] = []
        if path:
            first = ts + 86400 * rng.uniform(0.05, min(10.0, age_days * 0.5))
            rest = sorted(rng.uniform(first, now - 60) for _ in path[1:])
            moves = list(zip(path, [first, *rest], strict=True))
        closed = moves[-1][1] if status in _VOTING_CLOSED else None
        r = rng.random()
        if r < 0.95:
            visibility = Visibility.published
        elif r < 0.97:
            visibility = Visibility.pending_moderation if not moves else Visibility.published
        elif r < 0.99:
            visibility = Visibility.hidden
        else:
            visibility = Visibility.held
        plans.append(_IdeaPlan(ts, status, tuple(moves), closed, visibility))
    return plans


def bulk(*, ideas: int, votes: int, comments: int) -> str:
    """Add synthetic ideas (with their timelines), votes and comments for benchmarks.

    Rows go in with Core ``INSERT`` executemany in batches, a few transactions in all. Votes
    and comments go on the new ideas, each idea's counters equal to its rows. Runs on a
    non-empty database too (it adds more).
    """
    if min(ideas, votes, comments) < 0:
        raise ValueError("Counts must be zero or more")
    if ideas == 0 and (votes or comments):
        raise ValueError("Votes and comments go on new ideas: give some ideas too")
    rng = random.Random(20260)
    tag = secrets.token_hex(4)
    now = utcnow().timestamp()

    with session_scope() as db:
        unit_ids = _bulk_units(db)
        category_ids = list(db.scalars(select(Category.id).where(col(Category.active))))
        staff_ids = set(
            db.scalars(select(UserRole.user_id).where(col(UserRole.role).in_(STAFF_ROLES)))
        )
        existing = [
            _BulkUser(r[0], Identity(r[1]), r[0] in staff_ids)
            for r in db.execute(
                select(col(User.id), col(User.identity)).where(col(User.deleted_at).is_(None))
            )
        ]
        mover_ids = {
            role: db.scalar(select(UserRole.user_id).where(col(UserRole.role) == role).limit(1))
            for role in (Role.moderator, Role.improvement_lead)
        }

    plans = _plan_ideas(rng, ideas, now)
    open_public = [
        p.visibility is Visibility.published and p.status is not IdeaStatus.duplicate for p in plans
    ]
    popularity = [rng.lognormvariate(0, 1.3) if ok else 0.0 for ok in open_public]
    if votes and not any(popularity):
        popularity = [1.0] * ideas
    eligible = sum(1 for w in popularity if w > 0)
    pool_size = max(100, math.ceil(votes / 50), math.ceil(2 * votes / max(1, eligible)))
    new_people = max(0, pool_size - len(existing))
    vote_counts = _allocate(votes, popularity, pool_size, rng)
    talk = [
        w**0.6 if p.visibility is Visibility.published else 0.0
        for w, p in zip(popularity, plans, strict=True)
    ]
    if comments and not any(talk):
        talk = [1.0] * ideas
    comment_counts = _allocate(comments, talk, 1_000_000, rng)

    engine = get_engine().execution_options(**{WRITE_OPTION: True})
    with engine.connect() as conn, _sqlite_bulk_settings(conn):
        with conn.begin():
            people = existing + _bulk_people(conn, rng, tag, new_people, unit_ids, now)
        with conn.begin():
            idea_ids = _bulk_ideas(
                conn,
                rng,
                tag,
                plans,
                people,
                unit_ids,
                category_ids,
                vote_counts,
                comment_counts,
                mover_ids,
            )
        with conn.begin():
            _bulk_votes(conn, rng, plans, idea_ids, vote_counts, people, now)
        with conn.begin():
            _bulk_comments(conn, rng, plans, idea_ids, comment_counts, people, now)
    return (
        f"Bulk: added {ideas:,} ideas, {votes:,} votes, {comments:,} comments and "
        f"{new_people:,} people."
    )


def _bulk_people(
    conn: Connection,
    rng: random.Random,
    tag: str,
    n: int,
    unit_ids: list[int],
    now: float,
) -> list[_BulkUser]:
    if n == 0:
        return []
    # One hash for everyone (argon2 is slow on purpose): the demo password.
    password_hash = passwords.hash_password(DEMO_PASSWORD)
    identities = rng.choices(list(_IDENTITY_MIX), list(_IDENTITY_MIX.values()), k=n)
    span = BULK_YEARS * 365 * 86400
    user = _table("user_account")

    def rows() -> Iterator[dict[str, Any]]:
        for i, identity in enumerate(identities):
            joined = _at(now - span * 1.1 * rng.random())
            yield {
                "email": f"bulk-{tag}-{i}@example.org",
                "display_name": rng.choice(FIRST_NAMES),
                "identity": identity.value,
                "password_hash": password_hash,
                "created_at": joined,
                "updated_at": joined,
                "deleted_at": None,
            }

    _insert_all(conn, user, rows())
    found = conn.execute(
        select(user.c.id, user.c.email).where(user.c.email.like(f"bulk-{tag}-%"))
    ).all()
    people = []
    for user_id, email in found:
        identity = identities[int(email.split("@")[0].rsplit("-", 1)[1])]
        people.append(_BulkUser(user_id, identity, identity is Identity.staff))
    granted = _at(now)

    def roles() -> Iterator[dict[str, Any]]:
        for p in people:
            if p.identity is not Identity.other:
                role = {
                    Identity.service_user: Role.service_user,
                    Identity.carer: Role.carer,
                    Identity.staff: Role.staff,
                }[p.identity]
                yield {
                    "user_id": p.id,
                    "role": role.value,
                    "granted_at": granted,
                    "granted_by_id": None,
                }

    _insert_all(conn, _table("user_role"), roles())
    _insert_all(
        conn,
        _table("user_unit"),
        ({"user_id": p.id, "unit_id": rng.choice(unit_ids)} for p in people if p.is_staff),
    )
    return people


def _bulk_ideas(
    conn: Connection,
    rng: random.Random,
    tag: str,
    plans: list[_IdeaPlan],
    people: list[_BulkUser],
    unit_ids: list[int],
    category_ids: list[int],
    vote_counts: list[int],
    comment_counts: list[int],
    mover_ids: dict[Role, int | None],
) -> list[int]:
    """Insert the ideas and their timelines; returns the new ids in plan order."""
    idea = _table("idea")
    authors: list[_BulkUser | None] = [
        rng.choice(people) if people and rng.random() < 0.8 else None for _ in plans
    ]

    def rows() -> Iterator[dict[str, Any]]:
        for i, plan in enumerate(plans):
            title, description, benefit = _idea_text(rng)
            author = authors[i]
            token = f"bulk-{tag}-{i}"
            last = plan.moves[-1][1] if plan.moves else plan.created
            yield {
                "title": title,
                "description": description,
                "benefit": benefit,
                "unit_id": rng.choice(unit_ids),
                "category_id": rng.choice(category_ids),
                "submitted_as": (author.identity if author else Identity.other).value,
                "author_id": author.id if author else None,
                "helped_by_id": None,
                "status": plan.status.value,
                "visibility": plan.visibility.value,
                "vote_count": vote_counts[i],
                "comment_count": comment_counts[i],
                "form_token": token,
                "receipt_hash": hashlib.sha256(token.encode()).hexdigest(),
                "merged_into_id": None,
                "created_at": _at(plan.created),
                "updated_at": _at(last),
            }

    with _fts_in_one_statement(conn, f"bulk-{tag}-%"):
        _insert_all(conn, idea, rows())
    ids = [0] * len(plans)
    for idea_id, token in conn.execute(
        select(idea.c.id, idea.c.form_token).where(idea.c.form_token.like(f"bulk-{tag}-%"))
    ):
        ids[int(token.rsplit("-", 1)[1])] = idea_id

    # Duplicates point at an earlier idea that is not itself a duplicate.
    merges = []
    for i, plan in enumerate(plans):
        if plan.status is IdeaStatus.duplicate:
            j = rng.randrange(i)  # the first idea is never a duplicate
            while plans[j].status is IdeaStatus.duplicate:
                j -= 1
            merges.append({"b_id": ids[i], "b_into": ids[j]})
    if merges:
        conn.execute(
            update(idea)
            .where(idea.c.id == bindparam("b_id"))
            .values(merged_into_id=bindparam("b_into")),
            merges,
        )

    moderator = ideas_service.public_role(None, frozenset({Role.moderator}))
    lead = ideas_service.public_role(None, frozenset({Role.improvement_lead}))

    def events() -> Iterator[dict[str, Any]]:
        for i, plan in enumerate(plans):
            author = authors[i]
            submitted_as = author.identity if author else Identity.other
            yield {
                "idea_id": ids[i],
                "at": _at(plan.created),
                "kind": "submitted",
                "from_status": None,
                "to_status": IdeaStatus.submitted.value,
                "actor_role": ideas_service.IDENTITY_PUBLIC[submitted_as],
                "actor_id": author.id if author else None,
                "note": None,
            }
            previous = IdeaStatus.submitted
            for status, at in plan.moves:
                by_lead = status in (IdeaStatus.in_progress, IdeaStatus.done)
                note = None
                if status is IdeaStatus.not_taken_forward:
                    note = rng.choice(_REASONS)
                elif status is IdeaStatus.done:
                    note = rng.choice(_WE_DID).format(
                        thing=rng.choice(_THINGS), place=rng.choice(_PLACES), n=rng.randint(5, 9)
                    )
                yield {
                    "idea_id": ids[i],
                    "at": _at(at),
                    "kind": "status",
                    "from_status": previous.value,
                    "to_status": status.value,
                    "actor_role": lead if by_lead else moderator,
                    "actor_id": mover_ids[Role.improvement_lead if by_lead else Role.moderator],
                    "note": note,
                }
                previous = status

    _insert_all(conn, _table("idea_event"), events())
    return ids


def _bulk_votes(
    conn: Connection,
    rng: random.Random,
    plans: list[_IdeaPlan],
    idea_ids: list[int],
    vote_counts: list[int],
    people: list[_BulkUser],
    now: float,
) -> None:
    voter_ids = [p.id for p in people]

    def rows() -> Iterator[dict[str, Any]]:
        for i, k in enumerate(vote_counts):
            if not k:
                continue
            plan = plans[i]
            start, end = plan.created, plan.closed or now
            idea_id = idea_ids[i]
            for user_id in rng.sample(voter_ids, k):
                yield {
                    "idea_id": idea_id,
                    "user_id": user_id,
                    "created_at": _at(start + (end - start) * rng.random()),
                }

    _insert_all(conn, _table("vote"), rows())


def _bulk_comments(
    conn: Connection,
    rng: random.Random,
    plans: list[_IdeaPlan],
    idea_ids: list[int],
    comment_counts: list[int],
    people: list[_BulkUser],
    now: float,
) -> None:
    if not any(comment_counts):
        return
    comment = _table("comment")
    staff = [p for p in people if p.is_staff] or people
    before = conn.scalar(select(func.coalesce(func.max(comment.c.id), 0))) or 0
    replies: list[tuple[int, int]] = []  # (plan index, how many)

    def row(idea_id: int, at: float, parent_id: int | None) -> dict[str, Any]:
        reply_by_staff = parent_id is not None and rng.random() < 0.4
        author = rng.choice(staff if reply_by_staff else people)
        body = rng.choice(_STAFF_REPLIES if author.is_staff and parent_id else _COMMENTS)
        return {
            "idea_id": idea_id,
            "author_id": author.id,
            "parent_id": parent_id,
            "author_identity": author.identity.value,
            "author_is_staff": author.is_staff,
            "body": body,
            "visibility": Visibility.published.value,
            "created_at": _at(at),
            "edited_at": None,
            "deleted_at": None,
        }

    def top_level() -> Iterator[dict[str, Any]]:
        for i, c in enumerate(comment_counts):
            if not c:
                continue
            n_replies = sum(1 for _ in range(c - 1) if rng.random() < 0.3)
            if n_replies:
                replies.append((i, n_replies))
            created = plans[i].created
            for _ in range(c - n_replies):
                yield row(idea_ids[i], created + (now - created) * rng.random(), None)

    _insert_all(conn, comment, top_level())
    if not replies:
        return
    threads: dict[int, list[tuple[int, float]]] = {}
    for comment_id, idea_id, at in conn.execute(
        select(comment.c.id, comment.c.idea_id, comment.c.created_at).where(
            comment.c.id > before, comment.c.parent_id.is_(None)
        )
    ):
        threads.setdefault(idea_id, []).append((comment_id, at.timestamp()))

    def reply_rows() -> Iterator[dict[str, Any]]:
        for i, n in replies:
            thread = threads[idea_ids[i]]
            for _ in range(n):
                parent_id, parent_at = rng.choice(thread)
                at = min(now, parent_at + rng.uniform(3600, 7 * 86400))
                yield row(idea_ids[i], at, parent_id)

    _insert_all(conn, comment, reply_rows())
