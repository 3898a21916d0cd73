"""Reviews for the demo company: the starter templates and the default composite weights,
one finished cycle and one in the manager-review phase.

- **The finished cycle** is the last quarter that ended over a month ago (2026年第3季度考核
  in November 2026), fed by the year's scorecards. Peers were nominated and approved,
  everybody's self, peer, upward and manager reviews are in (a rater on leave declined),
  the results were frozen with their input snapshot when calibration began, released and
  the cycle closed. Two people without any veto still came out low.
- **This year's annual cycle** is in the manager-review phase: a manager replaced a nominee,
  self reviews and most peer and upward reviews are in (a few late, one declined and
  reassigned), some manager reviews are drafts, a few submitted; HR extended the peer
  review for one person, with the reason; results are computed as far as they go.

The demo logins walk it: the "employee" has a result in the finished cycle, a submitted
self review and a colleague's peer review still to finish (its phase extended); the
"manager" has team reviews to do, one drafted and one submitted.

Everything goes through the services, as HR, the raters and the managers would do it (only
the times are set back afterwards, so that answers fall within their phases). Answering
costs a few dozen queries per rating, so the cycles take in about ``SAMPLE`` people — the
demo logins' departments, then others drawn — whatever the company's size (everybody in a
smaller one). The same seed gives the same reviews.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from pms.accounts.models import User
from pms.comms.models import Notification
from pms.core.audit import Actor
from pms.core.models import AuditChannel
from pms.goals.models import GoalLevel, Period, PeriodKind, PeriodStatus
from pms.goals.services import periods as period_services
from pms.org.demo import PERSONAS
from pms.org.models import (
    CURRENT_STATUSES,
    Employee,
    EmployeeStatus,
    GrantedRole,
    RoleGrant,
)
from pms.reviews.demo_answers import answers_for, standing
from pms.reviews.models import (
    MANAGER_TYPES,
    MULTI_RATER_TYPES,
    OPEN_RATING,
    Cycle,
    CycleKind,
    CyclePhase,
    Phase,
    PhaseExtension,
    RaterType,
    Rating,
    RatingStatus,
    RecomputeRun,
    RecomputeStatus,
    Review,
    ReviewResult,
    ReviewStatus,
    ReviewTemplate,
    SectionKind,
    TemplateStatus,
)
from pms.reviews.phases import PHASE_OF_TYPE
from pms.reviews.selectors.ratings import Question, rating_form
from pms.reviews.services.composite import composite_schemes_install_defaults
from pms.reviews.services.cycles import PhaseDates, cycle_create
from pms.reviews.services.launch import cycle_launch
from pms.reviews.services.participation import Rules
from pms.reviews.services.phases import cycle_advance, cycle_close, phase_extend_for
from pms.reviews.services.raters import (
    peer_nominate,
    peer_replace,
    peers_approve,
    peers_send,
    rating_decline,
    rating_reassign,
)
from pms.reviews.services.ratings import rating_save_draft, rating_submit
from pms.reviews.services.recompute import (
    cycle_has_frozen_results,
    recompute_run_execute,
    recompute_start,
    results_freeze,
)
from pms.reviews.services.review_settings import review_settings_get
from pms.reviews.services.templates import templates_install_starters
from pms.tracking.models import ActualSnapshot, GoalProgress

# People in the demo cycles: answering goes through the services at some 20 ms a rating
# (seven ratings a person, two cycles), so the demo logins' departments and others drawn
# until about this many people take part.
SAMPLE = 100
DEFAULT_TEMPLATE = "general"  # the starter template for whoever no other fits
LOW_PERFORMERS = 2
PEERS = (3, 3, 4)  # how many colleagues a reviewee nominates, drawn
PACE_BEHIND = 0.85  # goals this far behind their expected progress: the person lags

SUBMIT, DRAFT, LEAVE = "submit", "draft", "leave"

ON_LEAVE_REASON = "休假中，无法按期完成评价"
DECLINE_REASONS = (
    "与该同事本期工作交集很少，无法客观评价",
    "本期主要在外地项目，对其工作了解不够",
)
REPLACE_REASON = "该同事与你本期合作较少，换成项目组里合作更多的同事"
EXTENSION_REASON = "互评人出差两周未能按时提交，延长互评一周"

# the share of ratings still open in the running cycle, by phase: (submitted, draft)
RUNNING_SELF = (0.96, 0.01)
RUNNING_PEER = (0.9, 0.03)
RUNNING_MANAGER = (0.15, 0.35)


# Later apps (calibration, results) take part in the finished cycle: each step registered
# for a phase runs while the cycle is in it — calibration before the results are released,
# results before the cycle closes — and returns a line for the demo's summary.
DemoPhaseStep = Callable[[Cycle, Actor, random.Random], str]
_phase_steps: dict[str, dict[str, DemoPhaseStep]] = {}


def register_demo_phase_step(phase: str, name: str, step: DemoPhaseStep) -> None:
    _phase_steps.setdefault(phase, {})[name] = step


def _run_phase_steps(demo: _Demo, cycle: Cycle, phase: str, lines: list[str]) -> None:
    for step in _phase_steps.get(phase, {}).values():
        line = step(cycle, demo.hr, demo.rng)
        if line:
            lines.append(line)


@dataclass
class ReviewsDemoSummary:
    templates: int = 0
    schemes: int = 0
    finished: str = ""
    finished_reviews: int = 0
    finished_submitted: int = 0
    frozen: int = 0
    running: str = ""
    running_reviews: int = 0
    running_submitted: int = 0
    drafts: int = 0
    overdue: int = 0
    seconds: float = 0.0
    later: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"Reviews: {self.templates} templates; {self.finished} closed with "
            f"{self.finished_reviews} reviews, {self.finished_submitted} ratings and "
            f"{self.frozen} frozen results; {self.running} in manager review with "
            f"{self.running_reviews} reviews, {self.running_submitted} ratings submitted, "
            f"{self.drafts} drafts, {self.overdue} overdue; in {self.seconds:.1f} s."
            + "".join(f"\n{line}" for line in self.later)
        )


def _actor(user: User | None) -> Actor:
    return Actor(user=user, channel=AuditChannel.COMMAND)


# --- the company -----------------------------------------------------------------------------


def _personas() -> dict[str, Employee]:
    found = Employee.objects.filter(user__username__in=PERSONAS).select_related("user")
    return {person.user.username: person for person in found if person.user is not None}


def _hr_user(personas: dict[str, Employee]) -> User | None:
    """HR runs the cycles: the "hr" login, else company-wide HR, else the administrator."""
    if "hr" in personas:
        return personas["hr"].user
    grant = (
        RoleGrant.objects.filter(role=GrantedRole.HR_ADMIN, departments__isnull=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if grant is not None:
        return grant.user
    return User.objects.filter(is_superuser=True).order_by("pk").first()


def _scope(rng: random.Random, personas: dict[str, Employee], people: int) -> Rules:
    """Everybody in a company of up to ``people``; else the departments of the demo logins
    and others drawn until about ``people`` take part."""
    sizes = dict(
        Employee.objects.filter(status__in=CURRENT_STATUSES)
        .values_list("department_id")
        .annotate(n=Count("pk"))
        .values_list("department_id", "n")
    )
    if sum(sizes.values()) <= people:
        return Rules()
    chosen: list[int] = []
    for name in PERSONAS:
        person = personas.get(name)
        if person is not None and person.department_id not in chosen:
            chosen.append(person.department_id)
    total = sum(sizes.get(pk, 0) for pk in chosen)
    others = sorted(set(sizes) - set(chosen))
    rng.shuffle(others)
    for pk in others:
        if total >= people:
            break
        chosen.append(pk)
        total += sizes[pk]
    return Rules(departments=tuple(chosen), subtree=False)


def _year(actor: Actor, year: int, today: dt.date) -> Period:
    """The year's goal period (the goals demo made this year's), made when missing."""
    found = (
        Period.objects.filter(kind=PeriodKind.YEAR, start=dt.date(year, 1, 1))
        .order_by("pk")
        .first()
    )
    if found is not None:
        return found
    period = period_services.period_create(
        actor=actor,
        name=f"{year}年度",
        kind=PeriodKind.YEAR,
        start=dt.date(year, 1, 1),
        end=dt.date(year, 12, 31),
    )
    status = PeriodStatus.CLOSED if period.end < today else PeriodStatus.ACTIVE
    return period_services.period_update(actor=actor, period=period, changes={"status": status})


def last_quarter(today: dt.date) -> tuple[int, int, dt.date, dt.date]:
    """(year, quarter, first day, last day) of the last quarter that ended over a month
    before ``today``, so that its review has run its course."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    while True:
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
        start = dt.date(year, 3 * quarter - 2, 1)
        end = (
            dt.date(year, 3 * quarter + 1, 1) - dt.timedelta(days=1)
            if quarter < 4
            else dt.date(year, 12, 31)
        )
        if end + dt.timedelta(days=31) < today:
            return year, quarter, start, end


