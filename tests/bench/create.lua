-- Batch creation: an insert and its audit row in one transaction.
local auth = "Bearer " .. os.getenv("BENCH_TOKEN")
local body = '{"product": "avocado", "variety": "Hass", "harvest_date": "2026-10-02", '
  .. '"origin": {"farm": "La Loma", "region": "Michoacan", "country": "MX"}, '
  .. '"quantity": "1250.500", "unit": "kg"}'
request = function()
  return wrk.format("POST", "/api/v1/batches",
    { ["Authorization"] = auth, ["Content-Type"] = "application/json" }, body)
end
