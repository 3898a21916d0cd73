"""Decimal helpers shared by the scoring modules: rounding, plain formatting, parsing.

Scores are money-like: people add them up by hand and compare them with spreadsheets, so
all arithmetic is Decimal and every published number is rounded half-up once, at the end.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, ROUND_UP, Context, Decimal, InvalidOperation

from pms.scoring.errors import ScoringError

ZERO = Decimal(0)
HUNDRED = Decimal(100)


# Scoring a cycle rounds a few million times: the exponents and the usual 28-digit context
# are made once. A context's flags are the only thing a quantize changes on it, and nothing
# reads them.
_EXPONENTS = {places: Decimal(1).scaleb(-places) for places in range(8)}
_PRECISION = 28
_CONTEXT = Context(prec=_PRECISION)


def quantize(value: Decimal, places: int = 2, *, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round to ``places`` decimals without tripping over the default 28-digit precision.

    ``Decimal.quantize`` raises when the result needs more digits than the context allows,
    which a huge ratio (a tiny target) can reach; a context sized to the value avoids that.
    """
    digits = value.adjusted() + places + 2
    exponent = _EXPONENTS.get(places)
    if exponent is None:
        exponent = Decimal(1).scaleb(-places)
    context = _CONTEXT if digits <= _PRECISION else Context(prec=digits)
    return value.quantize(exponent, rounding=rounding, context=context)


def q2(value: Decimal) -> Decimal:
    """Two decimal places, half-up: the precision of every score and attainment."""
    return quantize(value, 2)


def q2_up(value: Decimal) -> Decimal:
    """Two decimal places, away from zero: a non-zero change never shows as 0.00."""
    return quantize(value, 2, rounding=ROUND_UP)


def q1(value: Decimal) -> Decimal:
    """One decimal place, half-up: coverage percentages."""
    return quantize(value, 1)


def plain(value: Decimal) -> str:
    """A Decimal as people write it: no exponent, trailing zeros kept ("80.00", "120")."""
    if not value:
        value = abs(value)  # never "-0"
    # str() is the same text, three times cheaper, unless it chose an exponent
    text = str(value)
    return text if "E" not in text else format(value, "f")


def normalized(value: Decimal) -> str:
    """A Decimal without trailing zeros and without exponent ("120", "0.5")."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def require_finite(value: Decimal, field: str) -> Decimal:
    if not value.is_finite():
        raise ScoringError("not_finite", {"field": field})
    return value


def to_decimal(value: object, field: str, extra: dict[str, str] | None = None) -> Decimal:
    """Read a number that arrived as int, float, str or Decimal (JSON, forms, spreadsheets).

    Floats go through ``str`` so 0.1 becomes Decimal("0.1"), not its binary expansion.
    Booleans are refused although ``bool`` is an ``int``: ``true`` is never a score.
    """
    params = {"field": field, **(extra or {})}
    if isinstance(value, bool):
        raise ScoringError("not_a_number", params)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | float):
        result = Decimal(str(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ScoringError("not_a_number", params) from None
    else:
        raise ScoringError("not_a_number", params)
    if not result.is_finite():
        raise ScoringError("not_a_number", params)
    return result
