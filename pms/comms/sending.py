"""Sending one delivery (by the worker), retries, and the periodic job that picks up what
is due again.

A delivery is claimed with one conditional ``UPDATE`` (waiting or failed-and-due → sending,
attempts + 1) before anything is sent, so two workers, a re-enqueued task or the periodic
job never send it twice. A failure is recorded with its error; it is tried again after a
growing pause until ``MAX_ATTEMPTS``, by a deferred task where the task backend can defer,
and in any case by the periodic job ``comms.retry_deliveries``.
"""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from pms.comms import robots
from pms.comms.events import event_or_none
from pms.comms.models import Channel, Delivery, DeliveryStatus, Notification
from pms.comms.notify import company_settings, email_address, employee_of, preference_of
from pms.comms.rendering import in_language, render_body, render_title

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# pause before attempt 2, 3, 4, 5
BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
)
# a delivery left "sending" this long was lost with its worker: it may be tried again
STALE_SENDING = dt.timedelta(minutes=10)
# a delivery still waiting this long lost its task (the queue was down): enqueue it again
STALE_PENDING = dt.timedelta(minutes=5)
RETRY_BATCH = 500


def backoff(attempts: int) -> dt.timedelta:
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def absolute_link(url: str, site_url: str) -> str:
    if not url or not site_url or "://" in url:
        return url
    return urljoin(site_url.rstrip("/") + "/", url.lstrip("/"))


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return bool(
        Delivery.objects.filter(
            due,
            pk=delivery_id,
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED],
            attempts__lt=MAX_ATTEMPTS,
        ).update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, updated_at=now)
    )


def _finish(delivery: Delivery, *, status: str, error: str = "", now: dt.datetime) -> None:
    delivery.status = status
    delivery.last_error = error
    delivery.sent_at = now if status == DeliveryStatus.SENT else None
    delivery.next_attempt_at = None
    fields = ["status", "last_error", "sent_at", "next_attempt_at", "updated_at"]
    if status == DeliveryStatus.FAILED and delivery.attempts < MAX_ATTEMPTS:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    delivery.save(update_fields=fields)


def _skip_reason(delivery: Delivery) -> str:
    """Why this delivery should no longer go out (settings changed since), or ""."""
    notification = delivery.notification
    user = notification.recipient
    if not user.is_active:
        return "recipient inactive"
    if not company_settings().channel_on(delivery.channel):
        return "channel switched off by the company"
    event = event_or_none(notification.event)
    if event is None:
        return "unknown event"
    preference = preference_of(user)
    if preference is not None and not preference.allows(event.category, delivery.channel):
        return "switched off by the recipient"
    if delivery.channel == Channel.EMAIL:
        return "" if email_address(user) else "no e-mail address"
    robot = delivery.robot
    if robot is None or not robot.enabled:
        return "chat robot removed or disabled"
    return ""


def _send(delivery: Delivery) -> None:
    notification: Notification = delivery.notification
    user = notification.recipient
    preference = preference_of(user)
    link = absolute_link(notification.url, company_settings().site_url)
    with in_language(preference.language if preference is not None else ""):
        title = render_title(notification.event, notification.params)
        body = render_body(notification.event, notification.params)
        link_text = _("Open") if link else ""
        language = get_language() or settings.LANGUAGE_CODE
    if delivery.channel == Channel.EMAIL:
        text = "\n\n".join(part for part in (body, link) if part)
        try:
            send_mail(title, text, None, [email_address(user)], fail_silently=False)
        except Exception as exc:  # SMTP and socket errors alike: recorded, tried again
            raise robots.SendError(f"e-mail: {exc}") from exc
        return
    robot = delivery.robot
    assert robot is not None  # noqa: S101 (checked by _skip_reason)
    employee = employee_of(user)
    message = robots.Message(
        title=title,
        body=body,
        link=link,
        link_text=link_text,
        mobile=employee.phone.strip() if employee is not None else "",
        language=language,
    )
    robots.send(robot.channel, robot.webhook_url, robot.secret, message)


def delivery_send(*, delivery_id: int) -> str:
    """Send one delivery if it is due; returns what happened (for the task's result)."""
    now = timezone.now()
    if not _claim(delivery_id, now):
        return "not due"
    delivery = Delivery.objects.select_related(
        "notification__recipient__employee",
        "notification__recipient__notification_preference",
        "robot",
    ).get(pk=delivery_id)
    reason = _skip_reason(delivery)
    if reason:
        _finish(delivery, status=DeliveryStatus.SKIPPED, error=reason, now=now)
        return DeliveryStatus.SKIPPED
    try:
        _send(delivery)
    except robots.SendError as exc:
        if not exc.retry:
            delivery.attempts = MAX_ATTEMPTS
            Delivery.objects.filter(pk=delivery.pk).update(attempts=MAX_ATTEMPTS)
        _finish(delivery, status=DeliveryStatus.FAILED, error=exc.message, now=timezone.now())
        _schedule_retry(delivery)
        return DeliveryStatus.FAILED
    except Exception as exc:
        logger.exception("delivery %s failed", delivery_id)
        _finish(delivery, status=DeliveryStatus.FAILED, error=str(exc)[:500], now=timezone.now())
        _schedule_retry(delivery)
        return DeliveryStatus.FAILED
    _finish(delivery, status=DeliveryStatus.SENT, now=timezone.now())
    return DeliveryStatus.SENT


def _schedule_retry(delivery: Delivery) -> None:
    """A deferred task when the backend can defer; otherwise the periodic job will."""
    if delivery.next_attempt_at is None:
        return
    from pms.comms.tasks import deliver_notification

    try:
        if not deliver_notification.get_backend().supports_defer:
            return
        deliver_notification.using(run_after=delivery.next_attempt_at).enqueue(delivery.pk)
    except Exception:
        logger.exception("delivery %s: retry not queued; the periodic job will", delivery.pk)


def deliveries_retry(now: dt.datetime) -> int:
    """The periodic job ``comms.retry_deliveries``: enqueue every delivery due again (failed
    and due, lost while sending, or never picked up). Safe to run twice: sending claims."""
    from pms.comms.tasks import enqueue_deliveries

    Delivery.objects.filter(
        status=DeliveryStatus.SENDING, updated_at__lt=now - STALE_SENDING
    ).update(status=DeliveryStatus.FAILED, next_attempt_at=now, last_error="lost while sending")
    due = (
        Q(status=DeliveryStatus.FAILED, attempts__lt=MAX_ATTEMPTS, next_attempt_at__lte=now)
        | Q(status=DeliveryStatus.PENDING, created_at__lt=now - STALE_PENDING)
        | Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
    )
    ids = list(
        Delivery.objects.filter(due)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:RETRY_BATCH]
    )
    enqueue_deliveries(ids)
    return len(ids)
