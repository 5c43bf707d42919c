from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = "组织与学习"
    default_auto_field = "django.db.models.BigAutoField"
