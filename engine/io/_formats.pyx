# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The hot loops of the word2vec/GloVe readers and writers (engine/io/word2vec.py drives them).

Readers fill a caller-allocated float32 matrix row by row straight from a byte buffer that is
refilled with ``readinto``: no per-word Python objects except the word itself, no intermediate
copy of the matrix. Errors name the file and the line (text) or byte offset (binary).
"""
import numpy as np
cimport numpy as cnp
from libc.string cimport memchr, memcpy, memmove
from libc.stdint cimport uint32_t
from cpython.unicode cimport PyUnicode_DecodeUTF8

cdef extern from "Python.h":
    # a dict with room for n keys: building a big vocabulary then skips ~20 resizes
    dict _PyDict_NewPresized(Py_ssize_t n)

from ..errors import FormatError, TruncatedFileError, WordDecodingError

cnp.import_array()

cdef extern from *:
    """
    #include <charconv>
    #include <cstring>
    #include <cstdint>
    #include <system_error>

    // A float32 is finite unless its exponent bits are all ones (Inf, NaN).
    static inline int engine_row_finite(const float* row, long dim, long* bad) {
        for (long j = 0; j < dim; ++j) {
            uint32_t bits;
            std::memcpy(&bits, row + j, 4);
            if ((bits & 0x7f800000u) == 0x7f800000u) { *bad = j; return 0; }
        }
        return 1;
    }

    static inline int engine_is_space(char c) { return c == ' ' || c == '\\t' || c == '\\r'; }

    // Parse the numbers of one text row (after the word) into out[0:dim].
    // Returns 0 ok, 1 wrong count (*found = how many), 2 not a number (*bad = token start),
    // 3 not finite in float32 (*bad = token start). Numbers are parsed as double and rounded
    // to float32, as gensim's np.float32(str) does, so printed float32 values read back exactly.
    static inline int engine_parse_row(const char* p, const char* end, float* out, long dim,
                                       long* found, const char** bad) {
        long k = 0;
        while (true) {
            while (p < end && engine_is_space(*p)) ++p;
            if (p >= end) break;
            const char* tok = p;
            while (p < end && !engine_is_space(*p)) ++p;
            const char* s = tok;
            if (*s == '+' && s + 1 < p) ++s;  // from_chars rejects a leading '+'; Python accepts it
            double d;
            auto r = std::from_chars(s, p, d);
            if (r.ec != std::errc() || r.ptr != p) {
                if (r.ec == std::errc::result_out_of_range && r.ptr == p) {
                    *bad = tok; return 3;
                }
                *bad = tok; return 2;
            }
            if (k < dim) {
                float f = static_cast<float>(d);
                uint32_t bits;
                std::memcpy(&bits, &f, 4);
                if ((bits & 0x7f800000u) == 0x7f800000u) { *bad = tok; return 3; }
                out[k] = f;
            }
            ++k;
        }
        *found = k;
        return k == dim ? 0 : 1;
    }

    // Shortest text that reads back as exactly `x` (float32).
    static inline long engine_format_float(float x, char* out) {
        auto r = std::to_chars(out, out + 32, x);
        return static_cast<long>(r.ptr - out);
    }
    """
    int engine_row_finite(const float* row, long dim, long* bad) nogil
    int engine_is_space(char c) nogil
    int engine_parse_row(const char* p, const char* end, float* out, long dim,
                         long* found, const char** bad) nogil
    long engine_format_float(float x, char* out) nogil


cdef class _Stream:
    """A refillable window ``buf[start:end]`` over a binary file; ``base`` is the file offset of buf[0]."""
    cdef object f
    cdef object arr
    cdef char* buf
    cdef Py_ssize_t size, start, end
    cdef long long base
    cdef bint eof
    cdef Py_ssize_t limit
    cdef str name

    def __cinit__(self, f, long long base, Py_ssize_t size, Py_ssize_t limit=0, str name=""):
        self.f = f
        self.limit = limit
        self.name = name
        if limit > 0 and size > limit:
            size = limit
        self.size = size
        self.arr = np.empty(size, dtype=np.uint8)
        self.buf = <char*>cnp.PyArray_DATA(self.arr)
        self.start = 0
        self.end = 0
        self.base = base
        self.eof = False

    cdef int refill(self) except -1:
        """Move the unread bytes to the front and read more; grows the buffer when it is full."""
        cdef Py_ssize_t keep = self.end - self.start
        if self.start == 0 and self.end == self.size:
            if self.limit > 0 and self.size >= self.limit:
                raise FormatError(
                    f"{self.name}: byte offset {self.base}{_DECOMPRESSED}: a line or record longer than "
                    f"{self.limit} bytes (the limit for compressed input)")
            bigger = np.empty(self.size * 2, dtype=np.uint8)
            memcpy(<char*>cnp.PyArray_DATA(bigger), self.buf, self.end)
            self.arr = bigger
            self.buf = <char*>cnp.PyArray_DATA(bigger)
            self.size *= 2
        elif self.start > 0:
            memmove(self.buf, self.buf + self.start, keep)
            self.base += self.start
            self.start = 0
            self.end = keep
        while self.end < self.size:
            got = self.f.readinto(self.arr[self.end:])
            if not got:
                self.eof = True
                break
            self.end += got
        return 0

    cdef bint only_blank_left(self, long long* newlines) except -1:
        """Skip whitespace to the end of the file (counting newlines); False at the first other byte."""
        while True:
            while self.start < self.end and self.buf[self.start] in b' \n\r\t':
                if self.buf[self.start] == b'\n':
                    newlines[0] += 1
                self.start += 1
            if self.start < self.end:
                return False
            if self.eof:
                return True
            self.refill()


_DECOMPRESSED = " of the decompressed data"


cdef inline object _decode(const char* p, Py_ssize_t n, const char* errors, str name, str where):
    try:
        return PyUnicode_DecodeUTF8(p, n, errors)
    except UnicodeDecodeError as e:
        # also a UnicodeDecodeError, as gensim raises
        raise WordDecodingError(f"{name}: {where}: the word is not valid UTF-8 "
                                f"(byte {e.start} of the word; pass unicode_errors='replace' or 'ignore' to load anyway)",
                                "utf-8", e.object, e.start, e.end) from None


cdef _more_than_announced(str name, str where, long long n):
    raise FormatError(
        f"{name}: {where}: data continues after the {n} vectors the header announces "
        "(the header's count disagrees with the body)")


def read_binary(f, str name, long long header_len, long long n, float[:, ::1] out,
                str unicode_errors, bint check_tail, str offset_note="", grow=None,
                Py_ssize_t limit=0):
    """Read ``n`` records ``word<space><dim float32>`` into ``out``.

    ``grow(rows)``, when given, is called when ``out`` is full and returns a larger matrix
    holding its first ``rows`` rows (compressed input: the size is unknown, so the matrix grows
    with what is read, never with what the header claims). ``limit`` > 0 bounds the bytes of
    one record held in memory (a FormatError beyond).

    Returns ``(keys, key_to_index, n_duplicates, first_duplicate)``; a duplicate word keeps its first row.
    ``check_tail``: anything but whitespace after the last record is an error (the header's
    count disagrees with the body).
    """
    cdef long dim = out.shape[1]
    cdef Py_ssize_t rowbytes = dim * 4
    cdef _Stream s = _Stream(f, header_len, max(1 << 22, 4 * rowbytes + 4096) if n > 0 else 1 << 16,
                             limit, name)
    cdef list keys = []
    cdef dict seen = _PyDict_NewPresized(min(n, 1 << 26))
    cdef long long i = 0, row = 0, n_dup = 0, rec_off
    cdef const char* sp
    cdef long bad = 0
    cdef Py_ssize_t wstart, wlen
    cdef bytes err_b = unicode_errors.encode()
    cdef const char* errors = err_b
    first_dup = None
    while i < n:
        while True:
            while s.start < s.end and s.buf[s.start] == b'\n':
                s.start += 1
            sp = <const char*>memchr(s.buf + s.start, b' ', s.end - s.start)
            if sp != NULL and (s.buf + s.end) - (sp + 1) >= rowbytes:
                break
            if s.eof:
                raise TruncatedFileError(
                    f"{name}: truncated at byte offset {s.base + s.end}{offset_note}: the header says {n} vectors "
                    f"of {dim} dimensions but only {i} complete ones follow")
            if sp == NULL and s.end - s.start > (1 << 20):
                raise FormatError(f"{name}: byte offset {s.base + s.start}{offset_note}: no word separator within 1 MB; "
                                  "not a word2vec binary file (or its header's dimension is wrong)")
            s.refill()
        wstart = s.start
        wlen = sp - (s.buf + wstart)
        rec_off = s.base + wstart
        word = _decode(s.buf + wstart, wlen, errors, name, f"byte offset {rec_off}{offset_note}")
        if word in seen:
            n_dup += 1
            if first_dup is None:
                first_dup = word
        else:
            if row == out.shape[0]:
                out = grow(row)
            seen[word] = row
            keys.append(word)
            memcpy(&out[row, 0], sp + 1, rowbytes)
            if not engine_row_finite(&out[row, 0], dim, &bad):
                raise FormatError(
                    f"{name}: byte offset {s.base + (sp + 1 - s.buf) + 4 * bad}{offset_note}: value {bad} of the "
                    f"vector of {word!r} is {out[row, bad]}; vectors must be finite")
            row += 1
        s.start = (sp + 1 - s.buf) + rowbytes
        i += 1
    cdef long long newlines = 0
    if check_tail and not s.only_blank_left(&newlines):
        _more_than_announced(name, f"byte offset {s.base + s.start}{offset_note}", n)
    return keys, seen, n_dup, first_dup


def read_text(f, str name, long long first_line, long long header_len, long long n,
              float[:, ::1] out, str unicode_errors, bint check_tail, bint has_header,
              grow=None, Py_ssize_t limit=0):
    """Read ``n`` lines ``word v1 v2 ... vdim`` into ``out`` (after a header line if any).

    ``grow`` and ``limit`` as for :func:`read_binary` (``limit``: the longest line).

    ``first_line`` is the 1-based number of the first line read here. Blank lines at the end
    are allowed; elsewhere they are an error. Returns ``(keys, key_to_index, n_duplicates, first_duplicate)``.
    """
    cdef long dim = out.shape[1]
    cdef _Stream s = _Stream(f, header_len, 1 << 22, limit, name)
    cdef list keys = []
    cdef dict seen = _PyDict_NewPresized(min(n, 1 << 26))
    cdef long long i = 0, row = 0, n_dup = 0, lineno = first_line - 1, blank = 0
    cdef const char* nl
    cdef const char* line
    cdef const char* lend
    cdef const char* sp
    cdef const char* badp = NULL
    cdef long found = 0
    cdef int status
    cdef bytes err_b = unicode_errors.encode()
    cdef const char* errors = err_b
    first_dup = None
    while i < n:
        while True:
            nl = <const char*>memchr(s.buf + s.start, b'\n', s.end - s.start)
            if nl != NULL or (s.eof and s.start < s.end):
                break
            if s.eof:
                what = f"the header says {n} vectors" if has_header else f"{n} vectors were expected"
                raise TruncatedFileError(f"{name}: line {lineno + 1}: the file ends after {i} vectors; {what}")
            s.refill()
        line = s.buf + s.start
        lend = nl if nl != NULL else s.buf + s.end
        s.start = (lend - s.buf) + (1 if nl != NULL else 0)
        lineno += 1
        while lend > line and engine_is_space((lend - 1)[0]):
            lend -= 1
        if lend == line:
            if blank == 0:
                blank = lineno
            continue
        if blank:
            raise FormatError(f"{name}: line {blank}: blank line inside the vectors")
        sp = <const char*>memchr(line, b' ', lend - line)
        if sp == NULL:
            sp = lend
        word = _decode(line, sp - line, errors, name, f"line {lineno}")
        if row == out.shape[0]:
            out = grow(row)
        if word in seen:
            n_dup += 1
            if first_dup is None:
                first_dup = word
            status = engine_parse_row(sp, lend, &out[row, 0], dim, &found, &badp)
        else:
            status = engine_parse_row(sp, lend, &out[row, 0], dim, &found, &badp)
            if status == 0:
                seen[word] = row
                keys.append(word)
                row += 1
        if status == 1:
            raise FormatError(f"{name}: line {lineno}: expected {dim} numbers after the word {word!r}, found {found}")
        if status != 0:
            tok_end = badp
            while tok_end < lend and not engine_is_space(tok_end[0]):
                tok_end += 1
            tok = badp[:tok_end - badp].decode("utf-8", "replace")
            why = "is not a number" if status == 2 else "is not finite in float32 (NaN, Inf or out of range)"
            raise FormatError(f"{name}: line {lineno}: {tok!r} in the vector of {word!r} {why}")
        i += 1
    cdef long long newlines = 0
    if check_tail and not s.only_blank_left(&newlines):
        _more_than_announced(name, f"line {lineno + newlines + 1}", n)
    return keys, seen, n_dup, first_dup


def count_lines(f, long long limit):
    """Number of non-blank lines in a file (at most ``limit`` when it is positive)."""
    cdef _Stream s = _Stream(f, 0, 1 << 22)
    cdef long long count = 0
    cdef const char* nl
    cdef const char* p
    cdef bint nonblank = False
    while True:
        if s.start >= s.end:
            if s.eof:
                break
            s.refill()
            continue
        p = s.buf + s.start
        nl = <const char*>memchr(p, b'\n', s.end - s.start)
        if nl == NULL:
            nl = s.buf + s.end
        while p < nl:
            if not engine_is_space(p[0]):
                nonblank = True
                break
            p += 1
        if nl < s.buf + s.end:
            if nonblank:
                count += 1
                if 0 < limit <= count:
                    return count
            nonblank = False
            s.start = (nl - s.buf) + 1
        else:
            s.start = s.end
    if nonblank:
        count += 1
    return count if limit <= 0 or count < limit else limit


cdef class _Writer:
    """Collects output bytes in a fixed buffer and hands them to ``f.write`` 4 MB at a time."""
    cdef object f
    cdef object arr
    cdef char* buf
    cdef Py_ssize_t cap, pos

    def __cinit__(self, f):
        self.f = f
        self.cap = 1 << 22
        self.arr = np.empty(self.cap, dtype=np.uint8)
        self.buf = <char*>cnp.PyArray_DATA(self.arr)
        self.pos = 0

    cdef int put(self, const char* p, Py_ssize_t n) except -1:
        if self.pos + n > self.cap:
            self.flush()
            if n > self.cap:
                self.f.write(p[:n])
                return 0
        memcpy(self.buf + self.pos, p, n)
        self.pos += n
        return 0

    cdef int flush(self) except -1:
        if self.pos:
            self.f.write(self.arr[:self.pos].data)
            self.pos = 0
        return 0


def write_rows(f, list keys, const float[:, ::1] unit, const float[::1] norms, bint binary):
    """Write ``word vector`` records; each vector is ``unit[i] * norms[i]`` rounded to float32.

    ``binary``: ``word<space><dim float32>\\n`` (the original word2vec tool's layout); otherwise
    ``word v1 ... vdim\\n`` with each value printed in the fewest digits that read back exactly.
    """
    cdef Py_ssize_t n = unit.shape[0], dim = unit.shape[1], i, j
    cdef _Writer w = _Writer(f)
    cdef cnp.ndarray row_arr = np.empty(dim, dtype=np.float32)
    cdef float* row = <float*>cnp.PyArray_DATA(row_arr)
    cdef char num[64]
    cdef long k
    cdef bytes word
    for i in range(n):
        for j in range(dim):
            row[j] = unit[i, j] * norms[i]
        word = keys[i].encode("utf-8")
        w.put(word, len(word))
        if binary:
            w.put(b" ", 1)
            w.put(<const char*>row, dim * 4)
        else:
            for j in range(dim):
                k = engine_format_float(row[j], num + 1)
                num[0] = b' '
                w.put(num, k + 1)
        w.put(b"\n", 1)
    w.flush()

