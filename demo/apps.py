from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The top floor: ``load_demo_data`` orchestrates every app's demo."""

    name = "demo"
    verbose_name = "演示数据"
