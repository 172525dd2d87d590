-- PostgreSQL twin of bot/storage/migrations/0008_never_reuse.sql: same tables, columns and names; BYTEA for BLOB,
-- BIGINT for INTEGER, identity columns for row ids.

-- Ids that never come back, blocks and a daily cap that outlive the other person's /forget.
--
-- 1. On SQLite, contacts, support_requests and support_asks are rebuilt with AUTOINCREMENT and their entries in
--    sqlite_sequence are moved past any id used before. Here nothing is rebuilt: their ids are identity
--    columns since 0001 and 0006, and a sequence never hands out a value twice, even after rows are deleted.
--    The suffix on support and offer keys already in the outbox is kept, so both engines hold the same keys.
-- 2. support_shields replaces support_blocks: a /report block is kept on the reporter's side as the keyed
--    look-up hash of the other person's address, so it survives that person's /forget and a return with
--    /start, and it goes when the reporter forgets.
-- 3. support_quota: one row per request for a peer in the last day, holding only a keyed hash of the day and
--    the address (a new tag every day, no link to a person) and the time; rows older than a day are deleted.

UPDATE deliveries SET idem_key = idem_key || ':before-0008'
    WHERE idem_key LIKE 'support:%' OR idem_key LIKE 'offer:%';

CREATE TABLE support_shields (
    contact_id  BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,  -- who reported (or was in a block)
    other       BYTEA NOT NULL,                     -- contacts.lookup of the other person: a keyed hash, no address
    at          BIGINT NOT NULL,
    PRIMARY KEY (contact_id, other)
);
CREATE INDEX support_shields_by_other ON support_shields (other);
-- An old block does not say who reported, so each side keeps it.
INSERT INTO support_shields (contact_id, other, at)
    SELECT b.low_id, c.lookup, b.at FROM support_blocks b JOIN contacts c ON c.id = b.high_id;
INSERT INTO support_shields (contact_id, other, at)
    SELECT b.high_id, c.lookup, b.at FROM support_blocks b JOIN contacts c ON c.id = b.low_id;
DROP TABLE support_blocks;

CREATE TABLE support_quota (
    tag  BYTEA NOT NULL,                            -- HMAC of "day:channel:address", keyed from DATA_KEY
    at   BIGINT NOT NULL                            -- unix seconds of the request; deleted a day later
);
CREATE INDEX support_quota_by_tag ON support_quota (tag, at);
