from django.apps import AppConfig


class PlansConfig(AppConfig):
    """Study plans, the branch secretary's workbench, notifications and reminders."""

    name = "learning.plans"
    label = "plans"
    verbose_name = "学习计划"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from learning.members.models import Member
        from learning.plans.receivers import member_saved

        post_save.connect(member_saved, sender=Member, dispatch_uid="plans.later_joiners")
