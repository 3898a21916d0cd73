"""``manage.py demo_logins``: the demo accounts to try the product with."""

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand

from pms.org.demo import demo_logins


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "Print the demo logins (user name, password, role, name, department)."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = [
            (login.username, login.password, login.role, login.name, login.department)
            for login in demo_logins()
        ]
        if not rows:
            return
        header = ("username", "password", "role", "name", "department")
        widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            line = "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True))
            self.stdout.write(line.rstrip())
