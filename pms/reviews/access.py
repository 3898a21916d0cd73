"""Who may see and do what in reviews. Pages, the API, exports, the PDF and notifications
all call these functions; nothing else decides.

- Templates, cycles, composite schemes and review settings are company-wide HR's and system
  admins' (``is_review_admin``). HRBPs run the cycle for the people in their scope: monitor,
  reminders, rater assignment, phase extensions (``can_run_review``).
- A review is seen by the reviewee, their managers up the chain (and the manager recorded at
  launch, should the person move), and HR whose scope covers the department recorded at
  launch. A rater who is none of these sees the review only through their own rating.
- The reviewee sees their result once the cycle reaches the results phase; managers and HR
  see it as it is computed.
- A rating of a named type (self, manager, dotted, skip) is seen by its rater, the managers
  up the chain and HR in scope; by the reviewee once results are released.
- A rating of an anonymous type is seen only by its rater. Everybody else gets its type's
  answers aggregated (``selectors.anonymity``): only when at least k raters of that type
  answered, only after the phase those raters answer in has passed for the cycle, without
  names or times, comments shuffled. Who has submitted is shown to the reviewee and their
  managers only as counts; HR in scope sees who is overdue (to remind them), never what
  they wrote. Where the company allows it, company-wide HR may look up who wrote what, and
  every look is recorded with its reason (``IdentityAccess``) and audited.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from pms.core.access import Forbidden, NotFound, get_visible
from pms.goals.access import is_goal_admin, is_manager_above, is_self
from pms.org.access import employees_visible, hr_scope_q, is_member
from pms.org.models import CURRENT_STATUSES, Department, Employee
from pms.org.roles import Principal
from pms.reviews.models import (
    MANAGER_TYPES,
    OPEN_RATING,
    Cycle,
    CycleStatus,
    Phase,
    RaterType,
    Rating,
    RatingStatus,
    RecomputeRun,
    Review,
    ReviewSettings,
    ReviewStatus,
    ReviewTemplate,
    SectionKind,
    TemplateItem,
    TemplateSection,
)
from pms.reviews.phases import (
    NOMINATION_PHASES,
    PHASE_OF_TYPE,
    open_for,
    phase_index,
    phase_passed,
    results_released,
)

NOTHING = Q(pk__in=[])

# the API scopes of integration tokens (sessions hold every scope)
READ_SCOPE = "read_reviews"
WRITE_SCOPE = "write_reviews"


# --- roles ---------------------------------------------------------------------------------


def is_review_admin(principal: Principal) -> bool:
    """Company-wide HR and system admins: templates, cycles, settings, every review."""
    return is_goal_admin(principal)


def can_run_reviews(principal: Principal) -> bool:
    """HR (company-wide or HRBP) and system admins: the monitor and running a cycle."""
    return principal.is_authenticated and (principal.is_hr or principal.is_system_admin)


def hr_covers_review(principal: Principal, review: Review) -> bool:
    if is_review_admin(principal):
        return True
    if not principal.is_hr:
        return False
    return any(review.department.path.startswith(p) for p in principal.hr_scope_paths)


def is_manager_of_review(principal: Principal, review: Review) -> bool:
    """The manager recorded at launch, or a manager anywhere up the person's chain."""
    me = principal.employee
    if me is None or me.pk == review.employee_id:
        return False
    return review.manager_id == me.pk or is_manager_above(principal, review.employee)


def is_reviewee(principal: Principal, review: Review) -> bool:
    return is_self(principal, review.employee)


# --- templates and cycles ------------------------------------------------------------------


def templates_visible(principal: Principal) -> QuerySet[ReviewTemplate]:
    if not can_run_reviews(principal):
        return ReviewTemplate.objects.none()
    return ReviewTemplate.objects.all()


def access_template(principal: Principal, uuid: object) -> ReviewTemplate:
    return get_visible(templates_visible(principal), uuid=uuid)


def can_edit_templates(principal: Principal) -> bool:
    return is_review_admin(principal)


def access_template_for_change(principal: Principal, uuid: object) -> ReviewTemplate:
    """Templates are changed by company-wide HR and system admins: unknown (404) to whoever
    may not see them, forbidden (403) to an HRBP, who sees them but does not change them."""
    template = access_template(principal, uuid)
    if not can_edit_templates(principal):
        raise Forbidden
    return template


