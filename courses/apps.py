from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "学习内容"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from courses import permissions, seminar_archive, signal_handlers
        from courses.models import NAV_VERSION, CoursePage, LessonPage, TheoryMaterialPage
        from learning.hours.items import register_study_item
        from learning.plans.header import register_header_version

        signal_handlers.register()
        # The site header reads the menu's data version in its one statement (courses_nav).
        register_header_version(NAV_VERSION)
        # The archive's texts feed the seminars' originality index; 优秀 心得 are published into it.
        seminar_archive.register()
        permissions.connect()
        # Materials, lessons and courses are what members study (plans, tracking, hours).
        for model in (TheoryMaterialPage, LessonPage, CoursePage):
            register_study_item(model)
