"""A separate process standing for one hearth worker, for race and crash tests.

``worker.py race URL CUSTOMER METHOD KEY``: print ``ready``, wait for a line on stdin, then
charge the saved card once with KEY and print the payment as JSON.

``worker.py ack URL PARTNER CUSTOMER METHOD``: charge and book payments one after another
and print ``ACK <payment id> <entry set id>`` after each has committed, until killed.
"""

from __future__ import annotations

import asyncio
import json
import sys

from hearth import db
from hearth.errors import HearthError
from hearth.kit.clock import utcnow
from hearth.kit.money import Money
from hearth.payments import charges
from hearth.payments.sandbox import SandboxProvider


async def race(url: str, customer: str, method: str, key: str) -> None:
    engine = db.create_engine(url)
    try:
        provider = SandboxProvider(db.session_factory(engine))
        await db.ping(engine)  # connect before the start signal, to race on the call itself
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        try:
            payment = await provider.authorize(
                customer_id=customer,
                method_id=method,
                amount=Money(19900, "CNY"),
                reference="flash-sale",
                idempotency_key=key,
                capture=True,
            )
        except HearthError as err:
            print(json.dumps({"error": err.code}), flush=True)
            return
        print(json.dumps({"id": payment.id, "status": payment.status}), flush=True)
    finally:
        await engine.dispose()


async def ack(url: str, partner: str, customer: str, method: str) -> None:
    engine = db.create_engine(url, pool=False)
    sessions = db.session_factory(engine)
    provider = SandboxProvider(sessions)
    number = 0
    while True:
        number += 1
        charged = await charges.charge(
            sessions,
            provider,
            customer_id=customer,
            method_id=method,
            amount=Money(100 + number, "CNY"),
            partner_id=partner,
            reference=f"pledge-{number}",
            idempotency_key=f"crash-{number}",
            commission_bp=500,
            now=utcnow(),
        )
        # charge() returns once the booking has committed: only now is it acknowledged.
        print(f"ACK {charged.payment.id} {charged.booked.id}", flush=True)


def main() -> None:
    command, *args = sys.argv[1:]
    if command == "race":
        asyncio.run(race(*args))
    elif command == "ack":
        asyncio.run(ack(*args))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()
