"""Test helpers every app's tests may import (the kernel depends on no app: tests/test_layout.py).

`run_at_once` is how the PostgreSQL concurrency tests race real threads against the row locks:
quotas, double clicks, two editors, overlapping dispatcher runs.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection


@dataclass(frozen=True)
class Outcome:
    """What one thread got: its target's return value, or the refusal it raised."""

    value: Any = None
    refusal: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None

    @property
    def message(self) -> str:
        """The refusal as the user reads it ("" for a success)."""
        if self.refusal is None:
            return ""
        if isinstance(self.refusal, ValidationError):
            return self.refusal.messages[0]
        return str(self.refusal)


def run_at_once(
    target: Callable[[int], Any],
    count: int,
    *,
    refusals: tuple[type[Exception], ...] = (ValidationError,),
    timeout: float = 60,
) -> list[Outcome]:
    """Call target(0) … target(count - 1) in `count` threads that a barrier releases together.

    Outcome n is thread n's. An exception of a `refusals` type (by default ValidationError, which
    every app's domain error is) is an outcome; any other one fails the test here, in the test's
    thread, instead of vanishing with its thread. `refusals=()` makes every exception a failure.
    Each thread closes its own database connection: on PostgreSQL a transactional test's threads
    each open one, and a connection left open would block the database's teardown.
    """
    barrier = threading.Barrier(count)
    outcomes: list[Outcome | None] = [None] * count
    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            barrier.wait()
            outcomes[n] = Outcome(value=target(n))
        except refusals as exc:
            outcomes[n] = Outcome(refusal=exc)
        except BaseException as exc:  # re-raised below, in the test's own thread
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    stuck = sum(thread.is_alive() for thread in threads)
    assert stuck == 0, f"{stuck} of {count} threads did not finish within {timeout} s"
    if failures:
        raise failures[0]
    return [outcome for outcome in outcomes if outcome is not None]
