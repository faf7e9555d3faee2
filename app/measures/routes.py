"""Measure pages: a measure with its chart and data, the forms that define it and enter its
data (one point, or a CSV file), ghosting points, annotations and recalculations, downloads
(SVG, PNG, CSV), and the SPC matrix of a unit and everything under it."""

from typing import Annotated, Any

from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.accounts.principal import Principal
from app.deps import DbSession, Public, SignedIn, require_roles
from app.errors import Forbidden, InvalidInput
from app.i18n import N_, _
from app.measures import access
from app.measures import repository as repo
from app.measures import service as measures
from app.measures.csvdata import MAX_BYTES
from app.measures.schemas import AnnotationForm, MeasureFields, PointForm, RecalculationForm
from app.models import Measure, MeasureKind, Project, Role, Unit
from app.models.projects import ENUMS
from app.projects import service as projects
from app.qi import words
from app.qi.chart import assurance_icon_svg, variation_icon_svg
from app.units import service as units
from app.web import notices
from app.web.forms import FormMulti, FormValues, field_error, rejected, validate
from app.web.params import RowId, as_id
from app.web.render import render
from app.web.responses import redirect
from app.web.routing import Router
from app.web.urls import url_for

router = Router()

Lead = Annotated[Principal, require_roles(Role.improvement_lead)]

notices.register(
    measure_created=N_("The measure has been added."),
    measure_saved=N_("The measure has been saved."),
    point_added=N_("The value has been added."),
    points_imported=N_("The file has been imported."),
    point_changed=N_("The chart has been updated."),
    annotation_added=N_("The note has been added to the chart."),
    recalculation_added=N_("The limits will be recalculated from that date."),
)

#: Every icon, for the key under the SPC matrix.
VARIATION_ICONS = (
    "common_cause", "improvement_high", "improvement_low", "concern_high", "concern_low",
    "neither_high", "neither_low",
)  # fmt: skip
ASSURANCE_ICONS = ("pass", "fail", "hit_or_miss")


def icon_key() -> dict[str, list[tuple[Markup, str]]]:
    """Every icon with its text alternative, for the key under the SPC matrix."""
    return {
        "variation": [
            (Markup(variation_icon_svg(i, id_prefix=f"key-{i}")), words.variation_icon_text(i))  # noqa: S704
            for i in VARIATION_ICONS
        ],
        "assurance": [
            (Markup(assurance_icon_svg(i, id_prefix=f"key-{i}")), words.assurance_icon_text(i))  # noqa: S704
            for i in ASSURANCE_ICONS
        ],
    }


def _measure_path(measure_id: int, suffix: str = "") -> str:
    return url_for("measure_page", measure_id=measure_id) + suffix


def _editable(db: Session, measure_id: int, principal: Principal) -> tuple[Measure, Project]:
    measure, project = measures.visible_measure(db, measure_id=measure_id, viewer=principal)
    if not access.can_edit_measure(principal, project):
        raise Forbidden()
    return measure, project


# --- the SPC matrix of a unit ----------------------------------------------------------------


@router.get("/measures/matrix", name="spc_matrix")
def spc_matrix(request: Request, db: DbSession, principal: SignedIn) -> Response:
    """Every measure of the projects in a unit and everything under it, read the way boards
    read integrated performance reports."""
    member_units = units.memberships(db, user_id=principal.user_id)
    tree = units.tree(db)
    paths = frozenset(row.unit.path for row in tree if row.unit.id in member_units)
    slug = request.query_params.get("unit") or ""
    unit: Unit | None = units.by_slug(db, slug) if slug else None
    if unit is None:
        own = [row.unit for row in tree if row.unit.id in member_units]
        unit = units.root(db) if principal.has(Role.improvement_lead) or not own else own[0]
    if not access.can_see_matrix(principal, unit, member_paths=paths):
        raise Forbidden(_("The measures of this place are for the improvement team and its staff."))
    allowed = [
        row for row in tree if access.can_see_matrix(principal, row.unit, member_paths=paths)
    ]
    return render(
        request,
        "measures/matrix.html",
        {
            "qi": ENUMS,
            "unit": unit,
            "tree": allowed,
            "chosen": {"unit": unit.slug},
            "matrix": measures.matrix_rows(repo.matrix(db, unit, viewer=principal)),
            "key": icon_key(),
        },
    )


# --- a new measure ---------------------------------------------------------------------------


def form_context(
    project: Project,
    values: dict[str, Any],
    errors: list[dict[str, Any]],
    *,
    measure: Measure | None = None,
) -> dict[str, Any]:
    return {"qi": ENUMS, "project": project, "measure": measure, "values": values, "errors": errors}


@router.get("/projects/{project_id}/measures/new", name="new_measure")
def new_measure(request: Request, project_id: RowId, db: DbSession, principal: Lead) -> Response:
    project = projects.visible_project(db, project_id=project_id, viewer=principal)
    if not access.can_edit_measure(principal, project):
        raise Forbidden()
    values = {"kind": MeasureKind.outcome.value, "rule_set": "mdc_2024"}
    return render(request, "measures/form.html", form_context(project, values, []))


