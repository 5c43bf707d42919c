"""Rich text that people type or import: cleaned by one allow-list before it is stored, shown by one filter.

The allow-list is Wagtail's own (``wagtail.whitelist.DEFAULT_ELEMENT_RULES``: paragraphs,
headings, lists, bold/italic, sub/sup, line breaks, web links with a safe scheme) plus the
two elements of Wagtail's stored rich-text format, ``<a linktype=… id=…>`` and
``<embed embedtype=… id=… format=… alt=…>``, which ``expand_db_html`` turns into links and
images from the database. Everything else goes: script-like elements with their content,
every other element replaced by its text, every attribute not named (``on*`` handlers,
``style``, ``javascript:`` links).

A text with no markup (it does not start with ``<``) is plain text: it is stored as it is and
shown escaped, its line breaks kept. ``rich_text_html`` is the one way to show either kind;
templates use the ``rich_text`` filter of ``core_tags``.
"""

from __future__ import annotations

import html
import re

from django.utils.html import escape, linebreaks, strip_tags
from django.utils.safestring import SafeString, mark_safe
from wagtail.rich_text import expand_db_html
from wagtail.rich_text.rewriters import FIND_EMBED_TAG, extract_attrs
from wagtail.whitelist import DEFAULT_ELEMENT_RULES, Whitelister, attribute_rule, check_url

# Elements whose content is never text a reader should see: dropped with their content.
DROPPED_ELEMENTS = frozenset(
    "script style noscript template iframe object svg math head title frame frameset applet base link meta "
    "form input button textarea select".split()
)

_WEB_SCHEMES = ("http://", "https://", "ftp://", "mailto:", "tel:", "/", "#")


def _href(value: str) -> str | None:
    """A link address kept only with a web scheme (or site-relative): no ``javascript:``/``data:``."""
    value = (value or "").strip()
    if not value or check_url(value) is None:
        return None
    return value if value.lower().startswith(_WEB_SCHEMES) or ":" not in value.split("/", 1)[0] else None


def _link(tag) -> None:
    if tag.get("linktype"):
        # Wagtail's stored internal link (<a linktype="page" id="3">): expanded from the database.
        attribute_rule({"linktype": True, "id": True})(tag)
    else:
        attribute_rule({"href": _href})(tag)


def _embed(tag) -> None:
    if not tag.get("embedtype"):
        tag.decompose()
        return
    attribute_rule({"embedtype": True, "id": True, "format": True, "alt": True, "url": _href})(tag)


RICH_TEXT_RULES = {
    **{name: rule for name, rule in DEFAULT_ELEMENT_RULES.items() if name not in ("img", "div")},
    "a": _link,
    "embed": _embed,
    "blockquote": DEFAULT_ELEMENT_RULES["p"],
    "code": DEFAULT_ELEMENT_RULES["p"],
}


class RichTextWhitelister(Whitelister):
    """Wagtail's allow-list cleaner with script-like elements dropped together with their content."""

    element_rules = RICH_TEXT_RULES
    dropped = DROPPED_ELEMENTS

    def clean_tag_node(self, doc, tag) -> None:
        if tag.name in self.dropped:
            tag.decompose()
            return
        super().clean_tag_node(doc, tag)


_CLEANER = RichTextWhitelister()


def is_markup(text: str | None) -> bool:
    """Whether a stored text is HTML (it starts with a tag) rather than plain text."""
    return bool(text) and text.lstrip().startswith("<")


def clean_rich_text(text: str | None) -> str:
    """The text ready to store: HTML reduced to the allow-list; plain text unchanged."""
    text = text or ""
    if not is_markup(text):
        return text
    return _CLEANER.clean(text).strip()


def plain_text_to_store(text: str | None) -> str:
    """Text known to be plain (a Word paragraph, a Moodle ``plain_text`` field) in its stored form.

    Stored text that starts with ``<`` is read as markup, so a plain text such as
    「<a>与<b>的关系是」 would lose its letters to the allow-list: such a text is stored as
    escaped paragraphs instead, one per line, and shows exactly as it was typed.
    """
    text = text or ""
    if not is_markup(text):
        return text
    return "".join(f"<p>{escape(line)}</p>" for line in text.split("\n"))


_BLOCK_END = re.compile(r"<br\s*/?>|</(?:p|div|li|h[1-6]|blockquote|tr)\s*>", re.I)


def html_to_plain_text(markup: str) -> str:
    """HTML's text: paragraphs and line breaks as lines, tags dropped, entities (「&amp;」「&nbsp;」) decoded."""
    text = html.unescape(strip_tags(_BLOCK_END.sub("\n", markup))).replace("\xa0", " ")
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def rich_text_plain(text: str | None) -> str:
    """A stored text as a reader sees it, without markup (previews, titles): plain text stays as it is."""
    return html_to_plain_text(text or "") if is_markup(text) else (text or "")


def embedded_image_refs(text: str | None) -> list[str]:
    """The ``id`` of each image embed (``<embed embedtype="image" id="12"/>``) of a stored text, in order.

    Read with the same pattern and attribute parser as ``expand_db_html`` uses to show them, so
    what is checked here is what would be shown. Ids are strings, as written (an import's own
    pictures are ``pending-image-0`` … until they are stored); plain text shows no images.
    """
    if not is_markup(text) or "<embed" not in text:
        return []
    refs = []
    for found in FIND_EMBED_TAG.finditer(text):
        attrs = extract_attrs(found.group(1))
        if attrs.get("embedtype") == "image":
            refs.append(attrs.get("id", ""))
    return refs


def rich_text_html(text: str | None) -> SafeString:
    """HTML to show a stored text (cleaned by ``clean_rich_text`` when it was stored)."""
    if is_markup(text):
        return mark_safe(expand_db_html(text))  # noqa: S308  (allow-listed when stored; see clean_rich_text)
    return mark_safe(linebreaks(escape(text or "")))  # noqa: S308  (escaped)
