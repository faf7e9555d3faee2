"""The demo trust: units, people of every role, and 40 change ideas in every status, with votes,
comments and public timelines.

What the trust says lives in the TOML files in ``app/seed/demo/`` (units.toml, people.toml,
ideas.toml); this module reads them and builds the trust through the same services the site
uses, in the order it all happened, then back-dates every row to when it happened. It is
deterministic (``random.Random(2026)``) and runs once: a second run changes nothing.
"""

import random
import tomllib
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from sqlmodel import Session, SQLModel

from app.accounts import passwords
from app.accounts.principal import Principal
from app.comments import service as comments_service
from app.core.subjects import Subject
from app.db import session_scope
from app.ideas import service as ideas_service
from app.ideas.schemas import IdeaInput
from app.models import (
    Comment,
    Follow,
    Idea,
    IdeaStatus,
    Identity,
    Notification,
    Role,
    TimelineEvent,
    Unit,
    UnitKind,
    User,
    UserRole,
    UserUnit,
    Visibility,
    Vote,
    utcnow,
)
from app.seed import projects as demo_projects
from app.seed import reports as demo_reports
from app.seed import repository as repo
from app.units import service as units
from app.votes import access as votes_access
from app.votes import service as votes_service
from app.web.urls import absolute_url

DEMO_PASSWORD = "purple kite harbour lantern"

DATA_DIR = Path(__file__).with_name("demo")


def load_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        return tomllib.load(f)


class DemoComment(NamedTuple):
    #: A word for who writes it (see ideas.toml).
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
    #: A word for who submits it (see ideas.toml).
    author: str
    days_ago: int
    votes: int
    #: Status moves in order, each with its public note (None: a standard note).
    moves: tuple[tuple[IdeaStatus, str | None], ...] = ()
    comments: tuple[DemoComment, ...] = ()
    #: For duplicates: the title of the idea it is merged into.
    merged_into: str | None = None


# --- Reading the data files ------------------------------------------------------------------
# Strict on purpose: the files are edited by hand, so a misspelt key or a number in quotes
# fails here, naming the place, instead of silently becoming a default.


def fields(
    table: dict[str, Any],
    where: str,
    required: dict[str, type],
    optional: dict[str, type] | None = None,
) -> dict[str, Any]:
    """Check a TOML table has the required keys, no unknown ones, and values of those types."""
    kinds = {**required, **(optional or {})}
    missing = sorted(required.keys() - table.keys())
    unknown = sorted(table.keys() - kinds.keys())
    if missing or unknown:
        raise ValueError(f"{where}: missing keys {missing}, unknown keys {unknown}")
    for key, value in table.items():
        # TOML booleans are not integers here, though Python's are.
        if not isinstance(value, kinds[key]) or (kinds[key] is int and isinstance(value, bool)):
            raise ValueError(f"{where}: {key} should be of type {kinds[key].__name__}")
    return table


def strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: should be a list of strings")
    return value


