"""Prometheus metrics, served at ``/metrics``.

Each hearth process exports its own counters; Prometheus scrapes every process and sums.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "hearth_http_requests_total", "HTTP requests served", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "hearth_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
MQTT_MESSAGES = Counter("hearth_mqtt_messages_total", "MQTT messages", ["direction"])
ERRORS = Counter("hearth_errors_total", "Errors caught and logged", ["area"])
BROKER_UP = Gauge("hearth_mqtt_connected", "1 while this process is connected to the broker")
# The ecosystem's gauges, as the insights job last counted them (``insights.worker``): set
# in the processes that run the job, so take the max over processes, not the sum.
DEVICES_CONNECTED = Gauge("hearth_devices_connected", "Devices online at the last count")
CAMPAIGNS_LIVE = Gauge("hearth_campaigns_live", "Campaigns taking pledges at the last count")
