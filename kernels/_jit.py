"""The one JIT policy of cevns-scan: every kernel is compiled through :func:`jit`.

Policy: nopython mode, ``cache=True`` (compiled code is reused across processes and runs, which keeps the test
suite and joblib workers fast), ``nogil=True`` (threads may run kernels concurrently) and
``error_model="numpy"`` (division by zero gives inf/nan like numpy instead of raising, so no hidden
exception checks slow the inner loops). ``fastmath`` stays off: results must be reproducible bit for bit.
"""

import numba

__all__ = ["jit"]


def jit(*args, **kwargs):
    """Compile a kernel with the project policy (see module docstring); accepts numba.njit arguments."""
    options = {"cache": True, "nogil": True, "error_model": "numpy"}
    options.update(kwargs)
    if args and callable(args[0]):
        return numba.njit(**options)(args[0])
    return numba.njit(*args, **options)
