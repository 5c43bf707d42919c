from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import EditView, SnippetViewSet, SnippetViewSetGroup

from core.richtext import clean_rich_text, embedded_image_refs
from exams.models import KnowledgePoint, Paper, Question, QuestionBank
from exams.scoping import refused_stem_images
from exams.services import regrade_if_key_changed, stored_answer_key
from exams.validation import STORED_IMAGE_ID


class QuestionBankViewSet(SnippetViewSet):
    model = QuestionBank
    icon = "folder-open-inverse"
    menu_label = "题库"
    list_display = ["name", "organization", "created_at"]
    search_fields = ["name"]


class QuestionForm(WagtailAdminModelForm):
    """The admin's question form: a stem may show only pictures its editor may use (the importers' rule).

    The images the question already showed stay allowed, so correcting a question does not
    depend on who imported its pictures.
    """

    def clean_stem(self):
        stem = self.cleaned_data.get("stem") or ""
        kept = set()
        if self.instance.pk:
            kept = {int(ref) for ref in embedded_image_refs(self.instance.stem) if STORED_IMAGE_ID.fullmatch(ref)}
        problems = refused_stem_images(self.for_user, [clean_rich_text(stem)], kept=kept)[0]
        if problems:
            raise ValidationError("题干" + "；".join(problems))
        return stem


class QuestionEditView(EditView):
    """Editing a question in the admin: a corrected answer key regrades the attempts that used it.

    The regrade runs inside the view's save transaction, so the new key and the new
    scores are stored together (hours of a newly passed exam are credited on commit).
    """

    regraded = 0

    def save_instance(self) -> Question:
        previous = stored_answer_key(self.object)  # the form has already put the new key on self.object
        question = super().save_instance()
        self.regraded = regrade_if_key_changed(question, previous)
        return question

    def get_success_message(self) -> str | None:
        message = super().get_success_message()
        if message and self.regraded:
            message = f"{message}；答案已更正，已重新评分 {self.regraded} 份答卷"
        return message


class QuestionViewSet(SnippetViewSet):
    model = Question
    edit_view_class = QuestionEditView
    edit_handler = ObjectList(Question.panels, base_form_class=QuestionForm)
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
