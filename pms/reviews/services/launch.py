"""Launching a cycle (发起考核): one ``Review`` per participant and the ratings everybody
gets from their template.

``cycle_launch`` checks the cycle and marks it as being launched (``launched_by`` set while
the cycle is still a draft); small cycles are then carried out at once, large ones by a
background job (``pms.reviews.tasks.launch_cycle``) whose page polls the progress — the
number of reviews made so far against the number of participants.

``cycle_launch_execute`` walks the participants in batches of ``BATCH_SIZE``, each batch in
its own transaction with bulk inserts. It is idempotent: people who already have a review
are not given another, and a rating that already exists is not made twice (the database's
unique constraints back this up), so running it again after a failure finishes the job.
When every batch is in, the cycle runs, its first phase (goal setting) opens, one audit
entry records the launch and the participants are told.

Ratings made here (``rater_types_asked`` of the template): self; the direct manager; the
dotted-line manager and the skip-level manager (manager's manager) when asked; upward — the
reviewee's current direct reports — when asked. Peers are nominated later and
cross-department partners assigned by HR. ``Rating.anonymous`` is whether the template
shows that rater type anonymously.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pms.accounts.models import User
from pms.comms.notify import notify
from pms.core.audit import Actor, audit_record
from pms.core.models import AuditAction
from pms.goals.models import Scorecard
from pms.org.models import CURRENT_STATUSES, Employee
from pms.reviews import events
from pms.reviews.models import (
    PHASE_ORDER,
    Cycle,
    CyclePhase,
    CycleStatus,
    Phase,
    PhaseStatus,
    RaterType,
    Rating,
    RatingStatus,
    Review,
    ReviewTemplate,
    TemplateStatus,
)
from pms.reviews.services.participation import (
    TemplateChoice,
    participants,
    template_choice,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
# a launch that has not moved for this long is taken as dead and may be started again
STALE_AFTER = dt.timedelta(minutes=10)
# the rater types a launch assigns; peers and cross-department partners come later
AUTOMATIC_TYPES = (
    RaterType.SELF,
    RaterType.MANAGER,
    RaterType.DOTTED,
    RaterType.SKIP,
    RaterType.UPWARD,
)
# statuses of a rating that stands (a declined or withdrawn one may be asked again)
STANDING = (
    RatingStatus.NOMINATED,
    RatingStatus.PENDING,
    RatingStatus.DRAFT,
    RatingStatus.SUBMITTED,
)


def inline_limit() -> int:
    """Cycles up to this many participants are launched within the request."""
    return int(getattr(settings, "PMS_REVIEW_LAUNCH_INLINE", 500))


def rater_types_asked(template: ReviewTemplate) -> set[str]:
    """The types a template asks: listed in ``rater_types`` or given a weight."""
    asked = {str(t) for t in (template.rater_types or [])}
    weights = template.rater_weights or {}
    asked |= {str(t) for t, w in weights.items() if _positive(w)}
    return asked & set(RaterType.values)


def _positive(value: object) -> bool:
    try:
        return float(str(value)) > 0
    except ValueError:
        return False


# --- checks ---------------------------------------------------------------------------------


def is_launching(cycle: Cycle, now: dt.datetime | None = None) -> bool:
    """A launch was started and is still moving."""
    if cycle.status != CycleStatus.DRAFT or cycle.launched_by_id is None:
        return False
    return (now or timezone.now()) - cycle.updated_at < STALE_AFTER


def problems_from(cycle: Cycle, *, participants_count: int, without_template: int) -> list[str]:
    """What stops a launch, in sentences, from the counts the caller has."""
    problems: list[str] = []
    default = cycle.default_template
    if default is not None and default.status != TemplateStatus.ACTIVE:
        problems.append(
            _("The default template “%(template)s” is not in use; choose an active one.")
            % {"template": default}
        )
    if not participants_count:
        problems.append(_("Nobody takes part under these rules."))
    if without_template:
        problems.append(
            _(
                "%(count)s people have no template: link a template to their position or "
                "role family, or choose a default template."
            )
            % {"count": without_template}
        )
    return problems


def launch_problems(cycle: Cycle, choice: TemplateChoice | None = None) -> list[str]:
    """What stops a launch, in sentences (empty: the cycle may be launched)."""
    choice = choice or template_choice(cycle)
    people = participants(cycle)
    count = people.count()
    missing_q = choice.without_template()
    missing = people.filter(missing_q).count() if count and missing_q is not None else 0
    return problems_from(cycle, participants_count=count, without_template=missing)


# --- starting -------------------------------------------------------------------------------


def cycle_launch(*, actor: Actor, cycle: Cycle, background: bool | None = None) -> Cycle:
    """Start launching ``cycle``. ``background`` None: by size (``inline_limit``); False:
    carried out before returning; True: queued for the worker on commit."""
    with transaction.atomic():
        locked = (
            Cycle.objects.select_for_update(of=("self",))
            .select_related("default_template")
            .get(pk=cycle.pk)
        )
        if locked.status != CycleStatus.DRAFT:
            raise ValidationError(_("This cycle has already been launched."))
        if is_launching(locked):
            raise ValidationError(_("This cycle is being launched; wait until it has finished."))
        problems = launch_problems(locked)
        if problems:
            raise ValidationError(problems)
        total = participants(locked).count()
        locked.launched_by = actor.user
        locked.save(update_fields=["launched_by", "updated_at"])
        run_later = total > inline_limit() if background is None else background
        cycle_id = locked.pk
        if run_later:

            def enqueue() -> None:
                from pms.reviews.tasks import launch_cycle

                launch_cycle.enqueue(cycle_id)

            transaction.on_commit(enqueue)
    if not run_later:
        return cycle_launch_execute(cycle_id=cycle_id, actor=actor)
    cycle.refresh_from_db()
    return cycle


# --- carrying out ---------------------------------------------------------------------------


@dataclass
class Made:
    reviews: int = 0
    ratings: int = 0


def cycle_launch_execute(*, cycle_id: int, actor: Actor | None = None) -> Cycle:
    """The work of a launch (see the module's docstring). Doing it again does nothing new."""
    cycle = Cycle.objects.select_related("default_template", "period", "launched_by").get(
        pk=cycle_id
    )
    if cycle.status != CycleStatus.DRAFT or cycle.launched_by is None:
        return cycle
    actor = actor or Actor(user=cycle.launched_by)
    made = Made()
    try:
        choice = template_choice(cycle)
        problems = launch_problems(cycle, choice)
        if problems:
            raise ValidationError(problems)
        ids = list(participants(cycle).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH_SIZE):
            with transaction.atomic():
                batch = make_reviews(cycle, ids[start : start + BATCH_SIZE], choice)
                made.reviews += batch.reviews
                made.ratings += batch.ratings
                # the heartbeat the progress page and ``is_launching`` read
                Cycle.objects.filter(pk=cycle.pk).update(updated_at=timezone.now())
    except Exception as error:
        logger.exception("launch of cycle %s failed", cycle_id)
        message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        _launch_failed(cycle, message or type(error).__name__)
        cycle.refresh_from_db()
        return cycle
    return _launch_finished(cycle, actor, made)


def _launch_failed(cycle: Cycle, message: str) -> None:
    with transaction.atomic():
        Cycle.objects.filter(pk=cycle.pk).update(launched_by=None, updated_at=timezone.now())
        audit_record(
            actor=Actor.system(),
            instance=cycle,
            action=AuditAction.UPDATE,
            after={"launch": "stopped"},
            reason=_("The launch stopped: %(error)s") % {"error": message[:1000]},
        )


def _launch_finished(cycle: Cycle, actor: Actor, made: Made) -> Cycle:
    now = timezone.now()
    with transaction.atomic():
        locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
        if locked.status != CycleStatus.DRAFT:
            return locked
        phases_ensure(locked)
        CyclePhase.objects.filter(cycle=locked).exclude(phase=Phase.GOALS).update(
            status=PhaseStatus.PENDING, opened_at=None, closed_at=None, updated_at=now
        )
        CyclePhase.objects.filter(cycle=locked, phase=Phase.GOALS).update(
            status=PhaseStatus.OPEN, opened_at=now, closed_at=None, updated_at=now
        )
        locked.status = CycleStatus.RUNNING
        locked.phase = Phase.GOALS
        locked.launched_at = now
        locked.save(update_fields=["status", "phase", "launched_at", "updated_at"])
        counts = Review.objects.filter(cycle=locked).aggregate(n=Count("pk"))
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditAction.UPDATE,
            before={"status": CycleStatus.DRAFT},
            after={
                "status": CycleStatus.RUNNING,
                "phase": Phase.GOALS,
                "reviews": counts["n"],
                "reviews_made": made.reviews,
                "ratings_made": made.ratings,
            },
            reason=_("Cycle launched."),
        )
    # outside the transaction: a message per person takes a while for a large cycle, and
    # each batch of messages commits on its own (keyed, so never sent twice)
    notify_participants(locked, Review.objects.filter(cycle=locked).values("employee_id"))
    return locked


