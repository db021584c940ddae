"""Hold a lease while the process lives: a thread of its own renews it at a fixed interval.

A lease says that a process lives, not that it moves: a long wait (a slow chunk of an
import, a slow mail server answering each step just in time) must not lose it, and a
process that dies stops renewing it with all its threads. Imports
(contacts/importing/lease.py) and campaign batches (campaigns/sending/ledger.py) hold theirs
so; each says what a renewal writes, and renews only what it still holds.
"""

import logging
import threading
from collections.abc import Callable
from contextlib import contextmanager

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)


@contextmanager
def renewing(renew: Callable[[], bool], every: float, name: str):
    """Call `renew` from a thread every `every` seconds while the body runs.

    The thread stops when the body ends (or raises), or once `renew` returns False: what it
    renewed was taken over, or is no longer held. A renewal that fails is logged and the
    next one tried: a lease covers several. The thread has its own database connection,
    closed when it ends.
    """
    stop = threading.Event()
    thread = threading.Thread(
        target=_renew, args=(renew, max(every, 0.05), stop, name), name=name, daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _renew(renew: Callable[[], bool], every: float, stop: threading.Event, name: str) -> None:
    try:
        while not stop.wait(every):
            try:
                if not renew():
                    return
            except DatabaseError as e:
                logger.warning("%s: the lease could not be renewed: %s", name, e)
    finally:
        connection.close()  # this thread's own connection
