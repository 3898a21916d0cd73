"""The flat list of individual goals a user may see (everyone's goals for HR, the team's
for a manager, one's own for an employee), filtered and paginated in a fixed number of
queries."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from pms.goals.models import Goal, GoalKind


def goal_list(
    visible: QuerySet[Goal],
    *,
    period_id: int | None = None,
    department_path: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    q: str = "",
) -> QuerySet[Goal]:
    goals = visible.filter(is_active=True).exclude(kind=GoalKind.KEY_RESULT)
    if period_id is not None:
        goals = goals.filter(period_id=period_id)
    if department_path:
        goals = goals.filter(employee__department__path__startswith=department_path)
    if status:
        goals = goals.filter(status=status)
    if kind:
        goals = goals.filter(kind=kind)
    if q.strip():
        term = q.strip()
        goals = goals.filter(
            Q(title__icontains=term) | Q(employee__name__icontains=term) | Q(employee__number=term)
        )
    return goals.select_related(
        "employee__department", "scorecard", "indicator", "parent", "period"
    ).order_by("employee_id", "sort_order", "id")  # walks an index, whatever the size
