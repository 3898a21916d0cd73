"""``manage.py create_api_token --user USERNAME --scopes read_org,write_actuals [--name NAME]``

Prints the raw token once; only its hash is stored.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pms.accounts.models import TokenScope, User
from pms.accounts.services import api_token_create
from pms.core.audit import Actor
from pms.core.models import AuditChannel


class Command(BaseCommand):
    help = "Create an API token for an integration and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="Username the token acts as.")
        parser.add_argument(
            "--scopes",
            required=True,
            help=f"Comma-separated scopes: {', '.join(TokenScope.values)}.",
        )
        parser.add_argument("--name", default="", help="What the token is for (e.g. ERP sync).")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["user"]
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"The user {username!r} is deactivated.")
        scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
        name = options["name"].strip() or f"{username} (command line)"
        try:
            token, raw = api_token_create(
                actor=Actor(user=None, channel=AuditChannel.COMMAND),
                user=user,
                name=name,
                scopes=scopes,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stderr.write(
            f"Created token {token.name!r} for {username} with scopes {', '.join(token.scopes)}. "
            "It is shown only this once; store it now."
        )
        self.stdout.write(raw)
