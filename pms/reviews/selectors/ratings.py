"""Reads for raters: my to-do list, one rating's form, and the peers of a review.

Every function here issues a fixed number of queries whatever the number of ratings,
sections or goals. Who may call which is decided by ``pms.reviews.access``; the shapes
below hold nothing the caller may not see (the peer panels list names of those asked,
never who has answered or declined an anonymous rating).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from pms.goals.models import Goal, GoalKind
from pms.org.models import Employee
from pms.org.roles import Principal
from pms.reviews import access
from pms.reviews.models import (
    LIVE_RATING,
    OPEN_RATING,
    Answer,
    CyclePhase,
    CycleStatus,
    PhaseExtension,
    RaterType,
    Rating,
    RatingStatus,
    Review,
    ReviewStatus,
    SectionKind,
    TemplateItem,
    TemplateSection,
)
from pms.reviews.phases import NOMINATION_PHASES, PHASE_OF_TYPE, open_for
from pms.scoring.decimals import normalized
from pms.scoring.errors import ScoringError
from pms.scoring.ratings import (
    LevelsScale,
    NumericScale,
    RatingScale,
    YesNoScale,
    scale_from_data,
)

# a numeric scale with at most this many points is offered as radio buttons
MAX_POINT_CHOICES = 11

# --- deadlines -----------------------------------------------------------------------------


def phase_deadline(
    phases: Iterable[CyclePhase],
    extensions: Iterable[PhaseExtension],
    phase: str,
    today: dt.date,
) -> dt.date | None:
    """The day a phase's answers are due for one review: the phase's deadline, or the
    latest extension HR granted this person that has not run out yet."""
    deadline = next((p.deadline for p in phases if p.phase == phase), None)
    for extension in extensions:
        later = deadline is None or extension.until > deadline
        if extension.phase == phase and extension.until >= today and later:
            deadline = extension.until
    return deadline


# --- my to-do list -------------------------------------------------------------------------


@dataclass(frozen=True)
class TodoRow:
    rating: Rating
    deadline: dt.date | None
    open_now: bool
    overdue: bool

    @property
    def review(self) -> Review:
        return self.rating.review

    @property
    def is_self(self) -> bool:
        return self.rating.rater_type == RaterType.SELF

    @property
    def submitted(self) -> bool:
        return self.rating.status == RatingStatus.SUBMITTED

    @property
    def to_do(self) -> bool:
        return self.rating.status in OPEN_RATING


@dataclass
class TodoList:
    self_reviews: list[TodoRow]
    others: list[TodoRow]
    # my own reviews whose peers I may still nominate
    nominations: list[Review]

    @property
    def rows(self) -> list[TodoRow]:
        return [*self.self_reviews, *self.others]

    @property
    def open_count(self) -> int:
        return sum(1 for row in self.rows if row.to_do)

    @property
    def overdue_count(self) -> int:
        return sum(1 for row in self.rows if row.overdue)


def todo_rows(ratings: Iterable[Rating], today: dt.date) -> list[TodoRow]:
    """Deadline, open and overdue for ratings fetched with ``todo_queryset``'s shape."""
    rows = []
    for rating in ratings:
        review = rating.review
        phase = PHASE_OF_TYPE[rating.rater_type]
        extensions = list(review.extensions.all())
        deadline = phase_deadline(review.cycle.phases.all(), extensions, phase, today)
        is_open = rating.status in OPEN_RATING
        rows.append(
            TodoRow(
                rating=rating,
                deadline=deadline,
                open_now=is_open and open_for(review.cycle, phase, extensions, today),
                overdue=is_open and deadline is not None and deadline < today,
            )
        )
    return rows


def _todo_order(row: TodoRow) -> tuple[int, dt.date, str, int]:
    return (
        0 if row.to_do else 1,
        row.deadline or dt.date.max,
        row.review.employee.name,
        row.rating.pk,
    )


