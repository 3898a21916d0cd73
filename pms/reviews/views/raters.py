"""Pages about who rates whom: the reviewee nominates peers, the manager approves,
rejects, replaces or adds them and reassigns declined ratings, HR assigns and withdraws
raters of any type.

The reviewee and the manager see the names of those asked, never who declined or
answered an anonymous rating; only HR in scope sees each rater's status.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pms.core.access import Forbidden, NotFound
from pms.org.access import is_member
from pms.org.models import Employee
from pms.org.views import actor_of, principal_of
from pms.reviews import access
from pms.reviews.models import RaterType, Rating, Review
from pms.reviews.selectors.ratings import (
    declined_row,
    peer_approval_list,
    peer_panel,
    people_search,
    review_raters,
)
from pms.reviews.services import raters as services


def _picked(request: HttpRequest) -> Employee:
    """The colleague chosen in a search (``rater`` = their id) or typed by number."""
    people = access.raters_choosable(principal_of(request))
    uuid = request.POST.get("rater", "").strip()
    number = request.POST.get("number", "").strip()
    found = None
    try:
        if uuid:
            found = people.filter(uuid=uuid).first()
        elif number:
            found = people.filter(number__iexact=number).first()
    except ValidationError:  # a malformed id
        found = None
    if found is None:
        raise ValidationError({"rater": [_("Choose a current colleague.")]})
    return found


def _report(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _back(request: HttpRequest, review: Review) -> HttpResponse:
    """Back to the page the action was taken on."""
    target = request.POST.get("next", "")
    if target == "approvals":
        return redirect("reviews:peer_approvals")
    if target == "raters":
        return redirect("reviews:raters", review.uuid)
    return redirect("reviews:peers_decide", review.uuid)


def _decision_rating(request: HttpRequest, uuid: str) -> Rating:
    return access.access_rating_for_decision(principal_of(request), uuid)


def _nominating_closed(review: Review) -> Forbidden:
    """Why the reviewee may not change or send their nominations now."""
    if review.peers_sent_at is not None and review.peers_approved_at is None:
        return Forbidden(_("Your nominations wait for your manager's decision."))
    return Forbidden(_("Peers can no longer be nominated for this review."))


# --- the reviewee ---------------------------------------------------------------------------


@login_required
def peers(request: HttpRequest, uuid: str) -> HttpResponse:
    """My peer reviewers in one review: nominate, take back, send for approval; once sent,
    that they wait for the manager; once approved, who was asked (without who answered)."""
    principal = principal_of(request)
    review = access.access_review(principal, uuid)
    if not access.is_reviewee(principal, review):
        raise Forbidden
    return render(
        request,
        "reviews/peers_mine.html",
        {
            "review": review,
            "panel": peer_panel(review),
            "can_nominate": access.can_nominate_peers(principal, review),
        },
    )


@login_required
@require_POST
def nominate(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    review = access.access_review(principal, uuid)
    if not access.can_nominate_peers(principal, review):
        raise _nominating_closed(review)
    try:
        rater = _picked(request)
        services.peer_nominate(actor=actor_of(request), review=review, rater=rater)
    except ValidationError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("%(name)s is nominated.") % {"name": rater.name})
    return redirect("reviews:peers", review.uuid)


@login_required
@require_POST
def remove(request: HttpRequest, uuid: str) -> HttpResponse:
    rating = _decision_rating(request, uuid)
    if not access.can_remove_nomination(principal_of(request), rating):
        raise Forbidden
    try:
        services.peer_nomination_remove(actor=actor_of(request), rating=rating)
    except ValidationError as exc:
        _report(request, exc)
    return redirect("reviews:peers", rating.review.uuid)


@login_required
@require_POST
def send(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    review = access.access_review(principal, uuid)
    if not access.can_nominate_peers(principal, review):
        raise _nominating_closed(review)
    try:
        services.peers_send(actor=actor_of(request), review=review)
    except ValidationError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("Your nominations are sent to your manager for approval."))
    return redirect("reviews:peers", review.uuid)


@login_required
@require_GET
def people(request: HttpRequest) -> HttpResponse:
    """Current colleagues by name or number, as choices for a rater (HTMX fragment)."""
    principal = principal_of(request)
    if not is_member(principal):
        raise NotFound
    text = (request.GET.get("number") or request.GET.get("q") or "")[:100]
    return render(
        request,
        "reviews/peers_people.html",
        {"people": people_search(principal, text), "q": text},
    )


# --- the manager ---------------------------------------------------------------------------


@login_required
def approvals(request: HttpRequest) -> HttpResponse:
    """My team's reviews whose peers their reviewee has sent for my approval."""
    principal = principal_of(request)
    if not access.can_open_peer_approvals(principal):
        raise NotFound
    return render(
        request, "reviews/peers_approvals.html", {"reviews": peer_approval_list(principal)}
    )


