-- PUT or DELETE a vote on a random idea as one of many bench users (tokens from a file).
-- Env: BENCH_TOKENS and BENCH_IDS (files, one token or idea id per line: ideas open to votes).
local tokens = {}
local ids = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
for line in io.lines(os.getenv("BENCH_IDS")) do ids[#ids + 1] = line end
local counter = 0

request = function()
  counter = counter + 1
  local token = tokens[(counter % #tokens) + 1]
  local id = ids[math.random(1, #ids)]
  local method = (math.random() < 0.5) and "PUT" or "DELETE"
  return wrk.format(method, "/api/v1/ideas/" .. id .. "/vote",
    {["Authorization"] = "Bearer " .. token, ["Accept-Encoding"] = "gzip"})
end
