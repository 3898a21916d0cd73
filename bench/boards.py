"""Progress boards on a big company (run by ``python -m bench boards``).

The company and its goals come from the goals benchmark (``bench.goals``: N people with
ten goals each, on this year's annual period); this benchmark copies that database and
adds, by raw bulk inserts:

- a value for every measured individual and department goal for every month of the year
  that has ended (monthly actuals, as an upload would leave them);
- a ``GoalProgress`` row for every measured goal. The figures are filled directly from
  the same per-goal pace that generated the values (computing the pace of a million goals
  one by one in Python would take far longer than the boards take to read them), and
  ``pms.tracking.services.progress.progress_recompute`` is then run on a sample of goals
  to replace their rows with real computations (how many kept their status is printed).

Then it reports queries and in-process time of each board, and latency under concurrent
load against ``/healthz`` (gunicorn, wrk or a thread pool: ``bench.pages``):

- the team board of a manager with about 10 direct reports;
- the team board (with indirect reports) of a manager with about 2,000 people below;
- the department board of a department of about 2,000 people, and of the whole company;
- the company board.

``python -m bench.boards seed|measure`` run inside a benchmark process (database in
``DATABASE_URL``); the rest runs in the parent.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.environment import (
    PYTHON,
    database_path,
    manage,
    print_table,
    run,
    setup_django,
)
from bench.goals import GOALS_PER_PERSON, goals_database

SMALL_TEAM = 10
BIG_TEAM = 2000
DEPARTMENT_SIZE = 2000
SAMPLE = 2000  # goals whose progress is recomputed by the real service
CHUNK = 200_000
NO_VALUES_SHARE = 0.03


def progress_count(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path) as connection:
            row = connection.execute("SELECT count(*) FROM tracking_goalprogress").fetchone()
    except sqlite3.Error:
        return 0
    return int(row[0])


# --- seeding (in the benchmark process) ------------------------------------------------------


def _pace_factor(rng: random.Random) -> float:
    """How fast a goal moves against what is expected: most near 1, a tail behind."""
    return max(0.2, min(1.6, rng.gauss(1.0, 0.18)))


def _status(factor: float) -> str:
    if factor >= 0.95:
        return "on_track"
    if factor >= 0.80:
        return "at_risk"
    return "off_track"


def _months(start: dt.date, today: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The calendar months of the period that have ended by ``today``."""
    spans = []
    year, month = start.year, start.month
    while True:
        first = dt.date(year, month, 1)
        following = dt.date(year + (month == 12), month % 12 + 1, 1)
        last = following - dt.timedelta(days=1)
        if last >= today:
            break
        spans.append((first, last))
        year, month = following.year, following.month
    return spans


def _insert_sql(table: str, columns: list[str]) -> str:
    marks = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608


