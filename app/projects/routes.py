"""Project pages: the library, the project page (aim, team, linked ideas, driver diagram, PDSA
cycles, measures and their matrix, progress, comments), the forms that run a project, "you
said, we did", and "tried elsewhere". Every form works as a plain POST that redirects; HTMX
only swaps fragments (named blocks of the same templates)."""

from datetime import date
from typing import Annotated, Any

from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlmodel import Session

from app.accounts.principal import Principal
from app.comments import access as comments_access
from app.comments import repository as comments_repo
from app.comments import routes as comment_pages
from app.comments import service as comments
from app.core.subjects import Subject
from app.deps import DbSession, Public, SignedIn, require_roles
from app.errors import Forbidden, InvalidInput, NotFound
from app.follows import repository as follows_repo
from app.follows import service as follows
from app.i18n import N_, _
from app.ideas import service as ideas
from app.measures import repository as measures_repo
from app.measures import service as measures
from app.models import (
    CoproductionStage,
    DriverKind,
    Idea,
    MeasureKind,
    PDSADecision,
    PDSAStatus,
    ProgressScore,
    Project,
    ProjectStatus,
    Role,
    TeamRole,
)
from app.models.base import ID_MAX
from app.models.projects import ENUMS
from app.projects import access, drivers, pdsa, states
from app.projects import repository as repo
from app.projects import service as projects
from app.projects.diagram import diagram_svg
from app.projects.schemas import (
    ContributionForm,
    DriverForm,
    MemberForm,
    PDSAForm,
    ProjectForm,
)
from app.units import service as units
from app.web import notices
from app.web.forms import FormMulti, FormValues, field_error, rejected, validate
from app.web.params import RowId, as_id
from app.web.render import is_fragment_request, page, render
from app.web.responses import redirect
from app.web.routing import Router
from app.web.urls import url_for

router = Router()

Lead = Annotated[Principal, require_roles(Role.improvement_lead)]

notices.register(
    project_created=N_("The project has been created."),
    project_saved=N_("The project has been saved."),
    project_moved=N_("The project's status has been changed."),
    progress_saved=N_("The progress score has been saved."),
    idea_linked=N_("The idea is now part of this project."),
    member_added=N_("The person has been added to the team."),
    member_removed=N_("The person has been taken off the team."),
    contribution_added=N_("The contribution has been added to the log."),
    driver_added=N_("The driver diagram has been updated."),
    driver_removed=N_("It has been taken off the driver diagram."),
    pdsa_created=N_("The PDSA cycle has been added."),
    pdsa_saved=N_("The PDSA cycle has been saved."),
    pdsa_moved=N_("The PDSA cycle has moved on."),
    project_followed=N_("You are following this project. We will tell you when something changes."),
    project_unfollowed=N_("You are no longer following this project"),
    comment_added=N_("Your comment has been added"),
)

PAGE_SIZE = 20
OUTCOME_CHOICES = (("improvement", N_("Improvement shown")), ("not_yet", N_("Not yet")))


def _project_path(project_id: int, suffix: str = "") -> str:
    return url_for("project_page", project_id=project_id) + suffix


def _editable(db: Session, project_id: int, principal: Principal) -> Project:
    """The project, for someone who may change it (403 for anyone else)."""
    project = projects.visible_project(db, project_id=project_id, viewer=principal)
    if not access.can_edit_project(principal, project):
        raise Forbidden()
    return project


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return max(1, min(int(raw), 1000)) if raw.isdecimal() else 1


# --- the library -------------------------------------------------------------------------------


def library_filters(
    db: Session, params: dict[str, str]
) -> tuple[repo.LibraryFilters, dict[str, str]]:
    """Filters from query parameters; unknown values are ignored (the list still shows)."""
    unit = units.by_slug(db, params["unit"]) if params.get("unit") else None
    status = params.get("status") if params.get("status") in ProjectStatus.__members__ else None
    kind = params.get("kind") if params.get("kind") in MeasureKind.__members__ else None
    outcome = params.get("outcome") if params.get("outcome") in ("improvement", "not_yet") else ""
    q = (params.get("q") or "").strip()[:200]
    chosen = {
        "q": q,
        "unit": unit.slug if unit else "",
        "status": status or "",
        "kind": kind or "",
        "outcome": outcome or "",
    }
    filters = repo.LibraryFilters(
        q=q,
        unit=unit,
        status=ProjectStatus(status) if status else None,
        measure_kind=MeasureKind(kind) if kind else None,
        outcome=outcome or "",
    )
    return filters, chosen


