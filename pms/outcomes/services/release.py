"""Publishing a cycle's results (结果发布).

Publishing is the cycle moving from its calibration phase to its results phase, through
``pms.reviews.services.phases.cycle_advance``, whoever presses which button: the results
page's "publish now", reviews' own "next phase", the API, or the periodic job that carries
out a date HR scheduled. Reviews calls ``results_opened`` (registered in
``OutcomesConfig.ready``) inside its transaction once the results phase is open, which
records the release with the dates to confirm and to appeal by and writes every result in
bulk (``services.results.results_materialise``) — right there for a cycle of up to
``PMS_RESULTS_PUBLISH_INLINE`` people (2,000), by the worker batch by batch for a larger
one, so that moving a cycle of 100,000 people on stays a short request. After commit each
person is told in the background: one message per person about their own result.

- ``release_schedule`` sets (or clears) the day the results go out.
- ``release_publish`` publishes now: advances a cycle in calibration; for a cycle already
  in its results phase it writes whatever results are missing (people brought into the
  cycle late) and changes nothing else — publishing twice never duplicates a result.
- ``releases_publish_due`` (periodic) publishes the releases whose day has come.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pms.accounts.models import User
from pms.comms.notify import notify
from pms.core.audit import Actor, audit_record, json_value
from pms.core.models import AuditAction
from pms.org.models import CURRENT_STATUSES
from pms.outcomes import access, events
from pms.outcomes.models import PerformanceResult, ReleaseStatus, ResultRelease
from pms.outcomes.services.results import (
    BATCH_SIZE,
    outcome_settings,
    results_materialise,
    results_materialise_batches,
    reviews_without_result,
)
from pms.reviews.models import Cycle, CycleStatus, Phase

logger = logging.getLogger(__name__)


def _day(value: dt.date | None) -> str:
    return date_format(value, "Y-m-d") if value is not None else "—"


def _release_for(cycle: Cycle) -> ResultRelease:
    """The cycle's release row, locked (made when missing)."""
    release, _created = ResultRelease.objects.select_for_update().get_or_create(cycle=cycle)
    return release


def release_schedule(
    *,
    actor: Actor,
    cycle: Cycle,
    publish_on: dt.date | None,
    today: dt.date | None = None,
) -> ResultRelease:
    """Set the day the results are published (``None`` takes the date back)."""
    today = today or timezone.localdate()
    if publish_on is not None and publish_on < today:
        raise ValidationError({"publish_on": [_("Choose a day from today on.")]})
    with transaction.atomic():
        locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
        if locked.status != CycleStatus.RUNNING:
            raise ValidationError(_("This cycle is not running."))
        release = _release_for(locked)
        if release.status == ReleaseStatus.PUBLISHED:
            raise ValidationError(_("The results of this cycle are published already."))
        before = {"publish_on": json_value(release.publish_on)}
        release.publish_on = publish_on
        release.save(update_fields=["publish_on", "updated_at"])
        audit_record(
            actor=actor,
            instance=release,
            action=AuditAction.UPDATE,
            before=before,
            after={"publish_on": json_value(publish_on)},
        )
    return release


def release_publish(*, actor: Actor, cycle: Cycle) -> ResultRelease:
    """Publish a cycle's results now (see the module's docstring)."""
    from pms.reviews.services.phases import cycle_advance

    with transaction.atomic():
        locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
        if locked.status != CycleStatus.RUNNING:
            raise ValidationError(_("This cycle is not running."))
        if locked.phase == Phase.CALIBRATION:
            cycle_advance(actor=actor, cycle=locked)  # opens results: ``results_opened``
        elif locked.phase == Phase.RESULTS:
            results_publish(actor=actor, cycle=locked)
        else:
            raise ValidationError(
                _("Results are published after calibration; this cycle is at %(phase)s.")
                % {"phase": locked.get_phase_display()}
            )
        release = ResultRelease.objects.get(cycle=locked)
    cycle.refresh_from_db()
    return release


def results_opened(actor: Actor, cycle: Cycle, phase: str) -> None:
    """The phase hook: when a cycle's results phase opens, its results are published."""
    if phase == Phase.RESULTS:
        results_publish(actor=actor, cycle=cycle)


