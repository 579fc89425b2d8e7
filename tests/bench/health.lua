-- The no-I/O route: what the layers around every request cost.
request = function()
  return wrk.format("GET", "/api/v1/health")
end
