"""The target responsibility letter (目标责任书) of a scorecard as a PDF.

The letter states who commits to what for which period: the company, the person and
their manager, every goal with its terms and scoring rule in words, the total weight, and
both signatures with their time and the fingerprint of the terms they acknowledged.

fpdf2 embeds the subset of the TrueType font that the letter uses, so the PDF shows
Chinese on any reader; the font comes from the server (``PMS_PDF_FONT``, by default
Debian's fonts-wqy-microhei), never from the internet.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from pms.goals.models import Direction, Goal, GoalKind, Scorecard, Signature, SignerRole
from pms.goals.rules import describe_rule
from pms.goals.services.scorecards import letter_fingerprint
from pms.org.models import Company
from pms.scoring.decimals import normalized

__all__ = ["DEFAULT_FONT", "LetterFontMissing", "font_path", "letter_filename", "letter_pdf"]

DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FONT = "letter"


class LetterFontMissing(ImproperlyConfigured):
    """The server has no font with Chinese glyphs where ``PMS_PDF_FONT`` says."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(
            _(
                "The font for PDF letters is missing: %(path)s. Install the Debian package "
                "fonts-wqy-microhei, or set PMS_PDF_FONT to a TrueType font with Chinese "
                "glyphs."
            )
            % {"path": path}
        )


def font_path() -> str:
    path = str(getattr(settings, "PMS_PDF_FONT", "") or DEFAULT_FONT)
    if not Path(path).is_file():
        raise LetterFontMissing(path)
    return path


@dataclass(frozen=True)
class _Column:
    title: str
    width: float


def _number(value: Decimal | None) -> str:
    return "" if value is None else normalized(value)


def _when(value: object) -> str:
    if value is None:
        return ""
    return date_format(timezone.localtime(value), "Y-m-d H:i")  # type: ignore[arg-type]


def _target(goal: Goal) -> str:
    if goal.target is None:
        return "—"
    unit = f" {goal.unit}" if goal.unit else ""
    if goal.target_max is not None:
        return f"{_number(goal.target)} – {_number(goal.target_max)}{unit}"
    if goal.direction == Direction.LOWER:
        return f"≤ {_number(goal.target)}{unit}"
    return f"{_number(goal.target)}{unit}"


def _weight(goal: Goal) -> str:
    if goal.weight is None:
        return "—"
    if goal.kind == GoalKind.KEY_RESULT:
        return _("%(weight)s%% of the objective") % {"weight": _number(goal.weight)}
    return f"{_number(goal.weight)}%"


def _rule(goal: Goal) -> str:
    if goal.kind == GoalKind.OBJECTIVE:
        return _("The weighted score of its key results")
    return describe_rule(goal.scoring_rule)


def _goal_cells(number: str, goal: Goal) -> list[str]:
    title = goal.title
    if goal.metric and goal.metric != goal.title:
        title += f"\n{_('Metric')}: {goal.metric}"
    if goal.baseline is not None:
        title += f"\n{_('Baseline')}: {_number(goal.baseline)}"
    return [
        number,
        goal.get_kind_display(),
        title,
        _weight(goal),
        _target(goal),
        goal.due_date.isoformat() if goal.due_date else "—",
        goal.completion_standard or "—",
        _rule(goal),
    ]


def _ordered(goals: list[Goal]) -> list[tuple[str, Goal]]:
    """Goals numbered 1, 2 … with key results as 2.1, 2.2 under their objective."""
    top = [g for g in goals if g.kind != GoalKind.KEY_RESULT]
    children: dict[int, list[Goal]] = {}
    for goal in goals:
        if goal.kind == GoalKind.KEY_RESULT and goal.parent_id is not None:
            children.setdefault(goal.parent_id, []).append(goal)
    ordered: list[tuple[str, Goal]] = []
    for index, goal in enumerate(top, start=1):
        ordered.append((str(index), goal))
        for sub, key_result in enumerate(children.get(goal.pk, []), start=1):
            ordered.append((f"{index}.{sub}", key_result))
    return ordered


class _Letter(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="landscape", unit="mm", format="A4")
        self.footer_text = footer_text

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(110)
        self.cell(0, 6, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0)


def letter_filename(scorecard: Scorecard) -> str:
    return f"{_('target-letter')}-{scorecard.employee.number}-{scorecard.period.name}.pdf"


