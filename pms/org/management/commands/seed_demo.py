"""``manage.py seed_demo --employees 300 --seed 1``: the demo company for ``make run``."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from pms.org.demo import DEMO_PASSWORD, DemoError, seed_demo
from pms.org.models import Employee


class Command(BaseCommand):
    help = "Fill an empty database with a realistic demo company and its demo logins."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--employees", type=int, default=300, help="number of people")
        parser.add_argument("--seed", type=int, default=1, help="same seed, same company")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (and succeed) when the database already has people",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Employee.objects.exists():
            self.stdout.write("The database has people already; no demo data loaded.")
            return
        try:
            summary = seed_demo(employees=options["employees"], seed=options["seed"])
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        from pms.core.demo_steps import demo_steps

        for step in demo_steps():
            self.stdout.write(step.run(options["seed"]))
        self.stdout.write(
            f"Demo company seeded: {summary.employees} employees, {summary.departments} "
            f"departments, {summary.positions} positions in {summary.seconds:.1f} s. "
            f"Every account's password is {DEMO_PASSWORD}."
        )
