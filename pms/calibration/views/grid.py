"""The grid of a session's people and the changes made in it: the filtered, paginated rows
(an HTMX fragment), one person's change inline, and one change for the rows ticked.

Every change needs a reason and goes through ``services.entries``; after one, the response
tells the page (``HX-Trigger: calibration-changed``) to reload the distribution panel and
the grade counts. Observers and everybody in a closed session only look ("forbidden" to
change); the person themself never finds their own row ("not found").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pms.calibration import access
from pms.calibration.distribution import deviations_of_session, rule_grades
from pms.calibration.forms import BulkChangeForm, EntryChangeForm
from pms.calibration.models import CalibrationEntry, SessionStatus
from pms.calibration.services.entries import entries_change, entry_change, pool_rank_apply
from pms.calibration.views.common import (
    CHANGED_EVENT,
    grid_context,
    parse_uuids,
    session_page,
)
from pms.calibration.views.entries import entry_page
from pms.core.access import Forbidden
from pms.core.htmx import is_htmx
from pms.org.forms import add_service_errors
from pms.org.views import actor_of, principal_of

# where a change form sits: a grid row, the nine-box's panel, or the entry's own page
PARTS = ("row", "panel", "page")


@login_required
@require_GET
def grid(request: HttpRequest, uuid: object) -> HttpResponse:
    """The grid as filtered and paged (HTMX); the whole session page otherwise."""
    principal = principal_of(request)
    session = access.access_session(principal, uuid)
    if not is_htmx(request) or session.status == SessionStatus.DRAFT:
        return session_page(request, principal, session)
    entries = access.entries_visible(principal, session)
    pools = deviations_of_session(session, entries=entries)
    context = grid_context(
        request, session, entries, pools, can_decide=access.can_decide(principal, session)
    )
    return render(
        request, "calibration/_grid.html", {"session": session, "fragment": True, **context}
    )


def _row(
    request: HttpRequest, entry: CalibrationEntry, *, can_decide: bool, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "calibration/_row.html",
        {"entry": entry, "session": entry.session, "can_decide": can_decide},
        status=status,
    )


def _change_form(
    request: HttpRequest,
    entry: CalibrationEntry,
    form: EntryChangeForm,
    part: str,
    *,
    status: int = 200,
) -> HttpResponse:
    template = "calibration/_row_form.html" if part == "row" else "calibration/_move_form.html"
    return render(
        request,
        template,
        {"entry": entry, "session": entry.session, "form": form, "part": part},
        status=status,
    )


@login_required
@require_GET
def entry_row(request: HttpRequest, uuid: object) -> HttpResponse:
    """One row of the grid as it stands (what "cancel" puts back)."""
    principal = principal_of(request)
    entry = access.access_entry(principal, uuid)
    if not is_htmx(request):
        return redirect("calibration:entry", uuid=entry.uuid)
    return _row(request, entry, can_decide=access.can_decide(principal, entry.session))


@login_required
@require_http_methods(["GET", "POST"])
def entry_change_view(request: HttpRequest, uuid: object) -> HttpResponse:
    """A change of one person: the form (GET, HTMX) and the change itself (POST)."""
    principal = principal_of(request)
    entry = access.access_entry_for_change(principal, uuid)
    grades = rule_grades(entry.session)
    source = request.POST if request.method == "POST" else request.GET
    part = source.get("part", "page")
    if part not in PARTS:
        part = "page"
    if request.method == "GET":
        if not is_htmx(request) or part == "page":
            return redirect(reverse("calibration:entry", kwargs={"uuid": entry.uuid}) + "#change")
        form = EntryChangeForm(
            grades=grades,
            initial={"score": entry.score if entry.score is not None else ""},
            auto_id=f"change_{entry.uuid.hex[:8]}_%s",
        )
        return _change_form(request, entry, form, part)
    form = EntryChangeForm(request.POST, grades=grades, auto_id=f"change_{entry.uuid.hex[:8]}_%s")
    if form.is_valid():
        data = form.cleaned_data
        # an unchanged score in the form is not a change of score
        score = data["score"].strip() or None
        if score is not None and entry.score is not None and _same(score, entry.score):
            score = None
        try:
            entry = entry_change(
                actor=actor_of(request),
                entry=entry,
                reason=data["reason"],
                score=score,
                grade=data["grade"] or None,
                potential=data["potential"] or None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _changed(request, entry, part)
    if part == "page" or not is_htmx(request):
        return entry_page(request, principal, entry, form=form, status=422)
    return _change_form(request, entry, form, part, status=422)


def _same(text: str, value: Any) -> bool:
    try:
        return bool(Decimal(text) == value)
    except ArithmeticError:
        return False


def _changed(request: HttpRequest, entry: CalibrationEntry, part: str) -> HttpResponse:
    name = entry.employee.name
    if part == "row" and is_htmx(request):
        response = _row(request, entry, can_decide=True)
        response["HX-Trigger"] = CHANGED_EVENT
        return response
    if part == "panel" and is_htmx(request):
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        messages.success(request, _("%(name)s changed.") % {"name": name})
        return response
    messages.success(request, _("%(name)s changed.") % {"name": name})
    if part == "panel":
        return redirect("calibration:nine_box", uuid=entry.session.uuid)
    return redirect("calibration:entry", uuid=entry.uuid)


@login_required
@require_POST
def bulk_change(request: HttpRequest, uuid: object) -> HttpResponse:
    """One grade or potential, one reason, for the rows ticked in the grid."""
    principal = principal_of(request)
    session = access.access_session(principal, uuid)
    if not access.can_decide(principal, session):
        raise Forbidden
    grades = rule_grades(session)
    form = BulkChangeForm(request.POST, grades=grades, auto_id="bulk_%s")
    ids = parse_uuids(request.POST.getlist("e"))
    if ids is None:
        form.add_error(None, _("Some of these people are not in this session."))
    elif form.is_valid():
        entries = list(access.entries_visible(principal, session).filter(uuid__in=ids))
        if len(entries) != len(ids):
            form.add_error(None, _("Some of these people are not in this session."))
        else:
            try:
                changed = entries_change(
                    actor=actor_of(request),
                    session=session,
                    entries=entries,
                    reason=form.cleaned_data["reason"],
                    grade=form.cleaned_data["grade"] or None,
                    potential=form.cleaned_data["potential"] or None,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    ngettext("%(count)s person changed.", "%(count)s people changed.", len(changed))
                    % {"count": len(changed)},
                )
                return _after_bulk(request, session)
    # the grid as it was filtered, with the form's errors
    back = QueryDict(request.POST.get("filters", "")[:2000])
    request.GET = back
    if is_htmx(request):
        entries_qs = access.entries_visible(principal, session)
        pools = deviations_of_session(session, entries=entries_qs)
        context = grid_context(request, session, entries_qs, pools, can_decide=True, bulk_form=form)
        return render(
            request,
            "calibration/_grid.html",
            {"session": session, "fragment": True, **context},
            status=422,
        )
    return session_page(request, principal, session, bulk_form=form, status=422)


def _after_bulk(request: HttpRequest, session: Any) -> HttpResponse:
    back = request.POST.get("filters", "")[:2000]
    if is_htmx(request):
        principal = principal_of(request)
        request.GET = QueryDict(back)
        entries = access.entries_visible(principal, session)
        pools = deviations_of_session(session, entries=entries)
        context = grid_context(request, session, entries, pools, can_decide=True)
        response = render(
            request, "calibration/_grid.html", {"session": session, "fragment": True, **context}
        )
        response["HX-Trigger"] = CHANGED_EVENT
        return response
    target = reverse("calibration:session", kwargs={"uuid": session.uuid})
    return redirect(f"{target}?{back}#grid" if back else f"{target}#grid")


@login_required
@require_POST
def pool_rank(request: HttpRequest, uuid: object) -> HttpResponse:
    """Grade one pool by ranking under the distribution (强制分布排名), with one reason.
    Refused to somebody who is in that pool themself: it would change their own grade."""
    principal = principal_of(request)
    session = access.access_session(principal, uuid)
    if not access.can_decide(principal, session):
        raise Forbidden
    pool = request.POST.get("pool", "")[:40]
    if (
        principal.employee is not None
        and CalibrationEntry.objects.filter(
            session=session, pool=pool, employee=principal.employee
        ).exists()
    ):
        raise Forbidden(_("You are in this group yourself; somebody else ranks it."))
    try:
        changed = pool_rank_apply(
            actor=actor_of(request),
            session=session,
            pool=pool,
            reason=request.POST.get("reason", "")[:1000],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            ngettext(
                "Ranked: %(count)s person's grade changed.",
                "Ranked: %(count)s people's grades changed.",
                len(changed),
            )
            % {"count": len(changed)},
        )
    return redirect(reverse("calibration:session", kwargs={"uuid": session.uuid}) + "#people")


urlpatterns: list[URLPattern] = [
    path("<uuid:uuid>/rank/", pool_rank, name="pool_rank"),
    path("<uuid:uuid>/grid/", grid, name="grid"),
    path("<uuid:uuid>/bulk/", bulk_change, name="bulk_change"),
    path("entries/<uuid:uuid>/row/", entry_row, name="entry_row"),
    path("entries/<uuid:uuid>/change/", entry_change_view, name="entry_change"),
]
