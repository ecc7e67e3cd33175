"""The password hasher: Argon2id with a memory cost a web worker can afford, one at a time.

Django's own ``Argon2PasswordHasher`` asks for 100 MiB (``memory_cost=102400`` KiB, 2
passes, 8 lanes) for every password it checks or hashes. That memory is taken by the worker
serving the log-in on top of everything it already holds: a gunicorn worker of about 85 MB
peaked at ≈ 187 MB on one log-in, and a threaded worker checking four at once (eight users
logging in together) at 471 MB (docs/performance.md, «Память рабочего под 8 клиентами»).

Here: one of the OWASP Password Storage Cheat Sheet's equivalent configurations for
Argon2id — 46 MiB, 1 pass, 1 lane (the others: 19 MiB × 2, 12 MiB × 3, 9 MiB × 4, 7 MiB × 5).
Why 46 MiB and not 19: glibc's ``malloc`` serves a block above its mmap threshold with
``mmap`` and, when it is freed, raises that threshold to the block's size — up to 32 MiB.
After one 19 MiB hash every later allocation under 19 MiB of the worker comes from its heap
and stays resident when freed (+26 MB measured); a 46 MiB block is above that ceiling, is
given back to the system whole and changes nothing. One lane: no threads of its own.

One hash at a time per process (``ONE_AT_A_TIME``): a worker with threads that gets several
log-ins at once checks them in turn, so a log-in adds at most 46 MiB to a worker, not 46 MiB
for each of its threads. A check costs ≈ 55 ms of CPU (Django's: ≈ 245), so the queue is
short.

The parameters are written into every hash, so hashes made with other parameters (Django's
defaults: every account created before this hasher) still verify with theirs; on the next
successful log-in Django re-hashes the password with these (``must_update``) and saves it.
"""

import threading

from django.contrib.auth.hashers import Argon2PasswordHasher

ONE_AT_A_TIME = threading.Lock()


class BoundedArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at 46 MiB × 1 pass × 1 lane, one hash at a time per process; the algorithm
    name stays ``argon2``, so stored hashes are the same format and the same hasher reads
    them."""

    time_cost = 1
    memory_cost = 46 * 1024  # KiB: above glibc's 32 MiB mmap ceiling (see the module)
    parallelism = 1

    def encode(self, password: str, salt: str) -> str:
        with ONE_AT_A_TIME:
            return super().encode(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        with ONE_AT_A_TIME:
            return super().verify(password, encoded)
