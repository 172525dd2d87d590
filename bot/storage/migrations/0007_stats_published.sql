-- /stats and /volunteers figures, published once per cohort per closed calendar week (Monday to Monday in
-- the cohort's time zone) with differentially private noise already added, then never changed: a repeat view
-- shows the same figures, and no later view can be set against an earlier one to isolate one person.
-- Every column is a noisy count of people (never of rows), stored as drawn (it may be below zero, so sums over
-- weeks stay unbiased; what is shown is clamped and rounded); no row refers to a person.
CREATE TABLE stats_published (
    cohort_id     INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    week_start    TEXT NOT NULL,                   -- ISO date of the Monday, in the cohort's time zone
    active        INTEGER NOT NULL,                -- members who wrote, checked in or did an exercise
    checked_in    INTEGER NOT NULL,                -- members who checked in
    exercised     INTEGER NOT NULL,                -- members who finished an exercise
    mood_1        INTEGER NOT NULL,                -- members whose average check-in of the week was "very low"
    mood_2        INTEGER NOT NULL,
    mood_3        INTEGER NOT NULL,
    mood_4        INTEGER NOT NULL,
    mood_5        INTEGER NOT NULL,                -- … "really good"
    asked         INTEGER NOT NULL,                -- members who asked for a peer
    answered      INTEGER NOT NULL,                -- … whose request a peer accepted
    unmatched     INTEGER NOT NULL,                -- … for whom no peer was free
    published_at  INTEGER NOT NULL,
    PRIMARY KEY (cohort_id, week_start)
);
