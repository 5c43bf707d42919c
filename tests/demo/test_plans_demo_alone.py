"""The plans demo works on its own (members only, no course demo): it makes the study pages it needs.

A separate module from the other demo tests, which share one demo database: this one must not
break their row (see tests/demo_database.py).
"""

import pytest

from learning.members.models import Organization
from learning.plans.models import StudyPlan


@pytest.mark.django_db
def test_the_demo_plans_load_without_the_course_demo():
    from learning.members import demo
    from learning.plans import demo as demo_plans

    demo.load()
    demo_plans.load()
    branches = Organization.objects.filter(kind="branch")
    assert set(StudyPlan.objects.values_list("organization", flat=True)) >= set(branches.values_list("pk", flat=True))
    assert all(plan.items.count() == 3 for plan in StudyPlan.objects.filter(organization__kind="branch"))
