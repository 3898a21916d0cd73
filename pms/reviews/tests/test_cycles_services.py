"""Cycles being prepared: create and change (drafts only, audited, translated errors), who
takes part under the rules (include wins over the rules, exclude over everything), and the
preview before launch."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry
from pms.org import services as org_services
from pms.org.models import EmployeeStatus
from pms.org.tests.factories import SYSTEM, TestOrg, employee, position, role_family
from pms.reviews.models import Cycle, CyclePhase, CycleStatus, Phase, TemplateStatus
from pms.reviews.selectors import cycles as selectors
from pms.reviews.services import cycles as services
from pms.reviews.services import participation
from pms.reviews.services.participation import rules_clean
from pms.reviews.tests import factories as rf
from pms.reviews.tests.test_launch_services import rep

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr(org: TestOrg) -> Actor:
    return Actor(user=org.hr_admin.user)


def draft(hr: Actor, **kwargs: Any) -> Cycle:
    values: dict[str, Any] = {
        "name": "2026年度考核",
        "kind": "annual",
        "start": dt.date(2026, 1, 1),
        "end": dt.date(2026, 12, 31),
    }
    values.update(kwargs)
    return services.cycle_create(actor=hr, **values)


def numbers(cycle: Cycle) -> set[str]:
    return set(participation.participants(cycle).values_list("number", flat=True))


def reasons(cycle: Cycle) -> dict[str, str]:
    return {p.number: p.reason for p in participation.left_out(cycle)}  # type: ignore[attr-defined]


# --- create and change ------------------------------------------------------------------------


def test_create_makes_a_draft_with_its_phases_and_an_audit_entry(org: TestOrg, hr: Actor) -> None:
    tpl = rf.template()
    deadlines = {
        Phase.SELF: (dt.date(2027, 1, 5), dt.date(2027, 1, 10)),
        Phase.MANAGER: (None, dt.date(2027, 1, 20)),
    }

    cycle = draft(
        hr,
        default_template=tpl,
        rules=rules_clean(departments=[org.sales.pk], min_tenure_days=90),
        include=[org.outsider],
        exclude=[org.peer],
        deadlines=deadlines,
    )

    assert cycle.status == CycleStatus.DRAFT
    rows = {row.phase: row for row in CyclePhase.objects.filter(cycle=cycle)}
    assert set(rows) == set(Phase.values)
    assert rows[Phase.SELF].deadline == dt.date(2027, 1, 10)
    assert rows[Phase.MANAGER].opens_on is None
    assert list(cycle.include.all()) == [org.outsider]
    assert cycle.rules["min_tenure_days"] == 90
    entry = AuditEntry.objects.get(object_type="reviews.cycle", action=AuditAction.CREATE)
    assert entry.after is not None
    assert entry.after["include"] == ["E0007"]
    assert entry.after["deadlines"]["self"] == ["2027-01-05", "2027-01-10"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", "Give the cycle a name."),
        ({"end": dt.date(2025, 1, 1)}, "end", "The cycle ends before it starts."),
        ({"kind": "weekly"}, "kind", "Choose the kind of cycle."),
    ],
)
def test_bad_values_are_refused_with_a_message(
    org: TestOrg, hr: Actor, changes: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        draft(hr, **changes)
    assert caught.value.message_dict[field] == [message]
    assert not Cycle.objects.exists()


def test_names_are_unique_and_templates_must_be_in_use(org: TestOrg, hr: Actor) -> None:
    draft(hr)
    retired = rf.template(status=TemplateStatus.RETIRED)
    with pytest.raises(ValidationError) as caught:
        draft(hr, default_template=retired)
    assert caught.value.message_dict["name"] == ["Another cycle already has this name."]
    assert "is not in use" in caught.value.message_dict["default_template"][0]


def test_deadlines_follow_the_phases(org: TestOrg, hr: Actor) -> None:
    with pytest.raises(ValidationError) as caught:
        draft(
            hr,
            deadlines={
                Phase.SELF: (dt.date(2027, 1, 5), dt.date(2027, 1, 1)),
                Phase.PEER: (None, dt.date(2027, 1, 10)),
                Phase.MANAGER: (None, dt.date(2027, 1, 8)),
            },
        )
    errors = caught.value.message_dict
    assert errors["deadline_self"] == ["The deadline comes before the phase opens."]
    assert errors["deadline_manager"] == [
        "This deadline comes before the deadline of Peer and upward review."
    ]


def test_rules_are_checked(org: TestOrg) -> None:
    with pytest.raises(ValidationError) as caught:
        rules_clean(statuses=["left"], min_tenure_days=-1)
    assert "statuses" in caught.value.message_dict
    assert caught.value.message_dict["min_tenure_days"] == [
        "Give a number of days between 0 and 3650."
    ]


def test_update_changes_a_draft_and_records_what_changed(org: TestOrg, hr: Actor) -> None:
    cycle = draft(hr)

    services.cycle_update(
        actor=hr,
        cycle=cycle,
        changes={
            "name": "2026年度考核（修订）",
            "exclude": [org.peer],
            "deadlines": {Phase.SELF: (None, dt.date(2027, 1, 10))},
        },
        reason="按HR会议调整",
    )

    cycle.refresh_from_db()
    assert cycle.name == "2026年度考核（修订）"
    assert list(cycle.exclude.all()) == [org.peer]
    entry = AuditEntry.objects.get(object_type="reviews.cycle", action=AuditAction.UPDATE)
    assert entry.after is not None
    assert set(entry.after) == {"name", "exclude", "deadlines"}
    assert entry.reason == "按HR会议调整"


def test_a_running_cycle_cannot_be_changed(org: TestOrg, hr: Actor) -> None:
    cycle = rf.cycle(default_template=rf.template())
    with pytest.raises(ValidationError, match="Only a cycle being prepared"):
        services.cycle_update(actor=hr, cycle=cycle, changes={"name": "x"})
    assert not AuditEntry.objects.filter(object_type="reviews.cycle").exists()


# --- who takes part ---------------------------------------------------------------------------


def test_departments_with_or_without_their_subtree(org: TestOrg, hr: Actor) -> None:
    with_subtree = draft(hr, name="a", rules=rules_clean(departments=[org.sales.pk]))
    only_it = draft(hr, name="b", rules=rules_clean(departments=[org.sales.pk], subtree=False))
    assert numbers(with_subtree) == {"E0002", "E0003", "E0004", "E0005", "E0006"}
    assert numbers(only_it) == {"E0002"}


def test_role_families_and_positions(org: TestOrg, hr: Actor) -> None:
    rnd = role_family("rnd", "研发")
    engineer = position("工程师", family=rnd, dept=org.rnd)
    org_services.employee_update(
        actor=SYSTEM, employee=org.outsider, changes={"position": engineer}
    )

    by_family = draft(hr, name="a", rules=rules_clean(role_families=[rnd.pk]))
    by_position = draft(hr, name="b", rules=rules_clean(positions=[rep(org).pk]))

    assert numbers(by_family) == {"E0007"}
    assert numbers(by_position) == {"E0004", "E0005"}


def test_people_on_leave_new_hires_and_other_statuses_are_left_out_with_a_reason(
    org: TestOrg, hr: Actor
) -> None:
    org_services.employee_update(
        actor=SYSTEM, employee=org.peer, changes={"status": EmployeeStatus.ON_LEAVE}
    )
    org_services.employee_update(
        actor=SYSTEM, employee=org.other_manager, changes={"hire_date": dt.date(2025, 12, 1)}
    )
    org_services.employee_update(
        actor=SYSTEM, employee=org.head, changes={"status": EmployeeStatus.PROBATION}
    )
    gone = employee("离职者", dept=org.sales1, status=EmployeeStatus.LEFT)
    cycle = draft(
        hr,
        rules=rules_clean(
            departments=[org.sales.pk], min_tenure_days=90, statuses=["active", "on_leave"]
        ),
    )

    assert numbers(cycle) == {"E0003", "E0004"}
    assert reasons(cycle) == {
        "E0005": participation.ON_LEAVE,  # on leave is left out by default
        "E0006": participation.NEW_HIRE,  # hired 31 days before the start
        "E0002": participation.OTHER_STATUS,  # probation is not among the statuses
    }
    assert gone.number not in reasons(cycle)  # people who left are nobody's concern


def test_on_leave_may_take_part_and_hired_before_is_a_date(org: TestOrg, hr: Actor) -> None:
    org_services.employee_update(
        actor=SYSTEM, employee=org.peer, changes={"status": EmployeeStatus.ON_LEAVE}
    )
    org_services.employee_update(
        actor=SYSTEM, employee=org.employee, changes={"hire_date": dt.date(2026, 7, 1)}
    )
    cycle = draft(
        hr,
        rules=rules_clean(
            departments=[org.sales1.pk],
            exclude_on_leave=False,
            hired_before=dt.date(2026, 6, 30),
        ),
    )
    assert numbers(cycle) == {"E0003", "E0005"}
    assert reasons(cycle) == {"E0004": participation.NEW_HIRE}


def test_include_wins_over_the_rules_and_exclude_over_everything(org: TestOrg, hr: Actor) -> None:
    org_services.employee_update(
        actor=SYSTEM, employee=org.peer, changes={"status": EmployeeStatus.ON_LEAVE}
    )
    cycle = draft(
        hr,
        rules=rules_clean(departments=[org.sales1.pk]),
        include=[org.peer, org.outsider, org.hrbp],
        exclude=[org.manager, org.hrbp],
    )
    assert numbers(cycle) == {"E0004", "E0005", "E0007"}
    assert reasons(cycle) == {
        "E0003": participation.EXCLUDED_BY_HR,
        "E0009": participation.EXCLUDED_BY_HR,
    }


# --- preview ----------------------------------------------------------------------------------


def test_preview_counts_templates_and_reasons(org: TestOrg, hr: Actor) -> None:
    by_position = rf.template("rep")
    by_position.positions.add(rep(org))
    org_services.employee_update(
        actor=SYSTEM, employee=org.peer, changes={"status": EmployeeStatus.ON_LEAVE}
    )
    cycle = draft(hr, rules=rules_clean(departments=[org.sales.pk]), exclude=[org.head])

    preview = selectors.participants_preview(cycle)

    assert preview.total == 3
    assert preview.left_out == 2
    assert {r.label: r.count for r in preview.by_reason} == {"Excluded by HR": 1, "On leave": 1}
    assert {r.label: r.count for r in preview.by_template} == {str(by_position): 1}
    assert preview.without_template == 2
    assert preview.problems == [
        "2 people have no template: link a template to their position or role family, or "
        "choose a default template."
    ]
    assert {r.label: r.count for r in preview.by_family} == {"销售": 1, "No position": 2}
    assert [(r.label, r.count, r.depth) for r in preview.by_department] == [
        ("销售中心", 3, 0),
        ("销售一部", 2, 1),
        ("销售二部", 1, 1),
    ]


def test_preview_lists_page_people_with_their_template(org: TestOrg, hr: Actor) -> None:
    default = rf.template()
    cycle = draft(hr, default_template=default, rules=rules_clean(departments=[org.sales1.pk]))
    choice = participation.template_choice(cycle)

    rows = selectors.with_templates(selectors.preview_people(cycle), choice)

    assert [(p.number, p.template) for p in rows] == [  # type: ignore[attr-defined]
        ("E0003", default),
        ("E0004", default),
        ("E0005", default),
    ]
    assert selectors.participants_preview(cycle).problems == []


def test_preview_queries_do_not_grow_with_the_company(org: TestOrg, hr: Actor) -> None:
    rf.template("rep").positions.add(rep(org))
    cycle = draft(hr, rules=rules_clean(departments=[org.hq.pk], min_tenure_days=30))
    counts = []
    for extra in (0, 30):
        for n in range(extra):
            employee(f"新人{n}", dept=org.sales2, manager=org.other_manager, number=f"N{n:04d}")
        with CaptureQueriesContext(connection) as captured:
            preview = selectors.participants_preview(cycle)
            list(selectors.preview_people(cycle)[:50])
            list(selectors.preview_left_out(cycle)[:50])
        counts.append(len(captured.captured_queries))
        assert preview.total == 9 + extra
    assert counts[0] == counts[1]
