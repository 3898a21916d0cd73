"""Shared set-up of the results tests: a cycle at its calibration phase with five people
reviewed, the person (``employee``) raised in a closed calibration session, and the same
cycle published by company-wide HR."""

from __future__ import annotations

import pytest

from pms.calibration.models import ChangeField
from pms.core.audit import Actor
from pms.org.tests.factories import TestOrg
from pms.outcomes.models import PerformanceResult
from pms.outcomes.tests import factories as of
from pms.reviews.models import Cycle, Review

RAISE_REASON = "全年业绩在部门第一，按事实上调"


@pytest.fixture
def hr(org: TestOrg) -> Actor:
    return Actor(user=org.hr_admin.user)


@pytest.fixture
def cycle(org: TestOrg) -> Cycle:
    return of.calibration_cycle("2026年度考核")


@pytest.fixture
def reviews(org: TestOrg, cycle: Cycle) -> dict[str, Review]:
    return {
        "employee": of.scored_review(cycle, org.employee, "78.00", "B", version=3),
        "peer": of.scored_review(cycle, org.peer, "88.00", "A"),
        "manager": of.scored_review(cycle, org.manager, "72.00", "B"),
        "other_manager": of.scored_review(cycle, org.other_manager, "65.00", "C"),
        "outsider": of.scored_review(cycle, org.outsider, "92.00", "S"),
    }


@pytest.fixture
def calibrated(org: TestOrg, cycle: Cycle, reviews: dict[str, Review]) -> Cycle:
    """One closed session over the sales people: the person's score and grade raised
    together with one reason."""
    of.closed_session(
        cycle,
        org.hr_admin.user,  # type: ignore[arg-type]
        [reviews["employee"], reviews["peer"], reviews["manager"]],
        {
            reviews["employee"]: [
                (ChangeField.SCORE, "83.00", RAISE_REASON),
                (ChangeField.GRADE, "A", RAISE_REASON),
            ]
        },
        name="销售中心校准会",
    )
    return cycle


@pytest.fixture
def published(org: TestOrg, calibrated: Cycle) -> Cycle:
    of.publish(calibrated, org.hr_admin.user)  # type: ignore[arg-type]
    calibrated.refresh_from_db()
    return calibrated


@pytest.fixture
def mine(published: Cycle, reviews: dict[str, Review]) -> PerformanceResult:
    """The person's published result."""
    return of.result_of(reviews["employee"])
