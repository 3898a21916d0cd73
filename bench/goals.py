"""Goals on a big company (run by ``python -m bench goals``).

- seeding N people with ten goals each (time, memory);
- queries and in-process time of the alignment tree for a department of about 2,000
  people, the manager's team goal page and the goals list;
- applying a template to 10,000 people (time);
- the goals list at Horilla's shape (126 employees, 1,200 goals): queries;
- latency of the alignment and team pages under concurrent load, against ``/healthz``.

``python -m bench.goals seed|measure`` run inside a benchmark process (database in
``DATABASE_URL``); the rest runs in the parent.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from pms.org.models import Department

GOALS_PER_PERSON = 10
TREE_DEPARTMENT_SIZE = 2000
TEMPLATE_PEOPLE = 10_000
HORILLA_EMPLOYEES = 126
HORILLA_GOALS_PER_PERSON = 10  # 1,260 goals, Horilla's sample has about 1,200


def goal_count(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path) as connection:
            row = connection.execute("SELECT count(*) FROM goals_goal").fetchone()
    except sqlite3.Error:
        return 0
    return int(row[0])


def seed(employees: int, goals_per_person: int) -> None:
    """In-process: the demo company without goals, then goals in bulk."""
    setup_django()
    from pms.goals.demo import seed_goals_demo
    from pms.org.demo import seed_demo

    started = time.perf_counter()
    org = seed_demo(employees=employees, seed=1)
    org_seconds = time.perf_counter() - started
    with RssSampler() as rss:
        summary = seed_goals_demo(seed=1, goals_per_person=goals_per_person)
    print(
        json.dumps(
            {
                "figure": "seed",
                "employees": org.employees,
                "org_seconds": round(org_seconds, 1),
                "goals": summary.goals,
                "scorecards": summary.scorecards,
                "goal_seconds": round(summary.seconds, 1),
                "rss_mb": round(rss.peak_mb - rss.start_mb),
            }
        )
    )


def goals_database(employees: int, goals_per_person: int) -> Path:
    name = f"goals-{employees}x{goals_per_person}"
    path = database_path(name)
    if goal_count(path) == 0:
        fresh_database(name)
        run(
            [
                PYTHON,
                "-m",
                "bench.goals",
                "seed",
                "--employees",
                str(employees),
                "--goals",
                str(goals_per_person),
            ],
            path,
        )
    return path


def _department_near(size: int) -> tuple[Department, int]:
    """The department whose subtree headcount is closest to ``size``."""
    from collections import Counter

    from pms.org.models import Department, Employee

    paths = dict(Department.objects.values_list("id", "path"))
    direct = Counter(Employee.objects.values_list("department_id", flat=True))
    totals: Counter[int] = Counter()
    for department_id, count in direct.items():
        for part in paths[department_id].strip("/").split("/"):
            totals[int(part)] += count
    best = min(totals, key=lambda pk: abs(totals[pk] - size))
    return Department.objects.get(pk=best), totals[best]


def measure(template_people: int) -> None:
    """In-process: queries and time of the goal pages, and a template applied in bulk."""
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from pms.accounts.models import User
    from pms.goals.models import Goal, GoalLevel
    from pms.org.models import Employee

    department, size = _department_near(TREE_DEPARTMENT_SIZE)
    goals = Goal.objects.count()
    people = Employee.objects.count()
    hr = Client()
    hr.force_login(User.objects.get(username="hr"))
    # the head of the ~2,000-person department: the largest team page of the benchmark
    head = department.head
    boss = Client()
    if head is not None and head.user is not None:
        boss.force_login(head.user)
        print(json.dumps({"figure": "manager", "username": head.user.username}))
    a_goal = (
        Goal.objects.filter(level=GoalLevel.DEPARTMENT, department=department).first()
        or Goal.objects.filter(level=GoalLevel.COMPANY).first()
    )
    print(json.dumps({"figure": "department", "uuid": str(department.uuid), "size": size}))
    pages = [
        ("hr", hr, "/goals/alignment/"),
        ("hr", hr, f"/goals/alignment/?department={department.uuid}"),
        ("hr", hr, "/goals/list/"),
        ("hr", hr, "/goals/status/"),
        ("hr", hr, "/goals/strategy/"),
        ("head", boss, "/goals/team/"),
        ("head", boss, "/goals/my/"),
    ]
    if a_goal is not None:
        pages.append(("hr", hr, f"/goals/alignment/goals/{a_goal.uuid}/children/"))
    for who, client, url in pages:
        client.get(url)
        with CaptureQueriesContext(connection) as context:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
        print(
            json.dumps(
                {
                    "figure": "page",
                    "people": people,
                    "goals": goals,
                    "department_size": size,
                    "who": who,
                    "url": url,
                    "status": response.status_code,
                    "queries": len(context.captured_queries),
                    "ms": round(elapsed * 1000, 1),
                }
            )
        )
    _measure_template(template_people)


def _measure_template(people_count: int) -> None:
    """A template applied to the ``people_count`` people of the department closest to that
    size, for a new period (so every one of them gets a new scorecard)."""
    if people_count <= 0:
        return
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pms.core.audit import Actor
    from pms.goals.models import (
        GoalKind,
        Period,
        PeriodKind,
        Scorecard,
        ScorecardTemplate,
        TemplateRun,
    )
    from pms.goals.services.periods import period_create
    from pms.goals.services.templates import (
        template_create,
        template_item_add,
        template_run_now,
    )
    from pms.org.models import Employee

    department, size = _department_near(people_count)
    actor = Actor.system()
    stamp = f"{time.time():.0f}"
    period = period_create(
        actor=actor,
        name=f"bench-{stamp}",
        kind=PeriodKind.CUSTOM,
        start=Period.objects.order_by("start").first().start,  # type: ignore[union-attr]
        end=Period.objects.order_by("-end").first().end,  # type: ignore[union-attr]
    )
    template = template_create(actor=actor, name=f"bench-{stamp}")
    for index in range(GOALS_PER_PERSON):
        template_item_add(
            actor=actor,
            template=template,
            title=f"基准指标{index + 1}",
            weight=Decimal(100 // GOALS_PER_PERSON),
            kind=GoalKind.KPI,
            metric=f"指标{index + 1}",
            unit="%",
            target=Decimal(95),
        )
    with CaptureQueriesContext(connection) as context:
        connection.force_debug_cursor = True
        started = time.perf_counter()
        run = template_run_now(
            actor=actor,
            template=template,
            period=period,
            people_in_scope=Employee.objects.all(),
            department=department,
        )
        seconds = time.perf_counter() - started
    # leave the database as it was, so the next run measures the same company
    Scorecard.objects.filter(period=period).delete()
    TemplateRun.objects.filter(period=period).delete()
    ScorecardTemplate.objects.filter(pk=template.pk).delete()
    period.delete()
    print(
        json.dumps(
            {
                "figure": "template",
                "people": run.total,
                "department_size": size,
                "created": run.created,
                "status": run.status,
                "goals": run.created * GOALS_PER_PERSON,
                "seconds": round(seconds, 2),
                "queries": len(context.captured_queries),
            }
        )
    )


def main_parent(employees: int) -> None:
    big = goals_database(employees, GOALS_PER_PERSON)
    small = goals_database(HORILLA_EMPLOYEES, HORILLA_GOALS_PER_PERSON)
    for database in (big, small):  # a database seeded by an earlier version
        manage(database, "migrate", "--noinput", "-v", "0")
    manage(big, "collectstatic", "--noinput", "-v", "0")
    rows: list[tuple[object, ...]] = []
    template_rows: list[tuple[object, ...]] = []
    manager = ""
    department = ""
    for database, template_people in ((small, 0), (big, TEMPLATE_PEOPLE)):
        output = run(
            [PYTHON, "-m", "bench.goals", "measure", "--template-people", str(template_people)],
            database,
            capture=True,
        )
        for line in output.splitlines():
            if not line.startswith("{"):
                continue
            figure = json.loads(line)
            if figure["figure"] == "manager" and database == big:
                manager = figure["username"]
            elif figure["figure"] == "department" and database == big:
                department = figure["uuid"]
            elif figure["figure"] == "page":
                rows.append(
                    (
                        f"{figure['people']:,}",
                        f"{figure['goals']:,}",
                        figure["who"],
                        figure["url"],
                        figure["status"],
                        figure["queries"],
                        figure["ms"],
                    )
                )
            elif figure["figure"] == "template" and figure.get("people"):
                template_rows.append(
                    (
                        f"{figure['people']:,}",
                        f"{figure['seconds']:.1f} s",
                        f"{figure['people'] / max(figure['seconds'], 0.001):,.0f}/s",
                        figure["goals"],
                        f"{figure['queries']:,}",
                    )
                )
    print_table(
        "goals: queries per page (in-process)",
        ("people", "goals", "as", "page", "status", "queries", "ms"),
        rows,
    )
    print_table(
        "goals: a template applied to a group as one background run (new period, SQLite)",
        ("people", "time", "rate", "goals written", "queries"),
        template_rows,
    )
    from bench.pages import measure_load_urls

    measure_load_urls(
        big,
        (
            "/healthz",
            "/goals/alignment/",
            f"/goals/alignment/?department={department}",
            "/goals/list/",
            "/goals/status/",
        ),
    )
    if manager:
        measure_load_urls(big, ("/healthz", "/goals/team/", "/goals/my/"), username=manager)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.goals")
    parser.add_argument("part", nargs="?", choices=["seed", "measure"])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--goals", type=int, default=GOALS_PER_PERSON)
    parser.add_argument("--template-people", type=int, default=TEMPLATE_PEOPLE)
    args = parser.parse_args()
    if args.part == "seed":
        seed(args.employees, args.goals)
    elif args.part == "measure":
        measure(args.template_people)
    else:
        main_parent(args.employees)


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as exc:
        raise SystemExit(exc.returncode) from exc
