/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Long seeded random sequences of every operation, with a moving clock, checked against a reference model of
 * memcached's rules written here. With enough memory the cache and the model agree exactly. With little memory every
 * value the cache returns is one the model holds, the most recent writes are hits, and the evictions the cache counts
 * equal the items the model finds lost. The seed is in every failure message.
 */
class ModelBasedTest extends CacheTestSupport
{
    private static final int KEYS = 400;
    private static final int SMALL_KEYS = 150_000;
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    /**
     * What the model knows of one key.
     */
    private static final class Model
    {
        byte[] value;
        int flags;
        int exptime;
        long cas;
        long version;
    }

    private final Map<String, Model> model = new HashMap<>();
    private MemcachedCache cache;
    private Random random;
    private long seed;
    private long versions;
    private long losses;
    private long boundaryExpired;
    private boolean bigMemory;
    private final Deque<String> recentWrites = new ArrayDeque<>();

    @Test
    void shouldAgreeWithTheModelWhenNothingIsEvicted()
    {
        for (long s = 1; s <= 4; s++)
        {
            run(s, true, 15_000);
        }
    }

    @Test
    void shouldOnlyLoseItemsToCountedEvictionsWhenMemoryIsSmall()
    {
        for (long s = 11; s <= 13; s++)
        {
            run(s, false, 300_000);
        }
    }

    private void run(final long runSeed, final boolean big, final int operations)
    {
        seed = runSeed;
        random = new Random(runSeed);
        bigMemory = big;
        model.clear();
        recentWrites.clear();
        losses = 0;
        boundaryExpired = 0;
        cache = big ? cache(builder().memoryLimit(256L << 20)) :
            cache(builder().memoryLimit(12L << 20));
        try
        {
            for (int i = 0; i < operations; i++)
            {
                step(i);
            }
            sweep();
            final CacheStats stats = cache.stats();
            if (big)
            {
                assertEquals(0, stats.get("evictions"), message("no evictions expected"));
            }
            else
            {
                assertTrue(stats.get("evictions") > 0, message("the small run should evict"));
                final long evicted = stats.get("evictions") + stats.get("slab_reassign_busy_deletes");
                assertTrue(evicted >= losses && evicted <= losses + boundaryExpired,
                    message("evictions (LRU and page mover) " + evicted + " vs losses seen " + losses +
                    " (+ up to " + boundaryExpired + " items evicted in the second they expired)"));
            }
            new StructureWalker(cache).check();
        }
        catch (final AssertionError | RuntimeException ex)
        {
            throw new AssertionError("seed " + runSeed + " (big memory: " + big + "): " + ex.getMessage(), ex);
        }
    }

    private String message(final String what)
    {
        return "seed " + seed + ": " + what;
    }

    private int now()
    {
        return clock.currentTime();
    }

    private int realtime(final int exptime)
    {
        long value = exptime < 0 ? CacheConfig.REALTIME_MAXDELTA + 1 : exptime;
        if (value == 0)
        {
            return 0;
        }
        if (value > CacheConfig.REALTIME_MAXDELTA)
        {
            return value <= clock.processStarted() ? 1 : (int)(value - clock.processStarted());
        }
        return (int)(value + now());
    }

    private Model live(final String key)
    {
        final Model m = model.get(key);
        if (m == null)
        {
            return null;
        }
        if (m.exptime != 0 && m.exptime <= now())
        {
            if (m.exptime == now())
            {
                // memcached's LRU tail treats an item expiring this very second as live (exptime < now), so it
                // may still be evicted and counted.
                boundaryExpired++;
            }
            model.remove(key);
            return null;
        }
        return m;
    }

    /**
     * In the small-memory run, look (without disturbing the LRU) whether the cache still has what the model has; if
     * not, it was evicted.
     */
    private void reconcile(final String key)
    {
        final Model m = live(key);
        if (m == null || bigMemory)
        {
            return;
        }
        final ItemInfo info = new ItemInfo();
        if (!cache.inspect(bytes(key), info))
        {
            model.remove(key);
            losses++;
        }
        else
        {
            assertEquals(m.cas, info.cas(), message("cas of " + key));
        }
    }

    private void sweep()
    {
        for (final String key : model.keySet().toArray(new String[0]))
        {
            reconcile(key);
            final Model m = live(key);
            final byte[] got = cache.get(key);
            if (m == null)
            {
                assertEquals(null, got == null ? null : "present", message("swept key " + key));
            }
            else
            {
                assertTrue(Arrays.equals(m.value, got), message("swept value of " + key));
            }
        }
    }

    private byte[] randomValue()
    {
        if (random.nextInt(4) == 0)
        {
            return Long.toUnsignedString(random.nextInt(5) == 0 ? random.nextLong() : random.nextInt(1000))
                .getBytes(StandardCharsets.US_ASCII);
        }
        final int length = random.nextInt(10) == 0 ? random.nextInt(bigMemory ? 3000 : 400) : random.nextInt(200);
        final byte[] v = new byte[length];
        for (int i = 0; i < length; i++)
        {
            v[i] = (byte)('a' + random.nextInt(26));
        }
        return v;
    }

