"""Shared field rules of the goals models."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


def default_rule() -> dict[str, object]:
    return {"type": "linear", "floor": "0", "cap": "120"}