def access_template_section_for_change(principal: Principal, uuid: object) -> TemplateSection:
    """A section of a template, with its template; refusals as ``access_template_for_change``."""
    section = get_visible(
        TemplateSection.objects.filter(template__in=templates_visible(principal)).select_related(
            "template"
        ),
        uuid=uuid,
    )
    if not can_edit_templates(principal):
        raise Forbidden
    return section


def access_template_item_for_change(principal: Principal, uuid: object) -> TemplateItem:
    """An item of a template, with its section and template; refusals as above."""
    item = get_visible(
        TemplateItem.objects.filter(
            section__template__in=templates_visible(principal)
        ).select_related("section__template"),
        uuid=uuid,
    )
    if not can_edit_templates(principal):
        raise Forbidden
    return item


def cycles_visible(principal: Principal) -> QuerySet[Cycle]:
    """Every member sees the running and closed cycles (their names and dates are no
    secret); drafts are HR's."""
    if not is_member(principal):
        return Cycle.objects.none()
    if can_run_reviews(principal):
        return Cycle.objects.all()
    return Cycle.objects.exclude(status=CycleStatus.DRAFT)


def access_cycle(principal: Principal, uuid: object) -> Cycle:
    return get_visible(cycles_visible(principal), uuid=uuid)


def can_manage_cycles(principal: Principal) -> bool:
    return is_review_admin(principal)


def can_monitor_cycle(principal: Principal, cycle: Cycle) -> bool:
    return can_run_reviews(principal) and cycle.status != CycleStatus.DRAFT


def access_cycle_for_monitor(principal: Principal, uuid: object) -> Cycle:
    """A cycle on HR's monitor (its page, reminders and export): unknown (404) to whoever
    does not see the cycle, forbidden (403) to colleagues who are not HR and for a draft."""
    cycle = access_cycle(principal, uuid)
    if not can_monitor_cycle(principal, cycle):
        raise Forbidden
    return cycle


def monitor_reviews(principal: Principal, cycle: Cycle) -> QuerySet[Review]:
    """The reviews of a cycle HR's scope covers."""
    if not can_run_reviews(principal):
        return Review.objects.none()
    return Review.objects.filter(hr_scope_q(principal), cycle=cycle)


def can_manage_settings(principal: Principal) -> bool:
    return is_review_admin(principal)


def can_manage_composites(principal: Principal) -> bool:
    """The annual composite's weights per role family: company-wide HR and system admins."""
    return is_review_admin(principal)


def check_setup_page(principal: Principal, allowed: bool) -> None:
    """A company-wide set-up page (review settings, composite weights) the principal may
    not use: forbidden (403) to an HRBP, who runs reviews and knows these pages exist,
    unknown (404) to everybody else."""
    if allowed:
        return
    if can_run_reviews(principal):
        raise Forbidden
    raise NotFound


def can_compute_composite(principal: Principal, cycle: Cycle) -> bool:
    """The composite of a launched annual cycle is computed by company-wide HR."""
    return (
        can_manage_composites(principal)
        and cycle.kind == "annual"
        and cycle.status != CycleStatus.DRAFT
    )


def access_cycle_for_composite(principal: Principal, uuid: object) -> Cycle:
    """A cycle whose composite is to be computed: unknown (404) to whoever does not see the
    cycle, forbidden (403) when it is seen but not this principal's to compute (or not a
    launched annual cycle)."""
    cycle = access_cycle(principal, uuid)
    if not can_compute_composite(principal, cycle):
        raise Forbidden
    return cycle


def can_add_to_cycle(principal: Principal, cycle: Cycle) -> bool:
    """HR (an HRBP for the people in scope) brings a person into a running cycle."""
    return can_run_reviews(principal) and cycle.status == CycleStatus.RUNNING


def people_addable(principal: Principal) -> QuerySet[Employee]:
    """The current employees HR's scope covers: whom they may bring into a cycle."""
    if not can_run_reviews(principal):
        return Employee.objects.none()
    return Employee.objects.filter(hr_scope_q(principal), status__in=CURRENT_STATUSES)


