"""Where benchmarks keep their databases, and how a benchmark process is started."""

from __future__ import annotations

import os
import resource
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
PYTHON = sys.executable


def database_path(name: str) -> Path:
    return BENCH_DIR / f"{name}.sqlite3"


def bench_env(database: Path) -> dict[str, str]:
    """The environment of a benchmark process: its own database, production-like settings."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{database}",
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
    return env


def run(args: Sequence[str], database: Path, *, capture: bool = False) -> str:
    """Run a command (a ``python -m bench.<name>`` or ``manage.py``) against ``database``."""
    result = subprocess.run(
        list(args),
        env=bench_env(database),
        cwd=ROOT,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return result.stdout or ""


def manage(database: Path, *args: str) -> None:
    run([PYTHON, str(ROOT / "manage.py"), *args], database)


def fresh_database(name: str) -> Path:
    """An empty, migrated database file under var/bench/."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = database_path(name)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    manage(path, "migrate", "--noinput", "-v", "0")
    return path


def employee_count(path: Path) -> int:
    """People in a benchmark database (0 when it is missing or not migrated)."""
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path) as connection:
            row = connection.execute("SELECT count(*) FROM org_employee").fetchone()
    except sqlite3.Error:
        return 0
    return int(row[0])


def seeded_database(employees: int) -> Path:
    """The database the seed benchmark leaves behind, seeded now if it is not there."""
    path = database_path(f"seed-{employees}")
    if employee_count(path) != employees:
        fresh_database(f"seed-{employees}")
        manage(path, "seed_demo", "--employees", str(employees), "--seed", "1")
    return path


def peak_rss_mb() -> float:
    """The peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with Path("/proc/self/statm").open() as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


class RssSampler:
    """The peak resident memory while a block runs, sampled every 20 ms by a thread
    (``ru_maxrss`` only ever grows, so it cannot tell one step's peak from an earlier one)."""

    def __init__(self) -> None:
        self.start_mb = 0.0
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak_mb = max(self.peak_mb, current_rss_mb())

    def __enter__(self) -> RssSampler:
        self.start_mb = self.peak_mb = current_rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, current_rss_mb())


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(title)
    for row in cells:
        print("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    print()
