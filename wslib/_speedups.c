/*
 * wslib._speedups: masking in C, the one loop where Python's speed is not enough, and the frame
 * reader's fast path (scan_frames, below), where a Python loop body per frame is most of the
 * cost of a small message.
 *
 * apply_mask(data, key) returns data XOR key repeated (RFC 6455 section 5.3), exactly like
 * wslib.masking.mask_loop: thirty-two bytes at a time where the processor has AVX2 (checked when
 * the module loads), sixteen with SSE2, else eight. It is optional: when it is not built (no C
 * compiler), wslib.masking uses numpy or Python's big integers and gives the same bytes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h> /* SSE2: every x86-64 processor has it */
#define WSLIB_SSE2 1
#endif
#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h> /* AVX2, compiled for its own function and used only where the CPU has it */
#define WSLIB_AVX2 1
#endif

#ifdef WSLIB_AVX2
/* Thirty-two bytes at a time; returns how many bytes it did (a multiple of 32). */
__attribute__((target("avx2"))) static Py_ssize_t
xor_avx2(const unsigned char *src, unsigned char *dst, Py_ssize_t n, const unsigned char *k16)
{
    __m128i half = _mm_loadu_si128((const __m128i *)k16);
    __m256i k32 = _mm256_broadcastsi128_si256(half);
    Py_ssize_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i block = _mm256_loadu_si256((const __m256i *)(src + i));
        _mm256_storeu_si256((__m256i *)(dst + i), _mm256_xor_si256(block, k32));
    }
    return i;
}
static int have_avx2 = 0; /* set once, when the module is loaded */
#endif

/* XOR n bytes of src with the key repeated into dst. */
static void
xor_key(const unsigned char *src, unsigned char *dst, Py_ssize_t n, const unsigned char *k)
{
    /* The key twice, as one 8-byte word: byte i of the word is key[i % 4] in memory order. */
    unsigned char k8bytes[8] = {k[0], k[1], k[2], k[3], k[0], k[1], k[2], k[3]};
    uint64_t k8;
    memcpy(&k8, k8bytes, 8);

    Py_ssize_t i = 0;
#ifdef WSLIB_SSE2
    /* Sixteen bytes at a time: the key four times in one 128-bit register. */
    unsigned char k16bytes[16];
    memcpy(k16bytes, k8bytes, 8);
    memcpy(k16bytes + 8, k8bytes, 8);
    __m128i k16 = _mm_loadu_si128((const __m128i *)k16bytes);
#ifdef WSLIB_AVX2
    if (have_avx2 && n >= 256) { /* below that, SSE2 is as fast */
        i = xor_avx2(src, dst, n, k16bytes);
    }
#endif
    for (; i + 16 <= n; i += 16) {
        __m128i block = _mm_loadu_si128((const __m128i *)(src + i));
        _mm_storeu_si128((__m128i *)(dst + i), _mm_xor_si128(block, k16));
    }
#endif
    /* Eight bytes at a time. memcpy in and out keeps unaligned buffers legal; compilers turn
       it into plain loads and stores. */
    for (; i + 8 <= n; i += 8) {
        uint64_t word;
        memcpy(&word, src + i, 8);
        word ^= k8;
        memcpy(dst + i, &word, 8);
    }
    /* The last 0-7 bytes: i is a multiple of 8, so the key starts again at k[0]. */
    for (; i < n; i++) {
        dst[i] = src[i] ^ k[i & 3];
    }
}

/* A wrong key is the caller's mistake: raise wslib.errors.UsageError, like the Python versions. */
static PyObject *
bad_key(Py_ssize_t len)
{
    PyObject *errors = PyImport_ImportModule("wslib.errors");
    PyObject *cls = errors ? PyObject_GetAttrString(errors, "UsageError") : NULL;
    Py_XDECREF(errors);
    if (cls == NULL) {
        PyErr_Clear();
        cls = Py_NewRef(PyExc_ValueError);
    }
    PyErr_Format(cls, "a masking key is exactly 4 bytes (RFC 6455 section 5.3), got %zd", len);
    Py_DECREF(cls);
    return NULL;
}

/*
 * apply_mask(data, key). METH_FASTCALL: no argument tuple is built. When both arguments are
 * bytes (what wslib always passes) their memory is read directly; any other bytes-like object
 * goes through the buffer protocol. Either way the result is a new bytes object.
 */
