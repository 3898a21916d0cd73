"""Names of calibration codes in templates: ``{{ entry.box|box_name }}``."""

from __future__ import annotations

from django import template

from pms.calibration import labels

register = template.Library()


@register.filter
def box_name(number: int | None) -> str:
    return labels.box_name(number)


@register.filter
def box_hint(code: str) -> str:
    return str(labels.BOX_HINTS.get(code, ""))


@register.filter
def mode_name(mode: str) -> str:
    return labels.mode_name(mode)


@register.filter
def status_name(status: str) -> str:
    return labels.status_name(status)


@register.filter
def level_name(level: str) -> str:
    return labels.level_name(level)


@register.filter
def minus(value: int, other: int) -> int:
    return int(value) - int(other)


@register.filter
def signed(value: object) -> str:
    """A difference with its sign (+2, −1, 0)."""
    if value is None or value == "":
        return "—"
    text = str(value)
    if text.startswith("-"):
        return "−" + text[1:]
    if text in {"0", "0.00"}:
        return text
    return "+" + text


@register.filter
def change_value(value: str, field: str) -> str:
    """A before or after value of a change as people read it (potential by its name)."""
    if not value:
        return "—"
    if field == "potential":
        from pms.calibration.models import Potential

        return str(dict(Potential.choices).get(value, value))
    return value