def tables(value: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValueError(f"{where}: should be a list of tables")
    return value


def _load_units(data: dict[str, Any]) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    fields(data, "units.toml", {"directorate": list})
    tree = []
    for d in tables(data["directorate"], "units.toml: directorate"):
        fields(d, f"units.toml: {d.get('name')!r}", {"name": str, "service": list})
        services = []
        for s in tables(d["service"], f"units.toml: {d['name']!r}"):
            where = f"units.toml: {s.get('name')!r}"
            fields(s, where, {"name": str, "teams": list})
            services.append((s["name"], strings(s["teams"], where)))
        tree.append((d["name"], services))
    return tree


def _load_people(
    data: dict[str, Any],
) -> tuple[list[tuple[str, str, Identity, set[Role]]], dict[str, str], list[str]]:
    """The named accounts, who ideas.toml's words name, and the other people's first names."""
    fields(data, "people.toml", {"first_names": list, "person": list})
    people = []
    named = {}
    for p in tables(data["person"], "people.toml: person"):
        where = f"people.toml: {p.get('email')!r}"
        fields(
            p,
            where,
            {"email": str, "name": str, "identity": str, "roles": list},
            {"known_as": str},
        )
        roles = {Role(r) for r in strings(p["roles"], where)}
        people.append((p["email"], p["name"], Identity(p["identity"]), roles))
        if "known_as" in p:
            named[p["known_as"]] = p["email"]
    return people, named, strings(data["first_names"], "people.toml: first_names")


def _load_ideas(data: dict[str, Any]) -> tuple[list[DemoIdea], dict[IdeaStatus, str], str]:
    """The ideas, the standard notes by status, and the duplicate note's template."""
    fields(data, "ideas.toml", {"duplicate_note": str, "standard_note": dict, "idea": list})
    notes = data["standard_note"]
    fields(notes, "ideas.toml: standard_note", {}, dict.fromkeys(notes, str))
    standard = {IdeaStatus(status): note for status, note in notes.items()}
    return (
        [_load_idea(t) for t in tables(data["idea"], "ideas.toml: idea")],
        standard,
        data["duplicate_note"],
    )


def _load_idea(t: dict[str, Any]) -> DemoIdea:
    where = f"ideas.toml: {t.get('title')!r}"
    fields(
        t,
        where,
        {
            "title": str,
            "description": str,
            "category": str,
            "author": str,
            "days_ago": int,
            "votes": int,
        },
        {"benefit": str, "unit": str, "merged_into": str, "move": list, "comment": list},
    )
    moves = []
    for m in tables(t.get("move", []), f"{where}: move"):
        fields(m, f"{where}: move", {"status": str}, {"note": str})
        moves.append((IdeaStatus(m["status"]), m.get("note")))
    comments = []
    for c in tables(t.get("comment", []), f"{where}: comment"):
        fields(c, f"{where}: comment", {"who": str, "text": str}, {"reply_to": int, "late": bool})
        comments.append(DemoComment(c["who"], c["text"], c.get("reply_to"), c.get("late", False)))
    return DemoIdea(
        title=t["title"],
        description=t["description"],
        benefit=t.get("benefit"),
        unit=t.get("unit"),
        category=t["category"],
        author=t["author"],
        days_ago=t["days_ago"],
        votes=t["votes"],
        moves=tuple(moves),
        comments=tuple(comments),
        merged_into=t.get("merged_into"),
    )


#: (directorate, [(service, [teams and wards])])
DEMO_UNITS = _load_units(load_toml(DATA_DIR / "units.toml"))
#: (email, display name, identity, roles); NAMED: the words ideas.toml uses for some of them
#: (word -> email); FIRST_NAMES: for the rest of the demo's people (and bulk's).
DEMO_PEOPLE, NAMED, FIRST_NAMES = _load_people(load_toml(DATA_DIR / "people.toml"))
DEMO_IDEAS, STANDARD_NOTE, DUPLICATE_NOTE = _load_ideas(load_toml(DATA_DIR / "ideas.toml"))

#: The words for "someone from this group" (besides NAMED). Authors may also be HELPED
#: (staff typing it in for a service user) or ANONYMOUS + an identity (no account).
GROUPS = {
    "su": Identity.service_user,
    "carer": Identity.carer,
    "staff": Identity.staff,
    "other": Identity.other,
}
HELPED = "helped"
ANONYMOUS = "anon:"


class _Person(NamedTuple):
    user: User
    roles: frozenset[Role]

    @property
    def principal(self) -> Principal:
        return Principal(user=self.user, roles=self.roles)


#: Who moves ideas along: moderators triage, the improvement team delivers.
_MOVER = {
    IdeaStatus.under_review: "mod",
    IdeaStatus.accepted: "mod",
    IdeaStatus.not_taken_forward: "mod",
    IdeaStatus.duplicate: "mod",
    IdeaStatus.in_progress: "lead",
    IdeaStatus.done: "lead",
}
#: Every timestamp the demo back-dates: rows written "now" are moved to when they happened.
_STAMPED: tuple[tuple[type[SQLModel], str], ...] = (
    (Idea, "created_at"),
    (Idea, "updated_at"),
    (TimelineEvent, "at"),
    (Vote, "created_at"),
    (Comment, "created_at"),
    (Follow, "created_at"),
    (Notification, "created_at"),
)


def demo() -> str:
    """Seed the demo trust once; a second run changes nothing."""
    with session_scope() as db:
        if repo.has_people(db):
            return "Demo data already present: nothing to do."
        now = utcnow()
        rng = random.Random(2026)
        unit_ids = _demo_units(db)
        leaf_ids = [uid for name, uid in unit_ids.items() if name in _LEAF_NAMES]
        people = _demo_people(db, rng, leaf_ids)
        # Accounts are backdated first: the demo's people are not new accounts when they write
        # (the moderation policy would otherwise hold everything they send).
        repo.backdate_setup(
            db, now=now, unit_ids=list(unit_ids.values()), user_ids=[p.user.id for p in people]
        )
        for person in people:
            db.refresh(person.user, attribute_names=["created_at", "updated_at"])
        ideas, votes, comments = _demo_ideas(db, rng, now=now, unit_ids=unit_ids, people=people)
        demo_projects.seed(db, now=now)
        demo_reports.seed(db, rng=rng, users=[p.user for p in people], root=units.root(db))
        unit_count = repo.count(db, Unit)
    return (
        f"Seeded {unit_count} units and {len(people)} people, with {ideas} ideas, {votes} votes "
        f"and {comments} comments.\n"
        f"Sign in at {absolute_url('login_form')} as admin@example.org "
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
        user = User(
            email=email,
            display_name=name,
            identity=identity,
            password_hash=password_hash,
            email_confirmed_at=utcnow(),
        )
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


class _Pools:
    """Demo people by the words DEMO_IDEAS uses for them."""

    def __init__(self, people: list[_Person], rng: random.Random) -> None:
        self.rng = rng
        self.by_email = {p.user.email: p for p in people}
        special = {self.by_email[e].user.id for e in NAMED.values()} - {
            self.by_email[NAMED["jo"]].user.id,
            self.by_email[NAMED["chris"]].user.id,
            self.by_email[NAMED["ade"]].user.id,
        }
        plain = [p for p in people if p.user.id not in special]
        self.groups: dict[str, list[_Person]] = {
            word: [p for p in plain if p.user.identity is identity]
            for word, identity in GROUPS.items()
        }
        #: Admins, moderators and leads do not vote on the demo board.
        self.voters = plain

    @property
    def moderator(self) -> _Person:
        return self.by_email[NAMED["mod"]]

    def pick(self, who: str, *, avoid: Collection[int | None] = ()) -> _Person:
        if who in NAMED:
            return self.by_email[NAMED[who]]
        group = self.groups[who]
        fresh = [p for p in group if p.user.id not in avoid]
        return self.rng.choice(fresh or group)


_VOTING_CLOSED = votes_access.VOTING_CLOSED


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
        helped = spec.author == HELPED
        submitted_as: Identity | None = None
        if spec.author.startswith(ANONYMOUS):
            submitted_as = Identity(spec.author.removeprefix(ANONYMOUS))
        else:
            author = pools.pick("staff" if helped else spec.author)
        plan(
            created,
            _submit_action(
                db, ideas, spec, unit_ids, author, helped, submitted_as, n, pools.moderator
            ),
        )

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
        repo.restamp(db, stamped=_STAMPED, since=now, at=at)
    repo.mark_old_notifications_read(db, now=now)
    return (
        len(ideas),
        repo.count(db, Vote),
        repo.count(db, Comment),
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
    moderator: _Person,
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
        if result.idea.visibility == Visibility.pending_moderation:
            # Ideas sent without signing in waited, and a moderator published them.
            ideas_service.set_visibility(
                db, idea=result.idea, to=Visibility.published, actor=moderator.principal
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
        text_ = note or STANDARD_NOTE.get(status)
        if status is IdeaStatus.duplicate and merged_into is not None:
            text_ = DUPLICATE_NOTE.format(title=merged_into.title)
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
        votes_service.vote(db, idea=ideas[title], principal=voter.principal)

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
            db,
            subject=Subject.of(ideas[title]),
            principal=person.principal,
            body=comment.text,
            parent_id=parent,
        )
        assert row.id is not None
        comment_ids[(title, index)] = row.id

    return run
