"""Contracts that import-linter cannot see: learning reaching up by name instead of by import.

import-linter (pyproject.toml, run by .ci/run) proves learning/ never *imports* courses, exams
or search. These tests catch the ways round it that broke the last round: loading an upper
app's model by its label, and recognising pages by their model names or undeclared attributes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

LEARNING = Path(__file__).resolve().parent.parent / "learning"
UPPER = "courses|exams|search"
UNDECLARED = "embedded_test|final_exam_id|lessons|completion_hours|credit_hours|study_kind|study_minutes"

RULES = [
    (r"get_model\(\s*['\"](" + UPPER + r")['\"]", "loads an upper app's model by label"),
    (r"['\"](" + UPPER + r")\.[A-Z]\w+['\"]", "names an upper app's model in a string"),
    (r"\bmodel_name\b", "recognises models by name"),
    (
        r"getattr\(\s*\w+,\s*['\"](" + UNDECLARED + r")['\"]",
        "reads a study-item attribute instead of learning.hours.items",
    ),
]


# The protocol's own module checks, when a model registers, that it declares what it must.
PROTOCOL = LEARNING / "hours" / "items.py"


def _sources() -> list[Path]:
    return [p for p in LEARNING.rglob("*.py") if "migrations" not in p.parts and p != PROTOCOL]


@pytest.mark.parametrize("pattern,why", RULES)
def test_learning_never_reaches_up_by_name(pattern, why):
    regex = re.compile(pattern)
    offenders = [
        f"{path.relative_to(LEARNING.parent)}:{n}: {line.strip()}"
        for path in _sources()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if regex.search(line)
    ]
    assert not offenders, f"learning/ {why}:\n" + "\n".join(offenders)