static PyObject *
apply_mask(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "apply_mask() takes 2 arguments (data, key), got %zd", nargs);
        return NULL;
    }
    PyObject *data_obj = args[0], *key_obj = args[1];
    if (PyBytes_CheckExact(data_obj) && PyBytes_CheckExact(key_obj)) {
        if (PyBytes_GET_SIZE(key_obj) != 4) {
            return bad_key(PyBytes_GET_SIZE(key_obj));
        }
        Py_ssize_t n = PyBytes_GET_SIZE(data_obj);
        PyObject *result = PyBytes_FromStringAndSize(NULL, n);
        if (result != NULL) {
            xor_key((const unsigned char *)PyBytes_AS_STRING(data_obj),
                    (unsigned char *)PyBytes_AS_STRING(result), n,
                    (const unsigned char *)PyBytes_AS_STRING(key_obj));
        }
        return result;
    }
    Py_buffer data, key;
    if (PyObject_GetBuffer(data_obj, &data, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    if (PyObject_GetBuffer(key_obj, &key, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&data);
        return NULL;
    }
    PyObject *result = NULL;
    if (key.len != 4) {
        bad_key(key.len);
    } else if ((result = PyBytes_FromStringAndSize(NULL, data.len)) != NULL) {
        xor_key((const unsigned char *)data.buf, (unsigned char *)PyBytes_AS_STRING(result),
                data.len, (const unsigned char *)key.buf);
    }
    PyBuffer_Release(&data);
    PyBuffer_Release(&key);
    return result;
}

/*
 * The frame reader's fast path (wslib.reader.FrameReader.feed), in C.
 *
 * scan_frames(src, pos, frames, mask_mode, limit) -> pos: from offset pos of src (bytes or
 * bytearray), append to the list frames every *whole* frame that the Python fast path would
 * take, and return the offset where it stopped. It takes exactly what that path takes: RSV bits
 * clear, a defined opcode, FIN set for a control frame, a 7-bit length, or a minimal 16-bit one
 * (>= 126) on a data frame, at most `limit` bytes, and the MASK bit that mask_mode allows (0:
 * unmasked only, 1: masked only, 2: either). It stops at the first frame that is anything else,
 * or not all there: Python goes on from there (a pending frame, the general path, every error),
 * so a rule and its message live in one place, wslib.frames. The frames are the same
 * wslib.frames.Frame tuples the Python path builds, with the same Opcode members, set once by
 * configure_frames(Frame, opcodes) when wslib.reader is imported.
 */
static PyTypeObject *frame_type = NULL;
static PyObject *opcode_members[16]; /* Opcode member by value; NULL where reserved */

static PyObject *
configure_frames(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyType_Check(args[0]) || !PyType_IsSubtype((PyTypeObject *)args[0],
                                                                   &PyTuple_Type)
        || !PyDict_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "configure_frames(Frame, opcodes: dict[int, Opcode])");
        return NULL;
    }
    for (int op = 0; op < 16; op++) {
        PyObject *key = PyLong_FromLong(op);
        if (key == NULL) {
            return NULL;
        }
        PyObject *member = PyDict_GetItemWithError(args[1], key); /* borrowed */
        Py_DECREF(key);
        if (member == NULL && PyErr_Occurred()) {
            return NULL;
        }
        Py_XINCREF(member);
        Py_XSETREF(opcode_members[op], member);
    }
    Py_INCREF(args[0]);
    Py_XSETREF(frame_type, (PyTypeObject *)args[0]);
    Py_RETURN_NONE;
}

/* One Frame(opcode, payload, fin, False, False, False, key); steals payload and key. */
static PyObject *
new_frame(PyObject *opcode, PyObject *payload, int fin, PyObject *key)
{
    PyObject *frame = frame_type->tp_alloc(frame_type, 7);
    if (frame == NULL) {
        Py_DECREF(payload);
        Py_DECREF(key);
        return NULL;
    }
    PyTuple_SET_ITEM(frame, 0, Py_NewRef(opcode));
    PyTuple_SET_ITEM(frame, 1, payload);
    PyTuple_SET_ITEM(frame, 2, Py_NewRef(fin ? Py_True : Py_False));
    PyTuple_SET_ITEM(frame, 3, Py_NewRef(Py_False));
    PyTuple_SET_ITEM(frame, 4, Py_NewRef(Py_False));
    PyTuple_SET_ITEM(frame, 5, Py_NewRef(Py_False));
    PyTuple_SET_ITEM(frame, 6, key);
    return frame;
}

