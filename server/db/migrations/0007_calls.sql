-- Calls end to end: the full call record (CDR) on the IVR's `calls` table, every leg,
-- a timeline of call events, admin-defined multi-level call tags and quality tags,
-- notes, the missed-call callback list, xlsx export jobs, and the survey answer's agent.

ALTER TABLE calls
  ADD COLUMN direction        text NOT NULL DEFAULT 'inbound' CHECK (direction IN ('inbound', 'outbound')),
  ADD COLUMN service_number   text,
  ADD COLUMN skill_group_id   uuid REFERENCES skill_groups(id) ON DELETE SET NULL,
  ADD COLUMN queued_at        timestamptz,
  ADD COLUMN first_offered_at timestamptz,
  ADD COLUMN answered_at      timestamptz,
  ADD COLUMN agent_left_at    timestamptz,
  ADD COLUMN ended_at         timestamptz,
  -- answered, abandoned_ivr, abandoned_queue, abandoned_ringing, voicemail, blacklisted,
  -- overflowed, ring_no_answer, outbound_answered, outbound_no_answer, outbound_failed, refused
  ADD COLUMN disposition      text,
  ADD COLUMN end_cause        text,
  ADD COLUMN agent_id         uuid REFERENCES users(id) ON DELETE SET NULL,
  ADD COLUMN agent_ids        uuid[] NOT NULL DEFAULT '{}',
  ADD COLUMN offer_count      integer NOT NULL DEFAULT 0,
  ADD COLUMN queue_wait_ms    integer,
  ADD COLUMN ring_ms          integer,
  ADD COLUMN talk_ms          integer,
  ADD COLUMN hold_ms          integer NOT NULL DEFAULT 0,
  ADD COLUMN hold_count       integer NOT NULL DEFAULT 0,
  ADD COLUMN wrap_up_ms       integer,
  ADD COLUMN transfer_count   integer NOT NULL DEFAULT 0,
  ADD COLUMN recording_id     uuid REFERENCES recordings(id) ON DELETE SET NULL,
  ADD COLUMN survey_level1    text,
  ADD COLUMN survey_level2    text,
  ADD COLUMN notes            text NOT NULL DEFAULT '',
  ADD COLUMN repeat_24h       boolean NOT NULL DEFAULT false,
  ADD COLUMN repeat_48h       boolean NOT NULL DEFAULT false;

CREATE INDEX calls_caller ON calls (caller_number, started_at DESC);
CREATE INDEX calls_destination ON calls (destination_number, started_at DESC);
CREATE INDEX calls_agent ON calls USING gin (agent_ids);
CREATE INDEX calls_disposition ON calls (disposition, started_at DESC);

-- Every channel of a call: the caller, agent legs (offers), consult and external legs.
CREATE TABLE call_legs (
  uuid         text PRIMARY KEY,
  call_id      uuid NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
  kind         text NOT NULL CHECK (kind IN ('caller', 'agent', 'consult', 'external', 'customer')),
  agent_id     uuid REFERENCES users(id) ON DELETE SET NULL,
  number       text,
  dial         text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  answered_at  timestamptz,
  ended_at     timestamptz,
  end_cause    text,
  -- Why the leg ended from Hotline's view: hangup, transfer, ring_timeout, rejected, consult_done, cancelled, ...
  outcome      text
);
CREATE INDEX call_legs_call ON call_legs (call_id, created_at);

-- The call's timeline: queued, offered, answered, held, resumed, transferred, consult, conference, ended ...
CREATE TABLE call_events (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  call_id   uuid NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
  at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  type      text NOT NULL,
  agent_id  uuid,
  data      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX call_events_call ON call_events (call_id, id);

-- Admin-defined tags: call tags and service-quality tags, in a tree (multi-level).
CREATE TABLE call_tag_defs (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind       text NOT NULL CHECK (kind IN ('call', 'quality')),
  parent_id  uuid REFERENCES call_tag_defs(id) ON DELETE RESTRICT,
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
  enabled    boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX call_tag_defs_name ON call_tag_defs (kind, coalesce(parent_id, '00000000-0000-0000-0000-000000000000'::uuid), lower(name));

CREATE TABLE call_tags (
  call_id  uuid NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
  tag_id   uuid NOT NULL REFERENCES call_tag_defs(id) ON DELETE RESTRICT,
  added_by uuid REFERENCES users(id) ON DELETE SET NULL,
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (call_id, tag_id)
);
CREATE INDEX call_tags_tag ON call_tags (tag_id);

-- Missed calls (abandoned, voicemail) to call back: a supervisor assigns, the agent marks done.
CREATE TABLE call_callbacks (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  call_id      uuid NOT NULL UNIQUE REFERENCES calls(id) ON DELETE CASCADE,
  number       text NOT NULL,
  reason       text NOT NULL,
  status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'assigned', 'done')),
  assigned_to  uuid REFERENCES users(id) ON DELETE SET NULL,
  assigned_by  uuid REFERENCES users(id) ON DELETE SET NULL,
  assigned_at  timestamptz,
  done_at      timestamptz,
  done_call_id uuid REFERENCES calls(id) ON DELETE SET NULL,
  note         text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX call_callbacks_status ON call_callbacks (status, created_at DESC);
CREATE INDEX call_callbacks_assignee ON call_callbacks (assigned_to, status);

-- xlsx exports of call records, produced by a BullMQ job.
CREATE TABLE call_exports (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  requested_by uuid REFERENCES users(id) ON DELETE SET NULL,
  filter       jsonb NOT NULL,
  status       text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  progress     integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
  row_count    integer,
  file_path    text,
  error        text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz
);

ALTER TABLE survey_results ADD COLUMN agent_id uuid REFERENCES users(id) ON DELETE SET NULL;
CREATE INDEX survey_results_agent ON survey_results (agent_id, created_at DESC);
