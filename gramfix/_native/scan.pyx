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

Design (measured in benchmarks/native.py; lessons of the prototype in issue 15):

* Two open-addressing tables (items, users) of 32-byte slots, 64-byte aligned, linear
  probing, at most half full. A key of up to 16 bytes lives inline in its slot, so
  a lookup is one cache line; longer keys live in an arena and are compared with
  ``memcmp``. Matching compares the length and the bytes, never the hash alone: the
  tables are exact.
* Tokens are found 8 bytes at a time (a word test for any byte below ``!`` or above
  ``~``), hashed as they are cut, and their home slots prefetched; they are looked up
  in batches, in file order, so the memory latency of one lookup hides behind the
  others and codes are still numbered in order of first sighting.
* One thread: a second core did not pay for its merge in the prototype.

Nothing here imports numpy at module level: ``import gramfix._native.scan`` must stay
cheap (``gramfix --version`` names the engine).
"""

from cpython.unicode cimport PyUnicode_Check
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memcmp, memcpy, memmove, memset

from cython cimport view


cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    #if defined(__GNUC__) || defined(__clang__)
    #define GF_PREFETCH(p) __builtin_prefetch((const void *)(p))
    #define GF_CTZ64(x) ((unsigned)__builtin_ctzll(x))
    #define GF_LIKELY(x) __builtin_expect(!!(x), 1)
    #define GF_UNLIKELY(x) __builtin_expect(!!(x), 0)
    #else
    #define GF_PREFETCH(p) ((void)0)
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


#: CRC-32 of this file's text when it was compiled (set by setup.py): gramfix._native
#: refuses a build older than its source (an editable install whose .pyx changed).
SOURCE_CRC = GF_SOURCE_CRC.decode("ascii")


class NeedsExactReader(Exception):
    """The file has something only the line-by-line reader takes (the reason says what)."""


cdef enum:
    BATCH = 32          # tokens looked up together (their slots prefetched meanwhile)
    GROW_BATCH = 64     # slots moved together when a table doubles
    PAD = 32            # zero bytes after the buffer: word loads never leave it
    EXAMPLES = 5
    NEEDS_EXACT_BYTE = 1
    NEEDS_EXACT_LONE_CR = 2
    NEEDS_EXACT_EMPTY_USER = 3


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


cdef inline uint64_t fmix(uint64_t h) noexcept nogil:
    h ^= h >> 33
    h *= 0xFF51AFD7ED558CCDULL
    h ^= h >> 33
    h *= 0xC4CEB9FE1A85EC53ULL
    h ^= h >> 33
    return h


cdef inline uint64_t hash_short(uint64_t w0, uint64_t w1, uint32_t n) noexcept nogil:
    """Hash of a key of 1..16 bytes held in two zero-padded words."""
    return fmix((w0 * K1) ^ ((w1 + n) * K2) ^ (w1 >> 29))


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
# The table

ctypedef struct Slot:  # 32 bytes: two per cache line
    uint64_t w0        # bytes 0..7 of the key (zero-padded); for longer keys: arena offset
    uint64_t w1        # bytes 8..15 (zero-padded); for longer keys: bytes 0..7
    uint32_t length    # 0: empty slot
    uint32_t hash32    # top 32 bits of the hash: the home slot, and a quick reject
    int32_t id         # entry number (insertion order)
    int32_t code       # dense code given by the owner (-1: none yet)

ctypedef struct Table:
    Slot *slots
    void *raw          # the allocation (slots are aligned inside it)
    uint32_t bits
    uint64_t mask
    int64_t size
    uint8_t *arena     # bytes of keys longer than 16
    int64_t arena_size
    int64_t arena_cap


cdef int table_init(Table *t, uint32_t bits) except -1:
    cdef size_t n = (<size_t>1) << bits
    t.raw = calloc(n * sizeof(Slot) + 64, 1)
    if t.raw == NULL:
        raise MemoryError()
    gf_advise_huge(t.raw, n * sizeof(Slot) + 64)
    t.slots = <Slot *>(((<size_t>t.raw) + 63) & ~(<size_t>63))
    t.bits = bits
    t.mask = n - 1
    t.size = 0
    return 0


cdef void table_free(Table *t) noexcept nogil:
    free(t.raw)
    free(t.arena)
    t.raw = NULL
    t.slots = NULL
    t.arena = NULL
    t.size = 0


cdef inline bint same_key(Table *t, Slot *s, const uint8_t *p, uint32_t n,
                          uint64_t w0, uint64_t w1, uint32_t h32) noexcept nogil:
    if s.length != n:
        return False
    if n <= 16:
        return s.w0 == w0 and s.w1 == w1
    return s.hash32 == h32 and s.w1 == w1 and memcmp(t.arena + s.w0, p, n) == 0


cdef inline Slot *table_probe(Table *t, const uint8_t *p, uint32_t n, uint64_t h,
                              uint64_t w0, uint64_t w1) noexcept nogil:
    """The slot holding the key, or the empty slot where it belongs."""
    cdef uint64_t i = h >> (64 - t.bits)
    cdef uint32_t h32 = <uint32_t>(h >> 32)
    cdef Slot *s
    while True:
        s = &t.slots[i]
        if s.length == 0 or same_key(t, s, p, n, w0, w1, h32):
            return s
        i = (i + 1) & t.mask


cdef int table_grow(Table *t) except -1 nogil:
    """Twice the slots, every entry re-placed by its stored hash (keys are not re-read).

    The entries are moved a batch at a time, their new home slots prefetched first: a
    rehash is then bound by memory bandwidth, not by one cache miss per entry.
    """
    cdef Slot *old = t.slots
    cdef void *old_raw = t.raw
    cdef uint64_t n_old = t.mask + 1
    cdef uint32_t bits = t.bits + 1
    cdef size_t n = (<size_t>1) << bits
    cdef void *raw = calloc(n * sizeof(Slot) + 64, 1)
    cdef Slot *slots
    cdef uint64_t j, i, k, end, mask = n - 1
    cdef uint64_t home[GROW_BATCH]
    cdef Slot *moving[GROW_BATCH]
    cdef int m, b
    if raw == NULL:
        with gil:
            raise MemoryError()
    gf_advise_huge(raw, n * sizeof(Slot) + 64)
    slots = <Slot *>(((<size_t>raw) + 63) & ~(<size_t>63))
    j = 0
    while j < n_old:
        m = 0
        end = min(j + GROW_BATCH, n_old)
        for k in range(j, end):
            if old[k].length:
                moving[m] = &old[k]
                home[m] = (<uint64_t>old[k].hash32) >> (32 - bits)
                GF_PREFETCH(&slots[home[m]])
                m += 1
        for b in range(m):
            i = home[b]
            while slots[i].length:
                i = (i + 1) & mask
            slots[i] = moving[b][0]
        j = end
    free(old_raw)
    t.raw = raw
    t.slots = slots
    t.bits = bits
    t.mask = mask
    return 0


cdef int table_insert(Table *t, Slot *s, const uint8_t *p, uint32_t n, uint64_t h,
                      uint64_t w0, uint64_t w1, int32_t code) except -1 nogil:
    """Fill the empty slot ``s`` with the key (its entry number is the table's size)."""
    cdef int64_t need
    cdef uint8_t *grown
    if n > 16:
        need = t.arena_size + n
        if need > t.arena_cap:
            t.arena_cap = max(2 * t.arena_cap, need, 1 << 16)
            grown = <uint8_t *>realloc(t.arena, t.arena_cap)
            if grown == NULL:
                with gil:
                    raise MemoryError()
            t.arena = grown
        memcpy(t.arena + t.arena_size, p, n)
        w0 = <uint64_t>t.arena_size
        t.arena_size = need
    s.w0 = w0
    s.w1 = w1
    s.length = n
    s.hash32 = <uint32_t>(h >> 32)
    s.id = <int32_t>t.size
    s.code = code
    t.size += 1
    return 0


cdef inline int table_reserve(Table *t, int64_t more) except -1 nogil:
    """Keep the table at most half full once ``more`` keys are added."""
    while 2 * (t.size + more) > <int64_t>(t.mask + 1):
        table_grow(t)
    return 0


cdef inline uint64_t words_of(const uint8_t *p, uint32_t n, uint64_t *w1) noexcept nogil:
    """The two key words of a token in a padded buffer (reads up to 16 bytes from p);
    for a token longer than 16 bytes, w1 is its first word and w0 is left 0."""
    cdef uint64_t a, b
    if n <= 8:
        w1[0] = 0
        return gf_load64(p) & KEEP[n]
    a = gf_load64(p)
    if n <= 16:
        w1[0] = gf_load64(p + 8) & KEEP[n - 8]
        return a
    w1[0] = a
    return 0


cdef inline uint64_t hash_token(const uint8_t *p, uint32_t n, uint64_t w0, uint64_t w1) noexcept nogil:
    if n <= 16:
        return hash_short(w0, w1, n)
    return hash_long(p, n)


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
        return np.zeros(0, dtype)
    data = <char *>realloc(g.data, g.size * g.itemsize)  # give back the unused tail
    if data == NULL:
        data = g.data
    g.data = NULL
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

ctypedef struct Pending:
    const uint8_t *p
    uint64_t h
    uint64_t w0
    uint64_t w1
    uint32_t n
    int64_t dest      # position in the codes (items) or line index (users)


cdef class ScanResult:
    """What `Scanner.finish` returns: the raw material of a `Sequences`."""

    cdef readonly object codes          # int32, universe code of every item token, file order
    cdef readonly object n_items        # int64, items on each user line (a line with a space)
    cdef readonly object user_of_line   # int32, user code of each user line (first-seen order)
    cdef readonly object line_numbers   # int64, 1-based line number of each user line
    cdef readonly object line_offsets   # int64, byte offset of each user line in the file
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


cdef class Scanner:
    """Feed the file's bytes in blocks of any size, then `finish`.

    ``known`` (the mapping's keys) pre-fills the item table in key order, so that the
    universe code of every key comes out of the scan (``ScanResult.known_codes``).
    """

    cdef Table items
    cdef Table users
    cdef Grow codes, n_items, user_of_line, line_numbers, line_offsets
    cdef Grow order            # int32: entry id of each universe code
    cdef Grow entry_code       # int32: universe code of each entry (-1: not seen)
    cdef Grow user_last        # int64: last user line of each user
    cdef Grow seed_pos         # int64: key position of each seeded entry
    cdef int64_t n_seeded
    cdef int64_t n_known
    cdef object seeded         # list[str]: the seeded keys, in entry order
    cdef bint has_known
    cdef uint8_t *buf          # carried partial line + the current block, PAD bytes spare
    cdef int64_t buf_len
    cdef int64_t buf_cap
    cdef int64_t offset        # file offset of buf[0]
    cdef int64_t lines, crlf, n_empty, n_no_space, n_universe, longest_name
    cdef int64_t empty_ex[EXAMPLES]
    cdef int64_t no_space_ex[EXAMPLES]
    cdef Grow extra            # bytes of the entries added while scanning, '\n' after each
    cdef Pending item_batch[BATCH]
    cdef Pending user_batch[BATCH]
    cdef int n_item_batch, n_user_batch
    cdef bint finished
    cdef bint failed

    def __cinit__(self, known=None, Py_ssize_t size_hint=0):
        cdef int64_t n_known = len(known) if known is not None else 0
        # Tables start small and double as they fill (a rehash costs little next to
        # the scan): their pages are all touched, so a generous start costs memory.
        cdef uint32_t bits = 16
        while (<int64_t>1 << bits) < 2 * n_known:
            bits += 1
        table_init(&self.items, bits)
        bits = 16
        table_init(&self.users, bits)
        # An item takes at least two bytes of the file; a line at least one.
        grow_init(&self.codes, 4, size_hint // 2 + 1)
        grow_init(&self.n_items, 8, size_hint // 64 + 1)
        grow_init(&self.user_of_line, 4, size_hint // 64 + 1)
        grow_init(&self.line_numbers, 8, size_hint // 64 + 1)
        grow_init(&self.line_offsets, 8, size_hint // 64 + 1)
        grow_init(&self.order, 4, 1024)
        grow_init(&self.entry_code, 4, n_known + 1024)
        grow_init(&self.user_last, 8, 1024)
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
        table_free(&self.items)
        table_free(&self.users)
        free(self.codes.data)
        free(self.n_items.data)
        free(self.user_of_line.data)
        free(self.line_numbers.data)
        free(self.line_offsets.data)
        free(self.order.data)
        free(self.entry_code.data)
        free(self.user_last.data)
        free(self.seed_pos.data)
        free(self.extra.data)
        free(self.buf)

    cdef int _seed(self, known) except -1:
        """Add the keys that can be tokens (non-empty printable ASCII without spaces),
        entry numbers in key order; other keys can never be an item of a file this
        scanner takes."""
        cdef Py_ssize_t position = -1
        cdef const uint8_t *p
        cdef uint32_t n, i
        cdef uint64_t w0, w1, h
        cdef uint8_t local[24]
        cdef Slot *s
        cdef int32_t *entry_code
        cdef int64_t *seed_pos
        for key in known:
            position += 1
            if not PyUnicode_Check(key) or not PyUnicode_IS_COMPACT_ASCII(key):
                continue
            n = <uint32_t>PyUnicode_GET_LENGTH(key)
            p = <const uint8_t *>PyUnicode_DATA(key)
            if n == 0:
                continue
            for i in range(n):
                if p[i] <= 32 or p[i] >= 127:
                    break
            else:
                if n <= 16:
                    memset(local, 0, 24)
                    memcpy(local, p, n)
                    w0 = words_of(local, n, &w1)
                else:
                    w0 = 0
                    w1 = gf_load64(p)
                h = hash_token(p, n, w0, w1)
                table_reserve(&self.items, 1)
                s = table_probe(&self.items, p, n, h, w0, w1)
                if s.length:
                    raise ValueError("known keys must be distinct")
                table_insert(&self.items, s, p, n, h, w0, w1, -1)
                grow_reserve(&self.entry_code, 1)
                grow_reserve(&self.seed_pos, 1)
                (<int32_t *>self.entry_code.data)[self.entry_code.size] = -1
                self.entry_code.size += 1
                (<int64_t *>self.seed_pos.data)[self.seed_pos.size] = position
                self.seed_pos.size += 1
                self.seeded.append(key)
        self.n_seeded = self.items.size
        return 0

    def feed(self, data) -> None:
        """Scan the next block of the file (any size; lines may cross blocks)."""
        cdef const uint8_t[::1] view_ = data
        cdef int64_t n = view_.shape[0]
        cdef int64_t start = self.buf_len, cut, status
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
                self._flush_items()
                self._flush_users()
        if status:
            self.failed = True
            raise NeedsExactReader(
                {
                    NEEDS_EXACT_BYTE: "a byte other than printable ASCII, space, LF or CRLF",
                    NEEDS_EXACT_LONE_CR: "a lone CR",
                    NEEDS_EXACT_EMPTY_USER: "a line starting with a space",
                }[status]
            )
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
                grow_reserve(&self.n_items, 1)
                grow_reserve(&self.user_of_line, 1)
                grow_reserve(&self.line_numbers, 1)
                grow_reserve(&self.line_offsets, 1)
                k = self.n_items.size
                self._user(p, <uint32_t>(q - p), k)
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
                (<int64_t *>self.line_offsets.data)[k] = self.offset + (line - buf)
                self.n_items.size += 1
                self.user_of_line.size += 1
                self.line_numbers.size += 1
                self.line_offsets.size += 1
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
        cdef Pending *t = &self.item_batch[self.n_item_batch]
        cdef uint64_t w1
        t.w0 = words_of(p, n, &w1)
        t.w1 = w1
        t.h = hash_token(p, n, t.w0, w1)
        t.p = p
        t.n = n
        grow_reserve(&self.codes, 1)
        t.dest = self.codes.size
        self.codes.size += 1
        GF_PREFETCH(&self.items.slots[t.h >> (64 - self.items.bits)])
        self.n_item_batch += 1
        if self.n_item_batch == BATCH:
            self._flush_items()
        return 0

    cdef inline int _user(self, const uint8_t *p, uint32_t n, int64_t line) except -1 nogil:
        cdef Pending *t = &self.user_batch[self.n_user_batch]
        cdef uint64_t w1
        t.w0 = words_of(p, n, &w1)
        t.w1 = w1
        t.h = hash_token(p, n, t.w0, w1)
        t.p = p
        t.n = n
        t.dest = line
        GF_PREFETCH(&self.users.slots[t.h >> (64 - self.users.bits)])
        self.n_user_batch += 1
        if self.n_user_batch == BATCH:
            self._flush_users()
        return 0

    cdef int _flush_items(self) except -1 nogil:
        """Look the pending items up in file order: new items get the next universe code."""
        cdef int j
        cdef Pending *t
        cdef Slot *s
        cdef int32_t *codes
        cdef int32_t code
        table_reserve(&self.items, self.n_item_batch)
        codes = <int32_t *>self.codes.data
        for j in range(self.n_item_batch):
            t = &self.item_batch[j]
            s = table_probe(&self.items, t.p, t.n, t.h, t.w0, t.w1)
            if GF_UNLIKELY(s.length == 0):
                table_insert(&self.items, s, t.p, t.n, t.h, t.w0, t.w1, -1)
                grow_reserve(&self.entry_code, 1)
                (<int32_t *>self.entry_code.data)[self.entry_code.size] = -1
                self.entry_code.size += 1
                grow_reserve(&self.extra, t.n + 1)
                memcpy(self.extra.data + self.extra.size, t.p, t.n)
                self.extra.data[self.extra.size + t.n] = 10
                self.extra.size += t.n + 1
            code = s.code
            if GF_UNLIKELY(code < 0):
                code = s.code = <int32_t>self.n_universe
                self.n_universe += 1
                grow_reserve(&self.order, 1)
                (<int32_t *>self.order.data)[self.order.size] = s.id
                self.order.size += 1
                (<int32_t *>self.entry_code.data)[s.id] = code
                if t.n > self.longest_name:
                    self.longest_name = t.n
            codes[t.dest] = code
        self.n_item_batch = 0
        return 0

    cdef int _flush_users(self) except -1 nogil:
        """Look the pending users up in file order: a new user gets the next user code."""
        cdef int j
        cdef Pending *t
        cdef Slot *s
        cdef int32_t *user_of_line = <int32_t *>self.user_of_line.data
        table_reserve(&self.users, self.n_user_batch)
        for j in range(self.n_user_batch):
            t = &self.user_batch[j]
            s = table_probe(&self.users, t.p, t.n, t.h, t.w0, t.w1)
            if s.length == 0:
                table_insert(&self.users, s, t.p, t.n, t.h, t.w0, t.w1, <int32_t>self.users.size)
                grow_reserve(&self.user_last, 1)
                self.user_last.size += 1
            user_of_line[t.dest] = s.code
            (<int64_t *>self.user_last.data)[s.code] = t.dest
        self.n_user_batch = 0
        return 0

    def finish(self) -> ScanResult:
        """Scan the last line (a missing final newline is added, as the trainer's text
        mode reads it) and return the result."""
        import numpy as np

        cdef ScanResult r = ScanResult()
        cdef int64_t i, n_lines, n_keep
        cdef int64_t *last
        cdef int32_t *owner
        cdef Grow keep
        if self.finished or self.failed:
            raise ValueError("the scanner is finished")
        r.bytes_read = self.offset + self.buf_len
        if self.buf_len:
            self._room(self.buf_len + 1)
            self.buf[self.buf_len] = 10
            self.buf_len += 1
            self._scan(self.buf_len)
            self.offset += self.buf_len
            self.buf_len = 0
        self.finished = True
        table_free(&self.users)  # only the item table serves lookups afterwards
        n_lines = self.n_items.size
        r.n_users = self.user_last.size
        r.keep = None
        if r.n_users < n_lines:  # a user on several lines: the last one wins
            grow_init(&keep, 1, n_lines)
            last = <int64_t *>self.user_last.data
            owner = <int32_t *>self.user_of_line.data
            for i in range(n_lines):
                keep.data[i] = last[owner[i]] == i
            keep.size = n_lines
            r.keep = grow_to_numpy(&keep, "bool")
        free(self.user_last.data)
        self.user_last.data = NULL
        r.codes = grow_to_numpy(&self.codes, "int32")
        r.n_items = grow_to_numpy(&self.n_items, "int64")
        r.user_of_line = grow_to_numpy(&self.user_of_line, "int32")
        r.line_numbers = grow_to_numpy(&self.line_numbers, "int64")
        r.line_offsets = grow_to_numpy(&self.line_offsets, "int64")
        r.names = self._names()
        r.known_codes = None
        if self.has_known:
            known_codes = np.full(self.n_known, -1, np.int64)
            if self.n_seeded:
                seed_pos = np.asarray(<int64_t[:self.n_seeded]>(<int64_t *>self.seed_pos.data))
                entry_code = np.asarray(<int32_t[:self.n_seeded]>(<int32_t *>self.entry_code.data))
                known_codes[seed_pos] = entry_code
            r.known_codes = known_codes
        r.lines = self.lines
        r.crlf_lines = self.crlf
        r.empty_lines = self.n_empty
        r.empty_examples = [self.empty_ex[i] for i in range(min(self.n_empty, EXAMPLES))]
        r.no_space_lines = self.n_no_space
        r.no_space_examples = [self.no_space_ex[i] for i in range(min(self.n_no_space, EXAMPLES))]
        r.longest_name = self.longest_name
        return r

    cdef list _names(self):
        """The universe's names in code order: seeded keys are the very key objects."""
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

    def lookup(self, strings) -> object:
        """Universe code of each string (-1: not an item of the file); after `finish`."""
        import numpy as np

        cdef Py_ssize_t i, m = len(strings)
        cdef const uint8_t *p
        cdef uint32_t n, j
        cdef uint64_t w0, w1, h
        cdef uint8_t local[24]
        cdef Slot *s
        cdef bytes encoded
        if not self.finished:
            raise ValueError("lookup comes after finish")
        out = np.full(m, -1, np.int64)
        cdef int64_t[::1] codes = out
        i = -1
        for string in strings:
            i += 1
            if PyUnicode_Check(string) and PyUnicode_IS_COMPACT_ASCII(string):
                n = <uint32_t>PyUnicode_GET_LENGTH(string)
                p = <const uint8_t *>PyUnicode_DATA(string)
            else:
                try:
                    encoded = string.encode("ascii")
                except (UnicodeEncodeError, AttributeError):
                    continue  # the universe of a scanned file is ASCII
                n = <uint32_t>len(encoded)
                p = <const uint8_t *><const char *>encoded
            if n == 0:
                continue
            if n <= 16:
                memset(local, 0, 24)
                memcpy(local, p, n)
                w0 = words_of(local, n, &w1)
            else:
                w0 = 0
                w1 = gf_load64(p)
            h = hash_token(p, n, w0, w1)
            s = table_probe(&self.items, p, n, h, w0, w1)
            if s.length:
                codes[i] = s.code
        return out
