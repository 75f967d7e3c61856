/*
 * wslib._speedups: masking in C, the one loop where Python's speed is not enough.
 *
 * apply_mask(data, key) returns data XOR key repeated (RFC 6455 section 5.3), exactly like
 * wslib.masking.mask_loop, sixteen bytes at a time where the processor has SSE2, else eight. It is optional: when it is not built (no C
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

static PyObject *
apply_mask(PyObject *module, PyObject *args)
{
    Py_buffer data, key;
    if (!PyArg_ParseTuple(args, "y*y*:apply_mask", &data, &key)) {
        return NULL;
    }
    PyObject *result = NULL;
    if (key.len != 4) {
        PyErr_Format(PyExc_ValueError,
                     "a masking key is exactly 4 bytes (RFC 6455 section 5.3), got %zd", key.len);
        goto done;
    }
    Py_ssize_t n = data.len;
    result = PyBytes_FromStringAndSize(NULL, n);
    if (result == NULL) {
        goto done;
    }
    const unsigned char *src = (const unsigned char *)data.buf;
    const unsigned char *k = (const unsigned char *)key.buf;
    unsigned char *dst = (unsigned char *)PyBytes_AS_STRING(result);

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
done:
    PyBuffer_Release(&data);
    PyBuffer_Release(&key);
    return result;
}

static PyMethodDef methods[] = {
    {"apply_mask", apply_mask, METH_VARARGS,
     "apply_mask(data, key) -> bytes: XOR data with the 4-byte key repeated (RFC 6455 5.3)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "wslib._speedups", "Masking in C for wslib.", -1, methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    return PyModule_Create(&module);
}
