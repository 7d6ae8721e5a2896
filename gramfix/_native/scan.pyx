# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False, overflowcheck=False
"""The compiled scan of ``user_sequence.txt``: every token of the file to a dense code.

It does in one pass over the bytes what the numpy reader does in several: cut each line
into its user (before the first space) and items (split on spaces), give every item its
universe code (order of first sighting), give every user line its user (a user on
several lines: the last one wins), and count the line hygiene the fast reader counts.

It takes what the numpy fast reader takes -- printable ASCII, spaces, ``\\n`` or
``\\r\\n`` -- and raises `NeedsExactReader` on any other byte (tabs, control characters,
non-ASCII, a lone CR) or a line starting with a space, which the line-by-line reader
handles. Unlike the numpy reader it takes tokens of any length.

Design (measured with benchmarks/native.py; lessons of the prototype in issue 15):

* Users are hashed as they are cut and told apart at the end by sorting the hashes
  (lines sharing a hash have their users read again and compared): no table touched
  at random. Items live in open-addressing tables with linear probing. A
  key of up to 12 bytes -- ASINs, ISBNs, numbers -- sits inline in a 16-byte slot (four
  per cache line; the item table of 10M interactions fits the L3 cache); longer keys
  in 32-byte slots, inline up to 16 bytes, else in an arena compared with ``memcmp``.
  Matching compares the bytes (a token has no NUL byte, so zero-padded words are
  exact), never the hash alone: the tables are exact.
* Tokens are found 8 bytes at a time (a word test for any byte below ``!`` or above
  ``~``) and hashed as they are cut; their home slots are prefetched and the lookups
  wait until AHEAD newer tokens are cut, so memory latency hides behind the scan while
  codes are still given in file order (order of first sighting).
* Tables and large arrays ask for transparent huge pages: a page fault per 4 KiB of a
  table touched at random cost as much as the lookups.
* One thread: a second core did not pay for its merge in the prototype.

Nothing here imports numpy at module level: ``import gramfix._native.scan`` must stay
cheap (``gramfix --version`` names the engine).
"""

from cpython.dict cimport PyDict_Next
from cpython.object cimport PyObject
from cpython.unicode cimport PyUnicode_Check
from libc.errno cimport EINTR, ENOMEM, errno
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memchr, memcmp, memcpy, memmove, memset

from cython cimport view


cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    #if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
    /* GCC 12 at -O3 drops some __builtin_prefetch calls as dead code (seen here: the
       prefetch of the home slot vanished and the scan ran 1.5x slower); a volatile asm
       cannot be dropped. */
    #define GF_PREFETCH(p) __asm__ volatile("prefetcht0 %0" : : "m"(*(const char *)(p)))
    #elif defined(__GNUC__) || defined(__clang__)
    #define GF_PREFETCH(p) __builtin_prefetch((const void *)(p))
    #else
    #define GF_PREFETCH(p) ((void)0)
    #endif
    #if defined(__GNUC__) || defined(__clang__)
    #define GF_CTZ64(x) ((unsigned)__builtin_ctzll(x))
    #define GF_LIKELY(x) __builtin_expect(!!(x), 1)
    #define GF_UNLIKELY(x) __builtin_expect(!!(x), 0)
    #else
    #define GF_LIKELY(x) (x)
    #define GF_UNLIKELY(x) (x)
    static unsigned GF_CTZ64(uint64_t x) { unsigned n = 0; while (!(x & 1)) { x >>= 1; n++; } return n; }
    #endif
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    #define GF_LE64(x) __builtin_bswap64(x)
    #else
    #define GF_LE64(x) (x)
    #endif
    /* Eight bytes from p, the first in the lowest byte, whatever the alignment. */
    static inline uint64_t gf_load64(const unsigned char *p) {
        uint64_t v; memcpy(&v, p, 8); return GF_LE64(v);
    }
    #if defined(__linux__)
    #include <sys/mman.h>
    #endif
    /* Ask for transparent huge pages on the whole 2 MiB pages inside [p, p + n): a hash
       table touches every page at random, and a page fault per 4 KiB page costs as much
       as the lookups themselves. A no-op where the system has no such advice. */
    static void gf_advise_huge(void *p, size_t n) {
    #if defined(__linux__) && defined(MADV_HUGEPAGE)
        uintptr_t start = ((uintptr_t)p + 0x1FFFFF) & ~(uintptr_t)0x1FFFFF;
        uintptr_t end = ((uintptr_t)p + n) & ~(uintptr_t)0x1FFFFF;
        if (end > start) madvise((void *)start, end - start, MADV_HUGEPAGE);
    #else
        (void)p; (void)n;
    #endif
    }
    #ifndef GF_SOURCE_CRC
    #define GF_SOURCE_CRC "unknown"
    #endif
    """
    void GF_PREFETCH(const void *p) nogil
    unsigned GF_CTZ64(uint64_t x) nogil
    bint GF_LIKELY(bint x) nogil
    bint GF_UNLIKELY(bint x) nogil
    uint64_t gf_load64(const uint8_t *p) nogil
    void gf_advise_huge(void *p, size_t n) nogil
    const char *GF_SOURCE_CRC

cdef extern from "Python.h":
    bint PyUnicode_IS_COMPACT_ASCII(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    void *PyUnicode_DATA(object o)
    object PyUnicode_DecodeASCII(const char *s, Py_ssize_t size, const char *errors)
    const char *PyUnicode_AsUTF8AndSize(object o, Py_ssize_t *size) except NULL

cdef extern from "<unistd.h>" nogil:
    ssize_t pread(int fd, void *buf, size_t count, long offset)


#: CRC-32 of this file's text when it was compiled (set by setup.py): gramfix._native
#: refuses a build older than its source (an editable install whose .pyx changed).
SOURCE_CRC = GF_SOURCE_CRC.decode("ascii")


class NeedsExactReader(Exception):
    """The file has something only the line-by-line reader takes (the reason says what)."""


cdef enum:
    BATCH = 64          # tokens pending lookup at most (their slots being prefetched)
    AHEAD = 32          # tokens always left pending: the prefetch distance
    GROW_BATCH = 64     # slots moved together when a table doubles
    PAD = 32            # zero bytes after the buffer: word loads never leave it
    EXAMPLES = 5
    NEEDS_EXACT_BYTE = 1
    NEEDS_EXACT_LONE_CR = 2
    NEEDS_EXACT_EMPTY_USER = 3
    NEEDS_EXACT_LINES = 4


REASONS = {
    NEEDS_EXACT_BYTE: "a byte other than printable ASCII, space, LF or CRLF",
    NEEDS_EXACT_LONE_CR: "a lone CR",
    NEEDS_EXACT_EMPTY_USER: "a line starting with a space",
    NEEDS_EXACT_LINES: "more than 2**31 - 1 lines with a user",
}


# ---------------------------------------------------------------------------------------
# Hashing

cdef uint64_t K1 = 0x9E3779B97F4A7C15ULL
cdef uint64_t K2 = 0xC2B2AE3D27D4EB4FULL
cdef uint64_t K3 = 0x165667B19E3779F9ULL
cdef uint64_t LOW = 0x0101010101010101ULL
cdef uint64_t HIGH = 0x8080808080808080ULL
cdef uint64_t BELOW_BANG = 0x2121212121212121ULL  # bytes < 0x21: space and controls

#: Bytes 0..8 of a word kept (index = how many).
cdef uint64_t KEEP[9]


cdef void _init_keep() noexcept:
    cdef int i
    KEEP[0] = 0
    for i in range(1, 8):
        KEEP[i] = ((<uint64_t>1) << (8 * i)) - 1
    KEEP[8] = 0xFFFFFFFFFFFFFFFFULL


_init_keep()


#: ASCII characters that str.strip() and str.split() take for whitespace (str.isspace:
#: 9-13 and 28-32), and the quotes that decorate a key.
cdef bint SPACE[256]
cdef bint QUOTE[256]


cdef void _init_classes() noexcept:
    cdef int c
    for c in range(256):
        SPACE[c] = (9 <= c <= 13) or (28 <= c <= 32)
        QUOTE[c] = c == 34 or c == 39 or c == 96


_init_classes()


cdef inline uint64_t fmix(uint64_t h) noexcept nogil:
    h ^= h >> 33
    h *= 0xFF51AFD7ED558CCDULL
    h ^= h >> 33
    h *= 0xC4CEB9FE1A85EC53ULL
    h ^= h >> 33
    return h


cdef inline uint64_t hash_words(uint64_t w0, uint64_t w1) noexcept nogil:
    """Hash of a key of 1..16 bytes held in two zero-padded words."""
    return fmix((w0 * K1) ^ (w1 * K2) ^ (w1 >> 29))


cdef inline uint64_t load_tail(const uint8_t *p, uint32_t k) noexcept nogil:
    """The k (< 8) bytes at p as a zero-padded word, reading exactly those bytes."""
    cdef uint64_t w = 0
    cdef uint32_t i
    for i in range(k):
        w |= (<uint64_t>p[i]) << (8 * i)
    return w


cdef inline uint64_t hash_long(const uint8_t *p, uint32_t n) noexcept nogil:
    """Hash of a key of more than 16 bytes (reads exactly its n bytes)."""
    cdef uint64_t h = n * K3
    cdef uint32_t i = 0
    while i + 8 <= n:
        h = (h ^ fmix(gf_load64(p + i) * K1)) * K2
        i += 8
    if i < n:
        h = (h ^ fmix(load_tail(p + i, n - i) * K1)) * K2
    return fmix(h)


cdef inline const uint8_t *find_special(const uint8_t *p) noexcept nogil:
    """The first byte at or after p that is not printable ASCII other than space: a
    space, a line break, a control character or a byte >= 127 (8 bytes at a time)."""
    cdef uint64_t x, m
    while True:
        x = gf_load64(p)
        # The lowest flagged byte of each test is exact (borrows and carries only run
        # upwards from a byte that is itself flagged).
        m = ((x - BELOW_BANG) & ~x & HIGH) | (((x + LOW) | x) & HIGH)
        if m:
            return p + (GF_CTZ64(m) >> 3)
        p += 8


# ---------------------------------------------------------------------------------------
# The tables

ctypedef struct Token:
    const uint8_t *p   # its bytes (in the padded buffer, or a string's data)
    uint64_t h         # its hash
    uint64_t w0        # bytes 0..7, zero-padded (keys of up to 16 bytes)
    uint64_t w1        # bytes 8..15, zero-padded; for longer keys: bytes 0..7
    uint32_t n         # its length
    int64_t dest       # where its code goes: an index into the codes or the user lines

ctypedef struct Short:  # 16 bytes, four per cache line: a key of 1..12 bytes
    uint64_t a         # bytes 0..7, zero-padded (0: empty; a token's first byte is > 32)
    uint32_t b         # bytes 8..11, zero-padded (a token has no NUL byte: no ambiguity)
    int32_t code

ctypedef struct Slot:  # 32 bytes, two per cache line: a key of 13 bytes or more
    uint64_t w0        # bytes 0..7; for keys of 17+ bytes: the offset in the arena
    uint64_t w1        # bytes 8..15 (zero-padded); for keys of 17+ bytes: bytes 0..7
    uint32_t length    # 0: empty
    uint32_t hash32    # top 32 bits of the hash: the home slot on growth, a quick reject
    int32_t code
    int32_t unused

ctypedef struct Keys:
    # Two open-addressing tables (linear probing): most IDs (ASINs, ISBNs, numbers) fit
    # the short one, whose 16-byte slots keep a table of a million items in the L3
    # cache. Both are exact: a key matches on its length and bytes, never on its hash.
    Short *short
    void *short_raw
    uint32_t short_bits
    Slot *long
    void *long_raw
    uint32_t long_bits
    int64_t n_short
    int64_t n_long
    uint8_t *arena     # bytes of the keys longer than 16
    int64_t arena_size
    int64_t arena_cap


cdef inline uint64_t token_words(const uint8_t *p, uint32_t n, uint64_t *w1) noexcept nogil:
    """The key words of a token in a padded buffer (reads up to 16 bytes from p): w0 is
    returned, w1 stored; for a token longer than 16 bytes w1 is its first word."""
    cdef uint64_t a
    if n <= 8:
        w1[0] = 0
        return gf_load64(p) & KEEP[n]
    a = gf_load64(p)
    if n <= 16:
        w1[0] = gf_load64(p + 8) & KEEP[n - 8]
        return a
    w1[0] = a
    return 0


cdef inline void token_hash(Token *t) noexcept nogil:
    # Keys of up to 16 bytes are their zero-padded words (a token has no NUL byte), so
    # the length adds nothing; the short table re-hashes its keys from the words alone.
    if t.n <= 16:
        t.h = hash_words(t.w0, t.w1)
    else:
        t.h = hash_long(t.p, t.n)


cdef inline void token_of_buffer(Token *t, const uint8_t *p, uint32_t n) noexcept nogil:
    cdef uint64_t w1
    t.p = p
    t.n = n
    t.w0 = token_words(p, n, &w1)
    t.w1 = w1
    token_hash(t)


cdef inline void token_of_string(Token *t, const uint8_t *p, uint32_t n) noexcept nogil:
    """The same token from n bytes that are not followed by padding (a str's data)."""
    cdef uint8_t local[24]
    cdef uint64_t w1
    t.p = p
    t.n = n
    if n <= 16:
        memset(local, 0, 24)
        memcpy(local, p, n)
        t.w0 = token_words(local, n, &w1)
        t.w1 = w1
    else:
        t.w0 = 0
        t.w1 = gf_load64(p)
    token_hash(t)


cdef void *aligned_zeros(size_t size, void **raw) noexcept nogil:
    """``size`` zero bytes aligned to 64 (``raw``: the pointer to free), or NULL."""
    raw[0] = calloc(size + 64, 1)
    if raw[0] == NULL:
        return NULL
    gf_advise_huge(raw[0], size + 64)
    return <void *>(((<size_t>raw[0]) + 63) & ~(<size_t>63))


cdef int keys_init(Keys *k, int64_t expected) except -1:
    cdef uint32_t bits = 12
    while (<int64_t>1 << bits) * 7 < expected * 10:
        bits += 1
    memset(k, 0, sizeof(Keys))
    k.short = <Short *>aligned_zeros((<size_t>1 << bits) * sizeof(Short), &k.short_raw)
    k.short_bits = bits
    k.long = <Slot *>aligned_zeros((<size_t>1 << 10) * sizeof(Slot), &k.long_raw)
    k.long_bits = 10
    if k.short == NULL or k.long == NULL:
        raise MemoryError()
    return 0


cdef void keys_free(Keys *k) noexcept nogil:
    free(k.short_raw)
    free(k.long_raw)
    free(k.arena)
    memset(k, 0, sizeof(Keys))


cdef inline void keys_prefetch(Keys *k, const Token *t) noexcept nogil:
    if t.n <= 12:
        GF_PREFETCH(&k.short[t.h >> (64 - k.short_bits)])
    else:
        GF_PREFETCH(&k.long[t.h >> (64 - k.long_bits)])


cdef int keys_grow_short(Keys *k) except -1 nogil:
    """Twice the short slots. Entries are re-hashed from their bytes a batch at a time,
    their new slots prefetched first: a rehash is bound by memory bandwidth, not by one
    cache miss per entry."""
    cdef Short *old = k.short
    cdef void *old_raw = k.short_raw
    cdef uint64_t j, i, end, n_old = (<uint64_t>1) << k.short_bits
    cdef uint32_t bits = k.short_bits + 1
    cdef uint64_t mask = ((<uint64_t>1) << bits) - 1
    cdef void *raw
    cdef Short *slots = <Short *>aligned_zeros((mask + 1) * sizeof(Short), &raw)
    cdef uint64_t home[GROW_BATCH]
    cdef Short *moving[GROW_BATCH]
    cdef int m, b
    if slots == NULL:
        with gil:
            raise MemoryError()
    j = 0
    while j < n_old:
        m = 0
        end = min(j + GROW_BATCH, n_old)
        while j < end:
            if old[j].a:
                moving[m] = &old[j]
                home[m] = hash_words(old[j].a, old[j].b) >> (64 - bits)
                GF_PREFETCH(&slots[home[m]])
                m += 1
            j += 1
        for b in range(m):
            i = home[b]
            while slots[i].a:
                i = (i + 1) & mask
            slots[i] = moving[b][0]
    free(old_raw)
    k.short = slots
    k.short_raw = raw
    k.short_bits = bits
    return 0


cdef int keys_grow_long(Keys *k) except -1 nogil:
    """Twice the long slots, entries re-placed by their stored hash (same batching)."""
    cdef Slot *old = k.long
    cdef void *old_raw = k.long_raw
    cdef uint64_t j, i, end, n_old = (<uint64_t>1) << k.long_bits
    cdef uint32_t bits = k.long_bits + 1
    cdef uint64_t mask = ((<uint64_t>1) << bits) - 1
    cdef void *raw
    cdef Slot *slots = <Slot *>aligned_zeros((mask + 1) * sizeof(Slot), &raw)
    cdef uint64_t home[GROW_BATCH]
    cdef Slot *moving[GROW_BATCH]
    cdef int m, b
    if slots == NULL:
        with gil:
            raise MemoryError()
    j = 0
    while j < n_old:
        m = 0
        end = min(j + GROW_BATCH, n_old)
        while j < end:
            if old[j].length:
                moving[m] = &old[j]
                home[m] = (<uint64_t>old[j].hash32) >> (32 - bits)
                GF_PREFETCH(&slots[home[m]])
                m += 1
            j += 1
        for b in range(m):
            i = home[b]
            while slots[i].length:
                i = (i + 1) & mask
            slots[i] = moving[b][0]
    free(old_raw)
    k.long = slots
    k.long_raw = raw
    k.long_bits = bits
    return 0


cdef inline int keys_reserve(Keys *k, int64_t more) except -1 nogil:
    """Room for ``more`` keys of each kind: the short table at most 70% full (its probes
    mostly stay in one cache line), the long one at most half."""
    while (k.n_short + more) * 10 > ((<int64_t>1) << k.short_bits) * 7:
        keys_grow_short(k)
    while (k.n_long + more) * 2 > ((<int64_t>1) << k.long_bits):
        keys_grow_long(k)
    return 0


cdef int keys_presize(Keys *k, double factor) except -1 nogil:
    """Grow each table to hold ``factor`` times its keys (an estimate from a sample)."""
    cdef int64_t want = <int64_t>(k.n_short * factor)
    while want * 10 > ((<int64_t>1) << k.short_bits) * 7:
        keys_grow_short(k)
    want = <int64_t>(k.n_long * factor)
    while want * 2 > ((<int64_t>1) << k.long_bits):
        keys_grow_long(k)
    return 0


cdef inline int32_t *keys_slot(Keys *k, const Token *t, bint *added) except NULL nogil:
    """The code of the token's key; a key not there yet is added (``added`` set, its
    code -1). Needs `keys_reserve` room for one key."""
    cdef uint64_t i, mask
    cdef uint32_t b, h32
    cdef Short *s
    cdef Slot *l
    cdef int64_t need
    cdef uint8_t *grown
    added[0] = False
    if t.n <= 12:
        mask = ((<uint64_t>1) << k.short_bits) - 1
        i = t.h >> (64 - k.short_bits)
        b = <uint32_t>t.w1
        while True:
            s = &k.short[i]
            if s.a == t.w0 and s.b == b:
                return &s.code
            if s.a == 0:
                s.a = t.w0
                s.b = b
                s.code = -1
                k.n_short += 1
                added[0] = True
                return &s.code
            i = (i + 1) & mask
    mask = ((<uint64_t>1) << k.long_bits) - 1
    i = t.h >> (64 - k.long_bits)
    h32 = <uint32_t>(t.h >> 32)
    while True:
        l = &k.long[i]
        if l.length == 0:
            break
        if l.length == t.n and l.w1 == t.w1 and (
            (t.n <= 16 and l.w0 == t.w0)
            or (t.n > 16 and l.hash32 == h32 and memcmp(k.arena + l.w0, t.p, t.n) == 0)
        ):
            return &l.code
        i = (i + 1) & mask
    l.w0 = t.w0
    if t.n > 16:
        need = k.arena_size + t.n
        if need > k.arena_cap:
            k.arena_cap = max(2 * k.arena_cap, need, 1 << 16)
            grown = <uint8_t *>realloc(k.arena, k.arena_cap)
            if grown == NULL:
                with gil:
                    raise MemoryError()
            k.arena = grown
        memcpy(k.arena + k.arena_size, t.p, t.n)
        l.w0 = <uint64_t>k.arena_size
        k.arena_size = need
    l.w1 = t.w1
    l.length = t.n
    l.hash32 = h32
    l.code = -1
    k.n_long += 1
    added[0] = True
    return &l.code


cdef inline int32_t keys_find(Keys *k, const Token *t) noexcept nogil:
    """The code of the token's key, or -1 when it is absent (the tables are not changed)."""
    cdef uint64_t i, mask
    cdef uint32_t b, h32
    cdef Short *s
    cdef Slot *l
    if t.n <= 12:
        mask = ((<uint64_t>1) << k.short_bits) - 1
        i = t.h >> (64 - k.short_bits)
        b = <uint32_t>t.w1
        while True:
            s = &k.short[i]
            if s.a == t.w0 and s.b == b:
                return s.code
            if s.a == 0:
                return -1
            i = (i + 1) & mask
    mask = ((<uint64_t>1) << k.long_bits) - 1
    i = t.h >> (64 - k.long_bits)
    h32 = <uint32_t>(t.h >> 32)
    while True:
        l = &k.long[i]
        if l.length == 0:
            return -1
        if l.length == t.n and l.w1 == t.w1 and (
            (t.n <= 16 and l.w0 == t.w0)
            or (t.n > 16 and l.hash32 == h32 and memcmp(k.arena + l.w0, t.p, t.n) == 0)
        ):
            return l.code
        i = (i + 1) & mask


# ---------------------------------------------------------------------------------------
# Growable arrays (malloc'd; handed to numpy without a copy at the end)

ctypedef struct Grow:
    char *data
    int64_t size      # items
    int64_t cap       # items
    int64_t itemsize


cdef int grow_init(Grow *g, int64_t itemsize, int64_t cap) except -1:
    if cap < 16:
        cap = 16
    g.data = <char *>malloc(cap * itemsize)
    if g.data == NULL:
        raise MemoryError()
    gf_advise_huge(g.data, cap * itemsize)
    g.size = 0
    g.cap = cap
    g.itemsize = itemsize
    return 0


cdef int grow_reserve(Grow *g, int64_t more) except -1 nogil:
    cdef int64_t cap
    cdef char *data
    if g.size + more <= g.cap:
        return 0
    cap = max(2 * g.cap, g.size + more)
    data = <char *>realloc(g.data, cap * g.itemsize)
    if data == NULL:
        with gil:
            raise MemoryError()
    gf_advise_huge(data, cap * g.itemsize)
    g.data = data
    g.cap = cap
    return 0


cdef object grow_to_numpy(Grow *g, str dtype):
    """The array as numpy, owning the memory (no copy); ``g`` is emptied."""
    import numpy as np

    cdef view.array arr
    cdef char *data
    if g.size == 0:
        free(g.data)
        g.data = NULL
        return np.zeros((0, 2), np.uint64) if dtype == "uint64x2" else np.zeros(0, dtype)
    data = <char *>realloc(g.data, g.size * g.itemsize)  # give back the unused tail
    if data == NULL:
        data = g.data
    g.data = NULL
    if dtype == "uint64x2":  # rows of two words
        arr = view.array(shape=(g.size, 2), itemsize=8, format="Q", mode="c",
                         allocate_buffer=False)
    else:
        fmt = {"int32": "i", "int64": "q", "bool": "?"}[dtype]
        arr = view.array(shape=(g.size,), itemsize=g.itemsize, format=fmt, mode="c",
                         allocate_buffer=False)
    arr.data = data
    arr.callback_free_data = free
    out = np.asarray(arr)
    g.size = g.cap = 0
    return out


# ---------------------------------------------------------------------------------------
# The scanner

cdef class ScanResult:
    """What `Scanner.finish` returns: the raw material of a `Sequences`."""

    cdef readonly object codes          # int32, universe code of every item token, file order
    cdef readonly object n_items        # int64, items on each user line (a line with a space)
    cdef readonly object line_numbers   # int64, 1-based line number of each user line
    cdef readonly object keep           # bool per user line (last line of its user), or None
    cdef readonly object names          # list[str], the universe in order of first sighting
    cdef readonly object known_codes    # int64 universe code of every known key (-1), or None
    cdef readonly int64_t n_users
    cdef readonly int64_t lines
    cdef readonly int64_t crlf_lines
    cdef readonly int64_t empty_lines
    cdef readonly object empty_examples
    cdef readonly int64_t no_space_lines
    cdef readonly object no_space_examples
    cdef readonly int64_t bytes_read
    cdef readonly int64_t longest_name
    cdef readonly object order_keys     # uint64 (n, 2): the sort key of each item's ID
    cdef readonly bint digits_only      # every item is a number of at most 16 digits


#: Bits of a user's hash kept: all but in tests, which keep few to make users collide.
cdef uint64_t USER_HASH_MASK = 0xFFFFFFFFFFFFFFFFULL


def set_user_hash_bits(int bits) -> None:
    """Keep only ``bits`` bits of each user's hash (tests: users then share hashes, and
    the users of those lines are compared by their bytes); 64 restores the default."""
    global USER_HASH_MASK
    USER_HASH_MASK = 0xFFFFFFFFFFFFFFFFULL if bits >= 64 else ((<uint64_t>1) << bits) - 1


ctypedef struct HashAt:
    uint64_t h
    int64_t i


cdef int sort_hashes(HashAt *a, Py_ssize_t n) noexcept nogil:
    """Sort by hash: an LSD radix sort of 16-bit digits (four passes, the result back
    in ``a``). -1 when memory ran out."""
    cdef HashAt *tmp = <HashAt *>malloc(max(n, 1) * sizeof(HashAt))
    cdef int64_t *count = <int64_t *>malloc(65536 * sizeof(int64_t))
    cdef HashAt *src = a
    cdef HashAt *dst = tmp
    cdef HashAt *swap
    cdef Py_ssize_t i
    cdef int64_t total, c
    cdef int shift
    if tmp == NULL or count == NULL:
        free(tmp)
        free(count)
        return -1
    for shift in range(0, 64, 16):
        memset(count, 0, 65536 * sizeof(int64_t))
        for i in range(n):
            count[(src[i].h >> shift) & 0xFFFF] += 1
        total = 0
        for i in range(65536):
            c = count[i]
            count[i] = total
            total += c
        for i in range(n):
            c = (src[i].h >> shift) & 0xFFFF
            dst[count[c]] = src[i]
            count[c] += 1
        swap = src
        src = dst
        dst = swap
    free(tmp)  # four passes: the sorted pairs are back in ``a``
    free(count)
    return 0


cdef inline bint is_token(const uint8_t *p, uint32_t n) noexcept nogil:
    """Whether n bytes can be a token: printable ASCII without space, at least one."""
    cdef uint32_t i
    if n == 0:
        return False
    for i in range(n):
        if p[i] <= 32 or p[i] >= 127:
            return False
    return True


cdef class Scanner:
    """Feed the file's bytes in blocks of any size, then `finish`.

    ``known`` (the mapping's keys) pre-fills the item table in key order, so that the
    universe code of every key comes out of the scan (``ScanResult.known_codes``).

    Item codes in the table: a universe code (>= 0) once the item was seen in the
    file; a pre-filled key not seen yet holds ``-2 - its entry number``.
    """

    cdef Keys items
    cdef Grow order_keys       # 2 x uint64 per universe code: the ID's sort key
    cdef bint digits_only      # every item so far is a number of at most 16 digits
    cdef Grow user_hash        # uint64: the hash of each user line's user
    cdef Grow user_offset      # int64: the file offset of each user line
    cdef Grow codes, n_items, line_numbers
    cdef Grow order            # int32: entry number of each universe code
    cdef Grow entry_code       # int32: universe code of each pre-filled key (-1: not seen)
    cdef Grow overridden       # int64: user lines whose user has a later line
    cdef int64_t size_hint
    cdef Grow seed_pos         # int64: key position of each pre-filled key
    cdef int64_t n_seeded
    cdef int64_t n_entries
    cdef int64_t n_known
    cdef object seeded         # list[str]: the pre-filled keys, in entry order
    cdef bint has_known
    cdef uint8_t *buf          # carried partial line + the current block, PAD bytes spare
    cdef int64_t buf_len
    cdef int64_t buf_cap
    cdef int64_t offset        # file offset of buf[0]
    cdef int64_t lines, crlf, n_empty, n_no_space, n_universe, n_users, longest_name
    cdef int64_t empty_ex[EXAMPLES]
    cdef int64_t no_space_ex[EXAMPLES]
    cdef Grow extra            # bytes of the items added while scanning, '\n' after each
    cdef Token item_batch[BATCH]
    cdef int n_item_batch
    cdef bint finished
    cdef bint failed

    def __cinit__(self, known=None, Py_ssize_t size_hint=0):
        cdef int64_t n_known = len(known) if known is not None else 0
        # The item table is sized for the keys, or for the items a file of this size
        # usually holds (about one per 16 interactions of 11 bytes: Amazon 5-core), and
        # doubles as it fills. Only the pages of slots in use are ever touched, so a
        # table too large for a file of few items costs address space, not memory; one
        # sized right spares the rehashes and the fresh pages of every doubling.
        keys_init(&self.items, max(n_known, size_hint // 176))
        # An item takes at least two bytes of the file; a line at least one.
        grow_init(&self.codes, 4, size_hint // 2 + 1)
        grow_init(&self.n_items, 8, size_hint // 64 + 1)
        grow_init(&self.line_numbers, 8, size_hint // 64 + 1)
        self.size_hint = size_hint
        grow_init(&self.order, 4, 1024)
        grow_init(&self.entry_code, 4, n_known + 1)
        grow_init(&self.overridden, 8, 1024)
        grow_init(&self.order_keys, 16, 1024)
        self.digits_only = True
        grow_init(&self.user_hash, 8, size_hint // 64 + 1)
        grow_init(&self.user_offset, 8, size_hint // 64 + 1)
        grow_init(&self.seed_pos, 8, n_known + 1)
        grow_init(&self.extra, 1, 1 << 16)
        self.buf_cap = (1 << 20) + PAD
        self.buf = <uint8_t *>malloc(self.buf_cap)
        if self.buf == NULL:
            raise MemoryError()
        self.has_known = known is not None
        self.n_known = n_known
        self.seeded = []
        if known is not None:
            self._seed(known)

    def __dealloc__(self):
        keys_free(&self.items)
        free(self.user_hash.data)
        free(self.user_offset.data)
        free(self.order_keys.data)
        free(self.codes.data)
        free(self.n_items.data)
        free(self.line_numbers.data)
        free(self.order.data)
        free(self.entry_code.data)
        free(self.overridden.data)
        free(self.seed_pos.data)
        free(self.extra.data)
        free(self.buf)

    cdef int _seed(self, known) except -1:
        """Pre-fill the keys that can be tokens (printable ASCII without spaces), entry
        numbers in key order; other keys can never be an item of a file this scanner
        takes. Keys go in batches, their slots prefetched first."""
        cdef Py_ssize_t position = -1
        cdef const uint8_t *p
        cdef uint32_t n
        cdef Token batch[BATCH]
        cdef int64_t where[BATCH]
        cdef int m = 0
        seeded = self.seeded
        alive = []  # bytes of str subclasses, until their batch is placed
        for key in known:
            position += 1
            if PyUnicode_Check(key) and PyUnicode_IS_COMPACT_ASCII(key):
                n = <uint32_t>PyUnicode_GET_LENGTH(key)
                p = <const uint8_t *>PyUnicode_DATA(key)
            elif isinstance(key, str) and key.isascii():
                encoded = key.encode("ascii")
                alive.append(encoded)
                n = <uint32_t>len(encoded)
                p = <const uint8_t *><const char *>encoded
            else:
                continue  # not ASCII: never a token of a file this scanner takes
            if not is_token(p, n):
                continue
            seeded.append(key)
            token_of_string(&batch[m], p, n)
            keys_prefetch(&self.items, &batch[m])
            where[m] = position
            m += 1
            if m == BATCH:
                self._seed_batch(batch, where, m)
                m = 0
                alive.clear()
        self._seed_batch(batch, where, m)
        self.n_seeded = self.n_entries
        return 0

    cdef int _seed_batch(self, Token *batch, int64_t *where, int m) except -1:
        cdef int j
        cdef bint added
        cdef int32_t *code
        keys_reserve(&self.items, m)
        grow_reserve(&self.entry_code, m)
        grow_reserve(&self.seed_pos, m)
        for j in range(m):
            code = keys_slot(&self.items, &batch[j], &added)
            if not added:
                raise ValueError("known keys must be distinct")
            code[0] = <int32_t>(-2 - self.n_entries)
            (<int32_t *>self.entry_code.data)[self.n_entries] = -1
            (<int64_t *>self.seed_pos.data)[self.n_entries] = where[j]
            self.n_entries += 1
        self.entry_code.size = self.seed_pos.size = self.n_entries
        return 0

    def feed(self, data) -> None:
        """Scan the next block of the file (any size; lines may cross blocks)."""
        cdef const uint8_t[::1] view_ = data
        cdef int64_t n = view_.shape[0]
        cdef int64_t start = self.buf_len, cut
        cdef int64_t i
        if self.finished or self.failed:
            raise ValueError("the scanner is finished")
        if n == 0:
            return
        self._room(self.buf_len + n)
        memcpy(self.buf + self.buf_len, &view_[0], n)
        self.buf_len += n
        i = self.buf_len - 1
        while i >= start and self.buf[i] != 10:
            i -= 1
        if i < start:
            return  # no line ends in this block yet
        cut = i + 1
        self._scan(cut)
        memmove(self.buf, self.buf + cut, self.buf_len - cut)
        self.buf_len -= cut
        self.offset += cut

    def scan_file(self, int fd, Py_ssize_t block_bytes=1 << 20) -> int:
        """Read the file behind ``fd`` from its first byte and scan it, all without the
        GIL: another thread (the mapping's reader) runs meanwhile. ``pread`` leaves the
        descriptor's position alone. Returns the bytes read; then `finish`."""
        cdef int status = 0, error = 0
        cdef Py_ssize_t got
        cdef int64_t start, cut, i
        if self.finished or self.failed:
            raise ValueError("the scanner is finished")
        if block_bytes < 1:
            raise ValueError("block_bytes must be positive")
        with nogil:
            while True:
                if self._room_nogil(self.buf_len + block_bytes) < 0:
                    error = ENOMEM
                    break
                got = pread(fd, self.buf + self.buf_len, block_bytes, self.offset + self.buf_len)
                if got < 0:
                    if errno == EINTR:
                        continue
                    error = errno
                    break
                if got == 0:
                    break
                start = self.buf_len
                self.buf_len += got
                i = self.buf_len - 1
                while i >= start and self.buf[i] != 10:
                    i -= 1
                if i < start:
                    continue  # no line ends in this block yet
                cut = i + 1
                memset(self.buf + self.buf_len, 0, PAD)  # defined bytes for the word loads
                status = self._lines(cut)
                if status:
                    break
                self._flush_items(self.n_item_batch)
                memmove(self.buf, self.buf + cut, self.buf_len - cut)
                self.buf_len -= cut
                self.offset += cut
        if error:
            self.failed = True
            import os

            raise OSError(error, os.strerror(error))
        if status:
            self.failed = True
            raise NeedsExactReader(REASONS[status])
        return self.offset + self.buf_len

    cdef int _room_nogil(self, int64_t size) noexcept nogil:
        """`_room` without the GIL: -1 when memory ran out."""
        cdef uint8_t *grown
        cdef int64_t cap
        if size + PAD <= self.buf_cap:
            return 0
        cap = max(2 * self.buf_cap, size + PAD)
        grown = <uint8_t *>realloc(self.buf, cap)
        if grown == NULL:
            return -1
        self.buf = grown
        self.buf_cap = cap
        return 0

    cdef int _room(self, int64_t size) except -1:
        cdef uint8_t *grown
        if size + PAD <= self.buf_cap:
            return 0
        self.buf_cap = max(2 * self.buf_cap, size + PAD)
        grown = <uint8_t *>realloc(self.buf, self.buf_cap)
        if grown == NULL:
            raise MemoryError()
        self.buf = grown
        return 0

    cdef int _scan(self, int64_t end) except -1:
        """Scan buf[0:end] (whole lines) and settle every lookup."""
        cdef int status
        memset(self.buf + self.buf_len, 0, PAD)  # defined bytes for the word loads
        with nogil:
            status = self._lines(end)
            if status == 0:
                self._flush_items(self.n_item_batch)
        if status:
            self.failed = True
            raise NeedsExactReader(REASONS[status])
        return 0

    cdef int _lines(self, int64_t end) except -1 nogil:
        """Cut buf[0:end] into lines and tokens; 0, or why the exact reader is needed."""
        cdef const uint8_t *buf = self.buf
        cdef const uint8_t *p = buf
        cdef const uint8_t *stop = buf + end
        cdef const uint8_t *q
        cdef const uint8_t *line
        cdef uint8_t c
        cdef int64_t count, k
        while p < stop:
            line = p
            self.lines += 1
            q = find_special(p)
            c = q[0]
            if c == 32:
                if q == p:
                    return NEEDS_EXACT_EMPTY_USER
                if self.n_items.size >= 0x7FFFFFFF:  # the user table keeps int32 lines
                    return NEEDS_EXACT_LINES
                grow_reserve(&self.n_items, 1)
                grow_reserve(&self.line_numbers, 1)
                k = self.n_items.size
                self._user(p, <uint32_t>(q - p))
                count = 0
                p = q + 1
                while True:
                    while p[0] == 32:
                        p += 1
                    q = find_special(p)
                    if q != p:
                        self._item(p, <uint32_t>(q - p))
                        count += 1
                    c = q[0]
                    if c == 32:
                        p = q + 1
                    elif c == 10:
                        p = q + 1
                        break
                    elif c == 13:
                        if q[1] != 10:
                            return NEEDS_EXACT_LONE_CR
                        self.crlf += 1
                        p = q + 2
                        break
                    else:
                        return NEEDS_EXACT_BYTE
                (<int64_t *>self.n_items.data)[k] = count
                (<int64_t *>self.line_numbers.data)[k] = self.lines
                self.n_items.size += 1
                self.line_numbers.size += 1
            else:
                if c == 10:
                    p = q + 1
                elif c == 13:
                    if q[1] != 10:
                        return NEEDS_EXACT_LONE_CR
                    self.crlf += 1
                    p = q + 2
                else:
                    return NEEDS_EXACT_BYTE
                if q == line:
                    if self.n_empty < EXAMPLES:
                        self.empty_ex[self.n_empty] = self.lines
                    self.n_empty += 1
                else:
                    if self.n_no_space < EXAMPLES:
                        self.no_space_ex[self.n_no_space] = self.lines
                    self.n_no_space += 1
        return 0

    cdef inline int _item(self, const uint8_t *p, uint32_t n) except -1 nogil:
        cdef Token *t = &self.item_batch[self.n_item_batch]
        token_of_buffer(t, p, n)
        grow_reserve(&self.codes, 1)
        t.dest = self.codes.size
        self.codes.size += 1
        keys_prefetch(&self.items, t)
        self.n_item_batch += 1
        if self.n_item_batch == BATCH:
            self._flush_items(BATCH - AHEAD)
        return 0

    cdef inline int _user(self, const uint8_t *p, uint32_t n) except -1 nogil:
        """Record the user of a user line: its hash and where the line starts. Users
        are told apart at the end, by sorting the hashes (no table touched at random)."""
        cdef Token t
        token_of_buffer(&t, p, n)
        t.h &= USER_HASH_MASK
        grow_reserve(&self.user_hash, 1)
        grow_reserve(&self.user_offset, 1)
        (<uint64_t *>self.user_hash.data)[self.user_hash.size] = t.h
        (<int64_t *>self.user_offset.data)[self.user_offset.size] = self.offset + (p - self.buf)
        self.user_hash.size += 1
        self.user_offset.size += 1
        return 0

    cdef int _flush_items(self, int m) except -1 nogil:
        """Look the ``m`` oldest pending items up, in file order (an item seen for the
        first time gets the next universe code); the newer ones stay pending, so that
        every lookup comes at least AHEAD tokens after its prefetch."""
        cdef int j
        cdef Token *t
        cdef int32_t *code
        cdef int32_t *codes
        cdef int64_t entry
        cdef bint added
        keys_reserve(&self.items, m)
        codes = <int32_t *>self.codes.data
        for j in range(m):
            t = &self.item_batch[j]
            code = keys_slot(&self.items, t, &added)
            if GF_UNLIKELY(code[0] < 0):
                if added:  # an item no key named: its name goes to the extra names
                    entry = self.n_entries
                    self.n_entries += 1
                    grow_reserve(&self.extra, t.n + 1)
                    memcpy(self.extra.data + self.extra.size, t.p, t.n)
                    self.extra.data[self.extra.size + t.n] = 10
                    self.extra.size += t.n + 1
                else:  # a pre-filled key, seen for the first time
                    entry = -2 - code[0]
                    (<int32_t *>self.entry_code.data)[entry] = <int32_t>self.n_universe
                code[0] = <int32_t>self.n_universe
                self.n_universe += 1
                self._order_key(t)
                grow_reserve(&self.order, 1)
                (<int32_t *>self.order.data)[self.order.size] = <int32_t>entry
                self.order.size += 1
                if t.n > self.longest_name:
                    self.longest_name = t.n
            codes[t.dest] = code[0]
        self.n_item_batch -= m
        memmove(self.item_batch, self.item_batch + m, self.n_item_batch * sizeof(Token))
        return 0

    cdef inline int _order_key(self, const Token *t) except -1 nogil:
        """The sort key of a new item (`unsorted_by_id`), made while its bytes are at
        hand: its first 16 bytes as two big-endian words; and whether every name so far
        is a number of at most 16 digits (the numeric order then applies)."""
        cdef uint64_t *key
        cdef uint32_t i
        grow_reserve(&self.order_keys, 1)
        key = (<uint64_t *>self.order_keys.data) + 2 * self.order_keys.size
        key[0] = big_endian_word(t.p, t.n)
        key[1] = big_endian_word(t.p + 8, t.n - 8) if t.n > 8 else 0
        self.order_keys.size += 1
        if self.digits_only:
            if t.n > 16:
                self.digits_only = False
            for i in range(t.n):
                if t.p[i] < 48 or t.p[i] > 57:
                    self.digits_only = False
                    break
        return 0

    cdef int _dedup_users(self, read_users) except -1:
        """The trainer's dict of users: lines whose user has a later line are overridden.
        The user hashes are sorted; only lines sharing a hash have their users read
        again (``read_users``: file offsets -> the users' bytes) and compared."""
        import numpy as np

        cdef Py_ssize_t n = self.user_hash.size, i, start
        cdef HashAt *pairs = <HashAt *>malloc(max(n, 1) * sizeof(HashAt))
        cdef int sorted_ok
        cdef Grow shared
        if pairs == NULL:
            raise MemoryError()
        try:
            with nogil:
                for i in range(n):
                    pairs[i].h = (<uint64_t *>self.user_hash.data)[i]
                    pairs[i].i = i
                sorted_ok = sort_hashes(pairs, n)
            if sorted_ok < 0:
                raise MemoryError()
            grow_init(&shared, 8, 16)
            i = 1
            while i < n:  # runs of equal hashes (the same user, or a rare collision)
                if pairs[i].h != pairs[i - 1].h:
                    i += 1
                    continue
                start = i - 1
                while i < n and pairs[i].h == pairs[start].h:
                    i += 1
                grow_reserve(&shared, i - start + 1)
                (<int64_t *>shared.data)[shared.size] = -1  # a run starts
                shared.size += 1
                for start in range(start, i):
                    (<int64_t *>shared.data)[shared.size] = pairs[start].i
                    shared.size += 1
        finally:
            free(pairs)
        self.n_users = n
        if shared.size == 0:
            free(shared.data)
            return 0
        runs = grow_to_numpy(&shared, "int64")
        lines = runs[runs >= 0]
        offsets = np.asarray(<int64_t[:self.user_offset.size]>(<int64_t *>self.user_offset.data))
        names = read_users(offsets[lines])
        latest = {}  # (run, user) -> its latest line; every earlier one is overridden
        run = -1
        j = 0
        for line in runs.tolist():
            if line < 0:
                run += 1
                continue
            key = (run, names[j])
            j += 1
            if key in latest:
                earlier = min(latest[key], line)
                latest[key] = max(latest[key], line)
                grow_reserve(&self.overridden, 1)
                (<int64_t *>self.overridden.data)[self.overridden.size] = earlier
                self.overridden.size += 1
                self.n_users -= 1
            else:
                latest[key] = line
        return 0

    def finish(self, known=None, read_users=None) -> ScanResult:
        """Scan the last line (a missing final newline is added, as the trainer's text
        mode reads it) and return the result.

        ``known``: the mapping's keys when they come after the scan (not given to the
        constructor): their universe codes are looked up (``known_codes``), and a key
        that is an item becomes that item's name (one string for both, not two).
        ``read_users``: file offsets of user lines -> their users (bytes), for the few
        lines whose users share a hash (needed only then).
        """
        import numpy as np

        cdef ScanResult r = ScanResult()
        cdef int64_t i, n_lines
        cdef int64_t *lines
        cdef Grow keep
        if self.finished or self.failed:
            raise ValueError("the scanner is finished")
        if known is not None and self.has_known:
            raise ValueError("the keys were given to the scanner already")
        r.bytes_read = self.offset + self.buf_len
        if self.buf_len:
            self._room(self.buf_len + 1)
            self.buf[self.buf_len] = 10
            self.buf_len += 1
            self._scan(self.buf_len)
            self.offset += self.buf_len
            self.buf_len = 0
        self.finished = True
        self._dedup_users(read_users)
        free(self.user_hash.data)
        free(self.user_offset.data)
        self.user_hash.data = self.user_offset.data = NULL
        n_lines = self.n_items.size
        r.n_users = self.n_users
        r.keep = None
        if self.overridden.size:  # a user on several lines: the last one wins
            grow_init(&keep, 1, n_lines)
            memset(keep.data, 1, n_lines)
            lines = <int64_t *>self.overridden.data
            for i in range(self.overridden.size):
                keep.data[lines[i]] = 0
            keep.size = n_lines
            r.keep = grow_to_numpy(&keep, "bool")
        free(self.overridden.data)
        self.overridden.data = NULL
        r.codes = grow_to_numpy(&self.codes, "int32")
        r.n_items = grow_to_numpy(&self.n_items, "int64")
        r.line_numbers = grow_to_numpy(&self.line_numbers, "int64")
        r.known_codes = None
        if known is not None:  # no key pre-filled: universe code == entry number
            r.known_codes, adopted = self._late_keys(known)
            r.names = self._names_adopting(adopted)
        else:
            r.names = self._names()
        if self.has_known:
            known_codes = np.full(self.n_known, -1, np.int64)
            if self.n_seeded:
                seed_pos = np.asarray(<int64_t[:self.n_seeded]>(<int64_t *>self.seed_pos.data))
                entry_code = np.asarray(<int32_t[:self.n_seeded]>(<int32_t *>self.entry_code.data))
                known_codes[seed_pos] = entry_code
                del seed_pos, entry_code  # views of the arrays freed below
            r.known_codes = known_codes
        # Only the item table serves `lookup` from now on: give the rest back.
        self.seeded = None
        free(self.order.data)
        free(self.entry_code.data)
        free(self.seed_pos.data)
        self.order.data = self.entry_code.data = self.seed_pos.data = NULL
        r.lines = self.lines
        r.crlf_lines = self.crlf
        r.empty_lines = self.n_empty
        r.empty_examples = [self.empty_ex[i] for i in range(min(self.n_empty, EXAMPLES))]
        r.no_space_lines = self.n_no_space
        r.no_space_examples = [self.no_space_ex[i] for i in range(min(self.n_no_space, EXAMPLES))]
        r.longest_name = self.longest_name
        r.digits_only = self.digits_only and self.n_universe > 0
        r.order_keys = grow_to_numpy(&self.order_keys, "uint64x2")
        return r

    cdef list _names(self):
        """The universe's names in code order: pre-filled keys are the very key objects."""
        cdef list extra = []
        cdef list seeded = self.seeded
        cdef int32_t *order = <int32_t *>self.order.data
        cdef int64_t u, n = self.order.size, ns = self.n_seeded
        cdef int32_t e
        if self.extra.size:
            extra = (<bytes>self.extra.data[: self.extra.size]).decode("ascii").split("\n")
        names = [None] * n
        for u in range(n):
            e = order[u]
            names[u] = seeded[e] if e < ns else extra[e - ns]
        free(self.extra.data)
        self.extra.data = NULL
        self.extra.size = 0
        return names

    cdef list _names_adopting(self, list adopted):
        """The universe's names (no key pre-filled: entry u is universe code u): the
        adopted key where one names the item, else a string made from the scan's bytes."""
        cdef const char *p = self.extra.data
        cdef const char *end
        cdef int64_t u, n = self.order.size
        for u in range(n):
            end = <const char *>memchr(p, 10, self.extra.data + self.extra.size - p)
            if adopted[u] is None:
                adopted[u] = PyUnicode_DecodeASCII(p, end - p, NULL)
            p = end + 1
        free(self.extra.data)
        self.extra.data = NULL
        self.extra.size = 0
        return adopted

    cdef tuple _late_keys(self, known):
        """The universe code of every key (-1: none), and per universe code the key that
        names it (None where no key does); keys must be distinct."""
        import numpy as np

        out = np.full(len(known), -1, np.int64)
        cdef int64_t[::1] codes = out
        cdef list adopted = [None] * self.n_universe
        cdef list keys = list(known) if not isinstance(known, list) else known
        self._find_all(keys, codes)
        cdef Py_ssize_t i
        cdef int64_t code
        for i in range(len(keys)):
            code = codes[i]
            if code >= 0:
                if adopted[code] is not None:
                    raise ValueError("known keys must be distinct")
                adopted[code] = keys[i]
        return out, adopted

    cdef int _find_all(self, list strings, int64_t[::1] codes) except -1:
        """codes[i] = the table's code of strings[i] where it is a key (else unchanged);
        strings go in batches, their home slots prefetched first."""
        cdef Py_ssize_t i, m = len(strings)
        cdef const uint8_t *p
        cdef uint32_t n
        cdef Token batch[BATCH]
        cdef int64_t where[BATCH]
        cdef int k = 0, j
        cdef int32_t code
        alive = []  # encoded str subclasses, until their batch is looked up
        for i in range(m):
            string = strings[i]
            if PyUnicode_Check(string) and PyUnicode_IS_COMPACT_ASCII(string):
                n = <uint32_t>PyUnicode_GET_LENGTH(string)
                p = <const uint8_t *>PyUnicode_DATA(string)
            elif isinstance(string, str) and string.isascii():
                encoded = str.encode(string, "ascii")
                alive.append(encoded)
                n = <uint32_t>len(encoded)
                p = <const uint8_t *><const char *>encoded
            else:
                continue  # the universe of a file the scan takes is ASCII
            if not is_token(p, n):
                continue
            token_of_string(&batch[k], p, n)
            keys_prefetch(&self.items, &batch[k])
            where[k] = i
            k += 1
            if k == BATCH:
                for j in range(k):
                    code = keys_find(&self.items, &batch[j])
                    if code >= 0:
                        codes[where[j]] = code
                k = 0
                alive.clear()
        for j in range(k):
            code = keys_find(&self.items, &batch[j])
            if code >= 0:
                codes[where[j]] = code
        return 0

    def lookup(self, strings) -> object:
        """Universe code of each string (-1: not an item of the file); after `finish`."""
        import numpy as np

        if not self.finished:
            raise ValueError("lookup comes after finish")
        out = np.full(len(strings), -1, np.int64)
        self._find_all(strings if isinstance(strings, list) else list(strings), out)
        return out

    cdef inline int32_t _find_span(self, const uint8_t *p, Py_ssize_t n) noexcept:
        cdef Token t
        if n <= 0 or n > 0xFFFFFFFF or not is_token(p, <uint32_t>n):
            return -1
        token_of_string(&t, p, <uint32_t>n)
        return keys_find(&self.items, &t)

    def key_readings(self, list keys, const int64_t[::1] positions) -> object:
        """`gramfix.engine.keys.analyse_keys`' two readings of each key at ``positions``,
        looked up: the key stripped of whitespace (cut at its first whitespace when the
        other reading is), and stripped of whitespace and quotes, cut at its first
        whitespace (``cut``: that reading differs from the whole stripped key). Returns
        (first, second, cut); -2 in ``first`` marks a key that is not ASCII (the Python
        reference reads those)."""
        import numpy as np

        cdef Py_ssize_t i, m = positions.shape[0]
        cdef const uint8_t *p
        cdef Py_ssize_t n, a, b, e, sa, sb
        if not self.finished:
            raise ValueError("key_readings come after finish")
        first_ = np.full(m, -1, np.int64)
        second_ = np.full(m, -1, np.int64)
        cut_ = np.zeros(m, np.uint8)
        cdef int64_t[::1] first = first_
        cdef int64_t[::1] second = second_
        cdef uint8_t[::1] cut = cut_
        for i in range(m):
            key = keys[positions[i]]
            if not (PyUnicode_Check(key) and PyUnicode_IS_COMPACT_ASCII(key)):
                first[i] = -2
                continue
            n = PyUnicode_GET_LENGTH(key)
            p = <const uint8_t *>PyUnicode_DATA(key)
            # stripped: without whitespace or quotes at either end
            a, b = 0, n
            while a < b and (SPACE[p[a]] or QUOTE[p[a]]):
                a += 1
            while b > a and (SPACE[p[b - 1]] or QUOTE[p[b - 1]]):
                b -= 1
            # token: stripped up to its first whitespace, without quotes at its end
            e = a
            while e < b and not SPACE[p[e]]:
                e += 1
            sb = e
            while sb > a and QUOTE[p[sb - 1]]:
                sb -= 1
            if sb - a != b - a:  # cut: the token differs from the stripped key
                cut[i] = 1
                second[i] = self._find_span(p + a, sb - a)
                # soft: without whitespace at the ends, up to its first whitespace
                sa = 0
                while sa < n and SPACE[p[sa]]:
                    sa += 1
                e = sa
                while e < n and not SPACE[p[e]]:
                    e += 1
                first[i] = self._find_span(p + sa, e - sa)
            else:
                second[i] = self._find_span(p + a, b - a)
                sa, e = 0, n
                while sa < e and SPACE[p[sa]]:
                    sa += 1
                while e > sa and SPACE[p[e - 1]]:
                    e -= 1
                first[i] = self._find_span(p + sa, e - sa)
        return first_, second_, cut_.view(np.bool_)


# ---------------------------------------------------------------------------------------
# The other per-token passes of `check` (each equal to its numpy reference, tested)

ctypedef struct IdKey:
    uint64_t k0        # the sort key: bytes 0..7 big-endian, zero-padded (or the number)
    uint64_t k1        # bytes 8..15
    const uint8_t *p   # the name's bytes (beyond 16: compared when k0, k1 tie)
    uint32_t n
    int64_t index      # position in the names: ties keep the names' order (stable)


cdef int compare_ids(const void *x, const void *y) noexcept nogil:
    cdef const IdKey *a = <const IdKey *>x
    cdef const IdKey *b = <const IdKey *>y
    cdef uint32_t i, n
    cdef uint8_t ca, cb
    if a.k0 != b.k0:
        return -1 if a.k0 < b.k0 else 1
    if a.k1 != b.k1:
        return -1 if a.k1 < b.k1 else 1
    if a.n > 16 or b.n > 16:  # zero-padded comparison of the rest, as `id_keys` does
        n = max(a.n, b.n)
        for i in range(16, n):
            ca = a.p[i] if i < a.n else 0
            cb = b.p[i] if i < b.n else 0
            if ca != cb:
                return -1 if ca < cb else 1
    if a.index != b.index:
        return -1 if a.index < b.index else 1
    return 0


cdef extern from "stdlib.h":
    void qsort(void *base, size_t n, size_t size,
               int (*compare)(const void *, const void *) noexcept nogil) nogil


cdef bint radix_sort(IdKey *keys, Py_ssize_t m, bint by_k1) noexcept nogil:
    """Sort by (k0, k1) with a stable LSD radix sort (16-bit digits; a digit all keys
    share costs one counting pass), then sort each run of equal words that holds a name
    longer than 16 bytes by its full key. False when memory ran out (then use qsort)."""
    cdef IdKey *tmp = <IdKey *>malloc(m * sizeof(IdKey))
    cdef int64_t *count = <int64_t *>malloc(65536 * sizeof(int64_t))
    cdef IdKey *src = keys
    cdef IdKey *dst = tmp
    cdef IdKey *swap
    cdef Py_ssize_t i, start
    cdef int64_t total, c
    cdef int word, shift
    cdef uint64_t key
    cdef bint longer
    if tmp == NULL or count == NULL:
        free(tmp)
        free(count)
        return False
    for word in range(2):
        if word == 0 and not by_k1:
            continue
        for shift in range(0, 64, 16):
            memset(count, 0, 65536 * sizeof(int64_t))
            for i in range(m):
                key = src[i].k1 if word == 0 else src[i].k0
                count[(key >> shift) & 0xFFFF] += 1
            if count[((src[0].k1 if word == 0 else src[0].k0) >> shift) & 0xFFFF] == m:
                continue  # every key has this digit: the order stays
            total = 0
            for i in range(65536):
                c = count[i]
                count[i] = total
                total += c
            for i in range(m):
                key = src[i].k1 if word == 0 else src[i].k0
                c = (key >> shift) & 0xFFFF
                dst[count[c]] = src[i]
                count[c] += 1
            swap = src
            src = dst
            dst = swap
    if src != keys:
        memcpy(keys, src, m * sizeof(IdKey))
    free(tmp)
    free(count)
    start = 0
    while start < m:  # runs of equal words: only names beyond 16 bytes may differ
        i = start + 1
        longer = keys[start].n > 16
        while i < m and keys[i].k0 == keys[start].k0 and keys[i].k1 == keys[start].k1:
            longer = longer or keys[i].n > 16
            i += 1
        if longer and i - start > 1:
            qsort(keys + start, i - start, sizeof(IdKey), compare_ids)
        start = i
    return True


cdef inline uint64_t big_endian_word(const uint8_t *p, uint32_t n) noexcept nogil:
    """Bytes p[0:min(n, 8)] as a big-endian word, zero-padded on the right."""
    cdef uint64_t w = 0
    cdef uint32_t i
    for i in range(8):
        w = (w << 8) | (p[i] if i < n else 0)
    return w


def id_ranks(names) -> object:
    """`gramfix.itemorder.id_ranks` compiled: the rank of every name when the IDs are
    sorted (numerically when every name is a number of at most 18 digits, else by
    zero-padded bytes; ties keep the names' order). None when a name is not ASCII:
    the numpy reference handles those."""
    import numpy as np

    cdef Py_ssize_t m = len(names), i
    cdef IdKey *keys
    cdef const uint8_t *p
    cdef uint32_t n, j
    cdef bint numeric = True
    cdef uint64_t value
    if m == 0:
        return np.zeros(0, np.int64)
    keys = <IdKey *>malloc(m * sizeof(IdKey))
    if keys == NULL:
        raise MemoryError()
    try:
        i = -1
        for name in names:
            i += 1
            if not PyUnicode_Check(name) or not PyUnicode_IS_COMPACT_ASCII(name):
                return None
            n = <uint32_t>PyUnicode_GET_LENGTH(name)
            p = <const uint8_t *>PyUnicode_DATA(name)
            keys[i].p = p
            keys[i].n = n
            keys[i].index = i
            if numeric and (n == 0 or n > 18):
                numeric = False
            j = 0
            while numeric and j < n:
                if p[j] < 48 or p[j] > 57:
                    numeric = False
                j += 1
        with nogil:
            for i in range(m):
                if numeric:
                    value = 0
                    for j in range(keys[i].n):
                        value = value * 10 + (keys[i].p[j] - 48)
                    keys[i].k0 = value
                    keys[i].k1 = 0
                    keys[i].n = 0  # numbers compare by value alone
                else:
                    keys[i].k0 = big_endian_word(keys[i].p, keys[i].n)
                    keys[i].k1 = (big_endian_word(keys[i].p + 8, keys[i].n - 8)
                                  if keys[i].n > 8 else 0)
            if not radix_sort(keys, m, not numeric):
                qsort(keys, m, sizeof(IdKey), compare_ids)
        ranks = np.empty(m, np.int64)
        fill_ranks(keys, m, ranks)
        return ranks
    finally:
        free(keys)


cdef void fill_ranks(const IdKey *keys, Py_ssize_t m, int64_t[::1] ranks) noexcept:
    cdef Py_ssize_t r
    for r in range(m):
        ranks[keys[r].index] = r


def unsorted_users(const int32_t[::1] codes, const int64_t[::1] lengths,
                   const int64_t[::1] ranks) -> object:
    """Per user (histories of ``lengths`` items, one after another in ``codes``):
    whether some item has a lower rank than the item before it."""
    import numpy as np

    cdef Py_ssize_t u, n_users = lengths.shape[0]
    cdef int64_t p, start = 0, end
    out = np.zeros(n_users, np.uint8)
    cdef uint8_t[::1] unsorted = out
    check_histories(codes, lengths, ranks.shape[0])
    with nogil:
        for u in range(n_users):
            end = start + lengths[u]
            p = start + 1
            while p < end:
                if ranks[codes[p]] < ranks[codes[p - 1]]:
                    unsorted[u] = 1
                    break
                p += 1
            start = end
    return out.view(np.bool_)


cdef int check_histories(const int32_t[::1] codes, const int64_t[::1] lengths,
                         Py_ssize_t n_items) except -1:
    """Refuse arguments that would make a pass read outside its arrays."""
    cdef int64_t total = 0
    cdef Py_ssize_t i
    for i in range(lengths.shape[0]):
        if lengths[i] < 0:
            raise ValueError("a negative history length")
        total += lengths[i]
    if total > codes.shape[0]:
        raise ValueError("the lengths add up to more than the codes")
    for i in range(total):
        if codes[i] < 0 or codes[i] >= n_items:
            raise ValueError("an item code outside the items")
    return 0


def window_hits(const int32_t[::1] codes, const int64_t[::1] lengths, int64_t window,
                const uint8_t[::1] resolved) -> object:
    """`gramfix.samples._window_hits` compiled: per label (0 none, 1 train, 2 valid,
    3 test), the resolved slots of the recent windows and the samples whose window
    resolves nothing. ``resolved`` holds one byte (0 or 1) per item."""
    import numpy as np

    cdef Py_ssize_t u, n_users = lengths.shape[0]
    cdef int64_t p, n, start = 0, s, label
    cdef int64_t hits[4]
    cdef int64_t dead[4]
    if window < 0:
        raise ValueError("a negative window")
    check_histories(codes, lengths, resolved.shape[0])
    memset(hits, 0, sizeof(hits))
    memset(dead, 0, sizeof(dead))
    with nogil:
        for u in range(n_users):
            n = lengths[u]
            s = 0  # resolved items among the last min(p, window) before position p
            for p in range(1, n):
                s += resolved[codes[start + p - 1]]
                if p > window:
                    s -= resolved[codes[start + p - 1 - window]]
                label = 3 if p == n - 1 else (2 if p == n - 2 else 1)
                hits[label] += s
                dead[label] += s == 0
            start += n
    return (np.array([hits[0], hits[1], hits[2], hits[3]], np.int64),
            np.array([dead[0], dead[1], dead[2], dead[3]], np.int64))


def item_counts(const int32_t[::1] codes, const int64_t[::1] lengths, Py_ssize_t n_items) -> object:
    """`gramfix.samples._item_counts` compiled: interactions of each item in all, and as
    the validation (s[-2]) and test (s[-1]) target of its users, in one pass."""
    import numpy as np

    cdef Py_ssize_t u, n_users = lengths.shape[0]
    cdef int64_t p, n, start = 0
    check_histories(codes, lengths, n_items)
    # Counted in 32 bits (half the cache lines of a random increment: most of the
    # pass) when no count can overflow them, then widened.
    narrow = codes.shape[0] < 0x7FFFFFFF
    total_ = np.zeros(n_items, np.int32 if narrow else np.int64)
    valid_ = np.zeros(n_items, np.int64)
    test_ = np.zeros(n_items, np.int64)
    cdef int32_t[::1] total32
    cdef int64_t[::1] total64
    cdef int64_t[::1] valid = valid_
    cdef int64_t[::1] test = test_
    cdef int64_t counted = 0  # the codes of the histories (check_histories checked them)
    for u in range(n_users):
        counted += lengths[u]
    if narrow:
        total32 = total_
        with nogil:
            for p in range(counted):
                total32[codes[p]] += 1
    else:
        total64 = total_
        with nogil:
            for p in range(counted):
                total64[codes[p]] += 1
    with nogil:
        for u in range(n_users):
            n = lengths[u]
            if n >= 1:
                test[codes[start + n - 1]] += 1
            if n >= 2:
                valid[codes[start + n - 2]] += 1
            start += n
    return total_.astype(np.int64, copy=False), valid_, test_


def samples_and_slots(const int64_t[::1] lengths, int64_t window) -> object:
    """`gramfix.engine.windows._samples_and_slots` compiled: per label (0 none, 1 train,
    2 valid, 3 test), the samples and the recent-window slots, in one pass."""
    import numpy as np

    cdef Py_ssize_t u
    cdef int64_t n, m, inside
    cdef int64_t samples[4]
    cdef int64_t slots[4]
    if window < 0:
        raise ValueError("a negative window")
    memset(samples, 0, sizeof(samples))
    memset(slots, 0, sizeof(slots))
    with nogil:
        for u in range(lengths.shape[0]):
            n = lengths[u]
            m = n - 3 if n > 3 else 0  # training targets at positions 1..n-3
            inside = m if m < window else window  # positions 1..inside have window p
            samples[1] += m
            slots[1] += inside * (inside + 1) // 2 + (m - inside) * window
            if n >= 3:
                samples[2] += 1
                slots[2] += n - 2 if n - 2 < window else window
            if n >= 2:
                samples[3] += 1
                slots[3] += n - 1 if n - 1 < window else window
    return (np.array([samples[0], samples[1], samples[2], samples[3]], np.int64),
            np.array([slots[0], slots[1], slots[2], slots[3]], np.int64))


ctypedef struct OrderKey:  # an item's place in the sorted-ID order, 16 bytes
    uint64_t k0        # bytes 0..7 big-endian, zero-padded (or the number)
    uint64_t k1        # bytes 8..15


cdef inline bint id_before(const OrderKey *keys, const uint8_t **rest, const uint32_t *sizes,
                           int32_t b, int32_t a) noexcept nogil:
    """Whether item b comes before item a in the sorted-ID order (`id_ranks`: the keys,
    the bytes beyond 16 zero-padded when a name is that long, then the names' order)."""
    cdef uint32_t i, n
    cdef uint8_t ca, cb
    if keys[b].k0 != keys[a].k0:
        return keys[b].k0 < keys[a].k0
    if keys[b].k1 != keys[a].k1:
        return keys[b].k1 < keys[a].k1
    if rest != NULL and (sizes[a] > 16 or sizes[b] > 16):
        n = max(sizes[a], sizes[b])
        for i in range(16, n):
            ca = rest[a][i] if i < sizes[a] else 0
            cb = rest[b][i] if i < sizes[b] else 0
            if ca != cb:
                return cb < ca
    return b < a


def unsorted_by_id(const int32_t[::1] codes, const int64_t[::1] lengths, list names,
                   const uint64_t[:, ::1] order_keys=None, bint digits_only=False) -> object:
    """`unsorted_users(codes, lengths, id_ranks(names))` without sorting the names: each
    pair of neighbours is compared by its sort keys directly (the order `id_ranks`
    sorts by). None when a name is not ASCII (the numpy reference handles those).

    ``order_keys`` (the scan's `ScanResult.order_keys`, names of at most 16 bytes) and
    ``digits_only`` spare reading the names: a million strings scattered in memory."""
    import numpy as np

    cdef Py_ssize_t m = len(names), i, u, n_users = lengths.shape[0]
    cdef OrderKey *keys
    cdef const uint8_t **rest = NULL
    cdef uint32_t *sizes = NULL
    cdef const uint8_t *p
    cdef uint32_t n, j, longest = 0
    cdef bint numeric = True
    cdef uint64_t value, c
    cdef int64_t q, start = 0, end
    check_histories(codes, lengths, m)
    out = np.zeros(n_users, np.uint8)
    cdef uint8_t[::1] unsorted = out
    if m == 0:
        return out.view(np.bool_)
    keys = <OrderKey *>malloc(m * sizeof(OrderKey))
    if keys == NULL:
        raise MemoryError()
    if order_keys is not None:
        if order_keys.shape[0] != m:
            free(keys)
            raise ValueError("one sort key per name")
        with nogil:
            for i in range(m):
                keys[i].k0 = order_keys[i, 0]
                keys[i].k1 = order_keys[i, 1]
                if digits_only:  # the number: the digits of the two words
                    value = 0
                    for j in range(16):
                        c = (keys[i].k0 >> (56 - 8 * j)) & 0xFF if j < 8 else (
                            keys[i].k1 >> (56 - 8 * (j - 8))) & 0xFF
                        if c == 0:
                            break
                        value = value * 10 + (c - 48)
                    keys[i].k0 = value
                    keys[i].k1 = 0
        numeric = digits_only
        longest = 0
    try:
        for i in range(m if order_keys is None else 0):
            name = names[i]
            if not PyUnicode_Check(name) or not PyUnicode_IS_COMPACT_ASCII(name):
                return None
            n = <uint32_t>PyUnicode_GET_LENGTH(name)
            p = <const uint8_t *>PyUnicode_DATA(name)
            if n > longest:
                longest = n
            if numeric and (n == 0 or n > 18):
                numeric = False
            j = 0
            while numeric and j < n:
                if p[j] < 48 or p[j] > 57:
                    numeric = False
                j += 1
            keys[i].k0 = big_endian_word(p, n)
            keys[i].k1 = big_endian_word(p + 8, n - 8) if n > 8 else 0
        if numeric and order_keys is None:  # every name is a number: the numeric order
            for i in range(m):
                p = <const uint8_t *>PyUnicode_DATA(names[i])
                n = <uint32_t>PyUnicode_GET_LENGTH(names[i])
                value = 0
                for j in range(n):
                    value = value * 10 + (p[j] - 48)
                keys[i].k0 = value
                keys[i].k1 = 0
        elif longest > 16:  # the bytes beyond 16 decide between equal words
            rest = <const uint8_t **>malloc(m * sizeof(uint8_t *))
            sizes = <uint32_t *>malloc(m * sizeof(uint32_t))
            if rest == NULL or sizes == NULL:
                raise MemoryError()
            for i in range(m):
                rest[i] = <const uint8_t *>PyUnicode_DATA(names[i])
                sizes[i] = <uint32_t>PyUnicode_GET_LENGTH(names[i])
        with nogil:
            for u in range(n_users):
                end = start + lengths[u]
                q = start + 1
                while q < end:
                    if id_before(keys, rest, sizes, codes[q], codes[q - 1]):
                        unsorted[u] = 1
                        break
                    q += 1
                start = end
        return out.view(np.bool_)
    finally:
        free(keys)
        free(rest)
        free(sizes)


# ---------------------------------------------------------------------------------------
# Proof that serialised JSON reads back as the planned mapping

cdef inline const uint8_t *skip_ws(const uint8_t *p, const uint8_t *end) noexcept nogil:
    while p < end and (p[0] == 32 or p[0] == 10 or p[0] == 13 or p[0] == 9):
        p += 1
    return p


cdef inline int hex4(const uint8_t *p, const uint8_t *end) noexcept nogil:
    """The value of four hex digits at p, or -1."""
    cdef int v = 0, i, c
    if end - p < 4:
        return -1
    for i in range(4):
        c = p[i]
        if 48 <= c <= 57:
            v = v * 16 + c - 48
        elif 97 <= c <= 102:
            v = v * 16 + c - 87
        elif 65 <= c <= 70:
            v = v * 16 + c - 55
        else:
            return -1
    return v


cdef inline int put_utf8(uint8_t *out, uint32_t c) noexcept nogil:
    if c < 0x80:
        out[0] = c
        return 1
    if c < 0x800:
        out[0] = 0xC0 | (c >> 6)
        out[1] = 0x80 | (c & 0x3F)
        return 2
    if c < 0x10000:
        out[0] = 0xE0 | (c >> 12)
        out[1] = 0x80 | ((c >> 6) & 0x3F)
        out[2] = 0x80 | (c & 0x3F)
        return 3
    out[0] = 0xF0 | (c >> 18)
    out[1] = 0x80 | ((c >> 12) & 0x3F)
    out[2] = 0x80 | ((c >> 6) & 0x3F)
    out[3] = 0x80 | (c & 0x3F)
    return 4


cdef enum:
    VERIFIED = 1
    DIFFERENT = 0
    UNDECIDED = -1


cdef inline int string_equals(const uint8_t **at, const uint8_t *end, const uint8_t *want,
                              Py_ssize_t n) noexcept nogil:
    """Decode the JSON string at *at (just past its opening quote) as json.load does
    and compare it with the UTF-8 bytes ``want``; *at moves past the closing quote.
    UNDECIDED for what this decoder does not prove (a lone surrogate escape)."""
    cdef const uint8_t *p = at[0]
    cdef Py_ssize_t k = 0, j, w
    cdef int c, lo
    cdef uint32_t code
    cdef uint8_t buf[4]
    while True:
        if p >= end:
            return DIFFERENT  # an unterminated string: json.load fails
        c = p[0]
        if c == 34:  # the closing quote
            at[0] = p + 1
            return VERIFIED if k == n else DIFFERENT
        if c < 0x20:
            return DIFFERENT  # a raw control character: json.load (strict) refuses it
        if c != 92:
            if k >= n or want[k] != c:
                return DIFFERENT
            k += 1
            p += 1
            continue
        if p + 1 >= end:
            return DIFFERENT
        c = p[1]
        p += 2
        if c == 34 or c == 92 or c == 47:
            code = c
        elif c == 98:
            code = 8
        elif c == 102:
            code = 12
        elif c == 110:
            code = 10
        elif c == 114:
            code = 13
        elif c == 116:
            code = 9
        elif c == 117:
            c = hex4(p, end)
            if c < 0:
                return DIFFERENT
            p += 4
            code = <uint32_t>c
            if 0xD800 <= code <= 0xDBFF:  # a high surrogate: a pair, or undecided
                if end - p < 6 or p[0] != 92 or p[1] != 117:
                    return UNDECIDED
                lo = hex4(p + 2, end)
                if not (0xDC00 <= lo <= 0xDFFF):
                    return UNDECIDED
                p += 6
                code = 0x10000 + ((code - 0xD800) << 10) + (<uint32_t>lo - 0xDC00)
            elif 0xDC00 <= code <= 0xDFFF:
                return UNDECIDED
        else:
            return DIFFERENT  # an invalid escape
        w = put_utf8(buf, code)
        if k + w > n:
            return DIFFERENT
        for j in range(w):
            if want[k + j] != buf[j]:
                return DIFFERENT
        k += w


def verify_json_mapping(data, dict entries) -> object:
    """Whether ``json.loads(data)`` is exactly ``entries`` (the same keys, in the same
    order, with the same int values), decided without building the parsed dict: True,
    False, or None when this check cannot decide (a value that is not an int of at most
    18 digits, a key with a lone surrogate, a number with a fraction or exponent); the
    caller then parses the data. Accepts only what json.load reads as an object whose
    members are strings mapped to integers."""
    cdef const uint8_t[::1] view_ = data
    cdef const uint8_t *p
    cdef const uint8_t *end
    cdef const uint8_t *want
    cdef Py_ssize_t pos = 0, n, digits
    cdef PyObject *key
    cdef PyObject *value
    cdef int status
    cdef bint negative
    cdef int64_t number
    cdef Py_ssize_t members = 0
    if view_.shape[0] == 0:
        return False
    p = &view_[0]
    end = p + view_.shape[0]
    p = skip_ws(p, end)
    if p >= end or p[0] != 123:  # {
        return False
    p = skip_ws(p + 1, end)
    if p < end and p[0] == 125:  # an empty object
        p = skip_ws(p + 1, end)
        return p == end and len(entries) == 0
    while PyDict_Next(entries, &pos, &key, &value):
        if members:
            if p >= end or p[0] != 44:  # ,
                return False
            p = skip_ws(p + 1, end)
        members += 1
        if p >= end or p[0] != 34:
            return False
        if type(<object>key) is not str or type(<object>value) is not int:
            return None
        try:
            want = <const uint8_t *>PyUnicode_AsUTF8AndSize(<object>key, &n)
        except UnicodeEncodeError:
            return None  # a lone surrogate: the caller parses
        p += 1
        status = string_equals(&p, end, want, n)
        if status != VERIFIED:
            return None if status == UNDECIDED else False
        p = skip_ws(p, end)
        if p >= end or p[0] != 58:  # :
            return False
        p = skip_ws(p + 1, end)
        negative = p < end and p[0] == 45
        if negative:
            p += 1
        digits = 0
        number = 0
        while p < end and 48 <= p[0] <= 57:
            if digits == 18:
                return None  # more digits than an int64 surely holds: the caller parses
            number = number * 10 + (p[0] - 48)
            digits += 1
            p += 1
        if digits == 0 or (digits > 1 and p[-digits] == 48):
            return False  # no number, or a leading zero: not JSON
        if p < end and (p[0] == 46 or p[0] == 101 or p[0] == 69):
            return None  # a fraction or exponent: a float to json.load
        if (<object>value) != (-number if negative else number):
            return False
        p = skip_ws(p, end)
    if members != len(entries) or p >= end or p[0] != 125:
        return False  # more members in the text than in the mapping, or no closing brace
    p = skip_ws(p + 1, end)
    return p == end


def span_find(
    const uint64_t[::1] table_hash,
    const int32_t[::1] table_code,
    const uint64_t[:, ::1] columns,
    int shift,
    const uint64_t[::1] hashes,
    const uint64_t[:, ::1] rows,
) -> object:
    """`gramfix.engine.spans.SpanTable.find` compiled: the code of each span (-1: not in
    the table), by linear probing from ``hashes >> shift``; a span matches only when its
    row equals the candidate's on their common columns (column 0, the length, tells the
    rest). The table's arrays are those `SpanTable` built (a power-of-two size, codes
    below ``columns.shape[1]``); both are checked here, as nothing else bounds the reads."""
    import numpy as np

    cdef Py_ssize_t size = table_hash.shape[0], n = hashes.shape[0], i, c
    cdef Py_ssize_t width = min(rows.shape[1], columns.shape[0]), strings = columns.shape[1]
    cdef uint64_t mask, slot, stored, h
    cdef int64_t code
    cdef Py_ssize_t probes
    cdef bint same
    if size == 0 or size & (size - 1) or table_code.shape[0] != size:
        raise ValueError("the table is no power-of-two array of hashes and codes")
    if rows.shape[0] != n or not 0 <= shift < 64:
        raise ValueError("the spans and the table do not fit")
    mask = <uint64_t>(size - 1)
    out_ = np.full(n, -1, np.int64)
    cdef int64_t[::1] out = out_
    with nogil:
        for i in range(n):
            h = hashes[i]
            slot = (h >> shift) & mask
            for probes in range(size):  # a table without a free slot ends the probe
                stored = table_hash[slot]
                if stored == 0:
                    break
                if stored == h:
                    code = table_code[slot]
                    if 0 <= code < strings:  # a code past the strings is never read
                        same = True
                        for c in range(width):
                            if rows[i, c] != columns[c, code]:
                                same = False
                                break
                        if same:
                            out[i] = code
                            break
                slot = (slot + 1) & mask
    return out_