def finished_deadlines(start: dt.date, end: dt.date) -> dict[str, PhaseDates]:
    """A quarter's review in the weeks after it: self, peers, manager, calibration,
    results."""
    day = dt.timedelta(days=1)
    return {
        Phase.GOALS: (start, start + 14 * day),
        Phase.SELF: (end + 1 * day, end + 7 * day),
        Phase.PEER: (end + 8 * day, end + 14 * day),
        Phase.MANAGER: (end + 15 * day, end + 21 * day),
        Phase.CALIBRATION: (end + 22 * day, end + 26 * day),
        Phase.RESULTS: (end + 27 * day, end + 30 * day),
    }


def running_deadlines(start: dt.date, today: dt.date) -> dict[str, PhaseDates]:
    """Today falls in the manager review; self and peer reviews were due before."""
    day = dt.timedelta(days=1)
    return {
        Phase.GOALS: (min(start, today - 45 * day), today - 29 * day),
        Phase.SELF: (today - 28 * day, today - 18 * day),
        Phase.PEER: (today - 17 * day, today - 4 * day),
        Phase.MANAGER: (today - 3 * day, today + 10 * day),
        Phase.CALIBRATION: (today + 11 * day, today + 18 * day),
        Phase.RESULTS: (today + 19 * day, today + 25 * day),
    }


