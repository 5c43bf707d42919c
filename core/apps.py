from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "公共组件"

    def ready(self) -> None:
        from django.urls import register_converter

        from core.converters import IdConverter
        from core.downloads import neutralise_admin_exports

        register_converter(IdConverter, "id")
        neutralise_admin_exports()
