/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

/**
 * The one description of what lives in a slab chunk: an item, a free chunk, a value chunk of a large item, or an LRU
 * crawler cursor. Offsets are bytes from the start of the chunk; every chunk starts 8-byte aligned.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |  prev: LRU / free list / chunk chain (ref)                    |  0
 *  +---------------------------------------------------------------+
 *  |  next: LRU / free list / chunk chain (ref)                    |  4
 *  +---------------------------------------------------------------+
 *  |  time: last access, seconds (items) | head item ref (chunks)  |  8
 *  +---------------------------------------------------------------+
 *  |  exptime: seconds, 0 = never (items)                          | 12
 *  +---------------------------------------------------------------+
 *  |  nbytes: value length (items) | bytes used (chunks)           | 16
 *  +-------------------------------+-------------------------------+
 *  |  flags (low 16 bits)          |  refcount (high 16 bits)      | 20  the state word
 *  +---------------+---------------+-------------------------------+
 *  |  nkey         |  slab class   |  CAS (8 bytes, unless -C) ...   24
 *  +---------------+---------------+-------------------------------+
 *  |  client flags (4 bytes, only when non-zero)                   |
 *  +---------------------------------------------------------------+
 *  |  key (nkey bytes), then the value (nbytes bytes), no CRLF ...  |
 *  +---------------------------------------------------------------+
 * </pre>
 * An item whose total size exceeds the largest chunk is {@link #CHUNKED}: after its key it holds the ref of its first
 * value chunk, and its value lives in a chain of {@link #CHUNK} chunks whose data starts at {@link #CHUNK_DATA_OFFSET}.
 * <p>
 * Guards, by field: {@code prev}/{@code next} by the slab class lock (LRU links and free list); {@code time} and the
 * flag bits FETCHED/ACTIVE by the stripe read lock, racy but single-word; every other field of a linked item by its
 * hash stripe's write lock. The state word is only ever changed with a compare-and-set, because readers holding a
 * stripe read lock set FETCHED/ACTIVE and take references while the LRU maintainer changes the segment bits.
 * An item is freed exactly once: by whoever clears {@link #LINKED} while the refcount is zero, or by whoever drops the
 * refcount to zero while {@link #LINKED} is clear.
 * <p>
 * A ref names a chunk: the page number in the high 15 bits and the offset within the 1 MiB page in 8-byte units in
 * the low 17 bits. Page 0 is the engine's system page (crawler cursors); ref 0 is null.
 */
final class ItemDescriptor
{
    /** Slab page size: fixed at 1 MiB as in memcached 1.6 ({@code slab_page_size}). */
    static final int PAGE_SIZE = 1 << 20;
    /** Bits of a ref that hold the offset in 8-byte units. */
    static final int OFFSET_BITS = 17;
    /** Largest page number a ref can name. */
    static final int MAX_PAGES = (1 << (32 - OFFSET_BITS)) - 1;

    static final int PREV_OFFSET = 0;
    static final int NEXT_OFFSET = PREV_OFFSET + Integer.BYTES;
    static final int TIME_OFFSET = NEXT_OFFSET + Integer.BYTES;
    static final int HEAD_OFFSET = TIME_OFFSET;
    static final int EXPTIME_OFFSET = TIME_OFFSET + Integer.BYTES;
    static final int NBYTES_OFFSET = EXPTIME_OFFSET + Integer.BYTES;
    static final int USED_OFFSET = NBYTES_OFFSET;
    static final int STATE_OFFSET = NBYTES_OFFSET + Integer.BYTES;
    static final int NKEY_OFFSET = STATE_OFFSET + Integer.BYTES;
    static final int CLSID_OFFSET = NKEY_OFFSET + 1;
    /** Length of the fixed header; the CAS, client flags and key follow. */
    static final int HEADER_LENGTH = CLSID_OFFSET + 1;
    static final int CAS_OFFSET = HEADER_LENGTH;
    static final int CAS_LENGTH = Long.BYTES;
    static final int CLIENT_FLAGS_LENGTH = Integer.BYTES;
    /** Bytes after the key of a chunked item: the ref of its first value chunk. */
    static final int CHUNK_REF_LENGTH = Integer.BYTES;
    /** Where data starts in a value chunk. */
    static final int CHUNK_DATA_OFFSET = 32;
    /** Size of a crawler cursor record in the system page. */
    static final int CURSOR_LENGTH = 32;

