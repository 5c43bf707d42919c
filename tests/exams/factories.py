"""Small builders for exam tests: a bank with every type, papers and exam pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from exams.choices import PaperMode, QuestionType
from exams.models import (
    ExamIndexPage,
    ExamPage,
    KnowledgePoint,
    Paper,
    PaperQuestion,
    PaperRule,
    Question,
    QuestionBank,
)

S, M, T, B, E = (
    QuestionType.SINGLE,
    QuestionType.MULTIPLE,
    QuestionType.TRUE_FALSE,
    QuestionType.BLANK,
    QuestionType.ESSAY,
)


def make_question(bank: QuestionBank, qtype: str, stem: str, options=None, answer=None, **extra) -> Question:
    defaults = {S: "B", M: ["A", "C"], T: True, B: [["甲", "甲方"], ["乙"]], E: "参考要点"}
    options = options if options is not None else (["选项一", "选项二", "选项三", "选项四"] if qtype in (S, M) else [])
    kps = extra.pop("knowledge_points", [])
    q = Question.objects.create(
        bank=bank,
        qtype=qtype,
        stem=stem,
        options=options,
        answer=defaults[qtype] if answer is None else answer,
        **extra,
    )
    for name in kps:
        q.knowledge_points.add(KnowledgePoint.objects.get_or_create(name=name)[0])
    return q


def make_bank(name: str = "测试题库") -> tuple[QuestionBank, dict[str, Question]]:
    bank = QuestionBank.objects.create(name=name)
    qs = {
        "single": make_question(bank, S, "单选题题干", explanation="单选解析SECRET-EXPL"),
        "multiple": make_question(bank, M, "多选题题干"),
        "truefalse": make_question(bank, T, "判断题题干"),
        "blank": make_question(bank, B, "填空题题干（ ）和（ ）"),
        "essay": make_question(bank, E, "简答题题干", points=Decimal("5")),
    }
    return bank, qs


def fixed_paper(questions: list[Question], name: str = "固定试卷") -> Paper:
    paper = Paper.objects.create(name=name, mode=PaperMode.FIXED)
    for i, q in enumerate(questions):
        PaperQuestion.objects.create(paper=paper, question=q, sort_order=i)
    return paper


def rule_paper(rules: list[dict], banks: list[QuestionBank] | None = None, kps=None) -> Paper:
    paper = Paper.objects.create(name="规则试卷", mode=PaperMode.RULES)
    for i, spec in enumerate(rules):
        rule = PaperRule.objects.create(paper=paper, sort_order=i, **spec)
        if banks:
            rule.banks.set(banks)
        if kps:
            rule.knowledge_points.set(kps)
        rule.save()  # ParentalManyToManyField values are written on save
    return paper


def exam_index(home) -> ExamIndexPage:
    index = ExamIndexPage.objects.first()
    if index is None:
        index = home.add_child(instance=ExamIndexPage(title="在线考试", slug="exams"))
    return index


_n = iter(range(1, 10_000))


def make_exam(home, paper: Paper, **fields) -> ExamPage:
    now = timezone.now()
    n = next(_n)
    values = {
        "title": f"测试考试{n}",
        "slug": f"exam-{n}",
        "paper": paper,
        "opens_at": now - dt.timedelta(hours=1),
        "closes_at": now + dt.timedelta(days=1),
        "time_limit_minutes": 30,
        "max_attempts": 1,
        "credit_hours": Decimal("2"),
    }
    audience_orgs = fields.pop("audience_organizations", None)
    audience_members = fields.pop("audience_members", None)
    values.update(fields)
    exam = exam_index(home).add_child(instance=ExamPage(**values))
    if audience_orgs:
        exam.audience_organizations.set(audience_orgs)
    if audience_members:
        exam.audience_members.set(audience_members)
    if audience_orgs or audience_members:
        exam.save()
    return ExamPage.objects.get(pk=exam.pk)


def correct_response(item) -> object:
    q = item.question
    if q.qtype == B:
        return [accepted[0] for accepted in q.answer]
    if q.qtype == E:
        return "我的回答"
    return q.answer
