"""Which rich-text formatting a channel can deliver: the capability check on an agent's HTML.

A channel whose `richText` capability is empty is plain text: `richText` is dropped and only
`text` is sent. Otherwise the sanitised HTML must use only the formatting the channel lists
(UNCONFIRMED in the reference).
"""

from __future__ import annotations

from html.parser import HTMLParser

from frontdesk.channels.capabilities import Capabilities
from frontdesk.core.errors import validation_error
from frontdesk.messages.sanitize import sanitize_rich_text

INLINE_IMAGES = "INLINE_IMAGES"  # governed by allowInlineImages, not by the richText list
_TAG_FORMATS = {
    tag: option
    for option, tags in {
        "HYPERLINK": ("a",),
        "BOLD": ("b", "strong"),
        "ITALIC": ("i", "em"),
        "UNDERLINE": ("u", "ins"),
        "BLOCKQUOTE": ("blockquote",),
        "LISTS": ("ul", "ol", "li", "dl"),
        "TEXT_ALIGNMENT": ("center",),
        "TEXT_HIGHLIGHT_COLOR": ("mark",),
        "FONT_SIZE": ("h1", "h2", "h3", "h4", "h5", "h6", "big", "small"),
        "FONT_STYLE": ("font", "code", "pre", "tt", "s", "strike", "del", "sub", "sup"),
        INLINE_IMAGES: ("img",),
    }.items()
    for tag in tags
}
_STYLE_FORMATS = {
    "text-align": "TEXT_ALIGNMENT",
    "color": "TEXT_COLOR",
    "background-color": "TEXT_HIGHLIGHT_COLOR",
    "background": "TEXT_HIGHLIGHT_COLOR",
    "font-size": "FONT_SIZE",
    "font-family": "FONT_STYLE",
    "font-weight": "BOLD",
    "font-style": "ITALIC",
    "text-decoration": "UNDERLINE",
}
_FORMAT_NAMES = {
    "BLOCKQUOTE": "quotes",
    "BOLD": "bold text",
    "FONT_SIZE": "font sizes or headings",
    "FONT_STYLE": "font styles",
    "HYPERLINK": "links",
    "ITALIC": "italic text",
    "LISTS": "lists",
    "TEXT_ALIGNMENT": "text alignment",
    "TEXT_HIGHLIGHT_COLOR": "highlighted text",
    "TEXT_COLOR": "coloured text",
    "UNDERLINE": "underlined text",
    INLINE_IMAGES: "inline images",
}


class _FormattingScanner(HTMLParser):
    """Collects the formatting options an HTML fragment uses (tags and inline styles)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.used: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _TAG_FORMATS:
            self.used.add(_TAG_FORMATS[tag])
        for name, value in attrs:
            if name == "align":
                self.used.add("TEXT_ALIGNMENT")
            elif name == "style" and value:
                for declaration in value.split(";"):
                    prop = declaration.partition(":")[0].strip().lower()
                    if prop in _STYLE_FORMATS:
                        self.used.add(_STYLE_FORMATS[prop])


def formatting_used(html: str) -> set[str]:
    """The capability names (`richText` values, or INLINE_IMAGES) an HTML fragment needs."""
    scanner = _FormattingScanner()
    scanner.feed(html)
    scanner.close()
    return scanner.used


def outgoing_rich_text(raw: str | None, caps: Capabilities) -> str | None:
    """The sanitised HTML to send, None for a plain-text channel; 400 on formatting the
    channel cannot deliver (agents then remove it and send again)."""
    if raw is None or not caps.richText:
        return None
    clean = comment_rich_text(raw)
    if clean is None:
        return None
    allowed = set(caps.richText) | ({INLINE_IMAGES} if caps.allowInlineImages else set())
    refused = sorted(formatting_used(clean) - allowed)
    if refused:
        names = ", ".join(f"{_FORMAT_NAMES[f]} ({f})" for f in refused)
        raise validation_error(
            f"This channel cannot send {names}. Remove that formatting and send again.",
            field_name="richText",
        )
    return clean


def comment_rich_text(raw: str | None) -> str | None:
    """The sanitised HTML of a comment, which never leaves Frontdesk: any formatting the
    sanitiser keeps is fine; None when nothing visible is left."""
    clean = sanitize_rich_text(raw)
    return clean if clean and clean.strip() else None
