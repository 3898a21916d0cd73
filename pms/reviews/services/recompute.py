"""Storing computed results: editions, recomputing a cycle in the background, freezing.

- A result edition (``ReviewResult``) is written only when the score, grade, completeness
  or explanation changed: recomputing twice writes nothing the second time. The new edition
  becomes the current one and ``Review.score`` / ``grade`` follow it.
- Reviews are recomputed in batches of ``BATCH``, each read with a fixed number of queries
  (``scoring_inputs.inputs_for``) and written with one UPDATE, one bulk INSERT and one
  UPDATE of the reviews, in its own transaction. The current editions are compared by the
  text of their explanation, so a batch where nothing changed decodes no JSON.
- Freezing (``results_freeze``, when HR locks the results, e.g. at the end of the manager
  phase) takes a tracking snapshot of the cycle's period, recomputes every review from the
  values in force at it, and marks the current editions frozen with the snapshot recorded
  in their ``inputs``.
- After the freeze, a recomputation needs a reason. It takes a new snapshot (the corrected
  values), and every review whose result changes gets a new frozen edition carrying the
  reason, audited with the score and grade before and after; the earlier edition is kept.
  Without a reason frozen results are left as they are (``results_refresh`` after a late
  answer, for instance, changes nothing once results are frozen).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Subquery, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.core.audit import Actor, audit_bulk, audit_record, build_entry, snapshot
from pms.core.models import AuditAction, AuditEntry
from pms.reviews.models import (
    Cycle,
    RecomputeRun,
    RecomputeStatus,
    ResultKind,
    Review,
    ReviewResult,
    ReviewStatus,
)
from pms.reviews.services.scoring import Computed, compute
from pms.reviews.services.scoring_inputs import TemplateCache, inputs_for, scoring_settings
from pms.tracking.models import ActualSnapshot

__all__ = [
    "BATCH",
    "BatchOutcome",
    "cycle_has_frozen_results",
    "recompute_batch",
    "recompute_run_execute",
    "recompute_start",
    "result_recompute",
    "results_freeze",
    "results_refresh",
]

BATCH = 1000
REASON_MAX = 500
_RUNNING = (RecomputeStatus.QUEUED, RecomputeStatus.RUNNING)


@dataclass(frozen=True)
class BatchOutcome:
    done: int
    changed: int


# The current editions, with only what the comparison, the freeze and the audit need: the
# explanation is read as text and compared as text first (decoding a few kilobytes of JSON
# per review cost more than computing the review).
_CURRENT_FIELDS = ("id", "review_id", "version", "score", "grade", "complete", "frozen")


def _current(review_ids: Sequence[int]) -> dict[int, ReviewResult]:
    return {
        r.review_id: r
        for r in ReviewResult.objects.select_for_update()
        .filter(review_id__in=review_ids, kind=ResultKind.REVIEW, is_current=True)
        .only(*_CURRENT_FIELDS)
        .annotate(explanation_text=Cast("explanation", TextField()))
    }


def _same(current: ReviewResult, new: Computed, text: str) -> bool:
    """Whether the current edition says the same. ``text`` is the new explanation's JSON:
    the same text is the same explanation; a different text (PostgreSQL prints jsonb its
    own way; an edition stored by an earlier release) is compared as values, as the column
    reads back."""
    if current.score != new.score or current.grade != new.grade or current.complete != new.complete:
        return False
    stored = getattr(current, "explanation_text", None)
    if stored == text:
        return True
    if stored is None:
        return bool(current.explanation == json.loads(text))
    return bool(json.loads(stored) == json.loads(text))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A batch makes a few hundred thousand short-lived objects, freed by reference counting;
    the cycle collector, which walks every tracked object whenever its thresholds trip (an
    eighth of a recomputation's time), runs once the batch is done instead."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _audit_fields(result: ReviewResult) -> dict[str, Any]:
    return {
        "version": result.version,
        "score": None if result.score is None else str(result.score),
        "grade": result.grade,
        "complete": result.complete,
    }


def recompute_batch(
    review_ids: Sequence[int],
    *,
    actor: Actor,
    templates: TemplateCache | None = None,
    snapshot_row: ActualSnapshot | None = None,
    reason: str = "",
    freeze: bool = False,
) -> BatchOutcome:
    """Recompute these reviews and store what changed (one transaction, fixed queries).

    Frozen results are recomputed only with a ``reason`` (a correction); ``freeze`` marks
    the current editions frozen, recording ``snapshot_row`` in their inputs.
    """
    # the collector resumes once the batch's objects are gone (they are freed when
    # ``_recompute_batch`` returns): resumed while the new editions are still held, it
    # would walk them all
    with _collector_paused():
        return _recompute_batch(
            review_ids,
            actor=actor,
            templates=templates or TemplateCache(),
            snapshot_row=snapshot_row,
            reason=reason,
            freeze=freeze,
        )


def _recompute_batch(
    review_ids: Sequence[int],
    *,
    actor: Actor,
    templates: TemplateCache,
    snapshot_row: ActualSnapshot | None,
    reason: str,
    freeze: bool,
) -> BatchOutcome:
    conf = scoring_settings()
    with transaction.atomic():
        current = _current(review_ids)
        todo = [
            rid for rid in review_ids if not (rid in current and current[rid].frozen and not reason)
        ]
        inputs = inputs_for(todo, templates=templates, today=conf.today, snapshot=snapshot_row)
        fresh: list[ReviewResult] = []
        retired: list[int] = []
        frozen_now: list[ReviewResult] = []
        corrections: list[tuple[ReviewResult | None, ReviewResult]] = []
        now = timezone.now()
        for review_id, review_inputs in inputs.items():
            new = compute(review_inputs, conf)
            old = current.get(review_id)
            if old is not None and _same(
                old, new, json.dumps(new.explanation, check_circular=False)
            ):
                if freeze and not old.frozen:
                    old.frozen = True
                    old.inputs = new.inputs
                    old.updated_at = now
                    frozen_now.append(old)
                continue
            # stored as they are: the JSON column writes json.dumps of them, the very text
            # of their normal form (tuples as lists, keys as strings)
            explanation, record = new.explanation, new.inputs
            was_frozen = old is not None and old.frozen
            edition = ReviewResult(
                review_id=review_id,
                kind=ResultKind.REVIEW,
                version=(old.version + 1) if old is not None else 1,
                is_current=True,
                score=new.score,
                grade=new.grade,
                complete=new.complete,
                explanation=explanation,
                inputs=record,
                rule_version=str(explanation.get("rule_version", "")),
                frozen=freeze or was_frozen,
                reason=reason[:REASON_MAX] if (was_frozen or freeze) else "",
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
            ReviewResult.objects.bulk_update(
                frozen_now, ["frozen", "inputs", "updated_at"], batch_size=BATCH
            )
        if fresh:
            # the reviews' score and grade follow their new current editions (one UPDATE;
            # a bulk_update builds a CASE per row and cost more than computing the review)
            now_current = ReviewResult.objects.filter(
                review_id=OuterRef("pk"), kind=ResultKind.REVIEW, is_current=True
            ).order_by()
            Review.objects.filter(pk__in=[e.review_id for e in fresh]).update(
                score=Subquery(now_current.values("score")[:1]),
                grade=Subquery(now_current.values("grade")[:1]),
            )
        if corrections:
            _audit_corrections(actor, corrections, reason)
    return BatchOutcome(done=len(review_ids), changed=len(fresh))


def _audit_corrections(
    actor: Actor, corrections: Sequence[tuple[ReviewResult | None, ReviewResult]], reason: str
) -> None:
    """One entry per changed frozen result: score and grade before and after, the reason."""
    people = Review.objects.select_related("employee", "cycle").in_bulk(
        [new.review_id for _old, new in corrections]
    )
    stored = {
        r.review_id: r
        for r in ReviewResult.objects.filter(
            review_id__in=list(people), kind=ResultKind.REVIEW, is_current=True
        )
    }
    entries: list[AuditEntry] = []
    for old, new in corrections:
        saved = stored.get(new.review_id, new)
        saved.review = people[new.review_id]
        entries.append(
            build_entry(
                actor=actor,
                instance=saved,
                action=AuditAction.UPDATE,
                before=None if old is None else _audit_fields(old),
                after=_audit_fields(new),
                reason=reason,
            )
        )
    audit_bulk(entries)


# --- one review, or a few, now ---------------------------------------------------------------


def results_refresh(*, review_ids: Iterable[int]) -> int:
    """Recompute these reviews now (a rating was submitted, a phase moved on…); frozen
    results stay as they are. Returns how many results changed.

    The editions are the system's: a rater's submission may be what triggered this, and an
    edition must not name them."""
    ids = sorted(set(review_ids))
    templates = TemplateCache()
    changed = 0
    for offset in range(0, len(ids), BATCH):
        outcome = recompute_batch(
            ids[offset : offset + BATCH], actor=Actor.system(), templates=templates
        )
        changed += outcome.changed
    return changed


def _clean_reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationError(
            {"reason": [_("The results are frozen: say why they are computed again.")]}
        )
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": [_("Keep the reason under %(max)s characters.") % {"max": REASON_MAX}]}
        )
    return reason


def _snapshot_for(actor: Actor, cycle: Cycle, name: str, reason: str) -> ActualSnapshot | None:
    from pms.tracking.services.snapshots import snapshot_take

    if cycle.period is None:
        return None
    return snapshot_take(actor=actor, period=cycle.period, name=name[:100], reason=reason)


def result_recompute(*, actor: Actor, review: Review, reason: str = "") -> ReviewResult | None:
    """HR recomputes one review now. Once frozen, a reason is required: the values are
    snapshotted again and a changed result becomes a new audited edition."""
    frozen = ReviewResult.objects.filter(
        review=review, kind=ResultKind.REVIEW, is_current=True, frozen=True
    ).exists()
    reason = _clean_reason(reason, required=frozen)
    snap = None
    if frozen:
        snap = _snapshot_for(
            actor,
            review.cycle,
            _("Correction: %(name)s") % {"name": str(review)},
            reason,
        )
    recompute_batch([review.pk], actor=actor, snapshot_row=snap, reason=reason)
    return ReviewResult.objects.filter(
        review=review, kind=ResultKind.REVIEW, is_current=True
    ).first()


# --- a whole cycle, in the background ------------------------------------------------------


def cycle_has_frozen_results(cycle: Cycle) -> bool:
    return ReviewResult.objects.filter(
        review__cycle=cycle, kind=ResultKind.REVIEW, is_current=True, frozen=True
    ).exists()


def recompute_running(cycle: Cycle) -> bool:
    return RecomputeRun.objects.filter(cycle=cycle, status__in=_RUNNING).exists()


def _reviews_of(cycle: Cycle) -> Any:
    return Review.objects.filter(cycle=cycle).exclude(status=ReviewStatus.REMOVED)


def _start(*, actor: Actor, cycle: Cycle, reason: str, freeze: bool) -> RecomputeRun:
    if RecomputeRun.objects.filter(cycle=cycle, status__in=_RUNNING).exists():
        raise ValidationError(
            _("A recomputation of this cycle is already running; wait for it to finish.")
        )
    frozen = cycle_has_frozen_results(cycle)
    if freeze and frozen:
        raise ValidationError(_("The results of this cycle are frozen already."))
    reason = _clean_reason(reason, required=frozen)
    with transaction.atomic():
        snap = None
        if freeze:
            snap = _snapshot_for(
                actor, cycle, _("Results frozen: %(cycle)s") % {"cycle": cycle.name}, reason
            )
        elif frozen:
            snap = _snapshot_for(
                actor, cycle, _("Results corrected: %(cycle)s") % {"cycle": cycle.name}, reason
            )
        run = RecomputeRun(
            cycle=cycle,
            status=RecomputeStatus.QUEUED,
            total=_reviews_of(cycle).count(),
            freeze=freeze,
            reason=reason,
            started_by=actor.user,
        )
        run.full_clean()
        run.save()
        audit_record(
            actor=actor,
            instance=run,
            action=AuditAction.CREATE,
            after={
                **snapshot(run, ["cycle", "total", "freeze"]),
                "snapshot": None if snap is None else snap.pk,
            },
            reason=reason,
        )
        run_id, snap_id = run.pk, None if snap is None else snap.pk

        def enqueue() -> None:
            from pms.reviews.tasks import recompute_cycle

            recompute_cycle.enqueue(run_id, snap_id)

        transaction.on_commit(enqueue)
    return run


def recompute_start(*, actor: Actor, cycle: Cycle, reason: str = "") -> RecomputeRun:
    """Recompute every review of the cycle in the background. Once the cycle's results are
    frozen, a reason is required (a correction)."""
    return _start(actor=actor, cycle=cycle, reason=reason, freeze=False)


def results_freeze(*, actor: Actor, cycle: Cycle, reason: str = "") -> RecomputeRun:
    """Lock the cycle's results: snapshot the values now, recompute from them and mark the
    editions frozen (in the background). Called by HR, or when the manager phase closes."""
    return _start(actor=actor, cycle=cycle, reason=reason, freeze=True)


def recompute_run_execute(*, run_id: int, snapshot_id: int | None = None) -> None:
    """The job: batch after batch, with progress; idempotent (a finished run does nothing)."""
    run = RecomputeRun.objects.select_related("cycle", "started_by").filter(pk=run_id).first()
    if run is None or run.status != RecomputeStatus.QUEUED:
        return
    RecomputeRun.objects.filter(pk=run.pk).update(status=RecomputeStatus.RUNNING)
    snap = None
    if snapshot_id is not None:
        snap = ActualSnapshot.objects.select_related("period").filter(pk=snapshot_id).first()
    actor = Actor(user=run.started_by, channel="system")
    templates = TemplateCache()
    try:
        last = 0
        while True:
            ids = list(
                _reviews_of(run.cycle)
                .filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                break
            outcome = recompute_batch(
                ids,
                actor=actor,
                templates=templates,
                snapshot_row=snap,
                reason=run.reason,
                freeze=run.freeze,
            )
            RecomputeRun.objects.filter(pk=run.pk).update(
                done=F("done") + outcome.done, changed=F("changed") + outcome.changed
            )
            last = ids[-1]
    except Exception as error:
        RecomputeRun.objects.filter(pk=run.pk).update(
            status=RecomputeStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        raise
    RecomputeRun.objects.filter(pk=run.pk).update(
        status=RecomputeStatus.DONE, finished_at=timezone.now()
    )
