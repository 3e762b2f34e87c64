-- IVR: flows with immutable published versions, service numbers bound to flows, prompts,
-- the calls the IVR ran on (minimal: the calls issue builds full call records on this
-- table), each call's IVR trail, voicemail messages and survey results.

CREATE TABLE ivr_flows (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name             text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  description      text NOT NULL DEFAULT '',
  -- The working copy admins edit; may be invalid until published.
  draft            jsonb NOT NULL,
  draft_updated_at timestamptz NOT NULL DEFAULT now(),
  -- The version new calls run (NULL: never published). Rollback moves it back.
  active_version   integer,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX ivr_flows_name ON ivr_flows (name);

CREATE TABLE ivr_flow_versions (
  flow_id      uuid NOT NULL REFERENCES ivr_flows(id) ON DELETE CASCADE,
  version      integer NOT NULL CHECK (version > 0),
  definition   jsonb NOT NULL,
  published_at timestamptz NOT NULL DEFAULT now(),
  published_by uuid REFERENCES users(id) ON DELETE SET NULL,
  note         text NOT NULL DEFAULT '',
  PRIMARY KEY (flow_id, version)
);

-- Published versions are immutable: calls in progress and the trail refer to them.
CREATE FUNCTION ivr_flow_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ivr_flow_versions rows are immutable' USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER ivr_flow_versions_no_update BEFORE UPDATE ON ivr_flow_versions
  FOR EACH ROW EXECUTE FUNCTION ivr_flow_versions_immutable();

ALTER TABLE ivr_flows ADD CONSTRAINT ivr_flows_active_version
  FOREIGN KEY (id, active_version) REFERENCES ivr_flow_versions (flow_id, version) DEFERRABLE INITIALLY DEFERRED;

-- A dialled number (Caller-Destination-Number) and the flow that answers it.
CREATE TABLE ivr_service_numbers (
  number      text PRIMARY KEY CHECK (number ~ '^\+?[0-9]{2,20}$'),
  flow_id     uuid NOT NULL REFERENCES ivr_flows(id) ON DELETE RESTRICT,
  description text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ivr_service_numbers_flow ON ivr_service_numbers (flow_id);

CREATE TABLE ivr_prompts (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name         text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  kind         text NOT NULL CHECK (kind IN ('audio', 'tts')),
  language     text CHECK (language IN ('en', 'zh')),
  text         text,
  -- sha256 of the 8 kHz WAV; also its file name under MEDIA_DIR/prompts.
  content_hash text NOT NULL,
  file         text NOT NULL,
  size_bytes   integer NOT NULL,
  duration_ms  integer NOT NULL,
  original_name text,
  created_by   uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX ivr_prompts_name ON ivr_prompts (name);

-- Minimal call record: enough for the trail, voicemail and surveys to point at.
CREATE TABLE calls (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  channel_uuid       text NOT NULL,
  caller_number      text NOT NULL DEFAULT '',
  destination_number text NOT NULL DEFAULT '',
  flow_id            uuid REFERENCES ivr_flows(id) ON DELETE SET NULL,
  flow_version       integer,
  started_at         timestamptz NOT NULL DEFAULT now(),
  ivr_ended_at       timestamptz,
  -- completed / caller_hangup / visit_limit / failed / no_flow
  ivr_outcome        text,
  ivr_variables      jsonb
);
CREATE INDEX calls_channel_uuid ON calls (channel_uuid);
CREATE INDEX calls_started_at ON calls (started_at DESC);

CREATE TABLE ivr_trail (
  call_id      uuid NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
  seq          integer NOT NULL,
  at           timestamptz NOT NULL,
  flow_id      uuid,
  flow_version integer,
  node_id      text,
  node_type    text,
  kind         text NOT NULL CHECK (kind IN ('start', 'input', 'outcome', 'error', 'vars', 'end')),
  exit         text,
  data         jsonb,
  PRIMARY KEY (call_id, seq)
);

CREATE TABLE voicemails (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  call_id       uuid NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
  flow_id       uuid REFERENCES ivr_flows(id) ON DELETE SET NULL,
  node_id       text NOT NULL,
  mailbox       text NOT NULL,
  caller_number text NOT NULL DEFAULT '',
  file          text NOT NULL,
  duration_ms   integer,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX voicemails_mailbox ON voicemails (mailbox, created_at DESC);
CREATE INDEX voicemails_call ON voicemails (call_id);

CREATE TABLE survey_results (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  call_id      uuid NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
  flow_id      uuid REFERENCES ivr_flows(id) ON DELETE SET NULL,
  node_id      text NOT NULL,
  survey       text NOT NULL,
  level1_digit text,
  level1_label text,
  level2_digit text,
  level2_label text,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX survey_results_call ON survey_results (call_id);
CREATE INDEX survey_results_survey ON survey_results (survey, created_at DESC);
