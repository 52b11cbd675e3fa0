"""Scheduler 2: tills as threads on PostgreSQL, one SQL statement at a time.

Each till stops at a gate before a request, before each of its statements and COMMITs and after each; the seed
chooses which till passes its gate next, and nothing else runs meanwhile. A till whose statement waits on a row lock
is seen from the server (`pg_blocking_pids`): it is left waiting and, while it waits, only the tills holding what it
waits for are chosen. So a seed replays exactly, interleavings included.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg

from tests.sim.choices import Choices
from tests.sim.door import Answer, Door, Request
from tests.sim.faults import ATTEMPT, Attempt, Fault

POLL_SECONDS = 0.003
WAIT_LIMIT_SECONDS = 60  # a till that neither reaches a gate nor waits on a lock this long is stuck


class Aborted(Exception):
    """Raised at a till's gate once its run was stopped."""


@dataclass
class Till:
    number: int
    requests: list[Request]
    faults: list[Fault | None] = field(default_factory=list)  # for the first attempt of each request
    state: str = "new"  # at_gate | running | blocked | done
    where: str = ""  # the gate it waits at
    pid: int | None = None  # its server process, as of its last statement
    go: threading.Event = field(default_factory=threading.Event)
    answers: list[Answer] = field(default_factory=list)
    error: BaseException | None = None


class Scheduler:
    def __init__(self, choices: Choices, door: Door, monitor_url: str, tills: list[Till]) -> None:
        self.choices = choices
        self.door = door
        self.tills = tills
        self.changed = threading.Condition()
        self.trace: list[str] = []
        self.aborted = False
        self.current: Till | None = None
        self._monitor = psycopg.connect(monitor_url.replace("postgresql+psycopg", "postgresql"), autocommit=True)

    def run(self, after_answer: Callable[[Request, Answer, Attempt], None]) -> None:
        threads = [threading.Thread(target=self._till, args=(till, after_answer), daemon=True) for till in self.tills]
        for thread in threads:
            thread.start()
        try:
            while True:
                self._wait_quiet()
                ready = [till for till in self.tills if till.state == "at_gate"]
                if not ready:
                    if all(till.state == "done" for till in self.tills):
                        break
                    continue  # only waiting tills: the server settles it (a deadlock is broken in a second)
                chosen = self._choose(ready)
                if not chosen.where.startswith("("):
                    self.trace.append(f"till {chosen.number}: {chosen.where}")
                self.current = chosen
                with self.changed:
                    chosen.state = "running"
                    chosen.go.set()
        finally:
            self._release()
            for thread in threads:
                thread.join(timeout=WAIT_LIMIT_SECONDS)
            self._monitor.close()
        errors = [till.error for till in self.tills if till.error is not None]
        if errors:
            raise errors[0]

    def _release(self) -> None:
        """Let every till still at a gate go, failing there: a run that stopped early (a failed check, a draw
        Hypothesis refused) leaves no transaction open behind it."""
        with self.changed:
            self.aborted = True
            for till in self.tills:
                till.go.set()

    def _choose(self, ready: list[Till]) -> Till:
        """The till that just ran a statement goes on to its next one without a draw (nothing it does in between
        reaches the database); otherwise the draw picks, the till that ran last first, so a history shrinks towards
        fewer switches between tills."""
        current = self.current
        if current in ready and current.where.startswith("("):
            return current
        waiting = [till for till in self.tills if till.state == "blocked"]
        if waiting:
            holders = set().union(*(self._blockers(till) for till in waiting))
            ready = [till for till in ready if till.pid in holders] or ready
        ready = sorted(ready, key=lambda till: (till is not current, till.number))
        return ready[self.choices.integer(0, len(ready) - 1)]

    def _wait_quiet(self) -> None:
        """Until every till is at a gate, done, or waiting on a lock."""
        since = time.monotonic()
        while True:
            with self.changed:
                moving = [till for till in self.tills if till.state in ("running", "new")]
                if not moving and not any(till.state == "blocked" for till in self.tills):
                    return
                self.changed.wait(POLL_SECONDS)
                moving = [till for till in self.tills if till.state in ("running", "blocked")]
            for till in moving:
                blocked = bool(self._blockers(till))
                with self.changed:
                    if till.state in ("running", "blocked"):
                        till.state = "blocked" if blocked else "running"
            with self.changed:
                if all(till.state in ("at_gate", "done", "blocked") for till in self.tills):
                    return
            if time.monotonic() - since > WAIT_LIMIT_SECONDS:
                raise AssertionError(f"tills stuck: {[(till.number, till.state, till.where) for till in self.tills]}")

    def _blockers(self, till: Till) -> set[int]:
        if till.pid is None:
            return set()
        found = self._monitor.execute("SELECT pg_blocking_pids(%s)", (till.pid,)).fetchone()
        return set(found[0]) if found and found[0] else set()

    def _gate(self, till: Till, where: str, connection: Any = None) -> None:
        with self.changed:
            if connection is not None:
                till.pid = connection.info.backend_pid
            till.where = where
            till.state = "at_gate"
            till.go.clear()
            self.changed.notify_all()
            if self.aborted:
                raise Aborted()
        till.go.wait()
        if self.aborted:
            raise Aborted()

    def _till(self, till: Till, after_answer: Callable[[Request, Answer, Attempt], None]) -> None:
        try:
            for number, request in enumerate(till.requests):
                fault = till.faults[number] if number < len(till.faults) else None
                while True:
                    self._gate(till, f"sends {request.op} {request.key}")
                    attempt = Attempt(till.number, fault, gate=self._statement_gate(till))
                    fault = None  # a retry goes through
                    token = ATTEMPT.set(attempt)
                    try:
                        answer = self.door.call(request)
                    finally:
                        ATTEMPT.reset(token)
                    injected = f" ({attempt.fired})" if attempt.fired else ""
                    self.trace.append(
                        f"till {till.number}: {request.describe()}{injected} → {answer.status} {answer.text}"
                    )
                    after_answer(request, answer, attempt)
                    if answer.status != 503:
                        till.answers.append(answer)
                        break
        except Aborted:
            pass
        except BaseException as error:  # noqa: BLE001 - a till thread hands whatever stopped it to the scheduler
            till.error = error
        finally:
            with self.changed:
                till.state = "done"
                self.changed.notify_all()

    def _statement_gate(self, till: Till) -> Callable[[Any, str], None]:
        def gate(connection: Any, statement: str) -> None:
            self._gate(till, _short(statement), connection)

        return gate


def _short(statement: str) -> str:
    words = " ".join(statement.split())
    return words if len(words) <= 90 else words[:87] + "..."
