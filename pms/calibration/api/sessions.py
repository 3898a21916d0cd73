"""/api/v1/calibration-sessions and /api/v1/calibration-entries: the sessions a caller may
see, one session with its distribution per pool, its people (filtered, paged), one
person with their change history, that history paged, and a change — through the same
access functions, services and selectors as the pages. Reads need the ``read_calibration``
scope, a change ``write_calibration`` (browser sessions hold every scope). Nobody finds
their own entry."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from pms.calibration import access
from pms.calibration.distribution import deviations_of_session, session_rule
from pms.calibration.labels import box_code
from pms.calibration.models import CalibrationChange, CalibrationEntry, CalibrationSession
from pms.calibration.selectors import grid as grid_selectors
from pms.calibration.selectors import sessions as selectors
from pms.calibration.services.entries import entry_change
from pms.core.access import NotFound
from pms.core.api import ErrorOut, PageQuery, paginate, principal
from pms.core.audit import Actor
from pms.core.models import AuditChannel
from pms.org.access import is_member
from pms.org.models import Department, Employee
from pms.org.roles import Principal
from pms.scoring.decimals import normalized

from .schemas import (
    ChangeIn,
    ChangeOut,
    ChangePage,
    EntryDetailOut,
    EntryOut,
    EntryPage,
    EntryQuery,
    GradeCountOut,
    GradeRuleOut,
    MemberOut,
    PoolOut,
    QuotaOut,
    SessionDetailOut,
    SessionOut,
    SessionPage,
)

router = Router(tags=["calibration"])

ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
NO_MATCH = -1


def _session_out(session: CalibrationSession, people: int) -> SessionOut:
    return SessionOut(
        uuid=session.uuid,
        name=session.name,
        cycle=session.cycle.uuid,
        cycle_name=session.cycle.name,
        status=session.status,
        facilitator=session.facilitator.display_name,
        people=people,
        enforcement=session.enforcement,
        min_group_size=session.min_group_size,
        opened_at=session.opened_at,
        closed_at=session.closed_at,
        close_reason=session.close_reason,
    )


def _visible_session(who: Principal, uuid: UUID) -> CalibrationSession:
    if not is_member(who):
        raise NotFound
    return access.access_session(who, uuid)


def _entry_out(entry: CalibrationEntry) -> EntryOut:
    return EntryOut(
        uuid=entry.uuid,
        employee=entry.employee.name,
        employee_number=entry.employee.number,
        department=entry.department.name,
        manager=entry.manager.name if entry.manager is not None else None,
        pool=entry.pool,
        proposed_score=entry.proposed_score,
        proposed_grade=entry.proposed_grade,
        score=entry.score,
        grade=entry.grade,
        potential=entry.potential,
        box=entry.box,
        box_code=box_code(entry.box),
        changed=entry.changed,
    )


@router.get(
    "/calibration-sessions", response={200: SessionPage, **ERRORS}, summary="Calibration sessions"
)
def session_list(request: HttpRequest, paging: Query[PageQuery]) -> dict[str, Any]:
    """HR's sessions (an HRBP's within their scope), and those the caller facilitates or,
    once opened, sits on."""
    who = principal(request, access.READ_SCOPE)
    if not is_member(who):
        raise NotFound
    rows = selectors.session_list(access.sessions_visible(who))
    return paginate(rows, paging, lambda s: _session_out(s, getattr(s, "n_entries", 0)))


@router.get(
    "/calibration-sessions/{uuid:uuid}",
    response={200: SessionDetailOut, **ERRORS},
    summary="One calibration session with its distribution",
)
def session_detail(request: HttpRequest, uuid: UUID) -> SessionDetailOut:
    """The session, its rule, and per pool each grade's quota with the rounding against
    the count now (of the people the caller may see: never themself)."""
    who = principal(request, access.READ_SCOPE)
    session = _visible_session(who, uuid)
    entries = access.entries_visible(who, session)
    pools = deviations_of_session(session, entries=entries)
    rule = session_rule(session)
    return SessionDetailOut(
        **_session_out(session, entries.count()).model_dump(),
        departments=[d.name for d in selectors.session_departments(session)],
        subtree=session.subtree,
        role_family=session.role_family.name if session.role_family else None,
        distribution=[
            GradeRuleOut(grade=s.grade, share=normalized(s.share), mode=str(s.mode))
            for s in rule.shares
        ],
        pools=[
            PoolOut(
                key=panel.key,
                name=panel.name,
                headcount=panel.headcount,
                enforced=panel.enforced,
                complies=panel.complies,
                ungraded=panel.ungraded,
                grades=[
                    QuotaOut(
                        grade=row.quota.grade,
                        mode=str(row.quota.mode),
                        share=row.share,
                        exact=row.exact,
                        floor=row.quota.floor,
                        remainder=row.remainder,
                        seat=row.quota.seat,
                        quota=row.quota.quota,
                        count=row.now.count,
                        difference=row.now.difference,
                        status=str(row.now.status),
                    )
                    for row in panel.rows
                ],
            )
            for panel in selectors.pool_panels(pools)
        ],
        grade_counts=[
            GradeCountOut(grade=c.grade, proposed=c.proposed, now=c.now)
            for c in grid_selectors.grade_counts(session, entries)
        ],
        members=[
            MemberOut(name=m.user.display_name, role=m.role)
            for m in selectors.session_members(session)
        ],
        my_role=access.member_role(who, session),
        can_decide=access.can_decide(who, session),
    )


def _pk_of(model: type[Department] | type[Employee], uuid: UUID | None) -> int | None:
    if uuid is None:
        return None
    found = model.objects.filter(uuid=uuid).values_list("pk", flat=True).first()
    return found if found is not None else NO_MATCH


def _filters(query: EntryQuery) -> grid_selectors.GridFilters:
    return grid_selectors.GridFilters(
        department=_pk_of(Department, query.department),
        pool=query.pool,
        grade=query.grade,
        manager=_pk_of(Employee, query.manager),
        changed=query.changed,
        potential=query.potential,
        box=query.box,
        query=query.q.strip(),
        sort=query.sort,
    )


@router.get(
    "/calibration-sessions/{uuid:uuid}/entries",
    response={200: EntryPage, **ERRORS},
    summary="The people of a calibration session",
)
def session_entries(
    request: HttpRequest, uuid: UUID, filters: Query[EntryQuery], paging: Query[PageQuery]
) -> dict[str, Any]:
    """Filtered and sorted as on the grid; the caller's own entry is never among them."""
    who = principal(request, access.READ_SCOPE)
    session = _visible_session(who, uuid)
    rows: QuerySet[CalibrationEntry] = grid_selectors.grid_rows(
        access.entries_visible(who, session), _filters(filters)
    )
    return paginate(rows, paging, _entry_out)


