"""Demo pages: the home page under the site root."""

from __future__ import annotations

from django.conf import settings
from wagtail.models import Page, Site

from courses.models import HomePage

INTRO = (
    "<p>欢迎来到学习型机关学习平台。在这里阅读理论学习资料、参加业务培训课程和在线测试，"
    "每一次学习都会记入您的学习档案。</p>"
)


def load(stdout=None) -> HomePage:
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        if root is None:  # a flushed database (transactional tests) has no tree root
            from wagtail.coreutils import get_supported_content_language_variant
            from wagtail.models import Locale

            Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
            root = Page.add_root(instance=Page(title="Root", slug="root"))
        # Wagtail's initial migration creates a placeholder "Welcome" page; replace it.
        for child in root.get_children():
            if child.specific_class is Page:
                Site.objects.filter(root_page=child).delete()
                child.delete()
        home = root.add_child(instance=HomePage(title="学习型机关学习平台", slug="home", intro=INTRO))
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="学习型机关学习平台"
        )
    elif site.root_page_id != home.id:
        site.root_page = home
        site.site_name = "学习型机关学习平台"
        site.save()
    return home
