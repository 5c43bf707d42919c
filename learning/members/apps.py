from django.apps import AppConfig


class MembersConfig(AppConfig):
    """Organizations, members, transfers, roles, and the scoping API everyone else asks."""

    name = "learning.members"
    label = "members"
    verbose_name = "组织与党员"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from learning.members.admin_roles import connect_role_groups
        from learning.members.middleware import remember_password_change_flag

        connect_role_groups()

        user_logged_in.connect(remember_password_change_flag, dispatch_uid="members.password_change_flag")

        # Names sort in pinyin order in SQL (core.collation): SQLite learns the collation per connection.
        from django.db import connections
        from django.db.backends.signals import connection_created

        from core.collation import register_sqlite

        connection_created.connect(register_sqlite, dispatch_uid="core.collation.pinyin")
        for connection in connections.all(initialized_only=True):
            register_sqlite(None, connection)
