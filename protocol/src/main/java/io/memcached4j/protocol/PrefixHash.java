/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import java.nio.ByteBuffer;

/**
 * memcached's three key hashes ({@code -o hash_algorithm}), with which it files the prefixes of {@code stats detail}
 * in the chains of its prefix table: the order {@code stats detail dump} lists them in, and which prefixes share a
 * chain, follow the hash. Keys themselves are indexed by the engine's own hash; this is the one place memcached's
 * hash shows. Each reads the bytes little-endian, as memcached does on the x86 and ARM machines it runs on.
 */
final class PrefixHash
{
    private static final long PRIME32_1 = 0x9E3779B1L;
    private static final long PRIME32_2 = 0x85EBCA77L;
    private static final long PRIME32_3 = 0xC2B2AE3DL;
    private static final long PRIME64_1 = 0x9E3779B185EBCA87L;
    private static final long PRIME64_2 = 0xC2B2AE3D27D4EB4FL;
    private static final long PRIME64_3 = 0x165667B19E3779F9L;
    private static final long PRIME64_4 = 0x85EBCA77C2B2AE63L;
    private static final long PRIME64_5 = 0x27D4EB2F165667C5L;
    private static final long PRIME_MX1 = 0x165667919E3779F9L;
    private static final long PRIME_MX2 = 0x9FB21C651E98DF25L;

    /** XXH3's default secret, 192 bytes. */
    private static final byte[] SECRET = bytes(
        0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
        0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
        0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
        0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
        0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
        0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
        0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
        0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
        0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
        0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
        0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
        0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e);
    private static final int STRIPE = 64;
    private static final int STRIPES_PER_BLOCK = (SECRET.length - STRIPE) / 8;
    private static final int BLOCK = STRIPE * STRIPES_PER_BLOCK;

    private PrefixHash()
    {
    }

    /**
     * The hash memcached files a prefix by.
     *
     * @param algorithm {@code murmur3} (memcached's default), {@code jenkins} or {@code xxh3}.
     * @param buffer    holds the prefix.
     * @param offset    where it starts.
     * @param length    its length.
     * @return the 32-bit hash.
     */
    static int hash(final String algorithm, final ByteBuffer buffer, final int offset, final int length)
    {
        return switch (algorithm)
        {
            case "jenkins" -> jenkins(buffer, offset, length);
            case "xxh3" -> (int)xxh3(buffer, offset, length);
            default -> murmur3(buffer, offset, length);
        };
    }

