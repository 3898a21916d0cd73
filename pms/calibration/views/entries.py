"""One person in a session — their evidence beside the history of changes and the change
form — and two to four people side by side with the same evidence.

Refusals: "not found" for a session or entry the viewer may not see, and always for the
viewer's own entry; the change form is only there for those who may decide.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from pms.calibration import access
from pms.calibration.distribution import rule_grades
from pms.calibration.forms import EntryChangeForm
from pms.calibration.models import CalibrationEntry
from pms.calibration.selectors import evidence as evidence_selectors
from pms.calibration.selectors import sessions as selectors
from pms.calibration.views.common import parse_uuids
from pms.core.access import NotFound
from pms.core.htmx import is_htmx
from pms.org.roles import Principal
from pms.org.views import principal_of

COMPARE_MIN = 2
COMPARE_MAX = 4


def entry_page(
    request: HttpRequest,
    principal: Principal,
    entry: CalibrationEntry,
    *,
    form: EntryChangeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    session = entry.session
    can_decide = access.can_decide(principal, session)
    if can_decide and form is None:
        form = EntryChangeForm(
            grades=rule_grades(session),
            initial={"score": entry.score if entry.score is not None else ""},
        )
    return render(
        request,
        "calibration/entry_detail.html",
        {
            "entry": entry,
            "session": session,
            "evidence": evidence_selectors.entry_evidence(entry),
            "changes": selectors.entry_changes(entry),
            "form": form if can_decide else None,
            "can_decide": can_decide,
            "title": entry.employee.name,
        },
        status=status,
    )


@login_required
@require_GET
def entry_detail(request: HttpRequest, uuid: object) -> HttpResponse:
    principal = principal_of(request)
    return entry_page(request, principal, access.access_entry(principal, uuid))


@login_required
@require_GET
def compare(request: HttpRequest, uuid: object) -> HttpResponse:
    """?e=…&e=…: two to four people of the session side by side."""
    principal = principal_of(request)
    session = access.access_session(principal, uuid)
    ids = parse_uuids(request.GET.getlist("e"))
    if ids is None:
        raise NotFound
    if is_htmx(request):
        # asked from the grid's form: open the page itself, with only the people in its address
        target = reverse("calibration:compare", kwargs={"uuid": session.uuid})
        response = HttpResponse("")
        response["HX-Redirect"] = f"{target}?{urlencode([('e', str(i)) for i in ids])}"
        return response
    entries: list[CalibrationEntry] = []
    problem = ""
    if not COMPARE_MIN <= len(ids) <= COMPARE_MAX:
        problem = _("Choose two to four people to compare.")
    else:
        entries = evidence_selectors.entries_to_compare(
            access.entries_visible(principal, session), ids
        )
        if len(entries) != len(ids):
            raise NotFound
    found = evidence_selectors.entries_evidence(entries)
    return render(
        request,
        "calibration/compare.html",
        {
            "session": session,
            "columns": [found[entry.pk] for entry in entries],
            "problem": problem,
            "title": _("Compare people in %(name)s") % {"name": session.name},
        },
        status=400 if problem else 200,
    )


urlpatterns: list[URLPattern] = [
    path("entries/<uuid:uuid>/", entry_detail, name="entry"),
    path("<uuid:uuid>/compare/", compare, name="compare"),
]
