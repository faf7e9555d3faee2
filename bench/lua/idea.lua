-- GET the page of a random published idea (ids from BENCH_IDS, one per line).
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do ids[#ids + 1] = line end
request = function()
  return wrk.format("GET", "/ideas/" .. ids[math.random(1, #ids)], {["Accept-Encoding"] = "gzip"})
end