def phases_ensure(cycle: Cycle) -> None:
    """A row for every phase (cycles made elsewhere may lack some)."""
    have = set(CyclePhase.objects.filter(cycle=cycle).values_list("phase", flat=True))
    missing = [CyclePhase(cycle=cycle, phase=p) for p in PHASE_ORDER if p not in have]
    if missing:
        CyclePhase.objects.bulk_create(missing)


def notify_participants(cycle: Cycle, employee_ids: QuerySet[Any]) -> None:
    """ "You take part in …", once per person (the key makes it idempotent)."""
    url = reverse("reviews:cycle", kwargs={"uuid": cycle.uuid})
    users = User.objects.filter(employee__in=employee_ids, is_active=True)
    batch: list[User] = []
    for user in users.iterator(chunk_size=BATCH_SIZE):
        batch.append(user)
        if len(batch) >= BATCH_SIZE:
            _notify_launched(cycle, batch, url)
            batch = []
    if batch:
        _notify_launched(cycle, batch, url)


def _notify_launched(cycle: Cycle, users: Sequence[User], url: str) -> None:
    notify(
        event=events.CYCLE_LAUNCHED,
        recipients=users,
        params={"cycle": cycle.name},
        url=url,
        key=f"cycle:{cycle.uuid}:launched",
    )


