from django.apps import AppConfig


class SeminarsConfig(AppConfig):
    """研讨式学习: topics, posts, 心得体会 with review and originality, the best kept in the archive."""

    name = "learning.seminars"
    label = "seminars"
    verbose_name = "研讨式学习"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from learning.seminars import feeds

        feeds.connect()