    /**
     * MurmurHash3's 32-bit x86 variant with seed 0, memcached's default hash: 4-byte little-endian blocks, then the
     * tail bytes, then the length and the final mix.
     */
    static int murmur3(final ByteBuffer buffer, final int offset, final int length)
    {
        final int c1 = 0xcc9e2d51;
        final int c2 = 0x1b873593;
        int h = 0;
        final int blocks = length / 4;
        for (int i = 0; i < blocks; i++)
        {
            int k = int32(buffer, offset + i * 4);
            k *= c1;
            k = Integer.rotateLeft(k, 15);
            k *= c2;
            h ^= k;
            h = Integer.rotateLeft(h, 13);
            h = h * 5 + 0xe6546b64;
        }
        final int tail = offset + blocks * 4;
        final int rest = length & 3;
        if (rest != 0)
        {
            int k = buffer.get(tail) & 0xFF;
            if (rest >= 2)
            {
                k ^= (buffer.get(tail + 1) & 0xFF) << 8;
            }
            if (rest == 3)
            {
                k ^= (buffer.get(tail + 2) & 0xFF) << 16;
            }
            k *= c1;
            k = Integer.rotateLeft(k, 15);
            k *= c2;
            h ^= k;
        }
        h ^= length;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    /**
     * Bob Jenkins' lookup3 {@code hashlittle} with an initial value of 0, memcached's {@code jenkins} hash: 12-byte
     * little-endian blocks mixed into three words, the last one to twelve bytes added byte by byte, then the final
     * mix; the empty string hashes to the starting value.
     */
    static int jenkins(final ByteBuffer buffer, final int offset, final int length)
    {
        int a = 0xdeadbeef + length;
        int b = a;
        int c = a;
        int at = offset;
        int left = length;
        while (left > 12)
        {
            a += int32(buffer, at);
            b += int32(buffer, at + 4);
            c += int32(buffer, at + 8);
            a -= c;
            a ^= Integer.rotateLeft(c, 4);
            c += b;
            b -= a;
            b ^= Integer.rotateLeft(a, 6);
            a += c;
            c -= b;
            c ^= Integer.rotateLeft(b, 8);
            b += a;
            a -= c;
            a ^= Integer.rotateLeft(c, 16);
            c += b;
            b -= a;
            b ^= Integer.rotateLeft(a, 19);
            a += c;
            c -= b;
            c ^= Integer.rotateLeft(b, 4);
            b += a;
            at += 12;
            left -= 12;
        }
        if (left == 0)
        {
            return c;
        }
        // the last bytes, each in its place in the word it belongs to
        for (int i = 0; i < left; i++)
        {
            final int v = (buffer.get(at + i) & 0xFF) << (8 * (i & 3));
            if (i < 4)
            {
                a += v;
            }
            else if (i < 8)
            {
                b += v;
            }
            else
            {
                c += v;
            }
        }
        c ^= b;
        c -= Integer.rotateLeft(b, 14);
        a ^= c;
        a -= Integer.rotateLeft(c, 11);
        b ^= a;
        b -= Integer.rotateLeft(a, 25);
        c ^= b;
        c -= Integer.rotateLeft(b, 16);
        a ^= c;
        a -= Integer.rotateLeft(c, 4);
        b ^= a;
        b -= Integer.rotateLeft(a, 14);
        c ^= b;
        c -= Integer.rotateLeft(b, 24);
        return c;
    }

    /**
     * XXH3's 64-bit hash with seed 0 and the default secret, as specified by the xxHash specification: separate
     * paths for 0, 1-3, 4-8, 9-16, 17-128 and 129-240 bytes, and the striped accumulation for longer input. memcached
     * keeps the low 32 bits.
     */
    static long xxh3(final ByteBuffer buffer, final int offset, final int length)
    {
        if (length <= 16)
        {
            return xxh3UpTo16(buffer, offset, length);
        }
        if (length <= 128)
        {
            long acc = length * PRIME64_1;
            final int rounds = ((length - 1) >>> 5) + 1;
            for (int i = rounds - 1; i >= 0; i--)
            {
                acc += mix16(buffer, offset + i * 16, i * 32);
                acc += mix16(buffer, offset + length - i * 16 - 16, i * 32 + 16);
            }
            return avalanche(acc);
        }
        if (length <= 240)
        {
            long acc = length * PRIME64_1;
            final int chunks = length >>> 4;
            for (int i = 0; i < 8; i++)
            {
                acc += mix16(buffer, offset + i * 16, i * 16);
            }
            acc = avalanche(acc);
            for (int i = 8; i < chunks; i++)
            {
                acc += mix16(buffer, offset + i * 16, (i - 8) * 16 + 3);
            }
            acc += mix16(buffer, offset + length - 16, 119);
            return avalanche(acc);
        }
        return xxh3Long(buffer, offset, length);
    }

    private static long xxh3UpTo16(final ByteBuffer buffer, final int offset, final int length)
    {
        if (length == 0)
        {
            return avalanche64(secret64(56) ^ secret64(64));
        }
        if (length <= 3)
        {
            final int combined = (buffer.get(offset + length - 1) & 0xFF) | length << 8 |
                (buffer.get(offset) & 0xFF) << 16 | (buffer.get(offset + (length >>> 1)) & 0xFF) << 24;
            final long value = ((secret32(0) ^ secret32(4)) & 0xFFFFFFFFL) ^ (combined & 0xFFFFFFFFL);
            return avalanche64(value);
        }
        if (length <= 8)
        {
            final long first = int32(buffer, offset) & 0xFFFFFFFFL;
            final long last = int32(buffer, offset + length - 4) & 0xFFFFFFFFL;
            final long combined = last | first << 32;
            long value = (secret64(8) ^ secret64(16)) ^ combined;
            value ^= Long.rotateLeft(value, 49) ^ Long.rotateLeft(value, 24);
            value *= PRIME_MX2;
            value ^= (value >>> 35) + length;
            value *= PRIME_MX2;
            return value ^ (value >>> 28);
        }
        final long low = (secret64(24) ^ secret64(32)) ^ int64(buffer, offset);
        final long high = (secret64(40) ^ secret64(48)) ^ int64(buffer, offset + length - 8);
        final long value = length + Long.reverseBytes(low) + high + foldedMultiply(low, high);
        return avalanche(value);
    }

    private static long xxh3Long(final ByteBuffer buffer, final int offset, final int length)
    {
        final long[] acc = {PRIME32_3, PRIME64_1, PRIME64_2, PRIME64_3, PRIME64_4, PRIME32_2, PRIME64_5, PRIME32_1};
        int at = offset;
        int left = length;
        // whole blocks, leaving the last one (full or not) to the last round
        while (left > BLOCK)
        {
            for (int n = 0; n < STRIPES_PER_BLOCK; n++)
            {
                accumulate(acc, buffer, at + n * STRIPE, n * 8);
            }
            for (int i = 0; i < 8; i++)
            {
                long a = acc[i];
                a ^= a >>> 47;
                a ^= secret64(SECRET.length - STRIPE + i * 8);
                acc[i] = a * PRIME32_1;
            }
            at += BLOCK;
            left -= BLOCK;
        }
        final int fullStripes = (left - 1) / STRIPE;
        for (int n = 0; n < fullStripes; n++)
        {
            accumulate(acc, buffer, at + n * STRIPE, n * 8);
        }
        accumulate(acc, buffer, offset + length - STRIPE, SECRET.length - 71);
        long result = length * PRIME64_1;
        for (int i = 0; i < 4; i++)
        {
            result += foldedMultiply(acc[2 * i] ^ secret64(11 + 16 * i), acc[2 * i + 1] ^ secret64(11 + 16 * i + 8));
        }
        return avalanche(result);
    }

    private static void accumulate(final long[] acc, final ByteBuffer buffer, final int stripe, final int secret)
    {
        for (int i = 0; i < 8; i++)
        {
            final long lane = int64(buffer, stripe + i * 8);
            final long value = lane ^ secret64(secret + i * 8);
            acc[i ^ 1] += lane;
            acc[i] += (value & 0xFFFFFFFFL) * (value >>> 32);
        }
    }

    private static long mix16(final ByteBuffer buffer, final int at, final int secret)
    {
        return foldedMultiply(int64(buffer, at) ^ secret64(secret), int64(buffer, at + 8) ^ secret64(secret + 8));
    }

    /** The 128-bit product's two halves, xored. */
    private static long foldedMultiply(final long a, final long b)
    {
        // Math.multiplyHigh is signed: a negative factor subtracted the other from the high half
        final long high = Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a);
        return a * b ^ high;
    }