def seed(today: dt.date) -> None:
    """Monthly actuals and progress for every measured goal of the annual period."""
    setup_django()
    from django.db import connection, transaction

    from pms.goals.models import Goal, GoalKind, GoalLevel, Period, PeriodKind
    from pms.tracking.models import Actual, GoalProgress
    from pms.tracking.series import series_key

    started = time.perf_counter()
    rng = random.Random("boards:1")
    period = Period.objects.filter(kind=PeriodKind.YEAR).order_by("-start").first()
    assert period is not None, "seed the goals benchmark first"  # noqa: S101
    total_days = (period.end - period.start).days + 1
    elapsed_days = max(0, min(total_days, (today - period.start).days + 1))
    elapsed = elapsed_days / total_days
    months = _months(period.start, today)
    goals = list(
        Goal.objects.filter(
            period=period,
            is_active=True,
            kind__in=[GoalKind.KPI, GoalKind.KEY_RESULT],
            level__in=[GoalLevel.INDIVIDUAL, GoalLevel.DEPARTMENT],
        )
        .exclude(target__isnull=True)
        .values_list(
            "pk",
            "level",
            "employee_id",
            "department_id",
            "indicator_id",
            "target",
            "direction",
            "indicator__aggregation",
        )
        .order_by("pk")
    )
    now = connection.ops.adapt_datetimefield_value(dt.datetime.now(dt.UTC))
    actual_table = Actual._meta.db_table
    progress_table = GoalProgress._meta.db_table
    actual_columns = [str(f.column) for f in Actual._meta.concrete_fields if f.column != "id"]
    progress_columns = [
        str(f.column) for f in GoalProgress._meta.concrete_fields if f.column != "id"
    ]
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.execute("PRAGMA cache_size = -400000")
        # the actual table's indexes are rebuilt once at the end: far faster than keeping
        # a dozen b-trees in order through ten million inserts
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
            "AND sql IS NOT NULL",
            [actual_table],
        )
        indexes = list(cursor.fetchall())
        for name, _sql in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    quote = connection.ops.quote_name
    # table and column names from the models, values as parameters
    actual_sql = _insert_sql(quote(actual_table), [quote(c) for c in actual_columns])
    progress_sql = _insert_sql(quote(progress_table), [quote(c) for c in progress_columns])
    actual_rows: list[tuple[Any, ...]] = []
    progress_rows: list[tuple[Any, ...]] = []
    goal_progress: list[tuple[float | None, int]] = []
    counter = {"actuals": 0, "progress": 0, "serial": 0}
    seen: set[str] = set()

    def flush() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            if actual_rows:
                cursor.executemany(actual_sql, actual_rows)
            if progress_rows:
                cursor.executemany(progress_sql, progress_rows)
            if goal_progress:
                cursor.executemany(
                    'UPDATE "goals_goal" SET "progress" = %s WHERE "id" = %s', goal_progress
                )
        counter["actuals"] += len(actual_rows)
        counter["progress"] += len(progress_rows)
        actual_rows.clear()
        progress_rows.clear()
        goal_progress.clear()

    def uuid() -> str:
        counter["serial"] += 1
        return f"b0a4d5{counter['serial']:026x}"

    for pk, level, employee_id, department_id, indicator_id, target, direction, agg in goals:
        individual = level == GoalLevel.INDIVIDUAL
        aggregation = agg or "latest"
        factor = _pace_factor(rng)
        silent = rng.random() < NO_VALUES_SHARE or not months
        expected = elapsed * 100 if aggregation == "sum" else 100.0
        target_f = float(target or 1) or 1.0
        kept_months = 0
        last_value_on = None
        if not silent:
            for start, end in months:
                key = series_key(
                    indicator_id=indicator_id,
                    goal_id=None if indicator_id else pk,
                    employee_id=employee_id if individual else None,
                    department_id=None if individual else department_id,
                    start=start,
                    end=end,
                )
                if key in seen:  # the same indicator twice for one person: one series
                    continue
                seen.add(key)
                if aggregation == "sum":
                    level_value = target_f * factor / 12
                elif direction == "lower":
                    level_value = target_f / factor
                else:
                    level_value = target_f * factor
                value = round(level_value * rng.uniform(0.9, 1.1), 2)
                row = {
                    "uuid": uuid(),
                    "created_at": now,
                    "updated_at": now,
                    "series": key,
                    "indicator_id": indicator_id,
                    "goal_id": None if indicator_id else pk,
                    "employee_id": employee_id if individual else None,
                    "department_id": None if individual else department_id,
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "value": str(value),
                    "version": 1,
                    "is_current": True,
                    "replaced_at": None,
                    "source": "excel",
                    "source_name": "",
                    "external_id": "",
                    "batch_id": None,
                    "entered_by_id": None,
                    "note": "",
                    "evidence_url": "",
                    "evidence": "",
                    "reason": "",
                }
                actual_rows.append(tuple(row.get(c) for c in actual_columns))
                kept_months += 1
                last_value_on = end
        if silent or not kept_months:
            status, attainment, forecast = "no_data", None, None
        else:
            status = _status(factor)
            attainment = round(min(150.0, expected * factor), 2)
            forecast = round(min(200.0, factor * 100), 2)
        progress = {
            "uuid": uuid(),
            "created_at": now,
            "updated_at": now,
            "goal_id": pk,
            "period_id": period.pk,
            "employee_id": employee_id if individual else None,
            "department_id": None if individual else department_id,
            "status": status,
            "actual": None if attainment is None else str(round(target_f * attainment / 100, 4)),
            "attainment": None if attainment is None else str(attainment),
            "expected": str(round(expected, 2)),
            "forecast": None if forecast is None else str(forecast),
            "forecast_low": None if forecast is None else str(round(forecast * 0.9, 2)),
            "forecast_high": None if forecast is None else str(round(forecast * 1.1, 2)),
            "values": kept_months,
            "last_value_on": last_value_on.isoformat() if last_value_on else None,
            "as_of": today.isoformat(),
            "explanation": json.dumps({"bench": "filled directly by bench.boards"}),
        }
        progress_rows.append(tuple(progress.get(c) for c in progress_columns))
        goal_progress.append((attainment, pk))
        if len(actual_rows) >= CHUNK:
            flush()
    flush()
    # the company's strategy: the average attainment of the goals aligned below, roughly
    company = list(
        Goal.objects.filter(period=period, level=GoalLevel.COMPANY).values_list("pk", flat=True)
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            'UPDATE "goals_goal" SET "progress" = %s WHERE "id" = %s',
            [(round(elapsed * 100 * _pace_factor(rng), 2), pk) for pk in company],
        )
    insert_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        for _name, sql in indexes:
            cursor.execute(sql)
        cursor.execute("ANALYZE")
    index_seconds = time.perf_counter() - started - insert_seconds
    agreement = _recompute_sample(today)
    print(
        json.dumps(
            {
                "figure": "seed",
                "goals": len(goals),
                "actuals": counter["actuals"],
                "progress": counter["progress"],
                "months": len(months),
                "insert_seconds": round(insert_seconds, 1),
                "index_seconds": round(index_seconds, 1),
                **agreement,
            }
        )
    )


