-- post.lua: wrk script — POST the body in $BODY_FILE (GET when unset; $CONTENT_TYPE, $INFER_HEADER_LEN for binary); prints one RESULT line.
local path = os.getenv("BODY_FILE")
if path and path ~= "" then
  local f = assert(io.open(path, "rb"))
  wrk.method = "POST"
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = os.getenv("CONTENT_TYPE") or "application/json"
  local hlen = os.getenv("INFER_HEADER_LEN") -- a KServe v2 binary body: JSON header length
  if hlen and hlen ~= "" then
    wrk.headers["Inference-Header-Content-Length"] = hlen
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
