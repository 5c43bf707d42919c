from django.apps import AppConfig


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = "在线考试"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from exams import evaluation_indicators
        from exams.models import ExamIndexPage, ExamPage
        from exams.views import member
        from learning.hours.items import register_study_item
        from learning.plans.services import register_roster_annotation

        # The exam pages are served by member views; models import no views, so the views plug in here.
        ExamIndexPage.member_view = staticmethod(member.exam_index)
        ExamPage.member_view = staticmethod(member.exam_page)

        # Plans and seminar topics offer a manager only the exams whose audience reaches their people.
        from exams.scoping import manageable_exams

        ExamPage.offered_to = staticmethod(lambda user: manageable_exams(user).live())

        # An exam is a study item (the exam listing page, ExamIndexPage, is not one).
        register_study_item(ExamPage)

        # The secretary's roster shows exams taken next to exams passed; the exam
        # indicators join the branch-evaluation registry on import (learning must not import exams).
        register_roster_annotation("exams_taken", evaluation_indicators.exams_taken_in_year)

        # Its audience hears of an exam when it is first published (learning.plans.notify).
        from wagtail.signals import page_published

        from exams.services import notify_exam_published

        page_published.connect(notify_exam_published, sender=ExamPage, dispatch_uid="exams.notify_exam_published")
