"""What makes a question's content valid, and how its answer key reads.

This module sits below both ``exams.models`` (``Question.clean``) and the importers
(every imported row), so both give the same Chinese messages for the same mistake
and neither has to import the other. It imports only the choices.
"""

from __future__ import annotations

import re
from typing import Any

from exams.choices import CHOICE_TYPES, OPTION_LETTERS, QuestionType

MAX_STEM = 5000

# A picture an import brings itself, before it is stored: <embed embedtype="image" id="pending-image-0" …/>.
PENDING_IMAGE_REF = "pending-image-{k}"
_PENDING_IMAGE = re.compile(r"pending-image-(0|[1-9][0-9]{0,5})")
# A stored image's id as Wagtail shows it (``expand_db_html`` matches the id's text against ``str(pk)``).
STORED_IMAGE_ID = re.compile(r"[1-9][0-9]{0,17}")


def stem_image_problems(refs: list[str], usable: set[int], created: int = 0) -> list[str]:
    """Why a stem's pictures may not be stored, in Chinese (empty when they may).

    ``refs`` are the stem's image ids (``core.richtext.embedded_image_refs``); a picture may be one
    of the ``created`` pictures the import itself brings (``pending-image-0`` …) or a stored image in
    ``usable`` (``exams.scoping.usable_image_ids``). Anything else is refused, each id once.
    """
    problems: list[str] = []
    for ref in dict.fromkeys(refs):
        pending = _PENDING_IMAGE.fullmatch(ref)
        if pending and int(pending.group(1)) < created:
            continue
        if STORED_IMAGE_ID.fullmatch(ref):
            if int(ref) not in usable:
                problems.append(f"引用了无权使用的图片（id={ref}）")
        else:
            problems.append(f"引用了无法识别的图片（id={ref[:40]}）")
    return problems


def validate_question_fields(qtype: str, stem: str, options: list, answer: Any) -> list[str]:
    """Problems with a question's content, in Chinese (empty when it is good)."""
    errors: list[str] = []
    if qtype not in QuestionType.values:
        return [f"题型“{qtype}”无法识别（应为 单选题、多选题、判断题、填空题、简答题）"]
    if not str(stem or "").strip():
        errors.append("题干为空")
    elif len(stem) > MAX_STEM:
        errors.append(f"题干超过 {MAX_STEM} 字")
    if qtype in CHOICE_TYPES:
        if not isinstance(options, list) or len(options) < 2:
            errors.append("选择题至少需要两个选项")
            return errors
        if len(options) > len(OPTION_LETTERS):
            errors.append(f"选项不能超过 {len(OPTION_LETTERS)} 个")
        if any(not str(o).strip() for o in options):
            errors.append("选项不能为空（选项须从 A 起连续填写）")
        letters = OPTION_LETTERS[: len(options)]
        if qtype == QuestionType.SINGLE:
            if not isinstance(answer, str) or len(answer) != 1 or answer not in letters:
                errors.append(
                    f"单选题答案“{answer if answer is not None else ''}”应为 {letters[0]}–{letters[-1]} 中的一个字母"
                )
        else:
            if not isinstance(answer, list) or not answer:
                errors.append("多选题缺少答案")
            elif any(a not in letters for a in answer):
                errors.append(f"多选题答案“{''.join(map(str, answer))}”含有不存在的选项")
            elif len(answer) < 2:
                errors.append("多选题至少应有两个正确选项")
    elif qtype == QuestionType.TRUE_FALSE:
        if not isinstance(answer, bool):
            errors.append("判断题答案应为 正确 或 错误")
    elif qtype == QuestionType.BLANK:
        if not isinstance(answer, list) or not answer or not all(isinstance(b, list) and b for b in answer):
            errors.append("填空题每个空至少需要一个答案")
        elif not all(isinstance(a, str) and a.strip() for b in answer for a in b):
            errors.append("填空题答案不能为空")
    elif qtype == QuestionType.ESSAY:
        if not isinstance(answer, str):
            errors.append("简答题的参考答案应为文字")
    return errors


def format_answer(qtype: str, answer: Any) -> str:
    """An answer key as a person reads it: "B", "AC", "正确", "答案 或 写法；第二空"."""
    if qtype == QuestionType.SINGLE:
        return str(answer)
    if qtype == QuestionType.MULTIPLE:
        return "".join(sorted(answer or []))
    if qtype == QuestionType.TRUE_FALSE:
        return "正确" if answer else "错误"
    if qtype == QuestionType.BLANK:
        return "；".join(" 或 ".join(accepted) for accepted in (answer or []))
    return str(answer or "")
