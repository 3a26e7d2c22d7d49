-- An alert storm (bench/README.md): POST /api/v2/alerts, 10 alerts per request, new label sets on
-- every request (so every alert is new to the receiver). Used against Alertmanager and alertbridge.
-- SERVICES (environment, default 50) is how many `service` values the alerts spread over: with
-- group_by [service] that is how many incidents (or Alertmanager groups) the storm piles into.
local counter = 0
local thread_id = 0
local services = tonumber(os.getenv("SERVICES") or "50")

function setup(thread)
  thread:set("tid", thread_id)
  thread_id = thread_id + 1
end

function init(args)
  counter = 0
end

request = function()
  counter = counter + 1
  local parts = {}
  for i = 1, 10 do
    parts[i] = string.format(
      '{"labels":{"alertname":"StormAlert","service":"svc-%d","instance":"t%d-r%d-a%d",' ..
      '"severity":"warning"},"annotations":{"summary":"storm"}}',
      (counter + i) % services, tid, counter, i)
  end
  local body = "[" .. table.concat(parts, ",") .. "]"
  return wrk.format("POST", "/api/v2/alerts", {["Content-Type"] = "application/json"}, body)
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f " ..
                         "errors_status=%d errors_connect=%d errors_timeout=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect, summary.errors.timeout))
end
