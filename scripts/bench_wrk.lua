-- wrk script for scripts/bench_web: prints p50/p95/p99 and error counts as one parsable line.
-- With BENCH_BODIES set to a file of "cookie<TAB>body" lines, each request POSTs the next line
-- (each voter casts once); the file is split between threads so no line is used twice.
-- With BENCH_ACCEPT_ENCODING set (e.g. "gzip"), each GET sends it as Accept-Encoding, as browsers do.
local lines = {}
local counter = 0
local threads = {}
local file = os.getenv("BENCH_BODIES")
local accept_encoding = os.getenv("BENCH_ACCEPT_ENCODING")

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  if file then
    for line in io.lines(file) do table.insert(lines, line) end
  end
  counter = id or 0
  step = tonumber(os.getenv("BENCH_THREADS") or "1")
end

function request()
  if file then
    local line = lines[counter + 1]
    counter = counter + step
    if line == nil then return wrk.format("GET", "/bench-out-of-voters") end
    local cookie, body = line:match("([^\t]+)\t(.+)")
    return wrk.format("POST", wrk.path, {["Cookie"] = cookie, ["Content-Type"] = "application/x-www-form-urlencoded"}, body)
  end
  if accept_encoding then
    return wrk.format(nil, wrk.path, {["Accept-Encoding"] = accept_encoding})
  end
  return wrk.format(nil, wrk.path)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d seconds=%.3f bytes=%d p50=%.3f p95=%.3f p99=%.3f status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.bytes,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