    private int randomExptime()
    {
        switch (random.nextInt(10))
        {
            case 0:
                return 1 + random.nextInt(5);
            case 1:
                return -1 - random.nextInt(100);
            case 2:
                return (int)(clock.unixTime() + 1 + random.nextInt(10));
            case 3:
                return (int)(clock.unixTime() - random.nextInt(10));
            case 4:
                return 10 + random.nextInt(100);
            default:
                return 0;
        }
    }

    private void wrote(final String key, final byte[] value, final int flags, final int exptime)
    {
        final Model m = new Model();
        m.value = value;
        m.flags = flags;
        m.exptime = exptime;
        m.version = ++versions;
        final ItemInfo info = new ItemInfo();
        if (cache.inspect(bytes(key), info))
        {
            final Model old = model.get(key);
            if (old != null)
            {
                assertTrue(info.cas() != old.cas, message("new CAS on modification of " + key));
            }
            m.cas = info.cas();
            model.put(key, m);
            recentWrites.addLast(key);
            if (recentWrites.size() > 50)
            {
                recentWrites.removeFirst();
            }
        }
        else
        {
            assertTrue(m.exptime != 0 && m.exptime <= now(), message("stored item " + key + " vanished"));
            model.remove(key);
        }
    }

    private void step(final int i)
    {
        if (random.nextInt(50) == 0)
        {
            clock.advance(random.nextInt(3));
        }
        final String key = "key-" + random.nextInt(bigMemory ? KEYS : SMALL_KEYS);
        reconcile(key);
        final int op = random.nextInt(100);
        if (op < 25 || (!bigMemory && random.nextInt(3) == 0))
        {
            doSet(key);
        }
        else if (op < 50)
        {
            doGet(key);
        }
        else if (op < 55)
        {
            doAddReplace(key, random.nextBoolean());
        }
        else if (op < 60)
        {
            doAppendPrepend(key, random.nextBoolean());
        }
        else if (op < 65)
        {
            doCas(key);
        }
        else if (op < 70)
        {
            doDelete(key);
        }
        else if (op < 80)
        {
            doDelta(key, random.nextBoolean());
        }
        else if (op < 88)
        {
            doTouch(key, random.nextBoolean());
        }
        else if (op < 89 && random.nextInt(bigMemory ? 20 : 5000) == 0)
        {
            cache.flushAll();
            model.clear();
            recentWrites.clear();
        }
        else
        {
            doGet(key);
        }
        if (i % 200 == 199)
        {
            background(cache, 3);
        }
        if (!bigMemory && i % 1000 == 999)
        {
            checkRecentWrites();
        }
    }

    private void checkRecentWrites()
    {
        int checked = 0;
        for (final String key : recentWrites.toArray(new String[0]))
        {
            if (++checked > 20)
            {
                break;
            }
            final Model m = live(key);
            if (m != null)
            {
                final ItemInfo info = new ItemInfo();
                assertTrue(cache.inspect(bytes(key), info), message("recent write of " + key + " lost"));
            }
        }
    }

    private void doSet(final String key)
    {
        final byte[] value = randomValue();
        final int flags = random.nextInt(3) == 0 ? random.nextInt() : 0;
        final int exptime = randomExptime();
        assertEquals(StoreResult.STORED, cache.set(key, value, flags, exptime), message("set " + key));
        wrote(key, value, flags, realtime(exptime));
    }

    private void doGet(final String key)
    {
        final Model m = live(key);
        final ByteBuffer dst = ByteBuffer.allocate(4096);
        final ItemInfo info = new ItemInfo();
        final int length = cache.get(bytes(key), dst, info);
        if (m == null)
        {
            assertEquals(MemcachedCache.MISS, length, message("get of absent " + key));
            return;
        }
        assertTrue(length >= 0, message("get of present " + key));
        assertTrue(Arrays.equals(m.value, Arrays.copyOf(dst.array(), length)), message("value of " + key));
        assertEquals(m.flags, info.flags(), message("flags of " + key));
        assertEquals(m.cas, info.cas(), message("cas of " + key));
    }

    private void doAddReplace(final String key, final boolean add)
    {
        final Model m = live(key);
        final byte[] value = randomValue();
        final int exptime = randomExptime();
        final StoreResult result = cache.store(add ? StoreMode.ADD : StoreMode.REPLACE, key, value, 3, exptime, 0);
        final boolean expected = add ? m == null : m != null;
        assertEquals(expected ? StoreResult.STORED : StoreResult.NOT_STORED, result, message("add/replace " + key));
        if (expected)
        {
            wrote(key, value, 3, realtime(exptime));
        }
    }

