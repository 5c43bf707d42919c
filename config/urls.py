from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    # Browsers ask for /favicon.ico whatever the page links to.
    path(
        "favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}favicon.ico", permanent=True), name="favicon"
    ),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("", include("learning.members.auth_urls")),
    path("", include("learning.members.urls")),
    path("", include("learning.hours.urls")),
    path("", include("learning.plans.urls")),
    path("", include("learning.seminars.urls")),
    path("", include("learning.evaluations.urls")),
    path("", include("learning.certificates.urls")),
    path("", include("learning.reviews.urls")),
    path("", include("exams.urls")),
    path("", include("search.urls")),
    path("", include("courses.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]
