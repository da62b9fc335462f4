"""Compatibility certification: a device of a product, driven over the real protocol.

``checks`` holds the pure rules (which checks a spec needs, the values they try, each
verdict from what was observed, the report); ``faults`` a virtual device that can be told
to misbehave; ``runner`` the I/O against the broker; ``service`` the runs in the database.
"""
