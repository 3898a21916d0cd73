"""A chat platform on loopback: an HTTP server in a thread (port 0) that records every
webhook call and answers what the test queues (200 with ``errcode`` 0 by default)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class Received:
    path: str
    query: dict[str, list[str]]
    body: Any


@dataclass
class Webhook:
    base: str = ""
    received: list[Received] = field(default_factory=list)
    answers: list[tuple[int, Any]] = field(default_factory=list)

    def url(self, path: str = "/robot/send?access_token=t0k3n") -> str:
        return self.base + path


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            parts = urlsplit(self.path)
            hook.received.append(
                Received(path=parts.path, query=parse_qs(parts.query), body=json.loads(raw))
            )
            status, answer = hook.answers.pop(0) if hook.answers else (200, {"errcode": 0})
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hook.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
