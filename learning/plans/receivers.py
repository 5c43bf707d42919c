"""Receivers of the plans app, connected in ``PlansConfig.ready``."""

from __future__ import annotations

from learning.members.models import Member
from learning.plans.services import enroll_later_joiner


def member_saved(sender, instance: Member, raw: bool = False, **kwargs) -> None:
    """A member who joins a branch (created there, or transferred in) receives the open
    plans of that branch's organizations that include later joiners."""
    if raw:
        return
    enroll_later_joiner(instance)
