"""What the calibration pages share: a session's page (header, distribution, grade counts,
grid) built once for the page itself and for the fragments HTMX swaps."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from pms.calibration import access
from pms.calibration.distribution import PoolDeviation, deviations_of_session, rule_grades
from pms.calibration.exporters import GRID_EXPORT
from pms.calibration.forms import BulkChangeForm, CloseForm, GridFilterForm
from pms.calibration.models import (
    CalibrationEntry,
    CalibrationSession,
    Enforcement,
    MemberRole,
    SessionStatus,
)
from pms.calibration.selectors import grid as grid_selectors
from pms.calibration.selectors import sessions as selectors
from pms.core.export_pages import export_status_context
from pms.core.pagination import paginate, query_without_page
from pms.core.selectors import latest_export
from pms.org.roles import Principal

PER_PAGE = 50
# the event a change sends so that the distribution panel and the grade counts reload
CHANGED_EVENT = "calibration-changed"


def role_label(role: str | None) -> str:
    if not role:
        return ""
    return str(dict(MemberRole.choices).get(role, role))


def parse_uuids(values: Iterable[str]) -> list[uuid.UUID] | None:
    """The ids given, in order and without repeats; None when one is not an id at all."""
    found: list[uuid.UUID] = []
    for value in values:
        try:
            parsed = uuid.UUID(str(value))
        except ValueError:
            return None
        if parsed not in found:
            found.append(parsed)
    return found


def grid_context(
    request: HttpRequest,
    session: CalibrationSession,
    entries: QuerySet[CalibrationEntry],
    pools: list[PoolDeviation],
    *,
    can_decide: bool,
    bulk_form: BulkChangeForm | None = None,
) -> dict[str, Any]:
    """The grid's filters, page of rows and bulk form (a fixed number of queries)."""
    grades = rule_grades(session)
    form = GridFilterForm(
        request.GET or None,
        departments=selectors.entry_departments(entries),
        managers=selectors.entry_managers(entries),
        pools=[(pool.key, pool.name) for pool in pools],
        grades=grades,
    )
    filters = form.filters()
    page = paginate(request, grid_selectors.grid_rows(entries, filters), per_page=PER_PAGE)
    return {
        "filter_form": form,
        "filters": filters,
        "page": page,
        "query": query_without_page(request),
        "bulk_form": bulk_form or BulkChangeForm(grades=grades, auto_id="bulk_%s"),
        "can_decide": can_decide,
    }


POOLS_SHOWN = 12


def status_context(
    principal: Principal,
    session: CalibrationSession,
    entries: QuerySet[CalibrationEntry],
    pools: list[PoolDeviation],
    *,
    close_form: CloseForm | None = None,
    all_pools: bool = False,
) -> dict[str, Any]:
    """The distribution panel, the grade counts and the close form.

    A big session has hundreds of pools: the panel shows the groups off target first, then
    the largest, up to ``POOLS_SHOWN``, and says how many more there are (``?pools=all``
    shows every one)."""
    off = [pool for pool in pools if not pool.complies]
    ordered = sorted(pools, key=lambda pool: (pool.complies, -pool.deviation.headcount))
    shown = ordered if all_pools else ordered[:POOLS_SHOWN]
    return {
        "panels": selectors.pool_panels(shown),
        "pools_hidden": len(pools) - len(shown),
        "pools_hidden_off": len(off) - sum(1 for pool in shown if not pool.complies),
        "counts": grid_selectors.grade_counts(session, entries),
        "off_target": len(off),
        "blocked": bool(off) and session.enforcement == Enforcement.BLOCK,
        "needs_reason": bool(off) and session.enforcement == Enforcement.WARN,
        "close_form": close_form or CloseForm(),
        "can_setup": access.can_setup_session(principal, session),
        "can_decide": access.can_decide(principal, session),
    }


def session_page(
    request: HttpRequest,
    principal: Principal,
    session: CalibrationSession,
    *,
    close_form: CloseForm | None = None,
    bulk_form: BulkChangeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_setup = access.can_setup_session(principal, session)
    can_decide = access.can_decide(principal, session)
    context: dict[str, Any] = {
        "session": session,
        "title": session.name,
        "can_setup": can_setup,
        "can_decide": can_decide,
        "my_role": role_label(access.member_role(principal, session)),
        "members": selectors.session_members(session),
        "departments": selectors.session_departments(session),
        "is_draft": session.status == SessionStatus.DRAFT,
        "is_closed": session.status == SessionStatus.CLOSED,
    }
    if session.status != SessionStatus.DRAFT:
        entries = access.entries_visible(principal, session)
        pools = deviations_of_session(session, entries=entries)
        context.update(
            status_context(
                principal,
                session,
                entries,
                pools,
                close_form=close_form,
                all_pools=request.GET.get("pools") == "all",
            ),
            **grid_context(
                request, session, entries, pools, can_decide=can_decide, bulk_form=bulk_form
            ),
            export=export_status_context(
                latest_export(principal.user, GRID_EXPORT, session=str(session.uuid))
            ),
        )
    return render(request, "calibration/session_detail.html", context, status=status)


def service_messages(error: Any) -> list[str]:
    return [str(m) for m in getattr(error, "messages", [])] or [_("Some values are not valid.")]
