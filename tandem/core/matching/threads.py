"""BLAS threads pinned to one while the engine runs (issue #16, item 6).

The weight blocks are matrix products of a few hundred columns: a second BLAS thread buys
little, and on a busy two-core machine OpenBLAS's spinning threads compete with the
solver's own single thread (N = 300 took seconds instead of 0.03 s under load). With
threadpoolctl (a dependency of this project) the limit is set for the duration of a run and
restored after, so a process that does other numerical work is not affected.
"""

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def one_blas_thread() -> Iterator[None]:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # an environment installed before it became a dependency
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield
