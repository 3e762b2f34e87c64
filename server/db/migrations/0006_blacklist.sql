-- Blocked callers and visitors. A phone number (voice) or a visitor id (chat), with
-- a reason and an optional expiry; removing an entry keeps it, marked removed.
CREATE TABLE blacklist_entries (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  channel     text NOT NULL CHECK (channel IN ('voice', 'chat')),
  value       text NOT NULL CHECK (length(value) BETWEEN 1 AND 128),
  reason      text NOT NULL DEFAULT '',
  expires_at  timestamptz,
  created_by  uuid,
  created_at  timestamptz NOT NULL DEFAULT now(),
  removed_at  timestamptz,
  removed_by  uuid
);
-- One live entry per value; expired or removed ones are history.
CREATE UNIQUE INDEX blacklist_live ON blacklist_entries (channel, value) WHERE removed_at IS NULL;
CREATE INDEX blacklist_lookup ON blacklist_entries (channel, value, expires_at);
