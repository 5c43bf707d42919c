"""Demo question bank and exams, written by the project (no copied text).

- 题库“机关学习平台演示题库”: questions of every type about using this platform
  and everyday office work;
- “平台使用知识测试”: a rule-based exam open to every demo member for 30 days;
- “上月业务知识测验”: a closed exam with graded attempts, so statistics have data.

Idempotent: pages are looked up by slug, the bank by name.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from courses.models import HomePage
from exams.choices import AttemptStatus, Layout, PaperMode, QuestionType, ReviewLevel, ReviewWhen
from exams.importers.base import ParsedQuestion, save_questions
from exams.models import ExamIndexPage, ExamPage, Paper, PaperQuestion, PaperRule, Question, QuestionBank
from learning.members.models import Member

BANK_NAME = "机关学习平台演示题库"
S, M, T, B, E = (
    QuestionType.SINGLE,
    QuestionType.MULTIPLE,
    QuestionType.TRUE_FALSE,
    QuestionType.BLANK,
    QuestionType.ESSAY,
)

# (type, stem, options, answer, explanation, difficulty, knowledge points)
QUESTIONS = [
    (
        S,
        "在本平台中，学时记录由什么统一写入？",
        ["统一的学时记账入口", "每个页面各自写表", "党员本人手工填写", "年底一次性补录"],
        "A",
        "所有模块都通过同一个记账入口记学时，同一成果不会重复计入。",
        1,
        ["平台使用"],
    ),
    (
        S,
        "考试答题过程中浏览器意外关闭，再次打开后会怎样？",
        ["答案全部丢失", "从上次保存处继续作答", "必须重新开始考试", "自动判为零分"],
        "B",
        "每道题作答后都会自动保存，换设备或刷新后可继续作答。",
        1,
        ["平台使用", "在线考试"],
    ),
    (
        S,
        "支部书记在平台上可以查看哪些党员的学习情况？",
        ["全市所有党员", "本支部党员", "任意选择的党员", "只能看自己"],
        "B",
        "支部书记管理本支部，组织员管理所负责的组织及其下级。",
        2,
        ["组织管理"],
    ),
    (
        S,
        "会议纪要初稿完成后，下一步最恰当的做法是？",
        ["直接印发", "请参会的主要发言人核对", "存档不再处理", "只口头通知"],
        "B",
        "纪要应经核对后再按程序印发，确保内容准确。",
        2,
        ["办公实务"],
    ),
    (
        S,
        "下列哪一项最能体现“学用结合”？",
        ["只背诵要点", "把学习体会用于改进本职工作", "只参加线上考试", "抄写学习笔记"],
        "B",
        "学习的目的在于指导实践、推动工作。",
        1,
        ["学习方法"],
    ),
    (
        S,
        "处理群众来信时，首先应当做的是？",
        ["登记并明确承办责任", "先放一放再说", "直接转给来信人单位", "只回复收到"],
        "A",
        "来信先登记、明确责任和时限，才能件件有着落。",
        2,
        ["办公实务"],
    ),
    (
        M,
        "以下哪些是本平台支持的题型？",
        ["单选题", "多选题", "连线题", "填空题", "简答题"],
        ["A", "B", "D", "E"],
        "平台支持单选、多选、判断、填空和简答五种题型。",
        1,
        ["平台使用", "在线考试"],
    ),
    (
        M,
        "制定个人年度学习计划时应考虑哪些方面？",
        ["岗位职责的需要", "支部的学习安排", "可用的学习时间", "同事的考试成绩"],
        ["A", "B", "C"],
        "计划要结合岗位、组织安排和自身时间。",
        2,
        ["学习方法"],
    ),
    (
        M,
        "组织一次集中学习，会前需要准备的有？",
        ["确定学习主题", "准备学习材料", "通知参学人员", "提前公布考试答案"],
        ["A", "B", "C"],
        "会前准备包括主题、材料和人员通知。",
        2,
        ["组织管理"],
    ),
    (
        M,
        "公文办理中，属于收文办理环节的有？",
        ["签收", "登记", "拟办", "用印"],
        ["A", "B", "C"],
        "用印属于发文环节。",
        3,
        ["办公实务"],
    ),
    (T, "在线考试交卷后，仍然可以修改已提交的答案。", [], False, "交卷后答卷锁定，不能修改。", 1, ["在线考试"]),
    (T, "参加考试时切换到其他页面，系统会记录切屏次数。", [], True, "切屏会被记录，组织员可以看到。", 1, ["在线考试"]),
    (T, "学习笔记只要字数足够，内容可以与学习材料无关。", [], False, "笔记应围绕所学内容，联系实际。", 1, ["学习方法"]),
    (
        T,
        "党员组织关系转接后，之前取得的学时记录仍然保留。",
        [],
        True,
        "学时记录保存在学习档案中，不因转接而丢失。",
        2,
        ["组织管理"],
    ),
    (
        B,
        "本平台的两类课程是理论学习资料和（　　）课程。",
        [],
        [["业务培训", "业务培训课程"]],
        "平台提供理论学习资料和业务培训课程。",
        1,
        ["平台使用"],
    ),
    (
        B,
        "组织的层级依次为党委、（　　）、（　　）。",
        [],
        [["党总支", "总支"], ["党支部", "支部"]],
        "本平台的组织树为党委、党总支、党支部。",
        2,
        ["组织管理"],
    ),
    (
        B,
        "考试答题时，每道题作答后系统会显示“（　　）”。",
        [],
        [["已保存"]],
        "自动保存成功后显示已保存。",
        1,
        ["在线考试"],
    ),
    (
        E,
        "请结合本职工作，简述如何把学习成果转化为工作成效。",
        [],
        "要点：明确问题导向；把学习要求细化为工作措施；定期回顾成效并改进。",
        "言之有理、联系实际即可得分。",
        3,
        ["学习方法"],
    ),
    (
        E,
        "请简述组织一次支部集中学习的主要步骤。",
        [],
        "要点：确定主题和材料；通知人员；组织学习和交流；做好记录；会后督促落实。",
        "步骤完整、顺序合理即可。",
        2,
        ["组织管理"],
    ),
]


def _bank() -> QuestionBank:
    bank, _ = QuestionBank.objects.get_or_create(
        name=BANK_NAME, defaults={"description": "演示用题库，涵盖全部五种题型"}
    )
    if not bank.questions.exists():
        parsed = [
            ParsedQuestion(
                number=i,
                qtype=qtype,
                stem=stem,
                options=list(options),
                answer=answer,
                explanation=explanation,
                points=Decimal("2") if qtype != E else Decimal("10"),
                difficulty=difficulty,
                knowledge_points=kps,
            )
            for i, (qtype, stem, options, answer, explanation, difficulty, kps) in enumerate(QUESTIONS, start=1)
        ]
        result = save_questions(bank, parsed)
        if not result.ok:
            raise RuntimeError("；".join(result.errors))
    return bank


def _rule_paper(bank: QuestionBank) -> Paper:
    paper = Paper.objects.filter(name="平台使用知识测试（随机抽题）").first()
    if paper:
        return paper
    paper = Paper(name="平台使用知识测试（随机抽题）", mode=PaperMode.RULES, description="每位党员随机抽取不同的试题")
    paper.save()
    for qtype, count, points in ((S, 4, "10"), (M, 2, "15"), (T, 2, "10"), (B, 1, "10")):
        rule = PaperRule(paper=paper, qtype=qtype, count=count, points=Decimal(points))
        rule.save()
        rule.banks.set([bank])
        rule.save()
    return paper


def _fixed_paper(bank: QuestionBank) -> Paper:
    paper = Paper.objects.filter(name="业务知识测验（固定试卷）").first()
    if paper:
        return paper
    paper = Paper.objects.create(name="业务知识测验（固定试卷）", mode=PaperMode.FIXED)
    picks = list(bank.questions.filter(qtype__in=[S, M, T, B]).order_by("id")[:10]) + list(
        bank.questions.filter(qtype=E)[:1]
    )
    for i, q in enumerate(picks):
        PaperQuestion.objects.create(
            paper=paper, question=q, sort_order=i, points=Decimal("10") if q.qtype != E else None
        )
    return paper


def _index(home: HomePage) -> ExamIndexPage:
    index = ExamIndexPage.objects.first()
    if index is None:
        index = home.add_child(
            instance=ExamIndexPage(
                title="在线考试", slug="exams", intro="<p>参加知识测试，检验学习成效，通过后认定学时。</p>"
            )
        )
        index.save_revision().publish()
    return index


def _exam(index: ExamIndexPage, slug: str, **fields) -> tuple[ExamPage, bool]:
    exam = ExamPage.objects.filter(slug=slug).first()
    if exam:
        return exam, False
    exam = index.add_child(instance=ExamPage(slug=slug, **fields))
    exam.save_revision().publish()
    return exam, True


def _answer_for(question: Question, rng: random.Random, skill: float):
    right = rng.random() < skill
    if question.qtype == S:
        wrong = [c for c in "ABCD"[: len(question.options)] if c != question.answer]
        return question.answer if right else rng.choice(wrong)
    if question.qtype == M:
        return list(question.answer) if right else list(question.answer)[:1]
    if question.qtype == T:
        return question.answer if right else not question.answer
    if question.qtype == B:
        return [accepted[0] if right else "不清楚" for accepted in question.answer]
    return "结合工作实际，先学后用，定期检查落实情况。" if right else "多学习。"


def _graded_attempts(exam: ExamPage) -> None:
    from exams.services import grade_essay, save_answer, start_attempt, submit_attempt

    if exam.attempts.exists():
        return
    grader = get_user_model().objects.filter(username="organizer").first()
    members = list(Member.objects.filter(is_active=True).order_by("pk"))
    rng = random.Random(2026)
    for n, member in enumerate(members):
        if rng.random() < 0.2:  # some members did not take part
            continue
        started = exam.opens_at + dt.timedelta(hours=1, minutes=n)
        attempt = start_attempt(exam, member, now=started)
        skill = rng.uniform(0.35, 0.98)
        for item in attempt.items.select_related("question"):
            response = _answer_for(item.question, rng, skill)
            save_answer(attempt.pk, member, item.pk, response, now=started + dt.timedelta(minutes=5))
        if rng.random() < 0.15:
            attempt.tab_switches = rng.randint(1, 3)
            attempt.save(update_fields=["tab_switches"])
        attempt = submit_attempt(attempt, now=started + dt.timedelta(minutes=20))
        for item in attempt.items.filter(question__qtype=E).select_related("question"):
            if attempt.status == AttemptStatus.SUBMITTED:
                grade_essay(
                    item, (item.points * Decimal(str(round(skill, 1)))).quantize(Decimal("1")), grader, "要点基本齐全"
                )


def load(stdout=None) -> None:
    home = HomePage.objects.first()
    if home is None:
        return
    bank = _bank()
    index = _index(home)
    now = timezone.now()
    _exam(
        index,
        "platform-quiz",
        title="平台使用知识测试",
        intro="<p>每位党员的试题从题库中随机抽取，限时 30 分钟，可作答两次，及格后认定 1 学时。</p>",
        paper=_rule_paper(bank),
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=30),
        time_limit_minutes=30,
        max_attempts=2,
        pass_percent=60,
        shuffle_questions=True,
        shuffle_options=True,
        layout=Layout.ONE_PER_SCREEN,
        review_when=ReviewWhen.IMMEDIATELY,
        review_level=ReviewLevel.EXPLANATIONS,
        max_tab_switches=5,
        credit_hours=Decimal("1"),
    )
    closed, _ = _exam(
        index,
        "business-quiz-last-month",
        title="上月业务知识测验",
        intro="<p>已结束的测验，成绩和答卷在考试结束后公布。</p>",
        paper=_fixed_paper(bank),
        opens_at=now - dt.timedelta(days=30),
        closes_at=now - dt.timedelta(days=23),
        time_limit_minutes=40,
        max_attempts=1,
        pass_percent=60,
        review_when=ReviewWhen.AFTER_CLOSE,
        review_level=ReviewLevel.EXPLANATIONS,
        credit_hours=Decimal("1.5"),
    )
    _graded_attempts(closed)
    if stdout:
        stdout.write(f"在线考试：题库“{BANK_NAME}” {bank.questions.count()} 题，考试 {ExamPage.objects.count()} 场")


__all__ = ["load"]
