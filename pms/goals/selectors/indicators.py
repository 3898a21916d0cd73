"""Reading the indicator library: the filtered list, one indicator's use, its history."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from pms.goals.models import Goal, Indicator, TemplateItem
from pms.org.models import RoleFamily
from pms.org.selectors import HistoryEntry, history


@dataclass(frozen=True)
class IndicatorFilters:
    """The library list's filters; empty means "any"."""

    search: str = ""
    role_family: RoleFamily | None = None
    perspective: str = ""
    enabled: bool | None = None
    data_source: str = ""


def indicator_list(
    visible: QuerySet[Indicator], filters: IndicatorFilters | None = None
) -> QuerySet[Indicator]:
    """The visible indicators matching the filters, role families prefetched (two queries
    for any page size)."""
    filters = filters or IndicatorFilters()
    qs = visible
    if filters.search:
        qs = qs.filter(Q(name__icontains=filters.search) | Q(code__icontains=filters.search))
    if filters.role_family is not None:
        qs = qs.filter(role_families=filters.role_family)
    if filters.perspective:
        qs = qs.filter(perspective=filters.perspective)
    if filters.enabled is not None:
        qs = qs.filter(enabled=filters.enabled)
    if filters.data_source:
        qs = qs.filter(data_source=filters.data_source)
    return qs.prefetch_related(
        Prefetch("role_families", queryset=RoleFamily.objects.order_by("sort_order", "code"))
    ).order_by("sort_order", "code")


@dataclass(frozen=True)
class IndicatorUse:
    goals: int
    template_items: int


def indicator_use(indicator: Indicator) -> IndicatorUse:
    """How many goals (any level, any period) and template items point at it."""
    return IndicatorUse(
        goals=Goal.objects.filter(indicator=indicator).count(),
        template_items=TemplateItem.objects.filter(indicator=indicator).count(),
    )


def indicator_history(indicator: Indicator) -> list[HistoryEntry]:
    return history(indicator)


def role_family_choices() -> QuerySet[RoleFamily]:
    return RoleFamily.objects.order_by("sort_order", "code")
