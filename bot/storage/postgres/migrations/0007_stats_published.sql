-- PostgreSQL twin of bot/storage/migrations/0007_stats_published.sql: same tables, columns and names; BYTEA for BLOB,
-- BIGINT for INTEGER, identity columns for row ids.

-- /stats and /volunteers figures, published once per cohort per closed calendar week (Monday to Monday in
-- the cohort's time zone) with differentially private noise already added, then never changed: a repeat view
-- shows the same figures, and no later view can be set against an earlier one to isolate one person.
-- Every column is a noisy count of people (never of rows), stored as drawn (it may be below zero, so sums over
-- weeks stay unbiased; what is shown is clamped and rounded); no row refers to a person.
CREATE TABLE stats_published (
    cohort_id     BIGINT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    week_start    TEXT NOT NULL,                   -- ISO date of the Monday, in the cohort's time zone
    active        BIGINT NOT NULL,                 -- members who wrote, checked in or did an exercise
    checked_in    BIGINT NOT NULL,                 -- members who checked in
    exercised     BIGINT NOT NULL,                 -- members who finished an exercise
    mood_1        BIGINT NOT NULL,                 -- members whose average check-in of the week was "very low"
    mood_2        BIGINT NOT NULL,
    mood_3        BIGINT NOT NULL,
    mood_4        BIGINT NOT NULL,
    mood_5        BIGINT NOT NULL,                 -- … "really good"
    asked         BIGINT NOT NULL,                 -- members who asked for a peer
    answered      BIGINT NOT NULL,                 -- … whose request a peer accepted
    unmatched     BIGINT NOT NULL,                 -- … for whom no peer was free
    published_at  BIGINT NOT NULL,
    PRIMARY KEY (cohort_id, week_start)
);