def my_todo(principal: Principal, today: dt.date) -> TodoList:
    """Every rating I give in the running cycles, still to do or submitted: my self
    reviews first, then the people I rate (open ones first, by deadline). Four queries."""
    ratings = list(
        access.my_ratings(principal)
        .filter(status__in=LIVE_RATING, review__cycle__status=CycleStatus.RUNNING)
        .exclude(review__status=ReviewStatus.REMOVED)
        .select_related("review__cycle", "review__employee__department")
        .prefetch_related("review__cycle__phases", "review__extensions")
    )
    rows = sorted(todo_rows(ratings, today), key=_todo_order)
    me = principal.employee
    nominations: list[Review] = []
    if me is not None:
        nominations = list(
            access.reviews_visible(principal)
            .filter(
                employee=me,
                status=ReviewStatus.ACTIVE,
                cycle__status=CycleStatus.RUNNING,
                cycle__phase__in=NOMINATION_PHASES,
                peers_sent_at__isnull=True,
                peers_approved_at__isnull=True,
            )
            .select_related("cycle")
            .order_by("cycle__start", "pk")
        )
    return TodoList(
        self_reviews=[row for row in rows if row.is_self],
        others=[row for row in rows if not row.is_self],
        nominations=nominations,
    )


# --- one rating's form ---------------------------------------------------------------------


class Mode:
    SCALE = "scale"  # rated on the section's scale
    TEXT = "text"  # an open question answered in words
    GOAL = "goal"  # a goal result, shown read-only


@dataclass(frozen=True)
class Choice:
    """One answer a rater can pick, with the behaviour that earns it (BARS)."""

    value: str
    label: str  # as shown: "S · 卓越", "4", "Yes"
    anchor: str = ""


@dataclass
class Question:
    key: str
    title: str
    description: str
    mode: str
    required: bool
    item: TemplateItem | None = None
    goal: Goal | None = None
    scale: RatingScale | None = None
    choices: list[Choice] = field(default_factory=list)
    # BARS text for numeric scales offered as a number box (point → behaviour)
    anchors: list[tuple[str, str]] = field(default_factory=list)
    value: str = ""
    comment: str = ""
    # goal results: the attainment to date from tracking (percent), read-only
    attainment: Decimal | None = None
    # problems with what was sent, for the page to show next to the question
    errors: list[str] = field(default_factory=list)

    @property
    def answerable(self) -> bool:
        return self.mode in (Mode.SCALE, Mode.TEXT)

    @property
    def scale_kind(self) -> str:
        match self.scale:
            case NumericScale():
                return "numeric"
            case LevelsScale():
                return "levels"
            case YesNoScale():
                return "yes_no"
        return ""

    @property
    def numeric_bounds(self) -> tuple[str, str, str]:
        """min, max and step of a numeric scale for the number box ("any" step)."""
        if not isinstance(self.scale, NumericScale):
            return "", "", ""
        step = normalized(self.scale.step) if self.scale.step is not None else "any"
        return normalized(self.scale.min), normalized(self.scale.max), step

    @property
    def attainment_shown(self) -> str:
        """The attainment as read ("87.5"), or empty when there is none yet."""
        return "" if self.attainment is None else normalized(self.attainment)

    @property
    def answered(self) -> bool:
        return bool(self.comment.strip()) if self.mode == Mode.TEXT else bool(self.value)


@dataclass
class FormSection:
    section: TemplateSection
    questions: list[Question]
    # set when the template's scale cannot be read (the section cannot be answered)
    scale_error: ScoringError | None = None


@dataclass
class RatingForm:
    rating: Rating
    sections: list[FormSection]

    @property
    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions if q.answerable]

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions if q.key == key), None)

    @property
    def answered_count(self) -> int:
        return sum(1 for q in self.questions if q.answered)


def item_key(item: TemplateItem) -> str:
    return f"item-{item.uuid}"


def goal_key(goal: Goal) -> str:
    return f"goal-{goal.uuid}"


