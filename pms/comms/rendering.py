"""A notification's words: the event's title and body templates filled from its parameters,
in the active language (the reader's page) or in a recipient's language (e-mail, chat)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.utils import translation

from pms.comms.events import event_or_none


class _Params(dict[str, Any]):
    """Parameters for ``%``-formatting: a missing one shows as empty, never an error (an
    event's template may gain a parameter that older notifications lack)."""

    def __missing__(self, key: str) -> str:
        return ""


def _fill(template: object, params: Mapping[str, Any]) -> str:
    text = str(template)
    try:
        return text % _Params(params)
    except (TypeError, ValueError):
        return text


def render_title(event: str, params: Mapping[str, Any]) -> str:
    found = event_or_none(event)
    if found is None:
        return event
    return _fill(found.title, params)


def render_body(event: str, params: Mapping[str, Any]) -> str:
    found = event_or_none(event)
    if found is None:
        return ""
    return _fill(found.body, params)


def language_of(language: str) -> str:
    """The language to write in: the person's choice, else the site's default."""
    known = {code for code, _ in settings.LANGUAGES}
    return language if language in known else settings.LANGUAGE_CODE


@contextmanager
def in_language(language: str) -> Iterator[None]:
    with translation.override(language_of(language)):
        yield