def _change_out(change: CalibrationChange) -> ChangeOut:
    return ChangeOut(
        at=change.created_at,
        by=change.changed_by.display_name,
        field=change.field,
        before=change.before,
        after=change.after,
        reason=change.reason,
    )


@router.get(
    "/calibration-entries/{uuid:uuid}",
    response={200: EntryDetailOut, **ERRORS},
    summary="One person in calibration with their changes",
)
def entry_detail(request: HttpRequest, uuid: UUID) -> EntryDetailOut:
    """The person's proposed and calibrated score and grade, potential and nine-box, with
    every change (before, after, who, why, when), oldest first. Found like the grid:
    whoever sees the session, never for one's own entry (404)."""
    who = principal(request, access.READ_SCOPE)
    if not is_member(who):
        raise NotFound
    entry = access.access_entry(who, uuid)
    session = entry.session
    return EntryDetailOut(
        **_entry_out(entry).model_dump(),
        session=session.uuid,
        session_name=session.name,
        session_status=session.status,
        cycle=session.cycle.uuid,
        cycle_name=session.cycle.name,
        changes=[_change_out(change) for change in selectors.entry_changes(entry)],
    )


@router.get(
    "/calibration-entries/{uuid:uuid}/changes",
    response={200: ChangePage, **ERRORS},
    summary="A person's changes in calibration",
)
def entry_changes(request: HttpRequest, uuid: UUID, paging: Query[PageQuery]) -> dict[str, Any]:
    """Every change of score, grade or potential with before, after, who and why."""
    who = principal(request, access.READ_SCOPE)
    if not is_member(who):
        raise NotFound
    entry = access.access_entry(who, uuid)
    return paginate(selectors.entry_changes(entry), paging, _change_out)


@router.post(
    "/calibration-entries/{uuid:uuid}/changes",
    response={201: EntryOut, **ERRORS},
    summary="Change a person's score, grade or potential",
)
def entry_change_create(request: HttpRequest, uuid: UUID, payload: ChangeIn) -> Status[EntryOut]:
    """In an open session, by its facilitator, HR who may set it up, or a deciding member
    (403 for observers and in a closed session). A reason is required (422 without one);
    a score alone takes the grade of its band."""
    who = principal(request, access.WRITE_SCOPE)
    if not is_member(who):
        raise NotFound
    entry = access.access_entry_for_change(who, uuid)
    changed = entry_change(
        actor=Actor(user=who.user, channel=AuditChannel.API),
        entry=entry,
        reason=payload.reason,
        score=payload.score,
        grade=payload.grade,
        potential=payload.potential,
    )
    return Status(201, _entry_out(changed))
