"""Mail to people: letters queued in the database inside the transaction that causes them,
sent once by a background component through a ``Mailer`` (SMTP, or a folder of .eml files).

- ``rules``: a letter (what to say) and how it becomes a MIME message, the back-off; pure;
- ``transport``: the ``Mailer`` protocol, the SMTP mailer, the folder mailer and a fake;
- ``models`` and ``queue``: the outgoing mail table, queueing and claiming;
- ``sender``: the background component that claims due mail and sends it.
"""
