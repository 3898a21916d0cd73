"""The annual composite computed for an annual cycle: worked examples by hand, editions
written only on change, frozen composites corrected only with a reason, fixed queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from pms.core.audit import Actor
from pms.core.models import AuditEntry
from pms.org.models import Employee
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg
from pms.reviews.models import (
    Cycle,
    CycleKind,
    CycleStatus,
    Phase,
    ResultKind,
    Review,
    ReviewResult,
    ReviewStatus,
    ReviewTemplate,
)
from pms.reviews.selectors.composite import composite_for_review
from pms.reviews.services import composite as composite_service
from pms.reviews.services.composite import (
    composite_compute,
    composite_schemes_install_defaults,
)
from pms.reviews.services.review_settings import review_settings_get
from pms.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db

NAMES = {"sales": "销售", "rnd": "研发", "management": "管理", "functional": "职能"}


def hr(org: TestOrg) -> Actor:
    return Actor(user=org.hr_admin.user)


@pytest.fixture
def tpl() -> ReviewTemplate:
    return rf.template()


def person(org: TestOrg, family: str, name: str | None = None) -> Employee:
    fam = org_factories.role_family(family, NAMES[family])
    pos = org_factories.position(family=fam, dept=org.sales1)
    return org_factories.employee(name, dept=org.sales1, manager=org.manager, pos=pos)


def released(
    tpl: ReviewTemplate, kind: str, start: dt.date, *, status: str = CycleStatus.CLOSED
) -> Cycle:
    end = start + dt.timedelta(days=27)
    return rf.cycle(
        kind=kind, status=status, phase=Phase.RESULTS, start=start, end=end, default_template=tpl
    )


def annual_cycle(tpl: ReviewTemplate, year: int = 2026) -> Cycle:
    return rf.cycle(
        kind=CycleKind.ANNUAL,
        phase=Phase.MANAGER,
        start=dt.date(year, 1, 1),
        end=dt.date(year, 12, 31),
        default_template=tpl,
    )


def current(review: Review) -> ReviewResult:
    return ReviewResult.objects.get(review=review, kind=ResultKind.COMPOSITE, is_current=True)


MONTHLY_SCORES = ["70", "75", "80", "85", "90", "95", "70", "75", "80", "85", "90", "95"]


def test_sales_twelve_monthly_scores_mean_40_and_annual_60(
    org: TestOrg, tpl: ReviewTemplate
) -> None:
    seller = person(org, "sales")
    composite_schemes_install_defaults(actor=hr(org))
    for month, score in enumerate(MONTHLY_SCORES, start=1):
        rf.scored_review(released(tpl, CycleKind.MONTHLY, dt.date(2026, month, 1)), seller, score)
    annual = annual_cycle(tpl)
    review = rf.scored_review(annual, seller, "88")

    outcome = composite_compute(actor=hr(org), cycle=annual)

    # monthly mean 82.5 × 40 % + 88 × 60 % = 33 + 52.8 = 85.80 → A (80–90)
    result = current(review)
    assert result.score == Decimal("85.80")
    assert result.grade == "A"
    assert result.version == 1
    assert result.complete is True
    assert result.rule_version == "composite/1"
    assert outcome.total == 1
    assert outcome.changed == 1
    parts = {p["key"]: p for p in result.explanation["parts"]}
    assert parts["monthly"] == {
        "key": "monthly",
        "kinds": ["monthly"],
        "weight": "40",
        "count": 12,
        "mean": "82.50",
        "counted": True,
    }
    assert parts["annual"]["count"] == 1
    assert parts["annual"]["mean"] == "88.00"
    assert [s["code"] for s in result.explanation["steps"]] == [
        "composite_part",
        "composite_part",
        "composite",
        "grade_band",
    ]
    assert result.explanation["role_family"] == "销售"
    assert len(result.inputs["results"]) == 13
    assert {row["part"] for row in result.inputs["results"]} == {"monthly", "annual"}
    # the review's own score is not the composite
    review.refresh_from_db()
    assert review.score is None
    # one audit entry for the run, on the cycle
    entry = AuditEntry.objects.get(object_type="reviews.cycle", object_id=str(annual.pk))
    assert (entry.after or {})["composite"]["changed"] == 1
    assert (entry.after or {})["composite"]["reviews"] == 1


def test_new_hire_with_three_monthly_scores(org: TestOrg, tpl: ReviewTemplate) -> None:
    hire = person(org, "sales")
    composite_schemes_install_defaults(actor=hr(org))
    for month, score in ((10, "90"), (11, "85"), (12, "80")):
        rf.scored_review(released(tpl, CycleKind.MONTHLY, dt.date(2026, month, 1)), hire, score)
    # months before the hire exist for others but not for this person
    released(tpl, CycleKind.MONTHLY, dt.date(2026, 1, 1))
    annual = annual_cycle(tpl)
    review = rf.scored_review(annual, hire, "70")

    composite_compute(actor=hr(org), cycle=annual)

    # mean 85 × 40 % + 70 × 60 % = 34 + 42 = 76.00 → B
    result = current(review)
    assert result.score == Decimal("76.00")
    assert result.grade == "B"
    assert result.explanation["parts"][0]["count"] == 3


def test_missing_part_is_left_out_and_the_rest_renormalised(
    org: TestOrg, tpl: ReviewTemplate
) -> None:
    engineer = person(org, "rnd")
    composite_schemes_install_defaults(actor=hr(org))
    rf.scored_review(released(tpl, CycleKind.QUARTERLY, dt.date(2026, 1, 1)), engineer, "80")
    rf.scored_review(released(tpl, CycleKind.QUARTERLY, dt.date(2026, 4, 1)), engineer, "90")
    annual = annual_cycle(tpl)
    review = rf.scored_review(annual, engineer, "70")

    composite_compute(actor=hr(org), cycle=annual)

    # no half-year review: (30 × 85 + 50 × 70) / 80 = 6050 / 80 = 75.625 → 75.63
    result = current(review)
    assert result.score == Decimal("75.63")
    assert result.grade == "B"
    assert result.explanation["weight"] == "80"
    assert result.explanation["total_weight"] == "100"
    missing = [s for s in result.explanation["steps"] if s["code"] == "composite_part_missing"]
    assert missing == [
        {"code": "composite_part_missing", "values": {"key": "half_year", "weight": "20"}}
    ]
    shown = composite_for_review(review)
    assert shown is not None
    assert any(
        "Half-year reviews (weight 20%): no scores yet, left out" in s for s in shown["sentences"]
    )


def test_without_a_scheme_the_annual_score_alone(org: TestOrg, tpl: ReviewTemplate) -> None:
    clerk = person(org, "functional")
    rf.scored_review(released(tpl, CycleKind.MONTHLY, dt.date(2026, 3, 1)), clerk, "100")
    annual = annual_cycle(tpl)
    review = rf.scored_review(annual, clerk, "72.5")

    composite_compute(actor=hr(org), cycle=annual)

    result = current(review)
    assert result.score == Decimal("72.50")
    assert result.grade == "B"
    assert result.explanation["scheme"] == "annual_alone"
    assert result.explanation["role_family"] is None
    assert [p["key"] for p in result.explanation["parts"]] == ["annual"]
    # the monthly score was read but belongs to no part
    assert [r["part"] for r in result.inputs["results"]] == ["annual", None]


def test_management_other_part_reads_project_cycles(org: TestOrg, tpl: ReviewTemplate) -> None:
    boss = person(org, "management")
    composite_schemes_install_defaults(actor=hr(org))
    rf.scored_review(released(tpl, CycleKind.PROJECT, dt.date(2026, 5, 1)), boss, "100")
    annual = annual_cycle(tpl)
    review = rf.scored_review(annual, boss, "80")
    composite_compute(actor=hr(org), cycle=annual)
    # 80 × 70 % + 100 × 30 % = 56 + 30 = 86.00
    assert current(review).score == Decimal("86.00")


def test_only_released_cycles_of_the_same_year_count(org: TestOrg, tpl: ReviewTemplate) -> None:
    seller = person(org, "sales")
    composite_schemes_install_defaults(actor=hr(org))
    rf.scored_review(released(tpl, CycleKind.MONTHLY, dt.date(2026, 1, 1)), seller, "80")
    # still in the manager phase: not released, not counted
    running = rf.cycle(
        kind=CycleKind.MONTHLY,
        phase=Phase.MANAGER,
        start=dt.date(2026, 2, 1),
        end=dt.date(2026, 2, 28),
        default_template=tpl,
    )
    rf.scored_review(running, seller, "10")
    # last year's month: not counted
    rf.scored_review(released(tpl, CycleKind.MONTHLY, dt.date(2025, 12, 1)), seller, "10")
    # removed from a month: not counted
    removed = rf.scored_review(released(tpl, CycleKind.MONTHLY, dt.date(2026, 3, 1)), seller, "10")
    Review.objects.filter(pk=removed.pk).update(status=ReviewStatus.REMOVED)
    # another annual cycle of the year: only this one's annual score counts
    other_annual = rf.cycle(
        kind=CycleKind.ANNUAL,
        status=CycleStatus.CLOSED,
        phase=Phase.RESULTS,
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 6, 30),
        default_template=tpl,
    )
    rf.scored_review(other_annual, seller, "10")
    annual = annual_cycle(tpl)
    review = rf.scored_review(annual, seller, "90")

    composite_compute(actor=hr(org), cycle=annual)

    # 80 × 40 % + 90 × 60 % = 32 + 54 = 86.00
    result = current(review)
    assert result.score == Decimal("86.00")
    assert len(result.inputs["results"]) == 2


def test_no_annual_score_yet_is_provisional(org: TestOrg, tpl: ReviewTemplate) -> None:
    seller = person(org, "sales")
    composite_schemes_install_defaults(actor=hr(org))
    rf.scored_review(released(tpl, CycleKind.MONTHLY, dt.date(2026, 1, 1)), seller, "80")
    annual = annual_cycle(tpl)
    review = rf.review(annual, seller)  # not scored yet
    composite_compute(actor=hr(org), cycle=annual)
    result = current(review)
    # the monthly part alone, and not complete
    assert result.score == Decimal("80.00")
    assert result.complete is False


def test_nobody_scored_gives_no_composite_score(org: TestOrg, tpl: ReviewTemplate) -> None:
    annual = annual_cycle(tpl)
    review = rf.review(annual, org.employee)
    composite_compute(actor=hr(org), cycle=annual)
    result = current(review)
    assert result.score is None
    assert result.grade == ""
    assert composite_for_review(review) is not None


def test_company_grade_bands_are_used(org: TestOrg, tpl: ReviewTemplate) -> None:
    settings_row = review_settings_get()
    settings_row.grade_bands = [
        {"grade": "优", "min_score": "85"},
        {"grade": "良", "min_score": "70"},
        {"grade": "差", "min_score": "0"},
    ]
    settings_row.save()
    annual = annual_cycle(tpl)
    review = rf.scored_review(annual, org.employee, "86")
    composite_compute(actor=hr(org), cycle=annual)
    assert current(review).grade == "优"


def test_recomputing_writes_a_new_edition_only_on_change(org: TestOrg, tpl: ReviewTemplate) -> None:
    seller = person(org, "sales")
    composite_schemes_install_defaults(actor=hr(org))
    month = rf.scored_review(released(tpl, CycleKind.MONTHLY, dt.date(2026, 1, 1)), seller, "80")
    annual = annual_cycle(tpl)
    review = rf.scored_review(annual, seller, "90")
    composite_compute(actor=hr(org), cycle=annual)
    first = current(review)

    again = composite_compute(actor=hr(org), cycle=annual)
    assert again.changed == 0
    assert ReviewResult.objects.filter(review=review, kind=ResultKind.COMPOSITE).count() == 1
    assert current(review).pk == first.pk

    ReviewResult.objects.filter(review=month).update(score=Decimal("100"))
    third = composite_compute(actor=hr(org), cycle=annual)
    assert third.changed == 1
    new = current(review)
    assert new.version == 2
    assert new.score == Decimal("94.00")  # 100 × 40 % + 90 × 60 %
    first.refresh_from_db()
    assert first.is_current is False
    assert first.score == Decimal("86.00")


def test_frozen_composites_change_only_with_a_reason(org: TestOrg, tpl: ReviewTemplate) -> None:
    seller = person(org, "sales")
    composite_schemes_install_defaults(actor=hr(org))
    month = rf.scored_review(released(tpl, CycleKind.MONTHLY, dt.date(2026, 1, 1)), seller, "80")
    annual = annual_cycle(tpl)
    review = rf.scored_review(annual, seller, "90")
    composite_compute(actor=hr(org), cycle=annual)
    frozen = composite_compute(actor=hr(org), cycle=annual, freeze=True)
    assert frozen.frozen == 1
    assert current(review).frozen is True

    ReviewResult.objects.filter(review=month).update(score=Decimal("100"))
    held = composite_compute(actor=hr(org), cycle=annual)
    assert held.held == 1
    assert held.changed == 0
    assert current(review).score == Decimal("86.00")
    assert not AuditEntry.objects.filter(object_type="reviews.reviewresult").exists()

    fixed = composite_compute(actor=hr(org), cycle=annual, reason="一月销售额更正")
    assert fixed.changed == 1
    new = current(review)
    assert new.version == 2
    assert new.frozen is True
    assert new.reason == "一月销售额更正"
    assert new.score == Decimal("94.00")
    entry = AuditEntry.objects.get(object_type="reviews.reviewresult")
    assert entry.reason == "一月销售额更正"
    assert (entry.before or {})["score"] == "86.00"
    assert (entry.after or {})["score"] == "94.00"
    assert (entry.after or {})["kind"] == "composite"


def test_only_launched_annual_cycles(org: TestOrg, tpl: ReviewTemplate) -> None:
    monthly = released(tpl, CycleKind.MONTHLY, dt.date(2026, 1, 1))
    with pytest.raises(ValidationError) as caught:
        composite_compute(actor=hr(org), cycle=monthly)
    assert "annual cycles only" in caught.value.messages[0]
    draft = rf.cycle(kind=CycleKind.ANNUAL, status=CycleStatus.DRAFT, default_template=tpl)
    with pytest.raises(ValidationError):
        composite_compute(actor=hr(org), cycle=draft)
    assert not ReviewResult.objects.filter(kind=ResultKind.COMPOSITE).exists()
    assert not AuditEntry.objects.filter(object_type="reviews.cycle").exists()


def test_a_bad_reason_is_refused(org: TestOrg, tpl: ReviewTemplate) -> None:
    annual = annual_cycle(tpl)
    rf.scored_review(annual, org.employee, "80")
    with pytest.raises(ValidationError):
        composite_compute(actor=hr(org), cycle=annual, reason="x" * 501)
    assert not ReviewResult.objects.filter(kind=ResultKind.COMPOSITE).exists()


def test_batches_cover_every_review(
    org: TestOrg, tpl: ReviewTemplate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(composite_service, "BATCH", 2)
    composite_schemes_install_defaults(actor=hr(org))
    annual = annual_cycle(tpl)
    month = released(tpl, CycleKind.MONTHLY, dt.date(2026, 1, 1))
    reviews = []
    for n in range(5):
        someone = person(org, "sales")
        rf.scored_review(month, someone, "100")
        reviews.append(rf.scored_review(annual, someone, str(70 + n)))
    outcome = composite_compute(actor=hr(org), cycle=annual)
    assert outcome.total == 5
    assert [current(r).score for r in reviews] == [
        Decimal(40 + (70 + n) * Decimal("0.6")).quantize(Decimal("0.01")) for n in range(5)
    ]


# --- queries -------------------------------------------------------------------------------


def _company(org: TestOrg, tpl: ReviewTemplate, size: int) -> Cycle:
    composite_schemes_install_defaults(actor=hr(org))
    review_settings_get()
    months = [released(tpl, CycleKind.MONTHLY, dt.date(2026, m, 1)) for m in (1, 2)]
    annual = annual_cycle(tpl)
    for n in range(size):
        someone = person(org, "sales" if n % 2 else "rnd")
        for month in months:
            rf.scored_review(month, someone, "80")
        rf.scored_review(annual, someone, str(60 + n))
    return annual


@pytest.mark.parametrize("size", [3, 9])
def test_queries_do_not_grow_with_the_cycle(
    org: TestOrg, tpl: ReviewTemplate, size: int, django_assert_num_queries: Any
) -> None:
    annual = _company(org, tpl, size)
    # settings, schemes, the year's cycles, then one batch: the reviews, the year's scores,
    # the current composites (+ savepoint), one bulk insert; the run's audit entry
    with django_assert_num_queries(10):
        composite_compute(actor=hr(org), cycle=annual)
    assert ReviewResult.objects.filter(kind=ResultKind.COMPOSITE).count() == size
    # nothing changed: no writes but the audit entry
    with django_assert_num_queries(9):
        composite_compute(actor=hr(org), cycle=annual)
