-- A page of 20 of the caller's batches.
local auth = "Bearer " .. os.getenv("BENCH_TOKEN")
request = function()
  return wrk.format("GET", "/api/v1/batches?limit=20", { ["Authorization"] = auth })
end
