"""How anonymous upward feedback stays anonymous (the same rule as reviews: shown only
aggregated, at least k people).

- No author is stored. An anonymous item keeps only ``author_token``, a keyed hash
  (HMAC-SHA256 with ``PMS_ANONYMITY_KEY``, default the site's ``SECRET_KEY``) of author,
  receiver and window. It enforces one anonymous item per person, manager and window, so
  that k items are k different people; it cannot be turned back into a person without the
  key, and nothing in the application tries.
- Items count in a window: the calendar quarter (in the company's time zone) they were
  written in. Their ``created_at`` is set to the start of that quarter, so no time is kept
  that could be matched to somebody's activity.
- The manager (and HR in scope) see a window's items only in complete groups of k, oldest
  first: with n items, the first ``k * (n // k)`` are shown, the rest wait for more. Each
  new group therefore adds at least k comments at once, and nobody learns which of them
  is new by comparing two visits. Comments are shown shuffled, labelled with the window
  only (a month per comment could single one out inside a group).
- k is ``settings.PMS_ANONYMITY_MIN`` (default 3), never below 2.
- The audit entry of an anonymous item is written by the daily job with the system as
  actor, in a random order, so the audit log's exact times reveal nothing either; the
  manager is told "new anonymous upward feedback" by the same job once a new group is
  complete, with no details.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.utils import timezone


def anonymity_min() -> int:
    """k: the fewest people whose anonymous input may be shown together."""
    value = getattr(settings, "PMS_ANONYMITY_MIN", 3)
    try:
        k = int(value)
    except (TypeError, ValueError):
        k = 3
    return max(2, k)


def window_of(moment: dt.datetime) -> str:
    """The quarter ``moment`` falls in, in the company's time zone: "2026Q1"."""
    day = timezone.localtime(moment).date()
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def window_start(window: str) -> dt.datetime:
    """The first moment of a window (aware, company time zone)."""
    year, quarter = int(window[:4]), int(window[5:])
    day = dt.date(year, 3 * (quarter - 1) + 1, 1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def window_label(window: str) -> str:
    """ "2026 Q1" for people (quarters read the same in Chinese and English)."""
    return f"{window[:4]} Q{window[5:]}" if len(window) == 6 else window


def author_token(*, author_id: int, receiver_id: int, window: str) -> str:
    key = str(getattr(settings, "PMS_ANONYMITY_KEY", "") or settings.SECRET_KEY).encode()
    message = f"feedback-anonymous:{author_id}:{receiver_id}:{window}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def released_count(total: int, k: int | None = None) -> int:
    """How many of a window's ``total`` items may be shown: whole groups of k."""
    k = k or anonymity_min()
    return (total // k) * k
