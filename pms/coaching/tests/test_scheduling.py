"""Cadence by role family, the daily scheduling job (idempotent, bulk, bounded queries)
and the due reminders."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from pms.coaching import events
from pms.coaching.cadence import previous_windows, window_containing
from pms.coaching.models import ActionItem, CheckIn, CheckInCadence, CheckInOrigin
from pms.coaching.services import cadence as cadence_services
from pms.coaching.services import checkins as checkin_services
from pms.coaching.services import scheduling
from pms.coaching.tests import factories as f
from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry
from pms.core.periodic import periodic_job
from pms.org import services as org_services
from pms.org.models import EmployeeStatus
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg

SYSTEM = Actor.system()


def test_windows_are_aligned_to_the_calendar_year() -> None:
    day = dt.date(2026, 5, 17)
    assert window_containing(day, 1) == window_containing(dt.date(2026, 5, 1), 1)
    assert (window_containing(day, 1).start, window_containing(day, 1).end) == (
        dt.date(2026, 5, 1),
        dt.date(2026, 5, 31),
    )
    assert window_containing(day, 3).end == dt.date(2026, 6, 30)
    assert window_containing(day, 6).start == dt.date(2026, 1, 1)
    assert window_containing(dt.date(2024, 2, 10), 2).end == dt.date(2024, 2, 29)
    assert previous_windows(dt.date(2026, 1, 15), 3, 1)[0].start == dt.date(2025, 10, 1)
    with pytest.raises(ValueError, match="does not divide"):
        window_containing(day, 5)


def test_periodic_jobs_are_registered_daily() -> None:
    for name in ("coaching.schedule_checkins", "coaching.due_reminders"):
        job = periodic_job(name)
        assert job is not None
        assert job.every == dt.timedelta(days=1)


def test_default_cadence_is_monthly_for_sales_quarterly_for_rnd_and_others(org: TestOrg) -> None:
    rnd = org_factories.role_family("rnd", "研发")
    functional = org_factories.role_family("functional", "职能")
    sales = org_factories.role_family("sales")

    rules = cadence_services.effective_rules()

    assert rules.for_family(sales.pk).frequency == "monthly"
    assert rules.for_family(rnd.pk).frequency == "quarterly"
    assert rules.for_family(functional.pk).frequency == "quarterly"
    assert rules.for_family(None).frequency == "quarterly"
    assert not rules.for_family(sales.pk).explicit


def test_hr_sets_a_family_and_the_company_default(org: TestOrg) -> None:
    rnd = org_factories.role_family("rnd", "研发")
    functional = org_factories.role_family("functional", "职能")
    hr = f.actor_of(org.hr_admin)

    cadence_services.cadence_set(actor=hr, role_family=rnd, frequency="monthly")
    cadence_services.cadence_set(actor=hr, role_family=None, frequency="half_year")
    cadence_services.cadence_set(actor=hr, role_family=None, frequency="bimonthly", enabled=False)

    rules = cadence_services.effective_rules()
    assert rules.for_family(rnd.pk) == cadence_services.Rule("monthly", True, explicit=True)
    assert rules.for_family(functional.pk) == cadence_services.Rule("bimonthly", False, True)
    assert CheckInCadence.objects.count() == 2
    entries = AuditEntry.objects.filter(object_type="coaching.checkincadence")
    assert [e.action for e in entries.order_by("id")] == ["create", "create", "update"]
    with pytest.raises(Exception, match="how often"):
        cadence_services.cadence_set(actor=hr, role_family=rnd, frequency="weekly")


def test_schedule_creates_one_checkin_per_person_with_a_manager_by_cadence(
    org: TestOrg, now: dt.datetime
) -> None:
    created = scheduling.schedule_checkins(now)

    # everyone but the CEO (no manager) gets one
    assert created == 8
    mine = CheckIn.objects.get(employee=org.employee)
    assert (mine.period_start, mine.due_date) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert mine.manager == org.manager
    assert mine.origin == CheckInOrigin.SCHEDULE
    # no position → the company default, quarterly (Q1 ends on the same day here)
    theirs = CheckIn.objects.get(employee=org.outsider)
    assert (theirs.period_start, theirs.due_date) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert not CheckIn.objects.filter(employee=org.ceo).exists()
    audits = AuditEntry.objects.filter(object_type="coaching.checkin", action=AuditAction.CREATE)
    assert audits.count() == 8
    assert audits.filter(object_id=str(mine.pk), actor_label="system").exists()


def test_schedule_twice_creates_nothing_new(org: TestOrg, now: dt.datetime) -> None:
    first = scheduling.schedule_checkins(now)
    second = scheduling.schedule_checkins(now)
    later_same_month = scheduling.schedule_checkins(now + dt.timedelta(days=5))

    assert first == 8
    assert second == 0
    assert later_same_month == 0
    assert CheckIn.objects.count() == 8
    assert AuditEntry.objects.filter(object_type="coaching.checkin").count() == 8


def test_schedule_moves_on_with_the_window_and_keeps_manual_checkins(
    org: TestOrg, now: dt.datetime
) -> None:
    f.checkin(org.employee, due=dt.date(2026, 3, 31))
    scheduling.schedule_checkins(now)
    assert CheckIn.objects.filter(employee=org.employee).count() == 1

    created = scheduling.schedule_checkins(now + dt.timedelta(days=15))  # 4 April

    # April for the monthly sales people, Q2 for the quarterly others
    assert CheckIn.objects.filter(employee=org.employee, due_date=dt.date(2026, 4, 30)).exists()
    assert CheckIn.objects.filter(employee=org.outsider, due_date=dt.date(2026, 6, 30)).exists()
    assert created == 8


def test_schedule_skips_people_who_left_and_disabled_families(
    org: TestOrg, now: dt.datetime
) -> None:
    org_services.employee_update(
        actor=SYSTEM, employee=org.peer, changes={"status": EmployeeStatus.LEFT}
    )
    cadence_services.cadence_set(
        actor=SYSTEM, role_family=None, frequency="quarterly", enabled=False
    )

    created = scheduling.schedule_checkins(now)

    # only the sales family is still automatic, and the peer has left
    assert created == 1
    assert list(CheckIn.objects.values_list("employee", flat=True)) == [org.employee.pk]


def _people(count: int, org: TestOrg) -> None:
    for _ in range(count):
        org_factories.employee(dept=org.sales1, manager=org.manager)


def test_schedule_queries_do_not_grow_with_the_company(
    org: TestOrg, now: dt.datetime, django_assert_max_num_queries: Any
) -> None:
    _people(3, org)
    with django_assert_max_num_queries(12):
        small = scheduling.schedule_checkins(now)
    CheckIn.objects.all().delete()
    _people(40, org)
    with django_assert_max_num_queries(12):
        large = scheduling.schedule_checkins(now)
    assert (small, large) == (11, 51)


def test_reminders_notify_the_person_and_manager_once_per_checkin(
    org: TestOrg, now: dt.datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(scheduling, "notify", lambda **kw: calls.append(kw) or 1)
    soon = f.checkin(org.employee, due=dt.date(2026, 3, 22))
    f.checkin(org.peer, due=dt.date(2026, 4, 30))  # not yet
    item = checkin_services.action_item_add(
        actor=f.actor_of(org.manager),
        checkin=soon,
        title="整理客户清单",
        owner=org.employee,
        due_date=dt.date(2026, 3, 21),
    )

    told = scheduling.due_reminders(now)
    again = scheduling.due_reminders(now)

    assert (told, again) == (2, 0)
    checkin_call, action_call = calls
    assert checkin_call["event"] == events.CHECKIN_DUE
    assert {u.pk for u in checkin_call["recipients"]} == {
        org.employee.user_id,
        org.manager.user_id,
    }
    assert checkin_call["key"] == f"checkin-due:{soon.uuid}"
    assert checkin_call["url"] == f"/coaching/checkins/{soon.uuid}/"
    assert checkin_call["params"] == {"name": "陈员工", "due": "2026-03-22"}
    assert action_call["event"] == events.ACTION_DUE
    assert [u.pk for u in action_call["recipients"]] == [org.employee.user_id]
    assert action_call["key"] == f"action-due:{item.uuid}"
    soon.refresh_from_db()
    assert soon.reminded_at is not None
    assert ActionItem.objects.get(pk=item.pk).reminded_at is not None


def test_reminders_skip_closed_checkins_and_done_items(
    org: TestOrg, now: dt.datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(scheduling, "notify", lambda **kw: calls.append(kw) or 1)
    held = f.checkin(org.employee, due=dt.date(2026, 3, 21))
    item = checkin_services.action_item_add(
        actor=f.actor_of(org.manager),
        checkin=held,
        title="x",
        owner=org.employee,
        due_date=dt.date(2026, 3, 21),
    )
    checkin_services.checkin_hold(actor=f.actor_of(org.manager), checkin=held)
    checkin_services.action_item_complete(actor=f.actor_of(org.employee), item=item)

    assert scheduling.due_reminders(now) == 0
    assert calls == []
