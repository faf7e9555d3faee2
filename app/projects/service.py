"""The rules of an improvement project: starting one (from an idea, or on its own), the aim,
its status and progress score, the team and the contribution log, and the ideas it takes up.

Taking up an idea moves it along its own life through ``app.ideas.service.change_status``
(an idea not yet accepted is accepted first, then goes in progress), so the idea's public
timeline and its followers hear of it. The driver diagram is in drivers.py, PDSA cycles in
pdsa.py.
"""

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup
from sqlmodel import Session

from app.accounts import repository as accounts_repo
from app.accounts.principal import Principal
from app.core.subjects import Subject
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import _
from app.ideas import access as ideas_access
from app.ideas import service as ideas
from app.models import (
    Idea,
    IdeaStatus,
    ProgressScore,
    Project,
    ProjectContribution,
    ProjectIdea,
    ProjectMember,
    ProjectProgress,
    ProjectStatus,
    Recognition,
    Unit,
    utcnow,
)
from app.models.base import ID_MAX
from app.models.projects import ENUMS
from app.notifications import service as notifications
from app.projects import access, states
from app.projects import repository as repo
from app.projects.schemas import (
    AimParts,
    ContributionForm,
    Coproduction,
    MemberForm,
    ProjectForm,
    compose_aim,
)
from app.qi.chart import variation_icon_svg
from app.units import service as units

#: Statuses a project may be created in (a stopped project needs a reason: stop it after).
CREATABLE = frozenset(
    {
        ProjectStatus.proposed,
        ProjectStatus.active,
        ProjectStatus.sustaining,
        ProjectStatus.completed,
    }
)
#: Ideas a project cannot take up.
NOT_LINKABLE = frozenset({IdeaStatus.not_taken_forward, IdeaStatus.duplicate})


def visible_project(db: Session, *, project_id: int, viewer: Principal | None) -> Project:
    """The project, or NotFound when there is none or ``viewer`` may not see it."""
    project = repo.get(db, project_id) if 1 <= project_id <= ID_MAX else None
    if project is None or not access.can_see_project(viewer, project):
        raise NotFound(_("There is no project with this number."))
    return project


def _unit(db: Session, unit_id: int | None, *, field: str = "unit_id") -> Unit:
    unit = units.root(db) if unit_id is None else units.get(db, unit_id)
    if unit is None:
        raise InvalidInput(errors=[{"field": field, "msg": _("Select where the project is")}])
    return unit


def _set_coproduction(project: Project, coproduction: Coproduction | None) -> None:
    if coproduction is None:
        return
    project.rung_defining = coproduction.defining
    project.rung_designing = coproduction.designing
    project.rung_testing = coproduction.testing
    project.rung_evaluating = coproduction.evaluating


def _set_aim(project: Project, aim: str, parts: AimParts | None) -> None:
    project.aim = aim
    parts = parts or AimParts()
    project.aim_what = parts.what
    project.aim_how_much = parts.how_much
    project.aim_by_when = parts.by_when
    project.aim_for_whom = parts.for_whom
    project.aim_where = parts.where


def create(
    db: Session,
    *,
    title: str,
    aim: str,
    unit: Unit,
    actor: Principal,
    status: ProjectStatus = ProjectStatus.active,
    aim_parts: AimParts | None = None,
    coproduction: Coproduction | None = None,
    what_changed: str | None = None,
    idea: Idea | None = None,
) -> Project:
    """Start a project (``active`` and public unless told otherwise), optionally taking up an
    idea at once."""
    if status not in CREATABLE:
        raise InvalidInput(
            errors=[
                {
                    "field": "status",
                    "msg": _("A project is stopped with a reason: create it, then stop it"),
                }
            ]
        )
    assert unit.id is not None
    project = Project(
        title=title,
        aim=aim,
        unit_id=unit.id,
        status=ProjectStatus.proposed,
        created_by_id=actor.user.id,
        what_changed=what_changed,
    )
    _set_aim(project, aim, aim_parts)
    _set_coproduction(project, coproduction)
    db.add(project)
    db.flush()
    states.project_event(db, project, kind="created", actor=actor, to_status=ProjectStatus.proposed)
    for step in states.PROJECT.walk(status) if status != ProjectStatus.proposed else ():
        set_status(db, project=project, to=step, actor=actor)
    # Linked once the project has its status, so the idea's timeline names a public project.
    if idea is not None:
        link_idea(db, project=project, idea=idea, actor=actor)
    return project


def create_from_form(
    db: Session, *, data: ProjectForm, actor: Principal, idea: Idea | None = None
) -> Project:
    parts = data.parts()
    return create(
        db,
        title=data.title,
        aim=compose_aim(parts),
        aim_parts=parts,
        unit=_unit(db, data.unit_id),
        status=data.status,
        coproduction=data.coproduction(),
        what_changed=data.what_changed,
        actor=actor,
        idea=idea,
    )


