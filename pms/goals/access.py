"""Who may see and change goals. Pages, API, exports and reminders all call these
functions; nothing else decides.

- Periods, the indicator library and templates are readable by everyone with a place in
  the company; company-wide HR admins (and system admins) maintain them.
- Company strategy and department goals, once approved, are open to the whole company (the
  cascade is meant to be seen). Before approval they are for those who draft them (executives
  for strategy; the department's head, HR in scope and executives for a department), the
  committee that decides them, and company-wide HR.
- A scorecard and its goals are private to the person, their managers up the chain, their
  dotted-line manager, heads of departments above them, HR in scope and system admins — the
  same circle that may read the person's private details.
- The person and their managers up the chain (and HR in scope) draft and change a scorecard
  until it is agreed; managers up the chain and HR in scope approve or return it, never the
  person themself; the person and the approving manager sign.
- Agreed goals change only through an adjustment: requested by the person, a manager up the
  chain or HR in scope; decided by a manager up the chain, then HR in scope, then (beyond the
  flexibility limit) the committee.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from pms.core.access import Forbidden, NotFound, get_visible
from pms.core.models import ImportJob
from pms.goals.models import (
    EDITABLE_SCORECARD,
    AdjustmentStatus,
    Goal,
    GoalAdjustment,
    GoalKind,
    GoalLevel,
    GoalStatus,
    Indicator,
    Period,
    Scorecard,
    ScorecardStatus,
    ScorecardTemplate,
    Signature,
    SignerRole,
    TemplateItem,
    TemplateRun,
)
from pms.org.access import hr_scope_q, is_member, private_view_q
from pms.org.models import CURRENT_STATUSES, Department, Employee
from pms.org.roles import Principal

NOTHING = Q(pk__in=[])
EVERYTHING = ~Q(pk__in=[])


def _paths_q(field: str, paths: tuple[str, ...]) -> Q:
    q = NOTHING
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def is_goal_admin(principal: Principal) -> bool:
    """Company-wide HR and system admins: periods, library, templates, every scorecard."""
    if not principal.is_authenticated:
        return False
    return principal.hr_company or principal.is_system_admin


def _covers_department(paths: tuple[str, ...], department: Department) -> bool:
    return any(department.path.startswith(p) for p in paths)


def hr_covers(principal: Principal, employee: Employee) -> bool:
    """HR whose grant covers this person (company-wide HR and system admins cover all)."""
    if is_goal_admin(principal):
        return True
    return _covers_department(principal.hr_scope_paths, employee.department)


def is_manager_above(principal: Principal, employee: Employee) -> bool:
    """A manager anywhere up the person's reporting chain (not the person themself)."""
    me = principal.employee
    if me is None or me.pk == employee.pk or not me.report_path:
        return False
    return employee.report_path.startswith(me.report_path)


def is_self(principal: Principal, employee: Employee) -> bool:
    return principal.employee is not None and principal.employee.pk == employee.pk


# --- periods -----------------------------------------------------------------------------


def periods_visible(principal: Principal) -> QuerySet[Period]:
    if not is_member(principal):
        return Period.objects.none()
    return Period.objects.all()


def access_period(principal: Principal, uuid: object) -> Period:
    return get_visible(periods_visible(principal), uuid=uuid)


def can_manage_periods(principal: Principal) -> bool:
    return is_goal_admin(principal)


def access_period_for_change(principal: Principal, uuid: object) -> Period:
    period = access_period(principal, uuid)
    if not can_manage_periods(principal):
        raise Forbidden
    return period


# --- indicator library -------------------------------------------------------------------


def can_manage_indicators(principal: Principal) -> bool:
    return is_goal_admin(principal)


def indicators_visible(principal: Principal) -> QuerySet[Indicator]:
    """Everyone sees the enabled library; its keepers also see what is switched off."""
    if not is_member(principal):
        return Indicator.objects.none()
    if can_manage_indicators(principal):
        return Indicator.objects.all()
    return Indicator.objects.filter(enabled=True)


def access_indicator(principal: Principal, uuid: object) -> Indicator:
    return get_visible(indicators_visible(principal), uuid=uuid)


def access_indicator_for_change(principal: Principal, uuid: object) -> Indicator:
    indicator = access_indicator(principal, uuid)
    if not can_manage_indicators(principal):
        raise Forbidden
    return indicator


