"""SQLite FTS5: the fragments search/service.py puts in its statements (migration 0002)."""

from __future__ import annotations

from frontdesk.search.query import SearchQuery, fts5_match

MESSAGE_FROM = "messages_fts JOIN messages m ON m.id = messages_fts.rowid"
MESSAGE_MATCH = "messages_fts MATCH :match"
# FTS5 walks its doclist backwards by rowid: the newest matches come first, without a sort.
MESSAGE_KEY = "messages_fts.rowid"
# SQLite has no statistics: CROSS JOIN makes the few matching contacts the outer loop.
CONTACT_JOIN = "CROSS JOIN"
# Without the hint SQLite walks every unarchived thread (an index on `archived`) per contact.
THREADS_OF_CONTACTS = "threads t INDEXED BY ix_threads_contact_status"
# FTS5 needs no window (see postgres.py): its walk is newest first already.
NEWEST_MESSAGES = None
WINDOW_END = ""
CONTACT_IDS = "SELECT rowid AS id FROM contacts_fts WHERE contacts_fts MATCH :match"


def message_match(query: SearchQuery) -> str:
    return MESSAGE_MATCH


def params(query: SearchQuery) -> dict[str, object]:
    return {"match": fts5_match(query)}


REBUILD_CONTACTS = [
    "DELETE FROM contacts_fts",
    "INSERT INTO contacts_fts(rowid, name, email, phone, identities) "
    "SELECT c.id, c.name, coalesce(c.email, ''), coalesce(c.phone, '') || ' ' || "
    "replace(replace(replace(replace(replace(replace(coalesce(c.phone, ''), ' ', ''), '-', ''),"
    " '+', ''), '(', ''), ')', ''), '.', ''), coalesce((SELECT group_concat(i.value, ' ') "
    "FROM contact_identities i WHERE i.contact_id = c.id), '') FROM contacts c",
]
CLEAR_MESSAGES = "INSERT INTO messages_fts(messages_fts) VALUES ('delete-all')"
DEQUEUE_UPTO = "DELETE FROM search_pending_messages WHERE message_id <= :top"
INSERT_MESSAGES = (
    "INSERT INTO messages_fts(rowid, subject, text) SELECT id, subject, text FROM messages "
    "WHERE id > :after AND id <= :upto"
)
OPTIMIZE = "INSERT INTO messages_fts(messages_fts) VALUES ('optimize')"
