from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "学习内容"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from courses import signal_handlers

        signal_handlers.register()
