-- PostgreSQL twin of bot/storage/migrations/0020_processes.sql: same tables, columns and names; BIGINT for INTEGER.

-- The bot processes sending on this database, so that several processes for one bot (or one WhatsApp number)
-- share its sending budget instead of each spending all of it. A random id per process and run, a channel
-- and a heartbeat: nothing about anyone. Only used where several processes share a database (PostgreSQL).
CREATE TABLE bot_processes (
    process  TEXT NOT NULL,
    channel  TEXT NOT NULL,
    seen     BIGINT NOT NULL,    -- the last heartbeat, unix seconds; a row not refreshed for a while is dead
    PRIMARY KEY (process, channel)
);
