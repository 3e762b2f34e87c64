import { createHash } from 'node:crypto';
import { DISPATCH } from './dispatch';
import { PRELUDE } from './prelude';

/**
 * The ACD's atomic steps, as one Redis function library. Each function is one
 * indivisible decision: Redis runs them one at a time, so two server processes
 * can never both take the last slot of an agent or both offer one contact. Key
 * layout: prelude.ts; the assignment decision: dispatch.ts.
 *
 * A library rather than EVALSHA scripts: its helpers are compiled and defined once
 * at FUNCTION LOAD instead of on every call (measured here: 22 µs less per call).
 * Bodies read their arguments from ARGV (ARGV[1] = the key prefix).
 */
const script = (body: string) => ({ body, dispatching: false });
const dispatching = (body: string) => ({ body, dispatching: true });

export const SCRIPTS = {
  /** ARGV: K, agent, now, vc, cc, cbc, vr, n, target1, level1, … → freed ('1' | '0') */
  setAgent: script(`
local aid, now = ARGV[2], ARGV[3]
local ak = akey(aid)
if redis.call('EXISTS', ak) == 0 then
  redis.call('HSET', ak, 'st', 'offline', 'rs', '', 'since', now, 'wu', '', 'ver', 0, 'vl', 0, 'cl', 0, 'pd', 0, 'idle', now, 'ms', 0)
  redis.call('SADD', K .. 'agents', aid)
end
share(aid, -1)
redis.call('HSET', ak, 'vc', ARGV[4], 'cc', ARGV[5], 'cbc', ARGV[6], 'vr', ARGV[7])
local wanted = {}
local n = tonumber(ARGV[8])
for i = 0, n - 1 do wanted[ARGV[9 + 2 * i]] = ARGV[10 + 2 * i] end
for _, t in ipairs(redis.call('HKEYS', ak .. ':t')) do
  if not wanted[t] then
    redis.call('HDEL', ak .. ':t', t)
    redis.call('SREM', K .. 't:' .. t .. ':m', aid)
    redis.call('HDEL', avkey(t, 'voice'), aid)
    redis.call('HDEL', avkey(t, 'chat'), aid)
  end
end
local had = {}
local cur = redis.call('HGETALL', ak .. ':t')
for i = 1, #cur, 2 do had[cur[i]] = string.match(cur[i + 1], '|(.*)$') or '0' end
for t, level in pairs(wanted) do
  -- A new level keeps the round-robin position.
  redis.call('HSET', ak .. ':t', t, level .. '|' .. (had[t] or '0'))
  redis.call('SADD', K .. 't:' .. t .. ':m', aid)
  redis.call('SADD', K .. 'targets', t)
end
share(aid, 1)
return tostring(reindex(aid, true))
`),

  /** Compare-and-set of presence. ARGV: K, agent, expectedVer, st, rs, since, wu, now → {'ok', ver, freed} | {'conflict', ver} | {'missing'} */
  setPresence: script(`
local aid = ARGV[2]
local ak = akey(aid)
if redis.call('EXISTS', ak) == 0 then return {'missing'} end
local ver = num(redis.call('HGET', ak, 'ver'))
if ver ~= tonumber(ARGV[3]) then return {'conflict', tostring(ver)} end
local prev = redis.call('HGET', ak, 'st')
local st, now = ARGV[4], ARGV[8]
share(aid, -1)
redis.call('HSET', ak, 'st', st, 'rs', ARGV[5], 'since', ARGV[6], 'wu', ARGV[7], 'ver', ver + 1)
share(aid, 1)
if st == 'wrap_up' then redis.call('ZADD', K .. 'wrap', ARGV[7], aid) else redis.call('ZREM', K .. 'wrap', aid) end
if st == 'ready' and prev ~= 'ready' then
  redis.call('HSET', ak, 'ms', 0)
  -- Back from a break or logging in: idle from now. Back from wrap-up: idle since the contact ended.
  if prev ~= 'wrap_up' then mark_idle_if_free(aid, now) end
end
return {'ok', tostring(ver + 1), tostring(reindex(aid))}
`),

  /**
   * A contact joins a queue and is offered at once if someone can take it.
   * ARGV: K, now, seed, uuid, bound, contact, target, ch, score, enq, prio, customer, owner, wovDeadline, wovJson →
   * {{'ok', queue_info with the contact's state and rank}, dispatch} | {{'exists'}, dispatch}
   */
  enqueue: dispatching(`
local cid, t, ch = ARGV[6], ARGV[7], ARGV[8]
local c = K .. 'c:' .. cid
if redis.call('EXISTS', c) == 1 then return dispatched({'exists'}) end
redis.call('HSET', c, 'st', 'queued', 'ch', ch, 't', t, 'sc', ARGV[9], 'enq', ARGV[10], 'pr', ARGV[11], 'cu', ARGV[12], 'ow', ARGV[13], 'wov', ARGV[15])
queue_contact(cid, t, ch, ARGV[9], ARGV[10])
if tonumber(ARGV[14]) > 0 then redis.call('ZADD', K .. 'waitov', ARGV[14], cid) end
dispatch_queue(t, ch)
local offered = false
for i = 2, #D.out, 10 do if D.out[i] == cid then offered = true end end
local info = queue_info(t, ch, cid, offered and 'offered' or 'queued', false)
-- A queue is listed from its first contact (or its first agent: setAgent).
if tonumber(info[1]) <= 1 then redis.call('SADD', K .. 'targets', t) end
table.insert(info, 1, 'ok')
return dispatched(info)
`),

  /** Offers what can be offered now. ARGV: K, now, seed, uuid, bound, 'queue', target, ch | 'agent', agent → {{}, dispatch} */
  dispatch: dispatching(`
if ARGV[6] == 'queue' then dispatch_queue(ARGV[7], ARGV[8]) else dispatch_agent(ARGV[7]) end
return dispatched({})
`),

  /**
   * ARGV: K, now, seed, uuid, bound, offer, returningTtlSeconds, byAgent('' = anyone) →
   * {{'ok', contact, agent, ch, target, seq, enq}, dispatch} | {{'gone' | 'not_yours'}, dispatch}
   */
  accept: dispatching(`
local oid = ARGV[6]
local o = K .. 'o:' .. oid
local r = redis.call('HMGET', o, 'c', 'a', 'ch', 't', 'dl')
local cid, aid, ch, t = r[1], r[2], r[3], r[4]
if not cid then return dispatched({'gone'}) end
if ARGV[8] ~= '' and ARGV[8] ~= aid then return dispatched({'not_yours'}) end
-- Past its deadline but not yet taken back by the sweeper, the offer is still the agent's: a phone
-- answered in the last moment keeps its caller (the sweeper, atomically, is the only one to expire it).
redis.call('DEL', o)
redis.call('ZREM', K .. 'offers', oid)
local f = agent_facts(aid)
f[2] = tostring(num(f[2]) - 1)
local c = K .. 'c:' .. cid
local cf = redis.call('HMGET', c, 'cu', 'enq', 'wov')
redis.call('HSET', c, 'st', 'active', 'acc', ARGV[2], 'of', '')
if cf[3] and cf[3] ~= '' then redis.call('ZREM', K .. 'waitov', cid) end
if cf[1] and cf[1] ~= '' then redis.call('SET', K .. 'last:' .. cf[1], aid .. '|' .. ARGV[2], 'EX', ARGV[7]) end
local seq = tostring(next_seq())
-- One fewer outstanding offer: under the burst cap the agent may take the next contact.
freed(aid, f, {'pd', f[2], 'ms', 0})
return dispatched({'ok', cid, aid, ch, t, seq, cf[2]})
`),

  /**
   * The agent declined (or the call leg failed): the contact keeps its place and goes to the next agent.
   * ARGV: K, now, seed, uuid, bound, offer, mode(reject|timeout), autopause, byAgent →
   * {{'ok', offer, contact, agent, ch, target, seq, paused, freed}, dispatch} | {{'gone' | 'not_yours'}, dispatch}
   */
  release: dispatching(`
local oid = ARGV[6]
local aid = redis.call('HGET', K .. 'o:' .. oid, 'a')
if not aid then return dispatched({'gone'}) end
if ARGV[9] ~= '' and ARGV[9] ~= aid then return dispatched({'not_yours'}) end
local r = release_offer(oid, ARGV[2], ARGV[7], tonumber(ARGV[8]))
dispatch_queue(r[5], r[4])
if r[8] == '1' then dispatch_agent(aid) end
table.insert(r, 1, 'ok')
return dispatched(r)
`),

  /** Offers past their deadline, released as timeouts. ARGV: K, now, limit, autopause → flat list of release results (8 each) */
  expireOffers: script(`
local out = {}
for _, oid in ipairs(redis.call('ZRANGEBYSCORE', K .. 'offers', '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))) do
  local r = release_offer(oid, ARGV[2], 'timeout', tonumber(ARGV[4]))
  if r then for _, v in ipairs(r) do table.insert(out, v) end else redis.call('ZREM', K .. 'offers', oid) end
end
return out
`),

  /**
   * The end of an active contact: the slot frees (and is offered again at once); a ready agent's call starts wrap-up.
   * ARGV: K, now, seed, uuid, bound, contact, wrapUpSeconds →
   * {{'ok', agent, ch, target, enq, acc, seq, wrapUntil|''}, dispatch} | {{'gone'}, dispatch} | {{'not_active', st}, dispatch}
   */
  complete: dispatching(`
local cid, now = ARGV[6], D.now
local c = K .. 'c:' .. cid
local cf = redis.call('HMGET', c, 'st', 'ag', 'ch', 't', 'enq', 'acc', 'wov')
if not cf[1] then return dispatched({'gone'}) end
if cf[1] ~= 'active' then return dispatched({'not_active', cf[1]}) end
local aid, ch, t = cf[2], cf[3], cf[4]
local ak = akey(aid)
local f = agent_facts(aid)
local writes = add_load(f, ch, -1, 0, ARGV[2])
local wu = ''
local wrap = tonumber(ARGV[7])
-- policy/presence.ts transition('voice_contact_ended'): only a ready agent wraps up.
if ch == 'voice' and wrap > 0 and f[1] == 'ready' then
  wu = tostring(now + wrap * 1000)
  share(aid, -1)
  redis.call('HSET', ak, 'st', 'wrap_up', 'rs', '', 'since', ARGV[2], 'wu', wu)
  share(aid, 1)
  redis.call('HINCRBY', ak, 'ver', 1)
  redis.call('ZADD', K .. 'wrap', wu, aid)
  f[1] = 'wrap_up'
end
local stats = K .. 'st:' .. t .. ':' .. ch
redis.call('HINCRBY', stats, 'n', 1)
redis.call('HINCRBY', stats, 'ms', now - num(cf[6]))
redis.call('DEL', c, c .. ':tried')
if cf[7] and cf[7] ~= '' then redis.call('ZREM', K .. 'waitov', cid) end
local seq = tostring(next_seq())
freed(aid, f, writes)
return dispatched({'ok', aid, ch, t, cf[5], cf[6], seq, wu})
`),

  /** A contact leaves before being served. ARGV: K, contact, now → {'ok', stateBefore, agent|'', ch, target, enq, seq, offer|''} | {'gone'} | {'active'} */
  abandon: script(`
local cid, now = ARGV[2], ARGV[3]
local c = K .. 'c:' .. cid
local f = redis.call('HMGET', c, 'st', 'ag', 'ch', 't', 'enq', 'of')
if not f[1] then return {'gone'} end
if f[1] == 'active' then return {'active'} end
local oid = ''
if f[1] == 'offered' and f[6] then
  oid = f[6]
  release_offer(oid, now, 'abandon', 0)
end
redis.call('ZREM', qkey(f[4], f[3]), cid)
redis.call('ZREM', K .. 'waitov', cid)
redis.call('DEL', c, c .. ':tried')
return {'ok', f[1], f[2] or '', f[3], f[4], f[5], tostring(next_seq()), oid}
`),

  /** Wrap-ups whose time is up go ready (transition('wrap_up_elapsed')). ARGV: K, now, limit → {agent, ver, …} */
  endWrapUps: script(`
local now = ARGV[2]
local out = {}
for _, aid in ipairs(redis.call('ZRANGEBYSCORE', K .. 'wrap', '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))) do
  redis.call('ZREM', K .. 'wrap', aid)
  local ak = akey(aid)
  if redis.call('HGET', ak, 'st') == 'wrap_up' then
    share(aid, -1)
    redis.call('HSET', ak, 'st', 'ready', 'rs', '', 'since', now, 'wu', '', 'ms', 0)
    share(aid, 1)
    local ver = redis.call('HINCRBY', ak, 'ver', 1)
    reindex(aid)
    table.insert(out, aid)
    table.insert(out, tostring(ver))
  end
end
return out
`),

  /**
   * Contacts whose wait-overflow time has come and that still wait (an offered one
   * is checked again shortly). ARGV: K, now, limit → {contact, target, ch, wovJson, …}
   */
  dueWaitOverflows: script(`
local now = tonumber(ARGV[2])
local out = {}
for _, cid in ipairs(redis.call('ZRANGEBYSCORE', K .. 'waitov', '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))) do
  local f = redis.call('HMGET', K .. 'c:' .. cid, 'st', 't', 'ch', 'wov')
  if f[1] == 'offered' then
    redis.call('ZADD', K .. 'waitov', now + 1000, cid)
  else
    redis.call('ZREM', K .. 'waitov', cid)
    if f[1] == 'queued' then
      table.insert(out, cid)
      table.insert(out, f[2])
      table.insert(out, f[3])
      table.insert(out, f[4] or '')
    end
  end
end
return out
`),

  /**
   * Moves a waiting contact to another target, keeping its score (its place in
   * time), or takes it out of the ACD when newTarget is ''. Only if it still waits
   * in fromTarget. ARGV: K, contact, fromTarget, newTarget → {'ok', enq, seq} | {'gone'}
   */
  move: script(`
local cid, from, to = ARGV[2], ARGV[3], ARGV[4]
local c = K .. 'c:' .. cid
local f = redis.call('HMGET', c, 'st', 't', 'ch', 'sc', 'enq')
if f[1] ~= 'queued' or f[2] ~= from then return {'gone'} end
redis.call('ZREM', qkey(from, f[3]), cid)
if to == '' then
  redis.call('DEL', c, c .. ':tried')
  redis.call('ZREM', K .. 'waitov', cid)
else
  redis.call('HSET', c, 't', to, 'wov', '')
  redis.call('DEL', c .. ':tried')
  queue_contact(cid, to, f[3], f[4], f[5])
  redis.call('SADD', K .. 'targets', to)
end
return {'ok', f[5], tostring(next_seq())}
`),

  /** A queue's live numbers. ARGV: K, target, ch, contact('' = none) → queue_info (prelude.ts) */
  queueInfo: script(`
return queue_info(ARGV[2], ARGV[3], ARGV[4], nil, true)
`),

  /** Restores an accepted contact during a rebuild. ARGV: K, contact, agent, ch, target, enq, acc, customer, owner */
  restoreActive: script(`
local cid, aid, ch = ARGV[2], ARGV[3], ARGV[4]
local c = K .. 'c:' .. cid
if redis.call('EXISTS', c) == 1 or redis.call('EXISTS', akey(aid)) == 0 then return 'skip' end
redis.call('HSET', c, 'st', 'active', 'ag', aid, 'ch', ch, 't', ARGV[5], 'enq', ARGV[6], 'acc', ARGV[7], 'cu', ARGV[8], 'ow', ARGV[9], 'sc', 0, 'pr', 0)
redis.call('HINCRBY', akey(aid), load_field(ch), 1)
reindex(aid)
return 'ok'
`),
} as const;

