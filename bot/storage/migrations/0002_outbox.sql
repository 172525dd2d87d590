-- The outbox: every proactive message is a row with a due time and an idempotency key.
-- A dispatcher claims due rows (pending -> sending), sends them, and records the result.

CREATE TABLE deliveries (
    id           INTEGER PRIMARY KEY,
    contact_id   INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,                 -- reminder | followup | broadcast | support | notice
    idem_key     TEXT NOT NULL UNIQUE,          -- enqueueing the same key twice is a no-op
    due_at       INTEGER NOT NULL,              -- unix seconds, UTC
    status       TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    payload      BLOB NOT NULL,                 -- encrypted JSON: what to send, or what to render at send time
    cohort_id    INTEGER,                       -- for `schedule list`; no personal data
    ref          TEXT,                          -- e.g. the follow-up step or broadcast it belongs to
    reason       TEXT,                          -- why it did not go: stopped, blocked, quiet_hours, …
    provider_id  TEXT,                          -- the platform's message id, for status updates
    updated_at   INTEGER NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (status, due_at);
CREATE INDEX deliveries_by_contact ON deliveries (contact_id, status);
CREATE INDEX deliveries_by_provider ON deliveries (provider_id) WHERE provider_id IS NOT NULL;
