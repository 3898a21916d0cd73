"""The annual composite (年度综合评分): each role family's weights, and computing it.

Schemes. A role family's ``CompositeScheme`` has parts, each a key, the cycle kinds whose
review scores it averages and a weight: ``[{"key": "monthly", "kinds": ["monthly"],
"weight": "40"}, {"key": "annual", "kinds": ["annual"], "weight": "60"}]``. Weights are
not negative and add up to 100; every kind is a ``CycleKind`` and sits in one part only;
the annual kind is in a part (the annual review is what the composite is computed for).
The defaults (``composite_schemes_install_defaults``) follow the seed: sales and customer
service monthly 40 + annual 60; R&D quarterly 30 + half-year 20 + annual 50; management
annual 70 + other 30, where "other" is the year's project and custom cycles (the reviews
a manager gets outside the calendar: projects led, special assignments). Probation
reviews are in no default part: they judge whether somebody stays, not their year.

Computing (``composite_compute``, for an annual cycle): for every review of the cycle,
the same person's current review scores (``ReviewResult`` of kind "review") in the cycles
of the same year (by the cycles' start), put into the parts of the person's role family
at launch (``Review.role_family``); without a scheme the annual score alone. The annual
part reads this cycle only; other cycles count once their results are released (results
phase reached, or closed) — a score still moving is not part of anybody's year, and
nobody learns a score through the composite before they could see it. Each part is the
mean of its scores and missing parts are left out with the rest renormalised
(``pms.scoring.composite_score``); the grade comes from the company's bands.

Results are ``ReviewResult`` editions of kind "composite", stored like the review scores
(``services.recompute``): a new edition only when the score, grade, completeness or
explanation changed; once frozen, a changed composite needs a reason, becomes a new
frozen edition and is audited score and grade before and after; without a reason frozen
editions are left as they are. A run reads and writes in batches of ``BATCH`` reviews
with a fixed number of queries each, and is audited once on the cycle.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pms.core.audit import Actor, audit_bulk, audit_record, build_entry
from pms.core.models import AuditAction, AuditEntry
from pms.goals.rules import rule_error_message
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
from pms.reviews.phases import results_released
from pms.reviews.services.review_settings import grade_bands_in_force, review_settings_get
from pms.scoring.composite import DEFAULT_COMPOSITE_SPLITS, CompositePart, composite_score
from pms.scoring.decimals import normalized, plain, to_decimal
from pms.scoring.errors import ScoringError
from pms.scoring.grades import GradeBand, grade_bands_to_data, grade_for

__all__ = [
    "BATCH",
    "DEFAULT_PART_KINDS",
    "PART_LABELS",
    "RULE_VERSION",
    "CompositeOutcome",
    "SchemePart",
    "composite_compute",
    "composite_scheme_remove",
    "composite_scheme_set",
    "composite_schemes_install_defaults",
    "default_family_key",
    "part_label",
    "scheme_parts",
]

BATCH = 1000
REASON_MAX = 500
RULE_VERSION = "composite/1"
MAX_PARTS = 7  # one per cycle kind at most
KEY_MAX = 20

# The parts of the default splits, and the cycle kinds each one averages.
DEFAULT_PART_KINDS: Mapping[str, tuple[str, ...]] = {
    "monthly": (CycleKind.MONTHLY,),
    "quarterly": (CycleKind.QUARTERLY,),
    "half_year": (CycleKind.HALF,),
    "annual": (CycleKind.ANNUAL,),
    "other": (CycleKind.PROJECT, CycleKind.CUSTOM),
}

PART_LABELS: Mapping[str, Promise] = {
    "monthly": gettext_lazy("Monthly reviews"),
    "quarterly": gettext_lazy("Quarterly reviews"),
    "half_year": gettext_lazy("Half-year reviews"),
    "annual": gettext_lazy("Annual review"),
    "other": gettext_lazy("Other reviews (projects, special assignments)"),
}

# The role family a default split is for, recognised by the family's code or name.
_FAMILY_WORDS: Mapping[str, tuple[str, ...]] = {
    "sales": ("sales", "销售"),
    "service": ("service", "customer_service", "customer-service", "cs", "客服", "客户服务"),
    "rnd": ("rnd", "r-d", "rd", "r&d", "research", "研发"),
    "management": ("management", "mgmt", "manager", "managers", "管理"),
}


def part_label(key: str) -> str:
    """The part's name as people read it; keys HR made up are shown as they are."""
    label = PART_LABELS.get(key)
    return str(label) if label is not None else key


