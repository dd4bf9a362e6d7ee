-- auditc's emulation of Fluent Bit's `lua` filter plugin (v4.2.8), run
-- inside LuaJIT 2.1 by lupa. Each step names the Fluent Bit source it
-- mirrors:
--   plugins/filter_lua/lua.c     cb_lua_init, cb_lua_filter, pack_result
--   src/flb_lua.c                flb_lua_pushmsgpack, flb_lua_tomsgpack,
--                                flb_lua_arraylength, flb_lua_enable_flb_null
--   src/flb_pack.c               JSON -> msgpack (yyjson backend, the 4.2
--                                default) and msgpack -> JSON (doubles:
--                                "%.1f" / "%.16g")
-- The chunk returns a table of functions and defines no globals of its own;
-- the filter script shares the global table with `flb_null` and `FLB_ENV`
-- exactly as in Fluent Bit.

local type, pairs, tostring, tonumber, error, pcall = type, pairs, tostring, tonumber, error, pcall
local getmetatable, setmetatable, rawequal = getmetatable, setmetatable, rawequal
local sbyte, schar, sfind, ssub, sformat, sgsub = string.byte, string.char, string.find, string.sub, string.format, string.gsub
local concat, maxn, floor, HUGE = table.concat, table.maxn, math.floor, math.huge
local tnew = require("table.new")

local L2C_ARRAY, L2C_MAP = 1, 2 -- enum flb_lua_l2c_type_enum (include/fluent-bit/flb_lua.h)
local POISON_DEPTH = 30 -- Fluent Bit's JSON encoders crash on records about this deep

local M = {}
local NULL -- the value JSON null decodes to: nil, or the flb_null sentinel

-- flb_lua_enable_flb_null pushes a light userdata NULL as global flb_null.
-- Plain Lua cannot make a light userdata; newproxy() gives a userdata that
-- behaves the same for scripts: type() is "userdata" and it is truthy.
function M.setup(enable_flb_null, env)
  if enable_flb_null then
    NULL = newproxy(false)
    flb_null = NULL
  else
    NULL = nil
  end
  local t = {}
  for k, v in pairs(env or {}) do t[k] = v end
  FLB_ENV = t -- lua.c env_variables()
end

---------------------------------------------------------------- JSON -> Lua
-- Every container gets a metatable {type = 1 or 2} (flb_lua_setmetatable);
-- arrays are sized like lua_createtable(n, 0); a nil value (null with
-- flb_null off) leaves a map key unset and an array slot empty.

local decode_value
local ESC = { [34] = '"', [92] = "\\", [47] = "/", [98] = "\b", [102] = "\f", [110] = "\n", [114] = "\r", [116] = "\t" }

