"""An export on loopback for connector tests: an HTTP server in a thread (port 0) that
answers each path with what the test put there, and records the requests' headers."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pms.core.audit import Actor
from pms.goals.models import Goal, Indicator, Period
from pms.goals.tests import factories as gf
from pms.org.tests.factories import TestOrg
from pms.tracking.models import Connector
from pms.tracking.services.connectors import connector_create
from pms.tracking.tests.factories import measured_goal, monthly_indicator


@dataclass
class Answer:
    body: bytes
    status: int = 200
    content_type: str = "application/json"
    delay: float = 0.0
    location: str = ""


@dataclass
class Export:
    base: str = ""
    answers: dict[str, Answer] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def url(self, path: str = "/export") -> str:
        return self.base + path

    def json(self, data: Any, path: str = "/export", **answer: Any) -> str:
        self.answers[path] = Answer(body=json.dumps(data, ensure_ascii=False).encode(), **answer)
        return self.url(path)

    def text(self, text: str, path: str = "/export", **answer: Any) -> str:
        self.answers[path] = Answer(body=text.encode(answer.pop("encoding", "utf-8")), **answer)
        return self.url(path)


@pytest.fixture
def export() -> Iterator[Export]:
    served = Export()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            answer = served.answers.get(self.path) or Answer(b"not found", status=404)
            if answer.delay:
                time.sleep(answer.delay)
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            if answer.location:
                self.send_header("Location", served.base + answer.location)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client gave up (timeout tests)
                self.wfile.write(answer.body)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    served.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


ADMIN = Actor.system()


@pytest.fixture
def period(org: TestOrg) -> Period:
    return gf.period("2026年度")


@pytest.fixture
def revenue(org: TestOrg) -> Indicator:
    return monthly_indicator(code="SAL-REV")


@pytest.fixture
def goal(org: TestOrg, period: Period, revenue: Indicator) -> Goal:
    return measured_goal(org.employee, the_period=period, the_indicator=revenue)


def value(
    number: str | None = "E0004",
    amount: Any = 100,
    external_id: str | None = "crm-1",
    **fields: Any,
) -> dict[str, Any]:
    """One value as the export sends it, in our API's field names."""
    body: dict[str, Any] = {
        "employee_number": number,
        "indicator_code": "SAL-REV",
        "date": "2026-01-15",
        "value": amount,
        "external_id": external_id,
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def connector(url: str, **settings: Any) -> Connector:
    settings.setdefault("name", "CRM")
    return connector_create(actor=ADMIN, url=url, **settings)