def _choices(scale: RatingScale | None, anchors: dict[str, str]) -> list[Choice]:
    match scale:
        case LevelsScale():
            return [
                Choice(
                    value=level.code,
                    label=f"{level.code} · {level.label}" if level.label else level.code,
                    anchor=anchors.get(level.code, ""),
                )
                for level in scale.levels
            ]
        case YesNoScale():
            return [
                Choice(value="yes", label=_("Yes"), anchor=anchors.get("yes", "")),
                Choice(value="no", label=_("No"), anchor=anchors.get("no", "")),
            ]
        case NumericScale() if scale.step is not None:
            count = (scale.max - scale.min) / scale.step + 1
            if count > MAX_POINT_CHOICES:
                return []
            points = [scale.min + scale.step * n for n in range(int(count))]
            return [
                Choice(
                    value=normalized(p), label=normalized(p), anchor=anchors.get(normalized(p), "")
                )
                for p in points
            ]
    return []


def _anchors(item: TemplateItem | None) -> dict[str, str]:
    if item is None or not isinstance(item.anchors, dict):
        return {}
    return {str(key): str(text) for key, text in item.anchors.items() if text}


def _section_scale(section: TemplateSection) -> tuple[RatingScale | None, ScoringError | None]:
    data = section.scale
    if section.kind == SectionKind.VETO and not data:
        data = {"kind": "yes_no"}
    if section.kind in (SectionKind.GOALS, SectionKind.QUESTIONS):
        return None, None
    try:
        return scale_from_data(data), None
    except ScoringError as error:
        return None, error


def _attainment(goal: Goal) -> Decimal | None:
    """Tracking's attainment to date; the goal's own progress figure when not tracked."""
    try:
        attainment: Decimal | None = goal.tracked.attainment
    except ObjectDoesNotExist:  # a goal without progress rows
        attainment = None
    return attainment if attainment is not None else goal.progress


def scorecard_goals(review: Review) -> list[Goal]:
    """The goals in force on the review's scorecard with their progress (one query)."""
    if review.scorecard_id is None:
        return []
    return list(
        Goal.objects.filter(scorecard_id=review.scorecard_id, is_active=True)
        .select_related("tracked")
        .order_by("sort_order", "pk")
    )


def _goal_questions(
    section: TemplateSection, goals: Sequence[Goal], has_task_section: bool
) -> list[Question]:
    wanted = set(section.goal_sections or [])
    return [
        Question(
            key=goal_key(goal),
            title=goal.title,
            description=goal.completion_standard,
            mode=Mode.GOAL,
            required=False,
            goal=goal,
            attainment=_attainment(goal),
        )
        for goal in goals
        if (not wanted or goal.section in wanted)
        and not (has_task_section and goal.kind == GoalKind.TASK)
    ]


def _task_questions(
    section: TemplateSection, goals: Sequence[Goal], scale: RatingScale | None
) -> list[Question]:
    return [
        Question(
            key=goal_key(goal),
            title=goal.title,
            description=goal.completion_standard,
            mode=Mode.SCALE,
            required=True,
            goal=goal,
            scale=scale,
            choices=_choices(scale, {}),
        )
        for goal in goals
        if goal.kind == GoalKind.TASK
    ]


def _item_question(item: TemplateItem, kind: str, scale: RatingScale | None) -> Question:
    anchors = _anchors(item)
    choices = _choices(scale, anchors)
    mode = Mode.TEXT if kind == SectionKind.QUESTIONS else Mode.SCALE
    return Question(
        key=item_key(item),
        title=item.title,
        description=item.description,
        mode=mode,
        required=item.required,
        item=item,
        scale=scale,
        choices=choices,
        # anchors of points the choices do not show (a number box)
        anchors=[] if choices or mode == Mode.TEXT else sorted(anchors.items()),
    )


