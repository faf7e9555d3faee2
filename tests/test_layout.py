"""The code's shape, checked: all SQL in repositories, no import cycles, every path in a
template from ``url_for``, unique route names, and a message catalogue that is up to date."""

import ast
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.main import create_app

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"
TEMPLATES = ROOT / "templates"

#: Modules allowed to talk to the database directly: the engine itself.
SQL_ALLOWED = {"app/db.py"}
SQL_CALLS = {"select", "text"}
SQL_METHODS = {"execute", "scalars", "scalar", "exec_driver_sql"}


def python_files() -> list[Path]:
    return sorted(p for p in APP.rglob("*.py") if "static" not in p.parts)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


class TestSqlLivesInRepositories:
    def sql_outside_repositories(self) -> list[str]:
        found = []
        for path in python_files():
            rel = str(path.relative_to(ROOT))
            if path.name == "repository.py" or rel in SQL_ALLOWED:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                if (isinstance(func, ast.Name) and func.id in SQL_CALLS) or (
                    isinstance(func, ast.Attribute) and func.attr in SQL_METHODS
                ):
                    name = func.id if isinstance(func, ast.Name) else func.attr
                    found.append(f"{rel}:{node.lineno} {name}(")
        return found

    def test_no_select_execute_scalars_or_text_outside_repository_files(self) -> None:
        assert self.sql_outside_repositories() == []


def import_graph() -> dict[str, set[str]]:
    """Module-level imports between app modules (imports inside functions are late binding,
    listed in LATE_IMPORTS)."""
    modules = {module_name(p): p for p in python_files()}
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        for node in tree.body:
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                base = node.module
                # `from package import module` needs the module; any other name comes from
                # the package's __init__.
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                    for a in node.names
                ]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and target.startswith("app"):
                    graph[name].add(target)
    return graph


#: The only imports made inside functions, each with its reason.
LATE_IMPORTS = {
    "app/web/urls.py": "the route table, built from app.main outside a request",
    "app/cli.py": "each command imports what it needs, so `fullcircle --help` stays fast",
    "app/moderation/screening.py": "re's private parser, guarded, for the pattern pre-filter",
    # Memory (bench/memory.py): heavy libraries only a few pages or commands use stay out of
    # every server worker until one of them is asked for.
    "app/accounts/passwords.py": "passlib and argon2, only when a password is hashed",
    "app/measures/service.py": "cairosvg, cairo and Pillow, only for a chart's PNG",
    "app/migrations_state.py": "alembic, only for migrate, the tests and /readyz",
    "app/reports/exports.py": "openpyxl, only for an XLSX download",
    "app/triage/service.py": "holidays and textstat, only for triage",
    "app/web/qr.py": "segno, only for a QR code",
}


class TestImports:
    def test_no_import_cycle_in_app(self) -> None:
        graph = import_graph()
        cycles: list[list[str]] = []
        state: dict[str, int] = {}
        stack: list[str] = []

        def visit(node: str) -> None:
            state[node] = 1
            stack.append(node)
            for nxt in sorted(graph.get(node, ())):
                if state.get(nxt) == 1:
                    cycles.append([*stack[stack.index(nxt) :], nxt])
                elif nxt not in state:
                    visit(nxt)
            stack.pop()
            state[node] = 2

        for node in sorted(graph):
            if node not in state:
                visit(node)
        assert cycles == []

    def test_imports_inside_functions_are_only_the_listed_ones(self) -> None:
        late = set()
        for path in python_files():
            tree = ast.parse(path.read_text())
            for fn in ast.walk(tree):
                if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                    for node in ast.walk(fn):
                        if isinstance(node, ast.Import | ast.ImportFrom):
                            late.add(str(path.relative_to(ROOT)))
        assert late <= set(LATE_IMPORTS), sorted(late - set(LATE_IMPORTS))

    def test_every_module_imports_on_its_own(self) -> None:
        # A fresh interpreter per module would be slow; one that imports each in turn, in
        # alphabetical order, still finds a module that only worked thanks to an earlier one.
        names = sorted(module_name(p) for p in python_files())
        code = f"import importlib\nfor n in {names!r}:\n    importlib.import_module(n)\n"
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


class TestPaths:
    HARD_CODED = re.compile(
        r"""(?:href|action|hx-get|hx-post|formaction)=["']/(?!static/)|"(?:href|action)":\s*"/"""
    )

    @pytest.mark.parametrize(
        "template", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.*"))
    )
    def test_templates_take_every_path_from_url_for(self, template: str) -> None:
        text = (TEMPLATES / template).read_text()
        assert self.HARD_CODED.findall(text) == []

    def test_route_names_are_unique(self) -> None:
        names = [getattr(r, "name", None) for r in create_app().routes]
        duplicates = {n for n in names if n and names.count(n) > 1}
        assert duplicates == set()


class TestCatalogue:
    def test_pybabel_finds_no_string_missing_from_the_catalogue(self, tmp_path: Path) -> None:
        extracted = tmp_path / "messages.pot"
        subprocess.run(
            [
                str(Path(sys.executable).parent / "pybabel"),
                "-q",
                "extract",
                "-F",
                "babel.cfg",
                "-o",
                str(extracted),
                "--no-location",
                ".",
            ],
            check=True,
            cwd=ROOT,
        )
        with extracted.open("rb") as f:
            wanted = {m.id for m in read_po(f) if m.id}
        with (APP / "locale" / "en" / "LC_MESSAGES" / "messages.po").open("rb") as f:
            have = {m.id for m in read_po(f) if m.id}
        missing = sorted(str(m) for m in wanted - have)
        assert missing == [], "run `make messages`: " + "; ".join(missing[:10])
