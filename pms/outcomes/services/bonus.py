"""Bonus plans (奖金方案): a cycle's published results turned into bonuses, simulated until
the plan is locked.

- ``bonus_plan_create`` makes a plan for a cycle with results and one line per result;
  ``bonus_plan_update`` changes its settings, ``bonus_factor_set`` a department's factor
  (部门系数), ``bonus_base_set`` one person's base (奖金基数; many at once come through the
  import, ``pms.outcomes.importers.pay``). Any of these makes the plan "to compute again".
- ``bonus_plan_compute`` brings the lines in step with the results and computes every
  line with ``pms.scoring.bonus``, keeping its steps (``bonus_plan_compute_request``:
  the same while HR waits for a small plan, by the worker for a large one, see
  ``pay_lines``):

  - method ``base``: base × the result's coefficient × company factor × department factor,
    to the fen (``person_bonus``), then at most the plan's cap; no coefficient (no grade)
    or no base: no bonus, said in a step;
  - method ``pool``: the pool shared to the fen by coefficient × department factor, and
    × base when the plan weighs by base (then everybody needs a base), each share at most
    the cap (``allocate_pool``); the amounts add up to the pool exactly, minus what the
    caps leave unallocated.

  The lines are written in batches: 100,000 people take a fixed number of queries.
- ``bonus_plan_lock`` locks a computed plan whose lines still match the results; a locked
  plan changes no more. ``bonus_plan_delete`` deletes a plan not locked. Nothing changes
  while the worker computes the plan.

Every change is audited (one entry for a computation, with its totals). Who may call which
is ``pms.outcomes.access``'s to decide.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_record, snapshot
from pms.core.models import AuditAction
from pms.org.models import Department
from pms.outcomes.models import BonusFactor, BonusLine, BonusMethod, BonusPlan
from pms.outcomes.pay_wording import COMPANY_KEY
from pms.outcomes.services.pay_lines import (
    MAX_TOTAL,
    Computing,
    check_amount,
    check_factor,
    check_name,
    cycle_has_results,
    lines_sync,
    lock_plan,
    plan_compute,
    plan_compute_request,
    plan_lock_locked,
    raise_errors,
)
from pms.reviews.models import Cycle
from pms.reviews.wording_outcomes import outcome_error_message
from pms.scoring import bonus as math
from pms.scoring.decimals import normalized, plain
from pms.scoring.errors import ScoringError
from pms.scoring.steps import Step

PLAN_FIELDS = (
    "name",
    "method",
    "pool",
    "budget",
    "company_factor",
    "weigh_by_base",
    "cap",
)
AUDITED = (*PLAN_FIELDS, "status")
ONE = Decimal(1)


def _step(step: Step) -> dict[str, Any]:
    return {"code": step.code, "values": dict(step.values)}


def _check_settings(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    cleaned["name"] = check_name(errors, str(values.get("name") or ""))
    method = values.get("method")
    if method not in BonusMethod.values:
        errors.setdefault("method", []).append(_("Choose how the bonus is computed."))
    pool_required = method == BonusMethod.POOL
    check_amount(
        errors, "pool", values.get("pool"), maximum=MAX_TOTAL, required=pool_required, positive=True
    )
    if not pool_required:
        cleaned["pool"] = None
    check_amount(errors, "budget", values.get("budget"), maximum=MAX_TOTAL)
    check_factor(errors, "company_factor", values.get("company_factor"))
    check_amount(errors, "cap", values.get("cap"), positive=True)
    cleaned["weigh_by_base"] = bool(values.get("weigh_by_base"))
    raise_errors(errors)
    return cleaned


def _unique_name(plan: BonusPlan) -> None:
    others = BonusPlan.objects.filter(cycle_id=plan.cycle_id, name=plan.name)
    if plan.pk is not None:
        others = others.exclude(pk=plan.pk)
    if others.exists():
        raise ValidationError({"name": _("The cycle already has a bonus plan of this name.")})


def _to_compute_again(plan: BonusPlan) -> None:
    if plan.computed_at is not None:
        plan.computed_at = None
        plan.save(update_fields=["computed_at", "updated_at"])


# --- the plan ------------------------------------------------------------------------------


def bonus_plan_create(
    *,
    actor: Actor,
    cycle: Cycle,
    name: str,
    method: str,
    pool: Decimal | None = None,
    budget: Decimal | None = None,
    company_factor: Decimal = ONE,
    weigh_by_base: bool = True,
    cap: Decimal | None = None,
) -> BonusPlan:
    """A plan for ``cycle`` (which must have results), with one line per result."""
    if not cycle_has_results(cycle.pk):
        raise ValidationError({"cycle": _("This cycle has no results yet.")})
    values = _check_settings(
        {
            "name": name,
            "method": method,
            "pool": pool,
            "budget": budget,
            "company_factor": company_factor,
            "weigh_by_base": weigh_by_base,
            "cap": cap,
        }
    )
    with transaction.atomic():
        plan = BonusPlan(cycle=cycle, **values)
        _unique_name(plan)
        plan.full_clean()
        plan.save()
        lines_sync(plan)
        audit_record(
            actor=actor,
            instance=plan,
            action=AuditAction.CREATE,
            after={**snapshot(plan, AUDITED), "cycle": cycle.name},
        )
    return plan


def bonus_plan_update(*, actor: Actor, plan: BonusPlan, changes: dict[str, Any]) -> BonusPlan:
    """Change the plan's settings (fields of ``PLAN_FIELDS``); the lines wait for the next
    computation."""
    unknown = set(changes) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(unknown)
    with transaction.atomic():
        plan = lock_plan(plan)
        current = {name: getattr(plan, name) for name in PLAN_FIELDS}
        values = _check_settings({**current, **changes})
        if values == current:
            return plan
        before = snapshot(plan, AUDITED)
        for name, value in values.items():
            setattr(plan, name, value)
        _unique_name(plan)
        plan.computed_at = None
        plan.full_clean()
        plan.save(update_fields=[*PLAN_FIELDS, "computed_at", "updated_at"])
        audit_record(actor=actor, instance=plan, before=before, after=snapshot(plan, AUDITED))
    return plan


def bonus_plan_delete(*, actor: Actor, plan: BonusPlan) -> None:
    with transaction.atomic():
        plan = lock_plan(plan)
        audit_record(
            actor=actor,
            instance=plan,
            action=AuditAction.DELETE,
            before={**snapshot(plan, AUDITED), "cycle": plan.cycle.name},
        )
        plan.delete()


def bonus_factor_set(
    *, actor: Actor, plan: BonusPlan, department: Department, factor: Decimal | None
) -> BonusFactor | None:
    """A department's factor in the plan; ``None`` takes it away (the department uses 1).
    The factor applies to the lines recorded in that very department."""
    errors: dict[str, list[str]] = {}
    if factor is not None:
        check_factor(errors, "factor", factor)
    raise_errors(errors)
    with transaction.atomic():
        plan = lock_plan(plan)
        found = BonusFactor.objects.filter(plan=plan, department=department).first()
        before = (
            None if found is None else {"department": department.name, "factor": str(found.factor)}
        )
        if factor is None:
            if found is None:
                return None
            audit_record(actor=actor, instance=found, action=AuditAction.DELETE, before=before)
            found.delete()
            _to_compute_again(plan)
            return None
        if found is not None and found.factor == factor:
            return found
        if found is None:
            found = BonusFactor(plan=plan, department=department, factor=factor)
            found.full_clean()
            found.save()
            action = AuditAction.CREATE
        else:
            found.factor = factor
            found.full_clean()
            found.save(update_fields=["factor", "updated_at"])
            action = AuditAction.UPDATE
        audit_record(
            actor=actor,
            instance=found,
            action=action,
            before=before,
            after={"department": department.name, "factor": str(factor)},
        )
        _to_compute_again(plan)
    return found


def bonus_base_set(*, actor: Actor, line: BonusLine, base: Decimal | None) -> BonusLine:
    """One person's bonus base (None: none); the plan waits for the next computation."""
    errors: dict[str, list[str]] = {}
    check_amount(errors, "base", base)
    raise_errors(errors)
    with transaction.atomic():
        lock_plan(line.plan)
        line = BonusLine.objects.select_for_update().get(pk=line.pk)
        if line.base == base:
            return line
        before = {"base": None if line.base is None else str(line.base)}
        line.base = base
        line.save(update_fields=["base", "updated_at"])
        audit_record(
            actor=actor,
            instance=line,
            before=before,
            after={"base": None if base is None else str(base)},
        )
        BonusPlan.objects.filter(pk=line.plan_id).update(
            computed_at=None, updated_at=timezone.now()
        )
    return line