    private void doAppendPrepend(final String key, final boolean append)
    {
        final Model m = live(key);
        final byte[] value = randomValue();
        final StoreResult result = cache.store(append ? StoreMode.APPEND : StoreMode.PREPEND, key, value, 9, 0, 0);
        if (m == null)
        {
            assertEquals(StoreResult.NOT_STORED, result, message("append to absent " + key));
            return;
        }
        assertEquals(StoreResult.STORED, result, message("append to " + key));
        final byte[] joined = new byte[m.value.length + value.length];
        System.arraycopy(append ? m.value : value, 0, joined, 0, append ? m.value.length : value.length);
        System.arraycopy(append ? value : m.value, 0, joined, append ? m.value.length : value.length,
            append ? value.length : m.value.length);
        wrote(key, joined, m.flags, m.exptime);
    }

    private void doCas(final String key)
    {
        final Model m = live(key);
        final byte[] value = randomValue();
        final boolean right = random.nextBoolean();
        final long cas = m == null ? 1 + random.nextInt(1000) : (right ? m.cas : m.cas + 1);
        final StoreResult result = cache.store(StoreMode.CAS, key, value, 1, 0, cas);
        if (m == null)
        {
            assertEquals(StoreResult.NOT_FOUND, result, message("cas on absent " + key));
        }
        else if (right)
        {
            assertEquals(StoreResult.STORED, result, message("cas with the right value on " + key));
            wrote(key, value, 1, 0);
        }
        else
        {
            assertEquals(StoreResult.EXISTS, result, message("cas with a wrong value on " + key));
        }
    }

    private void doDelete(final String key)
    {
        final Model m = live(key);
        assertEquals(m != null, cache.delete(key), message("delete " + key));
        model.remove(key);
    }

    private void doTouch(final String key, final boolean gat)
    {
        final Model m = live(key);
        final int exptime = randomExptime();
        if (gat)
        {
            final ByteBuffer dst = ByteBuffer.allocate(4096);
            final int length = cache.fetch(bytes(key), new FetchOptions().touch(exptime), dst, new ItemInfo());
            assertEquals(m == null ? MemcachedCache.MISS : m.value.length, length, message("gat " + key));
        }
        else
        {
            assertEquals(m != null, cache.touch(key, exptime), message("touch " + key));
        }
        if (m != null)
        {
            m.exptime = realtime(exptime);
        }
    }

    /**
     * memcached's {@code strtoull} rule for the values this test writes: leading spaces, digits, then the end of the
     * value or a space (anything may follow a space).
     */
    private static BigInteger parse(final byte[] value)
    {
        int i = 0;
        while (i < value.length && value[i] == ' ')
        {
            i++;
        }
        final int start = i;
        while (i < value.length && value[i] >= '0' && value[i] <= '9')
        {
            i++;
        }
        if (i == start || (i < value.length && value[i] != ' '))
        {
            return null;
        }
        final BigInteger n = new BigInteger(new String(value, start, i - start, StandardCharsets.US_ASCII));
        return n.compareTo(TWO_64) < 0 ? n : null;
    }

    private void doDelta(final String key, final boolean incr)
    {
        final Model m = live(key);
        final long delta = random.nextInt(4) == 0 ? random.nextLong() : random.nextInt(100);
        final ItemInfo info = new ItemInfo();
        final DeltaResult result = incr ? cache.incr(bytes(key), delta, info) : cache.decr(bytes(key), delta, info);
        if (m == null)
        {
            assertEquals(DeltaResult.NOT_FOUND, result, message("incr absent " + key));
            return;
        }
        final BigInteger n = parse(m.value);
        if (n == null)
        {
            assertEquals(DeltaResult.NON_NUMERIC, result, message("incr non-numeric " + key + " model value '" +
                new String(m.value, StandardCharsets.ISO_8859_1) + "' version " + m.version + " result " +
                Long.toUnsignedString(info.numericValue())));
            return;
        }
        final BigInteger d = new BigInteger(Long.toUnsignedString(delta));
        BigInteger r = incr ? n.add(d).mod(TWO_64) : n.subtract(d);
        if (r.signum() < 0)
        {
            r = BigInteger.ZERO;
        }
        assertEquals(DeltaResult.OK, result, message("incr " + key));
        assertEquals(r.longValue(), info.numericValue(), message("incr result of " + key));
        final byte[] digits = r.toString().getBytes(StandardCharsets.US_ASCII);
        final byte[] stored;
        if (digits.length <= m.value.length && info.valueLength() == digits.length && digits.length < m.value.length)
        {
            // a queued LRU bump held the item, so a new item of the digits' length took its place, as in memcached
            stored = digits;
        }
        else if (digits.length <= m.value.length)
        {
            stored = Arrays.copyOf(digits, m.value.length);
            Arrays.fill(stored, digits.length, stored.length, (byte)' ');
        }
        else
        {
            stored = digits;
        }
        wrote(key, stored, m.flags, m.exptime);
    }
}
