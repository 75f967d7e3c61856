"""Masking (掩码), RFC 6455 section 5.3: ``out[i] = data[i] XOR key[i mod 4]``.

A client masks every frame it sends with a fresh random 4-byte key; the server unmasks with the
same operation (XOR twice with the same key gives the data back). Four ways to compute it, from
the most readable to the fastest, all giving the same bytes:

* :func:`mask_loop`: one byte at a time, exactly the formula of the RFC;
* :func:`mask_bigint`: the whole payload as one big integer, XORed with the key repeated to the
  same length. One C-level operation instead of a Python loop;
* :func:`mask_numpy`: eight bytes at a time with numpy, when numpy is installed;
* :func:`mask_c`: sixteen bytes at a time in C (``wslib/_speedups.c``), when the
  optional extension was compiled at install time.

:func:`mask` picks the fastest available for the size at hand. The lesson on masking measures
them, and ``benchmarks/`` compares them with websockets' own C code.
"""

from __future__ import annotations

import sys
from typing import Callable

from .errors import UsageError

try:  # numpy is optional: wslib's core runs on the standard library alone.
    import numpy as _np
except ImportError:  # pragma: no cover - exercised only where numpy is missing
    _np = None

try:  # the C extension is optional too: it is only there if a compiler was at install time.
    from ._speedups import apply_mask as _c_mask
except ImportError:  # pragma: no cover - exercised only where the extension was not built
    _c_mask = None

_U64 = _np.dtype(_np.uint64) if _np is not None else None  # a dtype object: faster than the type

__all__ = ["mask", "mask_loop", "mask_bigint", "mask_numpy", "mask_c", "HAVE_NUMPY", "HAVE_C"]

HAVE_NUMPY = _np is not None
HAVE_C = _c_mask is not None

# Below this size the big-integer XOR beats numpy's fixed cost per call (about 2-3 µs); measured
# with benchmarks/bench_core.py (python -m benchmarks core), where the two cross near 512 bytes.
NUMPY_THRESHOLD = 512


def _check_key(key: bytes) -> None:
    if len(key) != 4:
        raise UsageError(f"a masking key is exactly 4 bytes (RFC 6455 section 5.3), got {len(key)}")


def mask_loop(data: bytes, key: bytes) -> bytes:
    """Mask byte by byte: ``data[i] ^ key[i % 4]``. Slow, but it is the RFC's formula verbatim."""
    _check_key(key)
    return bytes(b ^ key[i % 4] for i, b in enumerate(data))


def mask_bigint(data: bytes, key: bytes) -> bytes:
    """Mask by XOR of two big integers: the payload, and the key repeated to the same length."""
    _check_key(key)
    n = len(data)
    repeated = (key * (n // 4 + 1))[:n]
    x = int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")
    return x.to_bytes(n, "big")


def mask_numpy(data: bytes, key: bytes) -> bytes:
    """Mask eight bytes at a time with numpy (falls back to :func:`mask_bigint` without numpy)."""
    _check_key(key)
    if _np is None:  # pragma: no cover
        return mask_bigint(data, key)
    n = len(data)
    words = n // 8
    # numpy reads each 8 bytes of data as one integer, in the machine's byte order; the key twice
    # (8 bytes), read as one integer in the same order, lines up with every one of them.
    key8 = int.from_bytes(key * 2, sys.byteorder)
    masked = (_np.frombuffer(data, _U64, words) ^ key8).tobytes()
    if 8 * words == n:
        return masked
    # The last 1-7 bytes: position 8*words is a multiple of 4, so the key starts again at key[0].
    return masked + mask_bigint(data[8 * words:], key)


def mask_c(data: bytes, key: bytes) -> bytes:
    """Mask in C (falls back to :func:`mask_numpy` / :func:`mask_bigint` when not compiled)."""
    _check_key(key)
    if _c_mask is None:  # pragma: no cover
        return _mask_python(data, key)
    return _c_mask(data, key)


def _mask_python(data: bytes, key: bytes) -> bytes:
    """The fastest way without the C extension."""
    if len(data) < NUMPY_THRESHOLD or _np is None:
        return mask_bigint(data, key)
    return mask_numpy(data, key)


def _mask_checked(data: bytes, key: bytes) -> bytes:
    """Mask (or unmask: it is the same operation) ``data`` with the 4-byte ``key``."""
    _check_key(key)
    return _mask_python(data, key)


# mask(data, key): mask (or unmask: it is the same operation) ``data`` with the 4-byte ``key``.
# With the C extension, mask *is* the C function: it checks the key itself (UsageError, like the
# Python versions) and no Python frame sits on the hot path, which is most of the cost below
# 4 KiB (benchmarks/README.md). Without it, the fastest Python version for the size at hand.
mask: Callable[[bytes, bytes], bytes] = _c_mask if _c_mask is not None else _mask_checked
