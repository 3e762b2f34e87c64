-- Web chat (issue 7): sites, visitors, conversations, messages, timers, ratings,
-- wrap-ups, quick replies and the leave-message inbox. Postgres is the record:
-- every message row exists before it is delivered to anyone.

-- One row: dialog settings (system messages, timers, rating, limits, leave-message fields), validated in code.
CREATE TABLE chat_settings (
  id         boolean PRIMARY KEY DEFAULT true CHECK (id),
  settings   jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO chat_settings (id) VALUES (true);

-- A website that embeds the widget. `key` is public (in the script tag); `secret` signs customer identity.
CREATE TABLE chat_sites (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  key        text NOT NULL UNIQUE CHECK (key ~ '^[A-Za-z0-9_-]{3,64}$'),
  name       text NOT NULL,
  secret     text NOT NULL,
  group_id   uuid REFERENCES skill_groups(id) ON DELETE SET NULL,
  widget     jsonb NOT NULL DEFAULT '{}',
  navigation jsonb NOT NULL DEFAULT '{"enabled":false,"prompt":"","options":[]}',
  schedule   jsonb,
  enabled    boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE chat_visitors (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  site_id      uuid NOT NULL REFERENCES chat_sites(id) ON DELETE CASCADE,
  token_hash   text NOT NULL UNIQUE,
  customer_id  text,
  name         text,
  ip           text,
  user_agent   text,
  referrer     text,
  landing_page text,
  language     text NOT NULL DEFAULT 'zh',
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_visitors_customer ON chat_visitors (customer_id) WHERE customer_id IS NOT NULL;

CREATE TABLE chat_visitor_pages (
  id         bigserial PRIMARY KEY,
  visitor_id uuid NOT NULL REFERENCES chat_visitors(id) ON DELETE CASCADE,
  url        text NOT NULL,
  title      text,
  at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_visitor_pages_visitor ON chat_visitor_pages (visitor_id, at);

CREATE TABLE chat_conversations (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  site_id          uuid NOT NULL REFERENCES chat_sites(id) ON DELETE CASCADE,
  visitor_id       uuid NOT NULL REFERENCES chat_visitors(id) ON DELETE CASCADE,
  state            text NOT NULL CHECK (state IN ('navigating', 'queued', 'active', 'ended')),
  navigation       text,
  agent_id         uuid REFERENCES users(id),
  -- The ACD contact of the current routing leg: "<conversation id>:<leg>".
  contact_id       text,
  leg              integer NOT NULL DEFAULT 0,
  language         text NOT NULL DEFAULT 'zh',
  end_reason       text,
  rating_invited_at timestamptz,
  created_at       timestamptz NOT NULL,
  assigned_at      timestamptz,
  ended_at         timestamptz
);
CREATE INDEX chat_conversations_visitor ON chat_conversations (visitor_id, created_at);
CREATE INDEX chat_conversations_agent_open ON chat_conversations (agent_id) WHERE state = 'active';
CREATE INDEX chat_conversations_open ON chat_conversations (state) WHERE state IN ('navigating', 'queued', 'active');

-- Agents serving or invited into a conversation.
CREATE TABLE chat_participants (
  conversation_id uuid NOT NULL REFERENCES chat_conversations(id) ON DELETE CASCADE,
  agent_id        uuid NOT NULL REFERENCES users(id),
  role            text NOT NULL CHECK (role IN ('owner', 'invited')),
  joined_at       timestamptz NOT NULL,
  left_at         timestamptz,
  PRIMARY KEY (conversation_id, agent_id)
);

CREATE TABLE chat_files (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL REFERENCES chat_conversations(id) ON DELETE CASCADE,
  kind            text NOT NULL CHECK (kind IN ('image', 'file')),
  name            text NOT NULL,
  mime            text NOT NULL,
  size            integer NOT NULL,
  path            text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE chat_messages (
  id              bigserial PRIMARY KEY,
  conversation_id uuid NOT NULL REFERENCES chat_conversations(id) ON DELETE CASCADE,
  visitor_id      uuid NOT NULL,
  sender_kind     text NOT NULL CHECK (sender_kind IN ('visitor', 'agent', 'system')),
  sender_id       uuid,
  kind            text NOT NULL CHECK (kind IN ('text', 'emoji', 'image', 'file', 'system')),
  body            text NOT NULL,
  file_id         uuid REFERENCES chat_files(id),
  client_id       text,
  created_at      timestamptz NOT NULL,
  read_at         timestamptz,
  recalled_at     timestamptz
);
CREATE INDEX chat_messages_conversation ON chat_messages (conversation_id, id);
CREATE INDEX chat_messages_visitor ON chat_messages (visitor_id, id);

-- Timers that survive a restart: one row per (key); every process polls and claims due rows with SKIP LOCKED.
CREATE TABLE chat_timers (
  key     text PRIMARY KEY,
  kind    text NOT NULL,
  subject text NOT NULL,
  due_at  bigint NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX chat_timers_due ON chat_timers (due_at);

CREATE TABLE chat_transfers (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL REFERENCES chat_conversations(id) ON DELETE CASCADE,
  from_agent      uuid NOT NULL REFERENCES users(id),
  to_agent        uuid REFERENCES users(id),
  to_group        uuid REFERENCES skill_groups(id),
  note            text NOT NULL DEFAULT '',
  status          text NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'timed_out', 'done')),
  deadline        bigint,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE chat_ratings (
  conversation_id uuid PRIMARY KEY REFERENCES chat_conversations(id) ON DELETE CASCADE,
  levels          integer NOT NULL,
  level           integer NOT NULL,
  tags            text[] NOT NULL DEFAULT '{}',
  comment         text,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE chat_wrapup_categories (
  id        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  parent_id uuid REFERENCES chat_wrapup_categories(id) ON DELETE CASCADE,
  name      text NOT NULL,
  depth     integer NOT NULL CHECK (depth BETWEEN 1 AND 4),
  sort      integer NOT NULL DEFAULT 0
);

CREATE TABLE chat_wrapups (
  conversation_id uuid PRIMARY KEY REFERENCES chat_conversations(id) ON DELETE CASCADE,
  agent_id        uuid NOT NULL REFERENCES users(id),
  category_id     uuid REFERENCES chat_wrapup_categories(id),
  resolved        boolean,
  note            text NOT NULL DEFAULT '',
  status          text NOT NULL CHECK (status IN ('draft', 'submitted')),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  submitted_at    timestamptz
);

CREATE TABLE chat_quick_reply_folders (
  id       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id uuid REFERENCES users(id) ON DELETE CASCADE,
  name     text NOT NULL,
  sort     integer NOT NULL DEFAULT 0
);

CREATE TABLE chat_quick_replies (
  id        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  folder_id uuid NOT NULL REFERENCES chat_quick_reply_folders(id) ON DELETE CASCADE,
  owner_id  uuid REFERENCES users(id) ON DELETE CASCADE,
  title     text NOT NULL,
  content   text NOT NULL,
  keywords  text[] NOT NULL DEFAULT '{}',
  sort      integer NOT NULL DEFAULT 0
);

CREATE TABLE chat_leave_messages (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  site_id     uuid NOT NULL REFERENCES chat_sites(id) ON DELETE CASCADE,
  visitor_id  uuid REFERENCES chat_visitors(id) ON DELETE SET NULL,
  fields      jsonb NOT NULL,
  reason      text NOT NULL,
  status      text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'done')),
  handled_by  uuid REFERENCES users(id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  handled_at  timestamptz
);
CREATE INDEX chat_leave_messages_status ON chat_leave_messages (status, created_at);
ALTER TABLE chat_transfers ADD COLUMN new_contact_id text;
