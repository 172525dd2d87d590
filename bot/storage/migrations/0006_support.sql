-- Peer support: volunteers (approved by a facilitator of one of their cohorts), requests for a peer, the asks
-- sent to volunteers one at a time, pairs never to be matched again, reports, and request counts per cohort.
-- A person's own secrets (alias, intro, contact detail, reason) live only in rows that refer to that person,
-- so nobody else's /mydata ever shows them; every row that refers to a person cascades from contacts.

CREATE TABLE volunteers (
    contact_id     INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'declined')),
    paused         INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    languages      TEXT NOT NULL,                  -- comma-separated language codes, e.g. "en,sw"
    alias          BLOB NOT NULL,                  -- encrypted: the name they chose to show
    intro          BLOB NOT NULL,                  -- encrypted: a few words in their own words
    reach          TEXT NOT NULL CHECK (reach IN ('telegram', 'whatsapp', 'bot')),
    detail         BLOB,                           -- encrypted username or phone; NULL for 'bot'; never shown to staff
    availability   TEXT NOT NULL CHECK (availability IN ('any', 'day', 'evening', 'weekend')),
    cohort_id      INTEGER REFERENCES cohorts (id) ON DELETE SET NULL,  -- the cohort whose facilitator decided
    last_asked_at  INTEGER,                        -- fairness: whoever was asked least recently goes first
    created_at     INTEGER NOT NULL,
    decided_at     INTEGER
);
CREATE INDEX volunteers_by_status ON volunteers (status, paused);

CREATE TABLE support_requests (
    id            INTEGER PRIMARY KEY,
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
CREATE INDEX support_requests_by_requester ON support_requests (requester_id, created_at);
CREATE INDEX support_requests_open ON support_requests (status, updated_at) WHERE status IN ('asking', 'relay');

-- One row per volunteer asked for a request; it carries no secret of the requester.
CREATE TABLE support_asks (
    id            INTEGER PRIMARY KEY,
    request_id    INTEGER NOT NULL REFERENCES support_requests (id) ON DELETE CASCADE,
    volunteer_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    status        TEXT NOT NULL DEFAULT 'asked'
                  CHECK (status IN ('asked', 'accepted', 'declined', 'expired', 'cancelled')),
    asked_at      INTEGER NOT NULL,
    answered_at   INTEGER
);
CREATE INDEX support_asks_by_request ON support_asks (request_id, status);
CREATE INDEX support_asks_by_volunteer ON support_asks (volunteer_id, status);
CREATE INDEX support_asks_open ON support_asks (status, asked_at) WHERE status = 'asked';

CREATE TABLE support_blocks (
    low_id   INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    high_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    at       INTEGER NOT NULL,
    PRIMARY KEY (low_id, high_id),
    CHECK (low_id < high_id)
);
CREATE INDEX support_blocks_by_high ON support_blocks (high_id);

CREATE TABLE support_reports (
    id           INTEGER PRIMARY KEY,
    reporter_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    request_id   INTEGER REFERENCES support_requests (id) ON DELETE SET NULL,
    cohort_id    INTEGER REFERENCES cohorts (id) ON DELETE SET NULL,
    reason       BLOB NOT NULL,                    -- encrypted, in the reporter's words
    shared       INTEGER NOT NULL DEFAULT 0 CHECK (shared IN (0, 1)),  -- may facilitators see the names shown?
    at           INTEGER NOT NULL
);
CREATE INDEX support_reports_by_cohort ON support_reports (cohort_id, at);

-- Counts only (no person): what facilitators see about requests from their cohorts.
CREATE TABLE support_tally (
    cohort_id  INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    day        TEXT NOT NULL,                      -- ISO date, UTC
    made       INTEGER NOT NULL DEFAULT 0,
    answered   INTEGER NOT NULL DEFAULT 0,
    unmatched  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (cohort_id, day)
);

-- Relayed words are deleted by reference once delivered (see Deliveries.purge); the index on
-- deliveries (ref, status) from 0005 serves that look-up.
