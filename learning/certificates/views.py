"""Public verification page, a member's own certificates, single PDF download."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.downloads import PDF, file_response
from learning.certificates.models import Certificate
from learning.certificates.render import cn_date, fmt_hours, render_one, target_statement
from learning.certificates.scoping import get_certificate_for_user, own_certificates
from learning.certificates.throttle import allow, client_key
from learning.members.scoping import public_view, scope_for, scoped_view

VERIFY_LIMIT_PER_MINUTE = getattr(settings, "CERTIFICATE_VERIFY_LIMIT_PER_MINUTE", 30)


@public_view("whoever holds a printed certificate checks it by the secret code in its QR; throttled, name masked")
@require_GET
@never_cache
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Anyone holding a certificate checks it here; the code is the only way in."""
    if not allow(client_key(request, "verify"), VERIFY_LIMIT_PER_MINUTE):
        response = render(request, "certificates/verify.html", {"throttled": True}, status=429)
        response["Retry-After"] = "60"
        return response
    cert = (
        Certificate.objects.select_related("issuer").filter(code=code).first()
        if len(code) <= 64 and code.replace("-", "").replace("_", "").isalnum()
        else None
    )
    if cert is None:
        return render(request, "certificates/verify.html", {"not_found": True}, status=404)
    context = {
        "cert": cert,
        "masked_name": cert.masked_holder_name,
        "hours": fmt_hours(cert.hours),
        "score": fmt_hours(cert.score),
        "target_statement": target_statement(cert),
        "achieved_on": cn_date(cert.achieved_on),
        "issued_on": cn_date(cert.issued_at),
    }
    return render(request, "certificates/verify.html", context)


@public_view("whoever holds a printed certificate types its number and the holder's full name; throttled")
@require_GET
@never_cache
def verify_form(request: HttpRequest) -> HttpResponse:
    """Check a certificate without scanning its QR: the 证书编号 printed on it and the holder's full name.

    The serial alone is sequential (guessable), so it must come with the exact name on the paper;
    a match leads to the same page as the QR code (``/verify/<code>``).
    """
    serial = request.GET.get("serial", "").strip()
    name = request.GET.get("name", "").strip()
    context: dict = {"form_only": True, "serial": serial, "name": name}
    if not serial and not name:
        return render(request, "certificates/verify.html", context)
    if not allow(client_key(request, "verify"), VERIFY_LIMIT_PER_MINUTE):
        response = render(request, "certificates/verify.html", {**context, "throttled": True}, status=429)
        response["Retry-After"] = "60"
        return response
    if not serial or not name:
        context["error"] = "请同时填写证书编号和持证人姓名。"
        return render(request, "certificates/verify.html", context, status=400)
    code = Certificate.objects.filter(serial=serial[:40], holder_name=name[:50]).values_list("code", flat=True).first()
    if code is None:
        context["error"] = f"未找到编号为 {serial[:40]}、持证人为 {name[:50]} 的证书，请核对证书上的编号和姓名。"
        return render(request, "certificates/verify.html", context, status=404)
    return redirect("certificates:verify", code=code)


@scoped_view
def my_certificates(request: HttpRequest) -> HttpResponse:
    """我的证书: the signed-in member's certificates, newest first."""
    certs = own_certificates(request.user).select_related("issuer").order_by("-issued_at", "-id")
    has_member = scope_for(request.user).member_id is not None
    return render(request, "certificates/mine.html", {"certificates": certs, "has_member": has_member})


@scoped_view
def certificate_pdf(request: HttpRequest, code: str) -> HttpResponse:
    cert = get_certificate_for_user(request.user, code)
    pdf = render_one(cert, base_url=request.build_absolute_uri("/"))
    return file_response(pdf, f"证书-{cert.serial}.pdf", PDF)