    private static long avalanche(final long h)
    {
        long x = h ^ (h >>> 37);
        x *= PRIME_MX1;
        return x ^ (x >>> 32);
    }

    private static long avalanche64(final long h)
    {
        long x = h ^ (h >>> 33);
        x *= PRIME64_2;
        x ^= x >>> 29;
        x *= PRIME64_3;
        return x ^ (x >>> 32);
    }

    private static long secret64(final int at)
    {
        long v = 0;
        for (int i = 7; i >= 0; i--)
        {
            v = v << 8 | (SECRET[at + i] & 0xFF);
        }
        return v;
    }

    private static int secret32(final int at)
    {
        return (int)secret64(at);
    }

    private static long int64(final ByteBuffer buffer, final int at)
    {
        return (int32(buffer, at) & 0xFFFFFFFFL) | (long)int32(buffer, at + 4) << 32;
    }

    private static int int32(final ByteBuffer buffer, final int at)
    {
        return (buffer.get(at) & 0xFF) | (buffer.get(at + 1) & 0xFF) << 8 | (buffer.get(at + 2) & 0xFF) << 16 |
            (buffer.get(at + 3) & 0xFF) << 24;
    }

    private static byte[] bytes(final int... values)
    {
        final byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++)
        {
            b[i] = (byte)values[i];
        }
        return b;
    }
}