@login_required
def decide(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    review = access.access_review(principal, uuid)
    if not access.can_open_rater_decisions(principal, review):
        raise Forbidden
    panel = peer_panel(review, drafts=False)
    return render(
        request,
        "reviews/peers_decide.html",
        {
            "review": review,
            "panel": panel,
            "can_decide": access.can_decide_peers(principal, review),
            "reassignable": [
                declined_row(r) for r in panel.declined if access.can_reassign_rating(principal, r)
            ],
            "can_see_statuses": access.can_see_rater_statuses(principal, review),
        },
    )


@login_required
@require_POST
def approve(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    review = access.access_review(principal, uuid)
    if not access.can_decide_peers(principal, review):
        raise Forbidden
    try:
        approved = services.peers_approve(actor=actor_of(request), review=review)
    except ValidationError as exc:
        _report(request, exc)
    else:
        messages.success(
            request,
            _("Peers of %(name)s approved: %(count)d asked now.")
            % {"name": review.employee.name, "count": len(approved)},
        )
    return _back(request, review)


@login_required
@require_POST
def add(request: HttpRequest, uuid: str) -> HttpResponse:
    principal = principal_of(request)
    review = access.access_review(principal, uuid)
    if not access.can_decide_peers(principal, review):
        raise Forbidden
    try:
        rater = _picked(request)
        services.peer_add(actor=actor_of(request), review=review, rater=rater)
    except ValidationError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("%(name)s is asked as a peer.") % {"name": rater.name})
    return _back(request, review)


@login_required
@require_POST
def reject(request: HttpRequest, uuid: str) -> HttpResponse:
    rating = _decision_rating(request, uuid)
    if not access.can_decide_nomination(principal_of(request), rating):
        raise Forbidden
    try:
        services.peer_reject(
            actor=actor_of(request), rating=rating, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("%(name)s is not approved.") % {"name": rating.rater.name})
    return _back(request, rating.review)


@login_required
@require_POST
def replace(request: HttpRequest, uuid: str) -> HttpResponse:
    rating = _decision_rating(request, uuid)
    if not access.can_decide_nomination(principal_of(request), rating):
        raise Forbidden
    try:
        rater = _picked(request)
        services.peer_replace(
            actor=actor_of(request),
            rating=rating,
            rater=rater,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        _report(request, exc)
    else:
        messages.success(
            request,
            _("%(old)s is replaced by %(new)s.") % {"old": rating.rater.name, "new": rater.name},
        )
    return _back(request, rating.review)


@login_required
@require_POST
def reassign(request: HttpRequest, uuid: str) -> HttpResponse:
    """Give a declined rating to somebody else; the message names only the new rater."""
    rating = _decision_rating(request, uuid)
    if not access.can_reassign_rating(principal_of(request), rating):
        raise Forbidden
    try:
        rater = _picked(request)
        services.rating_reassign(
            actor=actor_of(request),
            rating=rating,
            rater=rater,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("%(name)s is asked instead.") % {"name": rater.name})
    return _back(request, rating.review)


# --- HR ------------------------------------------------------------------------------------


@login_required
def raters(request: HttpRequest, uuid: str) -> HttpResponse:
    """Every rater of a review with their status (HR in scope), and assigning one."""
    principal = principal_of(request)
    review = access.access_review(principal, uuid)
    if not access.can_see_rater_statuses(principal, review):
        raise Forbidden
    can_assign = access.can_assign_raters(principal, review)
    if request.method == "POST":
        if not can_assign:
            raise Forbidden
        try:
            rater = _picked(request)
            services.rater_assign(
                actor=actor_of(request),
                review=review,
                rater=rater,
                rater_type=request.POST.get("rater_type", ""),
                reason=request.POST.get("reason", ""),
            )
        except ValidationError as exc:
            _report(request, exc)
        else:
            messages.success(request, _("%(name)s is asked to review.") % {"name": rater.name})
        return redirect("reviews:raters", review.uuid)
    ratings = review_raters(review)
    for rating in ratings:
        rating.review = review
    return render(
        request,
        "reviews/peers_raters.html",
        {
            "review": review,
            "ratings": ratings,
            "can_assign": can_assign,
            "withdrawable": {r.pk for r in ratings if access.can_withdraw_rating(principal, r)},
            "reassignable": {r.pk for r in ratings if access.can_reassign_rating(principal, r)},
            "rater_types": RaterType.choices,
        },
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, uuid: str) -> HttpResponse:
    rating = _decision_rating(request, uuid)
    if not access.can_withdraw_rating(principal_of(request), rating):
        raise Forbidden
    try:
        services.rating_withdraw(
            actor=actor_of(request), rating=rating, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("The rating is withdrawn."))
    return redirect("reviews:raters", rating.review.uuid)


urlpatterns: list[URLPattern] = [
    path("people/", people, name="peers_people"),
    path("peer-approvals/", approvals, name="peer_approvals"),
    path("<uuid:uuid>/peers/", peers, name="peers"),
    path("<uuid:uuid>/peers/nominate/", nominate, name="peers_nominate"),
    path("<uuid:uuid>/peers/send/", send, name="peers_send"),
    path("<uuid:uuid>/peers/decide/", decide, name="peers_decide"),
    path("<uuid:uuid>/peers/approve/", approve, name="peers_approve"),
    path("<uuid:uuid>/peers/add/", add, name="peers_add"),
    path("<uuid:uuid>/raters/", raters, name="raters"),
    path("ratings/<uuid:uuid>/remove/", remove, name="peer_remove"),
    path("ratings/<uuid:uuid>/reject/", reject, name="peer_reject"),
    path("ratings/<uuid:uuid>/replace/", replace, name="peer_replace"),
    path("ratings/<uuid:uuid>/reassign/", reassign, name="rating_reassign"),
    path("ratings/<uuid:uuid>/withdraw/", withdraw, name="rating_withdraw"),
]
