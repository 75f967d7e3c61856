"""Tests for wslib.masking: four implementations of the XOR mask, one answer (RFC 6455 section 5.3)."""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wslib import masking
from wslib.errors import UsageError
from wslib.masking import mask, mask_bigint, mask_c, mask_loop, mask_numpy

try:  # websockets' C implementation when it was compiled, else its pure-Python one
    from websockets.speedups import apply_mask as ws_apply_mask
except ImportError:  # pragma: no cover
    from websockets.utils import apply_mask as ws_apply_mask

IMPLEMENTATIONS = [mask_loop, mask_bigint, mask_numpy, mask_c, mask]
KEY = bytes.fromhex("37fa213d")


def reference(data: bytes, key: bytes) -> bytes:
    """The RFC's formula, written independently of wslib: octet i XOR key octet i MOD 4."""
    out = bytearray(len(data))
    for i in range(len(data)):
        out[i] = data[i] ^ key[i & 3]
    return bytes(out)


def test_rfc_example():
    # Section 5.7: "Hello" masked with 37 fa 21 3d.
    for impl in IMPLEMENTATIONS:
        assert impl(b"Hello", KEY) == bytes.fromhex("7f9f4d5158")


@pytest.mark.parametrize("n", range(41))
def test_all_implementations_agree_small_lengths(n):
    rng = random.Random(n)
    data = rng.randbytes(n)
    key = rng.randbytes(4)
    expected = reference(data, key)
    for impl in IMPLEMENTATIONS:
        out = impl(data, key)
        assert type(out) is bytes
        assert out == expected, impl.__name__
    assert ws_apply_mask(data, key) == expected


@pytest.mark.parametrize("n", [2047, 2048, 2049, 4096, 65537])
def test_all_implementations_agree_big_sizes(n):
    rng = random.Random(n)
    data = rng.randbytes(n)
    key = rng.randbytes(4)
    expected = ws_apply_mask(data, key)
    assert expected == reference(data, key)
    for impl in IMPLEMENTATIONS:
        assert impl(data, key) == expected, impl.__name__


def test_leading_zero_bytes_are_kept():
    # The big-integer version must not lose leading (or trailing) zero bytes.
    data = b"\x00" * 9
    for impl in IMPLEMENTATIONS:
        assert impl(data, b"\x00\x00\x00\x00") == data
        assert impl(data, KEY) == (KEY * 3)[:9]


def test_mask_uses_the_c_extension_when_built(monkeypatch):
    """`make test` builds wslib's C extension where a C compiler and Python's headers exist;
    mask() must then go through it. CI has both (WSCOURSE_REQUIRE_SPEEDUPS=1): there a missing
    extension is a failure, elsewhere a skip that says why."""
    if not masking.HAVE_C:
        message = ("wslib._speedups was not built (no C compiler or Python headers at install "
                   "time); masking falls back to numpy / pure Python")
        if os.environ.get("WSCOURSE_REQUIRE_SPEEDUPS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    # mask is the C function itself (no Python frame on the hot path), and it checks the key
    # with the same error as the Python versions, for bytes and for other bytes-like keys.
    assert mask is masking._c_mask
    for bad in (b"xyz", bytearray(b"abcde"), memoryview(b"")):
        with pytest.raises(UsageError, match="exactly 4 bytes"):
            mask(b"abc", bad)
    with pytest.raises(TypeError):
        mask("text", KEY)


def test_mask_picks_numpy_above_threshold(monkeypatch):
    # Without the C extension, mask() is _mask_checked: numpy for large payloads.
    mask = masking._mask_checked
    monkeypatch.setattr(masking, "_c_mask", None)
    calls = []
    monkeypatch.setattr(masking, "mask_numpy", lambda d, k: calls.append(len(d)) or b"numpy")
    size = masking.NUMPY_THRESHOLD
    if not masking.HAVE_NUMPY:  # pragma: no cover
        pytest.skip("numpy not installed")
    assert mask(bytes(size), KEY) == b"numpy"
    assert mask(bytes(size - 1), KEY) == mask_bigint(bytes(size - 1), KEY)
    assert calls == [size]
    with pytest.raises(UsageError):
        mask(b"abc", b"xyz")


def test_accepts_bytearray_and_memoryview():
    data = bytearray(range(100))
    expected = reference(bytes(data), KEY)
    for impl in IMPLEMENTATIONS:
        assert impl(data, KEY) == expected
        assert impl(memoryview(bytes(data)), KEY) == expected


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=3000), key=st.binary(min_size=4, max_size=4))
def test_agree_with_websockets_property(data, key):
    expected = ws_apply_mask(data, key)
    for impl in IMPLEMENTATIONS:
        assert impl(data, key) == expected, impl.__name__


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=5000), key=st.binary(min_size=4, max_size=4))
def test_mask_twice_gives_data_back(data, key):
    for impl in IMPLEMENTATIONS:
        once = impl(data, key)
        assert len(once) == len(data)
        assert impl(once, key) == data


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize("key", [b"", b"abc", b"abcde", b"\x00" * 8])
def test_wrong_key_length(impl, key):
    with pytest.raises(UsageError, match=f"exactly 4 bytes .*got {len(key)}"):
        impl(b"data" * 1000, key)
    with pytest.raises(ValueError):  # UsageError is also a ValueError
        impl(b"", key)


def test_c_mask_every_length_around_the_vector_widths():
    """The C loop works in blocks (32 bytes with AVX2 from 256 bytes on, 16 with SSE2, 8, then
    single bytes): every length from 0 to 600 and every start offset inside a buffer (memoryview
    slices are unaligned) gives the RFC's bytes."""
    rng = random.Random(6455)
    buf = rng.randbytes(640)
    key = rng.randbytes(4)
    for offset in (0, 1, 3, 7):
        for n in range(0, 601):
            data = buf[offset:offset + n]
            assert mask_c(data, key) == reference(data, key), (offset, n)
            assert mask_c(memoryview(buf)[offset:offset + n], key) == reference(data, key)
