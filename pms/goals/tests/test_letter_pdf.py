"""The target responsibility letter as PDF: a real PDF with an embedded Chinese font
subset, the person, the goals and their terms, the signatures — for the users who may see
the scorecard; others get 404, and a missing font gets a clear message."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from pms.core.audit import Actor
from pms.goals.letter import DEFAULT_FONT, LetterFontMissing, font_path, letter_pdf
from pms.goals.models import Period, SignerRole
from pms.goals.services import scorecards as services
from pms.goals.tests import factories
from pms.org.tests.factories import TestOrg

pytestmark = pytest.mark.django_db

Clients = Callable[[str], Client]


ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(literal: bytes) -> bytes:
    """A PDF literal string's bytes: \\n, \\(, \\ddd (octal) … resolved."""

    def one(match: re.Match[bytes]) -> bytes:
        code = match.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8)])
        return ESCAPES.get(code, code)

    return re.sub(rb"\\([nrtbf()\\]|[0-7]{1,3})", one, literal)


def pdf_text(pdf: bytes) -> str:
    """The text drawn in a PDF written by fpdf2 with an embedded TrueType subset: glyph ids
    in the page streams, mapped back to characters through the font's ToUnicode map."""
    streams = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            streams.append(zlib.decompress(match.group(1)))
        except zlib.error:
            streams.append(match.group(1))
    glyphs: dict[int, str] = {}
    for stream in streams:
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
            for glyph, code in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                glyphs[int(glyph, 16)] = bytes.fromhex(code.decode()).decode("utf-16-be")
    lines = []
    for stream in streams:
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", stream, re.S):
            raw = _unescape(literal)
            ids = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw) - 1, 2)]
            lines.append("".join(glyphs.get(glyph, "?") for glyph in ids))
    return "\n".join(lines)


@pytest.fixture
def period() -> Period:
    return factories.period("2026年度")


def test_the_letter_is_a_pdf_with_the_person_goals_and_signatures(
    org: TestOrg, period: Period, client_for: Clients
) -> None:
    card = factories.agreed_scorecard(org.employee, period, Actor(user=org.manager.user))
    services.scorecard_sign(
        actor=Actor(user=org.employee.user), scorecard=card, role=SignerRole.EMPLOYEE
    )

    response = client_for("employee").get(reverse("goals:letter", args=[card.uuid]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "inline; filename*=UTF-8''" in response["Content-Disposition"]
    content = response.content
    assert content.startswith(b"%PDF-")
    assert b"/FontFile2" in content  # the font is embedded
    assert re.search(rb"/BaseFont /[A-Z]{6}\+WenQuanYi", content)  # as a subset
    text = pdf_text(content)
    assert "陈员工" in text
    assert "E0004" in text
    assert "张经理" in text
    assert "销售一部" in text
    assert "销售额达到500万元" in text
    assert "Q3前完成X产品V2.0上线" in text
    assert "3轮用户测试且Bug率≤0.3%" in text
    assert "Total weight: 100%" in text
    assert "Not signed yet" in text  # the manager's side
    assert services.letter_fingerprint(card)[:20] in text.replace("\n", "")


@pytest.mark.parametrize(
    ("persona", "status"), [("manager", 200), ("hrbp", 200), ("peer", 404), ("outsider", 404)]
)
def test_the_letter_is_for_those_who_see_the_scorecard(
    org: TestOrg, period: Period, client_for: Clients, persona: str, status: int
) -> None:
    card = factories.agreed_scorecard(org.employee, period, Actor(user=org.manager.user))

    response = client_for(persona).get(reverse("goals:letter", args=[card.uuid]))

    assert response.status_code == status


def test_the_letter_needs_a_sign_in(org: TestOrg, period: Period) -> None:
    card = factories.complete_scorecard(org.employee, period)

    response = Client().get(reverse("goals:letter", args=[card.uuid]))

    assert response.status_code == 302


def test_the_rule_is_written_out_in_words(org: TestOrg, period: Period) -> None:
    card = factories.complete_scorecard(org.employee, period)

    text = pdf_text(letter_pdf(card))

    assert "Linear: score = attainment, between 0 and 120" in text.replace("\n", " ")
    assert "Not signed yet" in text


def test_a_missing_font_is_a_clear_message(
    org: TestOrg, period: Period, client_for: Clients, settings: object, tmp_path: object
) -> None:
    settings.PMS_PDF_FONT = "/nowhere/font.ttc"  # type: ignore[attr-defined]
    card = factories.complete_scorecard(org.employee, period)

    response = client_for("employee").get(reverse("goals:letter", args=[card.uuid]))
    with pytest.raises(LetterFontMissing, match="fonts-wqy-microhei"):
        font_path()

    assert response.status_code == 503
    assert "/nowhere/font.ttc" in response.content.decode()


def test_the_default_font_is_debians_wenquanyi(settings: object) -> None:
    assert DEFAULT_FONT == "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
    assert font_path() == DEFAULT_FONT