# --- the walk --------------------------------------------------------------------------------


@dataclass
class _Demo:
    seed: int
    rng: random.Random
    today: dt.date
    hr: Actor
    personas: dict[str, Employee]
    low: set[int] = field(default_factory=set)
    # the mean of attainment over expected progress of each person's goals (tracking)
    pace: dict[int, float] = field(default_factory=dict)
    _forms: dict[tuple[int, str], list[Question]] = field(default_factory=dict)

    def level(self, employee_id: int) -> float:
        """How a person stands (0 = S … 4 = D), the same in both cycles: drawn, a little
        better when their goals are on pace (tracking), worse when well behind."""
        if employee_id in self.low:
            return 3.6
        rng = random.Random(f"reviews:{self.seed}:standing:{employee_id}")  # noqa: S311
        pace = self.pace.get(employee_id, 1.0)
        shift = -0.3 if pace >= 1 else 0.0 if pace >= PACE_BEHIND else 0.6
        return max(0.0, min(4.0, standing(rng) + shift))

    def questions(self, rating: Rating) -> list[Question]:
        """The questions of a rating's form; the same for every rater of a type on a
        template unless key tasks from the scorecard are among them."""
        key = (rating.review.template_id, rating.rater_type)
        cached = self._forms.get(key)
        if cached is not None:
            return cached
        form = rating_form(rating)
        if not any(s.section.kind == SectionKind.TASKS for s in form.sections):
            self._forms[key] = form.questions
        return form.questions

    def person(self, name: str) -> Employee | None:
        return self.personas.get(name)


