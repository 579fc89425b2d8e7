-- Public verification reads (no token) spread over batches whose chains hold 10 events each.
-- Needs BENCH_CODES (a file of batch codes, one per line) in the environment.
local codes = {}
for line in io.lines(os.getenv("BENCH_CODES")) do codes[#codes + 1] = line end
local counter = 0

request = function()
  counter = counter + 1
  local code = codes[(counter * 7919) % #codes + 1]
  return wrk.format("GET", "/api/v1/public/batches/" .. code)
end
