-- Moving a journey to a new account, quick hide, discreet mode and "check on me" (issue 16).

-- A one-time code that moves a journey to another account: only its keyed hash, for at most 7 days.
CREATE TABLE journey_moves (
    contact_id  INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    code_hash   BLOB NOT NULL UNIQUE,
    expires_at  INTEGER NOT NULL
);

-- Recent messages in a person's chat (theirs and the bot's), so /hide can delete them where the platform
-- allows: the platform's message id, encrypted, kept for 48 hours at most.
CREATE TABLE recent_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    message     BLOB NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX recent_messages_by_contact ON recent_messages (contact_id, at);

-- Discreet mode: every proactive message is a plain greeting.
ALTER TABLE contacts ADD COLUMN discreet INTEGER NOT NULL DEFAULT 0 CHECK (discreet IN (0, 1));

-- "Check on me": the person's rule and where its countdown is.
CREATE TABLE checkon_rules (
    contact_id     INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    quiet_days     INTEGER,                       -- fire after this many days without a check-in
    low_streak     INTEGER,                       -- fire after this many "very low" check-ins in a row
    state          TEXT NOT NULL DEFAULT 'watching' CHECK (state IN ('watching', 'asking', 'told')),
    since          INTEGER NOT NULL,              -- the rule counts only check-ins (or their absence) after this
    deadline       INTEGER,                       -- while asking: when the buddy is told
    created_at     INTEGER NOT NULL
);

-- A buddy: invited with a one-time link (hash only) and accepted by the buddy; either side can leave.
CREATE TABLE buddies (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id   INTEGER NOT NULL UNIQUE REFERENCES contacts (id) ON DELETE CASCADE,
    buddy_id     INTEGER REFERENCES contacts (id) ON DELETE CASCADE,
    invite_hash  BLOB UNIQUE,                     -- keyed hash of the one-time link code
    name         BLOB NOT NULL,                   -- encrypted: the name the person chose for the buddy to see
    invite_expires_at INTEGER,
    accepted_at  INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX buddies_by_buddy ON buddies (buddy_id);