def monitor_roots(principal: Principal) -> tuple[str, ...]:
    """Where the monitor's department view starts: the top for company-wide HR, the
    departments of an HRBP's scope."""
    if is_review_admin(principal):
        return ()
    return tuple(sorted(principal.hr_scope_paths))


def monitor_departments(principal: Principal) -> QuerySet[Department]:
    """The departments HR may pick on the monitor: every one for company-wide HR, the
    subtrees of their scope for an HRBP."""
    if not can_run_reviews(principal):
        return Department.objects.none()
    roots = monitor_roots(principal)
    if not roots:
        return Department.objects.all()
    q = NOTHING
    for path in roots:
        q |= Q(path__startswith=path)
    return Department.objects.filter(q)


# --- reviews -------------------------------------------------------------------------------


def _review_q(principal: Principal, prefix: str = "") -> Q:
    q = hr_scope_q(principal, prefix) if can_run_reviews(principal) else NOTHING
    me = principal.employee
    if me is not None:
        q |= Q(**{f"{prefix}employee": me}) | Q(**{f"{prefix}manager": me})
        if me.report_path:
            q |= Q(**{f"{prefix}employee__report_path__startswith": me.report_path})
    return q


def reviews_visible(principal: Principal) -> QuerySet[Review]:
    if not is_member(principal):
        return Review.objects.none()
    return Review.objects.filter(_review_q(principal)).exclude(cycle__status=CycleStatus.DRAFT)


def access_review(principal: Principal, uuid: object) -> Review:
    return get_visible(
        reviews_visible(principal).select_related(
            "cycle", "employee__department", "department", "manager", "template", "position"
        ),
        uuid=uuid,
    )


def team_reviews(principal: Principal, cycle: Cycle) -> QuerySet[Review]:
    """The reviews a manager leads in a cycle: direct reports recorded at launch."""
    me = principal.employee
    if me is None:
        return Review.objects.none()
    return Review.objects.filter(cycle=cycle, manager=me).exclude(status=ReviewStatus.REMOVED)


def can_see_result(principal: Principal, review: Review) -> bool:
    if is_manager_of_review(principal, review) or hr_covers_review(principal, review):
        return True
    return is_reviewee(principal, review) and results_released(review.cycle)


def can_manage_review(principal: Principal, review: Review) -> bool:
    """HR in scope: raters assigned, phases reopened, a person removed or put back."""
    return (
        can_run_reviews(principal)
        and hr_covers_review(principal, review)
        and review.cycle.status == CycleStatus.RUNNING
    )


def can_nominate_peers(principal: Principal, review: Review) -> bool:
    """The reviewee changes their nominations and sends them while nominating is open:
    not once sent (until the manager returns the list), nor once approved."""
    return (
        is_reviewee(principal, review)
        and review.status == ReviewStatus.ACTIVE
        and review.cycle.status == CycleStatus.RUNNING
        and review.cycle.phase in NOMINATION_PHASES
        and review.peers_sent_at is None
        and review.peers_approved_at is None
    )


def can_decide_peers(principal: Principal, review: Review) -> bool:
    """The manager (or HR in scope) approves, rejects or replaces nominated peers until the
    peer phase has passed."""
    if review.status != ReviewStatus.ACTIVE or review.cycle.status != CycleStatus.RUNNING:
        return False
    if phase_passed(review.cycle, Phase.PEER):
        return False
    return is_manager_of_review(principal, review) or can_manage_review(principal, review)


# --- ratings -------------------------------------------------------------------------------


def my_ratings(principal: Principal) -> QuerySet[Rating]:
    """The ratings this person gives (their to-do list and what they have submitted)."""
    me = principal.employee
    if me is None:
        return Rating.objects.none()
    return Rating.objects.filter(rater=me).exclude(review__cycle__status=CycleStatus.DRAFT)


def access_my_rating(principal: Principal, uuid: object) -> Rating:
    return get_visible(
        my_ratings(principal).select_related(
            "review__cycle", "review__employee", "review__template", "review__scorecard"
        ),
        uuid=uuid,
    )


def can_edit_rating(principal: Principal, rating: Rating, today: dt.date) -> bool:
    """The rater, while the rating is open and its phase is open for this review."""
    me = principal.employee
    if me is None or rating.rater_id != me.pk or rating.status not in OPEN_RATING:
        return False
    review = rating.review
    if review.status == ReviewStatus.REMOVED:
        return False
    phase = PHASE_OF_TYPE[rating.rater_type]
    return open_for(review.cycle, phase, review.extensions.all(), today)