def update_from_form(db: Session, *, project: Project, data: ProjectForm) -> Project:
    """Change the title, aim, place, co-production and "what changed" (not the status)."""
    parts = data.parts()
    project.title = data.title
    _set_aim(project, compose_aim(parts), parts)
    project.unit_id = _unit(db, data.unit_id).id  # type: ignore[assignment]
    _set_coproduction(project, data.coproduction())
    project.what_changed = data.what_changed
    project.updated_at = utcnow()
    return project


def set_status(
    db: Session,
    *,
    project: Project,
    to: ProjectStatus,
    actor: Principal,
    reason: str | None = None,
) -> None:
    """Move the project on; starting it tells the followers of the ideas it took up."""
    states.PROJECT.check(project.status, to)
    if to in states.NEEDS_REASON and not (reason and reason.strip()):
        raise InvalidInput(
            errors=[{"field": "reason", "msg": _("Say why the project is stopping")}]
        )
    states.PROJECT.move(db, project, to, actor=actor, note=reason)
    notifications.subject_changed(
        db, subject=Subject.of(project), kind="project_status", actor_id=actor.user.id
    )
    if to == ProjectStatus.active:
        tell_idea_followers(
            db,
            project=project,
            kind="project_started",
            actor=actor,
            text=_(
                "The improvement project \u201c%(project)s\u201d, which took up the idea "
                "\u201c%(idea)s\u201d, has started."
            ),
        )


def tell_idea_followers(
    db: Session,
    *,
    project: Project,
    kind: str,
    actor: Principal | None,
    text: str,
    ideas_: Sequence[Idea] | None = None,
) -> None:
    """Notify the followers (and email subscribers) of each idea the project took up.
    ``text`` may name ``%(project)s`` and ``%(idea)s``. Nothing is said about a project the
    public cannot see."""
    if not access.is_published(project):
        return
    assert project.id is not None
    for idea in ideas_ if ideas_ is not None else repo.linked_ideas(db, project.id):
        notifications.subject_changed(
            db,
            subject=Subject.of(idea),
            kind=kind,
            actor_id=actor.user.id if actor else None,
            idea=idea,
            email_text=text % {"project": project.title, "idea": idea.title},
        )


def set_progress(
    db: Session, *, project: Project, score: ProgressScore, actor: Principal, note: str | None
) -> ProjectProgress:
    assert project.id is not None
    row = ProjectProgress(
        project_id=project.id,
        score=score,
        note=(note or "").strip()[:500] or None,
        recorded_by_id=actor.user.id,
    )
    db.add(row)
    project.progress_score = score
    project.updated_at = utcnow()
    return row


# --- ideas -----------------------------------------------------------------------------------


def link_idea(db: Session, *, project: Project, idea: Idea, actor: Principal) -> bool:
    """Take up an idea: it is accepted (if it was not yet) and goes in progress, both on its
    public timeline. An idea in progress or done stays where it is. Returns False when the
    idea was already linked."""
    assert project.id is not None
    assert idea.id is not None
    if repo.link(db, project.id, idea.id) is not None:
        return False
    if idea.status in NOT_LINKABLE:
        raise Conflict(
            _("This idea was not taken forward or is a duplicate, so a project cannot take it up.")
        )
    if not ideas_access.is_listed(idea):
        raise Conflict(_("Only a published idea can be taken up by a project."))
    # A proposed project is for staff only: the idea's public timeline does not name it yet.
    note = (
        _("Taken up by the improvement project \u201c%(title)s\u201d.") % {"title": project.title}
        if access.is_published(project)
        else _("Taken up by an improvement project.")
    )
    if idea.status in (IdeaStatus.submitted, IdeaStatus.under_review):
        ideas.change_status(db, idea=idea, to=IdeaStatus.accepted, actor=actor, note=note)
    if idea.status == IdeaStatus.accepted:
        ideas.change_status(db, idea=idea, to=IdeaStatus.in_progress, actor=actor, note=note)
    db.add(ProjectIdea(project_id=project.id, idea_id=idea.id, linked_by_id=actor.user.id))
    states.project_event(db, project, kind="idea_linked", actor=actor, note=idea.title)
    project.updated_at = utcnow()
    return True


def idea_to_link(db: Session, *, idea_id: int | None, viewer: Principal, field: str) -> Idea:
    """The idea a form or request names, or InvalidInput on ``field``."""
    if idea_id is None or not 1 <= idea_id <= ID_MAX:
        raise InvalidInput(errors=[{"field": field, "msg": _("Enter the idea's number")}])
    try:
        return ideas.visible_idea(db, idea_id=idea_id, viewer=viewer)
    except NotFound:
        raise InvalidInput(
            errors=[{"field": field, "msg": _("There is no idea with this number")}]
        ) from None


