"""Who may see and do what with results and their use. Pages, the API, exports and
notifications all call these functions; nothing else decides. One place for the whole
app, ``pms.outcomes.access``: the rules are all written below, and each area's functions
live in its module (``results``: results, releases and interviews; ``appeals``;
``plans``; ``pay``), imported from here — callers never import the modules themselves.

Results (``PerformanceResult``; a row exists only once its cycle's results are published)
- A result is seen by the person, their managers up the chain (and the manager recorded at
  launch, should the person have moved) and HR whose scope covers the department recorded
  at launch. System admins count as company-wide HR.
- The person confirms their own result while it waits for confirmation.
- HR in scope corrects a result, with a reason — but never HR who is the person themself
  or one of their managers (direct, dotted-line or up the chain): the same conflict rule
  as appeals.
- The manager's team list holds the results of the people they manage; HR's list of a
  cycle the results in their scope.
- Why a result changed is shown with it: calibration and corrections with their reasons
  to all who see the result. A change made on appeal shows its new score and grade to the
  managers too (the result is what it is), but its reason only to the person and to HR
  who may handle the appeal.

Releases (``ResultRelease``)
- Scheduling and publishing a cycle's results moves the whole cycle to its results phase,
  so it is company-wide HR's (as advancing a cycle is); HRBPs see the release's state.

Interviews (``Interview``, ``InterviewGuide``)
- A result's interview is scheduled by one of the person's managers (recorded at launch or
  up the chain), who becomes its interviewer. The interviewer and the person see it and
  work on it; HR in scope reads it (and the list of overdue interviews). Other managers
  do not see its record.
- The interviewer writes the record; the person adds their opinion; each signs; a record
  signed by both is locked. A change of content takes back the other party's signature.
- Interview guides are company-wide HR's to write; the interviewer reads the guides for
  the person's grade and for all grades on the interview page.

Appeals (``Appeal``)
- The person files an appeal against their own result while the window is open (the
  cycle's; for a result published later, as long again from its own publication), unless
  they confirmed the result themself (an automatic confirmation does not stop an
  appeal); one open appeal per result, and a decided appeal is final.
- The person sees their appeals and withdraws an open one.
- HR whose scope covers the department handles appeals — never HR who is the person or
  one of their managers (direct, dotted-line or up the chain). Such HR sees the appeal,
  assigns or reassigns its handler among the HR who may handle it; the handler takes it
  up and decides it.
- The person's managers are not told of the appeal and never see its reasons, evidence
  or decision: they see only that the result is "appealed" (its confirmation state) and,
  when it was adjusted, the new score and grade. This keeps an employee free to appeal
  without their manager reading over their shoulder.
- Appeal statistics per department: HR, over the results in their scope.

Plans: improvement (PIP, ``ImprovementPlan``) and development (IDP, ``DevelopmentPlan``)
- A PIP is created for a current employee by a manager up their chain or HR in scope
  (never for oneself); the plan's manager, managers up the chain and HR in scope prepare,
  start, record checkpoints, extend (once), close and cancel it. The person sees it from
  the day it starts and signs that they have read it. Its record is for all who see it.
- An IDP is the person's: they write and update it until it is done (not while it waits
  for agreement); they submit it, and a manager up the chain agrees it or returns it
  with a reason; HR in scope and managers up the chain read it, and may create one for
  the person (from a training need) that the person then owns. A mentor sees only the
  actions they mentor, once the plan is agreed.
- Lists: the person's own plans, a manager's team, HR's scope (and the results whose
  grade calls for a PIP).

Pay: bonus and raise plans (``BonusPlan``, ``RaisePlan``), promotion, training needs
- Pay is confidential. Company-wide HR and system admins create plans, enter or import
  bases and salaries, compute, lock and export them; an HRBP reads the plans and only the
  lines and totals of their scope; managers and employees never see a plan, nor their own
  line (payroll tells people their bonus and raise). A locked plan changes no more, and
  only a locked plan is exported to payroll.
- The promotion eligibility list is HR's, over the people of their scope.
- Training needs come from named manager-type ratings only (never an anonymous answer):
  HR over their scope, a manager over the people they lead.

API tokens: reads need ``read_results`` (browser sessions hold every scope); plans
need ``read_plans``; bonus and raise lines ``read_pay``.
"""

from __future__ import annotations

