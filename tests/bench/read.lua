-- Authenticated reads spread over many batch ids (not one hot row).
-- Needs BENCH_IDS (a file of batch ids, one per line) and BENCH_TOKEN in the environment.
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do ids[#ids + 1] = line end
local auth = "Bearer " .. os.getenv("BENCH_TOKEN")
local counter = 0

request = function()
  counter = counter + 1
  local id = ids[(counter * 7919) % #ids + 1]
  return wrk.format("GET", "/api/v1/batches/" .. id, { ["Authorization"] = auth })
end