# --- computing -----------------------------------------------------------------------------


def _scoring_error(error: ScoringError) -> ValidationError:
    return ValidationError(outcome_error_message(error))


# a computed line: (pk, department factor, amount, explanation)
Computed = tuple[int, Decimal, Decimal, dict[str, Any]]


def _base_lines(
    plan: BonusPlan, rows: list[tuple[Any, ...]], factors: dict[int, Decimal], names: dict[int, str]
) -> list[Computed]:
    out: list[Computed] = []
    company = math.BonusFactor(COMPANY_KEY, plan.company_factor)
    for pk, _number, department_id, grade, coefficient, base in rows:
        factor = factors.get(department_id, ONE)
        steps: list[dict[str, Any]] = []
        amount = Decimal("0.00")
        if coefficient is None:
            steps.append({"code": "bonus_no_coefficient", "values": {"grade": grade or "—"}})
        elif base is None:
            steps.append({"code": "bonus_no_base", "values": {}})
        else:
            chain = [company]
            if department_id in factors:
                chain.append(math.BonusFactor(names.get(department_id, ""), factor))
            try:
                found = math.person_bonus(
                    base=base, grade=grade, coefficients={grade: coefficient}, factors=chain
                )
            except ScoringError as error:
                raise _scoring_error(error) from error
            amount = found.amount
            steps.extend(_step(step) for step in found.steps)
            if plan.cap is not None and amount > plan.cap:
                steps.append(
                    {
                        "code": "bonus_cap",
                        "values": {"amount": plain(amount), "cap": plain(plan.cap)},
                    }
                )
                amount = plan.cap
        out.append((pk, factor, amount, {"steps": steps}))
    return out


