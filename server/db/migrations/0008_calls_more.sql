-- Calls, continued: who an export is limited to (an agent without calls.view_all exports
-- only their own calls), and each agent leg's wrap-up (the call row's wrap_up_ms is the
-- wrap-up of the agent who finished the call).
ALTER TABLE call_exports ADD COLUMN only_agent uuid REFERENCES users(id) ON DELETE CASCADE;
CREATE INDEX call_exports_requester ON call_exports (requested_by, created_at DESC);

ALTER TABLE call_legs ADD COLUMN wrap_up_ms integer;
-- The wrap-up's end finds the contact the agent completed last.
CREATE INDEX call_events_completed_by_agent ON call_events (agent_id, id DESC) WHERE type = 'contact_completed';
