"""Certificates as PDF: weasyprint with the project's own CJK font, a QR code per certificate.

The font is core's (``core.pdf``: shipped in ``core/fonts/``, loaded through ``@font-face``
with a file URL), so a machine without any Chinese font still prints correct certificates.
Many certificates are laid out in chunks (progress can be reported between chunks) and
written as ONE PDF, so the font is subset and embedded once.
"""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path

import qrcode
import qrcode.constants
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe

from core.pdf import FONT_FAMILY, fewer_collections, font_face_css
from learning.certificates.models import (
    PLACEHOLDER_RE,
    TARGET_MET_PHRASE,
    Certificate,
    CertificateKind,
    CertificateTemplate,
)

CHUNK = 50  # certificates laid out per weasyprint pass (progress is reported between passes)

ProgressCallback = Callable[[int, int], None]


def cn_date(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def fmt_hours(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def target_statement(cert: Certificate) -> str:
    """{达标情况}: the target met only when the holder's own hours reached it, else what the target is."""
    if cert.kind != CertificateKind.HOURS or cert.target is None:
        return ""
    if cert.meets_target:
        return TARGET_MET_PHRASE
    return f"年度学习要求为{fmt_hours(cert.target)}学时"


def placeholder_values(cert: Certificate) -> dict[str, str]:
    branch = cert.member.branch.name if cert.member_id else ""
    return {
        "姓名": cert.holder_name,
        "支部": branch,
        "课程": cert.subject if cert.kind == CertificateKind.COURSE else "",
        "考试": cert.subject if cert.kind == CertificateKind.EXAM else "",
        "成绩": fmt_hours(cert.score),
        "学时": fmt_hours(cert.hours),
        "年度目标": fmt_hours(cert.target) if cert.kind == CertificateKind.HOURS else "",
        "达标情况": target_statement(cert),
        "年度": str(cert.year),
        "日期": cn_date(cert.achieved_on),
        "发证日期": cn_date(cert.issued_at),
        "证书编号": cert.serial,
        "发证单位": cert.issuer_name,
    }


def fill_wording(wording: str, values: dict[str, str]) -> str:
    """Wording with placeholders filled, HTML-escaped, one <p> per line."""

    def replace(match) -> str:
        name = match.group(1)
        return values.get(name, match.group(0))

    paragraphs = [line.strip() for line in wording.splitlines() if line.strip()]
    return "".join(f"<p>{escape(PLACEHOLDER_RE.sub(replace, line))}</p>" for line in paragraphs)


def verify_url(cert: Certificate, base_url: str | None = None) -> str:
    base = (base_url or settings.WAGTAILADMIN_BASE_URL).rstrip("/")
    return f"{base}{cert.get_verify_path()}"


def qr_data_uri(url: str) -> str:
    """The QR code as a one-pixel-per-module PNG data URI (~300 bytes), scaled up crisply in the PDF.

    A fixed mask pattern skips qrcode's trial of all eight masks (the slow part), and a PNG
    instead of an SVG spares weasyprint drawing hundreds of vector squares per page. The PNG is
    8-bit grey, which weasyprint embeds as it is (a 1-bit one it converts to RGB and re-encodes).
    """
    from PIL import Image

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=0)
    qr.add_data(url)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    size = len(matrix)
    image = Image.new("L", (size, size), 255)
    image.putdata([0 if dark else 255 for row in matrix for dark in row])
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _image_url(image) -> str | None:
    if image is None:
        return None
    # weasyprint reads local files directly; storages without a local path (object
    # storage) are fetched through their URL instead.
    if isinstance(image.file.storage, FileSystemStorage):
        return Path(image.file.path).as_uri()
    return image.file.url


def certificate_wording(cert: Certificate) -> str:
    """The template's wording for this certificate, never claiming a target the holder did not meet.

    Templates are validated against writing the claim out, but one saved around the form
    (the ORM, an old database) may still carry it: in a 学习证明 the phrase then stands for
    {达标情况}, which says it only when it is true.
    """
    wording = cert.template.wording
    if cert.kind == CertificateKind.HOURS:
        wording = wording.replace(TARGET_MET_PHRASE, "{达标情况}")
    return wording


def page_context(cert: Certificate, base_url: str | None = None) -> dict:
    template: CertificateTemplate = cert.template
    url = verify_url(cert, base_url)
    return {
        "cert": cert,
        "title": template.title,
        "body": mark_safe(fill_wording(certificate_wording(cert), placeholder_values(cert))),  # noqa: S308 (escaped)
        "issuer_name": cert.issuer_name,
        "issued_on": cn_date(cert.issued_at),
        "orientation": template.orientation,
        "seal_url": _image_url(template.seal_image),
        "background_url": _image_url(template.background_image),
        "verify_url": url,
        "qr": qr_data_uri(url),
        "revoked": cert.is_revoked,
    }


def certificates_html(certs: Iterable[Certificate], base_url: str | None = None) -> str:
    pages = [page_context(cert, base_url) for cert in certs]
    context = {"pages": pages, "font_face": mark_safe(font_face_css()), "font_family": FONT_FAMILY}
    return render_to_string("certificates/pdf.html", context)


def _with_related(certs: Sequence[Certificate]) -> list[Certificate]:
    ids = [c.pk for c in certs]
    by_id = Certificate.objects.select_related(
        "template__seal_image", "template__background_image", "member__branch"
    ).in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def render_pdf(
    certs: Sequence[Certificate],
    *,
    base_url: str | None = None,
    progress: ProgressCallback | None = None,
    chunk: int = CHUNK,
) -> bytes:
    """One PDF, one certificate per page, the font subset and embedded once."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    certs = _with_related(certs)
    if not certs:
        raise ValueError("没有可打印的证书")
    font_config = FontConfiguration()
    image_cache: dict = {}
    documents = []
    total = len(certs)
    with fewer_collections():
        for start in range(0, total, chunk):
            html = certificates_html(certs[start : start + chunk], base_url)
            documents.append(weasyprint.HTML(string=html).render(font_config=font_config, cache=image_cache))
            if progress:
                progress(min(start + chunk, total), total)
        pages = [page for document in documents for page in document.pages]
        return documents[0].copy(pages).write_pdf()


def render_one(cert: Certificate, base_url: str | None = None) -> bytes:
    return render_pdf([cert], base_url=base_url)


def render_zip(certs: Sequence[Certificate], *, base_url: str | None = None, progress=None) -> bytes:
    """A .zip of single-certificate PDFs named by serial and holder."""
    buffer = io.BytesIO()
    certs = _with_related(certs)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, cert in enumerate(certs, 1):
            archive.writestr(f"{cert.serial}-{cert.holder_name}.pdf", render_pdf([cert], base_url=base_url))
            if progress:
                progress(index, len(certs))
    return buffer.getvalue()
