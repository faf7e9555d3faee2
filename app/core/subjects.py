"""A subject is what comments, follows, timeline events and notifications attach to: an idea
or a project (``SubjectKind`` in app/models/activity.py)."""

from dataclasses import dataclass

from app.models import Idea, Project, SubjectKind


@dataclass(frozen=True)
class Subject:
    kind: SubjectKind
    id: int

    @classmethod
    def of(cls, obj: Idea | Project) -> "Subject":
        """The subject for a loaded row (an ``Idea`` or a ``Project``)."""
        assert obj.id is not None
        if isinstance(obj, Idea):
            return cls(SubjectKind.idea, obj.id)
        if isinstance(obj, Project):
            return cls(SubjectKind.project, obj.id)
        raise TypeError(f"{type(obj).__name__} is not a subject")

    @classmethod
    def idea(cls, idea_id: int) -> "Subject":
        return cls(SubjectKind.idea, idea_id)

    @classmethod
    def project(cls, project_id: int) -> "Subject":
        return cls(SubjectKind.project, project_id)
