"""Import departments, positions or employees from an .xlsx or .csv file.

manage.py import_org --kind employees --file people.xlsx --user admin          # check only
manage.py import_org --kind employees --file people.xlsx --user admin --apply  # and apply
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pms.core.audit import Actor
from pms.core.imports import import_job_apply, import_job_create, import_job_validate
from pms.core.models import AuditChannel, ImportJob, ImportStatus
from pms.org.importers import ORG_KINDS


class Command(BaseCommand):
    help = "Check (and with --apply, apply) an organisation import file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", required=True, choices=ORG_KINDS)
        parser.add_argument("--file", required=True, help="an .xlsx or .csv file")
        parser.add_argument("--user", required=True, help="username recorded as the importer")
        parser.add_argument("--apply", action="store_true", help="apply when the check passes")

    def handle(self, *args: Any, **options: Any) -> None:
        from pms.accounts.models import User

        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        actor = Actor(user=user, channel=AuditChannel.COMMAND)
        try:
            with path.open("rb") as fh:
                job = import_job_create(
                    actor=actor,
                    kind=options["kind"],
                    uploaded_file=File(fh, name=path.name),
                    start=False,
                )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        job = import_job_validate(job=job)
        self._report(job)
        if job.status != ImportStatus.VALID:
            raise CommandError(f"{job.error_count} bad row(s); nothing was changed.")
        if not options["apply"]:
            self.stdout.write("Check passed. Run again with --apply to write the changes.")
            return
        job = import_job_apply(actor=actor, job=job)
        if job.status != ImportStatus.APPLIED:
            self._report(job)
            raise CommandError(job.message or "Nothing was changed.")
        summary = job.summary
        self.stdout.write(
            self.style.SUCCESS(
                f"Applied: {summary.get('create', 0)} created, {summary.get('update', 0)} "
                f"updated, {summary.get('unchanged', 0)} unchanged."
            )
        )

    def _report(self, job: ImportJob) -> None:
        summary = job.summary
        self.stdout.write(
            f"{job.total_rows} rows: {summary.get('create', 0)} to create, "
            f"{summary.get('update', 0)} to update, {summary.get('unchanged', 0)} unchanged."
        )
        for error in job.row_errors.all().iterator():
            column = f", column {error.column}" if error.column else ""
            self.stderr.write(f"line {error.line}{column}: {error.message}")
