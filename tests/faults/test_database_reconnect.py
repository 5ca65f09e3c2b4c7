"""A lost database connection is replaced at the next request (issue 9 item 4, PostgreSQL restart).

Production keeps connections open (DATABASE_CONN_MAX_AGE, 60 s) with CONN_HEALTH_CHECKS on. When
PostgreSQL restarts, or an administrator ends a session, the kept connection is dead; the health
check at the start of the next request finds that and connects again. Here the test's own
connection is ended with pg_terminate_backend, which is what a restart does to every connection,
without restarting anything (bench/faults.py restarts a private server under load).
"""

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor == "sqlite", reason="pg_terminate_backend needs PostgreSQL"),
]


@pytest.fixture
def kept_connection():
    """The connection settings of production (the tests close connections after each request)."""
    saved = {key: connection.settings_dict[key] for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS")}

    def configure(*, health_checks: bool) -> None:
        connection.close()  # the next connect reads the settings
        connection.settings_dict.update(CONN_MAX_AGE=60, CONN_HEALTH_CHECKS=health_checks)

    yield configure
    connection.close()
    connection.settings_dict.update(saved)


def _terminate(pid: int) -> None:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        ended = admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
    assert ended, f"backend {pid} was not ended"


def _backend_pid() -> int:
    return connection.connection.info.backend_pid


class Browser:
    """Requests through Django's WSGI handler, as gunicorn makes them. The test client would not
    do: it switches off the connection housekeeping (close_old_connections) around its requests,
    and that is where the health check runs."""

    def __init__(self, client, user) -> None:
        client.force_login(user)
        self.cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())
        self.handler = WSGIHandler()

    def get(self, path: str) -> int:
        environ = RequestFactory().get(path, HTTP_COOKIE=self.cookie).environ
        status = []
        response = self.handler(environ, lambda line, headers, exc_info=None: status.append(line))
        try:
            b"".join(response)
        finally:
            response.close()  # request_finished: the connection is kept (CONN_MAX_AGE) or dropped
        return int(status[0].split()[0])


def test_the_next_request_reconnects_after_the_backend_was_killed(kept_connection, client, chair):
    kept_connection(health_checks=True)
    browser = Browser(client, chair)
    page = reverse("members:member_list")
    assert browser.get(page) == 200
    pid = _backend_pid()  # kept open after the request (CONN_MAX_AGE)

    _terminate(pid)

    assert browser.get(page) == 200
    assert _backend_pid() != pid

    # Why CONN_HEALTH_CHECKS is on: without it the dead connection is used once and the user sees
    # the 500 page (Django drops the connection only after the error).
    kept_connection(health_checks=False)
    assert browser.get(page) == 200
    _terminate(_backend_pid())
    assert browser.get(page) == 500
    assert browser.get(page) == 200
