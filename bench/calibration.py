"""Calibration and results on a big company (run by ``python -m bench calibration``).

The company comes from the seed benchmark (``seed_demo``: N people with departments, managers
and the demo logins); this benchmark adds, by raw bulk inserts, an annual cycle in its
calibration phase in which everybody has a review with a score and grade and a current
result edition (the scores' spread is what matters here, not their computation, which
``bench.reviews`` measures), and reports:

- the distribution for the whole company with the real services: opening one session over
  everybody (its entries and pools), the deviation of every pool, and grading every pool
  by ranking under the forced distribution (a change row and audit entry per person moved);
- publishing the results (the cycle advancing into the results phase; the worker job that
  writes every person's result, run in-process) and a bonus plan over all of them: lines
  created, a pool shared by coefficient, and the simulation's totals;
- queries and in-process time of the calibration pages for a session of about 2,000
  people, and latency under concurrent load against ``/healthz`` (``bench.pages``).

``python -m bench.calibration seed|distribute|measure|publish`` run inside a benchmark process
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
    fresh_database,
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


def seed() -> None:
    """An annual cycle in calibration with a scored review for everybody (raw inserts)."""
    setup_django()
    import datetime as dt
    import uuid

    from django.db import connection, transaction

    from pms.org.models import Employee
    from pms.reviews.models import (
        Cycle,
        CycleKind,
        CyclePhase,
        CycleStatus,
        Phase,
        PhaseStatus,
        ReviewTemplate,
        TemplateStatus,
    )

    started = time.perf_counter()
    rng = random.Random("calibration:1")
    template = ReviewTemplate.objects.create(
        code="bench",
        name="年度考核模板",
        status=TemplateStatus.ACTIVE,
        rater_weights={"manager": 70, "self": 30},
        rater_types=["self", "manager"],
    )
    start, end = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    cycle = Cycle.objects.create(
        name="2026年度考核（基准）",
        kind=CycleKind.ANNUAL,
        start=start,
        end=end,
        status=CycleStatus.RUNNING,
        phase=Phase.CALIBRATION,
        default_template=template,
    )
    for index, code in enumerate(Phase.values):
        CyclePhase.objects.create(
            cycle=cycle,
            phase=code,
            status=PhaseStatus.CLOSED if code != Phase.CALIBRATION else PhaseStatus.OPEN,
            deadline=end + dt.timedelta(days=7 * (index + 1)),
        )
    people = list(
        Employee.objects.order_by("pk").values_list(
            "pk", "department_id", "position_id", "manager_id"
        )
    )
    now = connection.ops.adapt_datetimefield_value(dt.datetime.now(dt.UTC))
    review_sql = (
        "INSERT INTO reviews_review (uuid, created_at, updated_at, cycle_id, employee_id, "
        "department_id, position_id, role_family_id, manager_id, template_id, scorecard_id, "
        "status, note, score, grade, peers_approved_at, peers_sent_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, NULL, %s, %s, NULL, 'complete', '', %s, %s, "
        "NULL, NULL)"
    )
    result_sql = (
        "INSERT INTO reviews_reviewresult (uuid, created_at, updated_at, review_id, kind, "
        "version, is_current, score, grade, complete, explanation, inputs, rule_version, "
        "frozen, reason, computed_by_id) "
        "VALUES (%s, %s, %s, %s, 'review', 1, %s, %s, %s, %s, %s, '{}', '1', %s, '', NULL)"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        rows = []
        for pk, department, position, manager in people:
            score = max(30.0, min(110.0, rng.gauss(76, 9)))
            rows.append(
                (
                    uuid.uuid4().hex,
                    now,
                    now,
                    cycle.pk,
                    pk,
                    department,
                    position,
                    manager,
                    template.pk,
                    f"{score:.2f}",
                    _grade(score),
                )
            )
        cursor.executemany(review_sql, rows)
        cursor.execute(
            "SELECT id, score, grade FROM reviews_review WHERE cycle_id = %s", [cycle.pk]
        )
        results = []
        for review_id, score, grade in cursor.fetchall():
            own = float(score) + rng.gauss(3, 6)
            explanation = json.dumps(
                {
                    "sections": [
                        {
                            "kind": "competencies",
                            "types": [
                                {"type": "self", "mean": f"{own:.2f}", "count": 1},
                                {"type": "manager", "mean": f"{float(score):.2f}", "count": 1},
                            ],
                        }
                    ]
                }
            )
            results.append(
                (uuid.uuid4().hex, now, now, review_id, True, score, grade, True, explanation, True)
            )
        cursor.executemany(result_sql, results)
    print(
        json.dumps(
            {
                "figure": "seed",
                "reviews": len(people),
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    )


def distribute() -> None:
    """One company-wide session: open, deviations, ranking."""
    setup_django()
    from django.urls import reverse

    from pms.calibration.distribution import deviations_of_session
    from pms.calibration.models import CalibrationEntry, CalibrationSession
    from pms.calibration.services.entries import pool_rank_apply
    from pms.calibration.services.sessions import session_create, session_open
    from pms.core.audit import Actor
    from pms.org.models import Department

    reverse("core:home")  # load the URL configuration now, not inside the first timed step
    cycle = _cycle()
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


def publish() -> None:
    """Publish the results of everybody (the cycle moves into its results phase; the worker
    job's body writes the results in-process), then a bonus plan over all of them:
    created, computed by each method, and its simulation (totals by department and grade)."""
    setup_django()
    from decimal import Decimal

    from django.urls import reverse

    from pms.calibration.models import CalibrationSession, SessionStatus
    from pms.calibration.services.sessions import session_close
    from pms.core.audit import Actor
    from pms.org.roles import principal_for
    from pms.outcomes.models import BonusMethod, PerformanceResult
    from pms.outcomes.selectors.pay import bonus_simulation
    from pms.outcomes.services.bonus import bonus_plan_compute, bonus_plan_create
    from pms.outcomes.services.release import results_write_execute
    from pms.reviews.services.phases import cycle_advance

    reverse("core:home")
    cycle = _cycle()
    hr = _hr()
    actor = Actor(hr)
    for session in CalibrationSession.objects.filter(cycle=cycle, status=SessionStatus.OPEN):
        session_close(actor=actor, session=session, reason="基准：关闭校准会以发布结果")
    cycle.refresh_from_db()
    figures = []
    moved, figure = _timed(
        "open the results phase", lambda: cycle_advance(actor=actor, cycle=cycle)
    )
    figures.append(figure)
    release = moved.release

    def write() -> int:
        assert release.published_at is not None  # noqa: S101
        return results_write_execute(
            cycle_id=cycle.pk,
            published_at=release.published_at,
            ack_deadline=release.confirm_by or release.published_at.date(),
        )

    _written, figure = _timed("write every result and tell everybody (worker job)", write)
    people = PerformanceResult.objects.filter(cycle=cycle).count()
    figures.append({**figure, "people": people})
    plan, figure = _timed(
        "create a bonus plan (a line per result)",
        lambda: bonus_plan_create(
            actor=actor,
            cycle=cycle,
            name="年度奖金（基准）",
            method=BonusMethod.POOL,
            pool=Decimal("500000000.00"),
            weigh_by_base=False,
        ),
    )
    figures.append({**figure, "people": people})
    _plan, figure = _timed(
        "compute: a pool shared by coefficient", lambda: bonus_plan_compute(actor=actor, plan=plan)
    )
    figures.append({**figure, "people": people})
    grades = ["S", "A", "B", "C", "D"]
    principal = principal_for(hr)
    _simulation, figure = _timed(
        "simulation: totals by department and grade",
        lambda: bonus_simulation(principal, plan, grades),
    )
    figures.append({**figure, "people": people})
    for row in figures:
        print(json.dumps({"figure": "publish", **row}))


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
        ("calibration:session", [session.uuid]),
        ("calibration:grid", [session.uuid]),
        ("calibration:nine_box", [session.uuid]),
        ("calibration:signals", [session.uuid]),
        ("calibration:entry", [entry.uuid] if entry else None),
    ):
        if args is None:
            continue
        try:
            urls.append(reverse(name, args=args))
        except NoReverseMatch:
            continue
    return urls


# --- the parent ------------------------------------------------------------------------------


def _company(employees: int) -> Path:
    """The seeded company alone, kept between runs (seeding takes minutes)."""
    path = database_path(f"company-{employees}")
    if path.exists():
        try:
            with sqlite3.connect(path) as connection:
                (count,) = connection.execute("SELECT count(*) FROM org_employee").fetchone()
            if count >= employees:
                return path
        except sqlite3.Error:
            pass
    path = fresh_database(f"company-{employees}")
    run([PYTHON, "-m", "bench.seed", "--employees", str(employees)], path)
    return path


def calibration_database(employees: int) -> Path:
    source = _company(employees)
    path = database_path(f"calibration-{employees}")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(source) as origin, sqlite3.connect(path) as copy:
        origin.backup(copy)
    manage(path, "migrate", "--noinput", "-v", "0")
    for figure in _figures(run([PYTHON, "-m", "bench.calibration", "seed"], path, capture=True)):
        print(json.dumps(figure))
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

    urls = tuple(str(f["url"]) for f in figures if f["figure"] == "page")
    measure_load_urls(database, ("/healthz", *urls[:2]), connections=connections, seconds=seconds)
    # last: publishing moves the cycle on (the session above is closed first)
    figures = _figures(run([PYTHON, "-m", "bench.calibration", "publish"], database, capture=True))
    print_table(
        "results: publish everybody's result and a bonus simulation (services, in-process)",
        ("step", "people", "seconds", "memory MB"),
        [
            (f["step"], f.get("people", ""), f["seconds"], f["memory_mb"])
            for f in figures
            if f["figure"] == "publish"
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.calibration")
    parser.add_argument("part", nargs="?", choices=["seed", "distribute", "measure", "publish"])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if args.part == "seed":
        seed()
    elif args.part == "distribute":
        distribute()
    elif args.part == "measure":
        measure()
    elif args.part == "publish":
        publish()
    else:
        main_parent(args.employees, connections=args.connections, seconds=args.seconds)


if __name__ == "__main__":
    main()
