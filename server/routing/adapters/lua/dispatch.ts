/**
 * The assignment decision, inside Redis. A script that can free a slot or queue
 * a contact (enqueue, accept, release, complete, dispatch) ends by offering
 * whatever can be offered now, in the same atomic step: no separate read, rank
 * and claim round trips, no candidate list crossing the wire, and no window in
 * which another process can take the candidate.
 *
 * The ranking is policy/strategies.ts rankAgents() (its first choice): that file
 * is the specification and test/routing/strategy-parity.test.ts holds this port
 * to it on random cases.
 *
 * Dispatching scripts take ARGV[2] now (ms), ARGV[3] a random seed, ARGV[4] a
 * random UUID, ARGV[5] the most offers to make, and return
 * {result, {more, offer fields ×10 …}} where more = '1' when the bound stopped it.
 * Offer ids are the UUID with its last four hex digits numbering the step's offers:
 * unique without asking the caller for one UUID per possible offer.
 */
export const OFFER_FIELDS = 10;

export const DISPATCH = `
local function begin_dispatch()
  D = {now = tonumber(ARGV[2]), rng = (num(ARGV[3]) % 2147483646) + 1, idbase = string.sub(ARGV[4], 1, 32), budget = num(ARGV[5]), used = 0, out = {}, more = '0'}
end

-- Park-Miller: a script may not use an unseeded random, and the engine's seed makes runs repeatable.
local function rnd()
  D.rng = (D.rng * 48271) % 2147483647
  return D.rng / 2147483647
end

-- True when candidate a comes before b in this strategy (policy/strategies.ts ORDER).
local function before(kind, a, b)
  if kind == 'least_busy' then
    if a.load ~= b.load then return a.load < b.load end
    if a.idle ~= b.idle then return a.idle < b.idle end
  elseif kind == 'round_robin' then
    if a.rr ~= b.rr then return a.rr < b.rr end
  else
    if kind == 'skill_level' and a.level ~= b.level then return a.level > b.level end
    local abusy, bbusy = a.load > 0, b.load > 0
    if abusy ~= bbusy then return bbusy end
    if a.idle ~= b.idle then return a.idle < b.idle end
  end
  return a.id < b.id
end

-- The returning customer's last agent, when the strategy asks for it and the window holds.
local function returning_agent(spec_rcf, window, cu)
  if spec_rcf ~= '1' or cu == '' then return nil end
  local last = redis.call('GET', K .. 'last:' .. cu)
  if not last then return nil end
  local aid, at = string.match(last, '^(.*)|(%d+)$')
  if aid and D.now - tonumber(at) <= tonumber(window) then return aid end
  return nil
end

-- The strategy of a target, read once per call: kind, returning-first flag, window (ms).
local function strategy(t)
  if not STRAT[t] then
    local kind, rcf, window = string.match(redis.call('HGET', K .. 'strat', t) or '', '^([%w_]+)|(%d)|(%d+)$')
    STRAT[t] = {kind or 'longest_idle', rcf or '0', window or '0'}
  end
  return STRAT[t]
end

-- Who gets the contact at the head of queue (t, ch); nil when nobody can take it now.
-- Returns the agent as {id, level, …}. One pass over the candidates, no sorting:
-- only the first choice matters. Agents who already missed or refused the contact
-- come last, so the choice is among the others when there are any.
local function best_agent(t, ch, cid, cu, ntried)
  local av = redis.call('HGETALL', avkey(t, ch))
  if #av == 0 then return nil end
  local s = strategy(t)
  local kind = s[1]
  local tried = {}
  if ntried > 0 then
    for _, a in ipairs(redis.call('SMEMBERS', K .. 'c:' .. cid .. ':tried')) do tried[a] = true end
  end
  local back = returning_agent(s[2], s[3], cu)
  -- [1]: among the untried, [2]: among the tried. n: pool sizes (random picks by reservoir).
  local best, n, back_in = {nil, nil}, {0, 0}, {nil, nil}
  for i = 1, #av, 2 do
    local level, idle, load, rr = string.match(av[i + 1], '^([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
    local cand = {id = av[i], level = num(level), idle = num(idle), load = num(load), rr = num(rr)}
    local p = tried[cand.id] and 2 or 1
    n[p] = n[p] + 1
    if cand.id == back then back_in[p] = cand end
    if kind == 'random' then
      if rnd() * n[p] < 1 then best[p] = cand end
    elseif not best[p] or before(kind, cand, best[p]) then
      best[p] = cand
    end
  end
  local p = n[1] > 0 and 1 or 2
  return back_in[p] or best[p]
end

-- The index is exact, but settings (the burst cap) can change under it: an agent
-- who cannot take it after all leaves the index and false sends the caller on.
-- f, writes: the agent's facts and unwritten field changes when the caller holds them.
local function offer(cid, aid, t, ch, cu, ow, enq, f, writes)
  f = f or agent_facts(aid)
  writes = writes or {}
  local voice, chat = takes(f)
  if not ((ch == 'voice' and voice) or (ch == 'chat' and chat)) then
    reindex(aid, true, f, writes)
    return false
  end
  D.used = D.used + 1
  local oid = D.idbase .. string.format('%04x', D.used)
  local deadline = D.now + ((ch == 'voice') and cfg().vto or cfg().cto)
  redis.call('ZREM', qkey(t, ch), cid)
  local seq = next_seq()
  redis.call('HSET', K .. 'c:' .. cid, 'st', 'offered', 'ag', aid, 'of', oid)
  redis.call('HSET', K .. 'o:' .. oid, 'c', cid, 'a', aid, 'ch', ch, 't', t, 'dl', deadline, 'seq', seq)
  redis.call('ZADD', K .. 'offers', deadline, oid)
  set_rr(aid, t, seq)
  -- Later values win in one HSET: the offer's load after the caller's changes.
  for _, v in ipairs(add_load(f, ch, 1, 1, nil)) do table.insert(writes, v) end
  reindex(aid, true, f, writes)
  for _, v in ipairs({oid, cid, aid, ch, t, cu, ow, enq, tostring(deadline), tostring(seq)}) do table.insert(D.out, v) end
  return true
end

-- Offers the queue's waiting contacts while someone can take them. head: the
-- queue's head when the caller has just read it (with someone available).
local function dispatch_queue(t, ch, head)
  while true do
    if not head then
      if redis.call('HLEN', avkey(t, ch)) == 0 then return end
      head = redis.call('ZRANGE', qkey(t, ch), 0, 0)
      if #head == 0 then return end
    end
    if D.used >= D.budget then D.more = '1' return end
    local cid = head[1]
    local f = redis.call('HMGET', K .. 'c:' .. cid, 'cu', 'ow', 'enq', 'tr')
    local agent = best_agent(t, ch, cid, f[1] or '', num(f[4]))
    if not agent then return end
    offer(cid, agent.id, t, ch, f[1] or '', f[2] or '', f[3] or '0')
    head = nil
  end
end

-- The heads of an agent's queues on the channels given, oldest first: {target, ch, score, contact}.
local function waiting_heads(aid, voice, chat)
  local queues, channels = {}, {}
  if voice then table.insert(channels, 'voice') end
  if chat then table.insert(channels, 'chat') end
  local ts = agent_targets(aid)
  for i = 1, #ts, 2 do
    for _, ch in ipairs(channels) do
      local head = redis.call('ZRANGE', qkey(ts[i], ch), 0, 0, 'WITHSCORES')
      if #head > 0 then table.insert(queues, {ts[i], ch, tonumber(head[2]), head[1]}) end
    end
  end
  table.sort(queues, function(a, b) return a[3] < b[3] end)
  return queues
end

-- Offers the heads of these queues, oldest first. The first head is as read; later
-- ones may have changed meanwhile.
local function dispatch_heads(queues)
  for i, q in ipairs(queues) do dispatch_queue(q[1], q[2], i == 1 and {q[4]} or nil) end
end

-- An agent may have a free slot: the queues they are available in, oldest head first.
-- ix: what the index holds for them, when the caller knows it.
local function dispatch_agent(aid, ix)
  ix = ix or redis.call('HGET', akey(aid), 'ix') or ''
  local voice, chat = string.sub(ix, 1, 1) == 'v', string.sub(ix, 2, 2) == 'c'
  if voice or chat then dispatch_heads(waiting_heads(aid, voice, chat)) end
end

-- After an agent's load or pending offers went down (facts f, unwritten changes
-- writes): index them and offer them work. When contacts wait for them and nobody
-- else could take the oldest (a busy center: whoever could would have had it), they
-- are its only candidate, whatever the strategy: it is offered to them before they
-- enter the index, which that offer would undo (about a third of the step's writes).
local function freed(aid, f, writes)
  local voice, chat = takes(f)
  local was = f[9] or 'vc'
  local gained = (voice and string.sub(was, 1, 1) ~= 'v') or (chat and string.sub(was, 2, 2) ~= 'c')
  if not gained then
    if reindex(aid, false, f, writes) == 1 then dispatch_agent(aid, f[9]) end
    return
  end
  local queues = waiting_heads(aid, voice, chat)
  local q = queues[1]
  if q and D.used < D.budget then
    local av = avkey(q[1], q[2])
    local others = redis.call('HLEN', av)
    if others == 0 or (others == 1 and redis.call('HEXISTS', av, aid) == 1) then
      local cf = redis.call('HMGET', K .. 'c:' .. q[4], 'cu', 'ow', 'enq')
      offer(q[4], aid, q[1], q[2], cf[1] or '', cf[2] or '', cf[3] or '0', f, writes)
      dispatch_agent(aid, f[9])
      return
    end
  end
  reindex(aid, false, f, writes)
  dispatch_heads(queues)
end

local function dispatched(result)
  local d = {D.more}
  for _, v in ipairs(D.out) do table.insert(d, v) end
  return {result, d}
end
`;
