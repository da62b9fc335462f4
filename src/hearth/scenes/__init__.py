"""Smart scenes: tap-to-run scenes and automations across every maker's devices."""
