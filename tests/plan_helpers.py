"""Small builders for study-plan tests: study pages and plans."""

from __future__ import annotations

import datetime as dt

from courses.models import TheoryIndexPage, TheoryMaterialPage
from learning.plans import ItemSpec, create_plan

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
