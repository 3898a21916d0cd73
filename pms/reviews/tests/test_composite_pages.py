"""HR's composite weights page: who may open it, editing a family's weights, the defaults,
computing an annual cycle's composites; and the results page's fragment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from pms.core.audit import Actor
from pms.core.models import AuditEntry
from pms.core.navigation import navigation_for
from pms.org.roles import principal_for
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg
from pms.reviews.models import (
    CompositeScheme,
    Cycle,
    CycleKind,
    CycleStatus,
    Phase,
    ResultKind,
    ReviewResult,
)
from pms.reviews.selectors.composite import composite_for_review
from pms.reviews.services.composite import composite_compute, composite_scheme_set
from pms.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db

ClientFor = Callable[[str], Client]


def annual(status: str = CycleStatus.RUNNING) -> Cycle:
    return rf.cycle(
        kind=CycleKind.ANNUAL, status=status, phase=Phase.MANAGER, default_template=rf.template()
    )


def parts_post(rows: list[tuple[str, list[str], str]]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "parts-TOTAL_FORMS": str(len(rows)),
        "parts-INITIAL_FORMS": "0",
        "parts-MIN_NUM_FORMS": "0",
        "parts-MAX_NUM_FORMS": "7",
    }
    for n, (key, kinds, weight) in enumerate(rows):
        data[f"parts-{n}-key"] = key
        data[f"parts-{n}-kinds"] = kinds
        data[f"parts-{n}-weight"] = weight
    return data


# --- who may open the pages ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("hr_admin", 200),
        ("sysadmin", 200),
        ("hrbp", 403),
        ("manager", 404),
        ("employee", 404),
        ("ceo", 404),
    ],
)
def test_the_page_is_company_hrs(client_for: ClientFor, persona: str, status: int) -> None:
    response = client_for(persona).get(reverse("reviews:composites"))
    assert response.status_code == status


@pytest.mark.parametrize(("persona", "status"), [("hrbp", 403), ("employee", 404)])
def test_refused_users_change_nothing(
    org: TestOrg, client_for: ClientFor, persona: str, status: int
) -> None:
    family = org_factories.role_family()
    client = client_for(persona)
    edit = client.post(
        reverse("reviews:composite_scheme", args=[family.uuid]),
        parts_post([("annual", ["annual"], "100")]),
    )
    defaults = client.post(reverse("reviews:composite_defaults"))
    assert edit.status_code == status
    assert defaults.status_code == status
    assert not CompositeScheme.objects.exists()
    assert client.get(reverse("reviews:composite_scheme", args=[family.uuid])).status_code == (
        status
    )


def test_navigation_shows_the_entries_to_company_hr_only(org: TestOrg) -> None:
    def labels(user: Any) -> set[str]:
        return {str(item.label) for item in navigation_for(principal_for(user), "/")}

    assert {"Composite weights", "Review settings"} <= labels(org.hr_admin.user)
    assert not {"Composite weights", "Review settings"} & labels(org.hrbp.user)
    assert not {"Composite weights", "Review settings"} & labels(org.employee.user)


# --- the list ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 6])
def test_the_list_costs_the_same_whatever_its_length(
    org: TestOrg, client_for: ClientFor, size: int, django_assert_num_queries: Any
) -> None:
    actor = Actor(user=org.hr_admin.user)
    for n in range(size):
        family = org_factories.role_family(f"fam{n}", f"序列{n}")
        composite_scheme_set(
            actor=actor,
            role_family=family,
            parts=[{"key": "annual", "kinds": ["annual"], "weight": "100"}],
        )
        cycle = annual()
        rf.scored_review(cycle, org.employee, "80")
    client = client_for("hr_admin")
    client.get(reverse("reviews:composites"))  # settings row created once
    with django_assert_num_queries(_LIST_QUERIES):
        response = client.get(reverse("reviews:composites"))
    assert response.status_code == 200
    assert response.content.decode().count("序列") >= size


# session + user + principal's roles … measured once, the same at both sizes
_LIST_QUERIES = 10


def test_the_list_shows_families_and_annual_cycles(org: TestOrg, client_for: ClientFor) -> None:
    org_factories.role_family("rnd", "研发")
    cycle = annual()
    draft = annual(CycleStatus.DRAFT)
    page = client_for("hr_admin").get(reverse("reviews:composites")).content.decode()
    assert "研发" in page
    assert "Annual review alone (100%)" in page
    assert cycle.name in page
    assert draft.name not in page


# --- editing -------------------------------------------------------------------------------


def test_hr_saves_a_familys_weights(org: TestOrg, client_for: ClientFor) -> None:
    family = org_factories.role_family("sales", "销售")
    client = client_for("hr_admin")
    form = client.get(reverse("reviews:composite_scheme", args=[family.uuid]))
    assert form.status_code == 200
    # the form starts from the family's default split
    assert 'value="monthly"' in form.content.decode()
    response = client.post(
        reverse("reviews:composite_scheme", args=[family.uuid]),
        parts_post([("monthly", ["monthly"], "30"), ("annual", ["annual"], "70"), ("", [], "")]),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:composites")
    assert CompositeScheme.objects.get(role_family=family).parts == [
        {"key": "monthly", "kinds": ["monthly"], "weight": "30"},
        {"key": "annual", "kinds": ["annual"], "weight": "70"},
    ]
    assert AuditEntry.objects.filter(object_type="reviews.compositescheme").count() == 1


def test_bad_weights_are_shown_and_nothing_is_saved(org: TestOrg, client_for: ClientFor) -> None:
    family = org_factories.role_family("sales", "销售")
    response = client_for("hr_admin").post(
        reverse("reviews:composite_scheme", args=[family.uuid]),
        parts_post([("monthly", ["monthly"], "30"), ("annual", ["annual"], "60")]),
    )
    assert response.status_code == 422
    assert "The weights add up to 90%, not 100%." in response.content.decode()
    assert not CompositeScheme.objects.exists()
    assert not AuditEntry.objects.filter(object_type="reviews.compositescheme").exists()


def test_unknown_family_is_not_found(client_for: ClientFor) -> None:
    import uuid

    response = client_for("hr_admin").get(reverse("reviews:composite_scheme", args=[uuid.uuid4()]))
    assert response.status_code == 404


def test_defaults_and_removal(org: TestOrg, client_for: ClientFor) -> None:
    family = org_factories.role_family("sales", "销售")
    client = client_for("hr_admin")
    first = client.post(reverse("reviews:composite_defaults"), follow=True)
    assert "Default weights given to 1 role family." in first.content.decode()
    second = client.post(reverse("reviews:composite_defaults"), follow=True)
    assert "already has its weights" in second.content.decode()
    assert CompositeScheme.objects.count() == 1
    removed = client.post(reverse("reviews:composite_scheme_remove", args=[family.uuid]))
    assert removed.status_code == 302
    assert not CompositeScheme.objects.exists()
    assert (
        client_for("hrbp")
        .post(reverse("reviews:composite_scheme_remove", args=[family.uuid]))
        .status_code
        == 403
    )


# --- computing -----------------------------------------------------------------------------


def test_hr_computes_the_composites_of_an_annual_cycle(org: TestOrg, client_for: ClientFor) -> None:
    cycle = annual()
    review = rf.scored_review(cycle, org.employee, "81")
    response = client_for("hr_admin").post(
        reverse("reviews:composite_compute", args=[cycle.uuid]), {"reason": ""}, follow=True
    )
    assert response.status_code == 200
    assert "1 people, 1 composites new or changed" in response.content.decode()
    result = ReviewResult.objects.get(review=review, kind=ResultKind.COMPOSITE)
    assert result.score == Decimal("81.00")
    assert AuditEntry.objects.filter(object_type="reviews.cycle").count() == 1


@pytest.mark.parametrize(
    ("persona", "status"), [("hrbp", 403), ("employee", 403), ("manager", 403)]
)
def test_others_may_not_compute(
    org: TestOrg, client_for: ClientFor, persona: str, status: int
) -> None:
    cycle = annual()
    rf.scored_review(cycle, org.employee, "81")
    response = client_for(persona).post(reverse("reviews:composite_compute", args=[cycle.uuid]))
    assert response.status_code == status
    assert not ReviewResult.objects.filter(kind=ResultKind.COMPOSITE).exists()


def test_a_draft_is_unknown_to_an_employee_and_a_monthly_cycle_refused(
    org: TestOrg, client_for: ClientFor
) -> None:
    draft = annual(CycleStatus.DRAFT)
    response = client_for("employee").post(reverse("reviews:composite_compute", args=[draft.uuid]))
    assert response.status_code == 404
    monthly = rf.cycle(kind=CycleKind.MONTHLY, default_template=rf.template())
    response = client_for("hr_admin").post(
        reverse("reviews:composite_compute", args=[monthly.uuid])
    )
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(object_type="reviews.cycle").exists()


def test_frozen_composites_held_without_a_reason_are_reported(
    org: TestOrg, client_for: ClientFor
) -> None:
    cycle = annual()
    review = rf.scored_review(cycle, org.employee, "81")
    client = client_for("hr_admin")
    client.post(reverse("reviews:composite_compute", args=[cycle.uuid]), {"freeze": "1"})
    ReviewResult.objects.filter(review=review, kind=ResultKind.REVIEW).update(score=90)
    page = client.post(
        reverse("reviews:composite_compute", args=[cycle.uuid]), {"reason": ""}, follow=True
    ).content.decode()
    assert "1 frozen composite would change" in page
    assert ReviewResult.objects.filter(review=review, kind=ResultKind.COMPOSITE).count() == 1


# --- the results page's fragment -------------------------------------------------------------


def test_composite_for_review_and_its_fragment(org: TestOrg) -> None:
    tpl = rf.template()
    family = org.employee.position.role_family  # type: ignore[union-attr]
    composite_scheme_set(
        actor=Actor(user=org.hr_admin.user),
        role_family=family,
        parts=[
            {"key": "monthly", "kinds": ["monthly"], "weight": "40"},
            {"key": "annual", "kinds": ["annual"], "weight": "60"},
        ],
    )
    month = rf.cycle(
        name="2026年1月考核",
        kind=CycleKind.MONTHLY,
        status=CycleStatus.CLOSED,
        phase=Phase.RESULTS,
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 1, 31),
        default_template=tpl,
    )
    rf.scored_review(month, org.employee, "80")
    cycle = annual()
    review = rf.scored_review(cycle, org.employee, "90")
    assert composite_for_review(review) is None
    composite_compute(actor=Actor(user=org.hr_admin.user), cycle=cycle)

    shown = composite_for_review(review)
    assert shown is not None
    assert shown["score"] == Decimal("86.00")
    assert shown["grade"] == "A"
    assert shown["year"] == 2026
    assert shown["role_family"] == family.name
    assert [(p["label"], p["count"], p["mean"]) for p in shown["parts"]] == [
        ("Monthly reviews", 1, Decimal("80.00")),
        ("Annual review", 1, Decimal("90.00")),
    ]
    assert shown["sentences"] == [
        "Monthly reviews (weight 40%): 1 scores, mean 80.00",
        "Annual review (weight 60%): 1 scores, mean 90.00",
        "Weighted over the parts with scores (100 of 100) = 86.00",
        "Score 86.00 reaches 80: grade A",
    ]
    assert [c["name"] for c in shown["cycles"]] == ["2026年1月考核", cycle.name]
    html = render_to_string("reviews/composite_result.html", {"composite": shown})
    assert "86.00" in html
    assert "How was this computed?" in html
    assert "2026年1月考核" in html
