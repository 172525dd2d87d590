-- PostgreSQL twin of bot/storage/migrations/0017_prompts.sql: same tables, columns and names; BYTEA for BLOB,
-- BIGINT for INTEGER.

-- The buttons of the latest proactive message a person was shown (a follow-up, a reminder, a peer's request, a
-- check-on question), so a typed answer ("yes", "1", a label) works as pressing it would, as it does for a
-- reply's buttons. Only the choices (key, label, meaning), never the message text; encrypted; one row per
-- person, replaced by the next such message, dropped once a reply offers buttons of its own or it is answered;
-- every row expires after 7 days, and /forget deletes it with the person.
CREATE TABLE prompts (
    contact_id  BIGINT PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    data        BYTEA NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX prompts_by_expiry ON prompts (expires_at);
