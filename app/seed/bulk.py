"""Bulk synthetic data for benchmarks: ``bulk(ideas=..., votes=..., comments=...)``.

Ideas with their public timelines, votes and comments go in with Core ``INSERT`` executemany in
batches, a few transactions in all, skipping the services (which would take hours for a million
votes). The text is made from the word lists in ``app/seed/bulk_words.toml``. Nothing here
copies the schema or the rules: table names come from the models, the full-text triggers to
batch from the live schema, and the ways an idea reaches each status from the ideas service's
transition table.
"""

import bisect
import hashlib
import itertools
import math
import random
import secrets
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Connection
from sqlmodel import Session

from app.accounts import passwords
from app.accounts.principal import identity_public, role_name
from app.db import WRITE_OPTION, get_engine, session_scope
from app.ideas import states as idea_states
from app.models import (
    Comment,
    Idea,
    IdeaStatus,
    Identity,
    Role,
    SubjectKind,
    TimelineEvent,
    UnitKind,
    User,
    UserRole,
    UserUnit,
    Visibility,
    Vote,
    utcnow,
)
from app.seed import repository as repo
from app.seed.demo import DEMO_PASSWORD, FIRST_NAMES, fields, load_toml, strings, tables
from app.seed.repository import table_of
from app.units import service as units
from app.votes import access as votes_access

#: The rules bulk data follows, named once here so that moving them is a one-line change:
#: which statuses an idea may move to from each, and the ones that close voting.
_TRANSITIONS = idea_states.STATUS.transitions
_VOTING_CLOSED = votes_access.VOTING_CLOSED

BULK_YEARS = 3


def _load_words(path: Path) -> tuple[dict[str, list[str]], list[tuple[str, list[str]]]]:
    """The word lists by name, and the units for a database that has too few."""
    data = load_toml(path)
    tree = []
    for d in tables(data.pop("directorate"), f"{path.name}: directorate"):
        where = f"{path.name}: {d.get('name')!r}"
        fields(d, where, {"name": str, "teams": list})
        tree.append((d["name"], strings(d["teams"], where)))
    return {key: strings(words, f"{path.name}: {key}") for key, words in data.items()}, tree


_WORDS, _BULK_UNITS = _load_words(Path(__file__).with_name("bulk_words.toml"))
_THINGS = _WORDS["things"]
_PLACES = _WORDS["places"]
_VERBS = _WORDS["verbs"]
_OPENERS = _WORDS["openers"]
_MIDDLES = _WORDS["middles"]
_CLOSERS = _WORDS["closers"]
_PEOPLE = _WORDS["people"]
_FEELINGS = _WORDS["feelings"]
_OUTCOMES = _WORDS["outcomes"]
_SEASONS = _WORDS["seasons"]
_COMMENTS = _WORDS["comments"]
_STAFF_REPLIES = _WORDS["staff_replies"]
_REASONS = _WORDS["reasons"]
_WE_DID = _WORDS["we_did"]

_S = IdeaStatus


def status_walks(
    transitions: Mapping[IdeaStatus, Collection[IdeaStatus]], target: IdeaStatus
) -> list[tuple[IdeaStatus, ...]]:
    """Every way an idea can reach ``target`` from submitted: the moves of each simple path
    (no status twice) through ``transitions``. Shortest first, then in IdeaStatus order, so the
    same table always gives the same list (and the same data from the same seed)."""
    order = {status: i for i, status in enumerate(IdeaStatus)}
    found: list[tuple[IdeaStatus, ...]] = []

    def extend(walk: tuple[IdeaStatus, ...], at: IdeaStatus) -> None:
        if at is target:
            found.append(walk)
            return  # going on could only come back to target by repeating it
        for status in sorted(transitions.get(at, ()), key=order.__getitem__):
            if status is not IdeaStatus.submitted and status not in walk:
                extend((*walk, status), status)

    extend((), IdeaStatus.submitted)
    return sorted(found, key=lambda walk: (len(walk), [order[s] for s in walk]))


#: The ways an idea reaches each status, from the transition table: legal by construction, and
#: they follow the table when it changes.
WALKS = {status: status_walks(_TRANSITIONS, status) for status in IdeaStatus}


class _Walk(NamedTuple):
    moves: tuple[IdeaStatus, ...]
    #: A move before the last closes voting (the idea was closed and opened again).
    reopened: bool
    #: The last move closes voting.
    closes: bool


