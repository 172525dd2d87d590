-- PostgreSQL twin of bot/storage/migrations/0004_whatsapp.sql: same tables, columns and names; BYTEA for BLOB,
-- BIGINT for INTEGER, identity columns for row ids.

-- The furthest platform receipt seen for a sent message (WhatsApp status webhooks): sent < delivered < read,
-- and failed ends it. Webhooks arrive out of order, so a late "sent" never overwrites a later receipt.

ALTER TABLE deliveries ADD COLUMN receipt TEXT CHECK (receipt IN ('sent', 'delivered', 'read', 'failed'));
