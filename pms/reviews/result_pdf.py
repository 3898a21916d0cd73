"""A printable review result (考核结果) as a PDF.

It prints what the result page shows the person printing it: the score and grade, the
sections, "how was this computed" in sentences, the goals table, anonymous rater types
only as their released aggregates (``selectors.anonymity``: k and the phase applied, no
names, no times), and the named ratings that person may read. The font is the CJK font of
the target letter (``pms.goals.letter.font_path``: ``PMS_PDF_FONT``), embedded as a
subset, never fetched.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from pms.goals.letter import font_path
from pms.reviews.selectors.results import ResultPage

__all__ = ["result_filename", "result_pdf"]

FONT = "result"
_HEADING = FontFace(emphasis="", fill_color=(235, 238, 243))


class _Document(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(110)
        self.cell(0, 6, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0)


def result_filename(page: ResultPage) -> str:
    review = page.review
    return f"{_('review-result')}-{review.employee.number}-{review.cycle.name}.pdf"


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(2)
    pdf.set_font(FONT, size=12)
    pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)


def _lines(pdf: FPDF, lines: list[str]) -> None:
    for line in lines:
        pdf.multi_cell(0, 5, text=f"· {line}", new_x="LMARGIN", new_y="NEXT")


def result_pdf(page: ResultPage) -> bytes:
    """The result as ``page`` (shaped for the person printing) holds it."""
    path = font_path()
    review = page.review
    employee = review.employee
    title = _("Review result")
    pdf = _Document(
        footer_text=_("%(title)s · %(name)s · %(cycle)s")
        % {"title": title, "name": employee.name, "cycle": review.cycle.name}
    )
    pdf.add_font(FONT, "", path)
    pdf.set_title(f"{title} · {employee.name} · {review.cycle.name}")
    pdf.set_creator("绩效 Jixiao")
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_margins(14, 14, 14)
    pdf.add_page()
    pdf.set_font(FONT, size=16)
    pdf.cell(0, 10, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)

    explained = page.explained
    facts = [
        (_("Cycle"), review.cycle.name),
        (_("Employee"), f"{employee.name} ({employee.number})"),
        (_("Department"), review.department.name),
        (_("Position"), review.position.title if review.position else "—"),
    ]
    if explained is not None:
        state = _("final") if explained.complete else _("provisional: not everything is in yet")
        facts += [
            (_("Score"), "—" if explained.score is None else str(explained.score)),
            (_("Grade"), explained.grade or "—"),
            (_("Status"), state + (" · " + _("frozen") if explained.frozen else "")),
        ]
    with pdf.table(
        col_widths=(35, 147),
        first_row_as_headings=False,
        text_align="LEFT",
        line_height=5.5,
        borders_layout="NONE",
    ) as table:
        for label, value in facts:
            row = table.row()
            row.cell(label + ":", style=FontFace(color=90))
            row.cell(value)

    if explained is None:
        pdf.ln(4)
        pdf.multi_cell(0, 6, text=_("No result has been computed yet."))
        return bytes(pdf.output())
    if explained.error:
        pdf.ln(2)
        pdf.multi_cell(0, 6, text=_("No score: %(reason)s") % {"reason": explained.error})

    _heading(pdf, _("Sections"))
    with pdf.table(
        col_widths=(92, 30, 30, 30),
        text_align="LEFT",
        line_height=5.5,
        headings_style=_HEADING,
        padding=1.2,
    ) as table:
        table.row([_("Section"), _("Weight"), _("Score"), _("Rater types")])
        for section in explained.sections:
            kinds = ", ".join(
                f"{t.label} {t.count}" + (f" · {t.mean}" if t.mean is not None else "")
                for t in section.types
                if t.count
            )
            table.row([section.title, f"{section.weight}%", section.score or "—", kinds or "—"])

    goals = [goal for section in explained.sections for goal in section.goals]
    if goals:
        _heading(pdf, _("Goal results"))
        with pdf.table(
            col_widths=(56, 16, 28, 24, 22, 18, 18),
            text_align="LEFT",
            line_height=5,
            headings_style=_HEADING,
            padding=1,
        ) as table:
            table.row(
                [
                    _("Goal"),
                    _("Weight"),
                    _("Target"),
                    _("Actual"),
                    _("Attainment"),
                    _("Score"),
                    _("Vetoed"),
                ]
            )
            for goal in goals:
                table.row(
                    [
                        f"{goal.title}\n{goal.rule}",
                        f"{goal.weight}%" if goal.weight else "—",
                        goal.target,
                        f"{goal.actual} {goal.unit}" if goal.actual is not None else "—",
                        f"{goal.attainment}%" if goal.attainment is not None else "—",
                        goal.score or "—",
                        _("yes") if goal.vetoed else "",
                    ]
                )

    _heading(pdf, _("How was this computed?"))
    for section in explained.sections:
        pdf.set_font(FONT, size=10)
        pdf.cell(0, 6, section.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=9)
        _lines(pdf, section.sentences)
        for goal in section.goals:
            _lines(pdf, [f"{goal.title}: {s}" for s in goal.sentences])
    pdf.set_font(FONT, size=10)
    pdf.cell(0, 6, _("Total and grade"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    _lines(pdf, explained.sentences)

    ratings = page.ratings
    if ratings.anonymous:
        _heading(pdf, _("Anonymous ratings (aggregated)"))
        for kind in ratings.anonymous:
            pdf.set_font(FONT, size=10)
            pdf.cell(
                0,
                6,
                _("%(type)s: %(submitted)s of %(asked)s answered")
                % {"type": kind.label, "submitted": kind.submitted, "asked": kind.asked},
                new_x="LMARGIN",
                new_y="NEXT",
            )
            pdf.set_font(FONT, size=9)
            if not kind.released:
                pdf.multi_cell(
                    0, 5, text=_("Not enough answers to show."), new_x="LMARGIN", new_y="NEXT"
                )
                continue
            for aggregate in kind.sections:
                for item in aggregate.items:
                    if item.shown:
                        spread = ", ".join(f"{label}: {n}" for label, n in item.distribution)
                        text = _("%(item)s: average %(mean)s points (%(spread)s)") % {
                            "item": item.title,
                            "mean": item.mean,
                            "spread": spread,
                        }
                    else:
                        text = _("%(item)s: not enough answers to show") % {"item": item.title}
                    _lines(pdf, [text])
                    _lines(pdf, [f"“{comment}”" for comment in item.comments])
            _lines(pdf, [f"“{comment}”" for comment in kind.comments])
    if ratings.named:
        _heading(pdf, _("Named ratings"))
        for rating in ratings.named:
            pdf.set_font(FONT, size=10)
            pdf.cell(0, 6, f"{rating.label} · {rating.rater_name}", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(FONT, size=9)
            for section_title, answers in rating.sections:
                _lines(
                    pdf,
                    [
                        f"{section_title} · {a.title}: {a.value}"
                        + (f" — {a.comment}" if a.comment else "")
                        for a in answers
                    ],
                )
            if rating.overall_comment:
                _lines(pdf, [rating.overall_comment])
    pdf.ln(3)
    pdf.set_font(FONT, size=7)
    pdf.cell(
        0,
        5,
        _("Printed %(now)s") % {"now": date_format(timezone.localdate(), "Y-m-d")},
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