@router.post("/projects/{project_id}/measures", name="create_measure")
def create_measure(
    request: Request, project_id: RowId, db: DbSession, principal: Lead, values: FormValues
) -> Response:
    project = projects.visible_project(db, project_id=project_id, viewer=principal)
    if not access.can_edit_measure(principal, project):
        raise Forbidden()
    with rejected(
        "measures/form.html",
        lambda errors: form_context(
            projects.visible_project(db, project_id=project_id, viewer=principal), values, errors
        ),
        db=db,
    ):
        measure = measures.create(
            db, project=project, data=validate(MeasureFields, values), actor=principal
        )
        db.commit()
    assert measure.id is not None
    return redirect(request, _measure_path(measure.id, "?notice=measure-created"))


# --- the measure page ------------------------------------------------------------------------


def measure_context(
    db: Session,
    measure_id: int,
    principal: Principal | None,
    *,
    errors: list[dict[str, Any]] | None = None,
    values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    measure, project = measures.visible_measure(db, measure_id=measure_id, viewer=principal)
    view = measures.view(db, measure)
    return {
        "qi": ENUMS,
        "measure": measure,
        "project": project,
        "view": view,
        "may": {"edit": access.can_edit_measure(principal, project)},
        "max_mb": MAX_BYTES // 1_000_000,
        "errors": errors or [],
        "values": values or {},
    }


@router.get("/measures/{measure_id}", name="measure_page")
def measure_page(request: Request, measure_id: RowId, db: DbSession, principal: Public) -> Response:
    return render(request, "measures/measure.html", measure_context(db, measure_id, principal))


def _rejected_on_page(
    db: Session, measure_id: int, principal: Principal, values: dict[str, Any]
) -> Any:
    return rejected(
        "measures/measure.html",
        lambda errors: measure_context(db, measure_id, principal, errors=errors, values=values),
        db=db,
    )


@router.get("/measures/{measure_id}/edit", name="edit_measure_form")
def edit_measure_form(
    request: Request, measure_id: RowId, db: DbSession, principal: Lead
) -> Response:
    measure, project = _editable(db, measure_id, principal)
    values = {name: getattr(measure, name) for name in MeasureFields.model_fields}
    values = {k: ("" if v is None else v) for k, v in values.items()}
    return render(request, "measures/form.html", form_context(project, values, [], measure=measure))


@router.post("/measures/{measure_id}/edit", name="edit_measure")
def edit_measure(
    request: Request, measure_id: RowId, db: DbSession, principal: Lead, values: FormValues
) -> Response:
    measure, project = _editable(db, measure_id, principal)

    def again(errors: list[dict[str, Any]]) -> dict[str, Any]:
        m, p = _editable(db, measure_id, principal)
        return form_context(p, values, errors, measure=m)

    with rejected("measures/form.html", again, db=db):
        measures.update(
            db,
            measure=measure,
            project=project,
            data=validate(MeasureFields, values),
            actor=principal,
        )
        db.commit()
    return redirect(request, _measure_path(measure_id, "?notice=measure-saved"))


@router.post("/measures/{measure_id}/points", name="add_point")
def add_point(
    request: Request, measure_id: RowId, db: DbSession, principal: Lead, values: FormValues
) -> Response:
    measure, project = _editable(db, measure_id, principal)
    with _rejected_on_page(db, measure_id, principal, values):
        data = validate(PointForm, values)
        measures.add_points(
            db,
            measure=measure,
            project=project,
            points=[(data.on_date, data.value)],
            actor=principal,
            field_of="on_date",
        )
        db.commit()
    return redirect(request, _measure_path(measure_id, "?notice=point-added#data"))


@router.post("/measures/{measure_id}/upload", name="upload_points")
async def upload_points(
    request: Request, measure_id: RowId, db: DbSession, principal: Lead, form: FormMulti
) -> Response:
    # Async only to read the uploaded file; the database work runs in the thread pool.
    upload = form.get("file")
    raw = await upload.read(MAX_BYTES + 1) if isinstance(upload, UploadFile) else b""
    replace = form.get("replace") == "yes"
    return await run_in_threadpool(_import, request, measure_id, db, principal, raw, replace)


def _import(
    request: Request,
    measure_id: int,
    db: Session,
    principal: Principal,
    raw: bytes,
    replace: bool,
) -> Response:
    measure, project = _editable(db, measure_id, principal)
    values = {"replace": "yes" if replace else ""}
    with _rejected_on_page(db, measure_id, principal, values):
        if not raw:
            raise InvalidInput(errors=[field_error("file", _("Choose a CSV file to upload"))])
        measures.import_csv(
            db, measure=measure, project=project, raw=raw, actor=principal, replace=replace
        )
        db.commit()
    return redirect(request, _measure_path(measure_id, "?notice=points-imported#data"))


@router.post("/measures/{measure_id}/points/change", name="change_point")
def change_point(
    request: Request, measure_id: RowId, db: DbSession, principal: Lead, values: FormValues
) -> Response:
    """Ghost a value, bring it back, or remove it: the button pressed names the value (one form
    for the whole table, so a long series is one form, not hundreds)."""
    measure, project = _editable(db, measure_id, principal)
    for action in ("ghost", "unghost", "remove"):
        point_id = as_id(values.get(action))
        if point_id is None:
            continue
        if action == "remove":
            measures.remove_point(
                db, measure=measure, project=project, point_id=point_id, actor=principal
            )
        else:
            measures.set_ghosted(
                db,
                measure=measure,
                project=project,
                point_id=point_id,
                ghosted=action == "ghost",
                actor=principal,
            )
        db.commit()
        return redirect(request, _measure_path(measure_id, "?notice=point-changed#data"))
    raise InvalidInput(errors=[field_error("data", _("Choose a value to change"))])


@router.post("/measures/{measure_id}/annotations", name="add_annotation")
def add_annotation(
    request: Request, measure_id: RowId, db: DbSession, principal: Lead, values: FormValues
) -> Response:
    measure, _project = _editable(db, measure_id, principal)
    with _rejected_on_page(db, measure_id, principal, values):
        data = _validate_renamed(AnnotationForm, values, on_date="note_date")
        measures.add_annotation(db, measure=measure, on=data.on_date, text=data.text)
        db.commit()
    return redirect(request, _measure_path(measure_id, "?notice=annotation-added#notes"))


@router.post("/measures/{measure_id}/annotations/{annotation_id}/remove", name="remove_annotation")
def remove_annotation(
    request: Request, measure_id: RowId, annotation_id: RowId, db: DbSession, principal: Lead
) -> Response:
    measure, _project = _editable(db, measure_id, principal)
    measures.remove_annotation(db, measure=measure, annotation_id=annotation_id)
    db.commit()
    return redirect(request, _measure_path(measure_id, "?notice=point-changed#notes"))


@router.post("/measures/{measure_id}/recalculations", name="add_recalculation")
def add_recalculation(
    request: Request, measure_id: RowId, db: DbSession, principal: Lead, values: FormValues
) -> Response:
    measure, project = _editable(db, measure_id, principal)
    with _rejected_on_page(db, measure_id, principal, values):
        data = _validate_renamed(RecalculationForm, values, on_date="recalc_date")
        measures.add_recalculation(
            db,
            measure=measure,
            project=project,
            on=data.on_date,
            reason=data.reason,
            actor=principal,
        )
        db.commit()
    return redirect(request, _measure_path(measure_id, "?notice=recalculation-added#notes"))


@router.post(
    "/measures/{measure_id}/recalculations/{recalculation_id}/remove",
    name="remove_recalculation",
)
def remove_recalculation(
    request: Request, measure_id: RowId, recalculation_id: RowId, db: DbSession, principal: Lead
) -> Response:
    measure, project = _editable(db, measure_id, principal)
    measures.remove_recalculation(
        db, measure=measure, project=project, recalculation_id=recalculation_id, actor=principal
    )
    db.commit()
    return redirect(request, _measure_path(measure_id, "?notice=point-changed#notes"))


def _validate_renamed(schema: Any, values: dict[str, str], **names: str) -> Any:
    """Validate a form whose fields are named differently on the page (two forms there ask
    for a date): ``names`` maps the schema's field to the page's."""
    data = dict(values)
    for field, on_page in names.items():
        data[field] = values.get(on_page, "")
    try:
        return validate(schema, data)
    except InvalidInput as exc:
        back = dict(names)
        raise InvalidInput(
            errors=[{**e, "field": back.get(e["field"], e["field"])} for e in exc.errors]
        ) from None


# --- downloads -------------------------------------------------------------------------------


def _download_name(measure: Measure, suffix: str) -> str:
    return f"measure-{measure.id}.{suffix}"


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get("/measures/{measure_id}/chart.svg", name="measure_svg")
def measure_svg(measure_id: RowId, db: DbSession, principal: Public) -> Response:
    measure, _project = measures.visible_measure(db, measure_id=measure_id, viewer=principal)
    svg = str(measures.view(db, measure).svg())
    return Response(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + svg,
        media_type="image/svg+xml",
        headers=_attachment(_download_name(measure, "svg")),
    )


@router.get("/measures/{measure_id}/chart.png", name="measure_png")
def measure_png(measure_id: RowId, db: DbSession, principal: Public) -> Response:
    measure, _project = measures.visible_measure(db, measure_id=measure_id, viewer=principal)
    png = measures.png_of(str(measures.view(db, measure).svg()))
    return Response(
        png, media_type="image/png", headers=_attachment(_download_name(measure, "png"))
    )


@router.get("/measures/{measure_id}/data.csv", name="measure_csv")
def measure_csv(measure_id: RowId, db: DbSession, principal: Public) -> Response:
    measure, _project = measures.visible_measure(db, measure_id=measure_id, viewer=principal)
    return Response(
        measures.data_csv(measures.view(db, measure)),
        media_type="text/csv; charset=utf-8",
        headers=_attachment(_download_name(measure, "csv")),
    )
