/**
 * The ACD's atomic steps, as Redis Lua scripts. Each script is one indivisible
 * decision: Redis runs scripts one at a time, so two server processes can never
 * both take the last slot of an agent or both offer one contact.
 *
 * All keys live under ARGV[1] (config.redisPrefix + "acd:") and are built inside
 * the scripts, so this needs a single (non-cluster) Redis. Layout, K = ARGV[1]:
 *
 *   K a:<agent>             hash  st rs since wu ver | vc cc cbc vr | vl cl pd | idle ms
 *                                 presence          | capacity       | load (voice, chat, pending offers) | idle since, misses
 *   K a:<agent>:t           hash  target → skill level          (queues the agent serves)
 *   K a:<agent>:rr          hash  target → seq of last offer    (round robin)
 *   K t:<target>:m          set   agents serving the target
 *   K t:<target>:n          hash  logged ready vslots cslots: counts over its logged-in agents
 *   K t:<target>:<ch>:av    hash  agent → "level|idle|load|rr" for agents who could take one more <ch> contact now (kept exact by reindex)
 *   K t:<target>:<ch>:q     zset  waiting contacts by queue score (priority, then time)
 *   K t:<target>:<ch>:age   zset  waiting contacts by enqueue time (longest wait)
 *   K c:<contact>           hash  st(queued|offered|active) ch t sc enq pr cu ow ag of acc wov
 *   K c:<contact>:tried     set   agents who timed out on / rejected it
 *   K o:<offer>             hash  c a ch t dl seq
 *   K offers                zset  offer → deadline (ms)
 *   K wrap                  zset  agent → wrap-up end (ms)
 *   K waitov                zset  contact → wait-overflow deadline (ms)
 *   K last:<customer>       string "agent|ms" with a TTL: who served them last
 *   K st:<target>:<ch>      hash  n, ms: contacts completed and their total handle time
 *   K cfg                   hash  burst (max outstanding offers per agent)
 *   K agents, K targets     sets  everything known, for listings
 *   K seq                   counter: one order for every decision (events carry it)
 *   K built                 marker: live state exists (absent after Redis loss → rebuild)
 */