def indicators_choosable(principal: Principal, scorecard: Scorecard) -> QuerySet[Indicator]:
    """What this user may put on this scorecard: the person only employee-choosable ones;
    managers and HR any enabled indicator."""
    enabled = Indicator.objects.filter(enabled=True)
    if is_manager_above(principal, scorecard.employee) or hr_covers(principal, scorecard.employee):
        return enabled
    if is_self(principal, scorecard.employee):
        return enabled.filter(employee_selectable=True)
    return Indicator.objects.none()


# --- company strategy and department goals -----------------------------------------------


def can_set_strategy(principal: Principal) -> bool:
    if not principal.is_authenticated:
        return False
    return principal.is_executive or is_goal_admin(principal)


def can_set_department_goals(principal: Principal, department: Department) -> bool:
    if not principal.is_authenticated:
        return False
    if principal.is_executive or is_goal_admin(principal):
        return True
    return _covers_department(principal.head_paths, department) or _covers_department(
        principal.hr_scope_paths, department
    )


def plan_goals_visible(principal: Principal) -> QuerySet[Goal]:
    """Company and department goals this user may see (individual goals are on scorecards)."""
    if not is_member(principal):
        return Goal.objects.none()
    plan = Goal.objects.filter(level__in=[GoalLevel.COMPANY, GoalLevel.DEPARTMENT])
    if principal.is_executive or principal.is_committee or is_goal_admin(principal):
        return plan
    drafters = _paths_q("department__path", principal.head_paths) | _paths_q(
        "department__path", principal.hr_scope_paths
    )
    return plan.filter(Q(status=GoalStatus.APPROVED) | (Q(level=GoalLevel.DEPARTMENT) & drafters))


def access_plan_goal(principal: Principal, uuid: object) -> Goal:
    return get_visible(plan_goals_visible(principal).select_related("department"), uuid=uuid)


def can_edit_plan_goal(principal: Principal, goal: Goal) -> bool:
    """Drafting: until the committee approves (afterwards only through an adjustment)."""
    if goal.status not in (GoalStatus.DRAFT, GoalStatus.RETURNED):
        return False
    if goal.level == GoalLevel.COMPANY:
        return can_set_strategy(principal)
    return goal.department is not None and can_set_department_goals(principal, goal.department)


def access_plan_goal_for_change(principal: Principal, uuid: object) -> Goal:
    goal = access_plan_goal(principal, uuid)
    if not can_edit_plan_goal(principal, goal):
        raise Forbidden
    return goal


def can_decide_plan_goal(principal: Principal, goal: Goal) -> bool:
    """The performance committee approves or returns submitted department goals; company
    strategy is approved by executives."""
    if not principal.is_authenticated or goal.status != GoalStatus.SUBMITTED:
        return False
    if goal.level == GoalLevel.COMPANY:
        return principal.is_executive or principal.is_committee
    return principal.is_committee


def can_see_alignment(principal: Principal) -> bool:
    return is_member(principal)


# --- scorecards and individual goals -----------------------------------------------------


def scorecards_visible(principal: Principal) -> QuerySet[Scorecard]:
    if not is_member(principal):
        return Scorecard.objects.none()
    return Scorecard.objects.filter(private_view_q(principal, "employee__"))


def access_scorecard(principal: Principal, uuid: object) -> Scorecard:
    return get_visible(
        scorecards_visible(principal).select_related(
            "employee__department", "employee__manager", "period", "department", "position"
        ),
        uuid=uuid,
    )


def individual_goals_visible(principal: Principal) -> QuerySet[Goal]:
    if not is_member(principal):
        return Goal.objects.none()
    return Goal.objects.filter(level=GoalLevel.INDIVIDUAL).filter(
        private_view_q(principal, "employee__")
    )


def can_draft_for(principal: Principal, employee: Employee) -> bool:
    """May start or change this person's scorecard: the person, a manager above, HR in scope."""
    if not principal.is_authenticated:
        return False
    return (
        is_self(principal, employee)
        or is_manager_above(principal, employee)
        or hr_covers(principal, employee)
    )


def can_edit_scorecard(principal: Principal, scorecard: Scorecard) -> bool:
    if not can_draft_for(principal, scorecard.employee):
        return False
    if scorecard.status in EDITABLE_SCORECARD:
        return True
    # a manager may still touch up a submitted scorecard before approving it
    return scorecard.status == ScorecardStatus.SUBMITTED and can_approve_scorecard(
        principal, scorecard
    )


def access_scorecard_for_change(principal: Principal, uuid: object) -> Scorecard:
    scorecard = access_scorecard(principal, uuid)
    if not can_edit_scorecard(principal, scorecard):
        raise Forbidden
    return scorecard