    /** Linked into the hash index and an LRU. */
    static final int LINKED = 0x0001;
    /** A free chunk (on a free list, or being reclaimed by the page mover). */
    static final int SLABBED = 0x0004;
    /** Fetched at least once. */
    static final int FETCHED = 0x0008;
    /** Fetched again since the LRU last looked at it. */
    static final int ACTIVE = 0x0010;
    /** The value lives in a chain of value chunks. */
    static final int CHUNKED = 0x0020;
    /** A value chunk of a chunked item. */
    static final int CHUNK = 0x0040;
    /** A crawler cursor, not an item. */
    static final int CRAWLER = 0x0080;
    /** Client flags are stored (they are non-zero). */
    static final int CFLAGS = 0x0100;
    /** A recache token was handed out (meta W/Z). */
    static final int TOKEN_SENT = 0x0200;
    /** The CAS value was given by the client (meta E), not taken from the counter: no flush's CAS boundary applies. */
    static final int CAS_GIVEN = 0x0400;
    /** Marked stale by an invalidation (meta I). */
    static final int STALE = 0x0800;
    /** The key arrived base64-encoded (meta b); dumps print it encoded. */
    static final int KEY_BINARY = 0x1000;
    /** Shift of the LRU segment within the flags. */
    static final int LRU_SHIFT = 13;
    /** The two bits that hold the LRU segment. */
    static final int LRU_MASK = 0x3 << LRU_SHIFT;
    static final int FLAGS_MASK = 0xFFFF;
    static final int REFCOUNT_ONE = 1 << 16;
    static final int REFCOUNT_MAX = 0xFFFF;

    /** LRU segments, as memcached numbers them. */
    static final int HOT_LRU = 0;
    static final int WARM_LRU = 1;
    static final int COLD_LRU = 2;
    static final int TEMP_LRU = 3;
    static final int LRU_COUNT = 4;

    private ItemDescriptor()
    {
    }

    static int page(final int ref)
    {
        return ref >>> OFFSET_BITS;
    }

    static int offset(final int ref)
    {
        return (ref & ((1 << OFFSET_BITS) - 1)) << 3;
    }

    static int ref(final int page, final int offset)
    {
        return (page << OFFSET_BITS) | (offset >>> 3);
    }

    static int flags(final int state)
    {
        return state & FLAGS_MASK;
    }

    static int refcount(final int state)
    {
        return state >>> 16;
    }

    static int lru(final int state)
    {
        return (state & LRU_MASK) >>> LRU_SHIFT;
    }

    static int withLru(final int state, final int lru)
    {
        return (state & ~LRU_MASK) | (lru << LRU_SHIFT);
    }

    /**
     * Offset of the key within the chunk.
     *
     * @param casLength 8 with CAS enabled, else 0.
     * @param state     the item's state word.
     * @return the key's offset.
     */
    static int keyOffset(final int casLength, final int state)
    {
        return HEADER_LENGTH + casLength + ((state & CFLAGS) != 0 ? CLIENT_FLAGS_LENGTH : 0);
    }

    /**
     * Bytes an item occupies in its chunk (what memcached calls {@code ntotal}, for our layout).
     *
     * @param casLength   8 with CAS enabled, else 0.
     * @param clientFlags the client flags (4 bytes are stored when non-zero).
     * @param keyLength   key length.
     * @param valueLength value length.
     * @return the total size.
     */
    static long itemSize(final int casLength, final int clientFlags, final int keyLength, final long valueLength)
    {
        return HEADER_LENGTH + casLength + (clientFlags != 0 ? CLIENT_FLAGS_LENGTH : 0) + keyLength + valueLength;
    }

    /**
     * Bytes the head of a chunked item occupies.
     *
     * @param casLength   8 with CAS enabled, else 0.
     * @param clientFlags the client flags.
     * @param keyLength   key length.
     * @return the head size.
     */
    static int chunkedHeadSize(final int casLength, final int clientFlags, final int keyLength)
    {
        return HEADER_LENGTH + casLength + (clientFlags != 0 ? CLIENT_FLAGS_LENGTH : 0) + keyLength + CHUNK_REF_LENGTH;
    }

    /**
     * The size memcached 1.6 gives an item, which decides the largest value it accepts for a key: a 48-byte header,
     * 8 bytes of CAS unless disabled, the key and its NUL, 4 bytes of client flags when non-zero, the value and CRLF.
     *
     * @param casEnabled  whether CAS is on.
     * @param clientFlags the client flags.
     * @param keyLength   key length.
     * @param valueLength value length.
     * @return memcached's {@code ntotal}.
     */
    static long memcachedItemSize(
        final boolean casEnabled, final int clientFlags, final int keyLength, final long valueLength)
    {
        return 48 + (casEnabled ? 8 : 0) + keyLength + 1 + (clientFlags != 0 ? 4 : 0) + valueLength + 2;
    }
}
