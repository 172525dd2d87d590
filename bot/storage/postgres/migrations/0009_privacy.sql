-- PostgreSQL twin of bot/storage/migrations/0009_privacy.sql: same tables, columns and names; BYTEA for BLOB,
-- BIGINT for INTEGER, identity columns for row ids.

-- A value derived from DATA_KEY (never the key): the bot refuses to start with a key that did not write this
-- database, instead of greeting everyone it knows as a stranger. Rewritten by `db rotate-key` in the same
-- transaction that re-encrypts the data. One row, id 1: not a row id, so no identity.
CREATE TABLE key_check (
    id     BIGINT PRIMARY KEY CHECK (id = 1),
    value  BYTEA NOT NULL
);

-- WhatsApp message ids already handled, as keyed hashes, so a replayed webhook does nothing even after a
-- restart. Kept only until Meta stops retrying.
CREATE TABLE whatsapp_seen (
    digest      BYTEA PRIMARY KEY,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX whatsapp_seen_by_expiry ON whatsapp_seen (expires_at);

-- What a WhatsApp person is in the middle of, beyond a restart: the numbered choices last shown ('numbered')
-- and proactive messages held behind the template's button ('held'). Only for people who consented (before
-- that, such state stays in memory); the content is encrypted; every row expires, and /forget deletes it.
CREATE TABLE whatsapp_memory (
    contact_id  BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('numbered', 'held')),
    data        BYTEA NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (contact_id, kind)
);
CREATE INDEX whatsapp_memory_by_expiry ON whatsapp_memory (expires_at);