def can_submit_scorecard(principal: Principal, scorecard: Scorecard) -> bool:
    return scorecard.status in EDITABLE_SCORECARD and can_draft_for(principal, scorecard.employee)


def can_approve_scorecard(principal: Principal, scorecard: Scorecard) -> bool:
    """A manager up the chain or HR in scope; never the person themself."""
    if not principal.is_authenticated or is_self(principal, scorecard.employee):
        return False
    if scorecard.status not in (ScorecardStatus.DRAFT, ScorecardStatus.SUBMITTED):
        return False
    return is_manager_above(principal, scorecard.employee) or hr_covers(
        principal, scorecard.employee
    )


def can_return_scorecard(principal: Principal, scorecard: Scorecard) -> bool:
    if scorecard.status != ScorecardStatus.SUBMITTED:
        return False
    return can_approve_scorecard(principal, scorecard)


def can_sign_scorecard(principal: Principal, scorecard: Scorecard, role: str) -> bool:
    """The person signs as employee; the manager who approved (or the direct manager)
    signs as manager. Only an approved scorecard awaits signatures."""
    if not principal.is_authenticated or scorecard.status != ScorecardStatus.APPROVED:
        return False
    if role == SignerRole.EMPLOYEE:
        return is_self(principal, scorecard.employee)
    if role == SignerRole.MANAGER:
        if is_self(principal, scorecard.employee):
            return False
        approved_by_me = principal.user is not None and principal.user.pk == (
            scorecard.approved_by_id
        )
        direct = (
            principal.employee is not None
            and principal.employee.pk == scorecard.employee.manager_id
        )
        return approved_by_me or direct
    return False


def can_comment_scorecard(principal: Principal, scorecard: Scorecard) -> bool:
    """Everyone who may see the scorecard takes part in its discussion."""
    return scorecards_visible(principal).filter(pk=scorecard.pk).exists()


def can_see_status_board(principal: Principal) -> bool:
    """HR's per-department counts of drafted / submitted / approved / signed scorecards."""
    if not principal.is_authenticated:
        return False
    return principal.is_hr or principal.is_system_admin or principal.is_department_head


def status_board_scorecards(principal: Principal) -> QuerySet[Scorecard]:
    if not can_see_status_board(principal):
        return Scorecard.objects.none()
    if is_goal_admin(principal):
        return Scorecard.objects.all()
    return Scorecard.objects.filter(
        hr_scope_q(principal, "employee__")
        | _paths_q("employee__department__path", principal.head_paths)
    )


def can_remind(principal: Principal) -> bool:
    if not principal.is_authenticated:
        return False
    return principal.is_hr or principal.is_system_admin


def employees_in_scope_for_scorecards(principal: Principal) -> QuerySet[Employee]:
    """People for whom this user may start scorecards in bulk (templates, copy forward)."""
    if not principal.is_authenticated:
        return Employee.objects.none()
    if is_goal_admin(principal):
        return Employee.objects.all()
    q = hr_scope_q(principal)
    me = principal.employee
    if me is not None and me.report_path:
        q |= Q(report_path__startswith=me.report_path) & ~Q(pk=me.pk)
    return Employee.objects.filter(q)


# --- scorecard pages: team, inbox, status board, alignment (added by the pages) ----------


def team_members(principal: Principal) -> QuerySet[Employee]:
    """The manager's team page: every current direct and indirect report of the user."""
    me = principal.employee
    if not principal.is_authenticated or me is None or not me.report_path:
        return Employee.objects.none()
    return Employee.objects.filter(
        report_path__startswith=me.report_path, status__in=CURRENT_STATUSES
    ).exclude(pk=me.pk)


def scorecards_awaiting_approval(principal: Principal) -> QuerySet[Scorecard]:
    """The approval inbox: submitted scorecards this user may approve — of reports down
    the chain, or of people in the user's HR scope — never the user's own."""
    if not principal.is_authenticated:
        return Scorecard.objects.none()
    q = NOTHING
    me = principal.employee
    if me is not None and me.report_path:
        q |= Q(employee__report_path__startswith=me.report_path)
    if principal.is_hr or principal.is_system_admin:
        q |= hr_scope_q(principal, "employee__")
    cards = Scorecard.objects.filter(q, status=ScorecardStatus.SUBMITTED)
    if me is not None:
        cards = cards.exclude(employee=me)
    return cards


