"""The mail sender, a background component: claims due letters and sends them, once.

It wakes when letters are queued (``MailQueued``, from any process) and otherwise every
``interval`` seconds, for the retries whose back-off has passed. No transaction is open
while the mail server is spoken to: claim (one transaction), send, settle (another).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth import db, metrics
from hearth.bus import EventBus
from hearth.errors import MailError, MailRefused
from hearth.kit.clock import Clock
from hearth.kit.rounds import Rounds
from hearth.mail import queue
from hearth.mail.events import MailQueued
from hearth.mail.rules import Envelope, compose
from hearth.mail.transport import Mailer, translate

log = structlog.get_logger(__name__)
INTERVAL = 5.0


@dataclass
class Sent:
    """What one round did."""

    sent: int = 0
    retry: int = 0
    failed: int = 0


@dataclass
class MailSender:
    """Send the queue's due letters through ``mailer`` until stopped."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    mailer: Mailer
    envelope: Envelope
    interval: float = INTERVAL
    batch: int = 20
    claimer: str = field(default_factory=queue.new_claimer)
    _rounds: Rounds | None = field(default=None, init=False)

    def watch(self, bus: EventBus) -> None:
        """Wake as soon as letters are queued, in this process or another."""
        bus.subscribe(MailQueued, self._queued)

    async def _queued(self, _: MailQueued) -> None:
        if self._rounds is not None:
            self._rounds.wake()

    async def send_once(self) -> Sent:
        """Send every letter due now; return what happened to them."""
        done = Sent()
        while True:
            now = self.clock.now()
            async with db.transaction(self.sessions) as session:
                claimed = await queue.claim(
                    session, claimer=self.claimer, now=now, limit=self.batch
                )
            if not claimed:
                return done
            for item in claimed:
                error: MailError | None = None
                try:
                    message = compose(item.letter, self.envelope, message_id=item.id, date=now)
                except (ValueError, TypeError) as err:  # an address no message can carry
                    error = MailRefused(f"The letter cannot be written: {err}.")
                else:
                    try:
                        await self.mailer.send(message)
                    except Exception as err:  # a mailer's own slip is retried like the rest
                        error = translate(err)
                async with db.transaction(self.sessions) as session:
                    status = await queue.settle(
                        session, item, claimer=self.claimer, now=self.clock.now(), error=error
                    )
                if error is None:
                    done.sent += 1
                    log.info("mail_sent", mail_id=item.id, kind=item.letter.kind)
                else:
                    metrics.ERRORS.labels(area="mail").inc()
                    log.warning(
                        "mail_not_sent",
                        mail_id=item.id,
                        kind=item.letter.kind,
                        status=status,
                        error=error.message,
                    )
                    if status == queue.FAILED:
                        done.failed += 1
                    else:
                        done.retry += 1
            if done.retry and not done.sent:
                return done  # the server is down: the back-off decides when to try again

    async def start(self) -> None:
        """Start sending in the background."""
        self._rounds = Rounds(
            self.send_once,
            name="mail-sender",
            every=self.interval,
            area="mail",
            failed="mail_round_failed",
        )
        self._rounds.start()

    async def stop(self) -> None:
        """Stop sending once the round under way has finished; a letter a cut-short round
        was sending is settled by the next start (its lease)."""
        if self._rounds is not None:
            await self._rounds.stop()
            self._rounds = None
