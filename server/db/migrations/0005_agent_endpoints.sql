-- How an agent takes calls: a SIP endpoint (the browser softphone registers with
-- these credentials, which FreeSWITCH fetches through mod_xml_curl) or an external
-- phone number the server dials instead.
CREATE TABLE agent_endpoints (
  user_id         uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  sip_username    text NOT NULL CHECK (sip_username ~ '^[a-z0-9_.-]{2,64}$'),
  sip_password    text NOT NULL,
  mode            text NOT NULL DEFAULT 'softphone' CHECK (mode IN ('softphone', 'external')),
  external_number text CHECK (external_number ~ '^\+?[0-9]{3,20}$'),
  rotated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (mode <> 'external' OR external_number IS NOT NULL)
);
CREATE UNIQUE INDEX agent_endpoints_sip_username ON agent_endpoints (sip_username);
