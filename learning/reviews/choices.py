from django.db import models


class Grade(models.TextChoices):
    """The four grades of 民主测评 and 组织评定."""

    EXCELLENT = "excellent", "优秀"
    QUALIFIED = "qualified", "合格"
    BASIC = "basic", "基本合格"
    UNQUALIFIED = "unqualified", "不合格"


# Grades that call for a rectification plan (整改).
NEEDS_RECTIFICATION = (Grade.BASIC, Grade.UNQUALIFIED)


class Stage(models.TextChoices):
    """The steps of one branch's review, in order."""

    OPEN = "open", "自评互评"
    VOTING = "voting", "民主测评"
    COUNTED = "counted", "组织评定"
    PROPOSED = "proposed", "待组织员审定"
    APPROVED = "approved", "已审定"


STAGE_ORDER = [s.value for s in Stage]


# The standard headings of 个人自评, in order: (field name, heading, prompt).
SELF_ASSESSMENT_HEADINGS = [
    ("ideals", "理想信念", "坚定理想信念、对党忠诚方面的情况"),
    ("study", "学习", "政治理论和业务知识学习情况"),
    ("work", "工作", "履职尽责、完成工作任务情况"),
    ("conduct", "作风", "工作作风、廉洁自律情况"),
    ("improvement", "问题与整改方向", "查摆出的问题和今后的努力方向"),
]
