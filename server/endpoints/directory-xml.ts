import crypto from 'node:crypto';

/** XML text escaping for attribute values. */
function attr(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** FreeSWITCH's answer for a key it should treat as unknown (mod_xml_curl then falls back or rejects). */
export const NOT_FOUND_XML = '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<document type="freeswitch/xml">\n  <section name="result">\n    <result status="not found"/>\n  </section>\n</document>\n';

/**
 * A directory document for one agent endpoint. The password travels as an `a1-hash`
 * (MD5 of user:domain:password, what SIP digest needs), never in clear. The channel
 * variables tag every call of this endpoint with the agent's id, so its events map to
 * the agent, and `user_context` keeps agents in their own dialplan context.
 */
export function directoryUserXml(e: { domain: string; sipUsername: string; sipPassword: string; agentId: string; displayName: string }): string {
  const a1 = crypto.createHash('md5').update(`${e.sipUsername}:${e.domain}:${e.sipPassword}`).digest('hex');
  return [
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
    '<document type="freeswitch/xml">',
    '  <section name="directory">',
    `    <domain name="${attr(e.domain)}">`,
    '      <params>',
    // Only sofia: without mod_verto (left out of the image) ${verto_contact()} expands to an error string that would be dialled.
    '        <param name="dial-string" value="{^^:sip_invite_domain=${dialed_domain}:presence_id=${dialed_user}@${dialed_domain}}${sofia_contact(*/${dialed_user}@${dialed_domain})}"/>',
    '      </params>',
    `      <user id="${attr(e.sipUsername)}">`,
    '        <params>',
    `          <param name="a1-hash" value="${a1}"/>`,
    '        </params>',
    '        <variables>',
    '          <variable name="user_context" value="hotline-agents"/>',
    `          <variable name="hotline_agent_id" value="${attr(e.agentId)}"/>`,
    `          <variable name="effective_caller_id_name" value="${attr(e.displayName)}"/>`,
    `          <variable name="effective_caller_id_number" value="${attr(e.sipUsername)}"/>`,
    '        </variables>',
    '      </user>',
    '    </domain>',
    '  </section>',
    '</document>',
    '',
  ].join('\n');
}
