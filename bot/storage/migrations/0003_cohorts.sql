-- Facilitators, cohorts and their members, daily reminder settings, and the audit log of facilitator actions.

CREATE TABLE facilitator_invites (
    id          INTEGER PRIMARY KEY,
    code_hash   BLOB NOT NULL UNIQUE,              -- keyed hash of the one-time code; the code itself is never stored
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER                            -- set once; a used code never works again
);

CREATE TABLE cohorts (
    id             INTEGER PRIMARY KEY,
    owner_id       INTEGER REFERENCES contacts (id) ON DELETE SET NULL,  -- the facilitator; the cohort outlives them
    name           BLOB NOT NULL,                  -- encrypted free text
    code           TEXT NOT NULL UNIQUE,           -- the join code (not personal data)
    workshop_date  TEXT NOT NULL,                  -- ISO date, in the cohort's time zone
    language       TEXT NOT NULL,
    timezone       TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at     INTEGER NOT NULL
);
CREATE INDEX cohorts_by_owner ON cohorts (owner_id);

CREATE TABLE cohort_members (
    cohort_id   INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    joined_at   INTEGER NOT NULL,
    PRIMARY KEY (cohort_id, contact_id)
);
CREATE INDEX cohort_members_by_contact ON cohort_members (contact_id);

CREATE TABLE facilitator_audit (
    id          INTEGER PRIMARY KEY,
    contact_id  INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    action      TEXT NOT NULL,                     -- became_facilitator | cohort_created | date_changed | cohort_closed
    cohort_id   INTEGER REFERENCES cohorts (id) ON DELETE SET NULL,
    at          INTEGER NOT NULL
);

CREATE TABLE reminder_settings (
    contact_id   INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    enabled      INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
    at_minute    INTEGER NOT NULL DEFAULT 1140 CHECK (at_minute BETWEEN 0 AND 1439),   -- local minute of the day
    quiet_start  INTEGER CHECK (quiet_start BETWEEN 0 AND 1439),                     -- NULL: no quiet hours
    quiet_end    INTEGER CHECK (quiet_end BETWEEN 0 AND 1439),
    next_at      INTEGER,                          -- unix seconds of the next reminder; NULL when off
    updated_at   INTEGER NOT NULL
);
CREATE INDEX reminder_settings_due ON reminder_settings (next_at) WHERE enabled = 1;

CREATE INDEX deliveries_by_cohort ON deliveries (cohort_id, status) WHERE cohort_id IS NOT NULL;
