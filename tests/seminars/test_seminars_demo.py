"""The demo's seminars: topics with posts and reviewed 心得, one 优秀 published into the archive."""

from learning.hours.models import LedgerEntry, LedgerKind
from learning.seminars.demo import BRANCH_TOPIC, SUBTREE_TOPIC
from learning.seminars.models import Reflection, ReflectionStatus, Topic


def test_the_demo_has_topics_with_posts_and_reviewed_reflections(demo_db):
    topic = Topic.objects.get(title=BRANCH_TOPIC)
    assert topic.posts.filter(parent__isnull=False).exists()
    assert topic.posts.filter(mentions__isnull=False).exists()
    statuses = set(topic.reflections.values_list("status", flat=True))
    assert {ReflectionStatus.EXCELLENT, ReflectionStatus.RETURNED, ReflectionStatus.DRAFT} <= statuses
    excellent = Reflection.objects.get(topic=topic, status=ReflectionStatus.EXCELLENT)
    assert excellent.published_page is not None and excellent.published_page.live
    assert excellent.copied_share == 0  # written by the project, copied from nowhere
    assert Topic.objects.filter(title=SUBTREE_TOPIC).exists()
    assert LedgerEntry.objects.filter(kind=LedgerKind.SEMINAR).count() >= 2
