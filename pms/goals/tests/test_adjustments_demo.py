"""The demo's adjustments: made through the services, one of each kind of outcome."""

from __future__ import annotations

import random

from pms.goals.demo_adjustments import seed_adjustments
from pms.goals.models import GoalAdjustment, GoalVersion
from pms.goals.tests import factories as f
from pms.org.tests import factories as org_factories
from pms.org.tests.factories import TestOrg


def test_seed_adjustments_leaves_each_outcome(org: TestOrg) -> None:
    period = f.period("2026年度")
    people = [org.employee, org.peer] + [
        org_factories.employee(dept=org.sales1, manager=org.manager) for _ in range(2)
    ]
    cards = [f.agreed_scorecard(p, period, f.actor_of(org.manager)) for p in people]

    made = seed_adjustments(cards, random.Random(1))

    assert made == 4
    statuses = [a.status for a in GoalAdjustment.objects.order_by("id")]
    assert statuses == ["approved", "manager", "committee", "rejected"]
    assert GoalVersion.objects.filter(adjustment__isnull=False).count() == 1
    cards[0].refresh_from_db()
    assert cards[0].version == 2
