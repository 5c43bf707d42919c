"""Small builders for study-plan tests: study pages and plans."""

from __future__ import annotations

import datetime as dt

from courses.models import TheoryIndexPage, TheoryMaterialPage
from learning.plans.services import ItemSpec, create_plan

_n = iter(range(1, 1_000_000))


def make_materials(home, count: int) -> list[TheoryMaterialPage]:
    index = TheoryIndexPage.objects.child_of(home).first()
    if index is None:
        index = home.add_child(instance=TheoryIndexPage(title="理论学习", slug="theory"))
    pages = []
    for _ in range(count):
        n = next(_n)
        page = index.add_child(instance=TheoryMaterialPage(title=f"学习资料{n}", slug=f"material-{n}"))
        pages.append(page)
    return pages


def make_plan(user, org, pages, *, required=None, start=None, due=None, target=0, **extra):
    required = required if required is not None else [True] * len(pages)
    return create_plan(
        user=user,
        title=extra.pop("title", "测试学习计划"),
        organization=org,
        start_on=start or dt.date(2026, 1, 1),
        due_on=due or dt.date(2026, 12, 31),
        target_hours=target,
        items=[ItemSpec(p.pk, r) for p, r in zip(pages, required, strict=True)],
        **extra,
    )


def populate_branch(branch, count: int, pages, *, year: int = 2026, prefix: str | None = None) -> list:
    """``count`` members in ``branch`` with ledger entries and completions, in a few bulk inserts."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from learning.hours.models import ItemCompletion, LedgerEntry
    from learning.members.models import Member
    from learning.plans.services import refresh_member_progress

    User = get_user_model()
    prefix = prefix or f"b{branch.pk}m"
    users = User.objects.bulk_create(
        [User(username=f"{prefix}{n}", password="!") for n in range(count)], batch_size=2000
    )
    members = Member.objects.bulk_create(
        [Member(user=u, name=f"党员{prefix}{n}", branch=branch) for n, u in enumerate(users)], batch_size=2000
    )
    entries = []
    completions = []
    now = timezone.now()
    for n, m in enumerate(members):
        for k in range(n % 4):
            day = dt.date(year, 1 + (n + k) % 12, 1 + k)
            entries.append(
                LedgerEntry(
                    member=m,
                    branch=branch,
                    hours=1 + k,
                    kind="material",
                    source_key=f"p{k}",
                    occurred_on=day,
                    year=day.year,
                    idempotency_key=f"bench:{m.pk}:{k}",
                )
            )
        for page in pages[: n % (len(pages) + 1)]:
            completions.append(ItemCompletion(member=m, page_id=page.pk, kind="material", completed_at=now))
    LedgerEntry.objects.bulk_create(entries, batch_size=2000)
    ItemCompletion.objects.bulk_create(completions, batch_size=2000)
    # Bulk inserts send no signals: the stored plan progress of these members is refreshed as an
    # import would refresh it.
    refresh_member_progress([m.pk for m in members])
    return members