# --- schemes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemePart:
    key: str
    kinds: tuple[str, ...]
    weight: Decimal


def scheme_parts(data: object) -> tuple[SchemePart, ...]:
    """A stored scheme's parts (already validated when saved)."""
    if not isinstance(data, list):
        return ()
    return tuple(
        SchemePart(
            key=str(row["key"]),
            kinds=tuple(str(kind) for kind in row["kinds"]),
            weight=Decimal(str(row["weight"])),
        )
        for row in data
        if isinstance(row, Mapping)
    )


def _parts_data(parts: Sequence[SchemePart]) -> list[dict[str, Any]]:
    return [{"key": p.key, "kinds": list(p.kinds), "weight": normalized(p.weight)} for p in parts]


def _valid_key(key: str) -> bool:
    return 0 < len(key) <= KEY_MAX and all(c.isalnum() or c in "_-" for c in key)


def _clean_parts(data: object) -> tuple[SchemePart, ...]:
    """The parts, normalised, or ``ValidationError({"parts": [messages]})``."""
    if not isinstance(data, Sequence) or isinstance(data, str | bytes):
        raise ValidationError({"parts": [_("The parts must be a list.")]})
    errors: list[str] = []
    parts: list[SchemePart] = []
    keys: set[str] = set()
    placed: dict[str, str] = {}
    kind_order = list(CycleKind.values)
    if not data:
        errors.append(_("A scheme needs at least one part."))
    if len(data) > MAX_PARTS:
        errors.append(_("A scheme has at most %(count)d parts.") % {"count": MAX_PARTS})
    for position, raw in enumerate(data, start=1):
        if not isinstance(raw, Mapping):
            errors.append(_("Part %(position)d is malformed.") % {"position": position})
            continue
        key = str(raw.get("key") or "").strip()
        if not _valid_key(key):
            errors.append(
                _(
                    "Part %(position)d needs a short key of letters, digits, “_” or “-” "
                    "(at most %(max)d)."
                )
                % {"position": position, "max": KEY_MAX}
            )
        elif key in keys:
            errors.append(_("The key “%(key)s” appears twice.") % {"key": key})
        keys.add(key)
        kinds_raw = raw.get("kinds")
        kinds: list[str] = []
        if not isinstance(kinds_raw, Sequence) or isinstance(kinds_raw, str | bytes):
            kinds_raw = []
        if not kinds_raw:
            errors.append(
                _("Part %(position)d needs at least one kind of cycle.") % {"position": position}
            )
        for given in kinds_raw:
            kind = str(given)
            if kind not in kind_order:
                errors.append(
                    _("Part %(position)d: “%(kind)s” is not a kind of cycle.")
                    % {"position": position, "kind": kind}
                )
            elif kind in placed:
                errors.append(
                    _("The %(kind)s cycles are already counted in part “%(key)s”.")
                    % {"kind": CycleKind(kind).label, "key": placed[kind]}
                )
            else:
                placed[kind] = key
                kinds.append(kind)
        weight = Decimal(0)
        try:
            weight = to_decimal(raw.get("weight"), "weight")
        except ScoringError as error:
            errors.append(
                _("Part %(position)d: %(message)s")
                % {"position": position, "message": rule_error_message(error)}
            )
        else:
            if not weight.is_finite() or weight < 0:
                errors.append(
                    _("Part %(position)d: the weight cannot be negative.") % {"position": position}
                )
        kinds.sort(key=kind_order.index)
        parts.append(SchemePart(key=key, kinds=tuple(kinds), weight=weight))
    if not errors:
        total = sum((p.weight for p in parts), Decimal(0))
        if total != 100:
            errors.append(
                _("The weights add up to %(total)s%%, not 100%%.") % {"total": normalized(total)}
            )
        if CycleKind.ANNUAL not in placed:
            errors.append(_("The annual review must be in one of the parts."))
    if errors:
        raise ValidationError({"parts": errors})
    return tuple(parts)


