-- GET the page of a random published idea: 500 ids spread evenly over BENCH_IDS, so every
-- database size gets the same mix of cached and uncached pages.
local all = {}
for line in io.lines(os.getenv("BENCH_IDS")) do all[#all + 1] = line end
local ids = {}
local step = math.max(1, math.floor(#all / 500))
for i = 1, #all, step do ids[#ids + 1] = all[i] end
request = function()
  return wrk.format("GET", "/ideas/" .. ids[math.random(1, #ids)], {["Accept-Encoding"] = "gzip"})
end
