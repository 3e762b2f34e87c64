/**
 * Lua shared by every ACD script: key names, the capacity rule, the availability
 * index and the per-target counters. All keys live under ARGV[1]
 * (config.redisPrefix + "acd:") and are built inside the scripts, so this needs a
 * single (non-cluster) Redis. Layout, K = ARGV[1]:
 *
 *   K a:<agent>             hash  st rs since wu ver | vc cc cbc vr | vl cl pd | idle ms | ix
 *                                 presence          | capacity       | load (voice, chat, pending offers) | idle since, misses |
 *                                 what the availability index holds for them: "vc|idle|load" (v/c: voice/chat, '-' = not in)
 *   K a:<agent>:t           hash  target → "level|rr": skill level, seq of the target's last offer to them (round robin)
 *   K t:<target>:m          set   agents serving the target
 *   K t:<target>:n          hash  logged ready vslots cslots: counts over its logged-in agents
 *   K t:<target>:<ch>:av    hash  agent → "level|idle|load|rr" for agents who could take one more <ch> contact now (kept exact by reindex)
 *   K t:<target>:<ch>:q     zset  waiting contacts by queue score (priority, then time)
 *   K c:<contact>           hash  st(queued|offered|active) ch t sc enq pr cu ow ag of acc wov
 *   K c:<contact>:tried     set   agents who timed out on / rejected it
 *   K o:<offer>             hash  c a ch t dl seq
 *   K offers                zset  offer → deadline (ms)
 *   K wrap                  zset  agent → wrap-up end (ms)
 *   K waitov                zset  contact → wait-overflow deadline (ms)
 *   K last:<customer>       string "agent|ms" with a TTL: who served them last
 *   K st:<target>:<ch>      hash  n, ms: contacts completed and their total handle time
 *   K cfg                   hash  burst (max outstanding offers per agent), vto cto (offer timeouts, ms)
 *   K strat                 hash  target → "kind|returningFirst(0/1)|windowMs" (groups without one: longest idle)
 *   K agents, K targets     sets  everything known, for listings
 *   K seq                   counter: one order for every decision (events carry it)
 *   K built                 marker: live state exists (absent after Redis loss → rebuild)
 */
