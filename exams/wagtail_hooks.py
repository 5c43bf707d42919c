from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from exams.models import KnowledgePoint, Paper, Question, QuestionBank


class QuestionBankViewSet(SnippetViewSet):
    model = QuestionBank
    icon = "folder-open-inverse"
    menu_label = "题库"
    list_display = ["name", "organization", "created_at"]
    search_fields = ["name"]


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    menu_label = "试题"
    list_display = ["__str__", "bank", "qtype", "difficulty", "points"]
    list_filter = ["bank", "qtype", "difficulty"]
    search_fields = ["stem"]


class KnowledgePointViewSet(SnippetViewSet):
    model = KnowledgePoint
    icon = "tag"
    menu_label = "知识点"
    search_fields = ["name"]


class PaperViewSet(SnippetViewSet):
    model = Paper
    icon = "doc-full"
    menu_label = "试卷"
    list_display = ["name", "mode", "created_at"]


class ExamsGroup(SnippetViewSetGroup):
    menu_label = "在线考试"
    menu_icon = "form"
    menu_order = 250
    items = (QuestionBankViewSet, QuestionViewSet, KnowledgePointViewSet, PaperViewSet)


register_snippet(ExamsGroup)
