"""The ``fullcircle`` command. Names and flags here are relied on by other tools: keep them."""

import sys
import time
from typing import Annotated, Any, NoReturn

import typer

from app.config import get_settings
from app.models import Role

app = typer.Typer(
    help="Fullcircle: quality improvement with the people who use services.",
    no_args_is_help=True,
    add_completion=False,
)
token_app = typer.Typer(help="Personal API tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")


def _fail(message: str) -> NoReturn:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code=1)


def _account(db: Any, email: str) -> Any:
    """The account with this email address, or exit with an error saying there is none."""
    from app.accounts import repository as repo
    from app.accounts import service as accounts

    user = repo.user_by_email(db, accounts.normalise_email(email))
    if user is None:
        _fail(f"no account with email {email}")
    return user


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    reload: bool = False,
) -> None:
    """Serve the site with uvicorn."""
    import os
    from pathlib import Path

    # This process becomes ``python -m app.serve`` (exec, same pid), which holds the server's
    # options and, for several workers, gives each its own listening socket: the supervisor
    # then holds about 25 MB rather than this command's imports (typer, settings, the models:
    # about 65 MB), and every worker imports the app itself. PYTHONPATH puts this checkout's
    # app package first, as the installed command found it. Fewer glibc malloc arenas keep
    # each worker's threads from holding memory apart (about 20 MB per worker after load);
    # a MALLOC_ARENA_MAX from the environment wins.
    checkout = str(Path(__file__).resolve().parent.parent)
    args = [sys.executable, "-m", "app.serve", "--host", host, "--port", str(port)]
    args += ["--reload"] if reload else ["--workers", str(workers)]
    path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = checkout + (os.pathsep + path if path else "")
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, args)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (creates the organisation's root unit)."""
    from app.migrations_state import upgrade_and_report

    typer.echo(upgrade_and_report(get_settings().database_url).describe())


@app.command("create-user")
def create_user(
    email: Annotated[str, typer.Option(help="Email address")],
    password: Annotated[str, typer.Option(help="Password (12-128 characters)")],
    role: Annotated[list[Role], typer.Option(help="Role; repeat for several")],
    name: Annotated[str | None, typer.Option(help="Display name")] = None,
) -> None:
    """Create an account with the given roles (this is how the first admin is made)."""
    from app.accounts import service as accounts
    from app.db import session_scope
    from app.errors import AppError

    try:
        with session_scope() as db:
            user = accounts.create_user(
                db, email=email, password=password, roles=set(role), display_name=name
            )
            user_id = user.id
    except AppError as exc:
        _fail("; ".join(e["msg"] for e in exc.errors) or exc.detail)
    typer.echo(
        f"Created user {user_id} <{email.strip().lower()}> with roles: {', '.join(sorted(role))}"
    )


@app.command("set-roles")
def set_roles(
    email: Annotated[str, typer.Option(help="Email address of the account")],
    role: Annotated[list[Role], typer.Option(help="Role; repeat for several")] = [],  # noqa: B006
) -> None:
    """Replace an account's roles (staff roles are granted only by admins: this CLI or /admin)."""
    from app.accounts import service as accounts
    from app.db import session_scope

    with session_scope() as db:
        user = _account(db, email)
        accounts.set_roles(db, user=user, roles=set(role), actor=None, via="command line")
    typer.echo(f"Roles of {email}: {', '.join(sorted(role)) or 'none'}")


@app.command("reset-two-step")
def reset_two_step(
    email: Annotated[str, typer.Option(help="Email address of the account")],
) -> None:
    """Turn off someone's two-step sign-in (they lost their phone and their recovery codes),
    and sign them out everywhere: for when no admin can do it in /admin."""
    from app.accounts import mfa
    from app.db import session_scope
    from app.errors import NotFound

    with session_scope() as db:
        user = _account(db, email)
        try:
            mfa.reset(db, user=user, actor_id=None, via="command line")
        except NotFound as exc:
            _fail(exc.detail)
    typer.echo(f"Two-step sign-in reset for {email}; they have been signed out everywhere.")


@token_app.command("create")
def token_create(
    email: Annotated[str, typer.Option(help="Email address of the account")],
    name: Annotated[str, typer.Option(help="A name to tell tokens apart")] = "command line",
    scope: Annotated[
        list[str] | None,
        typer.Option(
            help="read, write, moderate or admin (repeat for several); "
            "without it, every scope the person's roles allow"
        ),
    ] = None,
    days: Annotated[int, typer.Option(help="Days until the token stops working (1 to 365)")] = 90,
) -> None:
    """Create a personal API token; the token is the last line printed."""
    from app.accounts import service as accounts
    from app.db import session_scope
    from app.errors import InvalidInput
    from app.models import TokenScope

    known = {s.value for s in TokenScope}
    if scope and set(scope) - known:
        raise typer.BadParameter(
            f"unknown scope: {', '.join(sorted(set(scope) - known))} "
            f"(choose from {', '.join(s.value for s in TokenScope)})",
            param_hint="--scope",
        )
    with session_scope() as db:
        user = _account(db, email)
        try:
            token, secret = accounts.create_api_token(
                db,
                user=user,
                name=name,
                scopes=[TokenScope(s) for s in scope] if scope else None,
                days=days,
            )
        except InvalidInput as exc:
            typer.echo(" ".join(e["msg"] for e in exc.errors), err=True)
            raise typer.Exit(2) from None
        summary = f"Token created with scopes {token.scopes}, until {token.expires_at:%Y-%m-%d}."
    typer.echo(summary)
    typer.echo("It is shown once: store it safely.")
    typer.echo(secret)


@app.command("seed-demo")
def seed_demo(
    ideas: Annotated[
        int | None, typer.Option(help="Bulk synthetic ideas instead of the demo")
    ] = None,
    votes: Annotated[int, typer.Option(help="Bulk synthetic votes")] = 0,
    comments: Annotated[int, typer.Option(help="Bulk synthetic comments")] = 0,
) -> None:
    """Seed a realistic fictional trust, or bulk synthetic data with --ideas/--votes/--comments."""
    from app import seed

    started = time.perf_counter()
    if ideas is None:
        summary = seed.demo()
    else:
        summary = seed.bulk(ideas=ideas, votes=votes, comments=comments)
    from app.core import repository as core_repo
    from app.db import session_scope

    with session_scope() as db:
        core_repo.analyze(db)
    typer.echo(summary)
    typer.echo(f"Done in {time.perf_counter() - started:.1f}s.")


@app.command()
def worker(once: bool = False, interval: float = 10.0) -> None:
    """Deliver queued email and do the housekeeping jobs. Safe to run on several hosts.

    A pass that fails is logged (its kind only) and the next one runs: the worker never exits
    because of one bad message or a database hiccup.
    """
    import logging

    from app.core import jobs

    log = logging.getLogger("fullcircle.worker")
    settings = get_settings()
    if not settings.smtp_configured:
        typer.echo("SMTP is not configured: email stays in the outbox.", err=True)
    while True:
        try:
            done = jobs.run_pass()
        except Exception as exc:  # noqa: BLE001 (the next pass may well succeed)
            log.error("worker pass failed: %s", type(exc).__name__)
        else:
            if done.sent:
                typer.echo(f"sent {done.sent} email(s)")
        if once:
            return
        time.sleep(interval)


def main() -> None:  # pragma: no cover
    sys.exit(app())
