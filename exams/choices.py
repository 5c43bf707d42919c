from django.db import models

# Options of a choice question are lettered A…H; answers and option orders store these letters.
OPTION_LETTERS = "ABCDEFGH"
MAX_OPTIONS = len(OPTION_LETTERS)


class QuestionType(models.TextChoices):
    SINGLE = "single", "单选题"
    MULTIPLE = "multiple", "多选题"
    TRUE_FALSE = "truefalse", "判断题"
    BLANK = "blank", "填空题"
    ESSAY = "essay", "简答题"


OBJECTIVE_TYPES = (QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUE_FALSE, QuestionType.BLANK)
CHOICE_TYPES = (QuestionType.SINGLE, QuestionType.MULTIPLE)


class Difficulty(models.IntegerChoices):
    EASY = 1, "易"
    MEDIUM = 2, "中"
    HARD = 3, "难"


class PaperMode(models.TextChoices):
    FIXED = "fixed", "固定试题"
    RULES = "rules", "按规则随机抽题"


class Layout(models.TextChoices):
    ONE_PER_SCREEN = "one", "每屏一题"
    ALL_ON_ONE = "all", "全部试题在一页"


class ReviewWhen(models.TextChoices):
    IMMEDIATELY = "immediately", "交卷后立即"
    AFTER_CLOSE = "after_close", "考试结束后"
    NEVER = "never", "不允许查看"


class ReviewLevel(models.IntegerChoices):
    """What a member may see when review is open; each level includes the ones before it."""

    SCORE = 1, "仅成绩"
    RIGHT_WRONG = 2, "成绩和对错"
    ANSWERS = 3, "成绩、对错和正确答案"
    EXPLANATIONS = 4, "成绩、对错、正确答案和解析"


class MultipleScoring(models.TextChoices):
    ALL_OR_NOTHING = "all", "全部选对才得分"
    PARTIAL = "partial", "少选按比例得分，错选不得分"


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "答题中"
    SUBMITTED = "submitted", "待阅卷"
    GRADED = "graded", "已评分"


class SubmittedBy(models.TextChoices):
    MEMBER = "member", "本人交卷"
    DEADLINE = "deadline", "到时自动交卷"
    TAB_SWITCH = "tab_switch", "切屏超限自动交卷"
