-- Facilitator broadcasts: one row per message to one or several cohorts. Each member's copy is an outbox row
-- (kind 'broadcast', ref 'broadcast:<id>'); this row keeps the text while it is needed and the counts after.

CREATE TABLE broadcasts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: a stale button never names a new one
    facilitator_id  INTEGER REFERENCES contacts (id) ON DELETE SET NULL,  -- the broadcast outlives its author
    text            BLOB,                          -- encrypted; cleared once the broadcast is done or cancelled
    cohort_ids      TEXT NOT NULL,                 -- JSON list of cohort ids (not personal data)
    status          TEXT NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'scheduled', 'sending', 'done', 'cancelled')),
    due_at          INTEGER,                       -- unix seconds, UTC; NULL while a draft
    recipients      INTEGER NOT NULL DEFAULT 0,    -- copies queued
    skipped         INTEGER NOT NULL DEFAULT 0,    -- members not written to (stopped, blocked, left, …)
    sent            INTEGER NOT NULL DEFAULT 0,
    failed          INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX broadcasts_by_facilitator ON broadcasts (facilitator_id, status);
CREATE INDEX broadcasts_open ON broadcasts (status, due_at) WHERE status IN ('scheduled', 'sending');

CREATE INDEX deliveries_by_ref ON deliveries (ref, status) WHERE ref IS NOT NULL;
