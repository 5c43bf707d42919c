"""Organizers publish and secretaries draft in the content sections; the editor never loses a publish."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from wagtail.models import Page, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from courses.models import TheoryIndexPage, TheoryMaterialPage
from courses.permissions import TASK_NAME, WORKFLOW_NAME
from learning.members.models import RoleAssignment
from tests.factories import make_member, make_organizer, make_secretary

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive(site) -> TheoryIndexPage:
    return site.add_child(instance=TheoryIndexPage(title="理论学习", slug="theory"))


def material_form(title: str, **extra) -> dict:
    data = {
        "title": title,
        "slug": extra.pop("slug", ""),
        "summary": "学习要点",
        "body": streamfield([]),
        "attachments": inline_formset([]),
        "comments": inline_formset([]),
        "tags": "",
        "source": "",
        "author": "",
        "original_date": "",
        "credit_hours": "",
        "seo_title": "",
        "search_description": "",
    }
    data.update(extra)
    return nested_form_data(data)


def logged_in(client, member):
    client.force_login(member.user)
    return client


def add_url(archive) -> str:
    return f"/admin/pages/add/courses/theorymaterialpage/{archive.pk}/"


class TestRolesOpenTheSections:
    def test_holding_a_role_puts_the_account_in_the_roles_group_and_losing_it_takes_it_out(self, world):
        user = world.secretary_a1.user
        assert user.groups.filter(name="支部书记").exists()
        RoleAssignment.objects.filter(user=user).delete()
        assert not user.groups.filter(name="支部书记").exists()

    def test_an_organizer_lists_the_theory_materials(self, client, world, archive):
        response = logged_in(client, world.organizer_a).get("/admin/theory_materials/")
        assert response.status_code == 200
        assert "对不起，你没有权限访问" not in response.content.decode()

    def test_a_secretary_lists_them_too(self, client, world, archive):
        assert logged_in(client, world.secretary_a1).get("/admin/theory_materials/").status_code == 200

    def test_a_plain_member_does_not_enter_the_admin(self, client, world, archive):
        response = logged_in(client, world.member_a1).get("/admin/theory_materials/")
        assert response.status_code == 302 and "/login" in response["Location"]

    def test_an_anonymous_visitor_is_sent_to_log_in(self, client, archive):
        response = client.get(add_url(archive))
        assert response.status_code == 302

    def test_a_section_made_later_is_granted_too(self, world, site):
        from courses.models import CourseIndexPage

        courses = site.add_child(instance=CourseIndexPage(title="业务培训", slug="courses"))
        groups = set(courses.group_permissions.values_list("group__name", "permission__codename"))
        assert ("组织员", "publish_page") in groups and ("支部书记", "add_page") in groups
        assert ("支部书记", "publish_page") not in groups


class TestOrganizerPublishes:
    def test_an_organizer_adds_and_publishes_a_material(self, client, world, archive):
        client = logged_in(client, world.organizer_a)
        response = client.post(add_url(archive), material_form("学习贯彻全会精神辅导", slug="fudao", **{"action-publish": "1"}))
        assert response.status_code == 302, (response.context["form"].errors, {k: f.errors for k, f in response.context["form"].formsets.items()})
        page = TheoryMaterialPage.objects.get(title="学习贯彻全会精神辅导")
        assert page.live and page.owner_id == world.organizer_a.user_id

    def test_an_organizer_edits_a_secretarys_draft(self, client, world, archive):
        page = archive.add_child(instance=TheoryMaterialPage(title="草稿", live=False, owner=world.secretary_a1.user))
        client = logged_in(client, world.organizer_a)
        assert client.get(f"/admin/pages/{page.pk}/edit/").status_code == 200


class TestSecretaryDraftsForApproval:
    def test_a_secretary_cannot_publish_and_her_submission_waits_for_an_organizer(self, client, world, archive):
        secretary = logged_in(client, world.secretary_a1)
        form = secretary.get(add_url(archive)).content.decode()
        assert 'name="action-publish"' not in form
        response = secretary.post(add_url(archive), material_form("支部学习心得汇编", slug="huibian", **{"action-publish": "1"}))
        assert response.status_code == 302
        page = TheoryMaterialPage.objects.get(title="支部学习心得汇编")
        assert not page.live, "a publish button pressed by hand is ignored for a secretary"

        response = secretary.post(
            f"/admin/pages/{page.pk}/edit/", material_form("支部学习心得汇编", slug=page.slug, **{"action-submit": "1"})
        )
        assert response.status_code == 302
        state = WorkflowState.objects.get(base_content_type__isnull=False, object_id=str(page.pk))
        assert state.workflow.name == WORKFLOW_NAME
        assert state.current_task_state.task.name == TASK_NAME
        page.refresh_from_db()
        assert not page.live

        organizer = logged_in(client.__class__(), world.organizer_a)
        response = organizer.post(
            f"/admin/pages/workflow/action/{page.pk}/approve/{state.current_task_state.pk}/", {"comment": ""}
        )
        assert response.status_code in (200, 302)
        page.refresh_from_db()
        assert page.live

    def test_a_secretary_cannot_edit_someone_elses_material(self, client, world, archive):
        page = archive.add_child(instance=TheoryMaterialPage(title="他人资料", owner=world.organizer_a.user))
        response = logged_in(client, world.secretary_a1).get(f"/admin/pages/{page.pk}/edit/")
        assert response.status_code in (302, 403)

    def test_a_secretary_of_another_branch_drafts_too_but_not_in_the_wrong_place(self, client, world, site, archive):
        # Page permissions are on the sections only: the home page stays closed.
        response = logged_in(client, world.secretary_b1).get(f"/admin/pages/add/courses/theoryindexpage/{site.pk}/")
        assert response.status_code in (302, 403)


class TestNoLostPublish:
    def test_an_autosave_arriving_after_a_publish_is_refused_not_applied(self, client, world, archive):
        page = archive.add_child(instance=TheoryMaterialPage(title="待发布", live=False, owner=world.organizer_a.user))
        loaded = page.save_revision(user=world.organizer_a.user)
        client = logged_in(client, world.organizer_a)
        published = client.post(
            f"/admin/pages/{page.pk}/edit/",
            material_form("待发布", slug=page.slug, loaded_revision_id=loaded.pk, **{"action-publish": "1"}),
        )
        assert published.status_code == 302
        autosave = client.post(
            f"/admin/pages/{page.pk}/edit/",
            material_form(
                "待发布（改）",
                slug=page.slug,
                loaded_revision_id=loaded.pk,
                loaded_revision_created_at=loaded.created_at.isoformat(),
            ),
            headers={"Accept": "application/json"},
        )
        assert autosave.status_code == 409 or autosave.json()["success"] is False
        page.refresh_from_db()
        assert page.live and page.title == "待发布"

    def test_every_write_in_the_editor_runs_under_the_pages_lock(self, client, world, archive, monkeypatch):
        from courses import editing

        page = archive.add_child(instance=TheoryMaterialPage(title="加锁", live=False, owner=world.organizer_a.user))
        seen = []
        original = editing.locks_page

        def spy(request):
            page_id = original(request)
            seen.append(page_id)
            return page_id

        monkeypatch.setattr(editing, "locks_page", spy)
        atomic_at_publish = []

        from wagtail.signals import page_published

        def record(sender, instance, **kwargs):
            atomic_at_publish.append(connection.in_atomic_block)

        page_published.connect(record)
        try:
            client = logged_in(client, world.organizer_a)
            client.get(f"/admin/pages/{page.pk}/edit/")
            client.post(f"/admin/pages/{page.pk}/edit/", material_form("加锁", slug=page.slug, **{"action-publish": "1"}))
        finally:
            page_published.disconnect(record)
        assert seen == [None, page.pk]  # the GET takes no lock, the publish does
        assert atomic_at_publish == [True]
        assert Page.objects.get(pk=page.pk).live


def test_a_member_without_roles_is_in_no_role_group(world):
    member = make_member(world.branch_a1, "plain")
    assert not member.user.groups.exists()
    assert Group.objects.filter(name__in=["组织员", "支部书记"]).count() == 2
    assert make_secretary(world.branch_b1, "s2").user.groups.filter(name="支部书记").exists()
    assert make_organizer(world.committee_b, world.branch_b1, "o2").user.groups.filter(name="组织员").exists()