def _walk(moves: tuple[IdeaStatus, ...]) -> _Walk:
    closing = [status in _VOTING_CLOSED for status in moves]
    return _Walk(moves, any(closing[:-1]), bool(closing) and closing[-1])


#: How likely a walk is next to the shortest way to the same status: each move more makes it
#: less likely, and closing an idea and opening it again (not taken forward, then back under
#: review) is rare. With these, bulk ideas make as many moves on average as with the hand-written
#: walks these replaced (2.2 each), so the benchmark data keeps its shape, size and speed.
EXTRA_MOVE_WEIGHT = 0.7
REOPENED_WEIGHT = 0.05


def _walk_choices(walks: list[tuple[IdeaStatus, ...]]) -> tuple[list[_Walk], list[float]]:
    """The walks, worked out once, with cumulative weights for choosing one."""
    worked = [_walk(moves) for moves in walks]
    shortest = min((len(moves) for moves in walks), default=0)
    weights = [
        EXTRA_MOVE_WEIGHT ** (len(w.moves) - shortest) * (REOPENED_WEIGHT if w.reopened else 1.0)
        for w in worked
    ]
    return worked, list(itertools.accumulate(weights))


_WALK_CHOICES = {status: _walk_choices(walks) for status, walks in WALKS.items()}

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


class _BulkUser(NamedTuple):
    id: int
    identity: Identity
    is_staff: bool


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
    ids = repo.non_root_unit_ids(db)
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
    #: (from, to) spans before that when voting was shut, for an idea closed and opened again.
    #: Nearly always none: the shared empty tuple keeps 100,000 plans light for the garbage
    #: collector (a pair of tuples per plan made planning a third slower).
    paused: tuple[tuple[float, float], ...] = ()


def _paused(moves: Sequence[tuple[IdeaStatus, float]]) -> tuple[tuple[float, float], ...]:
    """The spans in which voting was shut and then opened again."""
    spans = []
    shut: float | None = None
    for status, at in moves:
        if status in _VOTING_CLOSED:
            shut = at if shut is None else shut
        elif shut is not None:
            spans.append((shut, at))
            shut = None
    return tuple(spans)


def _voting_windows(
    start: float, end: float, paused: Sequence[tuple[float, float]]
) -> list[tuple[float, float]]:
    """The spans between ``start`` and ``end`` when people could vote."""
    windows = []
    for shut, reopened in paused:
        windows.append((start, shut))
        start = reopened
    windows.append((start, end))
    return windows