@transaction.atomic
def composite_scheme_set(
    *, actor: Actor, role_family: RoleFamily, parts: object
) -> CompositeScheme:
    """Save a role family's composite weights (created, or changed), audited."""
    clean = _parts_data(_clean_parts(parts))
    scheme = CompositeScheme.objects.select_for_update().filter(role_family=role_family).first()
    if scheme is None:
        scheme = CompositeScheme(role_family=role_family, parts=clean)
        scheme.full_clean()
        scheme.save()
        audit_record(
            actor=actor,
            instance=scheme,
            action=AuditAction.CREATE,
            after={"role_family": role_family.code, "parts": clean},
        )
        return scheme
    if scheme.parts == clean:
        return scheme
    before = {"role_family": role_family.code, "parts": scheme.parts}
    scheme.parts = clean
    scheme.full_clean()
    scheme.save(update_fields=["parts", "updated_at"])
    audit_record(
        actor=actor,
        instance=scheme,
        action=AuditAction.UPDATE,
        before=before,
        after={"role_family": role_family.code, "parts": clean},
    )
    return scheme


@transaction.atomic
def composite_scheme_remove(*, actor: Actor, role_family: RoleFamily) -> bool:
    """Remove a role family's scheme: its people's composite is their annual score alone.
    False when there was none."""
    scheme = CompositeScheme.objects.filter(role_family=role_family).first()
    if scheme is None:
        return False
    audit_record(
        actor=actor,
        instance=scheme,
        action=AuditAction.DELETE,
        before={"role_family": role_family.code, "parts": scheme.parts},
    )
    scheme.delete()
    return True


def default_family_key(family: RoleFamily) -> str | None:
    """Which default split fits a role family: by its code first, then by its name."""
    code = family.code.strip().lower()
    name = family.name.strip().lower()
    for candidate in (code, name):
        for key, words in _FAMILY_WORDS.items():
            if candidate in words:
                return key
    return None


def default_parts(key: str) -> list[dict[str, Any]]:
    return _parts_data(
        [
            SchemePart(key=part, kinds=DEFAULT_PART_KINDS[part], weight=weight)
            for part, weight in DEFAULT_COMPOSITE_SPLITS[key]
        ]
    )


@transaction.atomic
def composite_schemes_install_defaults(*, actor: Actor) -> list[CompositeScheme]:
    """Give the sales, customer service, R&D and management families the seed's weights.

    Families that have a scheme already keep it, so running this twice changes nothing.
    Returns the schemes created.
    """
    have = set(CompositeScheme.objects.values_list("role_family_id", flat=True))
    created: list[CompositeScheme] = []
    for family in RoleFamily.objects.exclude(pk__in=have).order_by("sort_order", "code"):
        key = default_family_key(family)
        if key is None:
            continue
        parts = default_parts(key)
        scheme = CompositeScheme(role_family=family, parts=parts)
        scheme.full_clean()
        scheme.save()
        audit_record(
            actor=actor,
            instance=scheme,
            action=AuditAction.CREATE,
            after={"role_family": family.code, "parts": parts, "default": key},
        )
        created.append(scheme)
    return created


# --- computing -----------------------------------------------------------------------------

ANNUAL_ALONE: tuple[SchemePart, ...] = (
    SchemePart(key="annual", kinds=(CycleKind.ANNUAL,), weight=Decimal(100)),
)


