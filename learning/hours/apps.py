from django.apps import AppConfig


class HoursConfig(AppConfig):
    """Study hours: the ledger, the hour rules, study items and activity tracking, offline study, the record."""

    name = "learning.hours"
    label = "hours"
    verbose_name = "学时"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from learning.hours.signals import exam_passed
        from learning.hours.tracking import on_exam_passed

        # A passed exam completes the items waiting for it as their embedded test and
        # may complete the courses whose final exam it is.
        exam_passed.connect(on_exam_passed, dispatch_uid="hours.tracking.on_exam_passed")
