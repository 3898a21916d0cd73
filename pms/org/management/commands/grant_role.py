from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from pms.accounts.models import User
from pms.core.audit import Actor
from pms.core.models import AuditChannel
from pms.org import services
from pms.org.models import Department, GrantedRole


class Command(BaseCommand):
    help = "Grant a role (hr_admin, committee, executive, system_admin) to a user."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--user", required=True, help="user name")
        parser.add_argument("--role", required=True, choices=GrantedRole.values)
        parser.add_argument(
            "--departments", default="", help="HRBP scope: department codes, comma-separated"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user named {options['user']!r}.")
        codes = [c.strip() for c in options["departments"].split(",") if c.strip()]
        departments = list(Department.objects.filter(code__in=codes, is_active=True))
        unknown = sorted(set(codes) - {d.code for d in departments})
        if unknown:
            raise CommandError(f"Unknown department codes: {', '.join(unknown)}")
        try:
            services.role_grant(
                actor=Actor(user=None, channel=AuditChannel.COMMAND),
                user=user,
                role=options["role"],
                departments=departments,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"Granted {options['role']} to {user.username}.")
