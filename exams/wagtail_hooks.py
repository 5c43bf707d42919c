from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
    SnippetChosenMultipleView,
    SnippetChosenView,
)
from wagtail.snippets.views.snippets import EditView, SnippetViewSet, SnippetViewSetGroup

from core.richtext import clean_rich_text, embedded_image_refs
from exams.models import KnowledgePoint, Paper, Question, QuestionBank
from exams.scoping import refused_stem_images, visible_banks
from exams.services import regrade_if_key_changed, stored_answer_key
from exams.validation import STORED_IMAGE_ID
from learning.members.scoping import get_or_404


def scoped_chooser(rows_for):
    """A snippet chooser (list, results, the chosen row) that offers only ``rows_for(user)``.

    Wagtail's own lists the whole table: the bank chooser showed another subtree's banks to every
    manager in the admin (tests/security/test_admin_matrix.py).
    """

    class Choose(ChooseView):
        def get_object_list(self):
            return rows_for(self.request.user)

    class ChooseResults(ChooseResultsView):
        def get_object_list(self):
            return rows_for(self.request.user)

    class Chosen(SnippetChosenView):
        def get_object(self, pk):
            # Another subtree's row, no such row and a malformed id alike: 404.
            return get_or_404(rows_for(self.request.user), "该条目不存在或不可选", pk=pk)

    class ChosenMultiple(SnippetChosenMultipleView):
        def get_objects(self, pks):
            return rows_for(self.request.user).filter(pk__in=pks)

    class ScopedChooserViewSet(SnippetChooserViewSet):
        choose_view_class = Choose
        choose_results_view_class = ChooseResults
        chosen_view_class = Chosen
        chosen_multiple_view_class = ChosenMultiple

    return ScopedChooserViewSet


class QuestionBankViewSet(SnippetViewSet):
    model = QuestionBank
    # Banks a manager may use: their subtree's and the shared ones (exams.scoping.visible_banks).
    chooser_viewset_class = scoped_chooser(visible_banks)
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
    chooser_viewset_class = scoped_chooser(lambda user: Question.objects.filter(bank__in=visible_banks(user)))
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