def _paces(people: list[int]) -> dict[int, float]:
    """Each person's goals: the mean of attainment over the progress expected by now."""
    ratios: dict[int, list[float]] = defaultdict(list)
    for employee_id, attainment, expected in GoalProgress.objects.filter(
        employee_id__in=people,
        goal__level=GoalLevel.INDIVIDUAL,
        attainment__isnull=False,
        expected__gt=0,
    ).values_list("employee_id", "attainment", "expected"):
        if employee_id is not None and attainment is not None and expected:
            ratios[employee_id].append(float(attainment) / float(expected))
    return {pk: sum(values) / len(values) for pk, values in ratios.items()}


def _launch(
    demo: _Demo,
    *,
    name: str,
    kind: str,
    start: dt.date,
    end: dt.date,
    period: Period,
    rules: Rules,
    deadlines: dict[str, PhaseDates],
) -> Cycle:
    default = (
        ReviewTemplate.objects.filter(code=DEFAULT_TEMPLATE, status=TemplateStatus.ACTIVE)
        .order_by("-version")
        .first()
    )
    cycle = cycle_create(
        actor=demo.hr,
        name=name,
        kind=kind,
        start=start,
        end=end,
        period=period,
        default_template=default,
        rules=rules,
        deadlines=deadlines,
    )
    return cycle_launch(actor=demo.hr, cycle=cycle, background=False)


def _reviews(cycle: Cycle) -> list[Review]:
    return list(
        Review.objects.filter(cycle=cycle, status=ReviewStatus.ACTIVE)
        .select_related(
            "cycle", "template", "employee__user", "employee__department", "manager__user"
        )
        .order_by("employee_id")
    )


def _peer_pools(reviews: list[Review]) -> dict[int, list[tuple[Employee, int]]]:
    """Colleagues a reviewee may nominate, each with how far they are (0: sharing their
    manager or department, 1: the departments beside it) — never themself, their manager
    or their own reports."""
    people = {r.employee_id: r.employee for r in reviews}
    by_manager: dict[int | None, list[int]] = defaultdict(list)
    by_department: dict[int, list[int]] = defaultdict(list)
    reports: dict[int, set[int]] = defaultdict(set)
    for review in reviews:
        person = review.employee
        by_manager[person.manager_id].append(person.pk)
        by_department[person.department_id].append(person.pk)
        if person.manager_id is not None:
            reports[person.manager_id].add(person.pk)
    paths = {r.employee_id: r.employee.department.path for r in reviews}
    pools: dict[int, list[tuple[Employee, int]]] = {}
    for review in reviews:
        me = review.employee
        unwanted = {me.pk, review.manager_id, me.manager_id} | reports[me.pk]
        near = list(dict.fromkeys([*by_manager[me.manager_id], *by_department[me.department_id]]))
        pool = [(pk, 0) for pk in near if pk not in unwanted]
        if len(pool) < review.template.peer_min:
            # the departments beside: the parent's subtree
            parent = "/".join(paths[me.pk].rstrip("/").split("/")[:-1]) + "/"
            taken = {pk for pk, _tier in pool} | unwanted
            pool.extend(
                (pk, 1) for pk, path in paths.items() if path.startswith(parent) and pk not in taken
            )
        pools[review.pk] = [(people[pk], tier) for pk, tier in pool]
    return pools


def _teammate(demo: _Demo, reviews: list[Review]) -> Review | None:
    """The colleague of the demo employee whose peer review they still owe."""
    me = demo.person("employee")
    if me is None:
        return None
    return next(
        (
            r
            for r in reviews
            if r.employee.manager_id == me.manager_id
            and r.employee_id != me.pk
            and r.manager_id is not None
        ),
        None,
    )


