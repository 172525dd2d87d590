-- Ids that never come back, blocks and a daily cap that outlive the other person's /forget.
--
-- 1. contacts, support_requests and support_asks get AUTOINCREMENT, so a deleted row's id is never handed out
--    again: an outbox key such as support:ask:<id>, or a button naming a request, cannot fall on a newer row.
--    SQLite cannot add AUTOINCREMENT to a table, so each is rebuilt (the runner turns foreign keys off around
--    migrations and checks them before committing). Ids freed before this migration are unknown, so each
--    sequence starts well past the highest id in use, and the keys of support and offer messages already in
--    the outbox get a suffix that no new key has.
-- 2. support_shields replaces support_blocks: a /report block is kept on the reporter's side as the keyed
--    look-up hash of the other person's address, so it survives that person's /forget and a return with
--    /start, and it goes when the reporter forgets.
-- 3. support_quota: one row per request for a peer in the last day, holding only a keyed hash of the day and
--    the address (a new tag every day, no link to a person) and the time; rows older than a day are deleted.

CREATE TABLE contacts_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused
    lookup          BLOB NOT NULL UNIQUE,          -- HMAC of "channel:address", keyed from DATA_KEY
    channel         TEXT NOT NULL,
    address         BLOB NOT NULL,                 -- AES-GCM encrypted channel address
    language        TEXT NOT NULL,
    timezone        TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'stopped', 'blocked')),
    keep_notes      INTEGER NOT NULL DEFAULT 0 CHECK (keep_notes IN (0, 1)),
    silent          INTEGER NOT NULL DEFAULT 0 CHECK (silent IN (0, 1)),
    is_facilitator  INTEGER NOT NULL DEFAULT 0 CHECK (is_facilitator IN (0, 1)),
    consented_at    INTEGER NOT NULL,              -- unix seconds, UTC
    last_seen_at    INTEGER NOT NULL
);
INSERT INTO contacts_new (id, lookup, channel, address, language, timezone, status, keep_notes, silent,
                          is_facilitator, consented_at, last_seen_at)
    SELECT id, lookup, channel, address, language, timezone, status, keep_notes, silent, is_facilitator,
           consented_at, last_seen_at FROM contacts;
DROP TABLE contacts;
ALTER TABLE contacts_new RENAME TO contacts;

CREATE TABLE support_requests_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused
    requester_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    status        TEXT NOT NULL DEFAULT 'asking'
                  CHECK (status IN ('asking', 'connected', 'relay', 'ended', 'unmatched')),
    language      TEXT NOT NULL,
    alias         BLOB NOT NULL,                   -- encrypted: the name the requester chose to show
    reason        BLOB,                            -- encrypted: an optional short reason
    reach         TEXT NOT NULL CHECK (reach IN ('telegram', 'whatsapp', 'bot')),
    detail        BLOB,                            -- encrypted; shared only once a volunteer accepts
    cohort_id     INTEGER REFERENCES cohorts (id) ON DELETE SET NULL,  -- for counts and reports; not personal
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL                 -- last change or relayed message: idle relays end
);
INSERT INTO support_requests_new (id, requester_id, status, language, alias, reason, reach, detail, cohort_id,
                                  created_at, updated_at)
    SELECT id, requester_id, status, language, alias, reason, reach, detail, cohort_id, created_at, updated_at
    FROM support_requests;
DROP TABLE support_requests;
ALTER TABLE support_requests_new RENAME TO support_requests;
CREATE INDEX support_requests_by_requester ON support_requests (requester_id, created_at);
CREATE INDEX support_requests_open ON support_requests (status, updated_at) WHERE status IN ('asking', 'relay');

CREATE TABLE support_asks_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused
    request_id    INTEGER NOT NULL REFERENCES support_requests (id) ON DELETE CASCADE,
    volunteer_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    status        TEXT NOT NULL DEFAULT 'asked'
                  CHECK (status IN ('asked', 'accepted', 'declined', 'expired', 'cancelled')),
    asked_at      INTEGER NOT NULL,
    answered_at   INTEGER
);
INSERT INTO support_asks_new (id, request_id, volunteer_id, status, asked_at, answered_at)
    SELECT id, request_id, volunteer_id, status, asked_at, answered_at FROM support_asks;
DROP TABLE support_asks;
ALTER TABLE support_asks_new RENAME TO support_asks;
CREATE INDEX support_asks_by_request ON support_asks (request_id, status);
CREATE INDEX support_asks_by_volunteer ON support_asks (volunteer_id, status);
CREATE INDEX support_asks_open ON support_asks (status, asked_at) WHERE status = 'asked';

-- Start every sequence past any id that may have been handed out and deleted before (a database that was
-- never used starts at 1).
CREATE TEMP TABLE used_before (margin INTEGER NOT NULL);
INSERT INTO used_before (margin) SELECT CASE WHEN EXISTS (SELECT 1 FROM contacts) OR EXISTS (SELECT 1 FROM deliveries)
    OR EXISTS (SELECT 1 FROM cohorts) OR EXISTS (SELECT 1 FROM facilitator_invites) THEN 1000000 ELSE 0 END;
DELETE FROM sqlite_sequence WHERE name IN ('contacts', 'support_requests', 'support_asks');
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'contacts', COALESCE(MAX(id), 0) + (SELECT margin FROM used_before) FROM contacts;
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'support_requests', COALESCE(MAX(id), 0) + (SELECT margin FROM used_before) FROM support_requests;
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'support_asks', COALESCE(MAX(id), 0) + (SELECT margin FROM used_before) FROM support_asks;
DROP TABLE used_before;
UPDATE deliveries SET idem_key = idem_key || ':before-0008'
    WHERE idem_key LIKE 'support:%' OR idem_key LIKE 'offer:%';

CREATE TABLE support_shields (
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,  -- who reported (or was in a block)
    other       BLOB NOT NULL,                     -- contacts.lookup of the other person: a keyed hash, no address
    at          INTEGER NOT NULL,
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
    tag  BLOB NOT NULL,                            -- HMAC of "day:channel:address", keyed from DATA_KEY
    at   INTEGER NOT NULL                          -- unix seconds of the request; deleted a day later
);
CREATE INDEX support_quota_by_tag ON support_quota (tag, at);
