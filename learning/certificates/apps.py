from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    """Study certificates: templates, issuing, PDF, bulk printing, verification."""

    name = "learning.certificates"
    label = "certificates"
    verbose_name = "学习证书"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from learning.certificates.receivers import connect

        connect()
