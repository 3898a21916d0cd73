"""A session's nine-box (九宫格) and its rater signals.

The nine-box places people by their calibrated grade (performance) and the potential
rated in the session; moving somebody is a change of potential and/or grade with a
reason, through the same change form as the grid. The rater signals show each manager's
proposed scores against the cycle's. Both read only the rows the viewer may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from pms.calibration import access
from pms.calibration.labels import BOX_HINTS, BOX_NAMES, box_code
from pms.calibration.selectors.grid import PER_BOX, Box, nine_box
from pms.calibration.selectors.signals import rater_signals
from pms.org.views import principal_of


@dataclass(frozen=True)
class BoxView:
    box: Box
    code: str
    name: str
    hint: str

    @property
    def more(self) -> int:
        return max(0, self.box.count - len(self.box.people))


@login_required
@require_GET
def nine_box_page(request: HttpRequest, uuid: object) -> HttpResponse:
    principal = principal_of(request)
    session = access.access_session(principal, uuid)
    boxes, unplaced = nine_box(access.entries_visible(principal, session))
    views: list[Any] = []
    for box in boxes:
        code = box_code(box.number)
        views.append(
            BoxView(box=box, code=code, name=str(BOX_NAMES[code]), hint=str(BOX_HINTS[code]))
        )
    return render(
        request,
        "calibration/nine_box.html",
        {
            "session": session,
            "rows": [views[0:3], views[3:6], views[6:9]],
            "unplaced": unplaced,
            "per_box": PER_BOX,
            "can_decide": access.can_decide(principal, session),
            "title": _("Nine-box: %(name)s") % {"name": session.name},
        },
    )


@login_required
@require_GET
def signals_page(request: HttpRequest, uuid: object) -> HttpResponse:
    principal = principal_of(request)
    session = access.access_session(principal, uuid)
    overall, signals = rater_signals(session, access.entries_visible(principal, session))
    return render(
        request,
        "calibration/signals.html",
        {
            "session": session,
            "overall": overall,
            "signals": signals,
            "title": _("Rater signals: %(name)s") % {"name": session.name},
        },
    )


urlpatterns: list[URLPattern] = [
    path("<uuid:uuid>/nine-box/", nine_box_page, name="nine_box"),
    path("<uuid:uuid>/signals/", signals_page, name="signals"),
]
