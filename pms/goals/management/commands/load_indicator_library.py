"""``manage.py load_indicator_library [--update]``: put the starter indicator library in
the database. Running it again changes nothing unless ``--update`` is given."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pms.core.audit import Actor
from pms.core.models import AuditChannel
from pms.goals.library import LIBRARY, load_library


class Command(BaseCommand):
    help = (
        "Load the starter indicator library (指标库) per role family. Existing indicators "
        "(matched on code) are left as they are unless --update is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--update",
            action="store_true",
            help="Bring existing starter indicators back in line with the library "
            "(their enabled flag is kept).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_library(
            actor=Actor(user=None, channel=AuditChannel.COMMAND), update=bool(options["update"])
        )
        names = {spec.code: spec.name for spec in LIBRARY}
        for code in result.families_created:
            self.stdout.write(f"role family created: {code}")
        for code in result.created:
            self.stdout.write(f"created: {code} {names.get(code, '')}")
        for code in result.updated:
            self.stdout.write(f"updated: {code} {names.get(code, '')}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(result.created)} created, {len(result.updated)} updated, "
                f"{len(result.unchanged)} unchanged"
            )
        )
