from django.urls import path

from learning.certificates import views

app_name = "certificates"

urlpatterns = [
    # Printed certificates carry /verify/<code> in their QR code: this path never changes.
    path("verify/<str:code>", views.verify, name="verify"),
    path("verify/", views.verify_form, name="verify_form"),
    path("certificates/", views.my_certificates, name="mine"),
    path("certificates/<str:code>.pdf", views.certificate_pdf, name="pdf"),
]
