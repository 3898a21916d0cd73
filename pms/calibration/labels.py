"""The words calibration pages, exports and the API show for its codes: nine-box names,
quota modes and statuses, performance levels."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pms.scoring.ninebox import BOX_CODES

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as Promise

# pms.scoring.ninebox.BOX_CODES: one name per box, by its stable code
BOX_NAMES: dict[str, Promise] = {
    "risk": pgettext_lazy("nine-box", "Needs improvement"),
    "effective": pgettext_lazy("nine-box", "Steady contributor"),
    "trusted_professional": pgettext_lazy("nine-box", "Trusted professional"),
    "inconsistent": pgettext_lazy("nine-box", "Inconsistent performer"),
    "core": pgettext_lazy("nine-box", "Core player"),
    "high_performer": pgettext_lazy("nine-box", "High performer"),
    "enigma": pgettext_lazy("nine-box", "Untapped potential"),
    "growth": pgettext_lazy("nine-box", "Rising talent"),
    "star": pgettext_lazy("nine-box", "Star"),
}

BOX_HINTS: dict[str, Promise] = {
    "risk": _("Low performance, low potential: an improvement plan or a different role."),
    "effective": _("Medium performance, low potential: keep them engaged in their role."),
    "trusted_professional": _("High performance, low potential: an expert to keep and recognise."),
    "inconsistent": _("Low performance, medium potential: find out what holds them back."),
    "core": _("Medium performance, medium potential: the backbone; develop them steadily."),
    "high_performer": _("High performance, medium potential: stretch them with new challenges."),
    "enigma": _("Low performance, high potential: coach closely; the role may not fit."),
    "growth": _("Medium performance, high potential: develop them for a bigger role."),
    "star": _("High performance, high potential: retain and prepare for promotion."),
}

LEVEL_NAMES: dict[str, Promise] = {
    "low": pgettext_lazy("level", "Low"),
    "mid": pgettext_lazy("level", "Medium"),
    "high": pgettext_lazy("level", "High"),
}

MODE_NAMES: dict[str, Promise] = {
    "exact": pgettext_lazy("quota", "Exactly"),
    "at_most": pgettext_lazy("quota", "At most"),
    "at_least": pgettext_lazy("quota", "At least"),
    "target": pgettext_lazy("quota", "Target (advisory)"),
}

STATUS_NAMES: dict[str, Promise] = {
    "ok": pgettext_lazy("quota", "On target"),
    "over": pgettext_lazy("quota", "Too many"),
    "under": pgettext_lazy("quota", "Too few"),
}


def box_code(number: int | None) -> str:
    if number is None:
        return ""
    return BOX_CODES.get(number, "")


def box_name(number: int | None) -> str:
    """The translated name of box 1–9; empty for no box."""
    code = box_code(number)
    return str(BOX_NAMES[code]) if code else ""


def mode_name(mode: str) -> str:
    return str(MODE_NAMES.get(str(mode), mode))


def status_name(status: str) -> str:
    return str(STATUS_NAMES.get(str(status), status))


def level_name(level: str) -> str:
    return str(LEVEL_NAMES.get(str(level), level))
