"""The notification events: each app registers the events it sends, with a title and a body
as translatable templates filled from the event's parameters (``%(name)s``). Messages are
rendered in the recipient's language when shown or sent, never stored pre-translated."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Event:
    code: str
    title: str | Promise
    body: str | Promise
    # the group a person switches on or off in their settings (goals, tracking, feedback…)
    category: str


_EVENTS: dict[str, Event] = {}


def register_event(code: str, *, title: str | Promise, body: str | Promise, category: str) -> None:
    _EVENTS[code] = Event(code=code, title=title, body=body, category=category)


def event_for(code: str) -> Event:
    return _EVENTS[code]


def event_or_none(code: str) -> Event | None:
    return _EVENTS.get(code)


def events() -> list[Event]:
    return sorted(_EVENTS.values(), key=lambda event: (event.category, event.code))


# The groups a person switches on or off. Apps with a new group register it with a label.
_CATEGORIES: dict[str, str | Promise] = {
    "goals": _("Goals"),
    "tracking": _("Progress and actuals"),
    "coaching": _("Check-ins and coaching"),
    "feedback": _("Feedback"),
    "imports": _("Imports"),
}


def register_category(code: str, *, label: str | Promise) -> None:
    _CATEGORIES[code] = label


def category_label(code: str) -> str:
    return str(_CATEGORIES.get(code, code))


def categories() -> list[tuple[str, str]]:
    """(code, label) of every category some event belongs to, the registered ones first."""
    used = {e.category for e in _EVENTS.values()}
    codes = [code for code in _CATEGORIES if code in used]
    codes += sorted(used - set(codes))
    return [(code, category_label(code)) for code in codes]