@router.get("/projects", name="projects")
def library(request: Request, db: DbSession, principal: Public) -> Response:
    filters, chosen = library_filters(db, dict(request.query_params))
    number = _page_number(request)
    rows, more = repo.library(
        db, filters=filters, viewer=principal, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    context = {
        "qi": ENUMS,
        "rows": rows,
        "more": more,
        "page_number": number,
        "chosen": chosen,
        "tree": units.tree(db),
        "outcome_choices": [(v, _(label)) for v, label in OUTCOME_CHOICES],
        "big_i": repo.big_i_project_ids(db, [r.project.id for r in rows if r.project.id]),
        "may": {"create": access.can_create_project(principal)},
    }
    return page(request, "projects/library.html", context, fragment="results")


# --- "you said, we did" and "tried elsewhere" ------------------------------------------------


def said_and_did_context(db: Session, request: Request) -> dict[str, Any]:
    slug = request.query_params.get("unit") or ""
    unit = units.by_slug(db, slug) if slug else None
    number = _page_number(request)
    rows, more = repo.said_and_did(db, unit=unit, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    idea_ids = [idea.id for idea, _unit in rows if idea.id is not None]
    links = repo.projects_of_ideas(db, idea_ids)
    by_idea: dict[int, list[Project]] = {}
    for idea_id, project in links:
        by_idea.setdefault(idea_id, []).append(project)
    notes = repo.latest_status_notes(db, idea_ids)
    outcome_projects = sorted(
        {p.id for ps in by_idea.values() for p in ps if p.status in repo.OUTCOME_STATUSES and p.id}
    )
    outcome_rows = repo.outcome_measures(db, outcome_projects)
    newest_measure: dict[int, Any] = {}
    for measure in outcome_rows:
        newest_measure.setdefault(measure.project_id, measure)
    charts = {
        v.measure.project_id: v
        for v in measures.views(
            db,
            list(newest_measure.values()),
            repo.cycles_of_projects(db, list(newest_measure)),
        )
    }
    items = []
    for idea, unit_name in rows:
        assert idea.id is not None
        linked = by_idea.get(idea.id, [])
        outcome = next(
            (charts[p.id] for p in linked if p.status in repo.OUTCOME_STATUSES and p.id in charts),
            None,
        )
        items.append(
            {
                "idea": idea,
                "unit_name": unit_name,
                "projects": linked,
                "note": notes.get(idea.id),
                "outcome": outcome,
            }
        )
    return {
        "qi": ENUMS,
        "items": items,
        "more": more,
        "page_number": number,
        "chosen": {"unit": unit.slug if unit else ""},
        "tree": units.tree(db),
    }


@router.get("/you-said-we-did", name="you_said_we_did")
def you_said_we_did(request: Request, db: DbSession, principal: Public) -> Response:
    return page(
        request,
        "projects/you_said_we_did.html",
        said_and_did_context(db, request),
        fragment="results",
    )


def tried_elsewhere_context(db: Session, values: dict[str, str]) -> dict[str, Any]:
    """Done ideas and public projects from other places with text like ``values``' title and
    description (and ``q``, on the page of its own), away from the unit chosen."""
    text = " ".join(values.get(k, "") for k in ("title", "description", "q"))[:600]
    unit_id = as_id(values.get("unit_id"))
    unit = units.get(db, unit_id) if unit_id else None
    return {
        "qi": ENUMS,
        "tried": projects.tried_elsewhere(db, text=text, away_from=unit),
    }


@router.get("/projects/tried-elsewhere", name="tried_elsewhere")
def tried_elsewhere(request: Request, db: DbSession, principal: Public) -> Response:
    """HTMX, from the idea form: the "tried elsewhere" panel. Without JavaScript the form's
    button opens this as a page of its own (the form keeps what was typed)."""
    values = {k: v[:600] for k, v in request.query_params.items()}
    context = tried_elsewhere_context(db, values)
    if is_fragment_request(request):
        context["form_button"] = True
        return render(request, "ideas/new.html", context, block="tried_elsewhere")
    context["tree"] = units.tree(db)
    context["values"] = values
    return render(request, "projects/tried_elsewhere.html", context)


# --- a new project -------------------------------------------------------------------------


def _idea_from(db: Session, raw: str | None, principal: Principal) -> Idea | None:
    idea_id = as_id(raw)
    if idea_id is None:
        return None
    try:
        return ideas.visible_idea(db, idea_id=idea_id, viewer=principal)
    except NotFound:
        return None


def form_context(
    db: Session,
    values: dict[str, Any],
    errors: list[dict[str, Any]],
    *,
    project: Project | None = None,
    idea: Idea | None = None,
) -> dict[str, Any]:
    return {
        "qi": ENUMS,
        "values": values,
        "errors": errors,
        "project": project,
        "from_idea": idea,
        "tree": units.tree(db),
        "stages": [(stage, f"rung_{stage.value}") for stage in CoproductionStage],
        "start_choices": [
            (ProjectStatus.active.value, _("Start it now: the project page is public")),
            (ProjectStatus.proposed.value, _("Propose it: only staff can see it for now")),
        ],
    }


@router.get("/projects/new", name="new_project")
def new_project(request: Request, db: DbSession, principal: Lead) -> Response:
    idea = _idea_from(db, request.query_params.get("idea"), principal)
    values: dict[str, Any] = {"status": ProjectStatus.active.value}
    if idea is not None:
        values |= {"title": idea.title, "unit_id": str(idea.unit_id), "idea_id": str(idea.id)}
    return render(request, "projects/form.html", form_context(db, values, [], idea=idea))


@router.post("/projects", name="create_project")
def create_project(
    request: Request, db: DbSession, principal: Lead, values: FormValues
) -> Response:
    idea = _idea_from(db, values.get("idea_id"), principal)
    with rejected(
        "projects/form.html", lambda errors: form_context(db, values, errors, idea=idea), db=db
    ):
        data = validate(ProjectForm, values)
        project = projects.create_from_form(db, data=data, actor=principal, idea=idea)
        db.commit()
    assert project.id is not None
    return redirect(request, _project_path(project.id, "?notice=project-created"))


# --- the project page --------------------------------------------------------------------------


def team_by_role(members: list[tuple[Any, Any]], show_names: bool) -> list[dict[str, Any]]:
    """The team by role: how many, Big I and little i, and (for staff) their names."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for member, user in members:
        grouped.setdefault(member.role, []).append(
            {
                "member": member,
                "name": (user.display_name if user else member.name) if show_names else None,
            }
        )
    return [
        {
            "role": role,
            "people": grouped[role],
            "big_i": sum(1 for p in grouped[role] if p["member"].involvement == "big_i"),
            "little_i": sum(1 for p in grouped[role] if p["member"].involvement == "little_i"),
        }
        for role in TeamRole
        if role in grouped
    ]


def ramps(
    cycles: list[Any], diagram: drivers.Diagram, labels: dict[int, str]
) -> list[dict[str, Any]]:
    """PDSA cycles by ramp (change idea, or the aim), each ramp in cycle order."""
    out: dict[int | None, dict[str, Any]] = {}
    for cycle in sorted(cycles, key=lambda c: c.id or 0):
        ramp = out.setdefault(
            cycle.change_idea_id,
            {
                "change_idea": diagram.node(cycle.change_idea_id) if cycle.change_idea_id else None,
                "cycles": [],
            },
        )
        ramp["cycles"].append({"cycle": cycle, "label": labels.get(cycle.id or 0, "")})
    for ramp in out.values():
        ramp["cycles"].sort(key=lambda c: c["cycle"].number)
    return list(out.values())


def project_context(
    db: Session,
    request: Request,
    project_id: int,
    principal: Principal | None,
    *,
    errors: list[dict[str, Any]] | None = None,
    values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the project page shows, in a fixed number of statements."""
    found = repo.with_unit(db, project_id, viewer=principal) if 1 <= project_id <= ID_MAX else None
    if found is None:
        raise NotFound(_("There is no project with this number."))
    project, unit = found
    subject = Subject.of(project)
    show_names = access.can_see_team_names(principal, project)
    members = repo.members(db, project_id)
    diagram = drivers.load(db, project_id)
    cycles = list(repo.cycles(db, project_id))
    labels = pdsa.labels(cycles)
    measure_rows = measures_repo.of_project(db, project_id)
    views = measures.views(db, measure_rows, cycles)
    comment_rows = list(comments_repo.published(db, subject, newest_first=True))
    user_id = principal.user.id if principal else None
    may_contributions = access.can_see_contributions(principal, project)
    links = repo.driver_links(db, project_id) if diagram.nodes else []
    return {
        "qi": ENUMS,
        "project": project,
        "unit": unit,
        "team": team_by_role(members, show_names),
        "big_i": any(
            m.involvement == "big_i" and m.role in ("service_user_partner", "carer_partner")
            for m, _u in members
        ),
        "show_names": show_names,
        "ideas": repo.linked_ideas(db, project_id),
        "diagram": diagram,
        "diagram_svg": Markup(diagram_svg(project.aim, diagram.nodes, links)),  # noqa: S704
        "ramps": ramps(cycles, diagram, labels),
        "labels": labels,
        "views": views,
        "matrix": measures.matrix_rows([(v.measure, project, unit.name) for v in views]),
        "events": repo.events(db, project_id),
        "progress": repo.progress(db, project_id),
        "stages": [(stage, getattr(project, f"rung_{stage.value}")) for stage in CoproductionStage],
        "contributions": repo.contributions(db, project_id) if may_contributions else [],
        "members_by_id": {m.id: (user.display_name if user else m.name) for m, user in members},
        "threads": comments.threads(comment_rows),
        "following": follows_repo.is_following(db, subject, user_id),
        "may": {
            "edit": access.can_edit_project(principal, project),
            "comment": access.can_comment_on_project(principal, project),
            "follow": access.can_follow_project(principal, project),
            "contributions": may_contributions,
        },
        "editable": {c.id for c in comment_rows if comments_access.can_edit_comment(principal, c)},
        "deletable": {
            c.id for c in comment_rows if comments_access.can_delete_comment(principal, c)
        },
        "errors": errors or [],
        "values": values or {},
    }


@router.get("/projects/{project_id}", name="project_page")
def project_page(request: Request, project_id: RowId, db: DbSession, principal: Public) -> Response:
    return render(
        request, "projects/project.html", project_context(db, request, project_id, principal)
    )


@router.post("/projects/{project_id}/comments", name="add_project_comment")
def add_project_comment(
    request: Request, project_id: RowId, db: DbSession, principal: SignedIn, values: FormValues
) -> Response:
    project = projects.visible_project(db, project_id=project_id, viewer=principal)
    if not access.can_comment_on_project(principal, project):
        raise NotFound()
    parent = values.get("parent_id", "")
    if (preview := comments.preview_of(db, values)) is not None:
        context = project_context(db, request, project_id, principal, values=values)
        context |= comment_pages.preview_context(preview, values)
        return render(request, "projects/project.html", context)
    with rejected(
        "projects/project.html",
        lambda errors: project_context(
            db, request, project_id, principal, errors=errors, values=values
        ),
        db=db,
    ):
        comment = comments.add(
            db,
            subject=Subject.of(project),
            principal=principal,
            body=values.get("body", ""),
            parent_id=as_id(parent),
            body_field=comments.form_field(values),
        )
        db.commit()
    if comments.is_waiting(comment):
        return redirect(request, url_for("comment_held", comment_id=comment.id))
    return redirect(
        request, _project_path(project_id, f"?notice=comment-added#comment-{comment.id}")
    )


@router.post("/projects/{project_id}/follow", name="follow_project")
def follow_project(
    request: Request, project_id: RowId, db: DbSession, principal: SignedIn, values: FormValues
) -> Response:
    project = projects.visible_project(db, project_id=project_id, viewer=principal)
    if not access.can_follow_project(principal, project):
        raise NotFound()
    following = values.get("action") != "unfollow"
    follows.set_following(
        db, subject=Subject.of(project), user_id=principal.user_id, following=following
    )
    db.commit()
    notice = "project-followed" if following else "project-unfollowed"
    return redirect(request, _project_path(project_id, f"?notice={notice}#follow"))


# --- editing a project ------------------------------------------------------------------------


def _values_of(project: Project) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: getattr(project, name) or ""
        for name in (
            "title", "aim_what", "aim_how_much", "aim_by_when", "aim_for_whom", "aim_where",
            "what_changed", "rung_defining", "rung_designing", "rung_testing", "rung_evaluating",
        )
    }  # fmt: skip
    values["unit_id"] = str(project.unit_id)
    values["status"] = project.status
    if not values["aim_what"]:
        values["aim_what"] = project.aim
    return values


@router.get("/projects/{project_id}/edit", name="edit_project_form")
def edit_project_form(
    request: Request, project_id: RowId, db: DbSession, principal: Lead
) -> Response:
    project = _editable(db, project_id, principal)
    return render(
        request, "projects/form.html", form_context(db, _values_of(project), [], project=project)
    )


@router.post("/projects/{project_id}/edit", name="edit_project")
def edit_project(
    request: Request, project_id: RowId, db: DbSession, principal: Lead, values: FormValues
) -> Response:
    project = _editable(db, project_id, principal)
    with rejected(
        "projects/form.html",
        lambda errors: form_context(
            db,
            values,
            errors,
            project=projects.visible_project(db, project_id=project_id, viewer=principal),
        ),
        db=db,
    ):
        data = validate(ProjectForm, {**values, "status": project.status})
        projects.update_from_form(db, project=project, data=data)
        db.commit()
    return redirect(request, _project_path(project_id, "?notice=project-saved"))


def manage_context(
    db: Session,
    request: Request,
    project_id: int,
    principal: Principal,
    *,
    values: dict[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    project = _editable(db, project_id, principal)
    members = repo.members(db, project_id)
    q = (request.query_params.get("q") or "").strip()[:200]
    return {
        "qi": ENUMS,
        "project": project,
        "members": members,
        "ideas": repo.linked_ideas(db, project_id),
        "contributions": repo.contributions(db, project_id),
        "members_by_id": {m.id: (user.display_name if user else m.name) for m, user in members},
        "progress": repo.progress(db, project_id),
        "moves": sorted(states.PROJECT.allowed(project.status)),
        "scores": ProgressScore,
        "q": q,
        "found": repo.ideas_to_link(db, q, limit=10) if q else [],
        "values": values or {},
        "errors": errors or [],
    }


@router.get("/projects/{project_id}/manage", name="manage_project")
def manage_project(request: Request, project_id: RowId, db: DbSession, principal: Lead) -> Response:
    """The team, the contribution log, the ideas taken up, the status and the progress score.
    Searching for ideas to take up swaps only the results (HTMX)."""
    context = manage_context(db, request, project_id, principal)
    return page(request, "projects/manage.html", context, fragment="idea_search")


def _rejected_on_manage(
    db: Session, request: Request, project_id: int, principal: Principal, values: dict[str, Any]
) -> Any:
    return rejected(
        "projects/manage.html",
        lambda errors: manage_context(
            db, request, project_id, principal, values=values, errors=errors
        ),
        db=db,
    )


def _manage_path(project_id: int, notice: str, anchor: str = "") -> str:
    return url_for("manage_project", project_id=project_id) + f"?notice={notice}{anchor}"


@router.post("/projects/{project_id}/status", name="project_status")
def project_status(
    request: Request, project_id: RowId, db: DbSession, principal: Lead, values: FormValues
) -> Response:
    project = _editable(db, project_id, principal)
    with _rejected_on_manage(db, request, project_id, principal, values):
        to = values.get("to", "")
        if to not in ProjectStatus.__members__:
            raise InvalidInput(errors=[field_error("to", _("Choose the project's new status"))])
        projects.set_status(
            db, project=project, to=ProjectStatus(to), actor=principal, reason=values.get("reason")
        )
        db.commit()
    return redirect(request, _project_path(project_id, "?notice=project-moved"))


@router.post("/projects/{project_id}/progress", name="project_progress")
def project_progress(
    request: Request, project_id: RowId, db: DbSession, principal: Lead, values: FormValues
) -> Response:
    project = _editable(db, project_id, principal)
    with _rejected_on_manage(db, request, project_id, principal, values):
        score = values.get("score", "")
        if score not in {s.value for s in ProgressScore}:
            raise InvalidInput(errors=[field_error("score", _("Choose a progress score"))])
        projects.set_progress(
            db,
            project=project,
            score=ProgressScore(score),
            actor=principal,
            note=values.get("note"),
        )
        db.commit()
    return redirect(request, _manage_path(project_id, "progress-saved", "#progress"))


@router.post("/projects/{project_id}/ideas", name="link_idea")
def link_idea(
    request: Request, project_id: RowId, db: DbSession, principal: Lead, values: FormValues
) -> Response:
    project = _editable(db, project_id, principal)
    with _rejected_on_manage(db, request, project_id, principal, values):
        raw = values.get("idea_id", "").strip().lstrip("#")
        idea = projects.idea_to_link(
            db,
            idea_id=as_id(raw),
            viewer=principal,
            field="idea_id",
        )
        projects.link_idea(db, project=project, idea=idea, actor=principal)
        db.commit()
    return redirect(request, _manage_path(project_id, "idea-linked", "#ideas"))


@router.post("/projects/{project_id}/team", name="add_member")
def add_member(
    request: Request, project_id: RowId, db: DbSession, principal: Lead, values: FormValues
) -> Response:
    project = _editable(db, project_id, principal)
    with _rejected_on_manage(db, request, project_id, principal, values):
        projects.add_member(db, project=project, data=validate(MemberForm, values))
        db.commit()
    return redirect(request, _manage_path(project_id, "member-added", "#team"))


@router.post("/projects/{project_id}/team/{member_id}/remove", name="remove_member")
def remove_member(
    request: Request, project_id: RowId, member_id: RowId, db: DbSession, principal: Lead
) -> Response:
    project = _editable(db, project_id, principal)
    projects.remove_member(db, project=project, member_id=member_id)
    db.commit()
    return redirect(request, _manage_path(project_id, "member-removed", "#team"))


@router.post("/projects/{project_id}/contributions", name="add_contribution")
def add_contribution(
    request: Request, project_id: RowId, db: DbSession, principal: Lead, values: FormValues
) -> Response:
    project = _editable(db, project_id, principal)
    with _rejected_on_manage(db, request, project_id, principal, values):
        data = validate(ContributionForm, values)
        projects.add_contribution(db, project=project, data=data, actor=principal)
        db.commit()
    return redirect(request, _manage_path(project_id, "contribution-added", "#contributions"))


# --- the driver diagram ----------------------------------------------------------------------


def drivers_context(
    db: Session,
    project_id: int,
    principal: Principal,
    *,
    values: dict[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
    chosen_parents: list[str] | None = None,
) -> dict[str, Any]:
    project = _editable(db, project_id, principal)
    diagram = drivers.load(db, project_id)
    links = repo.driver_links(db, project_id) if diagram.nodes else []
    values = values or {}
    kind = values.get("kind") if values.get("kind") in DriverKind.__members__ else None
    return {
        "qi": ENUMS,
        "project": project,
        "diagram": diagram,
        "diagram_svg": Markup(diagram_svg(project.aim, diagram.nodes, links)),  # noqa: S704
        "kind": kind,
        "parent_options": _parent_options(diagram, kind),
        "edit_options": {
            n.id: [o for o in _parent_options(diagram, n.kind) if o[0] != str(n.id)]
            for n in diagram.nodes
        },
        "chosen_parents": set(chosen_parents or []),
        "values": values,
        "errors": errors or [],
    }


def _parent_options(diagram: drivers.Diagram, kind: str | None) -> list[tuple[str, str]]:
    """What a new node can hang off: for a known kind only the nodes it may; otherwise every
    driver (the service checks the kinds)."""
    allowed = (
        drivers.PARENT_KINDS[DriverKind(kind)]
        if kind
        else {DriverKind.primary, DriverKind.secondary}
    )
    return [
        (str(n.id), f"{DriverKind(n.kind).label}: {n.text}")
        for n in diagram.nodes
        if n.kind in allowed
    ]


def _int_list(form: FormMulti, name: str) -> list[int]:
    return [n for v in form.getlist(name) if isinstance(v, str) and (n := as_id(v))]


def _form_dict(form: FormMulti) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.get("/projects/{project_id}/drivers", name="edit_drivers")
def edit_drivers(request: Request, project_id: RowId, db: DbSession, principal: Lead) -> Response:
    """The driver diagram editor. Choosing the kind of a new node narrows the parents it can
    have (HTMX swaps that part; without JavaScript every driver is offered)."""
    values = {"kind": request.query_params.get("kind", "")}
    context = drivers_context(db, project_id, principal, values=values)
    return page(request, "projects/drivers.html", context, fragment="parents")


def _drivers_done(
    request: Request, db: Session, project_id: int, principal: Principal, notice: str
) -> Response:
    if is_fragment_request(request):
        context = drivers_context(db, project_id, principal) | {"notice": notices.message(notice)}
        return render(request, "projects/drivers.html", context, block="editor")
    return redirect(request, url_for("edit_drivers", project_id=project_id) + f"?notice={notice}")


@router.post("/projects/{project_id}/drivers", name="add_driver")
def add_driver(
    request: Request, project_id: RowId, db: DbSession, principal: Lead, form: FormMulti
) -> Response:
    project = _editable(db, project_id, principal)
    values = _form_dict(form)
    parents = _int_list(form, "parent_ids")
    with rejected(
        "projects/drivers.html",
        lambda errors: drivers_context(
            db,
            project_id,
            principal,
            values=values,
            errors=errors,
            chosen_parents=[str(p) for p in parents],
        ),
        db=db,
        block="editor" if is_fragment_request(request) else None,
    ):
        data = validate(DriverForm, values)
        drivers.add(
            db,
            project=project,
            kind=data.kind,
            text=data.text,
            parent_ids=parents,
            idea_id=data.idea_id,
            actor=principal,
        )
        db.commit()
    return _drivers_done(request, db, project_id, principal, "driver-added")


@router.post("/projects/{project_id}/drivers/{node_id}", name="update_driver")
def update_driver(
    request: Request,
    project_id: RowId,
    node_id: RowId,
    db: DbSession,
    principal: Lead,
    form: FormMulti,
) -> Response:
    project = _editable(db, project_id, principal)
    node = drivers.node_of(db, project, node_id)
    values = {**_form_dict(form), "kind": node.kind}
    parents = _int_list(form, "parent_ids")
    with rejected(
        "projects/drivers.html",
        lambda errors: drivers_context(db, project_id, principal, errors=errors),
        db=db,
        block="editor" if is_fragment_request(request) else None,
    ):
        data = validate(DriverForm, values)
        drivers.update(
            db,
            project=project,
            node=node,
            text=data.text,
            parent_ids=parents,
            idea_id=data.idea_id,
            actor=principal,
        )
        db.commit()
    return _drivers_done(request, db, project_id, principal, "driver-added")


@router.post("/projects/{project_id}/drivers/{node_id}/remove", name="remove_driver")
def remove_driver(
    request: Request, project_id: RowId, node_id: RowId, db: DbSession, principal: Lead
) -> Response:
    project = _editable(db, project_id, principal)
    drivers.remove(db, project=project, node=drivers.node_of(db, project, node_id))
    db.commit()
    return _drivers_done(request, db, project_id, principal, "driver-removed")


# --- PDSA cycles -----------------------------------------------------------------------------


def pdsa_form_context(
    db: Session,
    project: Project,
    values: dict[str, Any],
    errors: list[dict[str, Any]],
    *,
    cycle: Any = None,
) -> dict[str, Any]:
    assert project.id is not None
    diagram = drivers.load(db, project.id)
    return {
        "qi": ENUMS,
        "project": project,
        "cycle": cycle,
        "change_ideas": [(str(n.id), n.text) for n in diagram.change_ideas],
        "decisions": PDSADecision,
        "values": values,
        "errors": errors,
    }


@router.get("/projects/{project_id}/pdsa/new", name="new_pdsa")
def new_pdsa(request: Request, project_id: RowId, db: DbSession, principal: Lead) -> Response:
    project = _editable(db, project_id, principal)
    values = {"change_idea_id": request.query_params.get("change_idea", "")}
    return render(request, "projects/pdsa_form.html", pdsa_form_context(db, project, values, []))


@router.post("/projects/{project_id}/pdsa", name="create_pdsa")
def create_pdsa(
    request: Request, project_id: RowId, db: DbSession, principal: Lead, values: FormValues
) -> Response:
    project = _editable(db, project_id, principal)
    with rejected(
        "projects/pdsa_form.html",
        lambda errors: pdsa_form_context(
            db,
            projects.visible_project(db, project_id=project_id, viewer=principal),
            values,
            errors,
        ),
        db=db,
    ):
        cycle = pdsa.create_from_form(
            db, project=project, data=validate(PDSAForm, values), actor=principal
        )
        db.commit()
    assert cycle.id is not None
    return redirect(
        request,
        url_for("pdsa_page", project_id=project_id, cycle_id=cycle.id) + "?notice=pdsa-created",
    )


def pdsa_context(
    db: Session,
    project_id: int,
    cycle_id: int,
    principal: Principal | None,
    *,
    errors: list[dict[str, Any]] | None = None,
    values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    project = projects.visible_project(db, project_id=project_id, viewer=principal)
    cycles = list(repo.cycles(db, project_id))
    cycle = next((c for c in cycles if c.id == cycle_id), None)
    if cycle is None:
        raise NotFound()
    diagram = drivers.load(db, project_id)
    nexts = sorted(states.PDSA.allowed(cycle.status))
    return {
        "qi": ENUMS,
        "project": project,
        "cycle": cycle,
        "label": pdsa.labels(cycles).get(cycle_id, ""),
        "change_idea": diagram.node(cycle.change_idea_id) if cycle.change_idea_id else None,
        "written": [
            (stage, [(name, getattr(cycle, name)) for name in names if getattr(cycle, name)])
            for stage, names in pdsa.STAGE_FIELDS.items()
        ],
        "next_status": nexts[0] if nexts else None,
        "decisions": PDSADecision,
        "may": {"edit": access.can_edit_project(principal, project)},
        "values": values or {},
        "errors": errors or [],
    }


@router.get("/projects/{project_id}/pdsa/{cycle_id}", name="pdsa_page")
def pdsa_page(
    request: Request, project_id: RowId, cycle_id: RowId, db: DbSession, principal: Public
) -> Response:
    return render(request, "projects/pdsa.html", pdsa_context(db, project_id, cycle_id, principal))


@router.get("/projects/{project_id}/pdsa/{cycle_id}/edit", name="edit_pdsa_form")
def edit_pdsa_form(
    request: Request, project_id: RowId, cycle_id: RowId, db: DbSession, principal: Lead
) -> Response:
    project = _editable(db, project_id, principal)
    cycle = pdsa.cycle_of(db, project, cycle_id)
    values = {name: getattr(cycle, name) or "" for name in ("title", *PDSAForm.TEXT)}
    values["decision"] = cycle.decision or ""
    values["planned_start"] = cycle.planned_start.isoformat() if cycle.planned_start else ""
    return render(
        request, "projects/pdsa_form.html", pdsa_form_context(db, project, values, [], cycle=cycle)
    )


@router.post("/projects/{project_id}/pdsa/{cycle_id}/edit", name="edit_pdsa")
def edit_pdsa(
    request: Request,
    project_id: RowId,
    cycle_id: RowId,
    db: DbSession,
    principal: Lead,
    values: FormValues,
) -> Response:
    project = _editable(db, project_id, principal)
    cycle = pdsa.cycle_of(db, project, cycle_id)
    with rejected(
        "projects/pdsa_form.html",
        lambda errors: pdsa_form_context(
            db,
            projects.visible_project(db, project_id=project_id, viewer=principal),
            values,
            errors,
            cycle=pdsa.cycle_of(db, project, cycle_id),
        ),
        db=db,
    ):
        pdsa.update(db, cycle=cycle, data=validate(PDSAForm, values))
        db.commit()
    return redirect(
        request,
        url_for("pdsa_page", project_id=project_id, cycle_id=cycle_id) + "?notice=pdsa-saved",
    )


@router.post("/projects/{project_id}/pdsa/{cycle_id}/advance", name="advance_pdsa")
def advance_pdsa(
    request: Request,
    project_id: RowId,
    cycle_id: RowId,
    db: DbSession,
    principal: Lead,
    values: FormValues,
) -> Response:
    """Move a cycle to its next stage; finishing it records the decision (adapt, adopt or
    abandon) and the next step."""
    project = _editable(db, project_id, principal)
    cycle = pdsa.cycle_of(db, project, cycle_id)
    with rejected(
        "projects/pdsa.html",
        lambda errors: pdsa_context(
            db, project_id, cycle_id, principal, errors=errors, values=values
        ),
        db=db,
    ):
        if cycle.status == PDSAStatus.acting:
            decision = values.get("decision", "")
            if decision in PDSADecision.__members__:
                cycle.decision = PDSADecision(decision)
            if values.get("next_step", "").strip():
                cycle.next_step = values["next_step"].strip()[:2000]
        on = None
        if values.get("on_date"):
            try:
                on = date.fromisoformat(values["on_date"].strip())
            except ValueError:
                raise InvalidInput(
                    errors=[field_error("on_date", _("Enter the date, like 2026-03-02"))]
                ) from None
        label = pdsa.labels(repo.cycles(db, project_id)).get(cycle_id, "")
        pdsa.advance(db, project=project, cycle=cycle, actor=principal, label=label, on=on)
        db.commit()
    return redirect(
        request,
        url_for("pdsa_page", project_id=project_id, cycle_id=cycle_id) + "?notice=pdsa-moved",
    )
