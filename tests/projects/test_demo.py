"""The demo trust's projects (app/seed/demo/projects.toml): about six across units, each with
a team that includes service-user or carer partners, an aim, a driver diagram, 2 to 4 PDSA
cycles and measures of 20 to 40 points that between them show every kind of signal, linked to
demo ideas, so a newcomer sees the whole loop."""

from collections import Counter

from sqlalchemy import Engine
from sqlmodel import Session, select

from app import seed
from app.models import DriverNode, Measure, PDSACycle, Project, ProjectIdea, ProjectMember
from app.seed.projects import load


def test_the_data_file_reads() -> None:
    projects = load()
    assert 5 <= len(projects) <= 8
    assert len({p["unit"] for p in projects}) >= 4


def test_the_demo_shows_the_whole_loop(engine: Engine, db: Session) -> None:
    seed.demo()
    projects = db.scalars(select(Project)).all()
    assert len(projects) == 6
    assert {p.status for p in projects} >= {"active", "sustaining", "completed"}
    for project in projects:
        members = db.scalars(
            select(ProjectMember).where(ProjectMember.project_id == project.id)
        ).all()
        assert {"service_user_partner", "carer_partner"} & {m.role for m in members}, project.title
        assert project.aim.endswith(".")
        kinds = {
            n.kind
            for n in db.scalars(select(DriverNode).where(DriverNode.project_id == project.id))
        }
        assert {"primary", "change_idea"} <= kinds, project.title
        cycles = db.scalars(select(PDSACycle).where(PDSACycle.project_id == project.id)).all()
        assert 2 <= len(cycles) <= 4, project.title
        assert db.scalars(select(ProjectIdea).where(ProjectIdea.project_id == project.id)).first()
        for measure in db.scalars(select(Measure).where(Measure.project_id == project.id)):
            assert 20 <= measure.point_count <= 40, measure.name
    measures = db.scalars(select(Measure)).all()
    variation = Counter((m.latest_variation or "").split("_")[0] for m in measures)
    assert {"improvement", "concern", "common", "neither"} <= set(variation)
    assert {"pass", "fail", "hit_or_miss"} <= {m.latest_assurance for m in measures}