local function utf8(cp)
  if cp < 0x80 then return schar(cp) end
  if cp < 0x800 then return schar(0xC0 + floor(cp / 0x40), 0x80 + cp % 0x40) end
  if cp < 0x10000 then
    return schar(0xE0 + floor(cp / 0x1000), 0x80 + floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
  end
  return schar(0xF0 + floor(cp / 0x40000), 0x80 + floor(cp / 0x1000) % 0x40,
               0x80 + floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
end

-- Compact JSON (what the apiserver writes) has no whitespace: test one
-- byte before paying for a pattern search.
local function skip(s, i)
  local c = sbyte(s, i)
  if c == 32 or c == 9 or c == 10 or c == 13 then
    local _, e = sfind(s, "^[ \t\r\n]*", i)
    return e + 1
  end
  return i
end

-- Where a string's body ends: at the next '"', unless a '\\' comes first.
-- One pattern find ('["\\]') per string was half the decoder's time:
-- LuaJIT does not compile a find with a character class (each is ~400 ns
-- in the C matcher), but it compiles a plain find. So the quote is a plain
-- find, and the next backslash of the text is found once and again only
-- after the decoder, which moves left to right, passes it: linear in the
-- line however many strings it holds, and most lines hold no backslash.
-- next_bs is that backslash (HUGE: none), reset by M.decode; the generated
-- filter's own decoder (j_string in backends/lua/filter.lua) does the same.
local next_bs = HUGE
local function backslash_from(s, j)
  if next_bs < j then next_bs = sfind(s, "\\", j, true) or HUGE end
  return next_bs
end

-- The next '"' or '\\' at or after j (nil if neither).
local function next_special(s, j)
  local q, b = sfind(s, '"', j, true), backslash_from(s, j)
  if q and q < b then return q end
  return b ~= HUGE and b or q
end

local function decode_escaped(s, i, j, a)
  -- slow path: the string holds escapes; j is its body start, a the first '\'
  local buf, n = {}, 0
  while true do
    if a == nil then error("unterminated string", 0) end
    if sbyte(s, a) == 34 then
      n = n + 1; buf[n] = ssub(s, j, a - 1)
      return concat(buf), a + 1
    end
    n = n + 1; buf[n] = ssub(s, j, a - 1)
    local c = sbyte(s, a + 1)
    if c == 117 then
      local cp = tonumber(ssub(s, a + 2, a + 5), 16)
      if not cp then error("bad \\u escape", 0) end
      j = a + 6
      if cp >= 0xD800 and cp <= 0xDBFF and ssub(s, j, j + 1) == "\\u" then
        local lo = tonumber(ssub(s, j + 2, j + 5), 16)
        if lo and lo >= 0xDC00 and lo <= 0xDFFF then
          cp = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00)
          j = j + 6
        end
      end
      n = n + 1; buf[n] = utf8(cp)
    else
      local e = ESC[c]
      if not e then error("bad escape", 0) end
      n = n + 1; buf[n] = e
      j = a + 2
    end
    a = next_special(s, j)
  end
end

local function decode_string(s, i)
  local q, b = sfind(s, '"', i + 1, true), backslash_from(s, i + 1)
  if q and q < b then return ssub(s, i + 1, q - 1), q + 1 end
  return decode_escaped(s, i, i + 1, b ~= HUGE and b or nil) -- the backslash comes first, or no quote
end

-- Fluent Bit 4.2 parses JSON with yyjson (src/flb_pack.c,
-- yyjson_val_to_msgpack): a number with '.', 'e' or 'E' is a double, an
-- integer is int64/uint64 (a double when out of range). Lua numbers are
-- doubles either way, except that flb_lua.c pushes a msgpack positive
-- integer as lua_pushinteger((double) u64): every one whose double is
-- >= 2^63 (uint64 values, and INT64_MAX, which rounds up to 2^63) overflows
-- to INT64_MIN (measured on a v4.2.8 build). Beyond uint64 the token is a
-- double and arrives as such. An infinite double (1e400) never gets here:
-- the tail json parser fails and the line is kept under `log`.
local TWO63 = 9223372036854775808
local UINT64_MAX_DIGITS = "18446744073709551615"
local function decode_number(s, i)
  local a, b = sfind(s, "^-?%d+%.?%d*[eE]?[-+]?%d*", i)
  if not a then error("bad value", 0) end
  local token = ssub(s, a, b)
  local v = tonumber(token)
  if v == nil or v == HUGE or v == -HUGE then error("bad number", 0) end
  if v >= TWO63 and not sfind(token, "[.eE]") then
    local n = #token
    if n < 20 or (n == 20 and token <= UINT64_MAX_DIGITS) then v = -TWO63 end
  end
  return v, b + 1
end

-- One shared metatable per kind: Fluent Bit makes a fresh one per table,
-- which only matters to a script that mutates a metatable (ours do not).
local ARRAY_MT, MAP_MT = { type = L2C_ARRAY }, { type = L2C_MAP }

local function decode_array(s, i)
  -- the count is unknown before parsing: collect, then copy into a table
  -- presized like lua_createtable(n, 0), so `#` on holes (nulls with
  -- flb_null off) behaves as in Fluent Bit
  i = skip(s, i + 1)
  if sbyte(s, i) == 93 then return setmetatable(tnew(0, 0), ARRAY_MT), i + 1 end
  local items, n = {}, 0
  while true do
    local v
    v, i = decode_value(s, i)
    n = n + 1
    items[n] = v
    i = skip(s, i)
    local c = sbyte(s, i)
    if c == 93 then break end
    if c ~= 44 then error("expected ',' or ']'", 0) end
    i = skip(s, i + 1)
  end
  local t = tnew(n, 0)
  for k = 1, n do t[k] = items[k] end -- lua_rawseti(l, index, i+1)
  return setmetatable(t, ARRAY_MT), i + 1
end

local function decode_object(s, i)
  i = skip(s, i + 1)
  local t = tnew(0, 4)
  if sbyte(s, i) == 125 then return setmetatable(t, MAP_MT), i + 1 end
  while true do
    if sbyte(s, i) ~= 34 then error("expected a string key", 0) end
    local k, v
    k, i = decode_string(s, i)
    i = skip(s, i)
    if sbyte(s, i) ~= 58 then error("expected ':'", 0) end
    v, i = decode_value(s, skip(s, i + 1))
    t[k] = v -- lua_settable: a nil value leaves the key unset; duplicates: last wins
    i = skip(s, i)
    local c = sbyte(s, i)
    if c == 125 then break end
    if c ~= 44 then error("expected ',' or '}'", 0) end
    i = skip(s, i + 1)
  end
  return setmetatable(t, MAP_MT), i + 1
end

decode_value = function(s, i)
  local c = sbyte(s, i)
  if c == 34 then return decode_string(s, i) end
  if c == 123 then return decode_object(s, i) end
  if c == 91 then return decode_array(s, i) end
  if c == 116 and ssub(s, i, i + 3) == "true" then return true, i + 4 end
  if c == 102 and ssub(s, i, i + 4) == "false" then return false, i + 5 end
  if c == 110 and ssub(s, i, i + 3) == "null" then return NULL, i + 4 end
  return decode_number(s, i)
end

function M.decode(s)
  next_bs = 0
  local ok, v, i = pcall(decode_value, s, skip(s, 1))
  if not ok then return nil, v end
  if skip(s, i) <= #s then return nil, "trailing characters" end
  return v
end

---------------------------------------------------------------- Lua -> JSON
-- flb_lua_tomsgpack followed by Fluent Bit's msgpack -> JSON. Values that
-- Fluent Bit cannot turn into valid JSON are collected in `problems`.

-- What flb_msgpack_to_json writes for each byte that needs escaping (the
-- rest pass as they are); most strings need none, and skip the gsub.
local JSON_ESCAPE = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\t"] = "\\t", ["\r"] = "\\r" }
for b = 0, 31 do
  local c = schar(b)
  if JSON_ESCAPE[c] == nil then JSON_ESCAPE[c] = sformat("\\u%04x", b) end
end
JSON_ESCAPE[schar(127)] = sformat("\\u%04x", 127)

-- Does s hold a byte that JSON must escape (%c, '"', '\\')? string.find with
-- a character class is not compiled by LuaJIT: about 400 ns a call however
-- short the string, and a modified record has a hundred strings. A byte
-- loop is compiled and costs a few ns a byte, so short strings take it;
-- long ones (tokens, embedded files) are scanned in C.
local function needs_escape(s)
  local n = #s
  if n > 128 then return sfind(s, '[%c"\\]') ~= nil end
  for i = 1, n do
    local b = sbyte(s, i)
    if b < 32 or b == 34 or b == 92 or b == 127 then return true end
  end
  return false
end

local function jstring(s)
  if not needs_escape(s) then return '"' .. s .. '"' end
  return '"' .. sgsub(s, '[%c"\\]', JSON_ESCAPE) .. '"'
end

-- flb_lua.c lua_isinteger: (lua_Integer)n == n, with lua_Integer 64-bit.
local function is_integer(n)
  return n == floor(n) and n >= -9223372036854775808 and n < 9223372036854775808
end

local encode

-- flb_lua_arraylength: table.maxn if > 0, else -1 unless every key is a
-- positive number (then their count, which is 0 for an empty table).
local function array_length(t)
  local n = maxn(t)
  if n > 0 and is_integer(n) then return n end
  return -1
end

-- The writers return the new length of `out` (a counter is cheaper than
-- `#out` on every append).
local function encode_map(t, out, n, depth, problems)
  n = n + 1; out[n] = "{"
  local first = true
  for k, v in pairs(t) do
    if not first then n = n + 1; out[n] = "," end
    first = false
    if type(k) ~= "string" then
      problems[#problems + 1] = "map key of type " .. type(k) .. " (" .. tostring(k) .. ") makes invalid JSON"
      k = tostring(k)
    end
    -- the key itself goes into the buffer when it needs no escaping: no new
    -- string is made (and interned) for it
    if needs_escape(k) then
      n = n + 1; out[n] = jstring(k); n = n + 1; out[n] = ":"
    else
      n = n + 1; out[n] = '"'; n = n + 1; out[n] = k; n = n + 1; out[n] = '":'
    end
    n = encode(v, out, n, depth, problems)
  end
  n = n + 1; out[n] = "}"
  return n
end

local function encode_array(t, len, out, n, depth, problems)
  n = n + 1; out[n] = "["
  for i = 1, len do
    if i > 1 then n = n + 1; out[n] = "," end
    n = encode(t[i], out, n, depth, problems)
  end
  n = n + 1; out[n] = "]"
  return n
end

encode = function(v, out, n, depth, problems)
  local tv = type(v)
  n = n + 1
  if tv == "string" then
    if needs_escape(v) then
      out[n] = jstring(v)
    else
      out[n] = '"'; n = n + 1; out[n] = v; n = n + 1; out[n] = '"'
    end
  elseif tv == "number" then
    if v ~= v or v == HUGE or v == -HUGE then
      problems[#problems + 1] = "number " .. tostring(v) .. " is not valid JSON"
      out[n] = "null"
    elseif is_integer(v) then
      -- msgpack_pack_int64: -0.0 is integral and comes out as 0
      out[n] = v == 0 and "0" or sformat("%.0f", v)
    else
      out[n] = sformat("%.16g", v)
    end
  elseif tv == "boolean" then
    out[n] = v and "true" or "false"
  elseif tv == "nil" or (NULL ~= nil and rawequal(v, NULL)) then
    out[n] = "null"
  elseif tv == "table" then
    if depth >= POISON_DEPTH then
      problems[#problems + 1] = "record nests " .. POISON_DEPTH .. " levels deep: Fluent Bit's JSON encoders crash on it"
      out[n] = "null"
      return n
    end
    n = n - 1
    local mt = getmetatable(v)
    local kind = (type(mt) == "table" and type(mt.type) == "number" and mt.type >= 0) and mt.type or nil
    if kind == L2C_ARRAY then
      return encode_array(v, #v, out, n, depth + 1, problems) -- lua_toarray_msgpack uses lua_objlen
    elseif kind ~= nil then
      return encode_map(v, out, n, depth + 1, problems)
    end
    local len = array_length(v)
    if len > 0 then return encode_array(v, len, out, n, depth + 1, problems) end
    return encode_map(v, out, n, depth + 1, problems)
  else
    -- LUA_TFUNCTION/USERDATA/THREAD: "cannot serialize", nothing is written
    -- and the msgpack buffer is corrupt.
    problems[#problems + 1] = "value of type " .. tv .. " cannot be serialised by Fluent Bit"
    out[n] = "null"
  end
  return n
end

function M.encode(v)
  local out, problems = {}, {}
  local n = encode(v, out, 0, 0, problems)
  return concat(out, "", 1, n), problems
end

-- The length of what encode would write, and the same problems, without
-- writing it: `auditc replay` without an output file needs only the sizes
-- (bytes out) and whether Fluent Bit could pack the record.
local measure
local function measure_table(v, depth, problems)
  local mt = getmetatable(v)
  local kind = (type(mt) == "table" and type(mt.type) == "number" and mt.type >= 0) and mt.type or nil
  local len = (kind == L2C_ARRAY and #v) or (kind == nil and array_length(v)) or -1
  if len > 0 or kind == L2C_ARRAY then
    local size = 2 + (len > 1 and len - 1 or 0)
    for i = 1, len do size = size + measure(v[i], depth, problems) end
    return size
  end
  local size, count = 2, 0
  for k, x in pairs(v) do
    count = count + 1
    if type(k) ~= "string" then
      problems[#problems + 1] = "map key of type " .. type(k) .. " (" .. tostring(k) .. ") makes invalid JSON"
      k = tostring(k)
    end
    size = size + (needs_escape(k) and #jstring(k) or #k + 2) + 1 + measure(x, depth, problems)
  end
  return size + (count > 1 and count - 1 or 0)
end

measure = function(v, depth, problems)
  local tv = type(v)
  if tv == "string" then
    return needs_escape(v) and #jstring(v) or #v + 2
  elseif tv == "table" then
    if depth >= POISON_DEPTH then
      problems[#problems + 1] = "record nests " .. POISON_DEPTH .. " levels deep: Fluent Bit's JSON encoders crash on it"
      return 4
    end
    return measure_table(v, depth + 1, problems)
  end
  -- numbers, booleans, null and the unencodable: rare, written for real
  local out = {}
  local n = encode(v, out, 0, depth, problems)
  return #concat(out, "", 1, n)
end

function M.measure(v)
  local problems = {}
  return measure(v, 0, problems), problems
end

-- Would encode(v) start with '{' (a map)?
local function encodes_as_map(v)
  if type(v) ~= "table" then return false end
  local mt = getmetatable(v)
  if type(mt) == "table" and type(mt.type) == "number" and mt.type >= 0 then return mt.type ~= L2C_ARRAY end
  return array_length(v) <= 0
end

---------------------------------------------------------------- the filter call

-- lua.c get_callback_args (Lua 5.1 branch): 5 arguments when the function
-- declares at least 5 parameters, else 3.
function M.callback_args(fn)
  local info = debug.getinfo(fn, "u")
  if info and info.nparams and info.nparams >= 5 then return 5 end
  return 3
end

-- What Fluent Bit emits for one callback result (cb_lua_filter and
-- pack_result). Returns "ok" and an array of JSON texts (nil for code 0:
-- the original record is emitted), or "invalid" and a message.
local function emitted(code, new_record, problems, where, sizes_only)
  if code ~= 1 and code ~= 2 then return "ok", nil end
  local kind = type(new_record)
  if kind ~= "table" then
    return "invalid", "callback returned a " .. kind .. " as the record"
  end
  -- Map or array, decided as flb_lua_tomsgpack does (metatable tag, else
  -- table.maxn), without encoding the whole record first.
  local mt = getmetatable(new_record)
  local n
  if type(mt) == "table" and type(mt.type) == "number" and mt.type >= 0 then
    n = mt.type == L2C_ARRAY and #new_record or nil
  else
    n = array_length(new_record)
    if n <= 0 then n = nil end
  end
  local out = {}
  for k = 1, n or 1 do
    local item = n and new_record[k] or new_record
    local json, probs, is_map
    if sizes_only then
      probs = {}
      json = measure(item, 0, probs)
      is_map = encodes_as_map(item)
    else
      json, probs = M.encode(item)
      is_map = sbyte(json, 1) == 123
    end
    for _, p in ipairs(probs) do problems[#problems + 1] = where .. p end
    if type(item) ~= "table" or not is_map then
      -- an array whose element is not a map: the whole batch is untouched
      return "invalid", "array element " .. k .. " of the returned record is not a map"
    end
    out[k] = json
  end
  return "ok", out
end

-- lua.c: l_code = (int) lua_tointeger(...); non-numbers read as 0
local function to_code(code)
  code = tonumber(code) or 0
  return code >= 0 and floor(code) or -floor(-code)
end

-- Run one batch as cb_lua_filter does. `lines` is an array of JSON texts
-- (already known to decode to maps). Returns status, message, results where
-- results[i] = { code = c, ts = t, out = { json, ... } | false (dropped) | {} (original) }
-- and status is:
--   "ok"       every record handled; results describe what Fluent Bit emits
--   "error"    the callback raised (protected_mode): the batch passes through
--   "invalid"  a returned record could not be packed (pack_result false):
--              the batch passes through
function M.run_batch(fn_name, tag, ts, lines)
  local fn = _G[fn_name]
  local results, problems = {}, {}
  for i = 1, #lines do
    local record = M.decode(lines[i])
    local ok, code, new_ts, new_record = pcall(fn, tag, ts, record)
    if not ok then
      return "error", tostring(code), nil, problems, i
    end
    code = to_code(code)
    local status, out = emitted(code, new_record, problems, "record " .. i .. ": ")
    if status ~= "ok" then return status, out, nil, problems, i end
    local r = { code = code, ts = ts, out = out or {} }
    if code == 1 then r.ts = tonumber(new_ts) or 0 end
    if code == -1 then r.out = false end
    results[i] = r
  end
  return "ok", nil, results, problems, 0
end

-- auditc replay: run a blob of newline-separated log lines through the
-- filter like the tail input with the json parser would (a line that is
-- not a JSON map becomes {"log": line}). Everything stays inside Lua; only
-- counts, the rare detection summaries and (optionally) the output lines
-- cross back to Python.
local function field(t, a, b)
  local v = t[a]
  if b == nil then return type(v) == "string" and v or nil end
  if type(v) ~= "table" then return nil end
  v = v[b]
  return type(v) == "string" and v or nil
end

-- Lines are decoded a batch at a time and only then handed to the filter,
-- one by one: in Fluent Bit the decoding is C (flb_lua_pushmsgpack), and
-- interleaving a Lua decoder with the filter call made each slow the
-- other's compiled traces down, a cost Fluent Bit never pays.
local REPLAY_BATCH = 256

function M.replay(fn_name, tag, ts, blob, want_output)
  local fn = _G[fn_name]
  local out, nout = want_output and {} or nil, 0
  local st = { lines = 0, events = 0, dropped = 0, modified = 0, bytes_in = 0, bytes_out = 0 }
  local malformed, detections, problems = {}, {}, {}
  local first_ts, last_ts
  local pos, len, lineno = 1, #blob, 0
  local recs, texts, nums, codes = {}, {}, {}, {}
  while pos <= len do
    -- 1. decode up to REPLAY_BATCH events
    local n = 0
    while pos <= len and n < REPLAY_BATCH do
      local e = sfind(blob, "\n", pos, true) or (len + 1)
      local line = ssub(blob, pos, e - 1)
      pos = e + 1
      lineno = lineno + 1
      if sfind(line, "%S") then
        st.events = st.events + 1
        st.bytes_in = st.bytes_in + #line + 1
        local record = M.decode(line)
        if getmetatable(record) ~= MAP_MT then
          malformed[#malformed + 1] = lineno
          record = setmetatable({ log = line }, MAP_MT)
        else
          local t = record.requestReceivedTimestamp
          if type(t) == "string" then
            if first_ts == nil or t < first_ts then first_ts = t end
            if last_ts == nil or t > last_ts then last_ts = t end
          end
        end
        n = n + 1
        recs[n], texts[n], nums[n] = record, line, lineno
      end
    end
    -- 2. the filter, record by record, as Fluent Bit calls it
    local failed, why
    for i = 1, n do
      local ok, code, _, new_record = pcall(fn, tag, ts, recs[i])
      if not ok then failed, why = i, tostring(code); break end
      codes[i], recs[i] = code, new_record
    end
    -- 3. what Fluent Bit makes of each result, in order (an invalid record
    -- before the failing one is what stops the batch first)
    for i = 1, (failed or n + 1) - 1 do
      local new_record, line, at = recs[i], texts[i], nums[i]
      recs[i] = nil
      local code = to_code(codes[i])
      if code ~= 1 and code ~= 2 and type(new_record) == "table" then
        -- Fluent Bit 4.2.8 packs the returned record before it looks at
        -- the code (plugins/filter_lua/lua.c: flb_lua_tomsgpack, then
        -- `if (l_code == -1)`), and throws the bytes away for -1 and 0:
        -- the same conversion, its result discarded, so that a filter's
        -- cost here is what it costs there (a filter returning the whole
        -- record with 0 pays for it; one returning an empty table does not).
        measure(new_record, 0, {})
      end
      if code == -1 then
        st.dropped = st.dropped + 1
      else
        -- without an output file only sizes are needed: nothing is written
        local status, emit = emitted(code, new_record, problems, "line " .. at .. ": ", out == nil)
        if status ~= "ok" then return status, emit, at end
        if emit == nil then
          st.bytes_out = st.bytes_out + #line + 1
          if out then nout = nout + 1; out[nout] = line end
        else
          st.modified = st.modified + 1
          for k = 1, #emit do
            local e = emit[k]
            st.bytes_out = st.bytes_out + (type(e) == "number" and e or #e) + 1
            if out then nout = nout + 1; out[nout] = emit[k] end
          end
          local d = type(new_record) == "table" and new_record.detection
          if type(d) == "table" and type(d.rules) == "table" then
            detections[#detections + 1] = {
              line = at, rules = concat(d.rules, ","), severity = d.severity,
              user = field(new_record, "user", "username"), namespace = field(new_record, "objectRef", "namespace"),
              auditID = field(new_record, "auditID"), verb = field(new_record, "verb"),
              resource = field(new_record, "objectRef", "resource"), name = field(new_record, "objectRef", "name"),
              ts = field(new_record, "requestReceivedTimestamp") or field(new_record, "stageTimestamp"),
            }
          end
        end
      end
    end
    if failed then return "error", why, nums[failed] end
  end
  st.lines = lineno
  st.first_ts, st.last_ts = first_ts, last_ts
  return "ok", st, malformed, detections, problems, out and concat(out, "\n") or nil
end

return M
