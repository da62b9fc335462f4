"""The device model: one compatibility spec for every product (pure rules, no I/O)."""
