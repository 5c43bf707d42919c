"""Receivers of the plans app, connected in ``PlansConfig.ready``."""

from __future__ import annotations

from learning.members.models import Member
from learning.plans.models import PlanItem, StudyPlan
from learning.plans.services import enroll_later_joiner, refresh_member_progress, refresh_plan_progress


def member_saved(sender, instance: Member, raw: bool = False, **kwargs) -> None:
    """A member who joins a branch (created there, or transferred in) receives the open
    plans of that branch's organizations that include later joiners."""
    if raw:
        return
    enroll_later_joiner(instance)


# --- stored plan progress (services: "stored progress") ---------------------------------
# Each receiver runs inside the write's transaction and recomputes the pairs the write can change.
# The ledger is append-only (a correction is a new row), so a new entry is its one write; a completion
# is created once and goes only with its member or page.


def ledger_entry_saved(sender, instance, created: bool = False, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        refresh_member_progress([instance.member_id], on=instance.occurred_on)


def completion_changed(sender, instance, raw: bool = False, **kwargs) -> None:
    if not raw:
        refresh_member_progress(
            [instance.member_id], plan_ids=PlanItem.objects.filter(page_id=instance.page_id).values("plan_id")
        )


def plan_item_changed(sender, instance: PlanItem, raw: bool = False, **kwargs) -> None:
    if not raw:
        refresh_plan_progress([instance.plan_id])


def plan_saved(sender, instance: StudyPlan, created: bool = False, raw: bool = False, **kwargs) -> None:
    """A plan's period decides which ledger entries count; a new plan is refreshed by ``create_plan``
    once its recipients exist."""
    if not created and not raw:
        refresh_plan_progress([instance.pk])
