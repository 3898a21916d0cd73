"""Chat robots' webhooks: each platform's message format and signature, and the HTTP post.

- 钉钉 DingTalk custom robot: ``msgtype`` markdown, people mentioned by mobile in
  ``at.atMobiles`` (and ``@mobile`` in the text, which DingTalk needs to highlight them);
  with 加签, ``timestamp`` (ms) and ``sign`` = base64(HMAC-SHA256(secret,
  "timestamp\\nsecret")) go in the query string.
- 企业微信 WeCom group robot: ``msgtype`` text with ``mentioned_mobile_list``; the robot's
  key is in its address, nothing is signed.
- 飞书 Feishu custom bot: ``msg_type`` post (title and lines); with 签名校验, ``timestamp``
  (s) and ``sign`` = base64(HMAC-SHA256 keyed with "timestamp\\nsecret" over an empty
  message) go in the JSON body.

Only the standard library's ``urllib`` is used; timeouts are short and every failure comes
back as ``SendError`` with a message for the delivery's record.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from pms.comms.models import RobotChannel

TIMEOUT_SECONDS = 5
_MAX_ERROR = 500


class SendError(Exception):
    """Sending failed; ``retry`` says whether trying again later may help."""

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.message = message[:_MAX_ERROR]
        self.retry = retry


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    link: str = ""
    link_text: str = ""
    mobile: str = ""
    language: str = "zh-hans"


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    text = f"{timestamp_ms}\n{secret}"
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    key = f"{timestamp_s}\n{secret}"
    digest = hmac.new(key.encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _with_query(url: str, extra: dict[str, str]) -> str:
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query += list(extra.items())
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def _lines(message: Message) -> list[str]:
    lines = [message.body] if message.body else []
    if message.link:
        lines.append(f"{message.link_text}: {message.link}" if message.link_text else message.link)
    return lines


def dingtalk_request(
    webhook_url: str, secret: str, message: Message, now: float | None = None
) -> tuple[str, dict[str, Any]]:
    text = f"#### {message.title}\n\n{message.body}"
    if message.link:
        text += f"\n\n[{message.link_text or message.link}]({message.link})"
    at: dict[str, Any] = {"isAtAll": False}
    if message.mobile:
        text += f"\n\n@{message.mobile}"
        at["atMobiles"] = [message.mobile]
    payload = {"msgtype": "markdown", "markdown": {"title": message.title, "text": text}, "at": at}
    url = webhook_url
    if secret:
        timestamp = int((now if now is not None else time.time()) * 1000)
        url = _with_query(
            webhook_url, {"timestamp": str(timestamp), "sign": dingtalk_sign(secret, timestamp)}
        )
    return url, payload


def wecom_request(webhook_url: str, message: Message) -> tuple[str, dict[str, Any]]:
    content = "\n".join([message.title, *_lines(message)])
    text: dict[str, Any] = {"content": content}
    if message.mobile:
        text["mentioned_mobile_list"] = [message.mobile]
    return webhook_url, {"msgtype": "text", "text": text}


def feishu_request(
    webhook_url: str, secret: str, message: Message, now: float | None = None
) -> tuple[str, dict[str, Any]]:
    content: list[list[dict[str, str]]] = []
    if message.body:
        content.append([{"tag": "text", "text": message.body}])
    if message.link:
        content.append(
            [{"tag": "a", "text": message.link_text or message.link, "href": message.link}]
        )
    locale = "en_us" if message.language.startswith("en") else "zh_cn"
    payload: dict[str, Any] = {
        "msg_type": "post",
        "content": {"post": {locale: {"title": message.title, "content": content}}},
    }
    if secret:
        timestamp = int(now if now is not None else time.time())
        payload = {"timestamp": str(timestamp), "sign": feishu_sign(secret, timestamp), **payload}
    return webhook_url, payload


def build_request(
    channel: str, webhook_url: str, secret: str, message: Message
) -> tuple[str, dict[str, Any]]:
    if channel == RobotChannel.DINGTALK:
        return dingtalk_request(webhook_url, secret, message)
    if channel == RobotChannel.WECOM:
        return wecom_request(webhook_url, message)
    if channel == RobotChannel.FEISHU:
        return feishu_request(webhook_url, secret, message)
    raise SendError(f"unknown platform {channel}", retry=False)


def _platform_error(body: Any) -> str:
    """The platform's own refusal inside a 200 answer (DingTalk/WeCom ``errcode``, Feishu
    ``code`` or the older ``StatusCode``), or ""."""
    if not isinstance(body, dict):
        return ""
    for name in ("errcode", "code", "StatusCode"):
        value = body.get(name)
        if value not in (None, 0, "0"):
            detail = body.get("errmsg") or body.get("msg") or body.get("StatusMessage") or ""
            return f"{name} {value}: {detail}"
    return ""


def post_json(url: str, payload: dict[str, Any], *, timeout: float = TIMEOUT_SECONDS) -> None:
    """POST ``payload``; raises ``SendError`` for a network error, a timeout, an HTTP error
    or a platform error in the answer."""
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in {"http", "https"}:
        raise SendError(f"not a web address: {scheme or url[:40]}", retry=False)
    data = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise SendError(f"HTTP {exc.code}", retry=exc.code >= 500 or exc.code == 429) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SendError(f"network: {exc}") from exc
    try:
        body = json.loads(raw.decode() or "null")
    except ValueError:
        body = None
    problem = _platform_error(body)
    if problem:
        raise SendError(problem)


def send(channel: str, webhook_url: str, secret: str, message: Message) -> None:
    url, payload = build_request(channel, webhook_url, secret, message)
    post_json(url, payload)