def _recompute_sample(today: dt.date) -> dict[str, Any]:
    """Replace a sample of the filled rows by the real computation; how many agree."""
    from pms.tracking.models import GoalProgress
    from pms.tracking.services.progress import progress_recompute

    ids = list(
        GoalProgress.objects.filter(employee__isnull=False)
        .order_by("?")
        .values_list("goal_id", flat=True)[:SAMPLE]
    )
    before = dict(GoalProgress.objects.filter(goal_id__in=ids).values_list("goal_id", "status"))
    started = time.perf_counter()
    progress_recompute(goal_ids=ids, as_of=today)
    seconds = time.perf_counter() - started
    after = dict(GoalProgress.objects.filter(goal_id__in=ids).values_list("goal_id", "status"))
    same = sum(1 for pk, status in before.items() if after.get(pk) == status)
    return {
        "recomputed": len(ids),
        "recompute_seconds": round(seconds, 2),
        "same_status": same,
        "recomputed_statuses": dict(Counter(after.values())),
    }


# --- measuring (in the benchmark process) --------------------------------------------------


def _manager_with_reports(size: int, *, indirect: bool) -> tuple[Any, int]:
    """The manager whose team (direct, or everyone below) is closest to ``size``."""
    from pms.org.models import CURRENT_STATUSES, Employee

    counts: Counter[int] = Counter()
    rows = Employee.objects.filter(status__in=CURRENT_STATUSES)
    if indirect:
        for path in rows.values_list("report_path", flat=True):
            for part in path.strip("/").split("/")[:-1]:
                counts[int(part)] += 1
    else:
        counts.update(rows.exclude(manager=None).values_list("manager_id", flat=True))
    best = min(counts, key=lambda pk: (abs(counts[pk] - size), pk))
    manager = Employee.objects.select_related("user").get(pk=best)
    return manager, counts[best]