def rating_form(rating: Rating) -> RatingForm:
    """The sections this rater answers, in the template's order, with their answers so
    far: competencies with each level's behaviour, key tasks from the scorecard, goal
    results read-only with their attainment, open questions and veto items (manager types
    only). Four queries: sections, items, goals with progress, answers."""
    review = rating.review
    sections = [
        section
        for section in TemplateSection.objects.filter(template_id=review.template_id)
        .prefetch_related("items")
        .order_by("sort_order", "pk")
        if access.answers_section(rating.rater_type, section.kind, list(section.rater_types))
    ]
    kinds = {section.kind for section in sections}
    needs_goals = SectionKind.GOALS in kinds or SectionKind.TASKS in kinds
    goals = scorecard_goals(review) if needs_goals else []
    answers: dict[str, Answer] = {}
    for found in rating.answers.select_related("item", "goal"):
        if found.item is not None:
            answers[item_key(found.item)] = found
        elif found.goal is not None:
            answers[goal_key(found.goal)] = found
    form_sections = []
    for section in sections:
        scale, error = _section_scale(section)
        if section.kind == SectionKind.GOALS:
            questions = _goal_questions(section, goals, SectionKind.TASKS in kinds)
        elif section.kind == SectionKind.TASKS:
            questions = _task_questions(section, goals, scale)
        else:
            questions = [_item_question(i, section.kind, scale) for i in section.items.all()]
        for question in questions:
            given = answers.get(question.key)
            if given is not None and question.answerable:
                question.value, question.comment = given.value, given.comment
        form_sections.append(FormSection(section=section, questions=questions, scale_error=error))
    return RatingForm(rating=rating, sections=form_sections)


# --- peers of a review ---------------------------------------------------------------------

# Once somebody is asked, the reviewee and the manager see "asked" whatever they did since
# (started, answered, declined, replaced), so nobody can tell who declined or answered.
ASKED = (
    RatingStatus.PENDING,
    RatingStatus.DRAFT,
    RatingStatus.SUBMITTED,
    RatingStatus.DECLINED,
    RatingStatus.REASSIGNED,
)
SHOWN_PEERS = (RatingStatus.NOMINATED, RatingStatus.REJECTED, *ASKED)


class PeerState:
    NOMINATED = "nominated"  # on the reviewee's list, not sent yet
    SENT = "sent"  # sent to the manager, who has not decided yet
    REJECTED = "rejected"
    ASKED = "asked"


@dataclass(frozen=True)
class PeerRow:
    """One peer as the reviewee and the manager see them: nominated, sent for approval,
    not approved (with the manager's reason) or asked — never whether they answered or
    declined."""

    name: str
    number: str
    department: str
    state: str
    reason: str = ""
    # the rating's id, only while a decision on the nomination is still to be made
    nomination: UUID | None = None

    @property
    def state_label(self) -> str:
        labels = {
            PeerState.NOMINATED: _("Nominated, not sent yet"),
            PeerState.SENT: _("Nominated, awaiting the manager"),
            PeerState.REJECTED: _("Not approved"),
            PeerState.ASKED: _("Asked"),
        }
        return str(labels[self.state])


def peer_row(rating: Rating, *, sent: bool) -> PeerRow:
    """``sent``: whether the review's nominations are with the manager."""
    if rating.status == RatingStatus.NOMINATED:
        state = PeerState.SENT if sent else PeerState.NOMINATED
    elif rating.status == RatingStatus.REJECTED:
        state = PeerState.REJECTED
    else:
        state = PeerState.ASKED
    return PeerRow(
        name=rating.rater.name,
        number=rating.rater.number,
        department=rating.rater.department.name,
        state=state,
        reason=rating.reason if state == PeerState.REJECTED else "",
        nomination=rating.uuid if state in (PeerState.NOMINATED, PeerState.SENT) else None,
    )


@dataclass(frozen=True)
class DeclinedRow:
    """A declined rating waiting to be reassigned. For an anonymous type neither the name
    nor the reason is shown (``can_see_rater_statuses`` — HR — sees them on its page)."""

    uuid: UUID
    rater_type: str
    anonymous: bool
    name: str
    reason: str

    @property
    def rater_type_label(self) -> str:
        return str(RaterType(self.rater_type).label)


def declined_row(rating: Rating) -> DeclinedRow:
    return DeclinedRow(
        uuid=rating.uuid,
        rater_type=rating.rater_type,
        anonymous=rating.anonymous,
        name="" if rating.anonymous else rating.rater.name,
        reason="" if rating.anonymous else rating.reason,
    )


