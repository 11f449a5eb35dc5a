"""Snippets: a window of a text around its first matched word, split into (text, is_match)
parts. Computed here from the query's words, the same on both databases, and plain text: the
page or the API client escapes it (nothing from a message is ever returned as markup)."""

from __future__ import annotations

import re

from frontdesk.search.query import SearchQuery, matches_word

WINDOW = 160  # characters around the first match
_WORD = re.compile(r"[^\W_]+")


def snippet_of(query: SearchQuery, text: str, *, fallback: str = "") -> list[tuple[str, bool]]:
    """Parts of `text` (or of `fallback` when nothing in `text` matches) with matches marked."""
    source = " ".join(text.split())  # one line: newlines and runs of spaces
    first = _first_match(query, source)
    if first is None and fallback:
        other = " ".join(fallback.split())
        found = _first_match(query, other)
        if found is not None:
            source, first = other, found
    first = first or 0
    start = max(0, first - WINDOW // 4)
    if start:
        space = source.rfind(" ", 0, start)
        start = space + 1 if space >= 0 else start
    end = min(len(source), start + WINDOW)
    if end < len(source):
        space = source.rfind(" ", start + 1, end)
        end = space if space > start else end
    parts = _split(query, source[start:end])
    if start:
        parts.insert(0, ("…", False))
    if end < len(source):
        parts.append(("…", False))
    return _merge(parts)


def _first_match(query: SearchQuery, text: str) -> int | None:
    if query.is_empty:
        return None
    for match in _WORD.finditer(text):
        if matches_word(query, match.group()):
            return match.start()
    return None


def _split(query: SearchQuery, text: str) -> list[tuple[str, bool]]:
    parts: list[tuple[str, bool]] = []
    position = 0
    for match in _WORD.finditer(text):
        if not query.is_empty and matches_word(query, match.group()):
            if match.start() > position:
                parts.append((text[position : match.start()], False))
            parts.append((match.group(), True))
            position = match.end()
    if position < len(text):
        parts.append((text[position:], False))
    return parts


def _merge(parts: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for part, matched in parts:
        if out and not matched and not out[-1][1]:
            out[-1] = (out[-1][0] + part, False)
        elif part:
            out.append((part, matched))
    return out