def _pool_lines(
    plan: BonusPlan, rows: list[tuple[Any, ...]], factors: dict[int, Decimal], names: dict[int, str]
) -> list[Computed]:
    pool = plan.pool if plan.pool is not None else Decimal(0)  # a pool plan always has one
    if plan.weigh_by_base:
        # people without a coefficient get nothing whatever their base: none is asked for
        missing = sum(1 for row in rows if row[5] is None and row[4] is not None)
        if missing:
            raise ValidationError(
                _(
                    "%(count)d people have no bonus base. Enter or import their bases, or "
                    "share the pool by coefficient alone."
                )
                % {"count": missing}
            )
    members = [
        math.PoolMember(
            key=number,
            coefficient=(coefficient or Decimal(0)) * factors.get(department_id, ONE),
            base=(base if base is not None else Decimal(0)) if plan.weigh_by_base else None,
            cap=plan.cap,
        )
        for _pk, number, department_id, _grade, coefficient, base in rows
    ]
    try:
        shared = math.allocate_pool(pool, members)
    except ScoringError as error:
        raise _scoring_error(error) from error
    common: list[dict[str, Any]] = []
    own: dict[str, list[dict[str, Any]]] = {}
    for step in shared.steps:
        key = step.values.get("key")
        if key is None:
            common.append(_step(step))
        else:
            own.setdefault(key, []).append(_step(step))
    out: list[Computed] = []
    for (pk, number, department_id, grade, coefficient, _base), allocation in zip(
        rows, shared.allocations, strict=True
    ):
        steps = list(common[:1])
        if coefficient is None:
            steps.append({"code": "bonus_no_coefficient", "values": {"grade": grade or "—"}})
        else:
            steps.append(
                {
                    "code": "bonus_coefficient",
                    "values": {"grade": grade, "coefficient": normalized(coefficient)},
                }
            )
        if department_id in factors:
            steps.append(
                {
                    "code": "bonus_factor",
                    "values": {
                        "key": names.get(department_id, ""),
                        "factor": normalized(factors[department_id]),
                    },
                }
            )
        steps.extend(own.get(number, []))
        steps.extend(common[1:])
        out.append((pk, factors.get(department_id, ONE), allocation.amount, {"steps": steps}))
    return out


def _computed_lines(plan: BonusPlan) -> list[Computed]:
    """Every line of the plan computed by its method (the lines are in step already)."""
    factors = {
        row.department_id: row.factor
        for row in BonusFactor.objects.filter(plan=plan).select_related("department")
    }
    names = dict(Department.objects.filter(pk__in=list(factors)).values_list("pk", "name"))
    rows = list(
        BonusLine.objects.filter(plan=plan)
        .order_by("employee__number", "pk")
        .values_list("pk", "employee__number", "department_id", "grade", "coefficient", "base")
    )
    if plan.method == BonusMethod.POOL:
        return _pool_lines(plan, rows, factors, names)
    return _base_lines(plan, rows, factors, names)


def _too_large(count: int) -> str:
    return _(
        "%(count)d bonuses come out larger than an amount can hold; check the bases and factors."
    ) % {"count": count}


COMPUTING = Computing(
    name="bonus",
    plan_model=BonusPlan,
    line_model=BonusLine,
    fields=("factor", "amount", "explanation"),
    amount_at=2,
    too_large=_too_large,
    lines=_computed_lines,
)


def bonus_plan_compute(*, actor: Actor, plan: BonusPlan) -> BonusPlan:
    """Bring the lines in step with the results and compute every line now (see the
    module's rules); audited with the totals."""
    return plan_compute(actor=actor, plan=plan, computing=COMPUTING)


def bonus_plan_compute_request(*, actor: Actor, plan: BonusPlan) -> BonusPlan:
    """Compute a small plan now, hand a large one to the worker (``compute_state``)."""
    return plan_compute_request(actor=actor, plan=plan, computing=COMPUTING)


def bonus_plan_lock(*, actor: Actor, plan: BonusPlan) -> BonusPlan:
    """Lock a computed plan whose lines match the results: nothing in it changes again."""
    with transaction.atomic():
        return plan_lock_locked(actor=actor, plan=lock_plan(plan), audited=AUDITED)
