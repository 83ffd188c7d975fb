-- wrk script: a ~1 KB non-streaming chat request, the same for every lane.
-- (wrk reports non-2xx responses itself: "Non-2xx or 3xx responses: N".)
local body_file = io.open(os.getenv("BENCH_BODY"), "r")
wrk.method = "POST"
wrk.body = body_file:read("*a")
body_file:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
