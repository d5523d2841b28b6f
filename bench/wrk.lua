-- wrk script of the benchmark (driven by bench/load.py).
--
-- The scenario is a Lua file named by BENCH_WRK_CONFIG that defines
--   reqs = { {method=, path=, headers={...}, body=}, ... }   -- cycled through, one after another
--   loop = nil | { delete_path = "/api/v1/marks/%s", delete_headers = {...}, id_pattern = '"id"%s*:%s*(%d+)' }
-- With `loop`, every successful POST's new id is queued and the connection's next request
-- deletes it: a POST / DELETE loop that keeps the database the same size.
-- Logins happen before wrk starts: the session cookies are in the headers.

dofile(os.getenv("BENCH_WRK_CONFIG"))

local counter = 1
local threads = {}

function setup(thread)
   thread:set("offset", #threads * 7)
   table.insert(threads, thread)
end

local formatted = {}
local pending = {}
local created, failed = 0, 0

function init(args)
   for i, r in ipairs(reqs) do
      formatted[i] = wrk.format(r.method, r.path, r.headers, r.body)
   end
   counter = offset or 0
end

function request()
   if loop then
      local id = table.remove(pending)
      if id then
         return wrk.format("DELETE", string.format(loop.delete_path, id), loop.delete_headers, loop.delete_body)
      end
   end
   counter = counter + 1
   return formatted[counter % #formatted + 1]
end

-- defined only for a loop: wrk hands bodies to Lua only when a script asks for them
if loop then
   function response(status, headers, body)
      if status == 201 or status == 200 then
         local id = body and string.match(body, loop.id_pattern)
         if id then
            table.insert(pending, id)
            created = created + 1
         end
      elseif status >= 400 then
         failed = failed + 1
      end
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50": %.1f, "p90": %.1f, "p95": %.1f, "p99": %.1f, ' ..
      '"mean": %.1f, "max": %.1f, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
      latency:percentile(95), latency:percentile(99), latency.mean, latency.max,
      e.connect, e.read, e.write, e.status, e.timeout))
end
