"""Importing employees from .xlsx: rows per second and peak memory
(run by ``python -m bench import``, once per file size)."""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import time
from pathlib import Path

from openpyxl import Workbook

from bench.environment import BENCH_DIR, RssSampler, print_table, setup_django

HEADERS = (
    "工号",
    "姓名",
    "邮箱",
    "手机",
    "部门编码",
    "岗位编码",
    "直接上级工号",
    "虚线上级工号",
    "入职日期",
    "状态",
)
STATUSES = (("在职", 0.9), ("试用期", 0.06), ("休假", 0.02), ("离职", 0.02))


def write_employees_xlsx(
    path: Path, *, rows: int, departments: list[str], positions: list[str], top: str, seed: int
) -> None:
    """``rows`` new people (numbers N000001…) under ``top``, a tree eight wide."""
    from pms.org.demo import mobile_number, person_name

    rng = random.Random(seed)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("员工")
    sheet.append(HEADERS)
    labels = [label for label, _ in STATUSES]
    weights = [weight for _, weight in STATUSES]
    for i in range(rows):
        number = f"N{i + 1:06d}"
        manager = top if i == 0 else f"N{(i - 1) // 8 + 1:06d}"
        dotted = f"N{i // 2 + 1:06d}" if i and i % 40 == 0 else ""
        sheet.append(
            [
                number,
                person_name(rng),
                f"{number.lower()}@bench.example.cn",
                mobile_number(rng),
                rng.choice(departments),
                rng.choice(positions),
                manager,
                dotted,
                dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3650)),
                rng.choices(labels, weights=weights)[0],
            ]
        )
    workbook.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.employee_import")
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    setup_django()
    from pms.accounts.models import User
    from pms.core.audit import Actor
    from pms.core.models import AuditChannel
    from pms.org.demo import seed_demo
    from pms.org.models import Department, Employee, Position

    seed_demo(employees=1000, seed=1)  # departments and positions the file refers to
    path = BENCH_DIR / f"employees-{args.rows}.xlsx"
    started = time.perf_counter()
    write_employees_xlsx(
        path,
        rows=args.rows,
        departments=list(Department.objects.values_list("code", flat=True)),
        positions=list(Position.objects.values_list("code", flat=True)),
        top="E000001",
        seed=args.rows,
    )
    written = time.perf_counter() - started
    from pms.core.imports import import_file

    hr = User.objects.get(username="hr")
    before = Employee.objects.count()
    gc.collect()
    actor = Actor(user=hr, channel=AuditChannel.IMPORT)
    with RssSampler() as rss:
        started = time.perf_counter()
        job = import_file(actor=actor, kind="employees", path=path)
        seconds = time.perf_counter() - started
    if job.error_count:
        print(f"import: {job.error_count} bad rows, first: {job.message[:300]}")
    created = Employee.objects.count() - before
    print_table(
        f"import: {args.rows:,} employee rows from .xlsx",
        ("figure", "value"),
        [
            ("file", f"{path.stat().st_size / 2**20:.1f} MB, written in {written:.1f} s"),
            ("job", f"{job.status}, {job.error_count:,} bad rows, {created:,} employees created"),
            ("time", f"{seconds:.1f} s"),
            ("rate", f"{args.rows / seconds:,.0f} rows/s"),
            (
                "RSS during the import",
                f"peak {rss.peak_mb:.0f} MB, at start {rss.start_mb:.0f} MB "
                f"(+{rss.peak_mb - rss.start_mb:.0f} MB)",
            ),
        ],
    )


if __name__ == "__main__":
    main()
