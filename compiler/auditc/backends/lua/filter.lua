--@@PRELUDE@@
-- Everything below is local: the only global this script defines is the
-- Fluent Bit entry function at the end.
local type, pairs, next, pcall, tostring, getmetatable, unpack = type, pairs, next, pcall, tostring, getmetatable, unpack
local sfind, ssub, sgsub, slower, tconcat = string.find, string.sub, string.gsub, string.lower, table.concat
local smatch, sbyte, schar, tonumber, floor = string.match, string.byte, string.char, tonumber, math.floor
local setmetatable, sformat = setmetatable, string.format
local HUGE = math.huge

-- LuaJIT's default limits (1000 traces, 512 KiB of machine code) suit small
-- scripts. This one compiles more traces than that on a realistic mix, and
-- LuaJIT then flushes every trace and starts over, again and again: the
-- filter ran 30% slower for it. The limits are per Lua state, so this
-- changes nothing outside this filter.
if type(jit) == "table" and type(jit.opt) == "table" then
  pcall(jit.opt.start, "maxtrace=8000", "maxmcode=16384")
end

-- Fluent Bit tags every table it hands to Lua with a metatable {type = N}
-- (src/flb_lua.c, flb_lua_setmetatable; enum flb_lua_l2c_type_enum in
-- include/fluent-bit/flb_lua.h: 1 = array, 2 = map) and serialises a
-- table by that tag; tables built here carry none and are judged by shape.
local FLB_ARRAY = 1

-- Is `v` a real value? JSON null arrives as nil, or with enable_flb_null as
-- the light userdata `flb_null` (truthy!), so both count as absent.
local function present(v)
  return v ~= nil and type(v) ~= "userdata"
end

-- The length of an array. `#t` is any border of t, and with enable_flb_null
-- off a JSON null inside an array is a nil hole: `#` may stop before it and
-- miss every element after it (unmatched, unredacted). `next` after the
-- border finds such elements; only then is the whole table scanned.
local function alen(t)
  local n = #t
  if next(t, n > 0 and n or nil) == nil then return n end
  local m = 0
  for k in pairs(t) do
    if type(k) == "number" and k > m then m = k end
  end
  return m
end

-- IP addresses, read as Python's ipaddress module reads them (the `cidr`
-- operator's reference semantics): IPv4 dotted quads without leading zeros;
-- IPv6 with at most one "::", 1-4 hex digits a group, an optional dotted
-- quad at the end, no zone index. Returns the address as 4 or 16 bytes.
local function ip4_bytes(s)
  local a, b, c, d = smatch(s, "^(%d%d?%d?)%.(%d%d?%d?)%.(%d%d?%d?)%.(%d%d?%d?)$")
  if not a then return nil end
  local q = { a, b, c, d }
  for i = 1, 4 do
    local x = q[i]
    if #x > 1 and sbyte(x, 1) == 48 then return nil end -- "010": ambiguous, rejected
    local n = tonumber(x)
    if n > 255 then return nil end
    q[i] = n
  end
  return schar(q[1], q[2], q[3], q[4])
end

