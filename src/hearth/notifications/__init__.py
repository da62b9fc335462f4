"""In-app notifications: one inbox per user, written by every area, read in the app.

Areas call :func:`hearth.notifications.service.notify` inside their own transaction (so a
notification exists exactly when the change that caused it does) and, after commit, publish
:class:`~hearth.notifications.events.NotificationsSent` so open pages update their badge.
"""