def letter_pdf(scorecard: Scorecard) -> bytes:
    """The letter of the scorecard's current edition (a few queries for goals, signatures
    and the company)."""
    path = font_path()
    employee, period = scorecard.employee, scorecard.period
    goals = list(
        scorecard.goals.filter(is_active=True).select_related("parent").order_by("sort_order", "id")
    )
    signatures: dict[str, Signature] = {
        s.role: s for s in scorecard.signatures.filter(version=scorecard.version)
    }
    company = Company.objects.filter(pk=employee.department.company_id).first()
    fingerprint = letter_fingerprint(scorecard, goals)
    title = _("Target responsibility letter")

    pdf = _Letter(
        footer_text=_("%(title)s · %(name)s · %(period)s · edition %(version)s")
        % {
            "title": title,
            "name": employee.name,
            "period": period.name,
            "version": scorecard.version,
        }
    )
    pdf.add_font(FONT, "", path)
    pdf.set_title(f"{title} · {employee.name} · {period.name}")
    pdf.set_subject(f"{employee.number} {employee.name}")
    pdf.set_author(company.name if company else "")
    pdf.set_creator("绩效 Jixiao")
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_margins(12, 12, 12)
    pdf.add_page()

    pdf.set_font(FONT, size=18)
    pdf.cell(0, 10, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=11)
    if company is not None:
        pdf.cell(0, 7, company.name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    pdf.set_font(FONT, size=10)
    manager = employee.manager
    facts = [
        (_("Period"), f"{period.name} ({period.start.isoformat()} – {period.end.isoformat()})"),
        (_("Employee"), f"{employee.name} ({employee.number})"),
        (_("Department"), employee.department.name),
        (_("Position"), employee.position.title if employee.position else "—"),
        (_("Direct manager"), f"{manager.name} ({manager.number})" if manager else "—"),
        (_("Status"), scorecard.get_status_display()),
    ]
    with pdf.table(
        col_widths=(35, 100, 35, 100),
        first_row_as_headings=False,
        text_align="LEFT",
        line_height=6,
        borders_layout="NONE",
    ) as table:
        for left, right in zip(facts[0::2], facts[1::2], strict=True):
            row = table.row()
            for label, value in (left, right):
                row.cell(label + ":", style=FontFace(color=90))
                row.cell(value)
    pdf.ln(3)

    columns = [
        _Column(_("No."), 10),
        _Column(_("Kind"), 20),
        _Column(_("Goal"), 62),
        _Column(_("Weight"), 16),
        _Column(_("Target"), 30),
        _Column(_("Due date"), 22),
        _Column(_("Completion standard"), 52),
        _Column(_("Scoring rule"), 61),
    ]
    heading = FontFace(emphasis="", fill_color=(235, 238, 243))
    with pdf.table(
        col_widths=tuple(c.width for c in columns),
        text_align="LEFT",
        line_height=5.5,
        headings_style=heading,
        padding=1.2,
    ) as table:
        table.row([c.title for c in columns])
        for number, goal in _ordered(goals):
            table.row(_goal_cells(number, goal))
    total = sum(
        (g.weight for g in goals if g.kind != GoalKind.KEY_RESULT and g.weight is not None),
        Decimal(0),
    )
    pdf.ln(2)
    pdf.cell(
        0,
        7,
        _("Total weight: %(total)s%%") % {"total": _number(total)},
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    pdf.multi_cell(
        0,
        5.5,
        align="L",
        text=_(
            "By signing, the employee and the manager confirm the goals, weights, targets and "
            "scoring rules above for this period. Agreed goals change only through an approved "
            "adjustment, which asks both to sign again."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)

    sides = [
        (SignerRole.EMPLOYEE, _("Employee (signature)"), employee.name),
        (SignerRole.MANAGER, _("Manager (signature)"), manager.name if manager else ""),
    ]
    with pdf.table(
        col_widths=(60, 70, 143),
        text_align="LEFT",
        line_height=6,
        headings_style=heading,
        padding=1.2,
    ) as table:
        table.row([_("Signed as"), _("Name and time"), _("Fingerprint of the terms signed")])
        for role, label, expected in sides:
            signature = signatures.get(role)
            if signature is None:
                table.row([label, expected or "—", _("Not signed yet")])
                continue
            note = signature.content_hash
            if signature.content_hash != fingerprint:
                note += "\n" + _("The terms have changed since this signature.")
            table.row([label, f"{signature.signer_name}\n{_when(signature.signed_at)}", note])
    pdf.ln(3)
    pdf.set_font(FONT, size=8)
    pdf.multi_cell(
        0,
        4.5,
        align="L",
        text=_("Fingerprint of these terms (SHA-256): %(hash)s · printed %(now)s")
        % {"hash": fingerprint, "now": _when(timezone.now())},
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
