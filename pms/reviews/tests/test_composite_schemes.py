"""Composite schemes: validation (translated messages, nothing changed), the seed's
defaults installed once, removal."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from pms.core.audit import Actor
from pms.core.models import AuditAction, AuditEntry
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg
from pms.reviews.models import CompositeScheme
from pms.reviews.services.composite import (
    composite_scheme_remove,
    composite_scheme_set,
    composite_schemes_install_defaults,
    default_family_key,
)

pytestmark = pytest.mark.django_db


def hr(org: TestOrg) -> Actor:
    return Actor(user=org.hr_admin.user)


def part(key: str, kinds: list[str], weight: Any) -> dict[str, Any]:
    return {"key": key, "kinds": kinds, "weight": weight}


SALES = [part("monthly", ["monthly"], "40"), part("annual", ["annual"], "60")]


def test_a_scheme_is_saved_normalised_and_audited(org: TestOrg) -> None:
    family = org_factories.role_family()
    scheme = composite_scheme_set(
        actor=hr(org),
        role_family=family,
        parts=[part("monthly", ["monthly"], "40.0"), part("annual", ["annual"], 60)],
    )
    assert scheme.parts == [
        {"key": "monthly", "kinds": ["monthly"], "weight": "40"},
        {"key": "annual", "kinds": ["annual"], "weight": "60"},
    ]
    entry = AuditEntry.objects.get(object_type="reviews.compositescheme")
    assert entry.action == AuditAction.CREATE
    assert (entry.after or {})["parts"] == scheme.parts

    # saving the same again writes nothing; a change is audited with before and after
    composite_scheme_set(actor=hr(org), role_family=family, parts=SALES)
    assert AuditEntry.objects.filter(object_type="reviews.compositescheme").count() == 1
    composite_scheme_set(
        actor=hr(org),
        role_family=family,
        parts=[part("monthly", ["monthly"], "30"), part("annual", ["annual"], "70")],
    )
    scheme.refresh_from_db()
    assert scheme.parts[0]["weight"] == "30"
    change = AuditEntry.objects.filter(object_type="reviews.compositescheme").latest("id")
    assert change.action == AuditAction.UPDATE
    assert (change.before or {})["parts"][0]["weight"] == "40"
    assert (change.after or {})["parts"][0]["weight"] == "30"


def test_other_part_groups_project_and_custom_cycles_in_kind_order(org: TestOrg) -> None:
    family = org_factories.role_family("management", "管理")
    scheme = composite_scheme_set(
        actor=hr(org),
        role_family=family,
        parts=[part("annual", ["annual"], "70"), part("other", ["custom", "project"], "30")],
    )
    assert scheme.parts[1]["kinds"] == ["project", "custom"]


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ([], "A scheme needs at least one part."),
        ("monthly 40", "The parts must be a list."),
        (
            [part("monthly", ["monthly"], "40"), part("annual", ["annual"], "50")],
            "The weights add up to 90%, not 100%.",
        ),
        (
            [part("monthly", ["monthly"], "-10"), part("annual", ["annual"], "110")],
            "Part 1: the weight cannot be negative.",
        ),
        (
            [part("monthly", ["monthly"], "forty"), part("annual", ["annual"], "60")],
            "Part 1: Weight is not a number.",
        ),
        (
            [part("monthly", ["weekly"], "40"), part("annual", ["annual"], "60")],
            "Part 1: “weekly” is not a kind of cycle.",
        ),
        (
            [part("monthly", ["monthly"], "40"), part("annual", ["annual", "monthly"], "60")],
            "The Monthly cycles are already counted in part “monthly”.",
        ),
        (
            [part("monthly", ["monthly"], "40"), part("monthly", ["annual"], "60")],
            "The key “monthly” appears twice.",
        ),
        ([part("monthly", [], "40"), part("annual", ["annual"], "60")], "needs at least one"),
        ([part("monthly", ["monthly"], "100")], "The annual review must be in one of the parts."),
        (
            [part("", ["monthly"], "40"), part("annual", ["annual"], "60")],
            "Part 1 needs a short key",
        ),
        (["x"], "Part 1 is malformed."),
    ],
)
def test_bad_schemes_are_refused_with_a_message_and_change_nothing(
    org: TestOrg, parts: Any, message: str
) -> None:
    family = org_factories.role_family()
    composite_scheme_set(actor=hr(org), role_family=family, parts=SALES)
    audits = AuditEntry.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        composite_scheme_set(actor=hr(org), role_family=family, parts=parts)
    found = caught.value.message_dict["parts"]
    assert any(message in text for text in found), found
    assert CompositeScheme.objects.get(role_family=family).parts == [
        {"key": "monthly", "kinds": ["monthly"], "weight": "40"},
        {"key": "annual", "kinds": ["annual"], "weight": "60"},
    ]
    assert AuditEntry.objects.count() == audits


def test_messages_go_through_gettext(org: TestOrg, monkeypatch: pytest.MonkeyPatch) -> None:
    from pms.reviews.services import composite

    monkeypatch.setattr(composite, "_", lambda text: f"«{text}»")
    family = org_factories.role_family()
    with pytest.raises(ValidationError) as caught:
        composite_scheme_set(
            actor=hr(org), role_family=family, parts=[part("annual", ["annual"], "50")]
        )
    assert caught.value.message_dict["parts"][0].startswith("«The weights add up")
    assert not CompositeScheme.objects.exists()


def test_defaults_are_installed_by_code_or_name_and_only_once(org: TestOrg) -> None:
    sales = org_factories.role_family("sales", "销售")
    service = org_factories.role_family("kefu", "客服")  # recognised by its name
    rnd = org_factories.role_family("rnd", "研发")
    mgmt = org_factories.role_family("management", "管理")
    functional = org_factories.role_family("functional", "职能")
    composite_scheme_set(
        actor=hr(org),
        role_family=mgmt,
        parts=[part("annual", ["annual"], "100")],
    )
    created = composite_schemes_install_defaults(actor=hr(org))
    assert {s.role_family_id for s in created} == {sales.pk, service.pk, rnd.pk}
    schemes = {s.role_family_id: s.parts for s in CompositeScheme.objects.all()}
    assert schemes[sales.pk] == SALES_DATA
    assert schemes[service.pk] == SALES_DATA
    assert schemes[rnd.pk] == [
        {"key": "quarterly", "kinds": ["quarterly"], "weight": "30"},
        {"key": "half_year", "kinds": ["half"], "weight": "20"},
        {"key": "annual", "kinds": ["annual"], "weight": "50"},
    ]
    # HR's own weights are kept
    assert schemes[mgmt.pk] == [{"key": "annual", "kinds": ["annual"], "weight": "100"}]
    assert functional.pk not in schemes
    assert (
        AuditEntry.objects.filter(
            object_type="reviews.compositescheme", action=AuditAction.CREATE
        ).count()
        == 4
    )

    again = composite_schemes_install_defaults(actor=hr(org))
    assert again == []
    assert CompositeScheme.objects.count() == 4
    assert AuditEntry.objects.filter(object_type="reviews.compositescheme").count() == 4


SALES_DATA = [
    {"key": "monthly", "kinds": ["monthly"], "weight": "40"},
    {"key": "annual", "kinds": ["annual"], "weight": "60"},
]


def test_management_default_counts_project_and_custom_cycles_as_other(org: TestOrg) -> None:
    mgmt = org_factories.role_family("mgmt", "管理序列")
    assert default_family_key(mgmt) == "management"
    composite_schemes_install_defaults(actor=hr(org))
    assert CompositeScheme.objects.get(role_family=mgmt).parts == [
        {"key": "annual", "kinds": ["annual"], "weight": "70"},
        {"key": "other", "kinds": ["project", "custom"], "weight": "30"},
    ]


def test_removing_a_scheme_is_audited(org: TestOrg) -> None:
    family = org_factories.role_family()
    composite_scheme_set(actor=hr(org), role_family=family, parts=SALES)
    assert composite_scheme_remove(actor=hr(org), role_family=family) is True
    assert not CompositeScheme.objects.exists()
    entry = AuditEntry.objects.filter(object_type="reviews.compositescheme").latest("id")
    assert entry.action == AuditAction.DELETE
    assert (entry.before or {})["parts"] == SALES_DATA
    assert composite_scheme_remove(actor=hr(org), role_family=family) is False