const PRELUDE = `
local K = ARGV[1]
local function num(v) return tonumber(v) or 0 end
local function akey(id) return K .. 'a:' .. id end
local function qkey(t, ch) return K .. 't:' .. t .. ':' .. ch .. ':q' end
local function agekey(t, ch) return K .. 't:' .. t .. ':' .. ch .. ':age' end
local function avkey(t, ch) return K .. 't:' .. t .. ':' .. ch .. ':av' end
local function next_seq() return redis.call('INCR', K .. 'seq') end
local function load_field(ch) if ch == 'voice' then return 'vl' else return 'cl' end end

-- The capacity rule of policy/capacity.ts canTake(), applied atomically.
local function can_take(id, ch)
  local r = redis.call('HMGET', akey(id), 'st', 'pd', 'vl', 'vc', 'cl', 'cc', 'cbc')
  if r[1] ~= 'ready' then return false end
  local burst = tonumber(redis.call('HGET', K .. 'cfg', 'burst')) or 1
  if num(r[2]) >= burst then return false end
  if ch == 'voice' then return num(r[3]) < num(r[4]) end
  return num(r[5]) < num(r[6]) and not (r[7] == '1' and num(r[3]) > 0)
end

-- Keeps the availability index exact: called after every change to an agent.
-- Returns 1 when the agent became available somewhere it was not: only then is
-- it worth looking for work for them (an agent already available was looked for).
-- The index also carries what the strategies rank on ("level|idle|load|rr"), so
-- reading a queue's candidates is one HGETALL however many there are.
local function reindex(id)
  local ak = akey(id)
  local levels = redis.call('HGETALL', ak .. ':t')
  local f = redis.call('HMGET', ak, 'idle', 'vl', 'cl')
  local facts = '|' .. (f[1] or '0') .. '|' .. tostring(num(f[2]) + num(f[3])) .. '|'
  local freed = 0
  for _, ch in ipairs({'voice', 'chat'}) do
    local ok = can_take(id, ch)
    for i = 1, #levels, 2 do
      local t = levels[i]
      if ok then
        local rr = redis.call('HGET', ak .. ':rr', t) or '0'
        if redis.call('HSET', avkey(t, ch), id, levels[i + 1] .. facts .. rr) == 1 then freed = 1 end
      else
        redis.call('HDEL', avkey(t, ch), id)
      end
    end
  end
  return freed
end

-- Per-target counters (logged in, ready, voice and chat slots of logged-in agents),
-- kept exact by subtracting an agent's share before a change and adding it after,
-- so queue numbers cost O(1) instead of a scan of the group.
local function share(id, sign)
  local r = redis.call('HMGET', akey(id), 'st', 'vc', 'cc')
  if not r[1] or r[1] == 'offline' then return end
  local ready = 0
  if r[1] == 'ready' then ready = 1 end
  for _, t in ipairs(redis.call('HKEYS', akey(id) .. ':t')) do
    local n = K .. 't:' .. t .. ':n'
    -- Zero deltas are skipped: Lua's -1 * 0 is "-0", which HINCRBY refuses.
    for f, v in pairs({logged = 1, ready = ready, vslots = num(r[2]), cslots = num(r[3])}) do
      if v ~= 0 then redis.call('HINCRBY', n, f, sign * v) end
    end
  end
end

local function mark_idle_if_free(id, now)
  local r = redis.call('HMGET', akey(id), 'vl', 'cl')
  if num(r[1]) + num(r[2]) == 0 then redis.call('HSET', akey(id), 'idle', now) end
end

local function queue_contact(cid, t, ch, sc, enq)
  redis.call('ZADD', qkey(t, ch), sc, cid)
  redis.call('ZADD', agekey(t, ch), enq, cid)
end

-- Frees an offered slot. mode: 'timeout' | 'reject' (the contact keeps its place) | 'abandon'.
-- A timeout counts a miss; at the threshold a ready agent goes not_ready("missed"),
-- the system edge of policy/presence.ts transition('missed_offers').
local function release_offer(oid, now, mode, autopause)
  local o = K .. 'o:' .. oid
  local r = redis.call('HMGET', o, 'c', 'a', 'ch', 't')
  local cid, aid, ch, t = r[1], r[2], r[3], r[4]
  if not cid then return nil end
  redis.call('DEL', o)
  redis.call('ZREM', K .. 'offers', oid)
  local ak = akey(aid)
  redis.call('HINCRBY', ak, load_field(ch), -1)
  redis.call('HINCRBY', ak, 'pd', -1)
  mark_idle_if_free(aid, now)
  local paused = ''
  if mode == 'timeout' then
    local misses = redis.call('HINCRBY', ak, 'ms', 1)
    if autopause > 0 and misses >= autopause and redis.call('HGET', ak, 'st') == 'ready' then
      share(aid, -1)
      redis.call('HSET', ak, 'st', 'not_ready', 'rs', 'missed', 'since', now, 'wu', '', 'ms', 0)
      share(aid, 1)
      redis.call('HINCRBY', ak, 'ver', 1)
      paused = 'missed'
    end
  end
  local c = K .. 'c:' .. cid
  if mode ~= 'abandon' and redis.call('HGET', c, 'of') == oid then
    local f = redis.call('HMGET', c, 'sc', 'enq')
    redis.call('HSET', c, 'st', 'queued')
    redis.call('HDEL', c, 'ag', 'of')
    queue_contact(cid, t, ch, f[1], f[2])
    redis.call('SADD', c .. ':tried', aid)
  end
  local freed = reindex(aid)
  return {oid, cid, aid, ch, t, tostring(next_seq()), paused, tostring(freed)}
end
`;

const script = (body: string) => `${PRELUDE}\n${body}`;

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
for t, level in pairs(wanted) do
  redis.call('HSET', ak .. ':t', t, level)
  redis.call('SADD', K .. 't:' .. t .. ':m', aid)
  redis.call('SADD', K .. 'targets', t)
