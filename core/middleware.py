"""Requests carrying a NUL character are refused before any view runs.

No text of the site contains U+0000, and PostgreSQL refuses it in every string it is
given, so a NUL in the path, a query parameter or a form field would end as a server
error deep in some query. One check here answers all of them with a plain 400.
"""

from __future__ import annotations

from django.http import HttpResponseBadRequest


def _has_nul(data) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in data.lists())


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or _has_nul(request.GET):
            return HttpResponseBadRequest("请求含有无效字符")
        # Form-encoded bodies only: reading a multipart body here would consume the stream that a view
        # reading ``request.body`` (the JSON study reports) still needs; multipart fields go through forms.
        if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
            if _has_nul(request.POST):
                return HttpResponseBadRequest("请求含有无效字符")
        return self.get_response(request)
