"""Rich text sanitising (DESIGN 4, 9): what a customer sent is cleaned, never refused.

nh3 (Rust's ammonia) parses the HTML like a browser and keeps only an allow-list: a help-desk
tag set, links and images with absolute http(s) URLs, and a few harmless style properties (the
channel capabilities TEXT_ALIGNMENT, TEXT_COLOR, ... need them to survive a round trip). Script
and style elements go with their content; event handlers, `javascript:` and relative URLs go.
"""

from __future__ import annotations

import nh3

ALLOWED_TAGS = frozenset(
    {
        "a",
        "b",
        "blockquote",
        "br",
        "code",
        "del",
        "div",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "*": {"style"},
}
STYLE_PROPERTIES = frozenset(
    {
        "background-color",
        "color",
        "font-size",
        "font-style",
        "font-weight",
        "text-align",
        "text-decoration",
    }
)
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})


# Built once: the allow-lists are compiled into the Rust cleaner, reused by every call.
def make_cleaner(extra_attributes: dict[str, set[str]] | None = None) -> nh3.Cleaner:
    """The allow-list cleaner; `extra_attributes` lets a display add attributes on top (the
    highlighted mentions' span) without a second copy of the rules."""
    attributes = {tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()}
    for tag, names in (extra_attributes or {}).items():
        attributes[tag] = attributes.get(tag, set()) | names
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        attributes=attributes,
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        filter_style_properties=set(STYLE_PROPERTIES),
        url_relative="deny",
    )


_CLEANER = make_cleaner()


def sanitize_rich_text(html: str | None) -> str | None:
    """The HTML with everything outside the allow-list removed; None stays None."""
    if html is None:
        return None
    return _CLEANER.clean(html)
