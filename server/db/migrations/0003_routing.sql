-- The ACD's records: settings, strategies, rules, not-ready reasons, agent
-- routing settings, presence (current and history) and every routed contact
-- (waits, abandonments, overflows). Redis holds the live state; these tables are
-- what it is rebuilt from.

-- One row of global ACD settings.
CREATE TABLE routing_settings (
  id                             boolean PRIMARY KEY DEFAULT true CHECK (id),
  offer_timeout_voice_seconds    double precision NOT NULL DEFAULT 20 CHECK (offer_timeout_voice_seconds > 0 AND offer_timeout_voice_seconds <= 300),
  offer_timeout_chat_seconds     double precision NOT NULL DEFAULT 30 CHECK (offer_timeout_chat_seconds > 0 AND offer_timeout_chat_seconds <= 600),
  wrap_up_seconds                double precision NOT NULL DEFAULT 10 CHECK (wrap_up_seconds >= 0 AND wrap_up_seconds <= 3600),
  max_offers_at_once             integer NOT NULL DEFAULT 2 CHECK (max_offers_at_once BETWEEN 1 AND 100),
  missed_offers_before_not_ready integer NOT NULL DEFAULT 3 CHECK (missed_offers_before_not_ready BETWEEN 0 AND 100),
  updated_at                     timestamptz NOT NULL DEFAULT now()
);
INSERT INTO routing_settings DEFAULT VALUES;

-- Assignment strategy per skill group; a group without a row uses longest idle.
CREATE TABLE routing_group_strategies (
  group_id                   uuid PRIMARY KEY REFERENCES skill_groups(id) ON DELETE CASCADE,
  strategy                   text NOT NULL CHECK (strategy IN ('longest_idle', 'least_busy', 'round_robin', 'skill_level', 'random')),
  returning_customer_first   boolean NOT NULL DEFAULT false,
  returning_window_seconds   integer NOT NULL DEFAULT 604800 CHECK (returning_window_seconds BETWEEN 60 AND 31536000),
  updated_at                 timestamptz NOT NULL DEFAULT now()
);

-- Rules in priority order (lower first); first enabled match wins.
CREATE TABLE routing_rules (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  priority    integer NOT NULL,
  enabled     boolean NOT NULL DEFAULT true,
  conditions  jsonb NOT NULL DEFAULT '{}',
  action      jsonb NOT NULL,
  overflow    jsonb NOT NULL DEFAULT '[]',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX routing_rules_name ON routing_rules (lower(name));
CREATE INDEX routing_rules_priority ON routing_rules (priority);

-- The skill groups each rule uses (action or overflow), kept with the rule. RESTRICT
-- makes the database refuse a group delete that races a rule change.
CREATE TABLE routing_rule_groups (
  rule_id  uuid NOT NULL REFERENCES routing_rules(id) ON DELETE CASCADE,
  group_id uuid NOT NULL REFERENCES skill_groups(id) ON DELETE RESTRICT,
  PRIMARY KEY (rule_id, group_id)
);
CREATE INDEX routing_rule_groups_group ON routing_rule_groups (group_id);

CREATE TABLE routing_not_ready_reasons (
  code       text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_-]{1,31}$'),
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  builtin    boolean NOT NULL DEFAULT false,
  enabled    boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO routing_not_ready_reasons (code, name, builtin) VALUES ('busy', 'Busy', true), ('break', 'Break', true), ('missed', 'Missed offers', true);

-- An agent's routing settings. The admin's chat limit is users.chat_capacity.
CREATE TABLE agent_routing_settings (
  user_id            uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  chat_capacity_self integer CHECK (chat_capacity_self BETWEEN 0 AND 100),
  call_blocks_chat   boolean NOT NULL DEFAULT true,
  external_phone     text CHECK (external_phone ~ '^\+?[0-9]{3,20}$'),
  updated_at         timestamptz NOT NULL DEFAULT now()
);

-- Current presence (what a rebuild restores) and its history (what reports read).
CREATE TABLE agent_presence (
  user_id    uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  state      text NOT NULL CHECK (state IN ('offline', 'ready', 'not_ready', 'wrap_up')),
  reason     text,
  since      timestamptz NOT NULL,
  wrap_until timestamptz
);

CREATE TABLE agent_presence_log (
  id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id  uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  state    text NOT NULL,
  reason   text,
  at       timestamptz NOT NULL,
  cause    text NOT NULL
);
CREATE INDEX agent_presence_log_user ON agent_presence_log (user_id, at);

-- Every contact the ACD routed: the source of queue rebuilds, abandonment and wait reports.
CREATE TABLE routing_contacts (
  id            text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_.:-]{1,100}$'),
  channel       text NOT NULL CHECK (channel IN ('voice', 'chat')),
  target_kind   text NOT NULL CHECK (target_kind IN ('group', 'agent')),
  target_id     uuid NOT NULL,
  rule_id       uuid,
  priority      integer NOT NULL,
  customer_id   text,
  owner         text,
  entry         jsonb,
  navigation    text,
  attributes    jsonb NOT NULL DEFAULT '{}',
  status        text NOT NULL CHECK (status IN ('queued', 'active', 'ended', 'abandoned', 'overflowed')),
  enqueued_at   timestamptz NOT NULL,
  accepted_at   timestamptz,
  agent_id      uuid,
  ended_at      timestamptz,
  wait_ms       bigint,
  handle_ms     bigint,
  abandoned_while text,
  overflow_to   jsonb,
  overflow_reason text
);
CREATE INDEX routing_contacts_open ON routing_contacts (status) WHERE status IN ('queued', 'active');
CREATE INDEX routing_contacts_customer ON routing_contacts (customer_id, accepted_at DESC) WHERE customer_id IS NOT NULL AND agent_id IS NOT NULL;
CREATE INDEX routing_contacts_enqueued ON routing_contacts (enqueued_at);