def _peers(
    demo: _Demo, reviews: list[Review], *, first: dict[int, Employee], replace: int = 0
) -> int:
    """Each reviewee nominates three or four colleagues (``first`` puts a given one on a
    review's list), sends them to the manager, who approves — or replaces one, for
    ``replace`` reviews. Returns the peers asked."""
    pools = _peer_pools(reviews)
    named = {p.pk for p in demo.personas.values()}
    load: dict[int, int] = defaultdict(int)  # how often each colleague is asked already
    asked = 0
    for review in reviews:
        template = review.template
        pool = pools[review.pk]
        if len(pool) < template.peer_min or review.employee.user is None:
            continue
        wanted = max(template.peer_min, min(template.peer_max, demo.rng.choice(PEERS)))
        wanted = min(wanted, len(pool))
        forced = first.get(review.pk)
        chosen: list[Employee] = [forced] if forced is not None else []
        others = [(p, tier) for p, tier in pool if p not in chosen]
        demo.rng.shuffle(others)
        # the closest colleagues asked least so far
        others.sort(key=lambda pair: (pair[1], load[pair[0].pk]))
        chosen.extend(p for p, _tier in others[: wanted - len(chosen)])
        for person in chosen:
            load[person.pk] += 1
        reviewee = _actor(review.employee.user)
        manager = _actor(review.manager.user) if review.manager is not None else demo.hr
        nominated = [peer_nominate(actor=reviewee, review=review, rater=p) for p in chosen]
        peers_send(actor=reviewee, review=review)
        spare = [p for p, _tier in pool if p not in chosen]
        if replace and spare and forced is None and review.employee_id not in named:
            peer_replace(actor=manager, rating=nominated[-1], rater=spare[0], reason=REPLACE_REASON)
            replace -= 1
        peers_approve(actor=manager, review=review)
        asked += len(chosen)
    return asked


