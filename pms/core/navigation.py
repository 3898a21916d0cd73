"""The main navigation: each role sees only what it may use.

Apps add their entries here as they arrive; every entry names the access function that
decides whether it shows, the same one the page itself checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from pms.org.roles import Principal


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url: str
    active: bool
    group: str = ""


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: str | Promise
    items: list[NavItem]

    @property
    def active(self) -> bool:
        return any(item.active for item in self.items)


GROUPS: dict[str, str | Promise] = {
    "": "",
    "goals": _("Goals"),
    "tracking": _("Progress"),
    "feedback": _("Feedback"),
    "reviews": _("Reviews"),
    "results": _("Results"),
    "setup": _("Set-up"),
    "org": _("Organisation"),
    "admin": _("Administration"),
}


def _entries() -> list[tuple[str, str | Promise, str, Callable[[Principal], bool]]]:
    from pms.calibration import access as calibration_access
    from pms.coaching import access as coaching_access
    from pms.feedback import access as feedback_access
    from pms.goals import access as goals_access
    from pms.org import access as org_access
    from pms.outcomes import access as outcomes_access
    from pms.reviews import access as reviews_access
    from pms.tracking import access as tracking_access

    def has_employee(p: Principal) -> bool:
        return p.is_authenticated and p.employee is not None

    def approves(p: Principal) -> bool:
        return p.is_authenticated and (p.is_manager or p.is_hr or p.is_committee)

    return [
        ("", _("Home"), "core:home", lambda p: p.is_authenticated),
        ("goals", _("My goals"), "goals:my", has_employee),
        ("goals", _("My team"), "goals:team", lambda p: p.is_authenticated and p.is_manager),
        ("goals", _("Approvals"), "goals:inbox", approves),
        ("goals", _("Goal adjustments"), "goals:adjustments_inbox", org_access.is_member),
        (
            "goals",
            _("Committee decisions"),
            "goals:decision_inbox",
            goals_access.can_open_decision_inbox,
        ),
        ("goals", _("Goals list"), "goals:list", org_access.is_member),
        ("tracking", _("My progress"), "tracking:my", has_employee),
        ("tracking", _("Team progress"), "tracking:team_board", tracking_access.can_see_team_board),
        (
            "tracking",
            _("Department progress"),
            "tracking:departments_board",
            tracking_access.can_open_department_boards,
        ),
        (
            "tracking",
            _("Company progress"),
            "tracking:company_board",
            tracking_access.can_see_company_board,
        ),
        ("tracking", _("Check-ins"), "coaching:my", has_employee),
        ("tracking", _("Action items"), "coaching:actions", has_employee),
        ("tracking", _("Coaching plans"), "coaching:plans", org_access.is_member),
        (
            "tracking",
            _("Resource requests"),
            "coaching:resources",
            coaching_access.can_open_resource_inbox,
        ),
        ("feedback", _("Feedback"), "feedback:mine", feedback_access.can_give_feedback),
        ("feedback", _("Praise wall"), "feedback:praise", org_access.is_member),
        (
            "feedback",
            _("Observations"),
            "feedback:observations",
            feedback_access.can_record_observations,
        ),
        ("feedback", _("24-hour board"), "feedback:board", feedback_access.can_see_board),
        ("reviews", _("My reviews to do"), "reviews:my_ratings", has_employee),
        (
            "reviews",
            _("Peer approvals"),
            "reviews:peer_approvals",
            reviews_access.can_open_peer_approvals,
        ),
        ("reviews", _("My results"), "reviews:my_results", has_employee),
        ("reviews", _("Team reviews"), "reviews:team_reviews", reviews_access.can_see_team_reviews),
        ("reviews", _("Review cycles"), "reviews:cycles", org_access.is_member),
        ("reviews", _("Review monitor"), "reviews:monitor", reviews_access.can_run_reviews),
        (
            "reviews",
            _("Calibration"),
            "calibration:sessions",
            # the roles, else one query (seated on a session): only when the menu is drawn
            calibration_access.calibration_in_menu,
        ),
        ("results", _("My performance results"), "outcomes:my_results", has_employee),
        (
            "results",
            _("Team results"),
            "outcomes:team_results",
            outcomes_access.can_see_team_results,
        ),
        ("results", _("Performance interviews"), "outcomes:interviews", has_employee),
        ("results", _("Results by cycle"), "outcomes:cycles", outcomes_access.can_run_results),
        ("results", _("Appeals"), "outcomes:appeals", outcomes_access.can_run_results),
        # the list's own condition; changing guides is company-wide HR's
        ("setup", _("Interview guides"), "outcomes:guides", outcomes_access.can_run_results),
        ("results", _("Bonus plans"), "outcomes:bonus_plans", outcomes_access.can_read_pay),
        ("results", _("Raise plans"), "outcomes:raise_plans", outcomes_access.can_read_pay),
        (
            "results",
            _("Promotion eligibility"),
            "outcomes:promotion",
            outcomes_access.can_see_promotion,
        ),
        (
            "results",
            _("Training needs"),
            "outcomes:training",
            outcomes_access.can_see_training_needs,
        ),
        ("results", _("My plans"), "outcomes:plans_mine", has_employee),
        (
            "results",
            _("Team improvement plans"),
            "outcomes:pip_team",
            outcomes_access.can_see_team_plans,
        ),
        (
            "results",
            _("Team development plans"),
            "outcomes:idp_team",
            outcomes_access.can_see_team_plans,
        ),
        ("results", _("Improvement plans"), "outcomes:pip_list", outcomes_access.can_list_plans),
        ("results", _("Development plans"), "outcomes:idp_list", outcomes_access.can_list_plans),
        (
            "setup",
            _("Results settings"),
            "outcomes:settings",
            outcomes_access.can_manage_outcome_settings,
        ),
        (
            "setup",
            _("Import actual values"),
            "tracking:imports",
            tracking_access.can_import_actuals,
        ),
        (
            "setup",
            _("Data connectors"),
            "tracking:connectors",
            tracking_access.can_manage_connectors,
        ),
        ("setup", _("Check-in cadence"), "coaching:cadence", coaching_access.can_manage_cadence),
        (
            "setup",
            _("Composite weights"),
            "reviews:composites",
            reviews_access.can_manage_composites,
        ),
        ("setup", _("Review settings"), "reviews:settings", reviews_access.can_manage_settings),
        (
            "setup",
            _("Calibration settings"),
            "calibration:settings",
            calibration_access.can_manage_settings,
        ),
        # the list's own condition: templates_visible (HR and system admins)
        ("setup", _("Review templates"), "reviews:templates", reviews_access.can_run_reviews),
        ("goals", _("Strategy"), "goals:strategy", org_access.is_member),
        ("goals", _("Department goals"), "goals:department_goals", org_access.is_member),
        ("goals", _("Alignment"), "goals:alignment", goals_access.can_see_alignment),
        ("goals", _("Goal-setting status"), "goals:status", goals_access.can_see_status_board),
        ("setup", _("Indicator library"), "goals:indicators", org_access.is_member),
        ("setup", _("Scorecard templates"), "goals:templates", goals_access.can_apply_templates),
        ("setup", _("Periods"), "goals:periods", goals_access.can_manage_periods),
        ("setup", _("Value snapshots"), "tracking:snapshots", tracking_access.can_take_snapshot),
        ("setup", _("Working calendar"), "tracking:calendar", tracking_access.can_manage_calendar),
        (
            "setup",
            _("Goal files"),
            "goals:goal_files",
            lambda p: goals_access.can_import_goals(p) or goals_access.can_export_goals(p),
        ),
        ("org", _("Organisation"), "org:tree", org_access.is_member),
        ("org", _("Directory"), "org:directory", org_access.is_member),
        ("org", _("Positions"), "org:positions", org_access.is_member),
        ("org", _("Role families"), "org:role_families", org_access.can_change_positions),
        ("org", _("Imports"), "org:imports", org_access.can_import),
        ("admin", _("Audit log"), "core:audit", org_access.can_read_audit),
        # the same condition as pms.comms.access.can_manage_comms
        ("admin", _("Notification channels"), "comms:channels", org_access.is_org_admin),
        ("admin", _("Roles"), "org:roles", org_access.can_manage_roles),
        ("admin", _("API tokens"), "accounts:tokens", org_access.can_manage_tokens),
    ]


def navigation_for(principal: Principal, current_path: str) -> list[NavItem]:
    allowed = [
        (group, label, reverse(url_name))
        for group, label, url_name, may in _entries()
        if may(principal)
    ]
    # the entry whose address is the longest prefix of the current page is the active one
    matches = [url for _, _, url in allowed if current_path.startswith(url) and url != "/"]
    active = max(matches, key=len) if matches else ("/" if current_path == "/" else None)
    return [
        NavItem(label=label, url=url, active=url == active, group=group)
        for group, label, url in allowed
    ]


def navigation_groups(items: list[NavItem]) -> list[NavGroup]:
    """The entries by group, in the groups' order; empty groups left out."""
    return [
        NavGroup(key=key, label=label, items=[i for i in items if i.group == key])
        for key, label in GROUPS.items()
        if any(i.group == key for i in items)
    ]
