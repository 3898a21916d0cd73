"""The company's review settings: the row created with its defaults, changes validated
(k never below 2, well-formed grade bands) and audited; the page is company HR's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from pms.core.audit import Actor
from pms.core.models import AuditEntry
from pms.org.tests.factories import TestOrg
from pms.reviews.models import ReviewSettings
from pms.reviews.services.review_settings import (
    grade_bands_in_force,
    review_settings_get,
    review_settings_update,
)
from pms.scoring.grades import DEFAULT_GRADE_BANDS

pytestmark = pytest.mark.django_db

ClientFor = Callable[[str], Client]

DEFAULT_BANDS = [
    {"grade": "S", "min_score": "90"},
    {"grade": "A", "min_score": "80"},
    {"grade": "B", "min_score": "70"},
    {"grade": "C", "min_score": "60"},
    {"grade": "D", "min_score": "0"},
]
NEW_BANDS = [
    {"grade": "A", "min_score": "85"},
    {"grade": "B", "min_score": "65.5"},
    {"grade": "C", "min_score": "0"},
]


def hr(org: TestOrg) -> Actor:
    return Actor(user=org.hr_admin.user)


def update(org: TestOrg, **changes: Any) -> ReviewSettings:
    values: dict[str, Any] = {
        "anonymity_min": 3,
        "allow_identity_access": False,
        "grade_bands": DEFAULT_BANDS,
        "remind_days_before": 2,
    }
    values.update(changes)
    return review_settings_update(actor=hr(org), **values)


# --- the service ---------------------------------------------------------------------------


def test_the_row_is_created_once_with_the_defaults(settings: Any) -> None:
    settings.PMS_ANONYMITY_MIN = 5
    row = review_settings_get()
    assert row.anonymity_min == 5
    assert row.allow_identity_access is False
    assert row.grade_bands == DEFAULT_BANDS
    assert row.remind_days_before == 2
    assert review_settings_get().pk == row.pk
    assert ReviewSettings.objects.count() == 1
    assert grade_bands_in_force(row) == DEFAULT_GRADE_BANDS


def test_k_from_the_settings_is_never_below_two(settings: Any) -> None:
    settings.PMS_ANONYMITY_MIN = 1
    assert review_settings_get().anonymity_min == 2


def test_an_existing_row_is_used(settings: Any) -> None:
    existing = ReviewSettings.objects.create(anonymity_min=4)
    assert review_settings_get().pk == existing.pk
    # no bands saved: the default ones apply
    assert grade_bands_in_force(existing) == DEFAULT_GRADE_BANDS


def test_older_rows_saying_min_are_read() -> None:
    row = ReviewSettings.objects.create(
        grade_bands=[{"grade": "P", "min": "60"}, {"grade": "F", "min": "0"}]
    )
    assert [b.grade for b in grade_bands_in_force(row)] == ["P", "F"]


def test_a_change_is_saved_and_audited_before_and_after(org: TestOrg) -> None:
    review_settings_get()
    row = update(
        org,
        anonymity_min=4,
        allow_identity_access=True,
        grade_bands=[
            {"grade": " A ", "min_score": 85},
            {"grade": "B", "min_score": "65.50"},
            {"grade": "C", "min_score": "0"},
        ],
        remind_days_before=5,
    )
    row.refresh_from_db()
    assert row.anonymity_min == 4
    assert row.allow_identity_access is True
    assert row.grade_bands == NEW_BANDS
    assert row.remind_days_before == 5
    entry = AuditEntry.objects.get(object_type="reviews.reviewsettings")
    assert (entry.before or {})["anonymity_min"] == 3
    assert (entry.after or {})["anonymity_min"] == 4
    assert (entry.before or {})["grade_bands"] == DEFAULT_BANDS
    assert (entry.after or {})["grade_bands"] == NEW_BANDS
    assert (entry.after or {})["allow_identity_access"] is True

    # the same values again: nothing written
    update(
        org,
        anonymity_min=4,
        allow_identity_access=True,
        grade_bands=NEW_BANDS,
        remind_days_before=5,
    )
    assert AuditEntry.objects.filter(object_type="reviews.reviewsettings").count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"anonymity_min": 1}, "anonymity_min", "At least 2 raters are needed"),
        ({"anonymity_min": 0}, "anonymity_min", "At least 2 raters are needed"),
        ({"remind_days_before": 61}, "remind_days_before", "between 0 and 60 days"),
        ({"grade_bands": []}, "grade_bands", "At least one grade band is needed."),
        ({"grade_bands": "S 90"}, "grade_bands", "is not a grade with a minimum score"),
        (
            {"grade_bands": [{"grade": "A", "min_score": "80"}, {"grade": "B", "min_score": "85"}]},
            "grade_bands",
            "Grade band 2: its minimum must be below the previous band's.",
        ),
        (
            {"grade_bands": [{"grade": "A", "min_score": "80"}, {"grade": "B", "min_score": "10"}]},
            "grade_bands",
            "The lowest grade band must start at 0, not 10.",
        ),
        (
            {"grade_bands": [{"grade": "A", "min_score": "80"}, {"grade": "A", "min_score": "0"}]},
            "grade_bands",
            "appears twice",
        ),
        (
            {"grade_bands": [{"grade": "A", "min_score": "abc"}, {"grade": "B", "min_score": "0"}]},
            "grade_bands",
            "not a number",
        ),
        (
            {
                "grade_bands": [
                    {"grade": "ABC", "min_score": "80"},
                    {"grade": "B", "min_score": "0"},
                ]
            },
            "grade_bands",
            "at most 2 characters",
        ),
        ({"grade_bands": [{"grade": "A"}]}, "grade_bands", "is not a grade with a minimum score"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(
    org: TestOrg, changes: dict[str, Any], field: str, message: str
) -> None:
    before = review_settings_get()
    with pytest.raises(ValidationError) as caught:
        update(org, **changes)
    found = caught.value.message_dict[field]
    assert any(message in text for text in found), found
    after = ReviewSettings.objects.get()
    assert (after.anonymity_min, after.grade_bands, after.remind_days_before) == (
        before.anonymity_min,
        before.grade_bands,
        before.remind_days_before,
    )
    assert not AuditEntry.objects.filter(object_type="reviews.reviewsettings").exists()


# --- the page ------------------------------------------------------------------------------


def post_data(bands: list[tuple[str, str]], **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "anonymity_min": "3",
        "remind_days_before": "2",
        "bands-TOTAL_FORMS": str(len(bands)),
        "bands-INITIAL_FORMS": "0",
        "bands-MIN_NUM_FORMS": "0",
        "bands-MAX_NUM_FORMS": "10",
    }
    for n, (grade, minimum) in enumerate(bands):
        data[f"bands-{n}-grade"] = grade
        data[f"bands-{n}-min_score"] = minimum
    data.update({k: str(v) for k, v in fields.items()})
    return data


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("hr_admin", 200),
        ("sysadmin", 200),
        ("hrbp", 403),
        ("manager", 404),
        ("employee", 404),
        ("outsider", 404),
    ],
)
def test_the_page_is_company_hrs(
    org: TestOrg, client_for: ClientFor, persona: str, status: int
) -> None:
    client = client_for(persona)
    assert client.get(reverse("reviews:settings")).status_code == status
    if status != 200:
        response = client.post(reverse("reviews:settings"), post_data([("A", "0")]))
        assert response.status_code == status
        assert not AuditEntry.objects.filter(object_type="reviews.reviewsettings").exists()


def test_the_page_shows_the_settings_and_the_bands(client_for: ClientFor) -> None:
    page = client_for("hr_admin").get(reverse("reviews:settings")).content.decode()
    assert 'name="anonymity_min"' in page
    assert 'value="90"' in page
    assert "Anonymous peer and upward reviews are promised to stay anonymous" in page


def test_hr_saves_the_settings(org: TestOrg, client_for: ClientFor) -> None:
    response = client_for("hr_admin").post(
        reverse("reviews:settings"),
        post_data(
            [("A", "85"), ("B", "65.5"), ("C", "0"), ("", "")],
            anonymity_min=4,
            allow_identity_access="on",
            remind_days_before=5,
        ),
    )
    assert response.status_code == 302
    row = ReviewSettings.objects.get()
    assert row.anonymity_min == 4
    assert row.allow_identity_access is True
    assert row.grade_bands == NEW_BANDS
    assert row.remind_days_before == 5
    assert AuditEntry.objects.filter(object_type="reviews.reviewsettings").count() == 1
    # now on, the warning says so
    page = client_for("hr_admin").get(reverse("reviews:settings")).content.decode()
    assert "HR may currently look up who wrote anonymous ratings." in page


def test_k_below_two_is_refused_on_the_page(client_for: ClientFor) -> None:
    response = client_for("hr_admin").post(
        reverse("reviews:settings"), post_data([("A", "0")], anonymity_min=1)
    )
    assert response.status_code == 422
    assert "At least 2 raters are needed to keep answers anonymous." in response.content.decode()
    assert ReviewSettings.objects.get().anonymity_min == 3
    assert not AuditEntry.objects.filter(object_type="reviews.reviewsettings").exists()


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ([("A", "80"), ("B", "90"), ("C", "0")], "Grade band 2: its minimum must be below"),
        ([("A", "80"), ("B", "10")], "The lowest grade band must start at 0, not 10."),
        ([("A", "80"), ("", "0")], "has no code"),
        ([("A", "80"), ("B", "")], "not a number"),
        ([("", ""), ("", "")], "At least one grade band is needed."),
    ],
)
def test_malformed_bands_are_refused_on_the_page(
    client_for: ClientFor, bands: list[tuple[str, str]], message: str
) -> None:
    response = client_for("hr_admin").post(reverse("reviews:settings"), post_data(bands))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert ReviewSettings.objects.get().grade_bands == DEFAULT_BANDS
    assert not AuditEntry.objects.filter(object_type="reviews.reviewsettings").exists()


@pytest.mark.parametrize("extra_bands", [0, 5])
def test_the_page_costs_the_same_whatever_the_bands(
    client_for: ClientFor, extra_bands: int, django_assert_num_queries: Any
) -> None:
    row = review_settings_get()
    row.grade_bands = [
        {"grade": f"G{n}", "min_score": str(100 - n)} for n in range(extra_bands)
    ] + [{"grade": "Z", "min_score": "0"}]
    row.save()
    client = client_for("hr_admin")
    client.get(reverse("reviews:settings"))
    with django_assert_num_queries(_PAGE_QUERIES):
        assert client.get(reverse("reviews:settings")).status_code == 200


_PAGE_QUERIES = 8
