--@@PRELUDE@@
-- Everything below is local: the only global this script defines is the
-- Fluent Bit entry function at the end.
local type, pairs, next, pcall, tostring, getmetatable, unpack = type, pairs, next, pcall, tostring, getmetatable, unpack
local sfind, ssub, sgsub, slower, tconcat = string.find, string.sub, string.gsub, string.lower, table.concat
local smatch, sbyte, schar, tonumber, floor = string.match, string.byte, string.char, tonumber, math.floor
local HUGE = math.huge

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
local function in_networks(v, nets)
  local addr = ip4_bytes(v) or ip6_bytes(v)
  return addr ~= nil and bytes_in_networks(addr, nets)
end

-- not_cidr: the string v is an address outside every one of nets.
local function outside_networks(v, nets)
  local addr = ip4_bytes(v) or ip6_bytes(v)
  return addr ~= nil and not bytes_in_networks(addr, nets)
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
local function find_any(v, pats)
  for i = 1, #pats do
    if sfind(v, pats[i]) ~= nil then return true end
  end
  return false
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
    if SCAN_COLLECT and #v >= SCAN_MIN then SCAN_N = SCAN_N + 1; SCAN_BUF[SCAN_N] = v end
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
    elseif SCAN_COLLECT and #k >= SCAN_MIN then
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
  local hit, m, lower, ok = nil, 0, nil, false
  for i = 1, #spec.patterns do
    ok, lower = has_literal(blob, lower, spec, i)
    if ok then
      m = m + 1
      hit = hit or {}
      hit[m] = i
    end
  end
  return hit
end

-- gsub the candidate patterns over s, each only if s holds its literal.
local function gsub_all(s, hit, spec)
  local changed, n, lower, ok = false, 0, nil, false
  local pats, repl = spec.patterns, spec.gsub_replacement
  for j = 1, #hit do
    local i = hit[j]
    ok, lower = has_literal(s, lower, spec, i)
    if ok then
      s, n = sgsub(s, pats[i], repl)
      if n > 0 then changed = true; lower = nil end
    end
  end
  return s, changed
end

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

-- Rewrite one value according to the rule: returns the new value and
-- whether it changed. (remove is handled by the caller.)
local function rewrite(v, spec)
  if not present(v) then return v, false end
  local mode = spec.mode
  if mode == "mask" then return mask(v, spec.replacement), true end
  if mode == "scrub" then return scrub(v, spec, false) end
  if mode == "scan" then return scrub(v, spec, true) end
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

local function evaluate(record)
  if type(record) ~= "table" then return 0, record end
  local o = record.objectRef
  local res
  if type(o) == "table" then res = o.resource end
  local byres = INDEX[res] or INDEX_ANY
  local plan = byres.verbs[record.verb] or byres.other

  -- 1. detections see the record before anything is redacted
  local matched, rank = nil, 0
  local det = plan.det
  for i = 1, #det do
    local r = det[i]
    if PRED[r](record) then
      HITS[r] = HITS[r] + 1
      matched = matched or {}
      matched[#matched + 1] = RULE_ID[r]
      if RANK[r] > rank then rank = RANK[r] end
    end
  end

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

  -- 3. sanitize (depth cap), then redact
  SCAN_N = 0
  local truncated = sanitize(record, 1)
  local blob -- the record's strings, joined once, for whole-record scans
  local redacted
  local red = plan.red
  for i = 1, #red do
    local r = red[i]
    if PRED[r](record) then
      local spec = REDACT[r]
      local changed = false
      if spec.whole then
        -- scan mode without fields: the whole record
        if blob == nil then blob = SCAN_N > 0 and tconcat(SCAN_BUF, "\n", 1, SCAN_N) or "" end
        local _, ch = scrub(record, spec, true, blob)
        changed = ch
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

  if matched == nil and redacted == nil and truncated == 0 then
    -- Unchanged: code 0 makes Fluent Bit emit the original bytes, so
    -- numbers such as 5.0 are not rewritten to 5. Not for a record with a
    -- body: its original bytes may hold what this view cannot see (of a
    -- duplicated JSON key, Lua keeps one value), so it is re-encoded from
    -- the view redaction has seen.
    if record.requestObject == nil and record.responseObject == nil then return 0, record end
    return 2, record
  end
  if matched ~= nil then
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

function CALL(tag, timestamp, record)
  if is_event_list(record) then
    local ok, code, out = pcall(split_event_list, record)
    if ok then return code, timestamp, out end
    -- Not reachable with guarded(): still, never raise, never leak.
    return 2, timestamp, minimal(nil, code)
  end
  local code, out = guarded(record)
  return code, timestamp, out
end

-- Fluent Bit ignores what the chunk returns (cb_lua_init runs it with
-- lua_pcall(l, 0, 0, 0)); auditc's runtime reads per-rule statistics here.
return { rule_id = RULE_ID, kind = KIND, hits = HITS, counters = COUNTERS }
