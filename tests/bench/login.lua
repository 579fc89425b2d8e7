-- Logins with the right password: argon2id verification on every request.
local body = '{"email": "' .. os.getenv("BENCH_EMAIL") .. '", "password": "'
  .. os.getenv("BENCH_PASSWORD") .. '"}'
request = function()
  return wrk.format("POST", "/api/v1/auth/login", { ["Content-Type"] = "application/json" }, body)
end