def _rate(
    demo: _Demo,
    cycle: Cycle,
    rater_types: Iterable[str],
    decide: Callable[[Rating], str],
) -> None:
    """Every open rating of these types answered as ``decide`` says: submitted, a draft
    with about half the questions, or left alone."""
    ratings = (
        Rating.objects.filter(
            review__cycle=cycle,
            review__status=ReviewStatus.ACTIVE,
            rater_type__in=list(rater_types),
            status__in=OPEN_RATING,
        )
        .select_related("review__employee", "rater__user")
        .order_by("review__employee_id", "rater_type", "pk")
    )
    for rating in ratings:
        rater = rating.rater
        if rater.status == EmployeeStatus.ON_LEAVE and rating.rater_type != RaterType.SELF:
            rating_decline(actor=_actor(rater.user), rating=rating, reason=ON_LEAVE_REASON)
            continue
        what = decide(rating)
        if what == LEAVE:
            continue
        answers, overall = answers_for(
            demo.questions(rating),
            rating.rater_type,
            demo.level(rating.review.employee_id),
            demo.rng,
        )
        actor = _actor(rater.user)
        if what == SUBMIT:
            rating_submit(actor=actor, rating=rating, answers=answers, overall_comment=overall)
        else:
            half = dict(list(answers.items())[: max(1, len(answers) // 2)])
            rating_save_draft(actor=actor, rating=rating, answers=half)


def _share(demo: _Demo, shares: tuple[float, float]) -> str:
    draw = demo.rng.random()
    if draw < shares[0]:
        return SUBMIT
    if draw < shares[0] + shares[1]:
        return DRAFT
    return LEAVE


def _advance(demo: _Demo, cycle: Cycle, phase: str) -> Cycle:
    """HR moves the cycle on to ``phase``; what the phases start (recomputing after the peer
    review, freezing as the manager review closes) is carried out at once."""
    while cycle.phase != phase:
        cycle = cycle_advance(actor=demo.hr, cycle=cycle)
        _carry_out(cycle)
    return cycle


def _carry_out(cycle: Cycle) -> None:
    """The recomputations queued for the cycle, done now rather than by the worker (the
    queued job then finds its run done). A freeze reads the snapshot it took."""
    for run in RecomputeRun.objects.filter(cycle=cycle, status=RecomputeStatus.QUEUED).order_by(
        "pk"
    ):
        snapshot = None
        if run.freeze and cycle.period_id is not None:
            snapshot = (
                ActualSnapshot.objects.filter(
                    period_id=cycle.period_id, taken_at__lte=run.created_at
                )
                .order_by("-taken_at", "-pk")
                .first()
            )
        recompute_run_execute(run_id=run.pk, snapshot_id=snapshot.pk if snapshot else None)


def _compute(demo: _Demo, cycle: Cycle) -> None:
    """HR recomputes the cycle's results as far as the answers go."""
    if not RecomputeRun.objects.filter(
        cycle=cycle, status__in=[RecomputeStatus.QUEUED, RecomputeStatus.RUNNING]
    ).exists():
        recompute_start(actor=demo.hr, cycle=cycle)
    _carry_out(cycle)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _backdate(demo: _Demo, cycle: Cycle, now: dt.datetime) -> None:
    """Phases opened and closed on their dates and answers given within their phase (the
    services stamp the moment the demo ran)."""
    rows = list(CyclePhase.objects.filter(cycle=cycle))
    windows: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    for row in rows:
        if row.opened_at is None or row.opens_on is None:
            continue
        row.opened_at = _at(row.opens_on, 9)
        close = _at(row.deadline, 18) if row.deadline is not None else now
        if row.closed_at is not None:
            row.closed_at = close
        windows[row.phase] = (row.opened_at, min(close, now))
    CyclePhase.objects.bulk_update(rows, ["opened_at", "closed_at"])
    goals = windows.get(Phase.GOALS)
    if goals is not None:
        cycle.launched_at = goals[0]
        fields = ["launched_at"]
        results = windows.get(Phase.RESULTS)
        if cycle.closed_at is not None and results is not None:
            cycle.closed_at = results[1]
            fields.append("closed_at")
        Cycle.objects.filter(pk=cycle.pk).update(**{f: getattr(cycle, f) for f in fields})
    submitted = list(
        Rating.objects.filter(review__cycle=cycle, status=RatingStatus.SUBMITTED).order_by("pk")
    )
    for rating in submitted:
        window = windows.get(PHASE_OF_TYPE[rating.rater_type])
        if window is None:
            continue
        first, last = window
        span = max(0, int((last - first).total_seconds()))
        rating.submitted_at = first + dt.timedelta(seconds=demo.rng.randrange(span + 1))
    Rating.objects.bulk_update(submitted, ["submitted_at"], batch_size=1000)


# --- the two cycles --------------------------------------------------------------------------


def _finished(demo: _Demo, rules: Rules, summary: ReviewsDemoSummary) -> Cycle:
    year, quarter, start, end = last_quarter(demo.today)
    started = timezone.now()
    cycle = _launch(
        demo,
        name=f"{year}年第{quarter}季度考核",
        kind=CycleKind.QUARTERLY,
        start=start,
        end=end,
        period=_year(demo.hr, year, demo.today),
        rules=rules,
        deadlines=finished_deadlines(start, end),
    )
    reviews = _reviews(cycle)
    demo.pace = _paces([r.employee_id for r in reviews])
    named = {p.pk for p in demo.personas.values()}
    ordinary = [r.employee_id for r in reviews if r.employee_id not in named]
    behind = [pk for pk in ordinary if demo.pace.get(pk, 1.0) < PACE_BEHIND] or ordinary
    demo.low = set(demo.rng.sample(behind, min(LOW_PERFORMERS, len(behind))))
    _peers(demo, reviews, first={})
    cycle = _advance(demo, cycle, Phase.SELF)
    _rate(demo, cycle, [RaterType.SELF], lambda _r: SUBMIT)
    cycle = _advance(demo, cycle, Phase.PEER)
    _rate(demo, cycle, MULTI_RATER_TYPES, lambda _r: SUBMIT)
    cycle = _advance(demo, cycle, Phase.MANAGER)
    _rate(demo, cycle, MANAGER_TYPES, lambda _r: SUBMIT)
    # the results are frozen as the manager review closes; then calibration and release
    cycle = _advance(demo, cycle, Phase.CALIBRATION)
    if not cycle_has_frozen_results(cycle):
        results_freeze(actor=demo.hr, cycle=cycle)
        _carry_out(cycle)
    _run_phase_steps(demo, cycle, Phase.CALIBRATION, summary.later)
    cycle = _advance(demo, cycle, Phase.RESULTS)
    _run_phase_steps(demo, cycle, Phase.RESULTS, summary.later)
    cycle = cycle_close(actor=demo.hr, cycle=cycle)
    now = timezone.now()
    _backdate(demo, cycle, now)
    # the messages of a cycle long over have been read
    Notification.objects.filter(created_at__gte=started, read_at__isnull=True).update(read_at=now)
    summary.finished = cycle.name
    summary.finished_reviews = len(reviews)
    summary.finished_submitted = Rating.objects.filter(
        review__cycle=cycle, status=RatingStatus.SUBMITTED
    ).count()
    summary.frozen = ReviewResult.objects.filter(
        review__cycle=cycle, is_current=True, frozen=True
    ).count()
    return cycle


def _manager_choice(demo: _Demo, teammate: Review | None) -> Callable[[Rating], str]:
    """The demo manager has submitted one review and drafted another; the demo employee's
    is still to do. Other managers are further or less far."""
    manager = demo.person("manager")
    employee = demo.person("employee")
    mine: list[int] = []

    def decide(rating: Rating) -> str:
        if manager is None or rating.rater_id != manager.pk:
            return _share(demo, RUNNING_MANAGER)
        if employee is not None and rating.review.employee_id == employee.pk:
            return LEAVE
        if teammate is not None and rating.review_id == teammate.pk:
            return LEAVE
        mine.append(rating.pk)
        return (SUBMIT, DRAFT)[len(mine) - 1] if len(mine) <= 2 else LEAVE

    return decide


def _running(demo: _Demo, rules: Rules, summary: ReviewsDemoSummary) -> Cycle:
    period = _year(demo.hr, demo.today.year, demo.today)
    cycle = _launch(
        demo,
        name=f"{demo.today.year}年度考核",
        kind=CycleKind.ANNUAL,
        start=period.start,
        end=period.end,
        period=period,
        rules=rules,
        deadlines=running_deadlines(period.start, demo.today),
    )
    reviews = _reviews(cycle)
    employee = demo.person("employee")
    teammate = _teammate(demo, reviews)
    first = {teammate.pk: employee} if teammate is not None and employee is not None else {}
    _peers(demo, reviews, first=first, replace=2)

    cycle = _advance(demo, cycle, Phase.SELF)
    named = {p.pk for p in demo.personas.values()}

    def self_choice(rating: Rating) -> str:
        if rating.rater_id in named:
            return SUBMIT
        return _share(demo, RUNNING_SELF)

    _rate(demo, cycle, [RaterType.SELF], self_choice)

    cycle = _advance(demo, cycle, Phase.PEER)
    owed = None
    if teammate is not None and employee is not None:
        owed = Rating.objects.filter(
            review=teammate, rater=employee, rater_type=RaterType.PEER, status__in=OPEN_RATING
        ).first()
    _decline_and_reassign(demo, cycle, skip={teammate.pk} if teammate else set())

    def peer_choice(rating: Rating) -> str:
        if owed is not None and rating.pk == owed.pk:
            return DRAFT
        if rating.rater_id in named:  # the demo logins are done with theirs
            return SUBMIT
        return _share(demo, RUNNING_PEER)

    _rate(demo, cycle, MULTI_RATER_TYPES, peer_choice)

    cycle = _advance(demo, cycle, Phase.MANAGER)
    _rate(demo, cycle, MANAGER_TYPES, _manager_choice(demo, teammate))
    if teammate is not None:
        phase_extend_for(
            actor=demo.hr,
            review=teammate,
            phase=Phase.PEER,
            until=demo.today + dt.timedelta(days=5),
            reason=EXTENSION_REASON,
            today=demo.today,
        )
    _compute(demo, cycle)
    _backdate(demo, cycle, timezone.now())

    ratings = Rating.objects.filter(review__cycle=cycle, review__status=ReviewStatus.ACTIVE)
    extended = PhaseExtension.objects.filter(
        review__cycle=cycle, until__gte=demo.today
    ).values_list("review_id", "phase")
    summary.running = cycle.name
    summary.running_reviews = len(reviews)
    summary.running_submitted = ratings.filter(status=RatingStatus.SUBMITTED).count()
    summary.drafts = ratings.filter(status=RatingStatus.DRAFT).count()
    late = ratings.filter(
        status__in=OPEN_RATING, rater_type__in=[RaterType.SELF, *MULTI_RATER_TYPES]
    ).values_list("review_id", "rater_type")
    extensions = set(extended)
    summary.overdue = sum(
        1 for review_id, kind in late if (review_id, PHASE_OF_TYPE[kind]) not in extensions
    )
    return cycle


def _decline_and_reassign(demo: _Demo, cycle: Cycle, *, skip: set[int]) -> None:
    """Two peers decline, with their reasons; the manager asks somebody else for one."""
    named = {p.pk for p in demo.personas.values()}
    candidates = list(
        Rating.objects.filter(
            review__cycle=cycle,
            rater_type=RaterType.PEER,
            status=RatingStatus.PENDING,
            rater__status__in=[EmployeeStatus.ACTIVE, EmployeeStatus.PROBATION],
            review__manager__isnull=False,
        )
        .exclude(review_id__in=skip)
        .exclude(rater_id__in=named)
        .exclude(review__employee_id__in=named)
        .select_related("review__employee", "review__manager__user", "review__cycle", "rater__user")
        .order_by("pk")
    )
    for index, rating in enumerate(demo.rng.sample(candidates, min(2, len(candidates)))):
        review = rating.review
        declined = rating_decline(
            actor=_actor(rating.rater.user), rating=rating, reason=DECLINE_REASONS[index]
        )
        if index:
            continue
        taken = {review.employee_id, *(r for r in [review.manager_id] if r is not None)}
        taken |= set(Rating.objects.filter(review=review).values_list("rater_id", flat=True))
        other = (
            Employee.objects.filter(
                department_id=review.employee.department_id,
                status__in=[EmployeeStatus.ACTIVE, EmployeeStatus.PROBATION],
            )
            .exclude(pk__in=taken)
            .exclude(manager_id=review.employee_id)
            .order_by("pk")
            .first()
        )
        if other is not None and review.manager is not None:
            rating_reassign(actor=_actor(review.manager.user), rating=declined, rater=other)


# --- the step --------------------------------------------------------------------------------


def seed_reviews_demo(
    *, seed: int = 1, today: dt.date | None = None, people: int = SAMPLE
) -> ReviewsDemoSummary:
    """Write the demo reviews into a database with the demo company and no cycles; the
    cycles take in about ``people`` (everybody in a smaller company)."""
    started = time.perf_counter()
    today = today or timezone.localdate()
    summary = ReviewsDemoSummary()
    personas = _personas()
    demo = _Demo(
        seed=seed,
        rng=random.Random(f"reviews:{seed}"),  # noqa: S311 (demo data, reproducible per seed)
        today=today,
        hr=_actor(_hr_user(personas)),
        personas=personas,
    )
    with transaction.atomic():
        if Cycle.objects.exists():
            raise ValueError("The demo reviews go into a database without review cycles.")
        review_settings_get()
        installed = templates_install_starters(actor=demo.hr)
        summary.templates = len(installed.created)
        summary.schemes = len(composite_schemes_install_defaults(actor=demo.hr))
        rules = _scope(demo.rng, personas, people)
    # both cycles or neither: a second run finds a cycle and does nothing
    with transaction.atomic():
        _finished(demo, rules, summary)
        _running(demo, rules, summary)
    summary.seconds = time.perf_counter() - started
    return summary


def run_demo_step(seed: int) -> str:
    if not Employee.objects.exists() or Cycle.objects.exists():
        return "Reviews: nothing to do."
    return seed_reviews_demo(seed=seed).line()


__all__ = [
    "SAMPLE",
    "ReviewsDemoSummary",
    "finished_deadlines",
    "last_quarter",
    "register_demo_phase_step",
    "run_demo_step",
    "running_deadlines",
    "seed_reviews_demo",
]
