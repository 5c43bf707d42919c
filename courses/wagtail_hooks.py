"""Admin: a flat listing of all theory materials, filterable by tag, series and date."""

from __future__ import annotations

import django_filters
from django.templatetags.static import static
from django.utils.html import format_html
from taggit.models import Tag
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.ui.tables.pages import BulkActionsColumn, PageStatusColumn, PageTitleColumn
from wagtail.admin.views.pages.listing import PageFilterSet
from wagtail.admin.viewsets.pages import PageListingViewSet

from courses.models import Series, TheoryMaterialPage


class TheoryMaterialFilterSet(PageFilterSet):
    tags = django_filters.ModelMultipleChoiceFilter(
        label="标签",
        field_name="tags",
        queryset=lambda request: Tag.objects.filter(courses_theorymaterialtag_items__isnull=False).distinct(),
        distinct=True,
    )
    series = django_filters.ModelChoiceFilter(label="专题", queryset=Series.objects.all())
    original_date = django_filters.DateFromToRangeFilter(label="原文日期", widget=DateRangePickerWidget)

    class Meta:
        model = TheoryMaterialPage
        fields = ["tags", "series", "original_date", "live"]


class TheoryMaterialListingViewSet(PageListingViewSet):
    name = "theory_materials"
    icon = "doc-full"
    menu_label = "理论学习资料"
    menu_order = 150
    add_to_admin_menu = True
    model = TheoryMaterialPage
    filterset_class = TheoryMaterialFilterSet
    columns = [
        BulkActionsColumn("bulk_actions"),
        PageTitleColumn("title", label="标题", sort_key="title", classname="title"),
        Column("series", label="专题", accessor="series"),
        DateColumn("original_date", label="原文日期", sort_key="original_date"),
        Column("reading_minutes", label="阅读（分钟）", sort_key="reading_minutes"),
        DateColumn("latest_revision_created_at", label="更新时间", sort_key="latest_revision_created_at"),
        PageStatusColumn("status", label="状态", sort_key="live"),
    ]


@hooks.register("register_admin_viewset")
def register_theory_material_listing() -> TheoryMaterialListingViewSet:
    return TheoryMaterialListingViewSet("theory_materials")


@hooks.register("insert_global_admin_js")
def admin_field_labels() -> str:
    """Names the text boxes of tag and rich-text fields after their labels (Wagtail leaves them unnamed)."""
    return format_html('<script src="{}" defer></script>', static("js/admin-field-labels.js"))
