"""PostgreSQL full text and trigrams: the fragments search/service.py puts in its statements.

Message text: `messages.search_vector`, the stored tsvector of migration 0002 (the `simple`
configuration: no stemming, no stop words, any language matches word for word; diacritics are
kept).
Contact fields and identities: substring matches that pg_trgm's GIN indexes serve.
"""

from __future__ import annotations

import itertools
import re

from frontdesk.search.query import SearchQuery, Term, tsquery

MESSAGE_FROM = "messages m"
MESSAGE_MATCH = "m.search_vector @@ to_tsquery('simple'::regconfig, :match)"
# A word the parser surely keeps whole and lower-cases as we do: only then is a pair of them a
# lexeme of the vector (anything else is left to the phrase operator alone).
_PLAIN_WORD = re.compile(r"[a-z]+|[0-9]+")
MESSAGE_KEY = "m.id"
# The first batch of matches is looked for among the newest messages only, read by the
# primary key: a common word is found there whatever the planner estimates (an estimate
# too low makes it read every match, then sort: 0.6 s for 30,000 matches, measured). Rarer
# words are looked for below the window, where the planner's choice of the GIN index is right.
WINDOW = 10_000
NEWEST_MESSAGES = (
    "(SELECT id, thread_id, archived, type, created_at, has_attachments, search_vector "
    "FROM messages WHERE id < :cursor ORDER BY id DESC LIMIT :window) m"
)
# The window's lowest id, where the walk goes on; None when the window held every message.
WINDOW_END = (
    "SELECT CASE WHEN count(*) = :window THEN min(id) END FROM "
    "(SELECT id FROM messages WHERE id < :cursor ORDER BY id DESC LIMIT :window) w"
)
CONTACT_JOIN = "CROSS JOIN"
THREADS_OF_CONTACTS = "threads t"
CONTACT_TEXT = (
    "lower(coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(phone, ''))"
)


# A word shorter than a trigram matches where a word of the text starts with it: such
# patterns give pg_trgm its word-start trigrams (" ne"), where "%ne%" gives it none and reads
# every contact (0.2 s for 65,000 contacts, measured). Longer words match anywhere.
_WORD_STARTS = ("", " ", ".", "@", "-", "+", "(", "\\_")


def _patterns(words: list[str]) -> list[list[str]]:
    """The LIKE patterns of each word, any of which it may match."""
    return [
        [f"%{w}%"] if len(w) >= 3 else [f"{'%' if s else ''}{s}{w}%" for s in _WORD_STARTS]
        for w in words
    ]


def _like(column: str, patterns: list[list[str]]) -> str:
    return " AND ".join(
        "(" + " OR ".join(f"{column} LIKE :cw{n}_{k}" for k in range(len(options))) + ")"
        for n, options in enumerate(patterns)
    )


def contact_ids(query: SearchQuery) -> str:
    """Contacts whose name, email and phone hold every word, or one identity does."""
    patterns = _patterns([w for term in query.terms for w in term.words])
    fields = _like(CONTACT_TEXT, patterns)
    identity = _like("lower(value)", patterns)
    return (
        f"SELECT id FROM contacts WHERE {fields} "  # noqa: S608 (placeholders only)
        f"UNION SELECT contact_id FROM contact_identities WHERE {identity}"
    )


def _pairs(term: Term) -> list[str]:
    """The term's adjacent word pairs that migration 0002 indexed as lexemes (none ending in
    a prefix)."""
    whole = term.words[:-1] if term.prefix else term.words
    return [
        f"'~{first} {second}'"
        for first, second in itertools.pairwise(whole)
        if _PLAIN_WORD.fullmatch(first) and _PLAIN_WORD.fullmatch(second)
    ]


def _split(query: SearchQuery) -> tuple[SearchQuery, list[str]]:
    """The terms left to `to_tsquery`, and the word pairs to look up. A phrase of two whole
    words is its pair alone: the same rows, and the planner's estimate stays right (the
    phrase and its pair together would count the same rows' rarity twice, and an estimate
    a hundred times too low reads every match: 1 s at a million messages, measured)."""
    rest: list[Term] = []
    pairs: list[str] = []
    for term in query.terms:
        found = _pairs(term)
        pairs += found
        if not (len(term.words) == 2 and found):
            rest.append(term)
    return SearchQuery(tuple(rest)), pairs


def message_match(query: SearchQuery) -> str:
    """The condition on `m`: the words and phrases, and the word pairs the index finds."""
    rest, pairs = _split(query)
    conditions = [MESSAGE_MATCH] if rest.terms else []
    if pairs:
        conditions.append("m.search_vector @@ CAST(:pairs AS tsquery)")
    return " AND ".join(conditions)


def params(query: SearchQuery) -> dict[str, object]:
    # Words are letters and digits only: nothing in them is a LIKE wildcard.
    patterns = _patterns([w for term in query.terms for w in term.words])
    out: dict[str, object] = {
        f"cw{n}_{k}": pattern
        for n, options in enumerate(patterns)
        for k, pattern in enumerate(options)
    }
    rest, pairs = _split(query)
    out["match"] = tsquery(rest)
    out["pairs"] = " & ".join(pairs)
    out["window"] = WINDOW
    return out


REINDEX = [
    "REINDEX INDEX ix_messages_search",
    "REINDEX INDEX ix_contacts_search",
    "REINDEX INDEX ix_contact_identities_search",
]