def measure() -> None:
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.goals import _department_near
    from pms.accounts.models import User
    from pms.org.models import Employee
    from pms.tracking.models import GoalProgress

    people = Employee.objects.count()
    progress = GoalProgress.objects.count()
    small, small_size = _manager_with_reports(SMALL_TEAM, indirect=False)
    big, big_size = _manager_with_reports(BIG_TEAM, indirect=True)
    department, department_size = _department_near(DEPARTMENT_SIZE)
    someone = Employee.objects.filter(report_path__startswith=big.report_path).exclude(pk=big.pk)
    person = someone.order_by("pk").first()
    print(
        json.dumps(
            {
                "figure": "subjects",
                "small_manager": small.user.username,
                "small_team": small_size,
                "big_manager": big.user.username,
                "big_team": big_size,
                "department": str(department.uuid),
                "department_size": department_size,
            }
        )
    )
    clients: dict[str, Client] = {}
    for who, user in (
        ("hr", User.objects.get(username="hr")),
        (f"manager of {small_size}", small.user),
        (f"manager of {big_size}", big.user),
    ):
        clients[who] = Client()
        clients[who].force_login(user)
    pages = [
        (f"manager of {small_size}", "/tracking/team/"),
        (f"manager of {big_size}", "/tracking/team/?indirect=on"),
        (f"manager of {big_size}", "/tracking/team/?indirect=on&page=20"),
        (f"manager of {big_size}", "/tracking/team/?indirect=on&status=off_track"),
        (f"manager of {big_size}", f"/tracking/people/{person.uuid}/progress/" if person else ""),
        ("hr", f"/tracking/departments/{department.uuid}/"),
        ("hr", "/tracking/departments/"),
        ("hr", "/tracking/company/"),
    ]
    for who, url in pages:
        if not url:
            continue
        client = clients[who]
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
                    "progress": progress,
                    "who": who,
                    "url": url,
                    "status": response.status_code,
                    "queries": len(context.captured_queries),
                    "ms": round(elapsed * 1000, 1),
                }
            )
        )


# --- the parent ----------------------------------------------------------------------------


def boards_database(employees: int) -> Path:
    path = database_path(f"boards-{employees}")
    if progress_count(path) > 0:
        return path
    source = goals_database(employees, GOALS_PER_PERSON)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    with sqlite3.connect(source) as origin, sqlite3.connect(path) as copy:
        origin.backup(copy)
    print(f"(copied the goals database in {time.perf_counter() - started:.0f} s)")
    manage(path, "migrate", "--noinput", "-v", "0")
    output = run([PYTHON, "-m", "bench.boards", "seed"], path, capture=True)
    for line in output.splitlines():
        if line.startswith("{"):
            figure = json.loads(line)
            print_table(
                "boards: the seed (raw bulk inserts into a copy of the goals database)",
                tuple(k for k in figure if k != "figure"),
                [tuple(v for k, v in figure.items() if k != "figure")],
            )
    return path


def main_parent(employees: int, *, connections: int = 8, seconds: int = 10) -> None:
    from bench.pages import measure_load_urls

    database = boards_database(employees)
    manage(database, "migrate", "--noinput", "-v", "0")
    manage(database, "collectstatic", "--noinput", "-v", "0")
    output = run([PYTHON, "-m", "bench.boards", "measure"], database, capture=True)
    rows: list[tuple[object, ...]] = []
    subjects: dict[str, Any] = {}
    for line in output.splitlines():
        if not line.startswith("{"):
            continue
        figure = json.loads(line)
        if figure["figure"] == "subjects":
            subjects = figure
        elif figure["figure"] == "page":
            rows.append(
                (
                    f"{figure['people']:,}",
                    f"{figure['progress']:,}",
                    figure["who"],
                    figure["url"],
                    figure["status"],
                    figure["queries"],
                    figure["ms"],
                )
            )
    print(json.dumps(subjects))
    print_table(
        "boards: queries per page (in-process, second request)",
        ("people", "goals tracked", "as", "page", "status", "queries", "ms"),
        rows,
    )
    department = subjects["department"]
    measure_load_urls(
        database,
        ("/healthz", "/tracking/company/", f"/tracking/departments/{department}/"),
        connections=connections,
        seconds=seconds,
    )
    measure_load_urls(
        database,
        ("/healthz", "/tracking/team/"),
        username=subjects["small_manager"],
        connections=connections,
        seconds=seconds,
    )
    measure_load_urls(
        database,
        ("/healthz", "/tracking/team/?indirect=on"),
        username=subjects["big_manager"],
        connections=connections,
        seconds=seconds,
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.boards")
    parser.add_argument("part", nargs="?", choices=["seed", "measure"])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if args.part == "seed":
        from django.utils import timezone

        setup_django()
        seed(timezone.localdate())
    elif args.part == "measure":
        measure()
    else:
        main_parent(args.employees, connections=args.connections, seconds=args.seconds)


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as exc:
        raise SystemExit(exc.returncode) from exc
