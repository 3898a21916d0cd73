"""``manage.py scheduler``: the one process that enqueues periodic jobs when they are due.

It only enqueues (the ``db_worker`` runs the jobs); ``--once`` does one round and exits, for
cron, a systemd timer or tests. Running two by mistake is harmless: a slot is claimed once.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from pms.core.scheduler import periodic_jobs_enqueue_due


class Command(BaseCommand):
    help = "Enqueue the periodic jobs that are due, every --interval seconds (or --once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=30.0, help="seconds between rounds")
        parser.add_argument("--once", action="store_true", help="one round, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        interval = max(1.0, float(options["interval"]))
        while True:
            try:
                names = periodic_jobs_enqueue_due()
            except Exception as exc:  # a database hiccup must not stop the scheduler
                if options["once"]:
                    raise
                self.stderr.write(f"scheduler: {exc}")
                names = []
            if names and options["verbosity"] >= 1:
                self.stdout.write("queued: " + ", ".join(names))
            if options["once"]:
                return
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                return
            # a long-lived process: drop a connection the database closed while it slept
            close_old_connections()