# --- the team and the contribution log ------------------------------------------------------


def add_member(db: Session, *, project: Project, data: MemberForm) -> ProjectMember:
    """A person on the team: an account (by email address) or a name."""
    assert project.id is not None
    user_id = None
    if data.email:
        user = accounts_repo.user_by_email(db, data.email.strip().lower())
        if user is None or user.deleted_at is not None:
            raise InvalidInput(
                errors=[
                    {
                        "field": "email",
                        "msg": _(
                            "There is no account with this email address. Enter their name instead"
                        ),
                    }
                ]
            )
        user_id = user.id
    elif not data.name:
        raise InvalidInput(
            errors=[{"field": "name", "msg": _("Enter the person's name or email address")}]
        )
    member = ProjectMember(
        project_id=project.id,
        user_id=user_id,
        name=None if user_id else data.name,
        role=data.role,
        involvement=data.involvement,
    )
    db.add(member)
    project.updated_at = utcnow()
    return member


def _member_of(db: Session, project: Project, member_id: int, *, field: str) -> ProjectMember:
    member = repo.member(db, member_id) if 1 <= member_id <= ID_MAX else None
    if member is None or member.project_id != project.id:
        raise InvalidInput(errors=[{"field": field, "msg": _("Select someone on the team")}])
    return member


def remove_member(db: Session, *, project: Project, member_id: int) -> None:
    member = _member_of(db, project, member_id, field="member_id")
    assert member.id is not None
    if repo.member_has_contributions(db, member.id):
        raise Conflict(
            _("This person has contributions in the log, so they stay on the team's record.")
        )
    db.delete(member)


def add_contribution(
    db: Session, *, project: Project, data: ContributionForm, actor: Principal
) -> ProjectContribution:
    """One line of the contribution log. A payment says whether benefits advice was offered
    (payment can affect a person's welfare benefits)."""
    member = _member_of(db, project, data.member_id, field="member_id")
    if data.on_date > date.today():
        raise InvalidInput(
            errors=[{"field": "on_date", "msg": _("The date must be today or before")}]
        )
    advice = data.benefits_advice
    if data.recognition == Recognition.payment and advice not in ("yes", "no"):
        raise InvalidInput(
            errors=[
                {
                    "field": "benefits_advice",
                    "msg": _("Say whether advice about benefits was offered with the payment"),
                }
            ]
        )
    assert project.id is not None
    assert member.id is not None
    row = ProjectContribution(
        project_id=project.id,
        member_id=member.id,
        on_date=data.on_date,
        hours=data.hours,
        training=data.training,
        recognition=data.recognition,
        benefits_advice_offered=advice == "yes",
        recorded_by_id=actor.user.id,
    )
    db.add(row)
    return row


# --- on an idea's page -----------------------------------------------------------------------

#: Done ideas and projects "tried elsewhere" shown on an idea's page and form.
TRIED_LIMIT = 3


def tried_elsewhere(
    db: Session, *, text: str, away_from: Unit | None, leave_out: int | None = None
) -> dict[str, object]:
    """Done ideas and public projects from other places with text like ``text`` (away from
    ``away_from`` and everything under it; the organisation as a whole leaves nothing out)."""
    away = away_from if away_from is not None and away_from.parent_id is not None else None
    if not text.strip():
        return {"ideas": [], "projects": [], "asked": False}
    ideas_ = repo.done_ideas_like(db, text, away_from=away, limit=TRIED_LIMIT + 1)
    return {
        "ideas": [row for row in ideas_ if row[0].id != leave_out][:TRIED_LIMIT],
        "projects": repo.projects_like(db, text, away_from=away, limit=TRIED_LIMIT),
        "asked": True,
    }


def for_idea_page(
    db: Session, *, idea: Idea, unit: Unit, viewer: Principal | None
) -> dict[str, object]:
    """What an idea's page shows of projects: the public projects that took it up, the latest
    outcome they measured, what projects wrote on its timeline, and what was tried elsewhere
    (a fixed number of statements)."""
    assert idea.id is not None
    outcome = repo.latest_outcome(db, idea.id)
    return {
        "idea_projects": repo.projects_of_idea(db, idea.id),
        "latest_outcome": (
            {
                "measure": outcome[0],
                "project": outcome[1],
                "icon": Markup(  # noqa: S704 (the icon escapes what it writes)
                    variation_icon_svg(outcome[0].latest_variation, id_prefix="latest-outcome")
                ),
            }
            if outcome
            else None
        ),
        "project_events": repo.idea_project_events(db, idea.id),
        "tried": tried_elsewhere(
            db, text=f"{idea.title} {idea.description}", away_from=unit, leave_out=idea.id
        ),
        "may_start_project": access.can_create_project(viewer),
        "qi": ENUMS,
    }