def can_decline_rating(principal: Principal, rating: Rating, today: dt.date) -> bool:
    """Raters other than the person themself may decline, with a reason."""
    return rating.rater_type != RaterType.SELF and can_edit_rating(principal, rating, today)


def can_see_named_rating(principal: Principal, rating: Rating) -> bool:
    """A rating of a named type in full (answers, comments, rater's name)."""
    if rating.anonymous:
        return is_self(principal, rating.rater)
    review = rating.review
    if is_self(principal, rating.rater):
        return True
    if rating.status != RatingStatus.SUBMITTED:
        return False
    if is_manager_of_review(principal, review) or hr_covers_review(principal, review):
        return True
    return is_reviewee(principal, review) and results_released(review.cycle)


def can_see_aggregates(principal: Principal, review: Review) -> bool:
    """Anonymous types' aggregated answers (the selector also applies k and the phase)."""
    return can_see_result(principal, review)


def can_access_identities(principal: Principal, review: Review) -> bool:
    """Company-wide HR, only where the company allows it; every use is logged."""
    if not is_review_admin(principal):
        return False
    settings = ReviewSettings.objects.order_by("id").first()
    return settings is not None and settings.allow_identity_access


def access_review_for_identities(principal: Principal, uuid: object) -> Review:
    review = access_review(principal, uuid)
    if not can_access_identities(principal, review):
        raise NotFound
    return review


# --- raters: nomination, decisions, reassignment (raters area) ------------------------------

# the phases in which peers may still be decided
_PHASES_UNTIL_PEER: tuple[str, ...] = tuple(
    p for p in Phase.values if phase_index(p) <= phase_index(Phase.PEER)
)


def raters_choosable(principal: Principal) -> QuerySet[Employee]:
    """The people one may pick as a rater: current colleagues from the directory. The
    services refuse the reviewee, their manager and duplicates."""
    return employees_visible(principal).filter(status__in=CURRENT_STATUSES)


def peer_approvals(principal: Principal) -> QuerySet[Review]:
    """Reviews whose peers the reviewee has sent to this manager (the manager recorded at
    launch) and that wait for approval while peers may still be decided. Nominations not
    sent yet are the reviewee's draft: the manager does not see them."""
    me = principal.employee
    if me is None:
        return Review.objects.none()
    return Review.objects.filter(
        manager=me,
        status=ReviewStatus.ACTIVE,
        cycle__status=CycleStatus.RUNNING,
        cycle__phase__in=_PHASES_UNTIL_PEER,
        peers_sent_at__isnull=False,
        peers_approved_at__isnull=True,
    )


def ratings_of_visible_reviews(principal: Principal) -> QuerySet[Rating]:
    """Ratings looked up by id for a decision on them (remove, reject, replace, reassign,
    withdraw). Finding one says nothing about reading it: the ``can_*`` function of the
    decision is checked next, and reading answers is ``can_see_named_rating``."""
    return Rating.objects.filter(review__in=reviews_visible(principal))


def access_rating_for_decision(principal: Principal, uuid: object) -> Rating:
    return get_visible(
        ratings_of_visible_reviews(principal).select_related(
            "review__cycle", "review__employee", "review__department", "review__template", "rater"
        ),
        uuid=uuid,
    )


def can_remove_nomination(principal: Principal, rating: Rating) -> bool:
    """The reviewee takes back a nominee before sending the list."""
    return rating.status == RatingStatus.NOMINATED and can_nominate_peers(principal, rating.review)


def can_decide_nomination(principal: Principal, rating: Rating) -> bool:
    """Reject or replace one nominated peer the reviewee has sent: whoever decides the
    review's peers."""
    return (
        rating.status == RatingStatus.NOMINATED
        and rating.review.peers_sent_at is not None
        and can_decide_peers(principal, rating.review)
    )


def can_assign_raters(principal: Principal, review: Review) -> bool:
    """HR in scope assigns raters of any type (cross-department partners too), with a
    reason, while the review is in a running cycle."""
    return review.status == ReviewStatus.ACTIVE and can_manage_review(principal, review)