static PyObject *
scan_frames(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5 || !PyList_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "scan_frames(src, pos, frames: list, mask_mode, limit)");
        return NULL;
    }
    if (frame_type == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "scan_frames() before configure_frames()");
        return NULL;
    }
    Py_ssize_t pos = PyLong_AsSsize_t(args[1]);
    long mask_mode = PyLong_AsLong(args[3]);
    Py_ssize_t limit = PyLong_AsSsize_t(args[4]);
    if (PyErr_Occurred()) {
        return NULL;
    }
    PyObject *frames = args[2];
    Py_buffer view;
    if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    const unsigned char *src = (const unsigned char *)view.buf;
    Py_ssize_t size = view.len;
    int failed = 0;
    if (pos < 0) {
        pos = size; /* nothing to scan: the caller's mistake, but never read before src */
    }
    while (size - pos >= 2) {
        unsigned char first = src[pos], second = src[pos + 1];
        int fin = first & 0x80, op = first & 0x0F;
        int masked = (second & 0x80) != 0;
        if ((first & 0x70) || opcode_members[op] == NULL || (op >= 8 && !fin)) {
            break; /* RSV bits, a reserved opcode, a fragmented control frame: Python's path */
        }
        if (mask_mode != 2 && masked != mask_mode) {
            break; /* the wrong masking direction: Python raises the error */
        }
        Py_ssize_t length = second & 0x7F, start = pos + 2;
        if (length == 127) {
            break; /* the 64-bit form */
        }
        if (length == 126) {
            if (size - pos < 4) {
                break;
            }
            length = ((Py_ssize_t)src[pos + 2] << 8) | src[pos + 3];
            start += 2;
            if (length < 126 || op >= 8) {
                break; /* not minimal, or a control frame over 125 bytes */
            }
        }
        if (length > limit) {
            break;
        }
        if (masked) {
            start += 4;
        }
        if (start + length > size) {
            break; /* not all here: Python keeps the header and waits */
        }
        PyObject *key = masked ? PyBytes_FromStringAndSize((const char *)src + start - 4, 4)
                               : Py_NewRef(Py_None);
        if (key == NULL) {
            failed = 1;
            break;
        }
        PyObject *payload;
        if (masked) {
            payload = PyBytes_FromStringAndSize(NULL, length);
            if (payload != NULL) {
                xor_key(src + start, (unsigned char *)PyBytes_AS_STRING(payload), length,
                        src + start - 4);
            }
        } else {
            payload = PyBytes_FromStringAndSize((const char *)src + start, length);
        }
        if (payload == NULL) {
            Py_DECREF(key);
            failed = 1;
            break;
        }
        PyObject *frame = new_frame(opcode_members[op], payload, fin, key);
        if (frame == NULL || PyList_Append(frames, frame) < 0) {
            Py_XDECREF(frame);
            failed = 1;
            break;
        }
        Py_DECREF(frame);
        pos = start + length;
    }
    PyBuffer_Release(&view);
    return failed ? NULL : PyLong_FromSsize_t(pos);
}

static PyMethodDef methods[] = {
    {"configure_frames", (PyCFunction)(void (*)(void))configure_frames, METH_FASTCALL,
     "configure_frames(Frame, opcodes): the frame type and Opcode members scan_frames builds."},
    {"scan_frames", (PyCFunction)(void (*)(void))scan_frames, METH_FASTCALL,
     "scan_frames(src, pos, frames, mask_mode, limit) -> pos: append the whole plain frames "
     "from src[pos:] to frames (FrameReader.feed's fast path)."},
    {"apply_mask", (PyCFunction)(void (*)(void))apply_mask, METH_FASTCALL,
     "apply_mask(data, key) -> bytes: XOR data with the 4-byte key repeated (RFC 6455 5.3)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "wslib._speedups", "Masking and the frame reader's fast path in C for wslib.", -1, methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
#ifdef WSLIB_AVX2
    __builtin_cpu_init();
    have_avx2 = __builtin_cpu_supports("avx2");
#endif
    return PyModule_Create(&module);
}