def letters_awaiting_signature(principal: Principal) -> QuerySet[Scorecard]:
    """Approved scorecards whose letter waits for this user's signature: the person's own
    side, or the manager's side for the direct manager or the one who approved it (the
    same people ``can_sign_scorecard`` lets sign)."""
    if not principal.is_authenticated:
        return Scorecard.objects.none()
    me, user = principal.employee, principal.user

    def signed(role: str) -> Exists:
        return Exists(
            Signature.objects.filter(
                scorecard=OuterRef("pk"), version=OuterRef("version"), role=role
            )
        )

    q = NOTHING
    if me is not None:
        q |= Q(employee=me, employee_signed=False)
    manager_side = Q(approved_by=user)
    if me is not None:
        manager_side = (manager_side | Q(employee__manager=me)) & ~Q(employee=me)
    q |= manager_side & Q(manager_signed=False)
    return (
        Scorecard.objects.filter(status=ScorecardStatus.APPROVED)
        .annotate(
            employee_signed=signed(SignerRole.EMPLOYEE),
            manager_signed=signed(SignerRole.MANAGER),
        )
        .filter(q)
    )


def status_board_people(principal: Principal) -> QuerySet[Employee]:
    """The current people the status board counts: everyone for company-wide HR, else the
    departments of the user's HR scope and the departments the user heads."""
    if not can_see_status_board(principal):
        return Employee.objects.none()
    people = Employee.objects.filter(status__in=CURRENT_STATUSES)
    if is_goal_admin(principal):
        return people
    return people.filter(hr_scope_q(principal) | _paths_q("department__path", principal.head_paths))


def status_board_roots(principal: Principal) -> tuple[str, ...]:
    """The department paths the status board starts from (``()`` = the top departments)."""
    if is_goal_admin(principal):
        return ()
    paths = sorted({*principal.hr_scope_paths, *principal.head_paths})
    # a path inside another one is already counted there
    return tuple(p for p in paths if not any(p != q and p.startswith(q) for q in paths))


def status_board_departments(principal: Principal) -> QuerySet[Department]:
    """The departments the status board may open: all for company-wide HR, else the
    subtrees of ``status_board_roots``."""
    if not can_see_status_board(principal):
        return Department.objects.none()
    roots = status_board_roots(principal)
    if not roots:
        return Department.objects.all()
    return Department.objects.filter(_paths_q("path", roots))


def alignment_targets(principal: Principal, scorecard: Scorecard) -> QuerySet[Goal]:
    """What a goal on this scorecard may be aligned to: approved company goals of the
    period, approved goals of the person's department and the departments above it, and
    the direct manager's own goals of the period (their titles are offered to the person
    so that the cascade can be followed — the manager's scorecard stays private)."""
    employee = scorecard.employee
    plan = plan_goals_visible(principal).filter(
        period_id=scorecard.period_id, status=GoalStatus.APPROVED
    )
    chain_ids = [int(part) for part in employee.department.path.strip("/").split("/") if part]
    plan = plan.filter(Q(level=GoalLevel.COMPANY) | Q(department_id__in=chain_ids))
    q = Q(pk__in=plan.values("pk"))
    if employee.manager_id is not None:
        q |= Q(
            level=GoalLevel.INDIVIDUAL,
            employee_id=employee.manager_id,
            period_id=scorecard.period_id,
            is_active=True,
        ) & ~Q(kind=GoalKind.KEY_RESULT)
    return Goal.objects.filter(q)


def can_copy_forward(principal: Principal, scorecard: Scorecard) -> bool:
    """Whoever may draft for the person may start a new period from this scorecard."""
    return can_draft_for(principal, scorecard.employee)


# --- templates ---------------------------------------------------------------------------


def templates_visible(principal: Principal) -> QuerySet[ScorecardTemplate]:
    if not is_member(principal):
        return ScorecardTemplate.objects.none()
    return ScorecardTemplate.objects.all()


def access_template(principal: Principal, uuid: object) -> ScorecardTemplate:
    return get_visible(templates_visible(principal), uuid=uuid)


def can_manage_templates(principal: Principal) -> bool:
    return is_goal_admin(principal)


def access_template_for_change(principal: Principal, uuid: object) -> ScorecardTemplate:
    template = access_template(principal, uuid)
    if not can_manage_templates(principal):
        raise Forbidden
    return template


def can_apply_templates(principal: Principal) -> bool:
    """Bulk application: HR (an HRBP only reaches people in scope)."""
    if not principal.is_authenticated:
        return False
    return principal.is_hr or principal.is_system_admin


