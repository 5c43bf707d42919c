"""The one place where a refused exam operation becomes a response.

A view declares how its refusals are answered; the status comes from the exception
(``ExamError.status``: 400 by default, 404 for someone else's attempt, 403 outside the
audience), never from the view:

- ``@answers_errors(json={"saved": False})``: JSON ``{"saved": false, "error": "…"}`` (the
  fields given, plus the message) with the exception's status, for the answering page's script;
- ``@answers_errors(back="exams:grading")``: a form the person fixes and sends again: the
  message is shown on that page after a redirect;
- ``@answers_errors()``: an error page with the message and the exception's status.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from exams.errors import ExamError


def error_response(
    request: HttpRequest, exc: ExamError, *, json: dict[str, Any] | None = None, back: str | None = None
) -> HttpResponse:
    if json is not None:
        return JsonResponse({**json, "error": exc.message}, status=exc.status)
    if back is not None:
        messages.error(request, exc.message)
        return redirect(back)
    referer = request.headers.get("Referer", "")
    safe = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return render(
        request,
        "exams/error.html",
        {"message": exc.message, "back_url": referer if safe and referer else "/"},
        status=exc.status,
    )


def answers_errors(*, json: dict[str, Any] | None = None, back: str | None = None) -> Callable[[Callable], Callable]:
    """Decorator: the view's ``ExamError`` becomes a response (see the module docstring)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def inner(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except ExamError as exc:
                return error_response(request, exc, json=json, back=back)

        return inner

    return decorate
