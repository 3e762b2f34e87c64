-- How an agent takes calls is one setting, the agent endpoint's mode and number. The
-- routing settings' own external_phone (which gave voice capacity while calls still went
-- to the softphone) moves onto the endpoint where one exists, and goes.
UPDATE agent_endpoints e SET mode = 'external', external_number = s.external_phone
  FROM agent_routing_settings s
 WHERE s.user_id = e.user_id AND s.external_phone IS NOT NULL AND e.mode = 'softphone';
ALTER TABLE agent_routing_settings DROP COLUMN external_phone;
