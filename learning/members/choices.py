from django.db import models


class OrgKind(models.TextChoices):
    WORK_COMMITTEE = "work_committee", "工委"
    COMMITTEE = "committee", "党委"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"


class MemberCategory(models.TextChoices):
    FULL = "full", "正式党员"
    PROBATIONARY = "probationary", "预备党员"


class RoleKind(models.TextChoices):
    SECRETARY = "secretary", "支部书记"
    ORGANIZER = "organizer", "组织员"
