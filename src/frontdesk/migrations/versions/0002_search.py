"""search index: SQLite FTS5 tables kept by triggers, PostgreSQL GIN indexes (issue 6)

What autogenerate cannot express. SQLite: `messages_fts`, an external-content FTS5 table over
messages (subject, text), and `contacts_fts` (name, email, phone, identity values), both kept by
triggers, so every write transaction updates the index with its rows. PostgreSQL: a GIN index on
the `simple` tsvector of subject + text (no stemming or stop words: any language matches word
for word) and pg_trgm indexes for contact fields and identities.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

# ruff: noqa: S608 (fixed DDL, no input)

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENIZE = "tokenize='unicode61 remove_diacritics 2', prefix='2 3'"


def _phone(column: str) -> str:
    """The phone as written, then its digits alone, so 447700900123 finds +44 7700 900123."""
    digits = f"coalesce({column}, '')"
    for separator in " -+().":
        digits = f"replace({digits}, '{separator}', '')"
    return f"coalesce({column}, '') || ' ' || {digits}"


CONTACT_ROW = (
    "SELECT c.id, c.name, coalesce(c.email, ''), " + _phone("c.phone") + ", "
    "coalesce((SELECT group_concat(i.value, ' ') FROM contact_identities i "
    "WHERE i.contact_id = c.id), '') FROM contacts c"
)

SQLITE_UP = [
    f"CREATE VIRTUAL TABLE messages_fts USING fts5(subject, text, content='messages', "
    f"content_rowid='id', {TOKENIZE})",
    """CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts(rowid, subject, text) VALUES (new.id, new.subject, new.text);
    END""",
    """CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, subject, text)
        VALUES ('delete', old.id, old.subject, old.text);
    END""",
    """CREATE TRIGGER messages_fts_update AFTER UPDATE OF subject, text ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, subject, text)
        VALUES ('delete', old.id, old.subject, old.text);
        INSERT INTO messages_fts(rowid, subject, text) VALUES (new.id, new.subject, new.text);
    END""",
    f"CREATE VIRTUAL TABLE contacts_fts USING fts5(name, email, phone, identities, {TOKENIZE})",
    f"""CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
        INSERT INTO contacts_fts(rowid, name, email, phone, identities)
        {CONTACT_ROW} WHERE c.id = new.id;
    END""",
    f"""CREATE TRIGGER contacts_fts_update AFTER UPDATE OF name, email, phone ON contacts BEGIN
        DELETE FROM contacts_fts WHERE rowid = old.id;
        INSERT INTO contacts_fts(rowid, name, email, phone, identities)
        {CONTACT_ROW} WHERE c.id = new.id;
    END""",
    """CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
        DELETE FROM contacts_fts WHERE rowid = old.id;
    END""",
]
for _when, _row in (("INSERT", "new"), ("DELETE", "old"), ("UPDATE", "new")):
    SQLITE_UP.append(
        f"""CREATE TRIGGER contact_identities_fts_{_when.lower()} AFTER {_when}
        ON contact_identities BEGIN
            DELETE FROM contacts_fts WHERE rowid = {_row}.contact_id;
            INSERT INTO contacts_fts(rowid, name, email, phone, identities)
            {CONTACT_ROW} WHERE c.id = {_row}.contact_id;
        END"""
    )
SQLITE_UP += [
    "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')",
    f"INSERT INTO contacts_fts(rowid, name, email, phone, identities) {CONTACT_ROW}",
]

SQLITE_DOWN = [
    *(
        f"DROP TRIGGER IF EXISTS {name}"
        for name in (
            "messages_fts_insert",
            "messages_fts_delete",
            "messages_fts_update",
            "contacts_fts_insert",
            "contacts_fts_update",
            "contacts_fts_delete",
            "contact_identities_fts_insert",
            "contact_identities_fts_delete",
            "contact_identities_fts_update",
        )
    ),
    "DROP TABLE IF EXISTS messages_fts",
    "DROP TABLE IF EXISTS contacts_fts",
]

# The expressions the queries of search/postgres.py repeat, so the planner uses the indexes.
# ASCII punctuation becomes spaces before PostgreSQL's parser sees the text, so words split as
# SQLite's tokenizer and the query parser split them (the parser alone keeps emails and URLs
# whole and drops anything shaped like an HTML tag).
PUNCTUATION = "!\"#$%&''()*+,-./:;<=>?@[\\]^_`{|}~"

PG_MESSAGE_VECTOR = (
    "to_tsvector('simple'::regconfig, translate(coalesce(subject, '') || ' ' || text, "
    f"'{PUNCTUATION}', '{' ' * 32}'))"
)
PG_CONTACT_TEXT = (
    "lower(coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(phone, ''))"
)

POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX ix_messages_search ON messages USING gin (({PG_MESSAGE_VECTOR}))",
    f"CREATE INDEX ix_contacts_search ON contacts USING gin (({PG_CONTACT_TEXT}) gin_trgm_ops)",
    "CREATE INDEX ix_contact_identities_search ON contact_identities "
    "USING gin ((lower(value)) gin_trgm_ops)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_messages_search",
    "DROP INDEX IF EXISTS ix_contacts_search",
    "DROP INDEX IF EXISTS ix_contact_identities_search",
]


def upgrade() -> None:
    statements = SQLITE_UP if op.get_bind().dialect.name == "sqlite" else POSTGRES_UP
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    statements = SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else POSTGRES_DOWN
    for statement in statements:
        op.execute(statement)
