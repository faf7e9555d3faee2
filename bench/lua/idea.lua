-- GET a random idea page (ids 1..BENCH_MAX_ID).
local max_id = tonumber(os.getenv("BENCH_MAX_ID") or "1000")
request = function()
  return wrk.format("GET", "/ideas/" .. math.random(1, max_id), {["Accept-Encoding"] = "gzip"})
end