@dataclass(frozen=True)
class CompositeOutcome:
    """What one run did: reviews read, editions written, frozen editions left unchanged
    for want of a reason, editions frozen now."""

    total: int
    changed: int
    held: int
    frozen: int


@dataclass(frozen=True)
class _Used:
    cycle_id: int
    result_id: int
    version: int
    score: Decimal
    complete: bool


@dataclass(frozen=True)
class _CycleFacts:
    id: int
    name: str
    kind: str
    start: dt.date


@dataclass(frozen=True)
class _Computed:
    score: Decimal | None
    grade: str
    complete: bool
    explanation: dict[str, Any]
    inputs: dict[str, Any]


def _normal(data: Any) -> Any:
    """The value as it reads back from a JSON column."""
    return json.loads(json.dumps(data))


def _steps(steps: Sequence[Any]) -> list[dict[str, Any]]:
    return [{"code": step.code, "values": dict(step.values)} for step in steps]


def _compute_one(
    *,
    cycle: Cycle,
    scheme: tuple[SchemePart, ...],
    family_name: str | None,
    used: Sequence[_Used],
    cycles: Mapping[int, _CycleFacts],
    bands: Sequence[GradeBand],
) -> _Computed:
    by_kind: dict[str, list[_Used]] = defaultdict(list)
    for row in sorted(used, key=lambda u: (cycles[u.cycle_id].start, u.cycle_id)):
        by_kind[cycles[row.cycle_id].kind].append(row)
    parts: list[CompositePart] = []
    part_of: dict[int, str] = {}
    for part in scheme:
        rows = [row for kind in part.kinds for row in by_kind.get(kind, [])]
        for row in rows:
            part_of[row.result_id] = part.key
        parts.append(CompositePart(part.key, part.weight, [row.score for row in rows]))
    annual = [row for row in used if row.cycle_id == cycle.pk]
    bands_data = grade_bands_to_data(bands)
    inputs = {
        "rule_version": RULE_VERSION,
        "year": cycle.start.year,
        "scheme": _parts_data(scheme),
        "results": [
            {
                "cycle_id": row.cycle_id,
                "cycle": cycles[row.cycle_id].name,
                "kind": cycles[row.cycle_id].kind,
                "start": cycles[row.cycle_id].start.isoformat(),
                "part": part_of.get(row.result_id),
                "result_id": row.result_id,
                "version": row.version,
                "score": plain(row.score),
                "complete": row.complete,
            }
            for row in sorted(used, key=lambda u: (cycles[u.cycle_id].start, u.cycle_id))
        ],
        "grade_bands": bands_data,
    }
    explanation: dict[str, Any] = {
        "rule_version": RULE_VERSION,
        "year": cycle.start.year,
        "role_family": family_name,
        "scheme": "family" if family_name is not None else "annual_alone",
        "grade_bands": bands_data,
    }
    try:
        result = composite_score(parts)
        grade, grade_steps = grade_for(result.score, bands)
    except ScoringError as error:
        explanation.update(
            complete=False,
            score=None,
            grade="",
            parts=[],
            steps=[],
            error={"code": error.code, "params": dict(error.params)},
        )
        return _Computed(None, "", False, explanation, inputs)
    complete = (
        result.score is not None
        and len(annual) == 1
        and all(row.complete for row in used if part_of.get(row.result_id))
    )
    kinds = {part.key: part.kinds for part in scheme}
    explanation.update(
        complete=complete,
        score=None if result.score is None else plain(result.score),
        grade=grade or "",
        weight=normalized(result.weight),
        total_weight=normalized(result.total_weight),
        parts=[
            {
                "key": p.key,
                "kinds": list(kinds[p.key]),
                "weight": normalized(p.weight),
                "count": p.count,
                "mean": None if p.mean is None else plain(p.mean),
                "counted": p.mean is not None and p.weight > 0,
            }
            for p in result.parts
        ],
        steps=_steps(result.steps) + _steps(grade_steps),
    )
    return _Computed(result.score, grade or "", complete, explanation, inputs)


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": [_("Keep the reason under %(max)s characters.") % {"max": REASON_MAX}]}
        )
    return reason