export const PRELUDE = `
local function num(v) return tonumber(v) or 0 end
local function akey(id) return K .. 'a:' .. id end
local function qkey(t, ch) return K .. 't:' .. t .. ':' .. ch .. ':q' end
local function avkey(t, ch) return K .. 't:' .. t .. ':' .. ch .. ':av' end
local function next_seq() return redis.call('INCR', K .. 'seq') end
local function load_field(ch) if ch == 'voice' then return 'vl' else return 'cl' end end

-- Settings, read once per call.
local function cfg()
  if not CFG then
    local r = redis.call('HMGET', K .. 'cfg', 'burst', 'vto', 'cto')
    CFG = {burst = tonumber(r[1]) or 1, vto = tonumber(r[2]) or 20000, cto = tonumber(r[3]) or 30000}
  end
  return CFG
end

-- What availability depends on, in one read: st pd vl vc cl cc cbc idle ix.
local function agent_facts(id)
  return redis.call('HMGET', akey(id), 'st', 'pd', 'vl', 'vc', 'cl', 'cc', 'cbc', 'idle', 'ix')
end

-- The capacity rule of policy/capacity.ts canTake(), for both channels: voice, chat.
local function takes(f)
  if f[1] ~= 'ready' or num(f[2]) >= cfg().burst then return false, false end
  local voice = num(f[3]) < num(f[4])
  local chat = num(f[5]) < num(f[6]) and not (f[7] == '1' and num(f[3]) > 0)
  return voice, chat
end

-- An agent's queues as {target, "level|rr", …}, read once per call.
local function agent_targets(id)
  if not TARGETS[id] then TARGETS[id] = redis.call('HGETALL', akey(id) .. ':t') end
  return TARGETS[id]
end

local function level_of(v) return string.match(v, '^[^|]*') end

-- Records the target's latest offer to the agent (round robin ranks on it).
local function set_rr(id, t, seq)
  local ts = agent_targets(id)
  for i = 1, #ts, 2 do
    if ts[i] == t then
      ts[i + 1] = level_of(ts[i + 1]) .. '|' .. seq
      redis.call('HSET', akey(id) .. ':t', t, ts[i + 1])
    end
  end
end

-- Keeps the availability index exact: called after every change to an agent,
-- with their facts when the caller has them (updated) and the agent fields the
-- caller changed (written here, with ix, in one HSET). The index carries what the
-- strategies rank on ("level|idle|load|rr"), so reading a queue's candidates is one
-- HGETALL however many there are; the agent's ix field says what it holds for them,
-- so a change that moves nothing the index shows costs nothing.
-- Returns 1 when the agent became available somewhere it was not: only then is
-- it worth looking for work for them (an agent already available was looked for).
local function reindex(id, force, f, writes)
  f = f or agent_facts(id)
  writes = writes or {}
  local voice, chat = takes(f)
  local load = num(f[3]) + num(f[5])
  local facts = '|' .. (f[8] or '0') .. '|' .. load .. '|'
  local snap = (voice and 'v' or '-') .. (chat and 'c' or '-') .. facts
  -- No record (a live state written before ix existed): take it that the index may hold them anywhere.
  local was = f[9] or 'vc'
  if snap == was and not force then
    if #writes > 0 then redis.call('HSET', akey(id), unpack(writes)) end
    return 0
  end
  f[9] = snap
  table.insert(writes, 'ix')
  table.insert(writes, snap)
  redis.call('HSET', akey(id), unpack(writes))
  local was_voice, was_chat = string.sub(was, 1, 1) == 'v', string.sub(was, 2, 2) == 'c'
  if not (voice or chat or was_voice or was_chat) then return 0 end
  local freed = 0
  local ts = agent_targets(id)
  for i = 1, #ts, 2 do
    local t, entry = ts[i], ts[i + 1]
    local level, rr = string.match(entry, '^([^|]*)|?(.*)$')
    entry = level .. facts .. (rr ~= '' and rr or '0')
    if voice then
      if redis.call('HSET', avkey(t, 'voice'), id, entry) == 1 then freed = 1 end
    elseif was_voice then
      redis.call('HDEL', avkey(t, 'voice'), id)
    end
    if chat then
      if redis.call('HSET', avkey(t, 'chat'), id, entry) == 1 then freed = 1 end
    elseif was_chat then
      redis.call('HDEL', avkey(t, 'chat'), id)
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

-- Changes an agent's load on a channel (and pending offers) in their facts; an agent
-- whose last contact ends is idle from now. Returns the fields to write (reindex does).
local function add_load(f, ch, delta, pending, now)
  local i = (ch == 'voice') and 3 or 5
  f[i] = tostring(num(f[i]) + delta)
  f[2] = tostring(num(f[2]) + pending)
  local args = {load_field(ch), f[i], 'pd', f[2]}
  if now and num(f[3]) + num(f[5]) == 0 then
    f[8] = tostring(now)
    table.insert(args, 'idle')
    table.insert(args, f[8])
  end
  return args
end

local function mark_idle_if_free(id, now)
  local r = redis.call('HMGET', akey(id), 'vl', 'cl')
  if num(r[1]) + num(r[2]) == 0 then redis.call('HSET', akey(id), 'idle', now) end
end

local function queue_contact(cid, t, ch, sc, enq)
  redis.call('ZADD', qkey(t, ch), sc, cid)
end

-- When the longest-waiting contact came: the earliest among the heads of the
-- queue's priority bands (a score is band * 2^42 + enqueue time, policy/queue-order.ts).
local BAND = 4398046511104
local function oldest_enqueued(t, ch)
  local oldest, from = nil, '-inf'
  while true do
    local h = redis.call('ZRANGEBYSCORE', qkey(t, ch), from, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
    if #h == 0 then return oldest end
    local band = math.floor(tonumber(h[2]) / BAND)
    local enq = tonumber(h[2]) - band * BAND
    if not oldest or enq < oldest then oldest = enq end
    from = string.format('%.0f', (band + 1) * BAND)
  end
end

-- A queue's live numbers: {waiting, oldestEnq|'', loggedIn, ready, slots, handled, handleMs, contactState|'', rank|''}.
-- state: the contact's state when the caller knows it; the longest wait only when asked (it costs a read per priority band).
local function queue_info(t, ch, cid, state, with_oldest)
  local waiting = redis.call('ZCARD', qkey(t, ch))
  local oldest = ''
  if with_oldest and waiting > 0 then oldest = string.format('%.0f', oldest_enqueued(t, ch)) end
  local c = redis.call('HMGET', K .. 't:' .. t .. ':n', 'logged', 'ready', 'vslots', 'cslots')
  local logged, ready, slots = num(c[1]), num(c[2]), num(c[4])
  if ch == 'voice' then slots = num(c[3]) end
  local s = redis.call('HMGET', K .. 'st:' .. t .. ':' .. ch, 'n', 'ms')
  local cst, rank = '', ''
  if cid ~= '' then
    cst = state or redis.call('HGET', K .. 'c:' .. cid, 'st') or ''
    if cst == 'queued' then
      local r = redis.call('ZRANK', qkey(t, ch), cid)
      if r then rank = tostring(r) end
    end
  end
  return {tostring(waiting), oldest, tostring(logged), tostring(ready), tostring(slots), s[1] or '0', s[2] or '0', cst, rank}
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
  local f = agent_facts(aid)
  local writes = add_load(f, ch, -1, -1, now)
  local paused = ''
  if mode == 'timeout' then
    local misses = redis.call('HINCRBY', ak, 'ms', 1)
    if autopause > 0 and misses >= autopause and f[1] == 'ready' then
      share(aid, -1)
      redis.call('HSET', ak, 'st', 'not_ready', 'rs', 'missed', 'since', now, 'wu', '', 'ms', 0)
      share(aid, 1)
      redis.call('HINCRBY', ak, 'ver', 1)
      f[1] = 'not_ready'
      paused = 'missed'
    end
  end
  local c = K .. 'c:' .. cid
  local cf = redis.call('HMGET', c, 'of', 'sc', 'enq', 'tr')
  if mode ~= 'abandon' and cf[1] == oid then
    redis.call('HSET', c, 'st', 'queued', 'ag', '', 'of', '', 'tr', num(cf[4]) + 1)
    queue_contact(cid, t, ch, cf[2], cf[3])
    redis.call('SADD', c .. ':tried', aid)
  end
  local freed = reindex(aid, false, f, writes)
  return {oid, cid, aid, ch, t, tostring(next_seq()), paused, tostring(freed)}
end
`;
