-- wrk script: spreads requests evenly over the paths in $BENCH_PATHS (comma-separated),
-- each connection starting at a different one. Used by `make bench-api`.
local paths = {}
for p in string.gmatch(os.getenv("BENCH_PATHS") or "/", "([^,]+)") do
  paths[#paths + 1] = p
end
local counter = 0

function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
end

local i = 0
function request()
  i = i + 1
  local path = paths[((i + (offset or 0)) % #paths) + 1]
  return wrk.format("GET", path)
end