from pms.outcomes.access.appeals import (
    access_appeal,
    appeal_handlers,
    appeals_in_scope,
    appeals_to_handle,
    appeals_visible,
    can_assign_appeal,
    can_decide_appeal,
    can_file_appeal,
    can_see_appeal_stats,
    can_take_up_appeal,
    can_withdraw_appeal,
    is_appellant,
    is_handler,
)
from pms.outcomes.access.pay import (
    PAY_IMPORT_KINDS,
    PAY_READ_SCOPE,
    access_bonus_line,
    access_bonus_plan,
    access_bonus_plan_for_change,
    access_pay_import,
    access_raise_line,
    access_raise_plan,
    access_raise_plan_for_change,
    bonus_lines_visible,
    bonus_plans_visible,
    can_change_plan,
    can_export_plan,
    can_manage_outcome_settings,
    can_manage_pay,
    can_read_pay,
    can_see_promotion,
    can_see_training_needs,
    is_plan_locked,
    pay_cycles,
    pay_imports_visible,
    promotion_results,
    raise_lines_visible,
    raise_plans_visible,
    training_results,
)
from pms.outcomes.access.plans import (
    IDP_RELATED,
    PIP_RELATED,
    PLANS_READ_SCOPE,
    RUNNING_PIP,
    access_idp,
    access_idp_action,
    access_pip,
    access_pip_checkpoint,
    access_pip_goal,
    can_agree_idp,
    can_cancel_pip,
    can_close_pip,
    can_complete_idp,
    can_create_idp_for,
    can_create_pip_for,
    can_edit_idp,
    can_edit_pip,
    can_extend_pip,
    can_list_plans,
    can_manage_pip,
    can_note_sign_refusal,
    can_record_checkpoint,
    can_return_idp,
    can_see_team_plans,
    can_sign_pip,
    can_start_pip,
    can_submit_idp,
    can_update_idp_progress,
    can_withdraw_idp,
    hr_covers_person,
    idps_in_scope,
    idps_visible,
    is_idp_person,
    is_pip_person,
    leads_pip,
    mentored_actions,
    pip_candidate_results,
    pips_in_scope,
    pips_visible,
    team_idps,
    team_pips,
)
from pms.outcomes.access.results import (
    NOTHING,
    READ_SCOPE,
    RESULT_RELATED,
    access_cycle_for_results,
    access_guide_for_change,
    access_interview,
    access_result,
    appeal_until,
    appeal_until_for,
    can_cancel_interview,
    can_confirm_result,
    can_correct_result,
    can_give_opinion,
    can_manage_guides,
    can_record_interview,
    can_release_results,
    can_reschedule_interview,
    can_run_results,
    can_schedule_interview,
    can_see_change_reason,
    can_see_cycle_results,
    can_see_interview,
    can_see_overdue_interviews,
    can_see_team_results,
    can_sign_interview,
    cycle_results,
    guides_visible,
    hr_covers_result,
    interviews_visible,
    is_conflicted,
    is_interviewer,
    is_manager_of_result,
    is_result_owner,
    may_handle_appeal,
    my_results,
    release_of,
    results_cycles,
    results_in_scope,
    results_visible,
    team_results,
)

__all__ = [
    "IDP_RELATED",
    "NOTHING",
    "PAY_IMPORT_KINDS",
    "PAY_READ_SCOPE",
    "PIP_RELATED",
    "PLANS_READ_SCOPE",
    "READ_SCOPE",
    "RESULT_RELATED",
    "RUNNING_PIP",
    "access_appeal",
    "access_bonus_line",
    "access_bonus_plan",
    "access_bonus_plan_for_change",
    "access_cycle_for_results",
    "access_guide_for_change",
    "access_idp",
    "access_idp_action",
    "access_interview",
    "access_pay_import",
    "access_pip",
    "access_pip_checkpoint",
    "access_pip_goal",
    "access_raise_line",
    "access_raise_plan",
    "access_raise_plan_for_change",
    "access_result",
    "appeal_handlers",
    "appeal_until",
    "appeal_until_for",
    "appeals_in_scope",
    "appeals_to_handle",
    "appeals_visible",
    "bonus_lines_visible",
    "bonus_plans_visible",
    "can_agree_idp",
    "can_assign_appeal",
    "can_cancel_interview",
    "can_cancel_pip",
    "can_change_plan",
    "can_close_pip",
    "can_complete_idp",
    "can_confirm_result",
    "can_correct_result",
    "can_create_idp_for",
    "can_create_pip_for",
    "can_decide_appeal",
    "can_edit_idp",
    "can_edit_pip",
    "can_export_plan",
    "can_extend_pip",
    "can_file_appeal",
    "can_give_opinion",
    "can_list_plans",
    "can_manage_guides",
    "can_manage_outcome_settings",
    "can_manage_pay",
    "can_manage_pip",
    "can_note_sign_refusal",
    "can_read_pay",
    "can_record_checkpoint",
    "can_record_interview",
    "can_release_results",
    "can_reschedule_interview",
    "can_return_idp",
    "can_run_results",
    "can_schedule_interview",
    "can_see_appeal_stats",
    "can_see_change_reason",
    "can_see_cycle_results",
    "can_see_interview",
    "can_see_overdue_interviews",
    "can_see_promotion",
    "can_see_team_plans",
    "can_see_team_results",
    "can_see_training_needs",
    "can_sign_interview",
    "can_sign_pip",
    "can_start_pip",
    "can_submit_idp",
    "can_take_up_appeal",
    "can_update_idp_progress",
    "can_withdraw_appeal",
    "can_withdraw_idp",
    "cycle_results",
    "guides_visible",
    "hr_covers_person",
    "hr_covers_result",
    "idps_in_scope",
    "idps_visible",
    "interviews_visible",
    "is_appellant",
    "is_conflicted",
    "is_handler",
    "is_idp_person",
    "is_interviewer",
    "is_manager_of_result",
    "is_pip_person",
    "is_plan_locked",
    "is_result_owner",
    "leads_pip",
    "may_handle_appeal",
    "mentored_actions",
    "my_results",
    "pay_cycles",
    "pay_imports_visible",
    "pip_candidate_results",
    "pips_in_scope",
    "pips_visible",
    "promotion_results",
    "raise_lines_visible",
    "raise_plans_visible",
    "release_of",
    "results_cycles",
    "results_in_scope",
    "results_visible",
    "team_idps",
    "team_pips",
    "team_results",
    "training_results",
]
