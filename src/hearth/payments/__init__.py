"""Payments: the provider protocol, the built-in sandbox provider, the double-entry ledger.

``provider`` (protocol, pure) and ``sandbox`` move money; ``ledger`` (pure rules),
``books`` (posting, balances) and ``reports`` record whose it is; ``charges`` does both in
the right order. See docs/payments.md.
"""
