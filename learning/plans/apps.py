from django.apps import AppConfig


class PlansConfig(AppConfig):
    """Study plans, the branch secretary's workbench, notifications and reminders."""

    name = "learning.plans"
    label = "plans"
    verbose_name = "学习计划"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from learning.hours.models import ItemCompletion, LedgerEntry
        from learning.members.models import Member
        from learning.plans import receivers
        from learning.plans.models import PlanItem, StudyPlan

        post_save.connect(receivers.member_saved, sender=Member, dispatch_uid="plans.later_joiners")
        # Stored plan progress follows every write it depends on (services: "stored progress").
        post_save.connect(receivers.ledger_entry_saved, sender=LedgerEntry, dispatch_uid="plans.progress.ledger")
        post_save.connect(receivers.completion_changed, sender=ItemCompletion, dispatch_uid="plans.progress.done")
        post_delete.connect(receivers.completion_changed, sender=ItemCompletion, dispatch_uid="plans.progress.undone")
        post_save.connect(receivers.plan_item_changed, sender=PlanItem, dispatch_uid="plans.progress.item")
        post_delete.connect(receivers.plan_item_changed, sender=PlanItem, dispatch_uid="plans.progress.item_gone")
        post_save.connect(receivers.plan_saved, sender=StudyPlan, dispatch_uid="plans.progress.plan")
