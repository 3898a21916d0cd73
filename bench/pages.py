"""Pages on a big company: queries per page, and latency under concurrent load
(run by ``python -m bench pages``).

``python -m bench.pages queries`` runs inside a benchmark process (its database in
``DATABASE_URL``) and prints one JSON line per page; the rest runs in the parent: it
serves the seeded database with gunicorn and loads it with wrk on loopback.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import shutil
import socket
import statistics
import subprocess
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.environment import (
    PYTHON,
    ROOT,
    bench_env,
    employee_count,
    manage,
    print_table,
    run,
    seeded_database,
    setup_django,
)

DEMO_USER = "hr"
DEMO_PASSWORD = "demo12345"  # the published demo password (pms.org.demo.DEMO_PASSWORD)
SEARCH = "/org/people/?q=" + urllib.parse.quote("王")
LOAD_URLS = ("/healthz", "/org/people/", SEARCH, "/org/")
PAGE_SIZE = 50


def query_urls(employees: int) -> list[str]:
    deep = max(1, min(500, employees // PAGE_SIZE))
    return ["/org/people/", f"/org/people/?page={deep}", "/org/", SEARCH]


def measure_queries() -> None:
    """In-process: how many queries each page issues for a signed-in HR admin."""
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from pms.accounts.models import User
    from pms.org.models import Employee

    employees = Employee.objects.count()
    client = Client()
    client.force_login(User.objects.get(username=DEMO_USER))
    for url in query_urls(employees):
        client.get(url)  # warm caches (content types, translations, templates)
        with CaptureQueriesContext(connection) as context:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
        print(
            json.dumps(
                {
                    "employees": employees,
                    "url": url,
                    "status": response.status_code,
                    "queries": len(context.captured_queries),
                    "ms": round(elapsed * 1000, 1),
                }
            )
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz")


def sign_in(base: str, username: str = DEMO_USER) -> str:
    """Sign in through the login form; the Cookie header of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/accounts/login/") as response:
        page = response.read().decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if match is None:
        raise RuntimeError("no CSRF token on the login form")
    form = urllib.parse.urlencode(
        {"username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": match[1]}
    ).encode()
    request = urllib.request.Request(  # noqa: S310
        base + "/accounts/login/", data=form, headers={"Referer": base + "/accounts/login/"}
    )
    with opener.open(request):
        pass
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise RuntimeError(f"signing in as {username} failed")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def warm_up(url: str, cookie: str, *, requests: int = 8) -> None:
    """A few requests before measuring, so each worker has loaded its templates and caches:
    the figures are the steady state, not a cold start."""
    for _ in range(requests):
        request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310 (loopback)
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 (loopback)
            answer.read()


def load_with_wrk(url: str, cookie: str, *, connections: int, seconds: int) -> dict[str, float]:
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(Path(__file__).with_name("percentiles.lua")),
            "-H",
            f"Cookie: {cookie}",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    return {key: float(value) for key, value in (p.split("=") for p in line.split()[1:])}


def load_with_threads(
    url: str, cookie: str, *, connections: int, requests: int
) -> dict[str, float]:
    """Fallback when wrk is missing: a fixed number of requests from a thread pool."""

    def one(_: int) -> tuple[float, int]:
        started = time.perf_counter()
        request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                response.read()
                status = response.status
        except OSError:
            status = 0
        return time.perf_counter() - started, status

    started = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        results = list(pool.map(one, range(requests)))
    cuts = statistics.quantiles([r[0] * 1000 for r in results], n=100)
    return {
        "requests": len(results),
        "p50_ms": cuts[49],
        "p95_ms": cuts[94],
        "p99_ms": cuts[98],
        "non2xx": sum(1 for _, status in results if status and status >= 300),
        "failed": sum(1 for _, status in results if status == 0),
        "seconds": time.perf_counter() - started,
    }


def measure_load(database: Path, *, connections: int, seconds: int) -> None:
    measure_load_urls(database, LOAD_URLS, connections=connections, seconds=seconds)


def measure_load_urls(
    database: Path,
    urls: tuple[str, ...],
    *,
    connections: int = 8,
    seconds: int = 10,
    username: str = DEMO_USER,
) -> None:
    """Serve ``database`` with gunicorn and load each of ``urls`` in turn."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(Path(PYTHON).with_name("gunicorn")),
            "config.wsgi",
            "--workers",
            "2",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=bench_env(database),
        cwd=ROOT,
    )
    try:
        wait_until_up(base)
        cookie = sign_in(base, username)
        rows = []
        for path in urls:
            warm_up(base + path, cookie)
            if shutil.which("wrk"):
                figures = load_with_wrk(
                    base + path, cookie, connections=connections, seconds=seconds
                )
            else:
                figures = load_with_threads(
                    base + path, cookie, connections=connections, requests=seconds * 40
                )
            rows.append(
                (
                    urllib.parse.unquote(path),
                    f"{figures['requests']:.0f}",
                    f"{figures['requests'] / figures['seconds']:.0f}",
                    f"{figures['p50_ms']:.1f}",
                    f"{figures['p95_ms']:.1f}",
                    f"{figures['p99_ms']:.1f}",
                    f"{figures['non2xx']:.0f}/{figures['failed']:.0f}",
                )
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    tool = "wrk" if shutil.which("wrk") else "thread pool (wrk not installed)"
    print_table(
        f"pages: latency with {connections} concurrent clients, {seconds} s per page, {tool}, "
        f"gunicorn 2 workers x 4 threads, signed in as {username}",
        ("page", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "non-2xx/failed"),
        rows,
    )


def main_parent(employees: int, *, connections: int, seconds: int) -> None:
    small = seeded_database(1000)
    big = seeded_database(employees)
    manage(big, "collectstatic", "--noinput", "-v", "0")
    rows = []
    for database in (small, big):
        output = run([PYTHON, "-m", "bench.pages", "queries"], database, capture=True)
        for line in output.splitlines():
            if line.startswith("{"):
                figure = json.loads(line)
                rows.append(
                    (
                        f"{figure['employees']:,}",
                        urllib.parse.unquote(figure["url"]),
                        figure["status"],
                        figure["queries"],
                        figure["ms"],
                    )
                )
    print_table(
        "pages: queries per page (in-process, signed in as hr)",
        ("employees", "page", "status", "queries", "ms"),
        rows,
    )
    print(f"(load runs on the {employee_count(big):,}-person database)")
    measure_load(big, connections=connections, seconds=seconds)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pages")
    parser.add_argument("part", nargs="?", choices=["queries"], help="internal: one database")
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if args.part == "queries":
        measure_queries()
        return
    main_parent(args.employees, connections=args.connections, seconds=args.seconds)


if __name__ == "__main__":
    main()
