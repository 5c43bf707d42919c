from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    """民主评议党员: review rounds, self-assessment, peer comments, secret ballot, grading, 整改."""

    name = "learning.reviews"
    label = "reviews"
    verbose_name = "民主评议"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from learning.reviews.receivers import connect

        connect()
