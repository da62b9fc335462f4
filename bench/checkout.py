"""Checkout benchmark: store orders per second against the raw hot-row update rate.

Starts its own PostgreSQL and Mosquitto on 127.0.0.1 and several ``hearth serve`` processes
on them, puts a product on sale with limited stock, and gives many fans (each with an API
token, a saved sandbox card, a saved address and the product in the cart) one checkout each
through HTTP, all at once, a bounded number in flight. Then, in the same run and on the same
server, pgbench updates one hot row (``UPDATE hot SET sold = sold + 1 WHERE id = 1 AND sold <
stock``) with as many clients: the raw rate a checkout's stock update could reach.

Printed: orders/s, latency p50/p99, sold versus stock taken (oversold must be 0), stock
below zero (none), acknowledged orders missing from the database (must be 0), the raw rate
and the ratio. The load comes from ``wrk`` with a Lua script (each fan's checkout sent once,
with its own token and idempotency key). Nothing is asserted on time; the counts and the
time are bounded; everything runs on 127.0.0.1, and what the run starts it stops by PID.

    .venv/bin/python bench/checkout.py [--fans 3000] [--stock 2000] [--workers 2]
                                       [--concurrency 64] [--pgbench-seconds 10]
                                       [--wrk-seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
from flash_sale import pgbench  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from hearth import db  # noqa: E402
from tests.funding.cluster import start_workers  # noqa: E402
from tests.sales.cluster import Shop, seed_shop  # noqa: E402
from tests.servers import run_postgres, start_mosquitto, stop_mosquitto  # noqa: E402

# Each wrk thread sends every fan of its share one checkout, once; a connection with no fan
# left waits until the thread has every answer. Times from the monotonic clock (LuaJIT FFI).
CHECKOUT_LUA = r"""
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
  requests = {}
  local n = 0
  for line in io.lines(path) do
    if n % share == id then
      local token, card, address, key = line:match("(%S+) (%S+) (%S+) (%S+)")
      local body = '{"address_id":"' .. address .. '","card_id":"' .. card .. '"}'
      table.insert(requests, wrk.format("POST", "/api/v1/checkout",
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
  local order = body:match('"order_id":"([^"]+)"')
  if status == 201 and order then
    confirmed = confirmed + 1
    last = now()
    table.insert(ids, order)
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
    for _, order in ipairs(thread:get("ids")) do io.write("ORDER " .. order .. "\n") end
  end
  io.write(string.format("LATENCY %d %d\n", latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass
class Fired:
    orders: list[str]
    refused: int
    other: int
    answered: int
    window: float  # seconds from the first request to the last paid order
    p50_ms: float
    p99_ms: float


def fire(shop: Shop, urls: list[str], connections: int, seconds: int, directory: Path) -> Fired:
    """Send one checkout per fan with wrk, one wrk per hearth process, all at once."""
    script = directory / "checkout.lua"
    script.write_text(CHECKOUT_LUA)
    runs = []
    for number, url in enumerate(urls):
        assert url.startswith("http://127.0.0.1:"), "load goes to 127.0.0.1 only"
        share = directory / f"fans-{number}.txt"
        share.write_text(
            "".join(
                f"{b.token} {b.card_id} {b.address_id} bench-{n}\n"
                for n, b in enumerate(shop.buyers)
                if n % len(urls) == number
            )
        )
        command = [
            *("wrk", "--threads", "1", "--connections", str(max(1, connections // len(urls)))),
            *("--duration", f"{seconds}s", "--timeout", f"{seconds}s", "--latency"),
            *("--script", str(script), url, "--", str(share), "1"),
        ]
        runs.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
    outputs = []
    for run in runs:
        try:
            outputs.append(run.communicate(timeout=seconds + 30)[0])
        except subprocess.TimeoutExpired:
            run.kill()  # by its own handle: only what this run started
            outputs.append(run.communicate()[0])
    orders: list[str] = []
    refused = other = answered = 0
    first, last = float("inf"), 0.0
    p50s, p99s = [0.0], [0.0]
    for out in outputs:
        for line in out.splitlines():
            kind, _, rest = line.partition(" ")
            if kind == "THREAD":
                _c, r, o, a, started, ended, sent, mine = rest.split()
                if int(sent) < int(mine):
                    print(f"  a wrk thread sent {sent} of its {mine} checkouts in the time given")
                refused, other, answered = refused + int(r), other + int(o), answered + int(a)
                first = min(first, float(started))
                last = max(last, float(ended))
            elif kind == "ORDER":
                orders.append(rest)
            elif kind == "OTHER":
                print(f"  unexpected answer: {rest}")
            elif kind == "LATENCY":
                p50, p99 = rest.split()
                p50s.append(int(p50) / 1000)
                p99s.append(int(p99) / 1000)
    window = max(0.0, last - first) if orders else 0.0
    return Fired(orders, refused, other, answered, window, max(p50s), max(p99s))


@dataclass
class Counted:
    left: int
    listing_stock: int
    sold: int
    missing: int


async def count(url: str, shop: Shop, acknowledged: list[str]) -> Counted:
    from hearth.funding.models import Order, OrderItem, StoreListing
    from hearth.sales.models import SaleVariant

    engine = db.create_engine(url, pool=False)
    try:
        async with db.session_factory(engine)() as session:
            left = await session.scalar(
                select(SaleVariant.stock).where(SaleVariant.id == shop.variant_id)
            )
            listing = await session.get(StoreListing, shop.listing_id)
            sold = await session.scalar(
                select(func.coalesce(func.sum(OrderItem.quantity), 0)).where(
                    OrderItem.variant_id == shop.variant_id
                )
            )
            found = set()
            for start in range(0, len(acknowledged), 1000):
                chunk = acknowledged[start : start + 1000]
                found |= set(await session.scalars(select(Order.id).where(Order.id.in_(chunk))))
    finally:
        await engine.dispose()
    assert listing is not None
    return Counted(int(left or 0), listing.stock, int(sold or 0), len(set(acknowledged) - found))


async def run(args: argparse.Namespace) -> None:
    with run_postgres() as server:
        server.psql("CREATE DATABASE bench")
        url = server.url("bench")
        engine = db.create_engine(url, pool=False)
        await db.upgrade(engine)
        await engine.dispose()
        print(f"seeding {args.fans} fans and a product with {args.stock} units ...", flush=True)
        shop = await seed_shop(url, fans=args.fans, stock=args.stock)
        directory = Path(tempfile.mkdtemp(prefix="hearth-checkout-"))
        broker = start_mosquitto(directory / "mosquitto")
        workers = start_workers(url, args.workers, directory, broker.url)
        try:
            async with httpx.AsyncClient() as http:  # warm each worker up once
                for worker in workers:
                    await http.get(f"{worker.url}/healthz")
            fired = fire(
                shop, [w.url for w in workers], args.concurrency, args.wrk_seconds, directory
            )
        finally:
            for worker in workers:
                worker.stop()
            stop_mosquitto(broker)
        counted = await count(url, shop, fired.orders)
        raw = pgbench(server, "bench", args.concurrency, args.pgbench_seconds)

    paid = len(fired.orders)
    rate = paid / fired.window if fired.window else 0.0
    taken = shop.stock - counted.left
    print()
    print(f"hearth workers            {args.workers} (PostgreSQL, {args.concurrency} connections)")
    print(f"checkouts answered        {fired.answered} of {len(shop.buyers)}")
    print(
        f"paid orders               {paid}   sold out (409) {fired.refused}   other {fired.other}"
    )
    print(f"orders/s                  {rate:,.0f} (to the last paid order)")
    print(f"latency p50 / p99         {fired.p50_ms:.1f} ms / {fired.p99_ms:.1f} ms")
    print(f"sold / stock taken        {counted.sold} / {taken} of {shop.stock}")
    print(f"oversold                  {max(0, counted.sold - shop.stock)}")
    print(f"stock left (listing)      {counted.left} ({counted.listing_stock})")
    print(f"lost acknowledged orders  {counted.missing}")
    print(f"raw hot-row updates/s     {raw:,.0f} (pgbench, {args.concurrency} clients)")
    print(f"ratio hearth / raw        {rate / raw:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fans", type=int, default=3_000)
    parser.add_argument("--stock", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    parser.add_argument("--wrk-seconds", type=int, default=60, help="the most the sale may take")
    args = parser.parse_args()
    args.fans = max(10, min(args.fans, 20_000))
    args.stock = max(1, min(args.stock, args.fans))
    args.workers = max(1, min(args.workers, 8))
    args.concurrency = max(args.workers, min(args.concurrency, 256))
    args.pgbench_seconds = max(1, min(args.pgbench_seconds, 60))
    args.wrk_seconds = max(2, min(args.wrk_seconds, 120))
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: install Debian's wrk package (scripts/ensure-system.sh does)")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