@dataclass
class PeerPanel:
    review: Review
    rows: list[PeerRow]
    # the live peers (nominated, asked, answering or answered): what the count rules count
    live_count: int
    submitted_count: int
    # declined ratings of every type still to reassign; for the access checks only — pages
    # show ``declined_rows``
    declined: list[Rating]
    # nominations the reviewee has not sent yet (left out of ``rows`` for the manager)
    unsent_count: int = 0

    @property
    def declined_rows(self) -> list[DeclinedRow]:
        return [declined_row(r) for r in self.declined]

    @property
    def approved(self) -> bool:
        return self.review.peers_approved_at is not None

    @property
    def sent(self) -> bool:
        return self.review.peers_sent_at is not None

    @property
    def asked_count(self) -> int:
        return sum(1 for row in self.rows if row.state == PeerState.ASKED)

    @property
    def peer_min(self) -> int:
        return self.review.template.peer_min

    @property
    def peer_max(self) -> int:
        return self.review.template.peer_max


def peer_panel(review: Review, *, drafts: bool = True) -> PeerPanel:
    """The peers of one review and its declined ratings (one query). It holds the names of
    those asked but never which of them declined or answered. Without ``drafts`` (the
    manager's page) nominations the reviewee has not sent are left out."""
    ratings = list(
        Rating.objects.filter(review=review)
        .exclude(status=RatingStatus.WITHDRAWN)
        .select_related("rater__department")
        .order_by("rater__name", "pk")
    )
    for rating in ratings:
        rating.review = review
    peers = [r for r in ratings if r.rater_type == RaterType.PEER]
    sent = review.peers_sent_at is not None
    unsent = 0 if sent else sum(1 for r in peers if r.status == RatingStatus.NOMINATED)
    shown = [
        r
        for r in peers
        if r.status in SHOWN_PEERS and (drafts or sent or r.status != RatingStatus.NOMINATED)
    ]
    return PeerPanel(
        review=review,
        rows=[peer_row(r, sent=sent) for r in shown],
        live_count=sum(1 for r in peers if r.status in (RatingStatus.NOMINATED, *LIVE_RATING)),
        submitted_count=sum(1 for r in peers if r.status == RatingStatus.SUBMITTED),
        declined=[r for r in ratings if r.status == RatingStatus.DECLINED],
        unsent_count=unsent,
    )


@dataclass(frozen=True)
class ApprovalItem:
    review: Review
    rows: list[PeerRow]


def peer_approval_list(principal: Principal) -> list[ApprovalItem]:
    """My team's reviews whose peers their reviewee has sent me and that wait for my
    approval, each with its peers (two queries)."""
    peers = (
        Rating.objects.filter(rater_type=RaterType.PEER, status__in=SHOWN_PEERS)
        .select_related("rater__department")
        .order_by("rater__name", "pk")
    )
    reviews = (
        access.peer_approvals(principal)
        .select_related("employee__department", "cycle", "template")
        .prefetch_related(Prefetch("ratings", queryset=peers, to_attr="peer_ratings"))
        .order_by("cycle__start", "employee__name", "pk")
    )
    return [
        ApprovalItem(
            review=review,
            rows=[peer_row(r, sent=review.peers_sent_at is not None) for r in review.peer_ratings],
        )
        for review in reviews
    ]


def review_raters(review: Review) -> list[Rating]:
    """Every rater of a review with their status (HR in scope; one query)."""
    return list(
        Rating.objects.filter(review=review)
        .select_related("rater__department", "replaced_by__rater")
        .order_by("rater_type", "rater__name", "pk")
    )


def people_search(principal: Principal, text: str, limit: int = 20) -> list[Employee]:
    """Current colleagues whose name contains ``text`` or whose number is ``text``."""
    text = text.strip()
    if not text:
        return []
    return list(
        access.raters_choosable(principal)
        .filter(Q(name__icontains=text) | Q(number__iexact=text))
        .select_related("department", "position")
        .order_by("name", "number")[:limit]
    )
