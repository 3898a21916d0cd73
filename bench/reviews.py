"""Reviews on a big company (run by ``python -m bench reviews``).

The company, its goals and their progress come from the boards benchmark (``bench.boards``:
N people with ten goals each and a year of monthly values); this benchmark copies that
database and adds, by raw bulk inserts, an annual review cycle in which everybody has a
review with six submitted ratings (self, manager, skip-level manager, three peers), each
answering five competencies.

Then it reports:

- recomputing the whole cycle with the real service (the background job's body, run
  in-process): time, and in the same run the bare read of the same inputs plus a bulk
  write of as many result rows into a plain table (the floor any implementation pays);
- queries and in-process time of the manager's team review page and HR's monitor, and
  latency under concurrent load against ``/healthz`` (gunicorn, wrk or a thread pool:
  ``bench.pages``).

``python -m bench.reviews seed|recompute|measure`` run inside a benchmark process
(database in ``DATABASE_URL``); the rest runs in the parent.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
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

RATERS = ("self", "manager", "skip", "peer", "peer", "peer")
COMPETENCIES = ("客户导向", "团队协作", "专业能力", "执行力", "学习成长")
LEVELS = ("S", "A", "B", "C", "D")
LEVEL_WEIGHTS = (8, 25, 45, 17, 5)
CHUNK = 100_000
TEAM_MANAGER_SIZE = 10


def review_count(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path) as connection:
            row = connection.execute("SELECT count(*) FROM reviews_rating").fetchone()
    except sqlite3.Error:
        return 0
    return int(row[0])


def _insert_sql(table: str, columns: list[str]) -> str:
    marks = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608


# --- seeding (in the benchmark process) ------------------------------------------------------


def seed() -> None:
    setup_django()
    from django.db import connection, transaction

    from pms.goals.models import Period, PeriodKind, Scorecard
    from pms.org.models import Employee
    from pms.reviews.models import (
        Answer,
        Cycle,
        CycleKind,
        CyclePhase,
        CycleStatus,
        Phase,
        PhaseStatus,
        Rating,
        Review,
        ReviewTemplate,
        SectionKind,
        TemplateItem,
        TemplateSection,
        TemplateStatus,
    )

    started = time.perf_counter()
    rng = random.Random("reviews:1")
    period = Period.objects.filter(kind=PeriodKind.YEAR).order_by("-start").first()
    assert period is not None, "seed the goals benchmark first"  # noqa: S101
    template = ReviewTemplate.objects.create(
        code="bench",
        name="年度考核模板",
        status=TemplateStatus.ACTIVE,
        rater_weights={"manager": 50, "skip": 10, "peer": 20, "self": 20},
        anonymous_types=["peer", "upward", "cross"],
        rater_types=["self", "manager", "skip", "peer"],
        peer_min=3,
        peer_max=6,
    )
    TemplateSection.objects.create(
        template=template, kind=SectionKind.GOALS, title="业绩目标", weight=60, sort_order=1
    )
    section = TemplateSection.objects.create(
        template=template,
        kind=SectionKind.COMPETENCIES,
        title="能力与价值观",
        weight=40,
        sort_order=2,
        scale={
            "kind": "levels",
            "levels": [
                {"code": code, "points": str(points)}
                for code, points in zip(LEVELS, (100, 85, 70, 60, 40), strict=True)
            ],
        },
    )
    items = [
        TemplateItem.objects.create(section=section, title=title, sort_order=n)
        for n, title in enumerate(COMPETENCIES, start=1)
    ]
    cycle = Cycle.objects.create(
        name=f"{period.name} 年度考核",
        kind=CycleKind.ANNUAL,
        period=period,
        start=period.start,
        end=period.end,
        status=CycleStatus.RUNNING,
        phase=Phase.CALIBRATION,
        default_template=template,
    )
    for index, code in enumerate(Phase.values):
        CyclePhase.objects.create(
            cycle=cycle,
            phase=code,
            status=PhaseStatus.CLOSED if code != Phase.CALIBRATION else PhaseStatus.OPEN,
            deadline=period.end + dt.timedelta(days=7 * (index + 1)),
        )
    people = list(
        Employee.objects.values_list("pk", "department_id", "position_id", "manager_id").order_by(
            "pk"
        )
    )
    managers = {pk: manager for pk, _d, _p, manager in people}
    by_manager: dict[int | None, list[int]] = {}
    for pk, _d, _p, manager in people:
        by_manager.setdefault(manager, []).append(pk)
    scorecards = dict(Scorecard.objects.filter(period=period).values_list("employee_id", "pk"))
    now = connection.ops.adapt_datetimefield_value(dt.datetime.now(dt.UTC))
    quote = connection.ops.quote_name
    counter = {"serial": 0, "reviews": 0, "ratings": 0, "answers": 0}

    def uuid() -> str:
        counter["serial"] += 1
        return f"be5e0000{counter['serial']:024x}"

    def columns_of(model: Any) -> list[str]:
        return [str(f.column) for f in model._meta.concrete_fields if f.column != "id"]

    review_columns = columns_of(Review)
    rating_columns = [*columns_of(Rating), "id"]
    answer_columns = columns_of(Answer)
    review_sql = _insert_sql(quote(Review._meta.db_table), [quote(c) for c in review_columns])
    rating_sql = _insert_sql(quote(Rating._meta.db_table), [quote(c) for c in rating_columns])
    answer_sql = _insert_sql(quote(Answer._meta.db_table), [quote(c) for c in answer_columns])
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.execute("PRAGMA cache_size = -400000")
        cursor.execute("SELECT max(id) FROM reviews_rating")
        next_rating = (cursor.fetchone()[0] or 0) + 1

    review_rows: list[tuple[Any, ...]] = []
    for pk, department_id, position_id, manager_id in people:
        row = {
            "uuid": uuid(),
            "created_at": now,
            "updated_at": now,
            "cycle_id": cycle.pk,
            "employee_id": pk,
            "department_id": department_id,
            "position_id": position_id,
            "role_family_id": None,
            "manager_id": manager_id,
            "template_id": template.pk,
            "scorecard_id": scorecards.get(pk),
            "status": "active",
            "note": "",
            "score": None,
            "grade": "",
            "peers_approved_at": now,
        }
        review_rows.append(tuple(row.get(c) for c in review_columns))
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(review_rows), CHUNK):
            cursor.executemany(review_sql, review_rows[start : start + CHUNK])
    counter["reviews"] = len(review_rows)
    reviews = dict(Review.objects.filter(cycle=cycle).values_list("employee_id", "pk"))

    rating_rows: list[tuple[Any, ...]] = []
    answer_rows: list[tuple[Any, ...]] = []

    def flush() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(rating_sql, rating_rows)
            cursor.executemany(answer_sql, answer_rows)
        counter["ratings"] += len(rating_rows)
        counter["answers"] += len(answer_rows)
        rating_rows.clear()
        answer_rows.clear()

    everybody = [pk for pk, _d, _p, _m in people]
    for pk, _department_id, _position_id, manager_id in people:
        skip = managers.get(manager_id) if manager_id else None
        colleagues = [c for c in by_manager.get(manager_id, []) if c != pk]
        raters: list[tuple[str, int]] = []
        for rater_type in RATERS:
            if rater_type == "self":
                raters.append((rater_type, pk))
            elif rater_type == "manager":
                raters.append((rater_type, manager_id or rng.choice(everybody)))
            elif rater_type == "skip":
                raters.append((rater_type, skip or manager_id or rng.choice(everybody)))
            else:
                taken = {r for t, r in raters if t == "peer"} | {pk}
                pool = [c for c in colleagues if c not in taken] or [
                    c for c in rng.sample(everybody, 8) if c not in taken
                ]
                raters.append((rater_type, rng.choice(pool)))
        bias = rng.gauss(0, 0.6)
        for rater_type, rater in raters:
            rating_id = next_rating
            next_rating += 1
            rating = {
                "id": rating_id,
                "uuid": uuid(),
                "created_at": now,
                "updated_at": now,
                "review_id": reviews[pk],
                "rater_id": rater,
                "rater_type": rater_type,
                "anonymous": rater_type == "peer",
                "status": "submitted",
                "nominated_by_id": None,
                "decided_by_id": None,
                "reason": "",
                "replaced_by_id": None,
                "overall_comment": "",
                "submitted_at": now,
                "reminded_at": None,
            }
            rating_rows.append(tuple(rating.get(c) for c in rating_columns))
            for item in items:
                level = rng.choices(LEVELS, LEVEL_WEIGHTS)[0]
                if bias > 0.8 and level in "CD":  # some people simply do well
                    level = "B"
                answer = {
                    "uuid": uuid(),
                    "created_at": now,
                    "updated_at": now,
                    "rating_id": rating_id,
                    "item_id": item.pk,
                    "goal_id": None,
                    "value": level,
                    "comment": "",
                }
                answer_rows.append(tuple(answer.get(c) for c in answer_columns))
        if len(answer_rows) >= CHUNK:
            flush()
    flush()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        json.dumps(
            {
                "figure": "seed",
                "reviews": counter["reviews"],
                "ratings": counter["ratings"],
                "answers": counter["answers"],
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    )


# --- the recomputation ------------------------------------------------------------------------


def _baseline(cycle_id: int) -> dict[str, Any]:
    """The floor: read every input the computation reads, write as many rows as it writes.

    The reads are the service's: the goals with the columns an explanation shows, the live
    ratings, the submitted answers, and the current result editions with their explanation
    as text (what a recomputation compares against, so as to write only what changed).
    """
    from django.db import connection, transaction
    from django.db.models import CharField, TextField
    from django.db.models.functions import Cast

    from pms.goals.models import Goal
    from pms.reviews.models import LIVE_RATING, Answer, Rating, Review, ReviewResult
    from pms.tracking.models import GoalProgress

    started = time.perf_counter()
    reviews = list(
        Review.objects.filter(cycle_id=cycle_id).values_list("pk", "employee_id", "scorecard_id")
    )
    goals = 0
    for _goal in (
        Goal.objects.filter(scorecard__reviews__cycle_id=cycle_id, is_active=True)
        .annotate(uuid_text=Cast("uuid", CharField()), rule_text=Cast("scoring_rule", TextField()))
        .values_list(*_GOAL_COLUMNS)
        .iterator(chunk_size=10_000)
    ):
        goals += 1
    progress = 0
    for _progress in (
        GoalProgress.objects.filter(
            goal__scorecard__reviews__cycle_id=cycle_id, goal__is_active=True
        )
        .values_list("goal_id", "actual")
        .iterator(chunk_size=10_000)
    ):
        progress += 1
    answers = 0
    for _answer in (
        Answer.objects.filter(rating__review__cycle_id=cycle_id, rating__status="submitted")
        .values_list("rating__review_id", "rating__rater_type", "rating_id", "item_id", "value")
        .iterator(chunk_size=10_000)
    ):
        answers += 1
    ratings = 0
    for _rating in (
        Rating.objects.filter(review__cycle_id=cycle_id, status__in=LIVE_RATING)
        .values_list("pk", "review_id", "rater_type", "anonymous", "status")
        .iterator(chunk_size=10_000)
    ):
        ratings += 1
    results = 0
    for _result in (
        ReviewResult.objects.filter(review__cycle_id=cycle_id, is_current=True)
        .annotate(text=Cast("explanation", TextField()))
        .values_list("pk", "review_id", "version", "score", "grade", "complete", "frozen", "text")
        .iterator(chunk_size=10_000)
    ):
        results += 1
    read_seconds = time.perf_counter() - started
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_result (review_id integer, score text, grade text, "
            "explanation text, inputs text)"
        )
        rows = [
            (pk, "81.25", "A", json.dumps({"sections": [1, 2, 3]}), json.dumps({"goals": []}))
            for pk, _e, _s in reviews
        ]
        cursor.executemany(
            "INSERT INTO bench_result (review_id, score, grade, explanation, inputs) "
            "VALUES (%s, %s, %s, %s, %s)",
            rows,
        )
        cursor.execute("DROP TABLE bench_result")
    return {
        "reviews": len(reviews),
        "goals": goals,
        "progress": progress,
        "answers": answers,
        "ratings": ratings,
        "results": results,
        "read_seconds": round(read_seconds, 2),
        "seconds": round(time.perf_counter() - started, 2),
    }


# the goal columns the service reads (pms.reviews.services.scoring_inputs), uuid and rule
# as text as it reads them
_GOAL_COLUMNS = (
    "pk",
    "uuid_text",
    "scorecard_id",
    "parent_id",
    "kind",
    "section",
    "title",
    "weight",
    "target",
    "target_max",
    "baseline",
    "direction",
    "unit",
    "rule_text",
)


def recompute() -> None:
    setup_django()
    from pms.reviews.models import Cycle

    cycle = Cycle.objects.get(default_template__code="bench")
    baseline = _baseline(cycle.pk)
    with RssSampler() as sampler:
        started = time.perf_counter()
        outcome = _recompute_cycle(cycle)
        seconds = time.perf_counter() - started
    peak = sampler.peak_mb - sampler.start_mb
    print(
        json.dumps(
            {
                "figure": "recompute",
                "reviews": baseline["reviews"],
                "seconds": round(seconds, 1),
                "baseline_seconds": baseline["seconds"],
                "read_seconds": baseline["read_seconds"],
                "ratio": round(seconds / baseline["seconds"], 2) if baseline["seconds"] else None,
                "memory_mb": round(peak, 1),
                **outcome,
            }
        )
    )


def _recompute_cycle(cycle: Any) -> dict[str, Any]:
    """The background job's body, in-process, as HR's button starts it."""
    from pms.core.audit import Actor
    from pms.reviews.services import recompute as recompute_services

    run_row = recompute_services.recompute_start(actor=Actor.system(), cycle=cycle)
    recompute_services.recompute_run_execute(run_id=run_row.pk)
    run_row.refresh_from_db()
    return {"status": run_row.status, "done": run_row.done, "changed": run_row.changed}


# --- pages -----------------------------------------------------------------------------------


def measure() -> None:
    """Queries and in-process time of the review pages (second request of each)."""
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.boards import _manager_with_reports
    from pms.accounts.models import User
    from pms.reviews.models import Cycle, Review

    cycle = Cycle.objects.get(default_template__code="bench")
    manager, team = _manager_with_reports(TEAM_MANAGER_SIZE, indirect=False)
    report = Review.objects.filter(cycle=cycle, manager=manager).order_by("pk").first()
    print(
        json.dumps(
            {
                "figure": "subjects",
                "manager": manager.user.username,
                "team": team,
                "cycle": str(cycle.uuid),
            }
        )
    )
    clients = {"hr": Client(), f"manager of {team}": Client()}
    clients["hr"].force_login(User.objects.get(username="hr"))
    clients[f"manager of {team}"].force_login(manager.user)
    pages = [
        (f"manager of {team}", f"/reviews/team/{cycle.uuid}/"),
        (f"manager of {team}", f"/reviews/results/{report.uuid}/" if report else ""),
        ("hr", f"/reviews/monitor/{cycle.uuid}/"),
        ("hr", f"/reviews/monitor/{cycle.uuid}/?page=40"),
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
                    "who": who,
                    "url": url,
                    "status": response.status_code,
                    "queries": len(context.captured_queries),
                    "ms": round(elapsed * 1000, 1),
                }
            )
        )


# --- the parent ------------------------------------------------------------------------------


def reviews_database(employees: int) -> Path:
    from bench.boards import boards_database

    path = database_path(f"reviews-{employees}")
    if review_count(path) > 0:
        return path
    source = boards_database(employees)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    with sqlite3.connect(source) as origin, sqlite3.connect(path) as copy:
        origin.backup(copy)
    print(f"(copied the boards database in {time.perf_counter() - started:.0f} s)")
    # the reviews tables as the code defines them today
    manage(path, "migrate", "reviews", "zero", "--noinput", "-v", "0")
    manage(path, "migrate", "--noinput", "-v", "0")
    output = run([PYTHON, "-m", "bench.reviews", "seed"], path, capture=True)
    for line in output.splitlines():
        if line.startswith("{"):
            figure = json.loads(line)
            print_table(
                "reviews: the seed (raw bulk inserts into a copy of the boards database)",
                tuple(k for k in figure if k != "figure"),
                [tuple(v for k, v in figure.items() if k != "figure")],
            )
    return path


def main_parent(employees: int, *, connections: int = 8, seconds: int = 10) -> None:
    database = reviews_database(employees)
    manage(database, "migrate", "--noinput", "-v", "0")
    manage(database, "collectstatic", "--noinput", "-v", "0")
    if not os.environ.get("BENCH_REVIEWS_SKIP_RECOMPUTE"):
        output = run([PYTHON, "-m", "bench.reviews", "recompute"], database, capture=True)
        for line in output.splitlines():
            if line.startswith("{"):
                figure = json.loads(line)
                print_table(
                    "reviews: recompute a cycle (service) against read inputs + bulk write",
                    tuple(k for k in figure if k != "figure"),
                    [tuple(v for k, v in figure.items() if k != "figure")],
                )
    output = run([PYTHON, "-m", "bench.reviews", "measure"], database, capture=True)
    rows: list[tuple[object, ...]] = []
    subjects: dict[str, Any] = {}
    for line in output.splitlines():
        if not line.startswith("{"):
            continue
        figure = json.loads(line)
        if figure["figure"] == "subjects":
            subjects = figure
        else:
            rows.append(
                (figure["who"], figure["url"], figure["status"], figure["queries"], figure["ms"])
            )
    print(json.dumps(subjects))
    print_table(
        "reviews: queries per page (in-process, second request)",
        ("as", "page", "status", "queries", "ms"),
        rows,
    )
    from bench.pages import measure_load_urls

    cycle = subjects["cycle"]
    measure_load_urls(
        database,
        ("/healthz", f"/reviews/monitor/{cycle}/"),
        connections=connections,
        seconds=seconds,
    )
    measure_load_urls(
        database,
        ("/healthz", f"/reviews/team/{cycle}/"),
        username=subjects["manager"],
        connections=connections,
        seconds=seconds,
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reviews")
    parser.add_argument("part", nargs="?", choices=["seed", "recompute", "measure"])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if args.part == "seed":
        seed()
    elif args.part == "recompute":
        recompute()
    elif args.part == "measure":
        measure()
    else:
        main_parent(args.employees, connections=args.connections, seconds=args.seconds)


if __name__ == "__main__":
    main()
