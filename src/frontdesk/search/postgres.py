"""PostgreSQL full text and trigrams: the fragments search/service.py puts in its statements.

Message text: the `simple` configuration (no stemming, no stop words: any language matches
word for word; diacritics are kept), the expression of the GIN index of migration 0002.
Contact fields and identities: substring matches that pg_trgm's GIN indexes serve.
"""

from __future__ import annotations

from frontdesk.search.query import SearchQuery, tsquery

# ASCII punctuation becomes spaces before PostgreSQL's parser sees the text, so words split as
# SQLite's tokenizer and the query parser split them (the parser alone keeps emails and URLs
# whole and drops anything shaped like an HTML tag).
PUNCTUATION = "!\"#$%&''()*+,-./:;<=>?@[\\]^_`{|}~"

VECTOR = (
    "to_tsvector('simple'::regconfig, translate(coalesce(m.subject, '') || ' ' || m.text, "
    f"'{PUNCTUATION}', '{' ' * 32}'))"
)
MESSAGE_FROM = "messages m"
MESSAGE_MATCH = f"{VECTOR} @@ to_tsquery('simple'::regconfig, :match)"
MESSAGE_KEY = "m.id"
CONTACT_JOIN = "CROSS JOIN"
THREADS_OF_CONTACTS = "threads t"
CONTACT_TEXT = (
    "lower(coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(phone, ''))"
)


def contact_ids(query: SearchQuery) -> str:
    """Contacts whose name, email and phone hold every word, or one identity does."""
    words = [w for term in query.terms for w in term.words]
    fields = " AND ".join(f"{CONTACT_TEXT} LIKE :cw{n}" for n in range(len(words)))
    identity = " AND ".join(f"lower(value) LIKE :cw{n}" for n in range(len(words)))
    return (
        f"SELECT id FROM contacts WHERE {fields} "  # noqa: S608 (placeholders only)
        f"UNION SELECT contact_id FROM contact_identities WHERE {identity}"
    )


def params(query: SearchQuery) -> dict[str, object]:
    words = [w for term in query.terms for w in term.words]
    # Words are letters and digits only: nothing in them is a LIKE wildcard.
    out: dict[str, object] = {f"cw{n}": f"%{w}%" for n, w in enumerate(words)}
    out["match"] = tsquery(query)
    return out


REINDEX = [
    "REINDEX INDEX ix_messages_search",
    "REINDEX INDEX ix_contacts_search",
    "REINDEX INDEX ix_contact_identities_search",
]
