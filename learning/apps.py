from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = "组织与学习"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Certificates are issued when courses/exams complete.
        from learning.certificates import receivers  # noqa: F401
