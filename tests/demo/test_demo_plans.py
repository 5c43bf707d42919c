"""Demo study plans: a plan per branch, members at different stages, overdue plans, reminders."""

from learning.members.models import Organization
from learning.plans.models import Notification, PlanReminder, StudyPlan
from learning.plans.services import plan_progress


def test_the_demo_has_a_plan_per_branch_with_members_at_different_stages(demo_db):
    for branch in Organization.objects.filter(kind="branch"):
        assert StudyPlan.objects.filter(organization=branch).exists(), branch.name
    office_plan = StudyPlan.objects.get(organization__name="办公室党支部", title="党的创新理论专题学习")
    rows = list(plan_progress(office_plan))
    assert {r.is_complete for r in rows} == {True, False}
    assert len({r.required_done for r in rows}) >= 2
    overdue = StudyPlan.objects.get(organization__name="办公室党支部", title="上半年业务知识学习")
    assert plan_progress(overdue).filter(is_overdue=True).exists()
    assert Notification.objects.filter(plan=overdue).exists()
    assert StudyPlan.objects.filter(organization__name="市教育局机关党委").exists()
    assert PlanReminder.objects.exists()
