"""``python -m bench [seed] [import] [pages] [--employees N]``: run benchmarks, print figures."""

from __future__ import annotations

import argparse

from bench.environment import PYTHON, fresh_database, run

BENCHMARKS = ("seed", "import", "pages", "goals", "actuals", "boards", "reviews", "calibration")


def run_seed(employees: int) -> None:
    database = fresh_database(f"seed-{employees}")
    run([PYTHON, "-m", "bench.seed", "--employees", str(employees)], database)


def run_import(employees: int) -> None:
    for rows in (max(1000, employees // 10), employees):
        database = fresh_database(f"import-{rows}")
        run([PYTHON, "-m", "bench.employee_import", "--rows", str(rows)], database)


def run_pages(employees: int, *, connections: int, seconds: int) -> None:
    from bench.pages import main_parent

    main_parent(employees, connections=connections, seconds=seconds)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="name", help=f"any of {', '.join(BENCHMARKS)}")
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=8, help="pages: concurrent clients")
    parser.add_argument("--seconds", type=int, default=10, help="pages: load per page")
    parser.add_argument("--rows", type=int, default=20_000, help="actuals: values to import")
    args = parser.parse_args()
    unknown = set(args.names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark {', '.join(sorted(unknown))}")
    for name in args.names or BENCHMARKS:
        if name == "seed":
            run_seed(args.employees)
        elif name == "import":
            run_import(args.employees)
        elif name == "actuals":
            from bench.actuals import main_parent as run_actuals

            run_actuals(args.rows)
        elif name == "goals":
            from bench.goals import main_parent as run_goals

            run_goals(args.employees)
        elif name == "reviews":
            from bench.reviews import main_parent as run_reviews

            run_reviews(args.employees, connections=args.connections, seconds=args.seconds)
        elif name == "calibration":
            from bench.calibration import main_parent as run_calibration

            run_calibration(args.employees, connections=args.connections, seconds=args.seconds)
        elif name == "boards":
            from bench.boards import main_parent as run_boards

            run_boards(args.employees, connections=args.connections, seconds=args.seconds)
        else:
            run_pages(args.employees, connections=args.connections, seconds=args.seconds)


if __name__ == "__main__":
    main()
