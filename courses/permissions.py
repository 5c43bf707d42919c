"""Who authors and who publishes in the content sections of the page tree.

The model (docs/content-authoring.md):

- The sections are the theory archive (理论学习资料, a ``TheoryIndexPage``) and the training
  courses (业务培训, a ``CourseIndexPage``). Materials and courses serve the whole organ, so the
  sections are shared, not one per branch.
- 组织员 (organizers) may add, edit and publish anything in these sections.
- 支部书记 (secretaries) may add pages and edit the pages they created; they cannot publish.
  Their 「提交审核」 starts the 内容审核 workflow, whose one task (组织员审核) any organizer
  approves (which publishes) or sends back with a comment.

Holding a role is what puts an account in the role's group (learning/members/admin_roles.py);
this module grants those groups their page permissions and attaches the workflow, whenever a
section page or a role group is created, and after ``migrate`` for existing sites.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import post_migrate, post_save
from wagtail.models import GroupApprovalTask, GroupPagePermission, Page, Workflow, WorkflowPage, WorkflowTask

from learning.members.admin_roles import role_group, role_group_created
from learning.members.choices import RoleKind

# What each role's group may do in every content section (Wagtail page permission codenames).
SECTION_PERMISSIONS: dict[str, tuple[str, ...]] = {
    RoleKind.ORGANIZER: ("add_page", "change_page", "publish_page"),
    RoleKind.SECRETARY: ("add_page",),
}
WORKFLOW_NAME = "内容审核"
TASK_NAME = "组织员审核"


def section_models() -> tuple[type[Page], ...]:
    from courses.models import CourseIndexPage, TheoryIndexPage

    return (TheoryIndexPage, CourseIndexPage)


def moderation_workflow() -> Workflow:
    """The 内容审核 workflow: one approval task for the organizers' group."""
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME)
    task.groups.add(role_group(RoleKind.ORGANIZER))
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    return workflow


@transaction.atomic
def grant_section(page: Page) -> None:
    """Give the role groups their permissions on this section and attach the moderation workflow."""
    permissions = {p.codename: p for p in Permission.objects.filter(content_type__app_label="wagtailcore")}
    for role, codenames in SECTION_PERMISSIONS.items():
        group = role_group(role)
        for codename in codenames:
            GroupPagePermission.objects.get_or_create(group=group, page=page, permission=permissions[codename])
    WorkflowPage.objects.get_or_create(page=page, defaults={"workflow": moderation_workflow()})


def grant_all_sections() -> int:
    """Grant every existing section page; returns how many there are."""
    count = 0
    for model in section_models():
        for page in model.objects.all():
            grant_section(page)
            count += 1
    return count


def _section_created(sender, instance: Page, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        grant_section(instance)


def _group_created(sender, role: str, group: Group, **kwargs) -> None:
    # A role group made after the sections (a fresh site, a flushed test database): grant it now.
    if role in SECTION_PERMISSIONS and not getattr(_group_created, "busy", False):
        _group_created.busy = True
        try:
            grant_all_sections()
        finally:
            _group_created.busy = False


def _after_migrate(sender, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    # Only the site's own database holds its groups (a migrate of another alias has no auth tables).
    if using != DEFAULT_DB_ALIAS:
        return
    if sender.name == "courses" and Permission.objects.filter(content_type__app_label="wagtailcore").exists():
        grant_all_sections()


def connect() -> None:
    for model in section_models():
        post_save.connect(_section_created, sender=model, dispatch_uid=f"courses.sections.{model.__name__}")
    role_group_created.connect(_group_created, dispatch_uid="courses.sections.role_group")
    post_migrate.connect(_after_migrate, dispatch_uid="courses.sections.migrate")
