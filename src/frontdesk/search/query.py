"""The search language, the same on both databases: words (all must match), "quoted phrases",
and a prefix on the last word as the user types (or on any `word*`). Nothing else: every other
character only separates words, so no input can reach the database as query syntax."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

MAX_QUERY_LENGTH = 500
# What the SQLite tokenizer (unicode61) keeps as word characters: letters and digits.
_WORD = re.compile(r"[^\W_]+")
_PIECE = re.compile(r'"([^"]*)"?|(\S+)')


@dataclass(frozen=True)
class Term:
    """Consecutive words that must appear in this order; the last one may be a prefix."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class SearchQuery:
    terms: tuple[Term, ...]

    @property
    def is_empty(self) -> bool:
        return not self.terms


def fold(word: str) -> str:
    """Lower case without diacritics, as the index compares words."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words_of(text: str) -> list[str]:
    return _WORD.findall(text)


def parse_query(raw: str) -> SearchQuery:
    """The terms of `raw`. A quote opens a phrase up to the next quote (or the end); a piece
    ending in `*`, or the last piece of the input when it is not followed by a space or a
    closing quote, is a prefix."""
    terms: list[Term] = []
    matches = list(_PIECE.finditer(raw))
    for index, match in enumerate(matches):
        phrase, bare = match.group(1), match.group(2)
        piece = phrase if phrase is not None else bare
        # Lower case only: SQLite's tokenizer drops diacritics itself; PostgreSQL's `simple`
        # configuration keeps them, and so must the words it compares.
        words = tuple(w.casefold() for w in words_of(piece))
        if not words:
            continue
        if phrase is not None:
            prefix = raw[match.end() - 1 : match.end()] != '"' and match.end() == len(raw)
        else:
            is_last = index == len(matches) - 1 and match.end() == len(raw)
            prefix = bare.endswith("*") or (is_last and bare[-1].isalnum())
        terms.append(Term(words=words, prefix=prefix))
    if len(terms) > 1:
        # A one-letter prefix typed after other words ("emma w") narrows little and costs a
        # walk over every indexed word with that letter (prefix indexes start at 2): wait for
        # the next letter.
        terms = [
            t for t in terms if not (t.prefix and t.words == (t.words[0],) and len(t.words[0]) == 1)
        ]
    return SearchQuery(terms=tuple(terms))


def fts5_match(query: SearchQuery) -> str:
    """The FTS5 MATCH expression: each term a quoted string (our words carry no quote)."""
    parts = []
    for term in query.terms:
        text = '"' + " ".join(term.words) + '"'
        parts.append(text + " *" if term.prefix else text)
    return " AND ".join(parts)


def tsquery(query: SearchQuery) -> str:
    """The PostgreSQL `to_tsquery('simple', ...)` text: words quoted, phrases with `<->`."""
    parts = []
    for term in query.terms:
        lexemes = [f"'{w}'" for w in term.words]
        if term.prefix:
            lexemes[-1] += ":*"
        parts.append("(" + " <-> ".join(lexemes) + ")")
    return " & ".join(parts)


@functools.lru_cache(maxsize=256)
def _wanted(query: SearchQuery) -> tuple[frozenset[str], tuple[str, ...]]:
    """The folded words a text's word may equal, and the prefixes it may start with."""
    exact: set[str] = set()
    prefixes: list[str] = []
    for term in query.terms:
        *head, last = (fold(w) for w in term.words)
        exact.update(head)
        if term.prefix:
            prefixes.append(last)
        else:
            exact.add(last)
    return frozenset(exact), tuple(prefixes)


def matches_word(query: SearchQuery, word: str) -> bool:
    """Whether a word of a text is one the query looks for (for highlighting)."""
    exact, prefixes = _wanted(query)
    folded = fold(word)
    return folded in exact or folded.startswith(prefixes)
