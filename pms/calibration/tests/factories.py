"""Factories for calibration: a cycle that has reached calibration with scored reviews,
and sessions made through the services. Append new factories at the end."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from pms.accounts.models import User
from pms.calibration.models import CalibrationSession
from pms.calibration.services.sessions import session_create, session_open
from pms.core.audit import Actor
from pms.org.models import Department, Employee
from pms.org.tests import factories as org_factories
from pms.reviews.models import Cycle, Phase, ResultKind, Review, ReviewResult
from pms.reviews.tests import factories as review_factories

_seq = itertools.count(1)


def calibration_cycle(*, phase: str = Phase.CALIBRATION) -> Cycle:
    return review_factories.cycle(phase=phase, default_template=review_factories.template())


def scored(
    the_cycle: Cycle,
    person: Employee,
    score: str | None,
    grade: str = "",
    *,
    self_mean: str | None = None,
    manager_mean: str | None = None,
) -> Review:
    """A review with ``score`` and ``grade`` and a current result edition whose explanation
    has one rated section with the self and manager means given."""
    review = review_factories.review(the_cycle, person)
    review.score = None if score is None else Decimal(score)
    review.grade = grade
    review.save(update_fields=["score", "grade"])
    types: list[dict[str, Any]] = []
    if self_mean is not None:
        types.append({"type": "self", "mean": self_mean, "count": 1})
    if manager_mean is not None:
        types.append({"type": "manager", "mean": manager_mean, "count": 1})
    ReviewResult.objects.create(
        review=review,
        kind=ResultKind.REVIEW,
        score=review.score,
        grade=grade,
        complete=score is not None,
        explanation={"sections": [{"kind": "competencies", "types": types}]},
    )
    return review


def people(dept: Department, count: int, manager: Employee | None = None) -> list[Employee]:
    n = next(_seq)
    return [
        org_factories.employee(
            f"员工{n}-{i}", dept=dept, manager=manager, number=f"C{n:03d}{i:04d}"
        )
        for i in range(count)
    ]


def session(
    hr: User,
    the_cycle: Cycle,
    departments: Sequence[Department],
    *,
    name: str | None = None,
    open_it: bool = True,
    facilitator: User | None = None,
    allowed: Iterable[Department] | None = None,
) -> CalibrationSession:
    actor = Actor(hr)
    made = session_create(
        actor=actor,
        cycle=the_cycle,
        name=name or f"校准会-{next(_seq)}",
        departments=departments,
        subtree=True,
        role_family=None,
        facilitator=facilitator or hr,
        allowed_departments=allowed if allowed is not None else Department.objects.all(),
    )
    if open_it:
        session_open(actor=actor, session=made)
        made.refresh_from_db()
    return made


# --- pages and API (a session of the sales centre) ----------------------------------------


def sales_reviews(org: Any, the_cycle: Cycle, extra: int = 0) -> dict[str, Review]:
    """Scored reviews of the sales centre's people: the head S 95, the employee A 86, the
    peer B 74, the manager B 72, the other manager C 61 (self and manager means given),
    and ``extra`` more people of 销售一部 under the manager at B 70."""
    found = {
        "head": scored(the_cycle, org.head, "95", "S", self_mean="90", manager_mean="95"),
        "employee": scored(the_cycle, org.employee, "86", "A", self_mean="90", manager_mean="85"),
        "peer": scored(the_cycle, org.peer, "74", "B", self_mean="80", manager_mean="70"),
        "manager": scored(the_cycle, org.manager, "72", "B"),
        "other_manager": scored(the_cycle, org.other_manager, "61", "C"),
    }
    for n, person in enumerate(people(org.sales1, extra, manager=org.manager)):
        found[f"extra{n}"] = scored(the_cycle, person, "70", "B")
    return found


def seat(session: CalibrationSession, hr: User, user: User, role: str) -> Any:
    from pms.calibration.services.sessions import member_add

    return member_add(actor=Actor(hr), session=session, user=user, role=role)


class SalesSession:
    """An opened session over the sales centre (``sales_reviews``), facilitated by company
    HR, with the committee user (committee), the outsider (observer) and the manager
    (department head, calibrated in it too) seated."""

    __test__ = False

    def __init__(self, session: CalibrationSession, reviews: dict[str, Review]) -> None:
        self.session = session
        self.reviews = reviews

    def entry(self, key: str) -> Any:
        from pms.calibration.models import CalibrationEntry

        return CalibrationEntry.objects.get(review=self.reviews[key])


def sales_session(org: Any, *, extra: int = 0, enforcement: str | None = None) -> SalesSession:
    from pms.calibration.models import MemberRole

    hr = org.hr_admin.user
    the_cycle = calibration_cycle()
    reviews = sales_reviews(org, the_cycle, extra)
    made = session(hr, the_cycle, [org.sales], open_it=False, name="销售中心校准会")
    if enforcement is not None:
        from pms.calibration.services.sessions import session_update

        made = session_update(
            actor=Actor(hr),
            session=made,
            name=made.name,
            departments=[org.sales],
            subtree=True,
            role_family=None,
            facilitator=hr,
            distribution=list(made.distribution),
            min_group_size=made.min_group_size,
            enforcement=enforcement,
            allowed_departments=Department.objects.all(),
        )
    seat(made, hr, org.committee, MemberRole.COMMITTEE)
    seat(made, hr, org.outsider.user, MemberRole.OBSERVER)
    seat(made, hr, org.manager.user, MemberRole.HEAD)
    session_open(actor=Actor(hr), session=made)
    made.refresh_from_db()
    return SalesSession(made, reviews)
