"""Importing actual values on PostgreSQL (run by ``python -m bench actuals --rows N``).

One run, one database (``pms_bench_actuals`` on ``BENCH_POSTGRES``, default
``postgres://postgres@127.0.0.1:5432/``), a company sized to the rows (five monthly
indicators × twelve months per person), and the same N rows measured four ways, each in a
fresh process so that memory peaks do not mix:

- CSV upload: ``pms.core.imports.import_file`` (check every row into the staging table,
  then apply from it in one transaction, set-based: ``pms.tracking.services.actual_stage``),
  the path the import page takes;
- the same rows as .xlsx, same path;
- the API: ``POST /api/v1/actuals`` in batches of 10,000 through Django's test ``Client``
  with an HR token (JSON encoding, authentication, validation and the set-based recording
  that calls of 5,000 items and more take — the whole request, without a network hop);
- PostgreSQL ``COPY`` of the CSV file into a plain table of text columns: the reference.

The values table is emptied before each measurement. The CSV import is also measured at a
tenth of the rows to show that its peak memory does not grow with the file.

``python -m bench.actuals seed|files|measure <how>`` run inside the benchmark processes.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench.environment import BENCH_DIR, PYTHON, ROOT, RssSampler, print_table, setup_django

if TYPE_CHECKING:
    from pms.accounts.models import User

POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/")
DATABASE = "pms_bench_actuals"
INDICATORS = ("B-SALES", "B-MARGIN", "B-VISITS", "B-LEADS", "B-NPS")
MONTHS = 12
VALUES_PER_PERSON = len(INDICATORS) * MONTHS
API_BATCH = 10_000
HEADER = ("工号", "指标编码", "日期", "实际值", "外部编号")


def database_url() -> str:
    return POSTGRES.rstrip("/") + "/" + DATABASE


def env() -> dict[str, str]:
    values = dict(os.environ)
    values.update(
        {
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "HTTPS": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "SECRET_KEY": "bench-only-not-a-secret-" + "x" * 32,
            "STATIC_ROOT": str(BENCH_DIR / "static"),
            "MEDIA_ROOT": str(BENCH_DIR / "media"),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    return values


def child(*args: str) -> dict[str, object]:
    """Run ``python -m bench.actuals <args>`` in a fresh process; its last line is JSON."""
    result = subprocess.run(
        [PYTHON, "-m", "bench.actuals", *args],
        env=env(),
        cwd=ROOT,
        check=True,
        text=True,
        stdout=subprocess.PIPE,
    )
    figures: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def fresh_postgres_database() -> None:
    import psycopg

    with psycopg.connect(POSTGRES.rstrip("/") + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')
    subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
        env=env(),
        cwd=ROOT,
        check=True,
    )


def files(rows: int) -> tuple[Path, Path]:
    return BENCH_DIR / f"actuals-{rows}.csv", BENCH_DIR / f"actuals-{rows}.xlsx"


# --- in the benchmark processes --------------------------------------------------------------


def seed(rows: int) -> dict[str, object]:
    """The demo company with enough people for ``rows`` values, the indicators, a year."""
    setup_django()
    from pms.core.audit import Actor
    from pms.goals.models import Frequency, Indicator
    from pms.goals.services import periods as period_services
    from pms.org.demo import seed_demo

    people = max(50, -(-rows // VALUES_PER_PERSON))
    started = time.perf_counter()
    seed_demo(employees=people, seed=1)
    Indicator.objects.bulk_create(
        [
            Indicator(
                code=code,
                name=code,
                frequency=Frequency.MONTHLY,
                scoring_rule={"type": "linear", "floor": "0", "cap": "120"},
            )
            for code in INDICATORS
        ]
    )
    period_services.period_create(
        actor=Actor.system(),
        name="2026年度",
        kind="year",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 12, 31),
    )
    return {"people": people, "seconds": round(time.perf_counter() - started, 1)}


def write_files(rows: int) -> dict[str, object]:
    """The same ``rows`` values as CSV and .xlsx (written row by row)."""
    setup_django()
    from openpyxl import Workbook

    from pms.org.models import Employee

    numbers = list(Employee.objects.order_by("number").values_list("number", flat=True))
    rng = random.Random(rows)
    csv_path, xlsx_path = files(rows)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("实际值")
    sheet.append(list(HEADER))
    started = time.perf_counter()
    with csv_path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for n in range(rows):
            person = numbers[(n // VALUES_PER_PERSON) % len(numbers)]
            slot = n % VALUES_PER_PERSON
            indicator = INDICATORS[slot // MONTHS]
            day = dt.date(2026, slot % MONTHS + 1, 15).isoformat()
            value = f"{rng.uniform(0, 2000):.2f}"
            row = [person, indicator, day, value, f"ERP-{n}"]
            writer.writerow(row)
            sheet.append(row)
    workbook.save(xlsx_path)
    return {
        "csv_mb": round(csv_path.stat().st_size / 2**20, 1),
        "xlsx_mb": round(xlsx_path.stat().st_size / 2**20, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _clear() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE tracking_actual, tracking_actualbatch, core_importrowerror, "
            "core_importjob CASCADE"
        )


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(how: str, rows: int) -> dict[str, object]:
    setup_django()
    from pms.accounts.models import User
    from pms.core.audit import Actor
    from pms.core.models import AuditChannel
    from pms.tracking.models import Actual

    _clear()
    hr = User.objects.get(username="hr")
    csv_path, xlsx_path = files(rows)
    with RssSampler() as rss:
        started = time.perf_counter()
        if how in ("csv", "xlsx"):
            from pms.core.imports import import_file

            job = import_file(
                actor=Actor(user=hr, channel=AuditChannel.IMPORT),
                kind="actuals",
                path=csv_path if how == "csv" else xlsx_path,
            )
            status = f"{job.status}, {job.error_count} bad rows"
        else:
            status = _push_all(hr, csv_path)
        seconds = time.perf_counter() - started
    written = Actual.objects.count()
    return {
        "how": how,
        "rows": rows,
        "status": status,
        "written": written,
        "seconds": round(seconds, 1),
        "rate": round(rows / seconds),
        "rss_peak_mb": round(rss.peak_mb),
        "rss_start_mb": round(rss.start_mb),
        "maxrss_mb": round(_peak_rss_mb()),
    }


def _push_all(hr: User, csv_path: Path) -> str:
    """Every row through ``POST /api/v1/actuals`` in batches of 10,000."""
    from django.test import Client

    from pms.accounts.services import api_token_create
    from pms.core.audit import Actor

    _, raw = api_token_create(
        actor=Actor.system(),
        user=hr,
        name="bench",
        scopes=["write_actuals"],
    )
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    created = rejected = 0
    with csv_path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        batch: list[dict[str, str]] = []

        def send() -> None:
            nonlocal created, rejected
            body = json.dumps({"source": "ERP", "items": batch})
            response = client.post("/api/v1/actuals", body, content_type="application/json")
            if response.status_code != 200:
                raise RuntimeError(response.content[:500])
            counts = response.json()["counts"]
            created += counts["created"]
            rejected += counts["rejected"]

        for number, indicator, day, value, external_id in reader:
            batch.append(
                {
                    "employee_number": number,
                    "indicator_code": indicator,
                    "date": day,
                    "value": value,
                    "external_id": external_id,
                }
            )
            if len(batch) == API_BATCH:
                send()
                batch = []
        if batch:
            send()
    return f"{created} created, {rejected} rejected"


def copy_reference(rows: int) -> dict[str, object]:
    """PostgreSQL ``COPY`` of the CSV file into a plain table: the fastest way in."""
    import psycopg

    csv_path, _xlsx = files(rows)
    with psycopg.connect(database_url()) as connection:
        connection.execute("DROP TABLE IF EXISTS bench_copy")
        connection.execute(
            "CREATE TABLE bench_copy (number text, indicator text, day date, value numeric, "
            "external_id text)"
        )
        connection.commit()
        with RssSampler() as rss:
            started = time.perf_counter()
            with (
                connection.cursor() as cursor,
                cursor.copy("COPY bench_copy FROM STDIN (FORMAT csv, HEADER true)") as copy,
                csv_path.open("rb") as fh,
            ):
                while block := fh.read(1 << 20):
                    copy.write(block)
            connection.commit()
            seconds = time.perf_counter() - started
        count = connection.execute("SELECT count(*) FROM bench_copy").fetchone()
        connection.execute("DROP TABLE bench_copy")
        connection.commit()
    return {
        "how": "copy",
        "rows": rows,
        "status": "ok",
        "written": count[0] if count else 0,
        "seconds": round(seconds, 1),
        "rate": round(rows / seconds),
        "rss_peak_mb": round(rss.peak_mb),
        "rss_start_mb": round(rss.start_mb),
        "maxrss_mb": round(_peak_rss_mb()),
    }


# --- the parent ----------------------------------------------------------------------------


def main_parent(rows: int, *, small: bool = True) -> None:
    print(f"actuals: {rows:,} rows on PostgreSQL ({database_url()})", flush=True)
    fresh_postgres_database()
    seeded = child("seed", "--rows", str(rows))
    print(f"  company: {seeded['people']:,} people in {seeded['seconds']} s", flush=True)
    sizes = [rows]
    if small and rows >= 10_000:
        sizes.insert(0, rows // 10)
    for size in sizes:
        made = child("files", "--rows", str(size))
        print(
            f"  files for {size:,} rows: CSV {made['csv_mb']} MB, xlsx {made['xlsx_mb']} MB "
            f"({made['seconds']} s)",
            flush=True,
        )
    results: list[dict[str, object]] = []
    plan = [("copy", rows), ("csv", rows), ("xlsx", rows), ("api", rows)]
    if len(sizes) == 2:
        plan.insert(1, ("csv", sizes[0]))
    for how, size in plan:
        if how == "copy":
            figures = child("copy", "--rows", str(size))
        else:
            figures = child("measure", how, "--rows", str(size))
        print(f"  {how} {size:,}: {figures}", flush=True)
        results.append(figures)
    copy_rate = float(next(r["rate"] for r in results if r["how"] == "copy"))  # type: ignore[arg-type]
    labels = {
        "copy": "PostgreSQL COPY (plain table)",
        "csv": "CSV import (check + apply)",
        "xlsx": ".xlsx import (check + apply)",
        "api": "API, batches of 10,000 (test Client)",
    }
    print_table(
        f"actuals: importing {rows:,} values (PostgreSQL)",
        ("way", "rows", "seconds", "rows/s", "× COPY", "peak RSS MB", "result"),
        [
            (
                labels[str(r["how"])],
                f"{r['rows']:,}",
                r["seconds"],
                f"{r['rate']:,}",
                f"{float(r['rate']) / copy_rate:.3f}",  # type: ignore[arg-type]
                r["rss_peak_mb"],
                f"{r['written']:,} written; {r['status']}",
            )
            for r in results
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.actuals")
    parser.add_argument("step", nargs="?", default="all", help="all, seed, files, measure, copy")
    parser.add_argument("how", nargs="?", default="csv", help="measure: csv, xlsx or api")
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    if args.step == "all":
        main_parent(args.rows)
        return
    if args.step == "seed":
        figures = seed(args.rows)
    elif args.step == "files":
        figures = write_files(args.rows)
    elif args.step == "copy":
        figures = copy_reference(args.rows)
    else:
        figures = measure(args.how, args.rows)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