def template_runs_visible(principal: Principal) -> QuerySet[TemplateRun]:
    if not can_apply_templates(principal):
        return TemplateRun.objects.none()
    if is_goal_admin(principal):
        return TemplateRun.objects.all()
    return TemplateRun.objects.filter(created_by=principal.user)


def access_template_run(principal: Principal, uuid: object) -> TemplateRun:
    return get_visible(template_runs_visible(principal), uuid=uuid)


def access_template_item_for_change(principal: Principal, uuid: object) -> TemplateItem:
    """A goal of a template, to change: unknown to outsiders, forbidden to colleagues
    who are not template keepers (they may read the template it belongs to)."""
    item = get_visible(
        TemplateItem.objects.filter(template__in=templates_visible(principal)).select_related(
            "template", "indicator"
        ),
        uuid=uuid,
    )
    if not can_manage_templates(principal):
        raise Forbidden
    return item


# --- adjustments -------------------------------------------------------------------------


def adjustments_visible(principal: Principal) -> QuerySet[GoalAdjustment]:
    if not is_member(principal):
        return GoalAdjustment.objects.none()
    individual = Q(scorecard__isnull=False) & private_view_q(principal, "scorecard__employee__")
    plan = Q(goal__isnull=False) & Q(goal__in=plan_goals_visible(principal))
    q = individual | plan
    if principal.is_committee:
        q |= Q(needs_committee=True)
    return GoalAdjustment.objects.filter(q)


def access_adjustment(principal: Principal, uuid: object) -> GoalAdjustment:
    return get_visible(
        adjustments_visible(principal).select_related(
            "scorecard__employee__department", "scorecard__period", "goal__department"
        ),
        uuid=uuid,
    )


def can_request_adjustment(principal: Principal, scorecard: Scorecard) -> bool:
    if not scorecard.is_agreed:
        return False
    return can_draft_for(principal, scorecard.employee)


def can_request_plan_adjustment(principal: Principal, goal: Goal) -> bool:
    if goal.status != GoalStatus.APPROVED or goal.level == GoalLevel.INDIVIDUAL:
        return False
    if goal.level == GoalLevel.COMPANY:
        return can_set_strategy(principal)
    return goal.department is not None and can_set_department_goals(principal, goal.department)


def can_decide_adjustment(principal: Principal, adjustment: GoalAdjustment) -> bool:
    """The step the adjustment waits at decides who may act on it."""
    if not principal.is_authenticated:
        return False
    status = adjustment.status
    if status == AdjustmentStatus.PENDING_COMMITTEE:
        return principal.is_committee
    scorecard = adjustment.scorecard
    if scorecard is None:
        # department and company goals: executives or HR, then the committee
        if status == AdjustmentStatus.PENDING_MANAGER:
            return principal.is_executive or is_goal_admin(principal)
        if status == AdjustmentStatus.PENDING_HR:
            return is_goal_admin(principal) or bool(principal.hr_scope_paths)
        return False
    employee = scorecard.employee
    if is_self(principal, employee):
        return False
    if status == AdjustmentStatus.PENDING_MANAGER:
        return is_manager_above(principal, employee)
    if status == AdjustmentStatus.PENDING_HR:
        return (principal.is_hr or principal.is_system_admin) and hr_covers(principal, employee)
    return False


def can_withdraw_adjustment(principal: Principal, adjustment: GoalAdjustment) -> bool:
    if adjustment.status not in (
        AdjustmentStatus.PENDING_MANAGER,
        AdjustmentStatus.PENDING_HR,
        AdjustmentStatus.PENDING_COMMITTEE,
    ):
        return False
    return principal.user is not None and principal.user.pk == adjustment.requested_by_id


def adjustments_awaiting(principal: Principal) -> QuerySet[GoalAdjustment]:
    """The approval inbox: adjustments waiting for this user's decision."""
    if not principal.is_authenticated:
        return GoalAdjustment.objects.none()
    q = NOTHING
    me = principal.employee
    if me is not None and me.report_path:
        q |= (
            Q(status=AdjustmentStatus.PENDING_MANAGER)
            & Q(scorecard__employee__report_path__startswith=me.report_path)
            & ~Q(scorecard__employee=me)
        )
    if principal.is_hr or principal.is_system_admin:
        q |= (
            Q(status=AdjustmentStatus.PENDING_HR)
            & Q(scorecard__isnull=False)
            & hr_scope_q(principal, "scorecard__employee__")
        )
        if is_goal_admin(principal):
            q |= Q(status=AdjustmentStatus.PENDING_HR) & Q(scorecard__isnull=True)
    if principal.is_executive or is_goal_admin(principal):
        q |= Q(status=AdjustmentStatus.PENDING_MANAGER) & Q(scorecard__isnull=True)
    if principal.is_committee:
        q |= Q(status=AdjustmentStatus.PENDING_COMMITTEE)
    return GoalAdjustment.objects.filter(q)


