/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The key hash: 64 bits from a byte sequence, read 8 bytes at a time in native order, each word folded in with a
 * multiply and xor-shift, and a final avalanche (the finalizer of murmur3's 64-bit mix). Keys are at most 250 bytes,
 * so this is a handful of multiplications. The high 32 bits choose the index stripe, the low 32 bits are stored in
 * the index entry and choose the slot. Stateless and threadsafe.
 */
final class Hashing
{
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final long SEED = 0x9E3779B97F4A7C15L;
    private static final long K1 = 0xBF58476D1CE4E5B9L;
    private static final long K2 = 0x94D049BB133111EBL;

    private Hashing()
    {
    }

    /**
     * Hash {@code length} bytes of a region.
     *
     * @param region where the bytes are.
     * @param index  first byte.
     * @param length number of bytes.
     * @return the 64-bit hash.
     */
    static long hash(final Region region, final int index, final int length)
    {
        long h = SEED ^ (length * K2);
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES)
        {
            h = fold(h, region.getLong(index + i));
        }
        if (i < length)
        {
            long tail = 0;
            for (int shift = 0; i < length; i++, shift += 8)
            {
                tail |= (region.getByte(index + i) & 0xFFL) << shift;
            }
            h = fold(h, tail);
        }
        return avalanche(h);
    }

    /**
     * Copy a key from a buffer into a region and hash it in the same pass: the result equals
     * {@link #hash(Region, int, int)} of the copy.
     *
     * @param src    the key's buffer (its position and byte order are not used).
     * @param index  where the key starts in {@code src}.
     * @param length key length.
     * @param dst    where the key is copied, at offset 0.
     * @return the 64-bit hash.
     */
    static long copyAndHash(final ByteBuffer src, final int index, final int length, final Region dst)
    {
        long h = SEED ^ (length * K2);
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES)
        {
            final long word = (long)LONGS.get(src, index + i);
            dst.putLong(i, word);
            h = fold(h, word);
        }
        if (i < length)
        {
            long tail = 0;
            for (int shift = 0; i < length; i++, shift += 8)
            {
                final byte b = src.get(index + i);
                dst.putByte(i, b);
                tail |= (b & 0xFFL) << shift;
            }
            h = fold(h, tail);
        }
        return avalanche(h);
    }

    private static long fold(final long h, final long word)
    {
        final long x = (h ^ word) * K1;
        return x ^ (x >>> 31);
    }

    private static long avalanche(final long h)
    {
        long x = h;
        x ^= x >>> 33;
        x *= 0xFF51AFD7ED558CCDL;
        x ^= x >>> 33;
        x *= 0xC4CEB9FE1A85EC53L;
        x ^= x >>> 33;
        return x;
    }
}
