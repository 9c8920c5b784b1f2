"""Delivery: queued messages go to their provider one at a time, each in its own transaction
with its row locked (several workers never send the same message). A provider that is down
or busy gets the message again later, with exponential back-off, until `max_attempts`; a
provider that refuses it for good (a bad address or number) marks it `failed` at once. Every
answer is kept, so an admin sees why a message is where it is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from domain.errors import DeliveryError
from domain.models import Channel, Notification, Status
from domain.ports import Clock, Sender, UnitOfWork
from shared.idle_backoff import IdleBackoff

logger = logging.getLogger("notification.deliver")


@dataclass(frozen=True)
class RetryPolicy:
    first_delay_seconds: float = 2.0
    max_delay_seconds: float = 300.0
    max_attempts: int = 30  # with the defaults, about two hours of trying

    def delay(self, attempts: int) -> float:
        return float(min(self.max_delay_seconds, self.first_delay_seconds * 2 ** min(attempts - 1, 30)))


class Deliveries:
    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        senders: Mapping[Channel, Sender],
        clock: Clock,
        policy: RetryPolicy,
        idle: IdleBackoff | None = None,
    ) -> None:
        """`idle`: the worker's sleep between rounds (by default a poll every second, backing off
        to 30 s while nothing is queued)."""
        self._uow = unit_of_work
        self._senders = senders
        self._clock = clock
        self._policy = policy
        self._idle = idle or IdleBackoff(1.0, 30.0)

    def wake(self) -> None:
        self._idle.wake()

    async def deliver_one(self) -> bool:
        """Sends the oldest due message; False when nothing is due."""
        sent, _ = await self._deliver_next()
        return sent

    async def _deliver_next(self) -> tuple[bool, bool]:
        """(a message was sent, another one was due beside it)."""
        async with self._uow() as uow:
            message, more = await uow.next_due(self._clock())
            if message is None:
                return False, False
            await self._attempt(message)
            await uow.save(message)
            await uow.commit()
        return True, more

    async def deliver_due(self, limit: int = 1000) -> int:
        # Stops when the last message taken was the only one due, without asking again: a
        # message queued meanwhile wakes the worker, one coming due later is the next poll's.
        done = 0
        while done < limit:
            sent, more = await self._deliver_next()
            done += int(sent)
            if not more:
                break
        return done

    async def _attempt(self, message: Notification) -> None:
        now = self._clock()
        message.attempts += 1
        message.updated_at = now
        try:
            provider_id = await self._senders[message.channel].send(message)
        except Exception as exc:
            # Anything but a DeliveryError is unexpected, and treated as "try again later":
            # never as sent, and never retried at once in a tight loop.
            failure = exc if isinstance(exc, DeliveryError) else DeliveryError(repr(exc))
            if not isinstance(exc, DeliveryError):
                logger.exception("sending %s failed unexpectedly", message.id)
            self._failed(message, failure)
            return
        message.status = Status.SENT
        message.sent_at = now
        message.provider_message_id = provider_id[:200]
        message.provider_response = "accepted"
        message.history.append(f"{now.isoformat()} attempt {message.attempts}: sent ({provider_id[:100]})")
        logger.info("%s %s sent", message.channel, message.kind, extra={"notification_id": str(message.id)})

    def _failed(self, message: Notification, exc: DeliveryError) -> None:
        now = message.updated_at
        message.provider_response = exc.answer[:1000]
        message.history.append(f"{now.isoformat()} attempt {message.attempts}: {exc.answer[:200]}")
        if exc.permanent or message.attempts >= self._policy.max_attempts:
            message.status = Status.FAILED
            logger.warning("%s %s failed for good: %s", message.channel, message.id, exc.answer)
        else:
            message.next_attempt_at = now + timedelta(seconds=self._policy.delay(message.attempts))

    async def seconds_to_next_attempt(self) -> float | None:
        """Until the earliest queued message is due (negative: due already); None: none queued."""
        async with self._uow() as uow:
            due = await uow.next_attempt_at()
        return None if due is None else (due - self._clock()).total_seconds()

    async def run(self) -> None:
        """The worker: deliver what is due, then sleep until woken or the next poll, which comes
        later after each round that found nothing, but not after the next retry is due."""
        while True:
            try:
                if await self.deliver_due():
                    self._idle.worked()
                else:
                    await self._idle.found_nothing(await self.seconds_to_next_attempt())
            except asyncio.CancelledError:
                raise
            except Exception:  # the worker never dies; the next round tries again
                logger.exception("delivery round failed")
                await self._idle.found_nothing()
            await self._idle.sleep()
