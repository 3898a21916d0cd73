"""Notifications (通知): the in-app inbox, and their deliveries by e-mail and chat robots
(钉钉 DingTalk, 企业微信 WeCom, 飞书 Feishu), with each person's and the company's settings.

A ``Notification`` stores the event code and its parameters, never rendered text: the title
and body are rendered in the reader's language when shown or sent. A ``Delivery`` is one
channel's attempt(s) to send one notification; the worker sends it at most once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pms.core.models import BaseModel
from pms.org.models import Department


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    DINGTALK = "dingtalk", _("DingTalk")
    WECOM = "wecom", _("WeCom")
    FEISHU = "feishu", _("Feishu")


CHAT_CHANNELS = (Channel.DINGTALK, Channel.WECOM, Channel.FEISHU)


class RobotChannel(models.TextChoices):
    DINGTALK = "dingtalk", _("DingTalk")
    WECOM = "wecom", _("WeCom")
    FEISHU = "feishu", _("Feishu")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class Notification(BaseModel):
    """One event for one person: shown in their inbox, sent on the channels they keep on."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    event = models.CharField(_("event"), max_length=80)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    # makes a call idempotent: one notification per recipient, event and key
    key = models.CharField(_("key"), max_length=200, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event", "key"],
                condition=~models.Q(key=""),
                name="comms_one_notification_per_key",
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def title(self) -> str:
        from pms.comms.rendering import render_title

        return render_title(self.event, self.params)

    @property
    def body(self) -> str:
        from pms.comms.rendering import render_body

        return render_body(self.event, self.params)


class ChatRobot(BaseModel):
    """A group-chat robot (自定义机器人) of DingTalk, WeCom or Feishu. It posts into one
    group; a person's messages go to the robot serving the nearest department above them
    (a robot without departments serves the whole company) and mention them by mobile."""

    channel = models.CharField(_("platform"), max_length=16, choices=RobotChannel.choices)
    name = models.CharField(_("name"), max_length=100)
    webhook_url = models.URLField(_("webhook address"), max_length=500)
    # DingTalk 加签 / Feishu 签名校验; WeCom robots carry their key in the address instead
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    departments = models.ManyToManyField(
        Department, blank=True, related_name="+", verbose_name=_("departments served")
    )

    class Meta:
        ordering = ["channel", "name", "id"]
        verbose_name = _("chat robot")
        verbose_name_plural = _("chat robots")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.name}"


class Delivery(BaseModel):
    """One channel's sending of one notification. Sent at most once: the worker claims a
    delivery with a conditional update before sending it."""

    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("notification"),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    robot = models.ForeignKey(
        ChatRobot,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("chat robot"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="comms_one_delivery_per_channel"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.channel} {self.status}"


class NotificationPreference(BaseModel):
    """A person's choices: which categories reach them on which channel (everything is on
    until switched off), and the language of e-mails and chat messages."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    # "category:channel" pairs switched off, e.g. ["goals:email"]
    disabled = models.JSONField(_("switched off"), default=list, blank=True)
    language = models.CharField(
        _("language of messages"), max_length=10, blank=True, choices=settings.LANGUAGES
    )

    class Meta:
        ordering = ["user_id"]
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return f"{self.user_id}"

    def allows(self, category: str, channel: str) -> bool:
        return f"{category}:{channel}" not in set(self.disabled or [])


class CommsSettings(BaseModel):
    """The company's switches: which channels send at all, and the site's address for links
    in e-mails and chat messages. One row (``singleton`` is always 1)."""

    singleton = models.PositiveSmallIntegerField(default=1, unique=True, editable=False)
    email_enabled = models.BooleanField(_("e-mail"), default=True)
    dingtalk_enabled = models.BooleanField(_("DingTalk"), default=True)
    wecom_enabled = models.BooleanField(_("WeCom"), default=True)
    feishu_enabled = models.BooleanField(_("Feishu"), default=True)
    site_url = models.URLField(
        _("address of this site"),
        max_length=200,
        blank=True,
        help_text=_("Used for links in e-mails and chat messages, e.g. https://pms.example.com"),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("notification settings of the company")
        verbose_name_plural = _("notification settings of the company")
        constraints = [
            models.CheckConstraint(condition=models.Q(singleton=1), name="comms_settings_single")
        ]

    def __str__(self) -> str:
        return "comms settings"

    def channel_on(self, channel: str) -> bool:
        return bool(getattr(self, f"{channel}_enabled", False))
