-- wrk script for bench/load.py: POST each prepared request once, paced to a rate.
--
-- wrk sends as fast as its connections allow; here each request waits for its slot on a
-- schedule of RATE per second (one thread: one schedule), so the load is a rate, not a
-- concurrency. A request late for its slot (all connections busy) goes at once, but a
-- schedule more than a second behind starts again from now: missed slots are not made up
-- in a burst, and the rate achieved is what bench/load.py reports.
--
-- args: FILE RATE. FILE's first line is "content-type<TAB>authorization"; each further
-- line "path<TAB>x-forwarded-for<TAB>body", one request each, none sent twice.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_usec; } carnet_timeval;
int gettimeofday(carnet_timeval *tv, void *tz);
]]
local clock = ffi.new("carnet_timeval")

local function now_ms()
  ffi.C.gettimeofday(clock, nil)
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_usec) / 1000
end

local threads = {}
local prepared, interval, next_at = {}, 0, nil
sent = 0 -- global: done() reads it through thread:get()

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  interval = 1000 / tonumber(args[2])
  local file = assert(io.open(args[1]))
  local content_type, authorization = file:read("*l"):match("^([^\t]*)\t([^\t]*)$")
  for line in file:lines() do
    local path, forwarded, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = { ["Content-Type"] = content_type }
    if authorization ~= "" then headers["Authorization"] = authorization end
    if forwarded ~= "" then headers["X-Forwarded-For"] = forwarded end
    prepared[#prepared + 1] = wrk.format("POST", path, headers, body)
  end
  file:close()
end

function delay()
  local now = now_ms()
  if next_at == nil or next_at < now - 1000 then
    next_at = now
  end
  local slot = next_at
  next_at = next_at + interval
  return math.max(0, slot - now)
end

function request()
  sent = sent + 1
  if sent >= #prepared then
    wrk.thread:stop() -- never one request twice: the file was made with room to spare
  end
  return prepared[math.min(sent, #prepared)]
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("sent")
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"completed": %d, "sent": %d, "seconds": %.3f, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d, "p50": %d, "p95": %d, "p99": %d, "max": %d}\n',
    summary.requests, total, summary.duration / 1e6, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max))
end