# --- strategy cascade pages (added with the strategy and alignment pages) ----------------


def departments_for_goal_setting(principal: Principal) -> QuerySet[Department]:
    """Open departments whose goals this user may write: every one for executives and
    company-wide HR, else the subtrees the user heads or holds an HR grant for."""
    if not principal.is_authenticated:
        return Department.objects.none()
    departments = Department.objects.filter(is_active=True)
    if principal.is_executive or is_goal_admin(principal):
        return departments
    return departments.filter(
        _paths_q("path", principal.head_paths) | _paths_q("path", principal.hr_scope_paths)
    )


def can_open_decision_inbox(principal: Principal) -> bool:
    """The committee (department goals and strategy) and executives (strategy) decide."""
    if not principal.is_authenticated:
        return False
    return principal.is_committee or principal.is_executive


def can_comment_plan_goal(principal: Principal, goal: Goal) -> bool:
    """Those who write or decide a goal discuss it: its drafters, the committee,
    executives and company-wide HR. The caller has already checked that it is visible."""
    if not principal.is_authenticated:
        return False
    if principal.is_committee or principal.is_executive or is_goal_admin(principal):
        return True
    if goal.level == GoalLevel.COMPANY:
        return can_set_strategy(principal)
    return goal.department is not None and can_set_department_goals(principal, goal.department)


# --- goal files: Excel/CSV import and export -----------------------------------------------


def can_import_goals(principal: Principal) -> bool:
    """Import scorecard goals and department goals from a file: company-wide HR and system
    admins for everyone; an HRBP only for the people and departments of their scope (the
    importer refuses the other rows one by one)."""
    if not principal.is_authenticated:
        return False
    return is_goal_admin(principal) or bool(principal.hr_scope_paths)


def import_covers_department(principal: Principal, department_path: str) -> bool:
    """Whether an import by this user may write goals of people in (or of) the department
    with this materialised path."""
    if is_goal_admin(principal):
        return True
    return any(department_path.startswith(p) for p in principal.hr_scope_paths)


def goal_imports_visible(principal: Principal, kinds: tuple[str, ...]) -> QuerySet[ImportJob]:
    """Import jobs of the goal kinds: company-wide HR and system admins see them all, an
    HRBP only their own uploads (whose rows their scope limited)."""
    if not can_import_goals(principal):
        return ImportJob.objects.none()
    jobs = ImportJob.objects.filter(kind__in=kinds)
    if is_goal_admin(principal):
        return jobs
    return jobs.filter(created_by=principal.user)


def can_export_goals(principal: Principal) -> bool:
    """Download goals as a spreadsheet: HR (in scope), system admins, managers and
    department heads. What lands in the file is what ``scorecards_visible`` and
    ``plan_goals_visible`` let this user see."""
    if not is_member(principal):
        return False
    return (
        principal.is_hr
        or principal.is_system_admin
        or principal.is_manager
        or principal.is_department_head
    )


def is_party_to_adjustment(principal: Principal, deciders: frozenset[int]) -> bool:
    """Whether this user requested the adjustment or decided a step of it already
    (``deciders``: the requester's and the deciders' user ids). Such a user decides no
    further step: a manager and HR confirm together, as two people."""
    return principal.user is not None and principal.user.pk in deciders


def goals_with_history_visible(principal: Principal) -> QuerySet[Goal]:
    """Goals whose version history this user may read: individual goals with their
    scorecard's circle (the person sees their own), company and department goals as the
    cascade is seen."""
    return individual_goals_visible(principal) | plan_goals_visible(principal)


def access_goal_history(principal: Principal, uuid: object) -> Goal:
    return get_visible(
        goals_with_history_visible(principal).select_related(
            "scorecard", "employee", "department", "period"
        ),
        uuid=uuid,
    )


# --- API ---------------------------------------------------------------------------------


def can_read_goals_by_token(principal: Principal) -> bool:
    """Integrations read goals with the "read goals" scope, as their token's user."""
    return principal.allows_scope("read_goals")


__all__ = ["Forbidden", "NotFound"]
