"""Masking (掩码), RFC 6455 section 5.3: ``out[i] = data[i] XOR key[i mod 4]``.

A client masks every frame it sends with a fresh random 4-byte key; the server unmasks with the
same operation (XOR twice with the same key gives the data back). Three ways to compute it, from
the most readable to the fastest, all giving the same bytes:

* :func:`mask_loop`: one byte at a time, exactly the formula of the RFC;
* :func:`mask_bigint`: the whole payload as one big integer, XORed with the key repeated to the
  same length. One C-level operation instead of a Python loop;
* :func:`mask_numpy`: eight bytes at a time with numpy, when numpy is installed.

:func:`mask` picks the fastest for the size at hand. The lesson on masking measures them.
"""

from __future__ import annotations

from .errors import UsageError

try:  # numpy is optional: wslib's core runs on the standard library alone.
    import numpy as _np
except ImportError:  # pragma: no cover - exercised only where numpy is missing
    _np = None

__all__ = ["mask", "mask_loop", "mask_bigint", "mask_numpy", "HAVE_NUMPY"]

HAVE_NUMPY = _np is not None

# Below this size the big-integer XOR beats numpy's fixed cost per call (measured in
# benchmarks/bench_masking.py on the course machine).
NUMPY_THRESHOLD = 2048


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
    if n == 0:
        return b""
    repeated = (key * (n // 4 + 1))[:n]
    x = int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")
    return x.to_bytes(n, "big")


def mask_numpy(data: bytes, key: bytes) -> bytes:
    """Mask eight bytes at a time with numpy (falls back to :func:`mask_bigint` without numpy)."""
    _check_key(key)
    if _np is None:  # pragma: no cover
        return mask_bigint(data, key)
    n = len(data)
    out = bytearray(n)
    words = n // 8
    if words:
        key8 = _np.frombuffer(key * 2, dtype=_np.uint64)
        src = _np.frombuffer(data, dtype=_np.uint64, count=words)
        dst = _np.frombuffer(out, dtype=_np.uint64, count=words)
        _np.bitwise_xor(src, key8, out=dst)
    # The last 0-7 bytes: position 8*words is a multiple of 4, so the key starts again at key[0].
    for i in range(words * 8, n):
        out[i] = data[i] ^ key[i % 4]
    return bytes(out)


def mask(data: bytes, key: bytes) -> bytes:
    """Mask (or unmask: it is the same operation) ``data`` with the 4-byte ``key``."""
    if _np is not None and len(data) >= NUMPY_THRESHOLD:
        return mask_numpy(data, key)
    return mask_bigint(data, key)