def _in_windows(windows: Sequence[tuple[float, float]], u: float) -> float:
    """The point a fraction ``u`` of the way through the windows' total length."""
    left = u * math.fsum(end - start for start, end in windows)
    for start, end in windows:
        if left <= end - start:
            return start + left
        left -= end - start
    return windows[-1][1]


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
        walks, walk_cum = _WALK_CHOICES[status]
        # What random.choices does for one pick, without building a list for it.
        walk = walks[bisect.bisect(walk_cum, rng.random() * walk_cum[-1], 0, len(walks) - 1)]
        path = walk.moves
        moves: list[tuple[IdeaStatus, float]] = []
        if path:
            first = ts + 86400 * rng.uniform(0.05, min(10.0, age_days * 0.5))
            rest = sorted(rng.uniform(first, now - 60) for _ in path[1:])
            moves = list(zip(path, [first, *rest], strict=True))
        closed = moves[-1][1] if walk.closes else None
        r = rng.random()
        if r < 0.95:
            visibility = Visibility.published
        elif r < 0.97:
            visibility = Visibility.pending_moderation if not moves else Visibility.published
        elif r < 0.99:
            visibility = Visibility.hidden
        else:
            visibility = Visibility.held
        paused = _paused(moves) if walk.reopened else ()
        plans.append(_IdeaPlan(ts, status, tuple(moves), closed, visibility, paused))
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
        category_ids = repo.active_category_ids(db)
        existing = [
            _BulkUser(uid, Identity(identity), is_staff)
            for uid, identity, is_staff in repo.people(db)
        ]
        mover_ids = {
            role: repo.someone_with(db, role) for role in (Role.moderator, Role.improvement_lead)
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
    with engine.connect() as conn, repo.sqlite_bulk_settings(conn):
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
    user = table_of(User)

    def rows() -> Iterator[dict[str, Any]]:
        for i, identity in enumerate(identities):
            joined = _at(now - span * 1.1 * rng.random())
            yield {
                "email": f"bulk-{tag}-{i}@example.org",
                "display_name": rng.choice(FIRST_NAMES),
                "identity": identity.value,
                "password_hash": password_hash,
                "email_confirmed_at": joined,
                "created_at": joined,
                "updated_at": joined,
                "deleted_at": None,
            }

    repo.insert_all(conn, user, rows())
    found = repo.ids_like(conn, user.c.id, user.c.email, f"bulk-{tag}-%")
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

    repo.insert_all(conn, table_of(UserRole), roles())
    repo.insert_all(
        conn,
        table_of(UserUnit),
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
    idea = table_of(Idea)
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

    with repo.index_in_one_statement(conn, idea, idea.c.form_token, f"bulk-{tag}-%"):
        repo.insert_all(conn, idea, rows())
    ids = [0] * len(plans)
    for idea_id, token in repo.ids_like(conn, idea.c.id, idea.c.form_token, f"bulk-{tag}-%"):
        ids[int(token.rsplit("-", 1)[1])] = idea_id

    # Duplicates point at an earlier idea that is not itself a duplicate.
    merges = []
    for i, plan in enumerate(plans):
        if plan.status is IdeaStatus.duplicate:
            j = rng.randrange(i)  # the first idea is never a duplicate
            while plans[j].status is IdeaStatus.duplicate:
                j -= 1
            merges.append({"b_id": ids[i], "b_into": ids[j]})
    repo.set_merged_into(conn, idea, merges)

    moderator = role_name(frozenset({Role.moderator}))
    lead = role_name(frozenset({Role.improvement_lead}))

    def events() -> Iterator[dict[str, Any]]:
        for i, plan in enumerate(plans):
            author = authors[i]
            submitted_as = author.identity if author else Identity.other
            yield {
                "subject_kind": SubjectKind.idea.value,
                "subject_id": ids[i],
                "at": _at(plan.created),
                "kind": "submitted",
                "from_status": None,
                "to_status": IdeaStatus.submitted.value,
                "actor_role": identity_public(submitted_as),
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
                    "subject_kind": SubjectKind.idea.value,
                    "subject_id": ids[i],
                    "at": _at(at),
                    "kind": "status",
                    "from_status": previous.value,
                    "to_status": status.value,
                    "actor_role": lead if by_lead else moderator,
                    "actor_id": mover_ids[Role.improvement_lead if by_lead else Role.moderator],
                    "note": note,
                }
                previous = status

    repo.insert_all(conn, table_of(TimelineEvent), events())
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
            if plan.paused:  # votes only while voting was open
                windows = _voting_windows(start, end, plan.paused)
                for user_id in rng.sample(voter_ids, k):
                    yield {
                        "idea_id": idea_id,
                        "user_id": user_id,
                        "created_at": _at(_in_windows(windows, rng.random())),
                    }
                continue
            for user_id in rng.sample(voter_ids, k):
                yield {
                    "idea_id": idea_id,
                    "user_id": user_id,
                    "created_at": _at(start + (end - start) * rng.random()),
                }

    repo.insert_all(conn, table_of(Vote), rows())


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
    comment = table_of(Comment)
    staff = [p for p in people if p.is_staff] or people
    before = repo.max_id(conn, comment)
    replies: list[tuple[int, int]] = []  # (plan index, how many)

    def row(idea_id: int, at: float, parent_id: int | None) -> dict[str, Any]:
        reply_by_staff = parent_id is not None and rng.random() < 0.4
        author = rng.choice(staff if reply_by_staff else people)
        body = rng.choice(_STAFF_REPLIES if author.is_staff and parent_id else _COMMENTS)
        return {
            "subject_kind": SubjectKind.idea.value,
            "subject_id": idea_id,
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

    repo.insert_all(conn, comment, top_level())
    if not replies:
        return
    threads: dict[int, list[tuple[int, float]]] = {}
    for comment_id, idea_id, at in repo.top_level_comments_after(conn, before):
        threads.setdefault(idea_id, []).append((comment_id, at.timestamp()))

    def reply_rows() -> Iterator[dict[str, Any]]:
        for i, n in replies:
            thread = threads[idea_ids[i]]
            for _ in range(n):
                parent_id, parent_at = rng.choice(thread)
                at = min(now, parent_at + rng.uniform(3600, 7 * 86400))
                yield row(idea_ids[i], at, parent_id)

    repo.insert_all(conn, comment, reply_rows())
