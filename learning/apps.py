from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = "组织与学习"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from learning import middleware  # noqa: F401  (connects the login receiver)

        # Certificates are issued when courses/exams complete.
        from learning.certificates import receivers  # noqa: F401
        from learning.signals import exam_passed
        from learning.study import on_exam_passed

        # Passing a course's final exam can complete the course.
        exam_passed.connect(on_exam_passed, dispatch_uid="learning.study.on_exam_passed")
