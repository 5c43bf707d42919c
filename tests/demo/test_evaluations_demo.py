import datetime as dt

import time_machine

from learning.evaluations.models import EvaluationRun


def test_the_demo_has_a_published_quarter_for_the_committee(client, demo_db):
    # A few days after the demo's day (DEMO_NOW): the quarter it published is still the last one.
    with time_machine.travel(dt.datetime(2026, 11, 26, 9, tzinfo=dt.UTC), tick=False):
        run = (
            EvaluationRun.objects.filter(published_at__isnull=False)
            .order_by("-period_start")
            .get(version=1, period_start=dt.date(2026, 7, 1))
        )
        assert run.period_label == "2026年第3季度"
        assert run.scheme.organization.full_name == "市直机关工委"
        assert run.results.count() == 10
        assert run.results.filter(rank=1).exists()
        assert len({r.total for r in run.results.all()}) > 3  # branches differ
        from django.contrib.auth import get_user_model

        client.force_login(get_user_model().objects.get(username="member"))
        page = client.get(f"/evaluations/notices/{run.pk}/").content.decode()
        assert "办公室党支部" in page and "排名第" in page


def test_the_demo_notice_spreads_the_stars_and_names_the_bonus_reason(client, demo_db):
    # Every branch of the demo 公示 used to be ★1, and its 加分 had no reason.
    from django.contrib.auth import get_user_model

    with time_machine.travel(dt.datetime(2026, 11, 26, 9, tzinfo=dt.UTC), tick=False):
        run = EvaluationRun.objects.filter(published_at__isnull=False).order_by("-period_start", "-version").first()
        assert run is not None
        stars = [r.stars for r in run.results.all() if r.rank]
        assert len(set(stars)) >= 4 and stars.count(1) <= len(stars) // 5, stars
        client.force_login(get_user_model().objects.get(username="member"))
        page = client.get(f"/evaluations/notices/{run.pk}/").content.decode()
    assert ">人均学时</th>" in page and "指标得分" not in page
    assert "+3.00：支部学习经验在全市机关交流推广" in page
