-- wrk script: a ~1 KB non-streaming chat request, the same for every lane.
-- (wrk reports non-2xx responses itself: "Non-2xx or 3xx responses: N".)
--   BENCH_BODY     file holding the request body
--   BENCH_KEY      sent as "Authorization: Bearer <key>"
--   BENCH_HEADERS  optional extra headers, "name: value" lines: what a lane needs beyond the
--                  key (the portkey lane names its provider and upstream in headers)
local body_file = io.open(os.getenv("BENCH_BODY"), "r")
wrk.method = "POST"
wrk.body = body_file:read("*a")
body_file:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
  local name, value = line:match("^%s*([^:]-)%s*:%s*(.-)%s*$")
  if name and name ~= "" then wrk.headers[name] = value end
end
