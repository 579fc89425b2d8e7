-- Public verification reads as a cache revalidates them (nginx, a CDN, a browser): each asks
-- with the ETag it holds, and an unchanged lot answers 304 with no body.
-- Needs BENCH_ETAGS (a file of "code etag" lines) in the environment.
local codes, etags = {}, {}
for line in io.lines(os.getenv("BENCH_ETAGS")) do
  local code, etag = line:match("^(%S+) (.+)$")
  codes[#codes + 1] = code
  etags[#etags + 1] = etag
end
local counter = 0

request = function()
  counter = counter + 1
  local n = (counter * 7919) % #codes + 1
  return wrk.format("GET", "/api/v1/public/batches/" .. codes[n], { ["If-None-Match"] = etags[n] })
end
