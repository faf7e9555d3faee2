-- POST a new idea through the API as one of many bench users.
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
local counter = 0
local titles = {"Quiet room in the evenings", "Text reminders before appointments",
  "Hot drinks after nine", "Clearer letters", "More activities at weekends"}

request = function()
  counter = counter + 1
  local token = tokens[(counter % #tokens) + 1]
  local body = string.format(
    '{"title": "%s %d", "description": "Submitted by the benchmark, request %d.", "category": "other"}',
    titles[(counter % #titles) + 1], counter, counter)
  return wrk.format("POST", "/api/v1/ideas",
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json",
     ["Accept-Encoding"] = "gzip"}, body)
end
