from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    """Branch evaluations (支部考评): schemes, indicators, runs, publication."""

    name = "learning.evaluations"
    label = "evaluations"
    verbose_name = "支部考评"
    default_auto_field = "django.db.models.BigAutoField"
