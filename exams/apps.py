from django.apps import AppConfig


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = "在线考试"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The exam pages are served by member views; models import no views, so the views plug in here.
        from exams.models import ExamIndexPage, ExamPage
        from exams.views import member

        ExamIndexPage.member_view = staticmethod(member.exam_index)
        ExamPage.member_view = staticmethod(member.exam_page)

        # Exam indicators join the branch-evaluation registry (learning must not import exams).
        from exams import evaluation_indicators
        from learning.plans.services import register_roster_annotation

        # The secretary's roster shows exams taken next to exams passed.
        register_roster_annotation("exams_taken", evaluation_indicators.exams_taken_in_year)
