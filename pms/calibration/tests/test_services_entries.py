"""Changing scores, grades and potential in an open session, always with a reason."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from pms.calibration.models import CalibrationChange, CalibrationEntry
from pms.calibration.selectors.grid import GridFilters, grade_counts, grid_rows, nine_box
from pms.calibration.selectors.signals import rater_signals
from pms.calibration.services.entries import entries_change, entry_change, pool_rank_apply
from pms.calibration.tests import factories as f
from pms.core.audit import Actor
from pms.core.models import AuditEntry
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db


def _hr(org: TestOrg) -> Actor:
    assert org.hr_admin.user is not None
    return Actor(org.hr_admin.user)


def _entry(org: TestOrg, score: str = "75", grade: str = "B") -> CalibrationEntry:
    cycle = f.calibration_cycle()
    f.scored(cycle, org.employee, score, grade)
    session = f.session(org.hr_admin.user, cycle, [org.sales])  # type: ignore[arg-type]
    return CalibrationEntry.objects.get(session=session)


def test_a_new_score_takes_its_band_and_is_kept_with_the_reason(org: TestOrg) -> None:
    entry = _entry(org)
    changed = entry_change(actor=_hr(org), entry=entry, score="86", reason="大客户项目未计入")
    assert changed.score == Decimal("86.00")
    assert changed.grade == "A"
    assert changed.changed
    entry.refresh_from_db()
    assert entry.proposed_score == Decimal("75.00")
    assert entry.proposed_grade == "B"
    rows = list(CalibrationChange.objects.filter(entry=entry).order_by("id"))
    assert [(r.field, r.before, r.after, r.reason) for r in rows] == [
        ("score", "75.00", "86.00", "大客户项目未计入"),
        ("grade", "B", "A", "大客户项目未计入"),
    ]
    assert rows[0].changed_by == org.hr_admin.user
    audit = AuditEntry.objects.get(object_type="calibration.calibrationentry")
    assert audit.before == {"score": "75.00", "grade": "B", "potential": ""}
    assert audit.after == {"score": "86.00", "grade": "A", "potential": ""}
    assert audit.reason == "大客户项目未计入"


def test_grade_alone_and_back_to_the_proposal_is_no_longer_changed(org: TestOrg) -> None:
    entry = _entry(org)
    entry_change(actor=_hr(org), entry=entry, grade="C", reason="横向比较偏弱")
    entry.refresh_from_db()
    assert entry.grade == "C"
    assert entry.score == Decimal("75.00")
    assert entry.changed
    entry_change(actor=_hr(org), entry=entry, grade="B", reason="复议后维持")
    entry.refresh_from_db()
    assert entry.grade == "B"
    assert not entry.changed
    assert CalibrationChange.objects.filter(entry=entry).count() == 2


def test_potential_places_on_the_nine_box(org: TestOrg) -> None:
    entry = _entry(org, "92", "S")
    entry_change(actor=_hr(org), entry=entry, potential="high", reason="可承担更大职责")
    entry.refresh_from_db()
    assert entry.potential == "high"
    assert entry.box == 9
    assert not entry.changed  # potential is not a change of the result
    entry_change(actor=_hr(org), entry=entry, grade="B", reason="业绩口径修正")
    entry.refresh_from_db()
    assert entry.box == 8  # mid performance × high potential


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"grade": "A", "reason": " "}, "reason"),
        ({"grade": "Z", "reason": "理由"}, "grade"),
        ({"score": "abc", "reason": "理由"}, "score"),
        ({"score": "-1", "reason": "理由"}, "score"),
        ({"score": "NaN", "reason": "理由"}, "score"),
        ({"score": "1000", "reason": "理由"}, "score"),
        ({"potential": "huge", "reason": "理由"}, "potential"),
        ({"reason": "理由"}, "__all__"),
        ({"grade": "A", "reason": "长" * 501}, "reason"),
    ],
)
def test_bad_input_changes_nothing(org: TestOrg, kwargs: dict[str, str], field: str) -> None:
    entry = _entry(org)
    with pytest.raises(ValidationError) as caught:
        entry_change(actor=_hr(org), entry=entry, **kwargs)
    assert field in caught.value.message_dict
    entry.refresh_from_db()
    assert entry.grade == "B"
    assert entry.score == Decimal("75.00")
    assert not CalibrationChange.objects.exists()
    assert not AuditEntry.objects.filter(object_type="calibration.calibrationentry").exists()


def test_the_same_values_are_not_a_change(org: TestOrg) -> None:
    entry = _entry(org)
    with pytest.raises(ValidationError, match="Nothing changed"):
        entry_change(actor=_hr(org), entry=entry, grade="B", reason="维持")
    assert not CalibrationChange.objects.exists()


def test_many_people_at_once_each_get_their_rows(org: TestOrg) -> None:
    cycle = f.calibration_cycle()
    for person in f.people(org.sales1, 4):
        f.scored(cycle, person, "75", "B")
    session = f.session(org.hr_admin.user, cycle, [org.sales1])  # type: ignore[arg-type]
    entries = list(CalibrationEntry.objects.filter(session=session))
    entries_change(
        actor=_hr(org), session=session, entries=entries[:3], grade="A", reason="季度攻坚贡献"
    )
    assert CalibrationEntry.objects.filter(session=session, grade="A").count() == 3
    assert CalibrationChange.objects.filter(reason="季度攻坚贡献").count() == 3
    assert AuditEntry.objects.filter(object_type="calibration.calibrationentry").count() == 3
    other = _entry(org)
    with pytest.raises(ValidationError, match="not in this session"):
        entries_change(
            actor=_hr(org), session=session, entries=[entries[3], other], grade="C", reason="x"
        )
    assert CalibrationEntry.objects.get(pk=entries[3].pk).grade == "B"


def test_grid_filters_counts_and_nine_box(org: TestOrg) -> None:
    cycle = f.calibration_cycle()
    team = f.people(org.sales1, 5)
    for person, score in zip(team, ("95", "85", "75", "65", "55"), strict=True):
        f.scored(cycle, person, score, {"9": "S", "8": "A", "7": "B", "6": "C", "5": "D"}[score[0]])
    session = f.session(org.hr_admin.user, cycle, [org.sales1])  # type: ignore[arg-type]
    entries = CalibrationEntry.objects.filter(session=session)
    first = entries.get(employee=team[0])
    entry_change(actor=_hr(org), entry=first, grade="A", potential="high", reason="对标后下调")
    assert [e.employee for e in grid_rows(entries, GridFilters(sort="score"))] == team
    assert [e.employee for e in grid_rows(entries, GridFilters(changed=True))] == [team[0]]
    assert [e.employee for e in grid_rows(entries, GridFilters(grade="A"))] == team[:2]
    assert [e.employee for e in grid_rows(entries, GridFilters(query=team[3].name))] == [team[3]]
    counts = {c.grade: (c.proposed, c.now) for c in grade_counts(session, entries)}
    assert counts["S"] == (1, 0)
    assert counts["A"] == (1, 2)
    boxes, unplaced = nine_box(entries)
    assert unplaced == 4
    star = next(b for b in boxes if b.number == 9)
    assert star.count == 1
    assert star.people[0]["employee__name"] == team[0].name


def test_rater_signals_per_manager(org: TestOrg) -> None:
    cycle = f.calibration_cycle()
    mine = f.people(org.sales1, 2, manager=org.manager)
    theirs = f.people(org.sales2, 2, manager=org.other_manager)
    f.scored(cycle, mine[0], "90", "S", self_mean="80", manager_mean="90")
    f.scored(cycle, mine[1], "80", "A", self_mean="85", manager_mean="80")
    f.scored(cycle, theirs[0], "60", "C", self_mean="90", manager_mean="60")
    f.scored(cycle, theirs[1], "70", "B")
    session = f.session(org.hr_admin.user, cycle, [org.sales])  # type: ignore[arg-type]
    overall, signals = rater_signals(session, CalibrationEntry.objects.filter(session=session))
    assert overall == Decimal("75.00")
    by = {s.manager_id: s for s in signals}
    assert by[org.manager.pk].mean == Decimal("85.00")
    assert by[org.manager.pk].spread == Decimal("5.00")
    assert by[org.manager.pk].versus_company == Decimal("10.00")
    assert by[org.manager.pk].self_gap == Decimal("-2.50")  # (-10 + 5) / 2
    assert by[org.other_manager.pk].self_gap == Decimal("30.00")
    assert by[org.other_manager.pk].gap_count == 1


def test_ranking_a_pool_fills_the_quotas_from_the_top(org: TestOrg) -> None:
    cycle = f.calibration_cycle()
    team = f.people(org.sales1, 10)
    for n, person in enumerate(team):
        f.scored(cycle, person, str(95 - 3 * n), "B")
    session = f.session(org.hr_admin.user, cycle, [org.sales1])  # type: ignore[arg-type]
    pool = CalibrationEntry.objects.filter(session=session).values_list("pool", flat=True)[0]
    changed = pool_rank_apply(actor=_hr(org), session=session, pool=pool, reason="按强制分布排名")
    grades = dict(CalibrationEntry.objects.filter(session=session).values_list("employee", "grade"))
    # 10 people: S 1, A 2, B 5, C 2 (1.5 rounds up by the larger remainder), D 0 (0.5)
    assert [grades[p.pk] for p in team] == ["S", "A", "A", "B", "B", "B", "B", "B", "C", "C"]
    assert len(changed) == 5
    assert CalibrationChange.objects.filter(reason="按强制分布排名", field="grade").count() == 5
    with pytest.raises(ValidationError):
        pool_rank_apply(actor=_hr(org), session=session, pool=pool, reason=" ")
    with pytest.raises(ValidationError, match="nobody"):
        pool_rank_apply(actor=_hr(org), session=session, pool="nope", reason="x")
