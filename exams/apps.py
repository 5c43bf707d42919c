from django.apps import AppConfig


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = "在线考试"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Exam indicators join the branch-evaluation registry (learning must not import exams).
        from exams import evaluation_indicators
        from exams.models import ExamPage
        from learning.hours.items import register_study_item
        from learning.plans.services import register_roster_annotation

        # An exam is a study item (the exam listing page, ExamIndexPage, is not one).
        register_study_item(ExamPage)

        # The secretary's roster shows exams taken next to exams passed.
        register_roster_annotation("exams_taken", evaluation_indicators.exams_taken_in_year)
