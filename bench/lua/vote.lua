-- PUT or DELETE a vote on a random idea as one of many bench users (tokens from a file).
-- Env: BENCH_TOKENS (file, one token per line), BENCH_MAX_ID (highest idea id).
local tokens = {}
local max_id = tonumber(os.getenv("BENCH_MAX_ID") or "1000")
for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
local counter = 0

request = function()
  counter = counter + 1
  local token = tokens[(counter % #tokens) + 1]
  local id = math.random(1, max_id)
  local method = (math.random() < 0.5) and "PUT" or "DELETE"
  return wrk.format(method, "/api/v1/ideas/" .. id .. "/vote",
    {["Authorization"] = "Bearer " .. token, ["Accept-Encoding"] = "gzip"})
end