def can_see_rater_statuses(principal: Principal, review: Review) -> bool:
    """Who has declined, is overdue or has submitted, rater by rater (anonymous types too):
    HR in scope, to remind and replace people, never what they wrote. The reviewee and the
    managers get counts only for anonymous types."""
    return can_run_reviews(principal) and hr_covers_review(principal, review)


def can_reassign_rating(principal: Principal, rating: Rating) -> bool:
    """A declined rating goes to somebody else: by HR in scope while the cycle runs, or by
    the reviewee's manager until the phase that rater type answers in has passed. The
    manager picks the replacement without learning who declined an anonymous rating."""
    review = rating.review
    if rating.status != RatingStatus.DECLINED or review.status != ReviewStatus.ACTIVE:
        return False
    if can_manage_review(principal, review):
        return True
    return (
        review.cycle.status == CycleStatus.RUNNING
        and not phase_passed(review.cycle, PHASE_OF_TYPE[rating.rater_type])
        and is_manager_of_review(principal, review)
    )


def can_withdraw_rating(principal: Principal, rating: Rating) -> bool:
    """HR in scope withdraws a rating that still counts (asked, started or submitted), with
    a reason."""
    return rating.status in (
        RatingStatus.NOMINATED,
        RatingStatus.PENDING,
        RatingStatus.DRAFT,
        RatingStatus.SUBMITTED,
    ) and can_manage_review(principal, rating.review)


def answers_section(rater_type: str, section_kind: str, section_types: list[str]) -> bool:
    """Whether a rater of ``rater_type`` answers a section: the section's types (empty =
    all), and veto items only ever for the manager types (direct, dotted-line, skip)."""
    if section_types and rater_type not in section_types:
        return False
    return section_kind != SectionKind.VETO or rater_type in MANAGER_TYPES


def can_open_peer_approvals(principal: Principal) -> bool:
    """The manager's list of team reviews whose peers wait for a decision."""
    return principal.is_authenticated and principal.employee is not None and principal.is_manager


def can_open_rater_decisions(principal: Principal, review: Review) -> bool:
    """The page where peers are approved, rejected, replaced or added and declined ratings
    reassigned: the reviewee's managers and HR in scope (each action checks its own rule)."""
    return is_manager_of_review(principal, review) or can_manage_review(principal, review)


# --- results: my results, team reviews, recomputing and freezing (results area) -------------


def my_reviews(principal: Principal) -> QuerySet[Review]:
    """The person's own reviews in launched cycles ("my results"); each result opens once
    ``can_see_result`` allows it."""
    me = principal.employee
    if me is None:
        return Review.objects.none()
    return (
        Review.objects.filter(employee=me)
        .exclude(cycle__status=CycleStatus.DRAFT)
        .exclude(status=ReviewStatus.REMOVED)
    )


def can_see_team_reviews(principal: Principal) -> bool:
    """The manager's side-by-side page of the reviews they lead."""
    return principal.is_authenticated and principal.employee is not None and principal.is_manager


def team_cycles(principal: Principal) -> QuerySet[Cycle]:
    """Launched cycles in which the person is the manager recorded on some review."""
    me = principal.employee
    if me is None:
        return Cycle.objects.none()
    ids = Review.objects.filter(manager=me).values("cycle_id")
    return Cycle.objects.filter(pk__in=ids).exclude(status=CycleStatus.DRAFT)


def can_see_cycle_results(principal: Principal, cycle: Cycle) -> bool:
    """A cycle's results list: HR (an HRBP for the reviews in scope, ``monitor_reviews``)."""
    return can_monitor_cycle(principal, cycle)


def can_recompute_results(principal: Principal, cycle: Cycle) -> bool:
    """Recomputing a cycle, freezing its results and correcting one review afterwards:
    company-wide HR and system admins, in launched cycles. The service asks for a reason
    once results are frozen."""
    return is_review_admin(principal) and cycle.status != CycleStatus.DRAFT


def access_recompute_run(principal: Principal, uuid: object) -> RecomputeRun:
    """A recomputation's progress: for whoever sees the cycle's results."""
    run = get_visible(RecomputeRun.objects.select_related("cycle"), uuid=uuid)
    if not can_see_cycle_results(principal, run.cycle):
        raise NotFound
    return run