# --- one batch ------------------------------------------------------------------------------


def make_reviews(
    cycle: Cycle, employee_ids: Sequence[int], choice: TemplateChoice, note: str = ""
) -> Made:
    """Reviews for those of ``employee_ids`` who have none in ``cycle``, and every automatic
    rating missing from the reviews of these people. Seven queries, whatever the batch."""
    made = Made()
    people = list(
        Employee.objects.filter(pk__in=employee_ids).values(
            "pk",
            "department_id",
            "position_id",
            "position__role_family_id",
            "manager_id",
            "manager__status",
            "manager__manager_id",
            "manager__manager__status",
            "dotted_manager_id",
            "dotted_manager__status",
        )
    )
    have = set(
        Review.objects.filter(cycle=cycle, employee_id__in=employee_ids).values_list(
            "employee_id", flat=True
        )
    )
    scorecards: dict[int, int] = {}
    if cycle.period_id is not None:
        scorecards = dict(
            Scorecard.objects.filter(
                period_id=cycle.period_id, employee_id__in=employee_ids
            ).values_list("employee_id", "pk")
        )
    new_reviews = []
    for person in people:
        if person["pk"] in have:
            continue
        template = choice.for_person(person["position_id"], person["position__role_family_id"])
        if template is None:
            raise ValidationError(_("Somebody has no template; check the preview."))
        new_reviews.append(
            Review(
                cycle=cycle,
                employee_id=person["pk"],
                department_id=person["department_id"],
                position_id=person["position_id"],
                role_family_id=person["position__role_family_id"],
                manager_id=person["manager_id"],
                template=template,
                scorecard_id=scorecards.get(person["pk"]),
                note=note[:500],
            )
        )
    if new_reviews:
        Review.objects.bulk_create(new_reviews, batch_size=BATCH_SIZE, ignore_conflicts=True)
        made.reviews = len(new_reviews)
    made.ratings = _make_ratings(cycle, people, choice)
    return made


