"""Agreement pages: submit, approve, return, sign, the discussion, the approval inbox and
HR's status board with reminders and its export."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from pms.core.access import Forbidden, NotFound, get_visible
from pms.core.pagination import paginate, query_without_page
from pms.goals import access
from pms.goals.forms.scorecards import CommentForm, DecisionForm, SignForm
from pms.goals.models import Period, Scorecard, ScorecardStatus, SignerRole
from pms.goals.selectors import scorecards as selectors
from pms.goals.selectors.adjustments import adjustment_inbox
from pms.goals.services import reminders
from pms.goals.services import scorecards as services
from pms.goals.views import actor_of, is_htmx, principal_of
from pms.goals.views.scorecards import render_scorecard
from pms.org import access as org_access
from pms.org.forms import add_service_errors
from pms.org.models import Department, Employee
from pms.org.roles import Principal
from pms.org.selectors import path_ids

INBOX_PER_PAGE = 30
LETTERS_SHOWN = 50
PEOPLE_PER_PAGE = 50
# Where the adjustments area puts its part of the approval inbox (see inbox.html).
ADJUSTMENTS_SHOWN = 50


# --- decisions on one scorecard ----------------------------------------------------------


def _from_inbox(request: HttpRequest) -> bool:
    return is_htmx(request) and request.POST.get("next") == "inbox"


def _inbox_item(
    request: HttpRequest, card: Scorecard, *, done: str = "", errors: list[str] | None = None
) -> HttpResponse:
    """One inbox entry after an action taken in place: what was done, or the entry again
    with the errors when it still waits for a decision."""
    waiting = bool(errors) and card.status == ScorecardStatus.SUBMITTED
    template = "_inbox_item.html" if waiting else "_inbox_done.html"
    return render(
        request,
        f"goals/scorecards/{template}",
        {"card": card, "done": done, "errors": errors or []},
    )


def _errors_back(request: HttpRequest, card: Scorecard, error: ValidationError) -> HttpResponse:
    if _from_inbox(request):
        return _inbox_item(request, card, errors=error.messages)
    for message in error.messages:
        messages.error(request, message)
    return redirect("goals:scorecard", uuid=card.uuid)


@login_required
@require_POST
def scorecard_submit(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    card = access.access_scorecard(principal, uuid)
    if not access.can_submit_scorecard(principal, card):
        raise Forbidden
    try:
        services.scorecard_submit(actor=actor_of(request), scorecard=card)
    except ValidationError as error:
        return _errors_back(request, card, error)
    messages.success(request, _("Submitted to the manager."))
    return redirect("goals:scorecard", uuid=card.uuid)


@login_required
@require_POST
def scorecard_approve(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    card = access.access_scorecard(principal, uuid)
    if not access.can_approve_scorecard(principal, card):
        raise Forbidden
    form = DecisionForm(request.POST)
    form.is_valid()
    comment = form.cleaned_data.get("comment") or ""
    try:
        services.scorecard_approve(actor=actor_of(request), scorecard=card, comment=comment)
    except ValidationError as error:
        return _errors_back(request, card, error)
    if _from_inbox(request):
        return _inbox_item(request, card, done=_("Approved."))
    messages.success(request, _("Approved. Both sides can now sign the letter."))
    return redirect("goals:scorecard", uuid=card.uuid)


@login_required
@require_POST
def scorecard_return(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    card = access.access_scorecard(principal, uuid)
    if not access.can_return_scorecard(principal, card):
        raise Forbidden
    form = DecisionForm(request.POST)
    form.is_valid()
    comment = form.cleaned_data.get("comment") or ""
    try:
        services.scorecard_return(actor=actor_of(request), scorecard=card, comment=comment)
    except ValidationError as error:
        if _from_inbox(request):
            return _inbox_item(request, card, errors=error.messages)
        add_service_errors(form, error)
        return render_scorecard(request, principal, card, decision_form=form, status=422)
    if _from_inbox(request):
        return _inbox_item(request, card, done=_("Returned with your comment."))
    messages.success(request, _("Returned with your comment."))
    return redirect("goals:scorecard", uuid=card.uuid)


@login_required
@require_POST
def scorecard_sign(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    card = access.access_scorecard(principal, uuid)
    form = SignForm(request.POST)
    if not form.is_valid():
        raise Forbidden
    role = form.cleaned_data["role"]
    if not access.can_sign_scorecard(principal, card, role):
        raise Forbidden
    try:
        services.scorecard_sign(actor=actor_of(request), scorecard=card, role=role)
    except ValidationError as error:
        return _errors_back(request, card, error)
    card.refresh_from_db(fields=["status", "signed_at"])
    done = _("Signed.") if not card.signed_at else _("Signed by both: the letter is in force.")
    if _from_inbox(request):
        return _inbox_item(request, card, done=done)
    messages.success(request, done)
    return redirect("goals:scorecard", uuid=card.uuid)


@login_required
@require_POST
def scorecard_comment(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    card = access.access_scorecard(principal, uuid)
    if not access.can_comment_scorecard(principal, card):
        raise Forbidden
    indicators = access.indicators_visible(principal).filter(enabled=True)
    form = CommentForm(request.POST, indicators=indicators)
    if form.is_valid():
        try:
            services.scorecard_comment(
                actor=actor_of(request),
                scorecard=card,
                body=form.cleaned_data["body"] or "",
                indicator=form.cleaned_data["indicator"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            form = CommentForm(indicators=indicators)
            if not is_htmx(request):
                return redirect(reverse("goals:scorecard", args=[card.uuid]) + "#discussion")
    if is_htmx(request):
        return render(
            request,
            "goals/scorecards/_discussion.html",
            {
                "card": card,
                "comments": selectors.scorecard_comments(card),
                "comment_form": form,
                "can_comment": True,
                "can_edit": access.can_edit_scorecard(principal, card),
            },
            status=200 if not form.errors else 422,
        )
    return render_scorecard(request, principal, card, comment_form=form, status=422)


# --- the approval inbox ------------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not org_access.is_member(principal):
        raise NotFound
    awaiting = selectors.inbox_scorecards(access.scorecards_awaiting_approval(principal))
    page = paginate(request, awaiting, per_page=INBOX_PER_PAGE)
    letters_qs = selectors.inbox_letters(access.letters_awaiting_signature(principal))
    letters = list(letters_qs[: LETTERS_SHOWN + 1])
    me = principal.employee
    letter_rows = [
        (
            card,
            SignerRole.EMPLOYEE
            if me is not None and card.employee_id == me.pk
            else SignerRole.MANAGER,
            selectors.signed_roles(card),
        )
        for card in letters[:LETTERS_SHOWN]
    ]
    return render(
        request,
        "goals/scorecards/inbox.html",
        {
            "page": page,
            "query": query_without_page(request),
            "letter_rows": letter_rows,
            "more_letters": len(letters) > LETTERS_SHOWN,
            "decision_form": DecisionForm(),
            "adjustment_inbox": list(adjustment_inbox(principal)[:ADJUSTMENTS_SHOWN]),
            "title": _("Approval inbox"),
        },
    )


# --- HR's status board -------------------------------------------------------------------


def _board_period(request: HttpRequest, principal: Principal) -> Period | None:
    periods = access.periods_visible(principal)
    return selectors.chosen_period(periods, request.GET.get("period"), timezone.localdate())


def _board_department(principal: Principal, uuid: str | None) -> Department | None:
    if not uuid:
        return None
    return get_visible(access.status_board_departments(principal), uuid=uuid)


def _breadcrumb(principal: Principal, department: Department | None) -> list[Department]:
    if department is None:
        return []
    ids = path_ids(department.path)[:-1]
    above = access.status_board_departments(principal).filter(pk__in=ids)
    return sorted(above, key=lambda d: d.depth)


@login_required
def status_board(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_see_status_board(principal):
        raise NotFound
    period = _board_period(request, principal)
    focus = _board_department(principal, request.GET.get("department"))
    board = None
    if period is not None:
        board = selectors.status_board(
            access.status_board_people(principal),
            access.status_board_departments(principal),
            period,
            focus=focus,
            roots=access.status_board_roots(principal),
        )
    return render(
        request,
        "goals/scorecards/status.html",
        {
            "periods": access.periods_visible(principal).order_by("-start", "end", "name"),
            "period": period,
            "focus": focus,
            # the period switcher keeps the department open
            "keep": [("department", focus.uuid)] if focus is not None else [],
            "ancestors": _breadcrumb(principal, focus),
            "board": board,
            "can_remind": access.can_remind(principal),
            "title": _("Scorecard status"),
        },
    )


@dataclass(frozen=True)
class _Selection:
    """The people behind a figure of the board, as the query (or the posted form) says."""

    period: Period
    department: Department | None
    status: str
    direct: bool
    people: QuerySet[Employee]

    def query(self) -> str:
        query = f"period={self.period.uuid}&status={self.status}"
        if self.department is not None:
            query += f"&department={self.department.uuid}"
        if self.direct:
            query += "&direct=1"
        return query


def _selection(request: HttpRequest, principal: Principal) -> _Selection:
    source = request.POST if request.method == "POST" else request.GET
    period = get_visible(access.periods_visible(principal), uuid=source.get("period"))
    department = _board_department(principal, source.get("department"))
    status = source.get("status") or selectors.BEHIND
    direct = bool(source.get("direct"))
    people = selectors.status_people(
        access.status_board_people(principal),
        period,
        department=department,
        status=status,
        direct_only=direct,
    )
    return _Selection(period, department, status, direct, people)


@login_required
def status_people(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not access.can_see_status_board(principal):
        raise NotFound
    chosen = _selection(request, principal)
    page = paginate(request, chosen.people, per_page=PEOPLE_PER_PAGE)
    summaries = selectors.card_summaries(page.object_list, chosen.period)
    return render(
        request,
        "goals/scorecards/status_people.html",
        {
            "period": chosen.period,
            "department": chosen.department,
            "status": chosen.status,
            "status_label": dict(selectors.STATUS_FILTERS).get(chosen.status, ""),
            "statuses": selectors.STATUS_FILTERS,
            "direct": chosen.direct,
            "page": page,
            "rows": [(person, summaries.get(person.pk)) for person in page],
            "query": query_without_page(request),
            "can_remind": access.can_remind(principal),
            "title": _("Scorecard status"),
        },
    )


@login_required
@require_POST
def status_remind(request: HttpRequest) -> HttpResponse:
    """Remind everyone behind in the chosen selection (at most once a day each)."""
    principal = principal_of(request)
    if not access.can_see_status_board(principal):
        raise NotFound
    if not access.can_remind(principal):
        raise Forbidden
    chosen = _selection(request, principal)
    period = chosen.period
    people = list(chosen.people)
    base_url = request.build_absolute_uri("/").rstrip("/")
    result = reminders.behind_remind(
        actor=actor_of(request), period=period, people=people, base_url=base_url
    )
    messages.success(
        request,
        _("Reminded: %(count)s. E-mails sent: %(emails)s.")
        % {"count": result.reminded, "emails": result.emails},
    )
    if result.already_today:
        messages.info(
            request,
            _("%(count)s were reminded earlier today and were not reminded again.")
            % {"count": result.already_today},
        )
    if result.no_address:
        messages.warning(
            request,
            _("%(count)s have no e-mail address to remind.") % {"count": result.no_address},
        )
    return redirect(f"{reverse('goals:status_people')}?{chosen.query()}")


@login_required
def status_export(request: HttpRequest) -> HttpResponse:
    """The people behind a figure of the board as an .xlsx file."""
    principal = principal_of(request)
    if not access.can_see_status_board(principal):
        raise NotFound
    chosen = _selection(request, principal)
    period, people = chosen.period, chosen.people
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Scorecard status"))
    sheet.append(
        [
            _("Employee number"),
            _("Name"),
            _("Department"),
            _("Direct manager"),
            _("Period"),
            _("Status"),
        ]
    )
    for person in people.iterator(chunk_size=2000):
        manager: Employee | None = person.manager
        sheet.append(
            [
                person.number,
                person.name,
                person.department.name,
                manager.name if manager else "",
                period.name,
                selectors.status_label(person.card_status),  # type: ignore[attr-defined]
            ]
        )
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"{_('scorecard-status')}-{period.name}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


urlpatterns: list[URLPattern] = [
    path("scorecards/<uuid:uuid>/submit/", scorecard_submit, name="scorecard_submit"),
    path("scorecards/<uuid:uuid>/approve/", scorecard_approve, name="scorecard_approve"),
    path("scorecards/<uuid:uuid>/return/", scorecard_return, name="scorecard_return"),
    path("scorecards/<uuid:uuid>/sign/", scorecard_sign, name="scorecard_sign"),
    path("scorecards/<uuid:uuid>/comments/", scorecard_comment, name="scorecard_comment"),
    path("inbox/", inbox, name="inbox"),
    path("status/", status_board, name="status"),
    path("status/people/", status_people, name="status_people"),
    path("status/remind/", status_remind, name="status_remind"),
    path("status/export.xlsx", status_export, name="status_export"),
]
