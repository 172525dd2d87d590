-- PostgreSQL twin of bot/storage/migrations/0016_checkon_peer.sql: same tables, columns and names; BYTEA for BLOB,
-- BIGINT for INTEGER, identity columns for row ids.

-- "Check on me" can ask an approved peer supporter from the person's groups instead of a buddy (issue 16).

-- The name the person chose for the peer supporter to see, encrypted; set only when they chose a peer.
ALTER TABLE checkon_rules ADD COLUMN peer_name BYTEA;

-- A support request the bot made for someone whose check-on countdown ran out: the volunteer is asked
-- whether they can reach out, not told that the person asked to talk.
ALTER TABLE support_requests ADD COLUMN checkon BIGINT NOT NULL DEFAULT 0 CHECK (checkon IN (0, 1));