def _check_cycle(cycle: Cycle) -> None:
    if cycle.kind != CycleKind.ANNUAL:
        raise ValidationError(_("The annual composite is computed for annual cycles only."))
    if cycle.status == CycleStatus.DRAFT:
        raise ValidationError(_("The cycle has not been launched yet."))


def _year_cycles(cycle: Cycle) -> dict[int, _CycleFacts]:
    """This cycle and the year's other cycles whose results are released (one query)."""
    year = cycle.start.year
    found = {cycle.pk: _CycleFacts(cycle.pk, cycle.name, cycle.kind, cycle.start)}
    for other in (
        Cycle.objects.filter(start__gte=dt.date(year, 1, 1), start__lte=dt.date(year, 12, 31))
        .exclude(status=CycleStatus.DRAFT)
        .exclude(kind=CycleKind.ANNUAL)
        .only("id", "name", "kind", "start", "status", "phase")
    ):
        if results_released(other):
            found[other.pk] = _CycleFacts(other.pk, other.name, other.kind, other.start)
    return found


def _audit_fields(result: ReviewResult) -> dict[str, Any]:
    return {
        "kind": result.kind,
        "version": result.version,
        "score": None if result.score is None else str(result.score),
        "grade": result.grade,
        "complete": result.complete,
    }


def _batch(
    rows: Sequence[tuple[int, int, int | None]],
    *,
    actor: Actor,
    cycle: Cycle,
    cycles: Mapping[int, _CycleFacts],
    schemes: Mapping[int, tuple[tuple[SchemePart, ...], str]],
    bands: Sequence[GradeBand],
    reason: str,
    freeze: bool,
) -> tuple[int, int, int]:
    """Compute and store one batch: (changed, held, frozen now)."""
    review_ids = [row[0] for row in rows]
    people = {row[1] for row in rows}
    used: dict[int, list[_Used]] = defaultdict(list)
    for result_id, version, score, complete, cycle_id, employee_id in (
        ReviewResult.objects.filter(
            kind=ResultKind.REVIEW,
            is_current=True,
            score__isnull=False,
            review__cycle_id__in=list(cycles),
            review__employee_id__in=people,
        )
        .exclude(review__status=ReviewStatus.REMOVED)
        .values_list(
            "pk", "version", "score", "complete", "review__cycle_id", "review__employee_id"
        )
    ):
        if score is not None:  # filtered above; for the type checker
            used[employee_id].append(_Used(cycle_id, result_id, version, score, complete))
    current = {
        r.review_id: r
        for r in ReviewResult.objects.select_for_update().filter(
            review_id__in=review_ids, kind=ResultKind.COMPOSITE, is_current=True
        )
    }
    now = timezone.now()
    fresh: list[ReviewResult] = []
    retired: list[int] = []
    frozen_now: list[int] = []
    corrections: list[tuple[ReviewResult, ReviewResult]] = []
    held = 0
    for review_id, employee_id, family_id in rows:
        scheme, family_name = schemes.get(family_id or 0, (ANNUAL_ALONE, None))
        new = _compute_one(
            cycle=cycle,
            scheme=scheme,
            family_name=family_name,
            used=used.get(employee_id, []),
            cycles=cycles,
            bands=bands,
        )
        explanation = _normal(new.explanation)
        old = current.get(review_id)
        if (
            old is not None
            and old.score == new.score
            and old.grade == new.grade
            and old.complete == new.complete
            and old.explanation == explanation
        ):
            if freeze and not old.frozen:
                frozen_now.append(old.pk)
            continue
        was_frozen = old is not None and old.frozen
        if was_frozen and not reason:
            held += 1
            continue
        edition = ReviewResult(
            review_id=review_id,
            kind=ResultKind.COMPOSITE,
            version=old.version + 1 if old is not None else 1,
            is_current=True,
            score=new.score,
            grade=new.grade,
            complete=new.complete,
            explanation=explanation,
            inputs=_normal(new.inputs),
            rule_version=RULE_VERSION,
            frozen=freeze or was_frozen,
            reason=reason if (was_frozen or freeze) else "",
            computed_by=actor.user,
        )
        fresh.append(edition)
        if old is not None:
            retired.append(old.pk)
            if was_frozen:
                corrections.append((old, edition))
    if retired:
        ReviewResult.objects.filter(pk__in=retired).update(is_current=False, updated_at=now)
    if fresh:
        ReviewResult.objects.bulk_create(fresh, batch_size=BATCH)
    if frozen_now:
        ReviewResult.objects.filter(pk__in=frozen_now).update(frozen=True, updated_at=now)
    if corrections:
        _audit_corrections(actor, corrections, reason)
    return len(fresh), held, len(frozen_now)