def results_publish(*, actor: Actor, cycle: Cycle, now: dt.datetime | None = None) -> ResultRelease:
    """Record the release (once) and write the results still missing. The caller holds
    the cycle locked in its transaction."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    settings = outcome_settings()
    release = _release_for(cycle)
    first = release.status != ReleaseStatus.PUBLISHED
    if first:
        release.status = ReleaseStatus.PUBLISHED
        release.published_at = now
        release.published_by = actor.user
        release.confirm_by = today + dt.timedelta(days=settings.confirm_days)
        release.appeal_until = today + dt.timedelta(days=settings.appeal_days)
        release.save(
            update_fields=[
                "status",
                "published_at",
                "published_by",
                "confirm_by",
                "appeal_until",
                "updated_at",
            ]
        )
    # somebody brought into the cycle after publication has their own days to confirm
    deadline = today + dt.timedelta(days=settings.confirm_days)
    pending = reviews_without_result(cycle).count()
    background = pending > inline_limit()
    if not background:
        pending = results_materialise(cycle=cycle, published_at=now, ack_deadline=deadline)
    if first or pending:
        audit_record(
            actor=actor,
            instance=release,
            action=AuditAction.UPDATE,
            before={"status": ReleaseStatus.SCHEDULED} if first else None,
            after={
                "status": ReleaseStatus.PUBLISHED,
                "results": pending,
                "in_background": background,
                "confirm_by": json_value(release.confirm_by),
                "appeal_until": json_value(release.appeal_until),
            },
        )
    if pending:
        cycle_id, stamp, due = cycle.pk, now.isoformat(), deadline.isoformat()

        def enqueue() -> None:
            from pms.outcomes.tasks import notify_results_published, write_results

            if background:
                write_results.enqueue(cycle_id, stamp, due)
            else:
                notify_results_published.enqueue(cycle_id, stamp)

        transaction.on_commit(enqueue)
    return release


def inline_limit() -> int:
    """Up to this many results are written while the cycle moves on; more are written by
    the worker, batch by batch (``results_write_execute``)."""
    return int(getattr(django_settings, "PMS_RESULTS_PUBLISH_INLINE", 2000))


def results_write_execute(
    *, cycle_id: int, published_at: dt.datetime, ack_deadline: dt.date
) -> int:
    """The background part of publishing a large cycle: write the missing results (one
    transaction per batch, under the release's lock), then tell the people. Running it
    again writes and sends nothing twice."""
    cycle = Cycle.objects.filter(pk=cycle_id).first()
    if cycle is None:
        return 0

    def lock() -> None:
        ResultRelease.objects.select_for_update().get(cycle_id=cycle_id)

    written = results_materialise_batches(
        cycle=cycle, published_at=published_at, ack_deadline=ack_deadline, lock=lock
    )
    results_published_notify(cycle_id=cycle_id, published_at=published_at)
    return written


def results_published_notify(*, cycle_id: int, published_at: dt.datetime) -> int:
    """Tell each person whose result was published at ``published_at`` that it is there
    (the background part of publishing): one message each, about their own result, with
    their own days to confirm and to appeal by, keyed so that running it again sends
    nothing twice."""
    release = ResultRelease.objects.filter(cycle_id=cycle_id).select_related("cycle").first()
    if release is None:
        return 0
    rows = (
        PerformanceResult.objects.filter(
            cycle_id=cycle_id,
            published_at=published_at,
            employee__user__isnull=False,
            employee__status__in=CURRENT_STATUSES,
        )
        .order_by("pk")
        .values_list("employee__user_id", "ack_deadline")
    )
    # results written together share their deadline to confirm; grouped all the same
    by_deadline: dict[dt.date | None, list[int]] = {}
    for user_id, ack_deadline in rows:
        by_deadline.setdefault(ack_deadline, []).append(user_id)
    appeal_until = access.appeal_until_for(release, published_at)
    url = reverse("outcomes:my_results")
    sent = 0
    for ack_deadline, user_ids in by_deadline.items():
        params: dict[str, str | int | float] = {
            "cycle": release.cycle.name,
            "confirm_by": _day(ack_deadline or release.confirm_by),
            "appeal_until": _day(appeal_until),
        }
        for start in range(0, len(user_ids), BATCH_SIZE):
            # notify reads the rest of each recipient in one query of its own
            users = User.objects.filter(pk__in=user_ids[start : start + BATCH_SIZE]).only(
                "pk", "is_active"
            )
            sent += notify(
                event=events.RESULT_PUBLISHED,
                recipients=users,
                params=params,
                url=url,
                key=f"results:{release.cycle.uuid}",
            )
    return sent


def releases_publish_due(now: dt.datetime) -> int:
    """The periodic job: publish every scheduled release whose day has come, as the
    system. A cycle that cannot move on yet (calibration still open) stays scheduled and
    is tried again next time; returns how many were published."""
    today = timezone.localdate(now)
    due = list(
        ResultRelease.objects.filter(
            status=ReleaseStatus.SCHEDULED,
            publish_on__lte=today,
            cycle__status=CycleStatus.RUNNING,
            cycle__phase__in=(Phase.CALIBRATION, Phase.RESULTS),
        ).select_related("cycle")
    )
    published = 0
    for release in due:
        try:
            release_publish(actor=Actor.system(), cycle=release.cycle)
        except ValidationError as error:
            logger.warning(
                "scheduled results of %s not published: %s",
                release.cycle,
                "; ".join(error.messages),
            )
            continue
        published += 1
    return published


__all__ = [
    "inline_limit",
    "release_publish",
    "release_schedule",
    "releases_publish_due",
    "results_opened",
    "results_publish",
    "results_published_notify",
    "results_write_execute",
]
