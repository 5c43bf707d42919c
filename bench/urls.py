"""URLconf of the benchmark server (``bench.settings_bench``): the site, plus the floors.

The floor views sit behind the same middleware as every page (sessions, CSRF,
authentication, …) and are served by the same gunicorn; what they leave out is the
work of the path they are the floor of.
"""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def ping(request):
    return HttpResponse("ok", content_type="text/plain")


def trivial_json(request):
    """A signed-in member's least JSON answer: the session and the user are read, nothing else."""
    if not request.user.is_authenticated:
        return JsonResponse({"status": "login"}, status=403)
    return JsonResponse({"status": "ok", "user": request.user.pk})


# key -> (template name, context prepared in memory): registered by bench.harness.template_floor.
FLOORS: dict[str, tuple[str, dict]] = {}


def template_floor(request, key):
    """A page's own template rendered from its context prepared in memory (no queries of its own)."""
    template_name, context = FLOORS[key]
    return render(request, template_name, context)


urlpatterns = [
    path("bench/floor/<str:key>/", template_floor),
    path("bench/ping/", ping),
    path("bench/trivial/", trivial_json),
    *site_urlpatterns,
]
