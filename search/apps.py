from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "理论文库检索"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from search import signals

        signals.connect()
