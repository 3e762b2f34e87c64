-- Call recordings: the raw file FreeSWITCH wrote, its browser-friendly conversion,
-- duration and waveform peaks, and a log of every play.
CREATE TABLE recordings (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  call_id      text NOT NULL,
  agent_ids    uuid[] NOT NULL DEFAULT '{}',
  raw_path     text NOT NULL,
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'ready', 'failed')),
  file_path    text,
  mime_type    text,
  channels     integer,
  duration_ms  integer,
  size_bytes   bigint,
  peaks        jsonb,
  error        text,
  attempts     integer NOT NULL DEFAULT 0,
  created_at   timestamptz NOT NULL DEFAULT now(),
  ready_at     timestamptz
);
CREATE INDEX recordings_call ON recordings (call_id);
CREATE INDEX recordings_agents ON recordings USING gin (agent_ids);

CREATE TABLE recording_plays (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  recording_id uuid NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
  user_id      uuid NOT NULL,
  username     text NOT NULL,
  at           timestamptz NOT NULL DEFAULT now(),
  ip           text
);
CREATE INDEX recording_plays_recording ON recording_plays (recording_id, at DESC);