def _make_ratings(cycle: Cycle, people: Sequence[Mapping[str, Any]], choice: TemplateChoice) -> int:
    ids = [int(str(p["pk"])) for p in people]
    reviews = list(
        Review.objects.filter(cycle=cycle, employee_id__in=ids).values(
            "pk", "employee_id", "template_id"
        )
    )
    templates = {t.pk: t for t in choice.templates}
    missing_ids = {r["template_id"] for r in reviews} - set(templates)
    if missing_ids:  # reviews made with an edition no longer chosen (e.g. retired since)
        templates.update({t.pk: t for t in ReviewTemplate.objects.filter(pk__in=missing_ids)})
    asks = {pk: rater_types_asked(t) for pk, t in templates.items()}
    anonymous = {pk: {str(x) for x in (t.anonymous_types or [])} for pk, t in templates.items()}
    by_person = {int(str(p["pk"])): p for p in people}
    reports: dict[int, list[int]] = defaultdict(list)
    if any(RaterType.UPWARD in a for a in asks.values()):
        for manager_id, report_id in Employee.objects.filter(
            manager_id__in=ids, status__in=CURRENT_STATUSES
        ).values_list("manager_id", "pk"):
            reports[manager_id].append(report_id)
    existing = set(
        Rating.objects.filter(
            review_id__in=[r["pk"] for r in reviews], status__in=STANDING
        ).values_list("review_id", "rater_id", "rater_type")
    )
    rows: list[Rating] = []
    for review in reviews:
        person = by_person[review["employee_id"]]
        asked = asks[review["template_id"]]
        hidden = anonymous[review["template_id"]]
        for rater_type, rater_id in raters_of(person, asked, reports.get(review["employee_id"])):
            if (review["pk"], rater_id, rater_type) in existing:
                continue
            existing.add((review["pk"], rater_id, rater_type))
            rows.append(
                Rating(
                    review_id=review["pk"],
                    rater_id=rater_id,
                    rater_type=rater_type,
                    anonymous=rater_type != RaterType.SELF and rater_type in hidden,
                    status=RatingStatus.PENDING,
                )
            )
    if rows:
        Rating.objects.bulk_create(rows, batch_size=BATCH_SIZE, ignore_conflicts=True)
    return len(rows)


def _current(status: object) -> bool:
    return status in CURRENT_STATUSES


def raters_of(
    person: Mapping[str, Any], asked: set[str], reports: Iterable[int] | None
) -> list[tuple[str, int]]:
    """(rater type, rater id) for one reviewee: the automatic raters their template asks."""
    me = person["pk"]
    found: list[tuple[str, int]] = []
    if RaterType.SELF in asked:
        found.append((RaterType.SELF, int(str(me))))
    manager = person["manager_id"]
    if RaterType.MANAGER in asked and manager is not None and _current(person["manager__status"]):
        found.append((RaterType.MANAGER, int(str(manager))))
    dotted = person["dotted_manager_id"]
    if (
        RaterType.DOTTED in asked
        and dotted is not None
        and dotted not in (me, manager)
        and _current(person["dotted_manager__status"])
    ):
        found.append((RaterType.DOTTED, int(str(dotted))))
    skip = person["manager__manager_id"]
    if (
        RaterType.SKIP in asked
        and skip is not None
        and skip != me
        and _current(person["manager__manager__status"])
    ):
        found.append((RaterType.SKIP, int(str(skip))))
    if RaterType.UPWARD in asked:
        found.extend((RaterType.UPWARD, report) for report in reports or () if report != me)
    return found


__all__ = [
    "AUTOMATIC_TYPES",
    "BATCH_SIZE",
    "cycle_launch",
    "cycle_launch_execute",
    "inline_limit",
    "is_launching",
    "launch_problems",
    "make_reviews",
    "notify_participants",
    "phases_ensure",
    "problems_from",
    "rater_types_asked",
    "raters_of",
]
