"""Writes take turns (app.db.write_turn): at most ``write_threads`` requests that write run
at once in a worker, the others wait on the event loop holding no thread, readers are never
held up by them, and a write that waits too long is told to try again (503, nothing saved).
On both databases."""

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import get_settings
from app.main import create_app
from app.votes import service as votes_service
from tests.ideas.factories import create_idea
from tests.ideas.test_api import IDEAS, person
from tests.ideas.test_votes_statements import stored_count


class Held:
    """Every vote stops inside the route until ``go`` is set; counts how many are inside."""

    def __init__(self, original: Callable[..., Any]) -> None:
        self.original = original
        self.inside = 0
        self.most_inside = 0
        self.entered = threading.Semaphore(0)
        self.go = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        self.entered.release()
        try:
            assert self.go.wait(10), "never released"
            return self.original(*args, **kwargs)
        finally:
            with self._lock:
                self.inside -= 1


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[Held]:
    gate = Held(votes_service.cast)
    monkeypatch.setattr(votes_service, "cast", gate)
    yield gate
    gate.go.set()


def test_two_writes_at_a_time_while_reads_go_on(
    db: Session, held: Held, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "write_threads", 2)
    ideas = [create_idea(db, title=f"Idea number {n}") for n in range(6)]
    people = [person(db)[1] for _ in ideas]
    with TestClient(create_app()) as client, ThreadPoolExecutor(8) as pool:
        voting = [
            pool.submit(client.put, f"{IDEAS}/{idea.id}/vote", headers=headers)
            for idea, headers in zip(ideas, people, strict=True)
        ]
        for _ in range(2):
            assert held.entered.acquire(timeout=10)
        # Two votes are inside; the other four wait for a turn, holding no thread: the
        # board and the API are served meanwhile.
        assert not held.entered.acquire(timeout=0.3)
        assert held.inside == 2
        assert client.get("/ideas").status_code == 200
        assert client.get(IDEAS).status_code == 200
        held.go.set()
        statuses = [future.result(timeout=20).status_code for future in voting]
    assert statuses == [200] * 6
    assert held.most_inside == 2
    assert [stored_count(db, idea) for idea in ideas] == [1] * 6


def test_a_write_that_waits_too_long_for_its_turn_is_asked_to_try_again(
    db: Session, held: Held, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "write_threads", 1)
    monkeypatch.setattr(get_settings(), "write_lock_wait_seconds", 0.3)
    first, second = create_idea(db), create_idea(db)
    (_u1, one), (_u2, two) = person(db), person(db)
    with TestClient(create_app()) as client, ThreadPoolExecutor(2) as pool:
        voting = pool.submit(client.put, f"{IDEAS}/{first.id}/vote", headers=one)
        assert held.entered.acquire(timeout=10)
        refused = client.put(f"{IDEAS}/{second.id}/vote", headers=two)
        held.go.set()
        assert voting.result(timeout=20).status_code == 200
    assert refused.status_code == 503
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) >= 1
    assert "Nothing was saved" in refused.json()["detail"]
    assert stored_count(db, second) == 0
    assert stored_count(db, first) == 1
