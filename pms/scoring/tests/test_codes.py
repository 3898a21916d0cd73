"""Every code the package can emit is listed, so the Django layer can translate each one.

The source is read rather than exercised: a code on a rare branch that no example reaches
is still caught. Codes must be string literals at the call site for the same reason.
"""

from __future__ import annotations

import ast
import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest

import pms.scoring
from pms.scoring.errors import ERROR_CODES, ScoringError
from pms.scoring.smart import FINDING_CODES
from pms.scoring.steps import ATTAINMENT_METHODS, STEP_CODES

PACKAGE = Path(pms.scoring.__file__).parent
SOURCES = sorted(PACKAGE.glob("*.py"))

# Call name → the tuple its first argument (the code) must belong to. In smart.py findings
# are made through the local ``flag`` helper.
LISTS = {"ScoringError": ERROR_CODES, "Step": STEP_CODES, "flag": FINDING_CODES}


def calls(name: str) -> Iterator[tuple[Path, ast.Call]]:
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name:
                yield path, node


def literal_code(path: Path, call: ast.Call) -> str:
    argument = (
        call.args[0] if call.args else next(k.value for k in call.keywords if k.arg == "code")
    )
    assert isinstance(argument, ast.Constant), f"{path.name}:{call.lineno} code is not a literal"
    assert isinstance(argument.value, str)
    return argument.value


@pytest.mark.parametrize("name", sorted(LISTS))
def test_every_code_used_is_listed_and_every_listed_code_is_used(name: str) -> None:
    used = {literal_code(path, call) for path, call in calls(name)}
    assert used, name
    assert used <= set(LISTS[name]), used - set(LISTS[name])
    assert set(LISTS[name]) <= used, set(LISTS[name]) - used


def test_attainment_methods_are_listed() -> None:
    # the private helpers return (method, value) pairs
    tree = ast.parse((PACKAGE / "attainment.py").read_text(encoding="utf-8"))
    returned = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
            method = node.value.elts[0]
            if isinstance(method, ast.Constant):
                returned.add(method.value)
    assert returned == set(ATTAINMENT_METHODS)


def test_findings_are_only_made_through_flag() -> None:
    made = [(path.name, call.lineno) for path, call in calls("Finding")]
    assert len(made) == 1
    assert made[0][0] == "smart.py"


@pytest.mark.parametrize("codes", [ERROR_CODES, STEP_CODES, FINDING_CODES, ATTAINMENT_METHODS])
def test_code_lists_have_no_duplicates(codes: tuple[str, ...]) -> None:
    assert len(codes) == len(set(codes))


def test_the_package_imports_nothing_from_django() -> None:
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(name.split(".")[0] == "django" for name in names), path.name


def test_errors_keep_code_and_params_through_pickling() -> None:
    error = ScoringError("negative", {"field": "cap"})
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301  # our own object, round-tripped
    assert (copy.code, copy.params, str(copy)) == (
        "negative",
        {"field": "cap"},
        "negative (field=cap)",
    )
