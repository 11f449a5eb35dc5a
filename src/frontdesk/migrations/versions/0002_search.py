"""search index: SQLite FTS5 tables kept by triggers, PostgreSQL GIN indexes (issue 6)

What autogenerate cannot express. SQLite: `messages_fts`, an external-content FTS5 table over
messages (subject, text), and `contacts_fts` (name, email, phone, identity values), both kept by
triggers, so every write transaction updates the index with its rows. PostgreSQL: a GIN index on
`messages.search_vector`, a stored `simple` tsvector of subject + text (no stemming or stop
words: any language matches word for word) with a lexeme for each pair of adjacent words, and pg_trgm indexes for contact fields and
identities.

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
    "to_tsvector('simple'::regconfig, translate(coalesce(subject, '') || ' ' || body, "
    f"'{PUNCTUATION}', '{' ' * 32}'))"
)
# Each pair of adjacent words is a lexeme of its own ('~where order'), so a phrase is looked
# up in the index instead of rechecking the position of its words in every row holding them
# all (a phrase of two common words that never occurs: 0.3 s to 0.6 s at a million messages,
# measured). The pairs come from the vector's own positions: the same words `<->` compares.
# The `~` (punctuation, never in a word) keeps a word's prefix from matching a pair.
PG_FUNCTIONS = [
    """CREATE FUNCTION frontdesk_word_pairs(v tsvector) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT coalesce(array_to_tsvector(array_agg(DISTINCT '~' || a.lexeme || ' ' || b.lexeme)),
                        ''::tsvector)
        FROM (SELECT lexeme, unnest(positions) AS pos FROM unnest(v)) a
        JOIN (SELECT lexeme, unnest(positions) AS pos FROM unnest(v)) b ON b.pos = a.pos + 1
    $$""",
    f"""CREATE FUNCTION frontdesk_search_vector(subject text, body text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT v || frontdesk_word_pairs(v) FROM (SELECT {PG_MESSAGE_VECTOR} AS v) words
    $$""",
]
PG_CONTACT_TEXT = (
    "lower(coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(phone, ''))"
)

POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # A stored column, not an expression index: a phrase needs its rows rechecked and a walk
    # by id tests each row it passes, and an expression would parse the text again each time
    # (phrases took 0.6 s at a million messages; measured).
    *PG_FUNCTIONS,
    "ALTER TABLE messages ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (frontdesk_search_vector(subject, text)) STORED",
    "CREATE INDEX ix_messages_search ON messages USING gin (search_vector)",
    # Matches with attachments, newest first, without reading the others (1 message in 100).
    "CREATE INDEX ix_messages_with_attachments ON messages (id) WHERE has_attachments",
    f"CREATE INDEX ix_contacts_search ON contacts USING gin (({PG_CONTACT_TEXT}) gin_trgm_ops)",
    "CREATE INDEX ix_contact_identities_search ON contact_identities "
    "USING gin ((lower(value)) gin_trgm_ops)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_messages_with_attachments",
    "DROP INDEX IF EXISTS ix_messages_search",
    "DROP INDEX IF EXISTS ix_contacts_search",
    "DROP INDEX IF EXISTS ix_contact_identities_search",
    "ALTER TABLE messages DROP COLUMN IF EXISTS search_vector",
    "DROP FUNCTION IF EXISTS frontdesk_search_vector(text, text)",
    "DROP FUNCTION IF EXISTS frontdesk_word_pairs(tsvector)",
]


def upgrade() -> None:
    statements = SQLITE_UP if op.get_bind().dialect.name == "sqlite" else POSTGRES_UP
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    statements = SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else POSTGRES_DOWN
    for statement in statements:
        op.execute(statement)
