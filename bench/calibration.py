"""Calibration and results on a big company (run by ``python -m bench calibration``).

The company and its annual cycle (in the calibration phase) come from the reviews
benchmark (``bench.reviews``); this benchmark copies that database, gives every review a
score and grade (a bulk update: the scores' spread is what matters here, not their
computation, which ``bench.reviews`` measures), and reports:

- the distribution for the whole company with the real services: opening one session over
  everybody (its entries and pools), the deviation of every pool, and grading every pool
  by ranking under the forced distribution (a change row and audit entry per person moved);
- publishing the results (the cycle advancing into the results phase writes every person's
  result) and a bonus simulation over all of them, when those services exist;
- queries and in-process time of the calibration pages for a session of about 2,000
  people, and latency under concurrent load against ``/healthz`` (``bench.pages``).

``python -m bench.calibration distribute|publish|measure`` run inside a benchmark process
(database in ``DATABASE_URL``); the rest runs in the parent.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import time
from pathlib import Path
from typing import Any

from bench.environment import (
    PYTHON,
    RssSampler,
    database_path,
    manage,
    print_table,
    run,
    setup_django,
)

SESSION_SIZE = 2000
BANDS = ((90, "S"), (80, "A"), (70, "B"), (60, "C"), (0, "D"))


def _grade(score: float) -> str:
    return next(grade for floor, grade in BANDS if score >= floor)


def _cycle() -> Any:
    from pms.reviews.models import Cycle

    return Cycle.objects.get(default_template__code="bench")


def _hr() -> Any:
    from pms.accounts.models import User

    return User.objects.get(username="hr")


def _timed(label: str, work: Any) -> tuple[Any, dict[str, Any]]:
    with RssSampler() as sampler:
        started = time.perf_counter()
        value = work()
        seconds = time.perf_counter() - started
    return value, {
        "step": label,
        "seconds": round(seconds, 2),
        "memory_mb": round(sampler.peak_mb - sampler.start_mb, 1),
    }


def distribute() -> None:
    """Scores for everybody, then one company-wide session: open, deviations, ranking."""
    setup_django()
    from django.db import connection, transaction

    from pms.calibration.distribution import deviations_of_session
    from pms.calibration.models import CalibrationEntry, CalibrationSession
    from pms.calibration.services.entries import pool_rank_apply
    from pms.calibration.services.sessions import session_create, session_open
    from pms.core.audit import Actor
    from pms.org.models import Department
    from pms.reviews.models import Review

    cycle = _cycle()
    rng = random.Random("calibration:1")
    with transaction.atomic(), connection.cursor() as cursor:
        rows = []
        for pk in Review.objects.filter(cycle=cycle).values_list("pk", flat=True):
            score = max(30.0, min(110.0, rng.gauss(76, 9)))
            rows.append((f"{score:.2f}", _grade(score), pk))
        cursor.executemany("UPDATE reviews_review SET score = %s, grade = %s WHERE id = %s", rows)
    CalibrationSession.objects.filter(cycle=cycle).delete()
    hr = _hr()
    actor = Actor(hr)
    root = Department.objects.filter(parent__isnull=True).order_by("pk").get()
    session = session_create(
        actor=actor,
        cycle=cycle,
        name="全公司校准（基准）",
        departments=[root],
        subtree=True,
        role_family=None,
        facilitator=hr,
        allowed_departments=Department.objects.all(),
    )
    figures = []
    report, figure = _timed(
        "open a session over everybody", lambda: session_open(actor=actor, session=session)
    )
    figures.append({**figure, "people": report.added})
    deviations, figure = _timed("deviation of every pool", lambda: deviations_of_session(session))
    figures.append(
        {
            **figure,
            "people": sum(d.deviation.headcount for d in deviations),
            "pools": len(deviations),
        }
    )

    def rank_all() -> int:
        moved = 0
        for pool in deviations:
            moved += len(
                pool_rank_apply(
                    actor=actor, session=session, pool=pool.key, reason="基准：按排名强制分布"
                )
            )
        return moved

    moved, figure = _timed("grade every pool by ranking", rank_all)
    figures.append({**figure, "people": report.added, "pools": len(deviations), "moved": moved})
    for row in figures:
        print(json.dumps({"figure": "distribution", **row}))
    # leave the people free for the page benchmark's session
    CalibrationEntry.objects.filter(session=session).delete()
    session.delete()


def measure() -> None:
    """A session of about 2,000 people; queries and time of its pages (second request)."""
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.goals import _department_near
    from pms.calibration.models import CalibrationEntry, CalibrationSession
    from pms.calibration.services.sessions import session_create, session_open
    from pms.core.audit import Actor
    from pms.org.models import Department

    cycle = _cycle()
    hr = _hr()
    actor = Actor(hr)
    department, size = _department_near(SESSION_SIZE)
    CalibrationSession.objects.filter(cycle=cycle, name="部门校准（基准）").delete()
    session = session_create(
        actor=actor,
        cycle=cycle,
        name="部门校准（基准）",
        departments=[department],
        subtree=True,
        role_family=None,
        facilitator=hr,
        allowed_departments=Department.objects.all(),
    )
    report = session_open(actor=actor, session=session)
    entry = CalibrationEntry.objects.filter(session=session).order_by("pk").first()
    print(
        json.dumps(
            {
                "figure": "subjects",
                "session": str(session.uuid),
                "people": report.added,
                "department_size": size,
                "entry": str(entry.uuid) if entry else "",
            }
        )
    )
    client = Client()
    client.force_login(hr)
    for url in _pages(session, entry):
        client.get(url)
        with CaptureQueriesContext(connection) as context:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
        print(
            json.dumps(
                {
                    "figure": "page",
                    "url": url,
                    "status": response.status_code,
                    "queries": len(context.captured_queries),
                    "ms": round(elapsed * 1000, 1),
                }
            )
        )


def _pages(session: Any, entry: Any) -> list[str]:
    from django.urls import NoReverseMatch, reverse

    urls = []
    for name, args in (
        ("calibration:session_detail", [session.uuid]),
        ("calibration:session_grid", [session.uuid]),
        ("calibration:session_ninebox", [session.uuid]),
        ("calibration:session_signals", [session.uuid]),
        ("calibration:entry_detail", [entry.uuid] if entry else None),
    ):
        if args is None:
            continue
        try:
            urls.append(reverse(name, args=args))
        except NoReverseMatch:
            continue
    return urls


# --- the parent ------------------------------------------------------------------------------


def calibration_database(employees: int) -> Path:
    from bench.reviews import reviews_database

    path = database_path(f"calibration-{employees}")
    source = reviews_database(employees)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(source) as origin, sqlite3.connect(path) as copy:
        origin.backup(copy)
    manage(path, "migrate", "--noinput", "-v", "0")
    return path


def _figures(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def main_parent(employees: int, *, connections: int = 8, seconds: int = 10) -> None:
    database = calibration_database(employees)
    manage(database, "collectstatic", "--noinput", "-v", "0")
    figures = _figures(
        run([PYTHON, "-m", "bench.calibration", "distribute"], database, capture=True)
    )
    print_table(
        "calibration: the distribution for the whole company (services, in-process)",
        ("step", "people", "pools", "moved", "seconds", "memory MB"),
        [
            (
                f["step"],
                f.get("people", ""),
                f.get("pools", ""),
                f.get("moved", ""),
                f["seconds"],
                f["memory_mb"],
            )
            for f in figures
            if f["figure"] == "distribution"
        ],
    )
    figures = _figures(run([PYTHON, "-m", "bench.calibration", "measure"], database, capture=True))
    subjects = next(f for f in figures if f["figure"] == "subjects")
    print(json.dumps(subjects))
    print_table(
        "calibration: queries per page, a session of about 2,000 people (second request)",
        ("page", "status", "queries", "ms"),
        [(f["url"], f["status"], f["queries"], f["ms"]) for f in figures if f["figure"] == "page"],
    )
    from bench.pages import measure_load_urls

    pages = tuple(f["url"] for f in figures if f["figure"] == "page")
    measure_load_urls(database, ("/healthz", *pages[:2]), connections=connections, seconds=seconds)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.calibration")
    parser.add_argument("part", nargs="?", choices=["distribute", "measure"])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if args.part == "distribute":
        distribute()
    elif args.part == "measure":
        measure()
    else:
        main_parent(args.employees, connections=args.connections, seconds=args.seconds)


if __name__ == "__main__":
    main()
