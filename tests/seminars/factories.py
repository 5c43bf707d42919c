"""Builders for the seminar tests: topics, handed-in 心得, archive materials with project-written text."""

from __future__ import annotations

import datetime as dt

from learning.seminars import services

# Project-written study text (a made-up 学习资料 about a branch's study system).
MATERIAL_PARAGRAPHS = [
    "建设学习型机关，关键在于把学习变成每一名干部的日常习惯。支部每月确定一个学习主题，"
    "由书记领学、党员轮流交流，学习结束后逐一对照岗位职责查找差距。",
    "读原著、学原文、悟原理，要求我们坐得住、钻得进。只有把基本观点弄懂弄通，"
    "才能在处理具体业务时做到心中有数、手上有招。",
    "学以致用是检验学习成效的根本标准。各处室要围绕群众反映强烈的办事难题，"
    "组织专题调研，形成务实管用的改进清单，并在季度例会上通报整改进度。",
]

OWN_THOUGHTS = [
    "这次专题研讨让我对本职工作有了新的认识。我在窗口岗位工作六年，过去总觉得把手头的件办完就算尽责，"
    "现在明白还要多想一步：群众为什么要跑第二趟，表格能不能再少填一项。",
    "下一步我打算把常见问题整理成一页纸的办事指引，放在服务台上，同时每周抽半天时间跟着老同志学习复杂业务，"
    "争取年底前能够独立处理疑难件，也请支部的同志们多提意见。",
    "回顾上半年的工作，我在主动学习方面还有明显不足，常常以任务多为理由把学习往后放。"
    "今后要给自己定一个小目标，每天读书半小时，每月写一篇读书笔记，在支部会上与大家交流。",
]


def own_text(n: int = 3) -> str:
    return "\n".join(OWN_THOUGHTS[:n])


def open_topic(user, organization, **extra):
    today = extra.pop("today", None) or dt.date.today()
    return services.open_topic(
        user=user,
        organization=organization,
        title=extra.pop("title", "学习型机关建设专题研讨"),
        prompt=extra.pop("prompt", "结合本职工作，谈谈如何把学习成果转化为工作成效。"),
        opens_on=extra.pop("opens_on", today - dt.timedelta(days=1)),
        closes_on=extra.pop("closes_on", today + dt.timedelta(days=14)),
        min_length=extra.pop("min_length", 50),
        **extra,
    )


def hand_in(topic, member, text: str | None = None):
    return services.hand_in(topic, member, text if text is not None else own_text())
