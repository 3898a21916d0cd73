"""The demo company's goals: a strategy, department goals aligned to it and scorecards in
every state, each consistent with the rules the services enforce."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pms.goals.demo import seed_goals_demo
from pms.goals.models import (
    Goal,
    GoalAdjustment,
    GoalKind,
    GoalLevel,
    GoalVersion,
    Scorecard,
    ScorecardStatus,
    ScorecardTemplate,
)
from pms.goals.services.scorecards import letter_fingerprint
from pms.org.demo import seed_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    seed_demo(employees=200, seed=3)
    seed_goals_demo(seed=3)


def test_the_strategy_cascades_to_departments_and_people(demo: None) -> None:
    assert Goal.objects.filter(level=GoalLevel.COMPANY).count() == 7
    department_goals = Goal.objects.filter(level=GoalLevel.DEPARTMENT)
    assert department_goals.exists()
    assert not department_goals.filter(parent__isnull=True).exists()
    assert Goal.objects.filter(level=GoalLevel.INDIVIDUAL, parent__level="department").exists()
    assert ScorecardTemplate.objects.count() == 3


def test_scorecards_are_in_every_state_with_weights_totalling_100(demo: None) -> None:
    statuses = set(Scorecard.objects.values_list("status", flat=True))
    assert statuses == {s.value for s in ScorecardStatus if s != ScorecardStatus.RETURNED}
    for card in Scorecard.objects.prefetch_related("goals"):
        weights = [
            g.weight for g in card.goals.all() if g.is_active and g.kind != GoalKind.KEY_RESULT
        ]
        assert sum(weights, Decimal(0)) == 100, card


def test_agreed_goals_have_versions_and_signed_letters_match_their_terms(demo: None) -> None:
    agreed = Goal.objects.filter(
        scorecard__status__in=[ScorecardStatus.APPROVED, ScorecardStatus.SIGNED]
    )
    assert not agreed.exclude(pk__in=GoalVersion.objects.values("goal_id")).exists()
    adjusted = set(GoalAdjustment.objects.values_list("scorecard_id", flat=True))
    signed = Scorecard.objects.filter(status=ScorecardStatus.SIGNED).exclude(pk__in=adjusted)
    card = signed.select_related("employee", "period").first()
    assert card is not None
    signatures = card.signatures.filter(version=1)
    assert signatures.count() == 2
    assert {s.content_hash for s in signatures} == {letter_fingerprint(card)}


def test_a_few_adjustments_are_under_way(demo: None) -> None:
    assert GoalAdjustment.objects.count() >= 3
