"""Seeding the demo company: time and peak memory (run by ``python -m bench seed``)."""

from __future__ import annotations

import argparse
import time
import tracemalloc

from bench.environment import RssSampler, peak_rss_mb, print_table, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.seed")
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--trace", action="store_true", help="also trace Python allocations")
    args = parser.parse_args()
    setup_django()
    from pms.org.demo import seed_demo

    if args.trace:
        tracemalloc.start()
    with RssSampler() as rss:
        started = time.perf_counter()
        summary = seed_demo(employees=args.employees, seed=1)
        seconds = time.perf_counter() - started
    rows = [
        ("employees", f"{summary.employees:,}"),
        ("departments", f"{summary.departments:,}"),
        ("positions", f"{summary.positions:,}"),
        ("time", f"{seconds:.1f} s"),
        ("rate", f"{summary.employees / seconds:,.0f} employees/s"),
        (
            "RSS while seeding",
            f"peak {rss.peak_mb:.0f} MB, at start {rss.start_mb:.0f} MB "
            f"(+{rss.peak_mb - rss.start_mb:.0f} MB)",
        ),
        ("process peak (ru_maxrss)", f"{peak_rss_mb():.0f} MB"),
    ]
    if args.trace:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows.append(("tracemalloc peak", f"{peak / 2**20:.0f} MB (slows the run)"))
    print_table(f"seed: {args.employees:,} employees into SQLite", ("figure", "value"), rows)


if __name__ == "__main__":
    main()
