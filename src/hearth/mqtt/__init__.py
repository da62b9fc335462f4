"""hearth's MQTT clients, each with one job, and the one way they stay connected.

- ``wire``: the wire client, hearth's own minimal MQTT 3.1.1 ``asyncio.Protocol``, for
  traffic that grows with the fleet: device reports into a worker (``hub.traffic``),
  simulated devices (``hub.simulator``), certification's observer, the benchmarks. A
  received message costs one slice and one callback.
- ``link``: ``MqttLink``, hearth's own connection on aiomqtt (paho underneath), for
  everything else: the event relay between processes, commands to devices, the CLI's
  announcements. Few messages, so a full client (MQTT 5, TLS, queued delivery) pays.
- ``reconnect``: ``keep_connected`` with jittered back-off and a stop signal, used by
  every long-lived connection above.
- ``address``: where the broker is and the credentials to log in with.
- ``errors``: the tables that turn each client's lower-level exceptions into the error
  tree's ``BrokerError`` where they leave the client.

The broker itself (amqtt, embedded for one machine) is not a client and lives with the
device cloud's access rules in ``hub.broker``.
"""
