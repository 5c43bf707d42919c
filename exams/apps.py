from django.apps import AppConfig


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = "在线考试"
    default_auto_field = "django.db.models.BigAutoField"
