"""The password hasher: Argon2id with a memory cost a web worker can afford.

Django's own ``Argon2PasswordHasher`` asks for 100 MiB (``memory_cost=102400`` KiB, 2
passes, 8 lanes) for every password it checks or hashes. That memory is taken by the worker
serving the log-in on top of everything it already holds: a gunicorn worker of about 85 MB
peaks at ≈ 185 MB on one log-in, and a threaded worker that checks four at once (eight users
logging in together) peaked at 387–453 MB (docs/performance.md, «Память рабочего при входе»).

Here: the OWASP Password Storage Cheat Sheet's configuration for Argon2id — 19 MiB, 2 passes,
1 lane (one of its equivalent settings, with 46 MiB × 1, 12 MiB × 3, 9 MiB × 4, 7 MiB × 5).
One lane: no threads of its own inside a worker that already has its threads.

The parameters are written into every hash, so hashes made with other parameters (Django's
defaults: every account created before this hasher) still verify with theirs; on the next
successful log-in Django re-hashes the password with these (``must_update``) and saves it.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class BoundedArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at 19 MiB × 2 passes × 1 lane; the algorithm name stays ``argon2``, so
    stored hashes are the same format and the same hasher reads them."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