def _audit_corrections(
    actor: Actor, corrections: Sequence[tuple[ReviewResult, ReviewResult]], reason: str
) -> None:
    """One entry per changed frozen composite: score and grade before and after, the reason."""
    reviews = Review.objects.select_related("employee", "cycle").in_bulk(
        [new.review_id for _old, new in corrections]
    )
    entries: list[AuditEntry] = []
    for old, new in corrections:
        new.review = reviews[new.review_id]
        entries.append(
            build_entry(
                actor=actor,
                instance=new,
                action=AuditAction.UPDATE,
                before=_audit_fields(old),
                after=_audit_fields(new),
                reason=reason,
            )
        )
    audit_bulk(entries)


def composite_compute(
    *, actor: Actor, cycle: Cycle, reason: str = "", freeze: bool = False
) -> CompositeOutcome:
    """Compute the annual composite of every review of an annual cycle (see the module).

    Fixed queries per batch of ``BATCH`` reviews: the reviews, the review scores of the
    year for their people, their current composites; then at most one UPDATE, one bulk
    INSERT, one UPDATE for freezing and one bulk audit INSERT. Each batch is one
    transaction; the run is audited once on the cycle.
    """
    _check_cycle(cycle)
    reason = _clean_reason(reason)
    bands = grade_bands_in_force(review_settings_get())
    schemes: dict[int, tuple[tuple[SchemePart, ...], str]] = {
        scheme.role_family_id: (scheme_parts(scheme.parts), scheme.role_family.name)
        for scheme in CompositeScheme.objects.select_related("role_family")
    }
    cycles = _year_cycles(cycle)
    total = changed = held = frozen = 0
    last = 0
    while True:
        with transaction.atomic():
            rows = list(
                Review.objects.filter(cycle=cycle, pk__gt=last)
                .exclude(status=ReviewStatus.REMOVED)
                .order_by("pk")
                .values_list("pk", "employee_id", "role_family_id")[:BATCH]
            )
            if rows:
                one_changed, one_held, one_frozen = _batch(
                    rows,
                    actor=actor,
                    cycle=cycle,
                    cycles=cycles,
                    schemes=schemes,
                    bands=bands,
                    reason=reason,
                    freeze=freeze,
                )
                total += len(rows)
                changed += one_changed
                held += one_held
                frozen += one_frozen
        if len(rows) < BATCH:
            break
        last = rows[-1][0]
    outcome = CompositeOutcome(total=total, changed=changed, held=held, frozen=frozen)
    audit_record(
        actor=actor,
        instance=cycle,
        action=AuditAction.UPDATE,
        after={
            "composite": {
                "year": cycle.start.year,
                "reviews": total,
                "changed": changed,
                "held": held,
                "frozen": frozen,
                "cycles": sorted(cycles),
            }
        },
        reason=reason,
    )
    return outcome