local function ip6_groups(part, out, allow_v4)
  if part == "" then return true end
  local start, n = 1, #part
  while true do
    local stop = sfind(part, ":", start, true)
    local g = ssub(part, start, (stop or n + 1) - 1)
    if stop == nil and allow_v4 and sfind(g, ".", 1, true) then
      local v4 = ip4_bytes(g)
      if not v4 then return false end
      out[#out + 1] = sbyte(v4, 1) * 256 + sbyte(v4, 2)
      out[#out + 1] = sbyte(v4, 3) * 256 + sbyte(v4, 4)
      return true
    end
    if not smatch(g, "^%x%x?%x?%x?$") then return false end
    out[#out + 1] = tonumber(g, 16)
    if stop == nil then return true end
    start = stop + 1
  end
end

local function ip6_bytes(s)
  if sfind(s, "%", 1, true) or not sfind(s, ":", 1, true) then return nil end
  local head, tail, gap = s, "", false
  local dc = sfind(s, "::", 1, true)
  if dc then
    head, tail, gap = ssub(s, 1, dc - 1), ssub(s, dc + 2), true
    if sfind(tail, "::", 1, true) then return nil end
  end
  local hg, tg = {}, {}
  if not ip6_groups(head, hg, not gap) or not ip6_groups(tail, tg, true) then return nil end
  local missing = 8 - #hg - #tg
  if (gap and missing < 1) or (not gap and missing ~= 0) then return nil end
  local bytes = {}
  local function put(g) bytes[#bytes + 1] = floor(g / 256); bytes[#bytes + 1] = g % 256 end
  for i = 1, #hg do put(hg[i]) end
  for _ = 1, missing do put(0) end
  for i = 1, #tg do put(tg[i]) end
  return schar(unpack(bytes))
end

-- Is the address (4 or 16 bytes) inside one of nets = { {bytes, prefix bits}, ... }?
local function bytes_in_networks(addr, nets)
  local len = #addr
  for i = 1, #nets do
    local net, bits = nets[i][1], nets[i][2]
    if #net == len then
      local whole = floor(bits / 8)
      if ssub(addr, 1, whole) == ssub(net, 1, whole) then
        local rest = bits - whole * 8
        if rest == 0 then return true end
        local d = 2 ^ (8 - rest)
        if floor(sbyte(addr, whole + 1) / d) == floor(sbyte(net, whole + 1) / d) then return true end
      end
    end
  end
  return false
end

-- cidr: the string v is an address inside one of nets.
-- Answers kept on the table that was asked (a network list, a pattern list,
-- a rule's spec), as its field `memo`: the values asked about (source
-- addresses, user names, agents, env names) repeat from event to event. The
-- memo is emptied when it grows, so unique values cannot exhaust memory.
local MEMO_MAX = 4096
local function remember(owner, key, value)
  local memo = owner.memo
  if memo == nil or owner.memo_n >= MEMO_MAX then memo = {}; owner.memo, owner.memo_n = memo, 0 end
  memo[key] = value
  owner.memo_n = owner.memo_n + 1
  return value
end

-- The answer for v against nets: 1 inside, 0 outside, -1 not an address.
local function network_class(v, nets)
  local memo = nets.memo
  local r = memo and memo[v]
  if r ~= nil then return r end
  local addr = ip4_bytes(v) or ip6_bytes(v)
  if addr == nil then r = -1 elseif bytes_in_networks(addr, nets) then r = 1 else r = 0 end
  return remember(nets, v, r)
end

local function in_networks(v, nets)
  return network_class(v, nets) == 1
end

-- not_cidr: the string v is an address outside every one of nets.
local function outside_networks(v, nets)
  return network_class(v, nets) == 0
end

local function is_array(t)
  local mt = getmetatable(t)
  if mt ~= nil then return mt.type == FLB_ARRAY end
  return t[1] ~= nil or alen(t) > 0
end

-- The value at keys (a list) below v, or nil where a step is not a table:
-- the straight part of a field path.
local function dig(v, keys)
  for i = 1, #keys do
    if type(v) ~= "table" then return nil end
    v = v[keys[i]]
  end
  return v
end

-- Does one of the Lua patterns in pats (a shared operand table) match v?
-- pats.lits[i], when set, is text every match of pats[i] contains: a plain
-- find of it (compiled by LuaJIT) rules most values out before the pattern
-- (not compiled) runs. Answers are remembered: lists such as the sensitive
-- host paths have dozens of entries and see the same values again.
local function find_any(v, pats)
  local memo = pats.memo
  local r = memo and memo[v]
  if r ~= nil then return r end
  local lits = pats.lits
  for i = 1, #pats do
    local lit = lits and lits[i]
    if (not lit or sfind(v, lit, 1, true)) and sfind(v, pats[i]) ~= nil then return remember(pats, v, true) end
  end
  return remember(pats, v, false)
end

-- JSON patch documents (the json_patch operator; reference: jsonpatch.py).
-- A JSON pointer's segments, "~1" -> "/" then "~0" -> "~", or nil when it
-- is not a pointer (a "~" not followed by 0 or 1, no leading "/").
local function pointer_segments(p)
  if p == "" then return {} end
  if sbyte(p, 1) ~= 47 or sfind(p, "~[^01]") or ssub(p, -1) == "~" then return nil end
  local segs, start, n = {}, 2, #p
  while true do
    local stop = sfind(p, "/", start, true)
    local raw = ssub(p, start, (stop or n + 1) - 1)
    if sfind(raw, "~", 1, true) then raw = sgsub(sgsub(raw, "~1", "/"), "~0", "~") end
    segs[#segs + 1] = raw
    if stop == nil then return segs end
    start = stop + 1
  end
end

-- Does test hold on some value the pattern segments from i on reach in x?
-- WILD fans out over array elements and map values; a canonical index
-- ("0", "12") steps into an array.
local function pointer_reach(x, pat, i, test)
  if not present(x) then return false end
  if i > #pat then return test(x) end
  if type(x) ~= "table" then return false end
  local seg = pat[i]
  if is_array(x) then
    if seg == WILD then
      for j = 1, alen(x) do
        if pointer_reach(x[j], pat, i + 1, test) then return true end
      end
      return false
    end
    if seg ~= "0" and not smatch(seg, "^[1-9]%d*$") then return false end
    return pointer_reach(x[tonumber(seg) + 1], pat, i + 1, test)
  end
  if seg == WILD then
    for _, y in pairs(x) do
      if pointer_reach(y, pat, i + 1, test) then return true end
    end
    return false
  end
  return pointer_reach(x[seg], pat, i + 1, test)
end

-- Does some operation of the patch `doc` whose kind is in `kinds` write, at a
-- location one of `pats` names or an ancestor of it, a value `test` holds on?
-- copy/move write a value the patch does not show and remove takes it away:
-- they count only for an `exists` test (opaque_ok).
local function patch_writes(doc, kinds, pats, test, opaque_ok)
  if type(doc) ~= "table" or not is_array(doc) then return false end
  for i = 1, alen(doc) do
    local o = doc[i]
    if type(o) == "table" and not is_array(o) then
      local kind, path = o.op, o.path
      if type(kind) == "string" and kinds[kind] and type(path) == "string" then
        local segs = pointer_segments(path)
        if segs ~= nil then
          local opaque = kind == "copy" or kind == "move" or kind == "remove"
          for k = 1, #pats do
            local pat = pats[k]
            local covers = #segs <= #pat
            for s = 1, #segs do
              if not covers then break end
              if pat[s] ~= WILD and pat[s] ~= segs[s] then covers = false end
            end
            if covers then
              if opaque then
                if opaque_ok then return true end
              elseif pointer_reach(o.value, pat, #segs + 1, test) then
                return true
              end
            end
          end
        end
      end
    end
  end
  return false
end

-- Cap nesting depth and replace values Fluent Bit cannot encode. Fluent
-- Bit's JSON encoders (loki, file, stdout json_lines) crash on records that
-- nest ~30-40 maps deep; the tail input then re-reads the line: a crash loop.
-- Returns how many values were replaced.
local sanitize

-- Whole-record scan rules look for their literals in the strings of the
-- record; sanitize, which visits every value anyway, gathers them into
-- SCAN_BUF (reused across records; SCAN_N is this record's count).
local SCAN_BUF, SCAN_N = {}, 0
-- Strings already found to hold no literal of the (single) whole-record scan
-- rule: user names, user agents, groups, keys, resource names repeat from
-- record to record, so most of a record is known clean and skipped. Two
-- generations of at most SCAN_CLEAN_MAX strings each: when the young one is
-- full it becomes the old one and the oldest is dropped, so unique strings
-- cannot exhaust memory and a hot string is not lost at once. Small on
-- purpose: every key and value of every record is looked up here, and two
-- tables of 4096 stay in the CPU's cache where one of 20000 did not.
local SCAN_CLEAN, SCAN_OLD, SCAN_CLEAN_N, SCAN_CLEAN_MAX = {}, {}, 0, 4096

-- Not worth remembering: strings that never come back, a UUID (auditID,
-- uid) or an RFC 3339 timestamp, told by their fixed bytes (remembering
-- less is always safe).
local function one_off(s)
  local n = #s
  if n == 36 then return sbyte(s, 9) == 45 and sbyte(s, 14) == 45 and sbyte(s, 19) == 45 end
  return n >= 20 and n <= 35 and sbyte(s, 5) == 45 and sbyte(s, 11) == 84
end

local function remember_clean(s)
  if SCAN_CLEAN[s] or one_off(s) then return end
  if SCAN_CLEAN_N >= SCAN_CLEAN_MAX then SCAN_CLEAN, SCAN_OLD, SCAN_CLEAN_N = {}, SCAN_CLEAN, 0 end
  SCAN_CLEAN[s] = true
  SCAN_CLEAN_N = SCAN_CLEAN_N + 1
end

local function mark_scan_clean()
  for i = 1, SCAN_N do remember_clean(SCAN_BUF[i]) end
end

-- The walk's helpers live in this block: the main chunk may hold only 200
-- locals, and every rule's block counts the ones above it.
do
-- Worth scanning? Known-clean strings are not; nor strings made only of
-- SCAN_STAMP_CHARS, when the generator found no literal fits (UUIDs, timestamps,
-- resource versions, addresses: new in every event, so never in the memo):
-- no scanned literal fits in one. A byte loop, not string.find with a
-- pattern, which LuaJIT cannot compile; over a table indexed by byte, so
-- each step is an array load. It runs first for a string that starts with
-- such a byte: a stamp then costs no memo lookup (it would miss), and any
-- other string leaves the loop at its first letter outside the set.
--
-- Every key and value of every record comes through here, a hundred
-- strings an event, and in Fluent Bit the memo's tables are out of the
-- CPU's cache by the next event (its own work runs in between): those
-- lookups were most of the whole-record scan's cost. So strings found
-- clean again (the schema's keys, verbs, groups, user agents) move into
-- SCAN_HOT, small enough to stay cached; it is emptied when full, so it
-- follows what the traffic repeats now.
local STAMP_BYTE = {}
for b = 0, 255 do STAMP_BYTE[b] = false end
for c in (SCAN_STAMP_CHARS or ""):gmatch(".") do STAMP_BYTE[sbyte(c)] = true end
local SCAN_HOT, SCAN_HOT_N, SCAN_HOT_MAX = {}, 0, 1024

local function scan_wants(s)
  local n = #s
  if n < SCAN_MIN or SCAN_HOT[s] then return false end
  if SCAN_STAMP_CHARS and STAMP_BYTE[sbyte(s, 1)] then
    local i = 2
    while i <= n and STAMP_BYTE[sbyte(s, i)] do i = i + 1 end
    if i > n then return false end
  end
  if SCAN_CLEAN[s] or SCAN_OLD[s] then
    if SCAN_HOT_N >= SCAN_HOT_MAX then SCAN_HOT, SCAN_HOT_N = {}, 0 end
    SCAN_HOT[s] = true
    SCAN_HOT_N = SCAN_HOT_N + 1
    return false
  end
  return true
end

-- One value of a container at `depth`: replace it in t[k] if Fluent Bit
-- could not encode it; returns how many values were replaced below it.
local function sanitize_value(t, k, v, depth)
  local tv = type(v)
  if tv == "table" then
    if depth > MAX_DEPTH then
      t[k] = TRUNCATED
      return 1
    end
    return sanitize(v, depth + 1)
  elseif tv == "number" then
    if v ~= v or v == HUGE or v == -HUGE then
      t[k] = tostring(v)
      return 1
    end
  elseif tv == "string" then
    if SCAN_COLLECT and scan_wants(v) then SCAN_N = SCAN_N + 1; SCAN_BUF[SCAN_N] = v end
  elseif tv == "function" or tv == "thread" then
    t[k] = UNENCODABLE
    return 1
  end
  return 0
end

sanitize = function(t, depth)
  local replaced = 0
  if is_array(t) then
    for i = 1, alen(t) do
      replaced = replaced + sanitize_value(t, i, t[i], depth)
    end
    return replaced
  end
  local bad_keys
  for k, v in pairs(t) do
    if type(k) ~= "string" then
      bad_keys = bad_keys or {}
      bad_keys[#bad_keys + 1] = k
    elseif SCAN_COLLECT and scan_wants(k) then
      SCAN_N = SCAN_N + 1; SCAN_BUF[SCAN_N] = k
    end
    replaced = replaced + sanitize_value(t, k, v, depth)
  end
  if bad_keys then
    -- A map with non-string keys serialises as invalid JSON ({1:"x"}):
    -- move such values under their string form.
    for i = 1, #bad_keys do
      local k = bad_keys[i]
      local v = t[k]
      t[k] = nil
      t["[" .. tostring(k) .. "]"] = v
      replaced = replaced + 1
    end
  end
  return replaced
end
end -- the walk's block

-- Redaction. `mask` keeps map keys (forensics still shows which keys
-- changed) and replaces every scalar below the target; nulls stay nulls.
local function mask(v, replacement)
  if type(v) ~= "table" then
    if present(v) then return replacement end
    return v
  end
  if is_array(v) then
    for i = 1, alen(v) do v[i] = mask(v[i], replacement) end
  else
    for k, x in pairs(v) do v[k] = mask(x, replacement) end
  end
  return v
end

-- scrub and scan: replace only the substrings that match the rule's
-- patterns, in every string at or below the target (scan: map keys too).
-- Most records hold no secret, so first every string below the target is
-- joined and each pattern's required literal looked for in that one blob
-- (a plain find, or in the lower-cased blob for (?i) patterns); only the
-- patterns whose literal is there run, string by string.

local function collect(v, buf, n, keys)
  for k, x in pairs(v) do
    if keys and type(k) == "string" then n = n + 1; buf[n] = k end
    local tx = type(x)
    if tx == "string" then
      n = n + 1; buf[n] = x
    elseif tx == "table" then
      n = collect(x, buf, n, keys)
    end
  end
  return n
end

-- Does string s contain pattern i's literal (case-insensitively for (?i))?
local function has_literal(s, lower, spec, i)
  local lit = spec.literals[i]
  if not lit then return true, lower end
  if spec.ci[i] then
    lower = lower or slower(s)
    return sfind(lower, lit, 1, true) ~= nil, lower
  end
  return sfind(s, lit, 1, true) ~= nil, lower
end

-- Patterns grouped by their literal, each literal once: { {literal or
-- false, case-insensitive?, {pattern indexes}}, ... }, built on first use.
-- Alternatives of one regex often share a literal (PRIVATE KEY-----).
local function gates_of(spec)
  local gates, by = {}, {}
  for i = 1, #spec.patterns do
    local lit, ci = spec.literals[i], spec.ci[i]
    local key = lit and ((ci and "i" or "s") .. lit) or ""
    local g = by[key]
    if g == nil then
      g = { lit or false, ci or false, {} }
      by[key] = g
      gates[#gates + 1] = g
    end
    g[3][#g[3] + 1] = i
  end
  spec.gates = gates
  return gates
end

-- The indexes of the patterns whose literal occurs somewhere below v (or in
-- `blob`, the strings already joined), nil when none does.
local function candidates(v, spec, keys, blob)
  if blob == nil then
    if type(v) == "string" then
      blob = v
    else
      local buf = {}
      local n = collect(v, buf, 0, keys)
      if n == 0 then return nil end
      blob = tconcat(buf, "\n", 1, n)
    end
  end
  local gates = spec.gates or gates_of(spec)
  local hit, m, lower = nil, 0, nil
  for g = 1, #gates do
    local gate = gates[g]
    local lit, found = gate[1], true
    if lit then
      if gate[2] then
        lower = lower or slower(blob)
        found = sfind(lower, lit, 1, true) ~= nil
      else
        found = sfind(blob, lit, 1, true) ~= nil
      end
    end
    if found then
      local idx = gate[3]
      hit = hit or {}
      for j = 1, #idx do m = m + 1; hit[m] = idx[j] end
    end
  end
  if hit and m > 1 then table.sort(hit) end -- patterns apply in rule order
  return hit
end

-- gsub the candidate patterns over s (below), in a block: the main chunk
-- may hold only 200 locals, and every rule's block counts the ones above.
local gsub_all
do
-- The patterns anchored at their start ("^" .. pattern), for those whose
-- matches all begin with the same bytes (spec.anchors), built on first use.
local function anchored_patterns(spec)
  local apats, anchors = {}, spec.anchors or {}
  for i = 1, #spec.patterns do
    apats[i] = anchors[i] and ("^" .. spec.patterns[i]) or false
  end
  spec.apats = apats
  return apats
end

-- What gsub(s, pattern i, replacement) returns, for a pattern whose every
-- match begins with spec.anchors[i]: the pattern is tried, anchored, only
-- where those bytes occur (a plain find; in the lower-cased string for
-- (?i)) instead of at every position of s. The matches are gsub's: a match
-- cannot start anywhere else, and after one the search goes on past its end.
local function gsub_anchored(s, lower, i, spec, apat)
  local anchor, hay = spec.anchors[i], s
  if spec.anchor_ci[i] then
    lower = lower or slower(s)
    hay = lower
  end
  local p = sfind(hay, anchor, 1, true)
  if p == nil then return s, 0, lower end
  local repl, keep = spec.replacement, spec.keep[i]
  local out, n, pos, count = nil, 0, 1, 0
  while p do
    local a, b, kept = sfind(s, apat, p)
    if a then
      out = out or {}
      n = n + 1; out[n] = ssub(s, pos, a - 1)
      -- a \K pattern's first capture is what precedes the secret: it stays
      n = n + 1; out[n] = keep and (kept .. repl) or repl
      count, pos = count + 1, b + 1
      p = sfind(hay, anchor, pos, true)
    else
      p = sfind(hay, anchor, p + 1, true)
    end
  end
  if count == 0 then return s, 0, lower end
  n = n + 1; out[n] = ssub(s, pos)
  return tconcat(out, "", 1, n), count, nil
end

-- gsub the candidate patterns over s, each only if s holds its literal.
gsub_all = function(s, hit, spec)
  local changed, n, lower, ok = false, 0, nil, false
  local pats, repl, keep, krepl = spec.patterns, spec.gsub_replacement, spec.keep, spec.gsub_keep
  local apats = spec.apats or anchored_patterns(spec)
  for j = 1, #hit do
    local i = hit[j]
    ok, lower = has_literal(s, lower, spec, i)
    if ok then
      local apat = apats[i]
      if apat then
        s, n, lower = gsub_anchored(s, lower, i, spec, apat)
      else
        -- a \K pattern's first capture is what precedes the secret: it stays
        s, n = sgsub(s, pats[i], keep[i] and krepl or repl)
      end
      if n > 0 then changed = true; lower = nil end
    end
  end
  return s, changed
end
end -- gsub_all's block

local function scrub_walk(v, hit, spec, keys)
  local tv = type(v)
  if tv == "string" then return gsub_all(v, hit, spec) end
  if tv ~= "table" then return v, false end
  local any, renames = false, nil
  if is_array(v) then
    for i = 1, alen(v) do
      local nv, ch = scrub_walk(v[i], hit, spec, keys)
      if ch then v[i] = nv; any = true end
    end
    return v, any
  end
  for k, x in pairs(v) do
    local nv, ch = scrub_walk(x, hit, spec, keys)
    if ch then v[k] = nv; any = true end -- assigning an existing key during pairs is allowed
    if keys and type(k) == "string" then
      local nk, kch = gsub_all(k, hit, spec)
      if kch then
        renames = renames or {}
        renames[#renames + 1] = k
        renames[#renames + 1] = nk
      end
    end
  end
  if renames then
    -- new keys only after the traversal; a clash keeps both values
    for i = 1, #renames, 2 do
      local old, new = renames[i], renames[i + 1]
      local x = v[old]
      v[old] = nil
      while v[new] ~= nil do new = new .. "~" end
      v[new] = x
    end
    any = true
  end
  return v, any
end

local function scrub(v, spec, keys, blob)
  local hit = candidates(v, spec, keys, blob)
  if hit == nil then return v, false end
  return scrub_walk(v, hit, spec, keys)
end

-- Put the scrubbed strings of `repl` (old -> new) in place, values and
-- keys, everywhere below v.
local function replace_strings(v, repl)
  local any, renames = false, nil
  if is_array(v) then
    for i = 1, alen(v) do
      local x = v[i]
      if type(x) == "string" then
        local nx = repl[x]
        if nx then v[i] = nx; any = true end
      elseif type(x) == "table" then
        if replace_strings(x, repl) then any = true end
      end
    end
    return any
  end
  for k, x in pairs(v) do
    if type(x) == "string" then
      local nx = repl[x]
      if nx then v[k] = nx; any = true end
    elseif type(x) == "table" then
      if replace_strings(x, repl) then any = true end
    end
    if type(k) == "string" and repl[k] then
      renames = renames or {}
      renames[#renames + 1] = k
    end
  end
  if renames then
    for i = 1, #renames do
      local old = renames[i]
      local new, x = repl[old], v[old]
      v[old] = nil
      while v[new] ~= nil do new = new .. "~" end
      v[new] = x
    end
    any = true
  end
  return any
end

-- A whole-record scan: `blob` joins the record's strings not yet known to
-- be clean (SCAN_BUF). Only when some pattern's literal is in it are those
-- strings scrubbed one by one; the ones that do not change are remembered
-- as clean (a word such as secretKeyRef holds a literal but no secret), and
-- only when one did change is the record walked to put it in place.
local function scan_record(record, spec, blob)
  if SCAN_N == 0 then return false end -- every string known clean
  local hit = candidates(nil, spec, true, blob)
  if hit == nil then
    if SCAN_MEMO then mark_scan_clean() end
    return false
  end
  local repl, changed = nil, false
  for i = 1, SCAN_N do
    local s = SCAN_BUF[i]
    local ns, ch = gsub_all(s, hit, spec)
    if ch then
      repl = repl or {}
      repl[s] = ns
      changed = true
    elseif SCAN_MEMO then
      remember_clean(s)
    end
  end
  if not changed then return false end
  return replace_strings(record, repl)
end

-- credentials mode: values masked by the name they are stored under, and
-- objects that are Secrets by their content. Keys are kept (forensics shows
-- which ones changed); only strings and numbers are replaced, so flags such
-- as automountServiceAccountToken: true survive.
--   * a map key named like a credential (DB_PASSWORD: ..., db.password: ...)
--   * a {name, value} pair whose name is (pod env, Argo and Helm parameters)
--   * a JSON-patch op {op, path, value} whose path has such a segment, or
--     sets a container env value (/spec/containers/0/env/3/value)
--   * a Secret by content: kind Secret, or a `type` of kubernetes.io/*,
--     bootstrap.kubernetes.io/* or helm.sh/* beside data or stringData;
--     the items of a SecretList; Helm release blobs (gzip+base64: the
--     filter cannot look inside, so the whole value goes)
--   * strings that hold files or JSON: `key = value` / `key: value` lines
--     (.env, .properties, YAML, INI) and JSON objects kept in strings
--     (last-applied-configuration, kapp's original, webhook patches), which
--     are decoded, redacted as structures and encoded again.

-- Kept in a do-block: the main chunk may hold at most 200 locals, and
-- generated rules need theirs; only these three are used outside.
local cred_text, cred_walk, cred_record
do
-- A minimal JSON reader and writer for JSON kept inside strings. Decoded
-- containers carry Fluent Bit's metatable tags, so is_array knows them;
-- JSON null is JNULL, so it is written back as null.
local JNULL = {}
local J_ARRAY, J_MAP = { type = 1 }, { type = 2 }
local J_MAX_DEPTH = 64
local J_ESC = { [34] = '"', [92] = "\\", [47] = "/", [98] = "\b", [102] = "\f", [110] = "\n", [114] = "\r", [116] = "\t" }

local function utf8_char(cp)
  if cp < 0x80 then return schar(cp) end
  if cp < 0x800 then return schar(0xC0 + floor(cp / 0x40), 0x80 + cp % 0x40) end
  if cp < 0x10000 then
    return schar(0xE0 + floor(cp / 0x1000), 0x80 + floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
  end
  return schar(0xF0 + floor(cp / 0x40000), 0x80 + floor(cp / 0x1000) % 0x40,
               0x80 + floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
end

-- Byte tests and plain finds, not patterns: LuaJIT compiles those, and an
-- object copy in last-applied-configuration has thousands of tokens.
local function j_ws(s, i)
  local c = sbyte(s, i)
  while c == 32 or c == 10 or c == 13 or c == 9 do
    i = i + 1
    c = sbyte(s, i)
  end
  return i
end

-- Where the text being decoded has its next backslash at or after the
-- current string (HUGE: none), so that a string without escapes is one
-- plain find of its closing quote. Reset by json_decode.
local J_NEXT_BS = HUGE

local function j_string(s, i) -- s[i] is the opening quote
  local j, buf, n = i + 1, nil, 0
  local q = sfind(s, '"', j, true)
  if q == nil then error("unterminated string", 0) end
  if J_NEXT_BS < j then J_NEXT_BS = sfind(s, "\\", j, true) or HUGE end
  if J_NEXT_BS > q then return ssub(s, j, q - 1), q + 1 end
  while true do
    local a = sfind(s, '["\\]', j)
    if a == nil then error("unterminated string", 0) end
    if sbyte(s, a) == 34 then
      if buf == nil then return ssub(s, j, a - 1), a + 1 end
      n = n + 1; buf[n] = ssub(s, j, a - 1)
      return tconcat(buf, "", 1, n), a + 1
    end
    buf = buf or {}
    n = n + 1; buf[n] = ssub(s, j, a - 1)
    local c = sbyte(s, a + 1)
    if c == 117 then -- \uXXXX, surrogate pairs joined
      local hex = smatch(s, "^%x%x%x%x", a + 2)
      if hex == nil then error("bad \\u escape", 0) end
      local cp = tonumber(hex, 16)
      j = a + 6
      if cp >= 0xD800 and cp <= 0xDBFF then
        local lo = smatch(s, "^\\u([dD][c-fC-F]%x%x)", j)
        if lo then cp = 0x10000 + (cp - 0xD800) * 0x400 + (tonumber(lo, 16) - 0xDC00); j = j + 6 end
      end
      n = n + 1; buf[n] = utf8_char(cp)
    else
      local e = J_ESC[c]
      if e == nil then error("bad escape", 0) end
      n = n + 1; buf[n] = e
      j = a + 2
    end
  end
end

local j_value
local function j_container(s, i, depth)
  if depth > J_MAX_DEPTH then error("too deep", 0) end
  local open = sbyte(s, i)
  i = j_ws(s, i + 1)
  if open == 91 then
    local t, n = setmetatable({}, J_ARRAY), 0
    if sbyte(s, i) == 93 then return t, i + 1 end
    while true do
      local v
      v, i = j_value(s, i, depth + 1)
      n = n + 1; t[n] = v
      i = j_ws(s, i)
      local c = sbyte(s, i)
      if c == 93 then return t, i + 1 end
      if c ~= 44 then error("expected ',' or ']'", 0) end
      i = j_ws(s, i + 1)
    end
  end
  local t = setmetatable({}, J_MAP)
  if sbyte(s, i) == 125 then return t, i + 1 end
  while true do
    if sbyte(s, i) ~= 34 then error("expected a key", 0) end
    local k, v
    k, i = j_string(s, i)
    i = j_ws(s, i)
    if sbyte(s, i) ~= 58 then error("expected ':'", 0) end
    v, i = j_value(s, j_ws(s, i + 1), depth + 1)
    t[k] = v
    i = j_ws(s, i)
    local c = sbyte(s, i)
    if c == 125 then return t, i + 1 end
    if c ~= 44 then error("expected ',' or '}'", 0) end
    i = j_ws(s, i + 1)
  end
end

j_value = function(s, i, depth)
  local c = sbyte(s, i)
  if c == 34 then return j_string(s, i) end
  if c == 123 or c == 91 then return j_container(s, i, depth) end
  if c == 116 and ssub(s, i, i + 3) == "true" then return true, i + 4 end
  if c == 102 and ssub(s, i, i + 4) == "false" then return false, i + 5 end
  if c == 110 and ssub(s, i, i + 3) == "null" then return JNULL, i + 4 end
  local num = smatch(s, "^-?%d+%.?%d*[eE]?[-+]?%d*", i)
  if num == nil then error("unexpected character", 0) end
  local v = tonumber(num)
  if v == nil then error("bad number", 0) end
  return v, i + #num
end

-- The value of a JSON text and whatever whitespace follows it (kubectl
-- ends last-applied-configuration with a newline); raises on anything else.
local function json_decode(s)
  J_NEXT_BS = 0
  local v, i = j_value(s, j_ws(s, 1), 0)
  local tail = ssub(s, i)
  if sfind(tail, "[^ \t\r\n]") then error("trailing characters", 0) end
  return v, tail
end

local J_STR_ESC = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
for b = 0, 31 do
  local c = schar(b)
  J_STR_ESC[c] = J_STR_ESC[c] or ("\\u00" .. (b < 16 and "0" or "1") .. ("0123456789abcdef"):sub(b % 16 + 1, b % 16 + 1))
end
J_STR_ESC["\127"] = "\\u007f"

local function j_quote(s)
  if not sfind(s, '[%c"\\]') then return '"' .. s .. '"' end
  return '"' .. sgsub(s, '[%c"\\]', J_STR_ESC) .. '"'
end

local json_encode
local function j_put(v, out, n)
  local tv = type(v)
  if tv == "string" then
    n = n + 1; out[n] = j_quote(v)
  elseif tv == "number" then
    n = n + 1
    if v ~= v or v == HUGE or v == -HUGE then out[n] = "null"
    elseif v == floor(v) and v > -2 ^ 53 and v < 2 ^ 53 then out[n] = sformat("%d", v)
    else out[n] = sformat("%.17g", v) end
  elseif tv == "boolean" then
    n = n + 1; out[n] = v and "true" or "false"
  elseif tv ~= "table" or v == JNULL then
    n = n + 1; out[n] = "null"
  elseif is_array(v) then
    n = n + 1; out[n] = "["
    for i = 1, alen(v) do
      if i > 1 then n = n + 1; out[n] = "," end
      n = j_put(v[i], out, n)
    end
    n = n + 1; out[n] = "]"
  else
    -- keys sorted, as Go's encoding/json writes maps: the same text each run
    local keys, m = {}, 0
    for k in pairs(v) do m = m + 1; keys[m] = tostring(k) end
    table.sort(keys)
    n = n + 1; out[n] = "{"
    for i = 1, m do
      if i > 1 then n = n + 1; out[n] = "," end
      local k = keys[i]
      local x = v[k]
      if x == nil then x = v[tonumber(k)] end
      n = n + 1; out[n] = j_quote(k) .. ":"
      n = j_put(x, out, n)
    end
    n = n + 1; out[n] = "}"
  end
  return n
end

json_encode = function(v)
  local out = {}
  local n = j_put(v, out, 0)
  return tconcat(out, "", 1, n)
end

-- Does the lower-cased name match one of a name set's globs? The set is
-- split by shape at build time (generator.py _name_set): most globs are a
-- literal with a `*` at either end, answered by plain finds; the pattern
-- matcher, which LuaJIT does not compile, runs only for the rest.
local function name_in(low, set)
  if set.exact[low] then return true end
  local t, n = set.has, #low
  for i = 1, #t do
    if sfind(low, t[i], 1, true) then return true end
  end
  t = set.suffix
  for i = 1, #t do
    local s = t[i]
    if #s <= n and sfind(low, s, n - #s + 1, true) then return true end
  end
  t = set.prefix
  for i = 1, #t do
    if sfind(low, t[i], 1, true) == 1 then return true end
  end
  t = set.patterns
  for i = 1, #t do
    if sfind(low, t[i]) then return true end
  end
  return false
end

-- Is `name` a credential's name under this rule? Each name is classified
-- once (remember: env names and data keys repeat from record to record).
local function cred_name(spec, name)
  local memo = spec.memo
  local r = memo and memo[name]
  if r ~= nil then return r end
  r = false
  if #name <= 256 then
    local low = slower(name)
    r = name_in(low, spec.names) and not name_in(low, spec.except)
  end
  return remember(spec, name, r)
end

-- Could the text hold a credential name at all (a literal of some name glob)?
local function has_trigger(spec, s)
  local trig = spec.triggers
  if not trig then return true end
  local low = slower(s)
  for i = 1, #trig do
    if sfind(low, trig[i], 1, true) then return true end
  end
  return false
end

-- A JSON pointer (RFC 6901) that names a credential, or sets an env value.
local function pointer_hit(spec, path)
  if sfind(path, "/env/%d+/value$") then return true end
  for seg in string.gmatch(path, "[^/]+") do
    if sfind(seg, "~", 1, true) then seg = sgsub(sgsub(seg, "~1", "/"), "~0", "~") end
    if cred_name(spec, seg) then return true end
  end
  return false
end

local function is_scalar(v)
  local tv = type(v)
  return tv == "string" or tv == "number"
end

-- gzip+base64 (Helm release storage: H4sI... in ConfigMaps, base64 again
-- in Secrets; Rancher's applied annotation): nothing inside can be checked.
local function is_gzip_blob(s)
  return #s >= 64 and (ssub(s, 1, 4) == "H4sI" or ssub(s, 1, 18) == "SDRzSUFBQUFBQUFDLz")
end

-- `key = value` and `key: value` lines of embedded files, and "key": "value"
-- in JSON-like text. Only values under credential names are replaced: to the
-- closing quote when quoted, else to the end of the line; a YAML block
-- scalar (`key: |`) loses its indented lines too.
-- The end of the block of lines below the line holding position `a` that
-- are indented deeper than it (YAML block scalars, nested lists and maps).
local function block_end(s, a, from)
  local len = #s
  local ls = a
  while ls > 1 and sbyte(s, ls - 1) ~= 10 do ls = ls - 1 end
  local indent = #smatch(s, "^[ \t%-]*", ls)
  local ve, p = from - 1, from
  while p <= len do
    local le = (sfind(s, "\n", p, true) or (len + 1)) - 1
    local line = ssub(s, p, le)
    if sfind(line, "%S") and #smatch(line, "^[ \t]*") < indent + 1 then break end
    ve = le
    p = le + 2
  end
  return ve
end

-- The next assignment at or after init: what
--   string.find(s, "([%w_%.%-]+)[\"']?[ \t]*[=:][ \t]*", init)
-- returns (start, end, key), in linear time. The pattern matcher tries that
-- pattern at every byte and, inside a run of name bytes, expands the run and
-- steps back over it at each one: quadratic in the run's length, and a
-- base64 blob or a long word is one run. Here plain finds locate each `=`
-- and `:` (remembered per string, as scrub_assignments asks again and again
-- with a growing init) and the key is read backwards from the separator: a
-- run of name bytes, an optional quote, blanks. The name run ends right
-- before the quote or blanks (they are no name bytes), so the first
-- separator with such a run gives the leftmost match the pattern finds.
local next_assignment
do
  local NAME_BYTE = {}
  for b = 0, 255 do NAME_BYTE[b] = false end
  for c in ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"):gmatch(".") do
    NAME_BYTE[sbyte(c)] = true
  end
  -- per string: the next "=" and ":" found from eq_from / co_from (false: none)
  local cur, eq, eq_from, co, co_from
  next_assignment = function(s, init)
    if s ~= cur then cur, eq, co = s, nil, nil end
    while true do
      if eq == nil or (eq and eq < init) or eq_from > init then
        eq, eq_from = sfind(s, "=", init, true) or false, init
      end
      if co == nil or (co and co < init) or co_from > init then
        co, co_from = sfind(s, ":", init, true) or false, init
      end
      local sep
      if eq and (not co or eq < co) then sep = eq else sep = co end
      if not sep then return nil end
      local e = sep - 1
      while e >= init and (sbyte(s, e) == 32 or sbyte(s, e) == 9) do e = e - 1 end
      if e >= init and (sbyte(s, e) == 34 or sbyte(s, e) == 39) then e = e - 1 end
      if e >= init and NAME_BYTE[sbyte(s, e)] then
        local a = e
        while a > init and NAME_BYTE[sbyte(s, a - 1)] do a = a - 1 end
        local b, len = sep, #s
        while b < len and (sbyte(s, b + 1) == 32 or sbyte(s, b + 1) == 9) do b = b + 1 end
        return a, b, ssub(s, a, e)
      end
      init = sep + 1
    end
  end
end

local function scrub_assignments(s, spec, repl)
  local out, n, pos, init, changed = nil, 0, 1, 1, false
  local len = #s
  local pending = false -- the previous assignment was `name: <credential name>` (env lists as text)
  while init <= len do
    local a, b, key = next_assignment(s, init)
    if a == nil then break end
    local vs = b + 1
    local hit = cred_name(spec, key)
    if key == "name" or key == "-name" then
      local v = smatch(s, "^[\"']?([%w_%.%-]+)", vs)
      pending = v ~= nil and cred_name(spec, v)
    elseif key == "value" and pending then
      hit, pending = true, false
    else
      pending = false
    end
    if hit and ssub(s, b - 1, b + 2) ~= "://" and ssub(s, vs, vs + 1) ~= "//" then
      local q = sbyte(s, vs)
      local ve
      if q == 34 or q == 39 then
        -- quoted: up to the next quote not escaped by a backslash
        local e = vs
        repeat e = sfind(s, q == 34 and '"' or "'", e + 1, true) until e == nil or sbyte(s, e - 1) ~= 92
        vs = vs + 1
        ve = (e or (len + 1)) - 1
      else
        ve = (sfind(s, "[\r\n]", vs) or (len + 1)) - 1
        local v = ssub(s, vs, ve)
        if sfind(v, "^[|>][-+0-9]*%s*$") or not sfind(v, "%S") then
          -- a block scalar (`key: |`) or a nested list or map (`tokens:`):
          -- every following line indented deeper than the key's
          local be = block_end(s, a, ve + 2)
          if be > ve then
            vs = ve + 2 -- keep the indicator and the newline, replace the block
            ve = be
          end
        end
      end
      if ve >= vs then
        out = out or {}
        n = n + 1; out[n] = ssub(s, pos, vs - 1)
        n = n + 1; out[n] = repl
        pos = ve + 1
        changed = true
      end
      init = (ve >= b and ve or b) + 1
    else
      init = b + 1
    end
  end
  if changed then
    n = n + 1; out[n] = ssub(s, pos)
    s = tconcat(out, "", 1, n)
  end
  -- `key value` lines (.properties allow a space, redis.conf requirepass,
  -- INI-like configs): only at a line start, only credential names
  if sfind(s, "\n", 1, true) then
    local ws_changed
    s, ws_changed = sgsub(s, "(\n[ \t]*)([%w_%.%-]+)([ \t]+)([^=:%s][^\r\n]*)", function(lead, key, gap, value)
      if cred_name(spec, key) then return lead .. key .. gap .. repl end
    end)
    if ws_changed > 0 then changed = true end
  end
  return s, changed
end

local TEXT_DEPTH = 3 -- JSON inside JSON inside JSON is as deep as decoding goes

-- A string below a body: JSON text is decoded and walked, other text with a
-- line break or '=' gets its credential assignments scrubbed.
local text_of

-- What text_of made of a long string at the top level, per rule: the same
-- object copy comes back in event after event (every patch of an applied
-- Deployment carries its last-applied-configuration, a ConfigMap's embedded
-- files ride on every update), and decoding one was most of a body's cost.
-- The answer depends on nothing but the string and the rule. Two
-- generations, bounded in entries and in bytes, like the scan's memo.
local TEXT_MEMO_MIN, TEXT_MEMO_MAX, TEXT_MEMO_BYTES = 256, 256, 2 * 1024 * 1024

cred_text = function(s, spec, tdepth)
  if tdepth > 0 or #s < TEXT_MEMO_MIN then return text_of(s, spec, tdepth) end
  local young = spec.text_memo
  if young == nil then
    young = {}
    spec.text_memo, spec.text_old, spec.text_n, spec.text_bytes = young, {}, 0, 0
  end
  local r = young[s]
  if r == nil then r = spec.text_old[s] end
  if r ~= nil then
    if r == false then return s, false end
    return r, true
  end
  local ns, changed = text_of(s, spec, tdepth)
  if spec.text_n >= TEXT_MEMO_MAX or spec.text_bytes >= TEXT_MEMO_BYTES then
    spec.text_old, young = young, {}
    spec.text_memo, spec.text_n, spec.text_bytes = young, 0, 0
  end
  young[s] = changed and ns or false
  spec.text_n, spec.text_bytes = spec.text_n + 1, spec.text_bytes + #s + (changed and #ns or 0)
  return ns, changed
end

text_of = function(s, spec, tdepth)
  if #s < 4 then return s, false end
  local b = sbyte(s, 1)
  local json = b == 123 or b == 91
  if not json and not sfind(s, "\n", 1, true) and not sfind(s, "=", 1, true) then return s, false end
  if not has_trigger(spec, s) then return s, false end
  if json and tdepth < TEXT_DEPTH then
    local ok, v, tail = pcall(json_decode, s)
    if ok and type(v) == "table" then
      if cred_walk(v, spec, tdepth + 1) then return json_encode(v) .. tail, true end
      return s, false
    end
  end
  return scrub_assignments(s, spec, spec.replacement)
end

local function secret_like(t)
  if t.kind == "Secret" then return true end
  local ty = t.type
  return type(ty) == "string" and (t.data ~= nil or t.stringData ~= nil)
    and (ty == "Opaque" or sfind(ty, "^kubernetes%.io/") or sfind(ty, "^bootstrap%.kubernetes%.io/")
         or sfind(ty, "^helm%.sh/")) ~= nil
end

local function mask_secret_values(t, repl)
  local changed = false
  local d, sd = t.data, t.stringData
  if type(d) == "table" and next(d) ~= nil then mask(d, repl); changed = true end
  if type(sd) == "table" and next(sd) ~= nil then mask(sd, repl); changed = true end
  return changed
end

local function cred_map(t, spec, tdepth)
  local repl, changed = spec.replacement, false
  if secret_like(t) then changed = mask_secret_values(t, repl) end
  if t.kind == "SecretList" and type(t.items) == "table" then
    local items = t.items
    for i = 1, alen(items) do
      local it = items[i]
      if type(it) == "table" and mask_secret_values(it, repl) then changed = true end
    end
  end
  local nm = t.name
  if type(nm) == "string" and is_scalar(t.value) and cred_name(spec, nm) then
    t.value = repl
    changed = true
  end
  local path = t.path
  if type(path) == "string" and type(t.op) == "string" and t.value ~= nil and pointer_hit(spec, path) then
    local v = t.value
    if type(v) == "table" then mask(v, repl) elseif present(v) then t.value = repl end
    changed = true
  end
  for k, v in pairs(t) do
    local tv = type(v)
    if tv == "string" then
      if type(k) == "string" and cred_name(spec, k) or is_gzip_blob(v) then
        if v ~= repl then t[k] = repl; changed = true end
      else
        local nv, ch = cred_text(v, spec, tdepth)
        if ch then t[k] = nv; changed = true end
      end
    elseif tv == "number" then
      if type(k) == "string" and cred_name(spec, k) then t[k] = repl; changed = true end
    elseif tv == "table" and v ~= JNULL then
      if cred_walk(v, spec, tdepth) then changed = true end
    end
  end
  return changed
end

cred_walk = function(v, spec, tdepth)
  local tv = type(v)
  if tv ~= "table" then return false end
  if not is_array(v) then return cred_map(v, spec, tdepth) end
  local changed, flag = false, false
  for i = 1, alen(v) do
    local x = v[i]
    if type(x) == "table" then
      if cred_walk(x, spec, tdepth) then changed = true end
      flag = false
    elseif type(x) == "string" then
      if flag then
        -- args: ["--db-password", "value"]: the word after a credential flag
        v[i] = spec.replacement
        changed, flag = true, false
      else
        local nx, ch = cred_text(x, spec, tdepth)
        if ch then v[i] = nx; changed = true end
        -- a flag starts with "-": the byte test spares the pattern (which
        -- LuaJIT does not compile) for every other word, image name, audience
        local name = sbyte(x, 1) == 45 and smatch(x, "^%-%-?([%w_%.%-]+)$")
        flag = name and cred_name(spec, name) or false
      end
    else
      flag = false
    end
  end
  return changed
end

-- A mutating webhook's JSON patch, kept in the event's annotations
-- (patch.webhook.admission.k8s.io/round_N_index_M): for a Secret every value
-- it sets is secret.
local function mask_webhook_patch(s, repl)
  local ok, v, tail = pcall(json_decode, s)
  if not ok or type(v) ~= "table" then return repl, true end -- unreadable: withhold it
  local patch = v.patch
  local changed = false
  if type(patch) == "string" then
    v.patch = repl; changed = true -- base64 of the patch (admission.k8s.io/v1beta1 style)
  elseif type(patch) == "table" then
    for i = 1, alen(patch) do
      local op = patch[i]
      if type(op) == "table" and op.value ~= nil then op.value = repl; changed = true end
    end
  end
  if not changed then return s, false end
  return json_encode(v) .. tail, true
end

local BODIES = { "requestObject", "responseObject" }

-- Is the record about a Secret? By route, by either body's kind, or, when
-- objectRef is missing or malformed, by the request URI.
local function about_secret(record)
  local o = record.objectRef
  if type(o) == "table" and o.resource == "secrets" then return true end
  for i = 1, #BODIES do
    local b = record[BODIES[i]]
    if type(b) == "table" and (b.kind == "Secret" or b.kind == "SecretList") then return true end
  end
  local uri = record.requestURI
  return (type(o) ~= "table" or type(o.resource) ~= "string")
    and type(uri) == "string" and sfind(uri, "/secrets", 1, true) ~= nil
end

-- Every value a request or response about a Secret carries: data and
-- stringData of the object, every value of a JSON patch.
local function mask_secret_bodies(record, repl)
  local changed = false
  for i = 1, #BODIES do
    local b = record[BODIES[i]]
    if type(b) == "table" then
      if is_array(b) then
        for j = 1, alen(b) do
          local op = b[j]
          if type(op) == "table" and op.value ~= nil then op.value = mask(op.value, repl); changed = true end
        end
      elseif mask_secret_values(b, repl) then
        changed = true
      end
    end
  end
  return changed
end

-- A line the parser could not decode (torn, over-long) arrives as its raw
-- text under `log`. Its credential assignments are scrubbed like any text;
-- a torn Secret loses everything from its first data or stringData on.
local function cred_torn(record, spec)
  local s = record.log
  if type(s) ~= "string" or record.kind ~= nil then return false end
  local changed = false
  if sfind(s, '"secrets"', 1, true) or sfind(s, '"Secret"', 1, true) then
    local a = sfind(s, '"data":', 1, true)
    local b = sfind(s, '"stringData":', 1, true)
    local cut = (a and b) and (a < b and a or b) or a or b
    if cut then
      s = ssub(s, 1, cut - 1) .. '"data":"' .. spec.replacement
      changed = true
    end
  end
  local ns, ch = scrub_assignments(s, spec, spec.replacement)
  if ch or changed then record.log = ns; return true end
  return false
end

-- credentials mode without fields: both bodies, the event's annotations
-- and the raw text of undecodable lines.
cred_record = function(record, spec)
  local changed = cred_torn(record, spec)
  for i = 1, #BODIES do
    local v = record[BODIES[i]]
    if type(v) == "table" and cred_walk(v, spec, 0) then changed = true end
  end
  local secret = about_secret(record)
  if secret and mask_secret_bodies(record, spec.replacement) then changed = true end
  local ann = record.annotations
  if type(ann) == "table" and not is_array(ann) then
    for k, v in pairs(ann) do
      if type(v) == "string" and type(k) == "string" then
        local nv, ch
        if sfind(k, "patch.webhook.admission.k8s.io/", 1, true) == 1 then -- plain: LuaJIT compiles it
          if secret then
            nv, ch = mask_webhook_patch(v, spec.replacement)
          else
            -- decoded whatever words it holds: an op may set an env value by index
            local ok, pv, tail = pcall(json_decode, v)
            if ok and type(pv) == "table" and cred_walk(pv, spec, 1) then
              nv, ch = json_encode(pv) .. tail, true
            end
          end
        else
          nv, ch = cred_text(v, spec, 0)
        end
        if ch then ann[k] = nv; changed = true end
      end
    end
  end
  return changed
end
end

-- Rewrite one value according to the rule: returns the new value and
-- whether it changed. (remove is handled by the caller.)
local function rewrite(v, spec)
  if not present(v) then return v, false end
  local mode = spec.mode
  if mode == "mask" then return mask(v, spec.replacement), true end
  if mode == "scrub" then return scrub(v, spec, false) end
  if mode == "scan" then return scrub(v, spec, true) end
  if mode == "credentials" then
    if type(v) == "string" then return cred_text(v, spec, 0) end
    return v, cred_walk(v, spec, 0)
  end
  return spec.replacement, true
end

-- Apply one redaction target (an array of keys, WILD for [*]) below `t`.
-- Returns true if something was changed.
local function redact_path(t, path, i, spec)
  local key = path[i]
  local last = i == #path
  if key == WILD then
    if not is_array(t) then return false end
    local changed = false
    for j = 1, alen(t) do
      local v = t[j]
      if last then
        local nv, ch = rewrite(v, spec)
        if ch then t[j] = nv; changed = true end
      elseif type(v) == "table" then
        changed = redact_path(v, path, i + 1, spec) or changed
      end
    end
    return changed
  end
  local v = t[key]
  if v == nil then return false end
  if last then
    if spec.mode == "remove" then
      t[key] = nil
      return true
    end
    local nv, ch = rewrite(v, spec)
    if ch then t[key] = nv end
    return ch
  end
  if type(v) ~= "table" then return false end
  return redact_path(v, path, i + 1, spec)
end

--@@ENTRY@@
local SEVERITY_NAME = { "info", "low", "medium", "high", "critical" }
local NO_PASS = {} -- no screened rules at all: an empty pass list

do
-- m collects rule numbers; evaluate() puts them in order and names them.
local function det_hit(r, m, rank)
  HITS[r] = HITS[r] + 1
  m = m or {}
  m[#m + 1] = r
  if RANK[r] > rank then rank = RANK[r] end
  return m, rank
end

-- A plan's detections as one function with a call site of its own for each
-- predicate, written out here at load time: LuaJIT then compiles every call
-- for the one closure it meets there, where a loop over the list meets a
-- different closure on each pass and leaves its trace at every one (a
-- quarter of the time spent on detections). Built here rather than by the
-- generator, so the ConfigMap does not carry a copy of the index as code.
--
-- Screened rules (SCREEN[r], ir/passes/screen.py) are the exception: they
-- run only when their screen passed for the event's caller, and `pass`,
-- from screened() below, lists just those, rarely more than one or two. A
-- short loop over that list replaces a guard per screened rule in every
-- plan: the same few lines run for every event, where sixty plans each
-- carried fourteen guards of their own, and in Fluent Bit, whose own work
-- evicts the filter's machine code between two events, that code size was
-- most of what detections cost.
local function detector(list)
  local own, screened_in, n_screened = {}, {}, 0
  for i = 1, #list do
    local r = list[i]
    if SCREEN[r] then screened_in[r] = true; n_screened = n_screened + 1 else own[#own + 1] = r end
  end
  local src = { "local PRED, hit, IN = ...\nreturn function(e, pass)\nlocal m, rank = nil, 0" }
  if n_screened > 0 then
    -- a plan holding every screened rule (the usual case) needs no membership test
    local gate = n_screened == #(SCREEN.rules or {}) and "" or "IN[r] and "
    src[#src + 1] = "for i = 1, #pass do local r = pass[i]"
    src[#src + 1] = sformat("if %sPRED[r](e) then m, rank = hit(r, m, rank) end", gate)
    src[#src + 1] = "end"
  end
  for i = 1, #own do
    local r = own[i]
    src[#src + 1] = sformat("if PRED[%d](e) then m, rank = hit(%d, m, rank) end", r, r)
  end
  src[#src + 1] = "return m, rank\nend"
  -- our own text: it always loads, and if it did not, failing at start-up
  -- (Fluent Bit refuses the script) is the loud outcome wanted
  return assert(loadstring(tconcat(src, "\n"), "=auditc detections"))(PRED, det_hit, screened_in)
end

for _, plan in pairs(P) do plan.detect = detector(plan.det) end
end

-- The identity screen: which screened rules' screens pass for this
-- event's caller, as a list in rule order. The answer depends only on the
-- values at SCREEN.roots, so it is remembered in a tree keyed by them, one
-- level per value (a list root: its elements, as alen() counts them, then
-- LIST_END), without building a key string. A value that is not a string,
-- number or boolean (a map where a name was expected, Fluent Bit's null, a
-- scalar where a list was expected) has no key: every screened rule then
-- runs, as without a screen. The tree is dropped when it holds SCREEN_MAX
-- callers, so unique values cannot exhaust memory.
local screened
do
local NIL, LIST_END, LEAF = {}, {}, {}
local ALL = {} -- every screened rule: the answer when there is no key
local SCREEN_MAX = 4096
local tree, leaves = {}, 0
for i, r in ipairs(SCREEN.rules or {}) do ALL[i] = r end

local function keyable(v)
  local tv = type(v)
  return tv == "string" or tv == "boolean" or (tv == "number" and v == v)
end

local function decide(e)
  local pass = {}
  local rules = SCREEN.rules
  for i = 1, #rules do
    local r = rules[i]
    if SCREEN[r](e) then pass[#pass + 1] = r end
  end
  return pass
end

-- The walk from the tree's root to the caller's leaf, written out at load
-- time for these roots (as detector() writes a plan's detections): every
-- field is read by name and every level is one table lookup. A loop over
-- the roots calling dig() was two thirds of the time a dropped lease
-- spent in the filter.
local function key_walker(roots)
  local src = { "local NIL, LIST_END, ALL, keyable, alen = ...",
                "return function(e, node)", "local v, nxt" }
  local function step(x)
    src[#src + 1] = sformat("nxt = node[%s]; if nxt == nil then nxt = {}; node[%s] = nxt end; node = nxt", x, x)
  end
  for i = 1, #roots do
    local keys, is_list = roots[i][1], roots[i][2]
    src[#src + 1] = "v = e"
    for j = 1, #keys do
      local k = keys[j]
      local lit = type(k) == "number" and tostring(k) or sformat("%q", k)
      src[#src + 1] = sformat("if type(v) == \"table\" then v = v[%s] else v = nil end", lit)
    end
    if is_list then
      src[#src + 1] = "if type(v) == \"table\" then"
      src[#src + 1] = "for j = 1, alen(v) do local x = v[j]"
      src[#src + 1] = "if x == nil then x = NIL elseif not keyable(x) then return ALL end"
      step("x")
      src[#src + 1] = "end"
      src[#src + 1] = "elseif v ~= nil then return ALL end"
      step("LIST_END")
    else
      src[#src + 1] = "if v == nil then v = NIL elseif not keyable(v) then return ALL end"
      step("v")
    end
  end
  src[#src + 1] = "return node\nend"
  return assert(loadstring(tconcat(src, "\n"), "=auditc screen"))(NIL, LIST_END, ALL, keyable, alen)
end
local walk = key_walker(SCREEN.roots or {})

screened = function(e)
  local node = walk(e, tree)
  if node == ALL then return ALL end
  local pass = node[LEAF]
  if pass == nil then
    if leaves >= SCREEN_MAX then
      tree, leaves = {}, 0
      return decide(e) -- answered, not remembered: the path just built is gone
    end
    pass = decide(e)
    node[LEAF] = pass
    leaves = leaves + 1
  end
  return pass
end
end

local function evaluate(record)
  if type(record) ~= "table" then return 0, record end
  local o = record.objectRef
  local res
  if type(o) == "table" then res = o.resource end
  local byres = INDEX[res] or INDEX_ANY
  local plan = byres.verbs[record.verb] or byres.other

  -- 1. detections see the record before anything is redacted
  local matched, rank = plan.detect(record, SCREEN.rules and screened(record) or NO_PASS)

  -- 2. drops: never an event a detection matched
  if matched == nil then
    local drop = plan.drop
    for i = 1, #drop do
      local r = drop[i]
      if PRED[r](record) then
        HITS[r] = HITS[r] + 1
        return -1, record
      end
    end
  end

  -- 3. redact, then sanitize (depth cap), then the whole-record scans
  -- (last in plan.red): sanitize gathers their strings as the other rules
  -- left them, re-encoded JSON included, already masked values excluded.
  local truncated
  local blob -- the record's strings, joined once, for whole-record scans
  local redacted
  local red = plan.red
  for i = 1, #red do
    local r = red[i]
    local spec = REDACT[r]
    if truncated == nil and spec.whole and spec.mode == "scan" then
      SCAN_N = 0
      truncated = sanitize(record, 1)
    end
    if PRED[r](record) then
      local changed = false
      if spec.whole then
        if spec.mode == "credentials" then
          changed = cred_record(record, spec)
        else
          -- scan mode without fields: the whole record
          if blob == nil then blob = SCAN_N > 0 and tconcat(SCAN_BUF, "\n", 1, SCAN_N) or "" end
          changed = scan_record(record, spec, blob)
        end
      end
      for j = 1, #spec.paths do
        changed = redact_path(record, spec.paths[j], 1, spec) or changed
      end
      if changed then
        HITS[r] = HITS[r] + 1
        redacted = redacted or {}
        redacted[#redacted + 1] = RULE_ID[r]
      end
    end
  end

  if truncated == nil then
    SCAN_N = 0
    truncated = sanitize(record, 1)
  end

  if matched == nil and redacted == nil and truncated == 0 then
    -- Unchanged: code 0 makes Fluent Bit emit the original bytes, so
    -- numbers such as 5.0 are not rewritten to 5. Not for a patch body: the
    -- apiserver logs it verbatim (audit.LogRequestPatch keeps the raw
    -- bytes), so it may repeat a JSON key, of which this view holds one
    -- value and the original bytes both: it is re-encoded from the view
    -- redaction has seen. Every other body is the apiserver's own encoding
    -- of a decoded object (audit.LogRequestObject, LogResponseObject: no
    -- duplicate keys), and re-encoding it would cost as much again as
    -- Fluent Bit's conversion into Lua.
    if record.requestObject ~= nil and record.verb == "patch" then return 2, record end
    return 0, record
  end
  if matched ~= nil then
    -- rule numbers: screened rules ran first, so put them in rule order
    if #matched > 1 then table.sort(matched) end
    for i = 1, #matched do matched[i] = RULE_ID[matched[i]] end
    record.detection = { severity = SEVERITY_NAME[rank], rules = matched }
  end
  if redacted ~= nil or truncated > 0 then
    local meta = {}
    if redacted ~= nil then meta.redacted = redacted end
    if truncated > 0 then
      meta.truncated = truncated
      COUNTERS.truncated = COUNTERS.truncated + 1
    end
    record.auditc = meta
  end
  return 2, record
end

-- In fail_closed every target is removed; an array element cannot be, so it
-- is overwritten instead.
local WITHHELD = { mode = "remove", replacement = "[auditc: withheld]" }

-- Fail closed: on an internal error the record must not leave with its
-- secrets. Drop both bodies and every redaction target, mark the record.
local function fail_closed(record, err)
  local msg = "auditc internal error, bodies and redaction targets removed: " .. ssub(tostring(err), 1, 200)
  if type(record) ~= "table" then return { auditc = { error = msg } } end
  record.requestObject = nil
  record.responseObject = nil
  for _, spec in pairs(REDACT) do
    for j = 1, #spec.paths do
      pcall(redact_path, record, spec.paths[j], 1, WITHHELD)
    end
  end
  -- A deep record would still crash the encoder: cap it too.
  sanitize(record, 1)
  record.auditc = { error = msg }
  return record
end

-- Last resort if even fail_closed failed: a fresh record with only safe
-- scalar identifiers, so the event is not lost but nothing leaks.
local function minimal(record, err)
  local out = { auditc = { error = "auditc internal error, record withheld: " .. ssub(tostring(err), 1, 200) } }
  if type(record) == "table" then
    for _, k in pairs({ "auditID", "stage", "verb", "level", "requestReceivedTimestamp", "stageTimestamp" }) do
      local v = record[k]
      if type(v) == "string" then out[k] = v end
    end
  end
  return out
end

-- One record through the rules, protected: returns a code and a record and
-- never raises.
local function guarded(record)
  local ok, code, out = pcall(evaluate, record)
  if ok then return code, out end
  COUNTERS.failed_closed = COUNTERS.failed_closed + 1
  local ok2, closed = pcall(fail_closed, record, code)
  if ok2 then return 2, closed end
  return 2, minimal(record, closed)
end

-- Audit webhook mode: the apiserver posts an audit.k8s.io EventList and
-- Fluent Bit's http input hands it over as one record. Each item goes
-- through the same rules as a line of the log file, and the survivors are
-- returned as an array of maps, which Fluent Bit turns into one record each
-- (pack_result in plugins/filter_lua/lua.c). Items that are not maps are
-- skipped: one of them in the array would make Fluent Bit reject the whole
-- batch. Nothing left (empty list, all dropped) drops the record: an empty
-- array would be emitted as an empty record.
local function is_event_list(record)
  return type(record) == "table" and record.kind == "EventList" and type(record.items) == "table"
end

local function split_event_list(record)
  local items = record.items
  local out, n = {}, 0
  for i = 1, alen(items) do
    local item = items[i]
    if type(item) == "table" and not is_array(item) then
      local code, rec = guarded(item)
      if code ~= -1 then
        n = n + 1
        out[n] = rec
      end
    else
      COUNTERS.skipped_items = COUNTERS.skipped_items + 1
    end
  end
  if n == 0 then return -1, record end
  return 2, out
end

-- What a drop or a keep hands back. Fluent Bit 4.2.8 packs the returned
-- record into msgpack whatever the code (plugins/filter_lua/lua.c calls
-- flb_lua_tomsgpack before it looks at the code), then throws it away for
-- -1 and 0 and emits the original bytes for 0: returning the whole record
-- there costs a full re-encode for nothing. An empty table costs none.
local NOTHING = {}

function CALL(tag, timestamp, record)
  if is_event_list(record) then
    local ok, code, out = pcall(split_event_list, record)
    if ok then return code, timestamp, code == -1 and NOTHING or out end
    -- Not reachable with guarded(): still, never raise, never leak.
    return 2, timestamp, minimal(nil, code)
  end
  local code, out = guarded(record)
  if code == 0 or code == -1 then return code, timestamp, NOTHING end
  return code, timestamp, out
end

-- Fluent Bit ignores what the chunk returns (cb_lua_init runs it with
-- lua_pcall(l, 0, 0, 0)); auditc's runtime reads per-rule statistics here.
return { rule_id = RULE_ID, kind = KIND, hits = HITS, counters = COUNTERS }
