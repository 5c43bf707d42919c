"""The project's own JSON: {"format": "learning-platform-questions", "questions": [{"type": "单选题", …}]}."""

from __future__ import annotations

import json

from exams.choices import Difficulty, QuestionType
from exams.importers.base import (
    ImportFileError,
    ParsedQuestion,
    cell_text,
    decode_text,
    knowledge_point_names,
    parse_answer_text,
    parse_difficulty,
    parse_knowledge_points,
    parse_points,
    parse_type,
)
from exams.models import Question

JSON_FORMAT = "learning-platform-questions"
DIFFICULTY_LABEL = dict(Difficulty.choices)
TYPE_LABEL = dict(QuestionType.choices)


def parse_json(data: bytes) -> list[ParsedQuestion]:
    try:
        doc = json.loads(decode_text(data))
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}") from exc
    items = doc.get("questions") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise ImportFileError('JSON 文件应为 {"questions": [...]} 或试题数组')
    parsed = []
    for number, item in enumerate(items, start=1):
        pq = ParsedQuestion(number=number)
        parsed.append(pq)
        if not isinstance(item, dict):
            pq.errors.append("应为一个对象")
            continue
        qtype = parse_type(item.get("type", ""))
        if qtype is None:
            pq.errors.append(f"题型“{item.get('type', '')}”无法识别（应为 单选题、多选题、判断题、填空题、简答题）")
            continue
        pq.qtype = qtype
        pq.stem = cell_text(item.get("stem"))
        options = item.get("options") or []
        pq.options = [cell_text(o) for o in options] if isinstance(options, list) else []
        answer = item.get("answer")
        if qtype == QuestionType.MULTIPLE and isinstance(answer, str):
            answer = parse_answer_text(qtype, answer, len(pq.options), pq.errors)
        elif qtype == QuestionType.TRUE_FALSE and isinstance(answer, str):
            answer = parse_answer_text(qtype, answer, 0, pq.errors)
        elif qtype == QuestionType.BLANK and isinstance(answer, list):
            answer = [[str(a) for a in b] if isinstance(b, list) else [str(b)] for b in answer]
        elif qtype == QuestionType.SINGLE and isinstance(answer, str):
            answer = answer.strip().upper()
        pq.answer = answer
        pq.explanation = cell_text(item.get("explanation"))
        pq.points = parse_points(item.get("points"), pq.errors)
        pq.difficulty = parse_difficulty(item.get("difficulty"), pq.errors)
        pq.knowledge_points = parse_knowledge_points(item.get("knowledge_points") or [])
    return parsed


def question_to_dict(q: Question) -> dict:
    return {
        "type": TYPE_LABEL[q.qtype],
        "stem": q.stem,
        "options": list(q.options),
        "answer": q.answer,
        "explanation": q.explanation,
        "points": float(q.points),
        "difficulty": DIFFICULTY_LABEL[q.difficulty],
        "knowledge_points": knowledge_point_names(q),
    }


def export_json(questions: list[Question]) -> bytes:
    doc = {"format": JSON_FORMAT, "version": 1, "questions": [question_to_dict(q) for q in questions]}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode()