export type ScriptName = keyof typeof SCRIPTS;

/** Per call: the arguments, and nothing cached from the previous call. */
const ENTRY = `
local function entry(body, dispatching)
  return function(_, args)
    ARGV, K, CFG, TARGETS, STRAT = args, args[1], nil, {}, {}
    if dispatching then begin_dispatch() end
    return body()
  end
end
`;

/** The library's code and the Redis function name of each step; the name carries the code's hash, so versions never collide. */
export function acdLibrary(): { code: string; fn: Record<ScriptName, string> } {
  const parts = Object.entries(SCRIPTS) as [ScriptName, { body: string; dispatching: boolean }][];
  const defs = parts.map(([name, s]) => `local function step_${name}()\n${s.body}\nend`).join('\n');
  const shared = `local K, ARGV, CFG, TARGETS, STRAT, D\n${PRELUDE}\n${DISPATCH}\n${ENTRY}\n${defs}`;
  const tag = createHash('sha1').update(shared).digest('hex').slice(0, 12);
  const fn = Object.fromEntries(parts.map(([name]) => [name, `hotline_acd_${tag}_${name}`])) as Record<ScriptName, string>;
  const register = parts.map(([name, s]) => `redis.register_function('${fn[name]}', entry(step_${name}, ${s.dispatching}))`).join('\n');
  return { code: `#!lua name=hotline_acd_${tag}\n${shared}\n${register}\n`, fn };
}
