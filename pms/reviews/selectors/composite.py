"""Reads for the annual composite: the schemes page, the annual cycles, one person's
composite with its explanation.

Who may read what is decided by the callers through ``pms.reviews.access``: the schemes
page by ``can_manage_composites``, a person's composite by ``can_see_result`` on the
annual review it belongs to. The composite only ever counts cycles whose results are
released (see ``services.composite``), so what it shows is no news to its readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from pms.goals.rules import explain_steps, rule_error_message
from pms.org.models import RoleFamily
from pms.reviews.models import (
    CompositeScheme,
    Cycle,
    CycleKind,
    CycleStatus,
    ResultKind,
    Review,
    ReviewResult,
    ReviewStatus,
)
from pms.reviews.services.composite import (
    SchemePart,
    default_family_key,
    default_parts,
    part_label,
    scheme_parts,
)
from pms.scoring.errors import ScoringError
from pms.scoring.steps import Step

__all__ = [
    "FamilyScheme",
    "PartRow",
    "composite_cycles",
    "composite_for_review",
    "composite_schemes_table",
    "kind_label",
]


def kind_label(kind: str) -> str:
    try:
        return str(CycleKind(kind).label)
    except ValueError:
        return kind


@dataclass(frozen=True)
class PartRow:
    key: str
    label: str
    kinds: list[str]  # their labels
    weight: Decimal


@dataclass(frozen=True)
class FamilyScheme:
    family: RoleFamily
    scheme: CompositeScheme | None
    parts: list[PartRow]
    default_key: str | None  # the default split installing would give it

    @property
    def annual_alone(self) -> bool:
        return self.scheme is None


def _rows(parts: tuple[SchemePart, ...]) -> list[PartRow]:
    return [
        PartRow(
            key=p.key,
            label=part_label(p.key),
            kinds=[kind_label(k) for k in p.kinds],
            weight=p.weight,
        )
        for p in parts
    ]


def composite_schemes_table() -> list[FamilyScheme]:
    """Every role family with its scheme, if any (one query)."""
    table: list[FamilyScheme] = []
    for family in RoleFamily.objects.select_related("composite_scheme").order_by(
        "sort_order", "code"
    ):
        scheme: CompositeScheme | None = getattr(family, "composite_scheme", None)
        parts = scheme_parts(scheme.parts) if scheme is not None else ()
        table.append(
            FamilyScheme(
                family=family,
                scheme=scheme,
                parts=_rows(parts),
                default_key=default_family_key(family),
            )
        )
    return table


def scheme_initial(family: RoleFamily) -> list[dict[str, Any]]:
    """The rows the edit form starts from: the saved scheme, else the family's default
    split, else the annual review alone (one query)."""
    scheme = CompositeScheme.objects.filter(role_family=family).first()
    if scheme is not None:
        return [dict(row) for row in scheme.parts]
    key = default_family_key(family)
    if key is not None:
        return default_parts(key)
    return [{"key": "annual", "kinds": [CycleKind.ANNUAL], "weight": "100"}]


def composite_cycles() -> QuerySet[Cycle]:
    """The launched annual cycles, with their people and how many composites are stored."""
    return (
        Cycle.objects.filter(kind=CycleKind.ANNUAL)
        .exclude(status=CycleStatus.DRAFT)
        .annotate(
            n_reviews=Count(
                "reviews", filter=~Q(reviews__status=ReviewStatus.REMOVED), distinct=True
            ),
            n_composites=Count(
                "reviews__results",
                filter=Q(
                    reviews__results__kind=ResultKind.COMPOSITE,
                    reviews__results__is_current=True,
                ),
                distinct=True,
            ),
        )
        .order_by("-start", "name")
    )


def _sentences(steps: list[dict[str, Any]]) -> list[str]:
    shown: list[Step] = []
    for raw in steps:
        values = {str(k): str(v) for k, v in dict(raw.get("values") or {}).items()}
        if "key" in values and str(raw.get("code", "")).startswith("composite"):
            values["key"] = part_label(values["key"])
        shown.append(Step(str(raw.get("code", "")), values))
    return explain_steps(shown)


def _decimal(value: object) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def composite_for_review(review: Review) -> dict[str, Any] | None:
    """What the results page shows of the review's current annual composite, or None when
    there is none (not an annual review, or not computed yet). One query.

    The caller has checked ``access.can_see_result`` for the review. Returns ``score``,
    ``grade``, ``version``, ``frozen``, ``complete``, ``computed_at``, ``year``,
    ``role_family`` (None: no scheme, the annual score alone), ``parts`` (label, kinds,
    weight, count, mean, counted), ``sentences`` ("how was this computed"), ``cycles``
    (each review score used: cycle, kind, part, score) and ``error`` (a message when the
    composite could not be computed).
    """
    result = ReviewResult.objects.filter(
        review_id=review.pk, kind=ResultKind.COMPOSITE, is_current=True
    ).first()
    if result is None:
        return None
    explanation: dict[str, Any] = dict(result.explanation or {})
    inputs: dict[str, Any] = dict(result.inputs or {})
    error = explanation.get("error")
    message = None
    if isinstance(error, dict):
        message = rule_error_message(
            ScoringError(str(error.get("code", "")), dict(error.get("params") or {}))
        )
    parts = [
        {
            "key": row.get("key"),
            "label": part_label(str(row.get("key"))),
            "kinds": [kind_label(str(k)) for k in row.get("kinds", [])],
            "weight": _decimal(row.get("weight")),
            "count": row.get("count", 0),
            "mean": _decimal(row.get("mean")),
            "counted": bool(row.get("counted")),
        }
        for row in explanation.get("parts", [])
    ]
    cycles = [
        {
            "name": row.get("cycle"),
            "kind": kind_label(str(row.get("kind"))),
            "part": part_label(str(row["part"])) if row.get("part") else None,
            "score": _decimal(row.get("score")),
        }
        for row in inputs.get("results", [])
        if row.get("part")
    ]
    return {
        "score": result.score,
        "grade": result.grade,
        "version": result.version,
        "frozen": result.frozen,
        "complete": result.complete,
        "reason": result.reason,
        "computed_at": result.created_at,
        "year": explanation.get("year"),
        "role_family": explanation.get("role_family"),
        "parts": parts,
        "sentences": _sentences(list(explanation.get("steps", []))),
        "cycles": cycles,
        "error": message,
    }
