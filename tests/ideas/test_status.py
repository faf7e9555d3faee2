"""An idea's life: allowed moves only, a public reason when not going ahead, duplicates merged
with their support, and a timeline event for every move."""

import pytest
from sqlmodel import Session, col, select

from app.errors import Conflict, InvalidInput
from app.ideas import service as ideas
from app.ideas import states
from app.models import Follow, IdeaStatus, SubjectKind, TimelineEvent, Vote
from tests.factories import create_user
from tests.ideas.factories import create_follow, create_idea, create_vote, staff_principal


class TestTransitions:
    def test_an_illegal_move_is_a_conflict(self, db: Session) -> None:
        idea = create_idea(db, status=IdeaStatus.done)
        with pytest.raises(Conflict):
            ideas.change_status(db, idea=idea, to=IdeaStatus.submitted, actor=staff_principal(db))

    def test_not_taken_forward_needs_a_public_reason(self, db: Session) -> None:
        idea = create_idea(db)
        with pytest.raises(InvalidInput):
            ideas.change_status(
                db, idea=idea, to=IdeaStatus.not_taken_forward, actor=staff_principal(db), note="  "
            )

    def test_every_move_writes_a_public_event_naming_a_role(self, db: Session) -> None:
        idea = create_idea(db, status=IdeaStatus.in_progress)
        events = db.scalars(
            select(TimelineEvent)
            .where(col(TimelineEvent.subject_id) == idea.id)
            .order_by(col(TimelineEvent.id))
        ).all()
        path = [IdeaStatus(e.to_status) for e in events]
        assert path[0] == IdeaStatus.submitted
        assert path[-1] == IdeaStatus.in_progress
        assert all(states.STATUS.can(a, b) for a, b in zip(path, path[1:], strict=False))
        assert [e.from_status for e in events[1:]] == [str(p) for p in path[:-1]]
        assert all(
            e.actor_role in ("the improvement team", "someone", "a service user") for e in events
        )


class TestDuplicates:
    def test_votes_and_followers_move_to_the_original_once_per_person(self, db: Session) -> None:
        original, duplicate = create_idea(db), create_idea(db)
        both, only_dup = create_user(db), create_user(db)
        create_vote(db, idea=original, user=both)
        create_vote(db, idea=duplicate, user=both)
        create_vote(db, idea=duplicate, user=only_dup)
        create_follow(db, idea=duplicate, user=only_dup)

        ideas.change_status(
            db,
            idea=duplicate,
            to=IdeaStatus.duplicate,
            actor=staff_principal(db),
            merged_into=original,
        )
        db.commit()

        voters = set(db.scalars(select(Vote.user_id).where(col(Vote.idea_id) == original.id)))
        assert voters == {both.id, only_dup.id}
        assert original.vote_count == 2
        assert duplicate.vote_count == 0
        assert db.scalars(select(Vote).where(col(Vote.idea_id) == duplicate.id)).first() is None
        assert db.get(Follow, (SubjectKind.idea, original.id, only_dup.id)) is not None
        assert duplicate.merged_into_id == original.id

    def test_cannot_merge_into_a_duplicate(self, db: Session) -> None:
        merged = create_idea(db, status=IdeaStatus.duplicate)
        with pytest.raises(InvalidInput):
            ideas.change_status(
                db,
                idea=create_idea(db),
                to=IdeaStatus.duplicate,
                actor=staff_principal(db),
                merged_into=merged,
            )
