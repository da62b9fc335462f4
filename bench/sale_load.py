"""What the sale benchmarks share: every buyer's request sent once through wrk, and the
raw hot-row rate of the same PostgreSQL from pgbench.

``fire`` hands each hearth process its share of the requests (each with its own token and
idempotency key) and a wrk with one thread; a small Lua script sends each request once,
counts 201s (with the id the answer names), 409s and anything else, and times the run to
the last confirmation with the monotonic clock (LuaJIT's FFI). A connection with no request
left waits (a cheap read, should the wait ever end) until its thread has every answer.
``pgbench`` runs ``UPDATE hot SET sold = sold + 1 WHERE id = 1 AND sold < stock`` with as
many clients: the rate a sale's one stock row could reach at best.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.servers import Postgres

ONCE_EACH_LUA = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } hearth_timespec;
int clock_gettime(int clk_id, hearth_timespec *tp);
]]
local function now()
  local t = ffi.new("hearth_timespec")
  ffi.C.clock_gettime(1, t)
  return tonumber(t.tv_sec) + tonumber(t.tv_nsec) / 1e9
end

local threads = {}
local count = 0
function setup(thread)
  thread:set("id", count)
  count = count + 1
  table.insert(threads, thread)
end

function init(args)
  local path, share = args[1], tonumber(args[2])
  named = '"' .. args[3] .. '":"([^"]+)"'
  requests = {}
  local n = 0
  for line in io.lines(path) do
    if n % share == id then
      local token, key, target, body = line:match("([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)")
      table.insert(requests, wrk.format("POST", target,
        {["Authorization"] = "Bearer " .. token, ["Idempotency-Key"] = key,
         ["Content-Type"] = "application/json"}, body))
    end
    n = n + 1
  end
  spare = wrk.format("GET", "/healthz")
  sent, answered, confirmed, refused, other = 0, 0, 0, 0, 0
  primed = false
  ids = {}
  started, last = now(), 0
end

function delay()
  if sent >= #requests then return 60000 end
  return 0
end

function request()
  -- wrk asks each thread for one request it never sends (wrk 4.1): give it a spare.
  if not primed then
    primed = true
    return spare
  end
  sent = sent + 1
  if sent > #requests then return spare end
  return requests[sent]
end

function response(status, headers, body)
  if body:find('"database"', 1, true) then return end  -- a spare read
  answered = answered + 1
  local made = body:match(named)
  if status == 201 and made then
    confirmed = confirmed + 1
    last = now()
    table.insert(ids, made)
  elseif status == 409 then
    refused = refused + 1
  else
    other = other + 1
    io.write("OTHER " .. status .. " " .. body:sub(1, 200) .. "\n")
  end
  if answered >= #requests then wrk.thread:stop() end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    io.write(string.format("THREAD %d %d %d %d %.6f %.6f %d %d\n", thread:get("confirmed"),
      thread:get("refused"), thread:get("other"), thread:get("answered"),
      thread:get("started"), thread:get("last"), thread:get("sent"), #thread:get("requests")))
    for _, made in ipairs(thread:get("ids")) do io.write("MADE " .. made .. "\n") end
  end
  io.write(string.format("LATENCY %d %d\n", latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Once:
    """One buyer's request: a JSON ``POST`` to ``target`` with their token and key."""

    token: str
    key: str
    target: str
    body: str


@dataclass
class Fired:
    made: list[str]  # the ids the 201 answers named
    refused: int  # 409: sold out
    other: int
    answered: int
    window: float  # seconds from the first request to the last confirmation
    p50_ms: float  # the slower process's
    p99_ms: float


def fire(
    requests: Sequence[Once],
    urls: list[str],
    *,
    connections: int,
    seconds: int,
    directory: Path,
    id_field: str,
) -> Fired:
    """Send each request once with wrk, one wrk per hearth process with its share of the
    requests and of the connections, all at once; a 201 counts when its answer names
    ``id_field``."""
    script = directory / "once-each.lua"
    script.write_text(ONCE_EACH_LUA)
    runs = []
    for number, url in enumerate(urls):
        assert url.startswith("http://127.0.0.1:"), "load goes to 127.0.0.1 only"
        share = directory / f"requests-{number}.tsv"
        share.write_text(
            "".join(
                f"{r.token}\t{r.key}\t{r.target}\t{r.body}\n"
                for n, r in enumerate(requests)
                if n % len(urls) == number
            )
        )
        command = [
            *("wrk", "--threads", "1", "--connections", str(max(1, connections // len(urls)))),
            *("--duration", f"{seconds}s", "--timeout", f"{seconds}s", "--latency"),
            *("--script", str(script), url, "--", str(share), "1", id_field),
        ]
        runs.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
    outputs = []
    for run in runs:
        try:
            outputs.append(run.communicate(timeout=seconds + 30)[0])
        except subprocess.TimeoutExpired:
            run.kill()  # by its own handle: only what this run started
            outputs.append(run.communicate()[0])
    made: list[str] = []
    refused = other = answered = 0
    first, last = float("inf"), 0.0
    p50s, p99s = [0.0], [0.0]
    for out in outputs:
        for line in out.splitlines():
            kind, _, rest = line.partition(" ")
            if kind == "THREAD":
                _c, r, o, a, started, ended, sent, mine = rest.split()
                if int(sent) < int(mine):
                    print(f"  a wrk thread sent {sent} of its {mine} requests in the time given")
                refused, other, answered = refused + int(r), other + int(o), answered + int(a)
                first = min(first, float(started))
                last = max(last, float(ended))
            elif kind == "MADE":
                made.append(rest)
            elif kind == "OTHER":
                print(f"  unexpected answer: {rest}")
            elif kind == "LATENCY":
                p50, p99 = rest.split()
                p50s.append(int(p50) / 1000)
                p99s.append(int(p99) / 1000)
    window = max(0.0, last - first) if made else 0.0
    return Fired(made, refused, other, answered, window, max(p50s), max(p99s))


def pgbench(server: Postgres, database: str, clients: int, seconds: int) -> float:
    """Return the raw single-row conditional update rate (transactions per second)."""
    server.psql(
        "CREATE TABLE hot (id int PRIMARY KEY, sold int NOT NULL, stock int NOT NULL);"
        "INSERT INTO hot VALUES (1, 0, 2000000000);",
        database,
    )
    script = Path(tempfile.mkdtemp()) / "hot.sql"
    script.write_text("UPDATE hot SET sold = sold + 1 WHERE id = 1 AND sold < stock;\n")
    out = subprocess.run(
        [
            *(str(server.bin_dir / "pgbench"), "-n", "-h", "127.0.0.1", "-p", str(server.port)),
            *("-U", "postgres", "-c", str(clients), "-j", "2", "-T", str(seconds)),
            *("-f", str(script), database),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    match = re.search(r"tps = ([\d.]+)", out)
    assert match, out
    return float(match.group(1))
