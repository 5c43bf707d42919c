"""Content-Security-Policy on every response, with a fresh nonce per request for the site's own scripts.

The site's pages get a strict policy: scripts only from the site itself or carrying this
request's nonce (``<script nonce="{{ request.csp_nonce }}">``), no plugins, no inline event
handlers, no ``javascript:`` URLs, forms posting only to the site, no framing by others. Even
if a stored text slipped past the allow-list (core/richtext.py), a browser would not run it.

The Wagtail admin (``CSP_RELAXED_PREFIXES``) keeps its own inline scripts: it gets the same
policy but without a nonce and with ``'unsafe-inline'`` for scripts; the admin is used by
organizers only, and what it shows of imported text is allow-listed when stored.

Settings: ``CSP_RELAXED_PREFIXES`` (paths with the admin's policy), ``CSP_REPORT_ONLY``
(send ``Content-Security-Policy-Report-Only`` instead, to try a change on a live site).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.utils.functional import SimpleLazyObject

BASE_DIRECTIVES = {
    "default-src": "'self'",
    "img-src": "'self' data: blob:",
    "media-src": "'self' blob:",
    "font-src": "'self' data:",
    "style-src": "'self' 'unsafe-inline'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'self'",
    "frame-src": "'self'",
}


def site_policy(nonce: str) -> str:
    directives = {**BASE_DIRECTIVES, "script-src": f"'self' 'nonce-{nonce}'"}
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def relaxed_policy() -> str:
    directives = {**BASE_DIRECTIVES, "script-src": "'self' 'unsafe-inline' 'unsafe-eval'"}
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class ContentSecurityPolicyMiddleware:
    """Sets ``request.csp_nonce`` (made only if a template asks for it) and the policy header."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.relaxed_prefixes = tuple(getattr(settings, "CSP_RELAXED_PREFIXES", ("/admin/", "/django-admin/")))
        self.header = (
            "Content-Security-Policy-Report-Only"
            if getattr(settings, "CSP_REPORT_ONLY", False)
            else "Content-Security-Policy"
        )

    def __call__(self, request):
        made: list[str] = []

        def nonce() -> str:
            if not made:
                made.append(secrets.token_urlsafe(16))
            return made[0]

        request.csp_nonce = SimpleLazyObject(nonce)
        response = self.get_response(request)
        if self.header in response:
            return response
        if request.path.startswith(self.relaxed_prefixes):
            response[self.header] = relaxed_policy()
        else:
            response[self.header] = site_policy(nonce())
        return response