end
share(aid, 1)
return tostring(reindex(aid))
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

  /** ARGV: K, contact, target, ch, score, enq, prio, customer, owner, wovDeadline, wovJson → {'ok', rank, candidates} | {'exists'} */
  enqueue: script(`
local cid, t, ch = ARGV[2], ARGV[3], ARGV[4]
local c = K .. 'c:' .. cid
if redis.call('EXISTS', c) == 1 then return {'exists'} end
redis.call('HSET', c, 'st', 'queued', 'ch', ch, 't', t, 'sc', ARGV[5], 'enq', ARGV[6], 'pr', ARGV[7], 'cu', ARGV[8], 'ow', ARGV[9], 'wov', ARGV[11])
queue_contact(cid, t, ch, ARGV[5], ARGV[6])
redis.call('SADD', K .. 'targets', t)
if tonumber(ARGV[10]) > 0 then redis.call('ZADD', K .. 'waitov', ARGV[10], cid) end
-- Whether anyone could take it now; if not, the next agent to free up will look.
return {'ok', tostring(redis.call('ZRANK', qkey(t, ch), cid)), tostring(redis.call('HLEN', avkey(t, ch)))}
`),

  /**
   * The head of a queue and everyone who could take it now, with the facts the
   * strategies rank on. ARGV: K, target, ch →
   * {} | {contact, customer, lastServed, nTried, tried…, agent, "level|idle|load|rr", …}
   */
  peek: script(`
local t, ch = ARGV[2], ARGV[3]
local head = redis.call('ZRANGE', qkey(t, ch), 0, 0)
if #head == 0 then return {} end
local cid = head[1]
local c = K .. 'c:' .. cid
local cu = redis.call('HGET', c, 'cu') or ''
local last = ''
if cu ~= '' then last = redis.call('GET', K .. 'last:' .. cu) or '' end
local out = {cid, cu, last}
local tried = redis.call('SMEMBERS', c .. ':tried')
table.insert(out, tostring(#tried))
for _, a in ipairs(tried) do table.insert(out, a) end
local av = redis.call('HGETALL', avkey(t, ch))
for i = 1, #av do table.insert(out, av[i]) end
return out
`),

  /**
   * The atomic claim: reserve one slot of this agent for this contact, if the
   * contact is still waiting and the agent can still take it.
   * ARGV: K, contact, agent, offer, deadline → {'ok', seq, target, ch, enq, prio, customer, owner, more} | {'contact_gone'} | {'agent_unavailable'}
   */
  claim: script(`
local cid, aid, oid = ARGV[2], ARGV[3], ARGV[4]
local c = K .. 'c:' .. cid
local f = redis.call('HMGET', c, 'st', 'ch', 't', 'enq', 'pr', 'cu', 'ow')
if f[1] ~= 'queued' then return {'contact_gone'} end
local ch, t = f[2], f[3]
if redis.call('HEXISTS', akey(aid) .. ':t', t) == 0 or not can_take(aid, ch) then return {'agent_unavailable'} end
redis.call('ZREM', qkey(t, ch), cid)
redis.call('ZREM', agekey(t, ch), cid)
local seq = next_seq()
redis.call('HSET', c, 'st', 'offered', 'ag', aid, 'of', oid)
redis.call('HSET', K .. 'o:' .. oid, 'c', cid, 'a', aid, 'ch', ch, 't', t, 'dl', ARGV[5], 'seq', seq)
redis.call('ZADD', K .. 'offers', ARGV[5], oid)
local ak = akey(aid)
redis.call('HINCRBY', ak, load_field(ch), 1)
redis.call('HINCRBY', ak, 'pd', 1)
redis.call('HSET', ak .. ':rr', t, seq)
reindex(aid)
-- Whether another decision could follow at once, so the caller can skip a useless read.
local more = 0
if redis.call('ZCARD', qkey(t, ch)) > 0 and redis.call('HLEN', avkey(t, ch)) > 0 then more = 1 end
return {'ok', tostring(seq), t, ch, f[4], f[5], f[6] or '', f[7] or '', tostring(more)}
`),

  /** ARGV: K, offer, now, returningTtlSeconds, byAgent('' = anyone) → {'ok', contact, agent, ch, target, seq, enq, freed} | {'gone'} | {'expired'} | {'not_yours'} */
  accept: script(`
local oid, now = ARGV[2], tonumber(ARGV[3])
local o = K .. 'o:' .. oid
local r = redis.call('HMGET', o, 'c', 'a', 'ch', 't', 'dl')
local cid, aid, ch, t = r[1], r[2], r[3], r[4]
if not cid then return {'gone'} end
if ARGV[5] ~= '' and ARGV[5] ~= aid then return {'not_yours'} end
if tonumber(r[5]) < now then return {'expired'} end
redis.call('DEL', o)
redis.call('ZREM', K .. 'offers', oid)
local ak = akey(aid)
redis.call('HINCRBY', ak, 'pd', -1)
redis.call('HSET', ak, 'ms', 0)
local c = K .. 'c:' .. cid
redis.call('HSET', c, 'st', 'active', 'acc', now)
redis.call('HDEL', c, 'of')
redis.call('ZREM', K .. 'waitov', cid)
local cu = redis.call('HGET', c, 'cu') or ''
if cu ~= '' then redis.call('SET', K .. 'last:' .. cu, aid .. '|' .. now, 'EX', ARGV[4]) end
local freed = reindex(aid)
return {'ok', cid, aid, ch, t, tostring(next_seq()), redis.call('HGET', c, 'enq'), tostring(freed)}
`),

  /** ARGV: K, offer, now, mode(reject|timeout), autopause, byAgent → {'ok', offer, contact, agent, ch, target, seq, paused, freed} | {'gone'} | {'not_yours'} */
  release: script(`
local oid = ARGV[2]
local aid = redis.call('HGET', K .. 'o:' .. oid, 'a')
if not aid then return {'gone'} end
if ARGV[6] ~= '' and ARGV[6] ~= aid then return {'not_yours'} end
local r = release_offer(oid, ARGV[3], ARGV[4], tonumber(ARGV[5]))
table.insert(r, 1, 'ok')
return r
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
   * The end of an active contact: the slot frees; a ready agent's call starts wrap-up.
   * ARGV: K, contact, now, wrapUpSeconds → {'ok', agent, ch, target, enq, acc, seq, wrapUntil|'', freed} | {'gone'} | {'not_active', st}
   */
  complete: script(`
local cid, now = ARGV[2], tonumber(ARGV[3])
local c = K .. 'c:' .. cid
local f = redis.call('HMGET', c, 'st', 'ag', 'ch', 't', 'enq', 'acc')
if not f[1] then return {'gone'} end
if f[1] ~= 'active' then return {'not_active', f[1]} end
local aid, ch, t = f[2], f[3], f[4]
local ak = akey(aid)
redis.call('HINCRBY', ak, load_field(ch), -1)
mark_idle_if_free(aid, now)
local wu = ''
local wrap = tonumber(ARGV[4])
-- policy/presence.ts transition('voice_contact_ended'): only a ready agent wraps up.
if ch == 'voice' and wrap > 0 and redis.call('HGET', ak, 'st') == 'ready' then
  wu = tostring(now + wrap * 1000)
  share(aid, -1)
  redis.call('HSET', ak, 'st', 'wrap_up', 'rs', '', 'since', now, 'wu', wu)
  share(aid, 1)
  redis.call('HINCRBY', ak, 'ver', 1)
  redis.call('ZADD', K .. 'wrap', wu, aid)
end
local stats = K .. 'st:' .. t .. ':' .. ch
redis.call('HINCRBY', stats, 'n', 1)
redis.call('HINCRBY', stats, 'ms', now - num(f[6]))
redis.call('DEL', c, c .. ':tried')
redis.call('ZREM', K .. 'waitov', cid)
local freed = reindex(aid)
return {'ok', aid, ch, t, f[5], f[6], tostring(next_seq()), wu, tostring(freed)}
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
redis.call('ZREM', agekey(f[4], f[3]), cid)
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
redis.call('ZREM', agekey(from, f[3]), cid)
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

  /** Where a freed agent could work now: {target, ch, headScore, …} for each non-empty queue they can take. ARGV: K, agent */
  agentQueues: script(`
local aid = ARGV[2]
local out = {}
for _, t in ipairs(redis.call('HKEYS', akey(aid) .. ':t')) do
  for _, ch in ipairs({'voice', 'chat'}) do
    if redis.call('HEXISTS', avkey(t, ch), aid) == 1 then
      local head = redis.call('ZRANGE', qkey(t, ch), 0, 0, 'WITHSCORES')
      if #head > 0 then
        table.insert(out, t)
        table.insert(out, ch)
        table.insert(out, head[2])
      end
    end
  end
end
return out
`),

  /**
   * A queue's live numbers. ARGV: K, target, ch, contact('' = none) →
   * {waiting, oldestEnq|'', loggedIn, ready, chatSlots, handled, handleMs, contactState|'', rank|''}
   */
  queueInfo: script(`
local t, ch, cid = ARGV[2], ARGV[3], ARGV[4]
local waiting = redis.call('ZCARD', qkey(t, ch))
local oldest = redis.call('ZRANGE', agekey(t, ch), 0, 0, 'WITHSCORES')
local c = redis.call('HMGET', K .. 't:' .. t .. ':n', 'logged', 'ready', 'vslots', 'cslots')
local logged, ready, slots = num(c[1]), num(c[2]), num(c[4])
if ch == 'voice' then slots = num(c[3]) end
local s = redis.call('HMGET', K .. 'st:' .. t .. ':' .. ch, 'n', 'ms')
local cst, rank = '', ''
if cid ~= '' then
  cst = redis.call('HGET', K .. 'c:' .. cid, 'st') or ''
  local r = redis.call('ZRANK', qkey(t, ch), cid)
  if r then rank = tostring(r) end
end
return {tostring(waiting), oldest[2] or '', tostring(logged), tostring(ready), tostring(slots), s[1] or '0', s[2] or '0', cst, rank}
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
