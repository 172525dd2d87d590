-- People who consented, their conversation state, check-ins and completed exercises.
-- Every table that refers to a person cascades from contacts, so deleting the contact forgets them.

CREATE TABLE contacts (
    id              INTEGER PRIMARY KEY,
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

CREATE TABLE conversations (
    contact_id  INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    state       TEXT NOT NULL,
    data        BLOB,                              -- encrypted JSON
    updated_at  INTEGER NOT NULL
);

CREATE TABLE checkins (
    id          INTEGER PRIMARY KEY,
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    mood        INTEGER NOT NULL CHECK (mood BETWEEN 1 AND 5),
    note        BLOB                               -- encrypted; only when the person keeps notes
);
CREATE INDEX checkins_by_contact ON checkins (contact_id, at);

CREATE TABLE completions (
    id           INTEGER PRIMARY KEY,
    contact_id   INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    exercise_id  TEXT NOT NULL,
    stage        TEXT NOT NULL,
    at           INTEGER NOT NULL,
    answers      BLOB                              -- encrypted JSON; only when the person keeps notes
);
CREATE INDEX completions_by_contact ON completions (contact_id, at);
