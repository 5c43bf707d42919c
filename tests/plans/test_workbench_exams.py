"""The secretary's roster counts exams taken (submitted attempts) next to exams passed."""

import io

import pytest
from openpyxl import load_workbook

from exams.services import save_answer, start_attempt, submit_attempt
from tests.exams.factories import fixed_paper, make_bank, make_exam

pytestmark = pytest.mark.django_db


def test_the_roster_shows_exams_taken_and_passed(client, world, site):
    _bank, questions = make_bank()
    exam = make_exam(site, fixed_paper([questions["single"]]), pass_percent=60)
    attempt = start_attempt(exam, world.member_a1)
    item = attempt.items.get()
    save_answer(attempt.pk, world.member_a1, item.pk, "A")  # the key is B: a failed exam, but taken
    submit_attempt(attempt)
    start_attempt(exam, world.secretary_a1)  # started, never submitted: not taken yet

    client.force_login(world.secretary_a1.user)
    response = client.get(f"/workbench/branch/{world.branch_a1.pk}/")
    rows = {r.name: r for r in response.context["rows"]}
    assert (rows["甲一党员"].exams_taken, rows["甲一党员"].exams_passed) == (1, 0)
    assert rows[world.secretary_a1.name].exams_taken == 0
    assert "1/0" in response.content.decode()

    export = client.get(f"/workbench/branch/{world.branch_a1.pk}/export.xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).active
    header = [c.value for c in sheet[1]]
    by_name = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert by_name["甲一党员"][header.index("参加考试数")] == 1
    assert by_name["甲一党员"][header.index("通过考试数")] == 0
