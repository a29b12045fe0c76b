/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server.clients;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.memcached4j.server.clients.Memcache.CasOutcome;
import io.memcached4j.server.clients.Memcache.ErrorReply;
import io.memcached4j.server.clients.Memcache.Feature;
import io.memcached4j.server.clients.Memcache.Versioned;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one list of scenarios that every client runs against memcached4j, against the real memcached, and that the
 * embedded cache runs through its own API. The expected results are memcached's: the same assertions pass against
 * the real memcached in the same run.
 */
final class Scenarios
{
    /** memcached's default item size limit ({@code -I 1m}). */
    static final int ITEM_SIZE_MAX = 1 << 20;

    /**
     * One scenario.
     *
     * @param name  its name in the test report.
     * @param needs what the client must support; the scenario is skipped for a client without it.
     * @param body  what it does; {@code k} makes keys unique to the client and scenario.
     */
    record Scenario(String name, Set<Feature> needs, Body body)
    {
    }

    /**
     * A scenario's steps.
     */
    interface Body
    {
        void run(Memcache c, Keys k) throws Exception;
    }

    /**
     * Keys that no other scenario or client uses.
     *
     * @param prefix what every key starts with.
     */
    record Keys(String prefix)
    {
        String of(final String name)
        {
            return prefix + name;
        }
    }

    /** Every scenario, in the order they run. */
    static final List<Scenario> ALL = List.of(
        scenario("set and get", Scenarios::setAndGet),
        scenario("add on an existing key", Scenarios::addOnExisting),
        scenario("replace on a missing key", Scenarios::replaceOnMissing),
        scenario("append and prepend", Scenarios::appendAndPrepend),
        scenario("gets and cas", Scenarios::getsAndCas),
        scenario("delete", Scenarios::delete),
        scenario("incr and decr", Scenarios::incrAndDecr),
        scenario("touch", EnumSet.of(Feature.TOUCH), Scenarios::touch),
        scenario("gat", EnumSet.of(Feature.GAT), Scenarios::gat),
        scenario("expiry", Scenarios::expiry),
        scenario("multi-get of 100 keys", Scenarios::multiGet),
        scenario("500 KiB value", Scenarios::largeValue),
        scenario("binary-safe values", Scenarios::binarySafeValues),
        scenario("250-byte keys", Scenarios::longKeys),
        scenario("value over the item size limit", Scenarios::tooLarge),
        scenario("flush_all", Scenarios::flushAll),
        scenario("concurrent operations", EnumSet.of(Feature.CONCURRENT), Scenarios::concurrent));

    private Scenarios()
    {
    }

    private static Scenario scenario(final String name, final Body body)
    {
        return new Scenario(name, EnumSet.noneOf(Feature.class), body);
    }

    private static Scenario scenario(final String name, final Set<Feature> needs, final Body body)
    {
        return new Scenario(name, needs, body);
    }

    static byte[] bytes(final String s)
    {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String text(final byte[] b)
    {
        return b == null ? null : new String(b, StandardCharsets.ISO_8859_1);
    }

    private static void setAndGet(final Memcache c, final Keys k)
    {
        assertTrue(c.set(k.of("a"), bytes("hello"), 0));
        assertEquals("hello", text(c.get(k.of("a"))));
        assertTrue(c.set(k.of("a"), bytes("world!"), 0));
        assertEquals("world!", text(c.get(k.of("a"))));
        assertNull(c.get(k.of("missing")));
        assertTrue(c.set(k.of("empty"), new byte[0], 0));
        assertEquals("", text(c.get(k.of("empty"))));
    }

    private static void addOnExisting(final Memcache c, final Keys k)
    {
        assertTrue(c.set(k.of("a"), bytes("first"), 0));
        assertFalse(c.add(k.of("a"), bytes("second"), 0));
        assertEquals("first", text(c.get(k.of("a"))));
        assertTrue(c.add(k.of("b"), bytes("new"), 0));
        assertEquals("new", text(c.get(k.of("b"))));
    }

    private static void replaceOnMissing(final Memcache c, final Keys k)
    {
        assertFalse(c.replace(k.of("a"), bytes("x"), 0));
        assertNull(c.get(k.of("a")));
        assertTrue(c.set(k.of("a"), bytes("x"), 0));
        assertTrue(c.replace(k.of("a"), bytes("y"), 0));
        assertEquals("y", text(c.get(k.of("a"))));
    }

    private static void appendAndPrepend(final Memcache c, final Keys k)
    {
        assertFalse(c.append(k.of("a"), bytes("tail")));
        assertFalse(c.prepend(k.of("a"), bytes("head")));
        assertNull(c.get(k.of("a")));
        assertTrue(c.set(k.of("a"), bytes("middle"), 0));
        assertTrue(c.append(k.of("a"), bytes("-tail")));
        assertTrue(c.prepend(k.of("a"), bytes("head-")));
        assertEquals("head-middle-tail", text(c.get(k.of("a"))));
    }

    private static void getsAndCas(final Memcache c, final Keys k)
    {
        assertNull(c.gets(k.of("a")));
        assertTrue(c.set(k.of("a"), bytes("v1"), 0));
        final Versioned first = c.gets(k.of("a"));
        assertNotNull(first);
        assertEquals("v1", text(first.value()));
        assertEquals(CasOutcome.STORED, c.cas(k.of("a"), bytes("v2"), first.cas()));
        assertEquals("v2", text(c.get(k.of("a"))));
        // a second writer with the old CAS unique loses
        assertCasRefused(CasOutcome.EXISTS, c.cas(k.of("a"), bytes("v3"), first.cas()));
        final Versioned second = c.gets(k.of("a"));
        assertEquals("v2", text(second.value()));
        assertNotEquals(first.cas(), second.cas());
        assertTrue(c.delete(k.of("a")));
        assertCasRefused(CasOutcome.NOT_FOUND, c.cas(k.of("a"), bytes("v4"), second.cas()));
        assertNull(c.get(k.of("a")));
    }

    private static void assertCasRefused(final CasOutcome expected, final CasOutcome actual)
    {
        if (actual != CasOutcome.REFUSED)
        {
            assertEquals(expected, actual);
        }
    }

    private static void delete(final Memcache c, final Keys k)
    {
        assertTrue(c.set(k.of("a"), bytes("x"), 0));
        assertTrue(c.delete(k.of("a")));
        assertNull(c.get(k.of("a")));
        assertFalse(c.delete(k.of("a")));
    }

    private static void incrAndDecr(final Memcache c, final Keys k)
    {
        assertTrue(c.set(k.of("n"), bytes("10"), 0));
        assertEquals(15L, c.incr(k.of("n"), 5));
        assertEquals(12L, c.decr(k.of("n"), 3));
        assertEquals("12", text(c.get(k.of("n"))));
        // decr stops at 0; memcached rewrites a counter in place and pads a shorter number with spaces
        assertEquals(0L, c.decr(k.of("n"), 100));
        assertEquals("0 ", text(c.get(k.of("n"))));
        // incr wraps at 2^64
        assertTrue(c.set(k.of("max"), bytes("18446744073709551615"), 0));
        assertEquals(1L, c.incr(k.of("max"), 2));
        assertEquals("1" + " ".repeat(19), text(c.get(k.of("max"))));
        // a longer number makes a new item
        assertTrue(c.set(k.of("grow"), bytes("9"), 0));
        assertEquals(10L, c.incr(k.of("grow"), 1));
        assertEquals("10", text(c.get(k.of("grow"))));
    }

    private static void touch(final Memcache c, final Keys k)
    {
        assertFalse(c.touch(k.of("missing"), 100));
        assertTrue(c.set(k.of("a"), bytes("x"), 0));
        assertTrue(c.touch(k.of("a"), 100));
        assertEquals("x", text(c.get(k.of("a"))));
    }

    private static void gat(final Memcache c, final Keys k)
    {
        assertNull(c.gat(k.of("missing"), 100));
        assertTrue(c.set(k.of("a"), bytes("x"), 0));
        assertEquals("x", text(c.gat(k.of("a"), 100)));
        assertEquals("x", text(c.get(k.of("a"))));
    }

    private static void expiry(final Memcache c, final Keys k)
    {
        assertTrue(c.set(k.of("short"), bytes("s"), 1));
        assertTrue(c.set(k.of("forever"), bytes("f"), 0));
        assertTrue(c.set(k.of("long"), bytes("l"), 100));
        final boolean touch = c.features().contains(Feature.TOUCH);
        final boolean gat = c.features().contains(Feature.GAT);
        if (touch)
        {
            assertTrue(c.set(k.of("touched"), bytes("t"), 1));
            assertTrue(c.touch(k.of("touched"), 100));
            assertTrue(c.set(k.of("shortened"), bytes("t"), 100));
            assertTrue(c.touch(k.of("shortened"), 1));
        }
        if (gat)
        {
            assertTrue(c.set(k.of("gat"), bytes("g"), 1));
            assertEquals("g", text(c.gat(k.of("gat"), 100)));
        }
        c.awaitClock(1);
        assertNull(c.get(k.of("short")));
        assertEquals("f", text(c.get(k.of("forever"))));
        assertEquals("l", text(c.get(k.of("long"))));
        if (touch)
        {
            assertEquals("t", text(c.get(k.of("touched"))));
            assertNull(c.get(k.of("shortened")));
        }
        if (gat)
        {
            assertEquals("g", text(c.get(k.of("gat"))));
        }
        // an expired item is gone for add too
        assertTrue(c.add(k.of("short"), bytes("again"), 0));
        assertEquals("again", text(c.get(k.of("short"))));
    }

    private static void multiGet(final Memcache c, final Keys k)
    {
        final List<String> keys = new ArrayList<>();
        for (int i = 0; i < 100; i++)
        {
            final String key = k.of("m" + i);
            keys.add(key);
            assertTrue(c.set(key, bytes("value-" + i), 0));
        }
        final List<String> asked = new ArrayList<>(keys);
        for (int i = 0; i < 5; i++)
        {
            asked.add(k.of("missing" + i));
        }
        final Map<String, byte[]> got = c.getMulti(asked);
        assertEquals(100, got.size(), () -> "hits: " + got.keySet());
        for (int i = 0; i < 100; i++)
        {
            assertEquals("value-" + i, text(got.get(keys.get(i))), keys.get(i));
        }
    }

    private static void largeValue(final Memcache c, final Keys k)
    {
        final byte[] value = new byte[500 * 1024];
        new Random(42).nextBytes(value);
        assertTrue(c.set(k.of("big"), value, 0));
        assertArrayEquals(value, c.get(k.of("big")));
        assertArrayEquals(value, c.gets(k.of("big")).value());
    }

    private static void binarySafeValues(final Memcache c, final Keys k)
    {
        final byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++)
        {
            all[i] = (byte)i;
        }
        final byte[][] values = {all, bytes("\r\n"), bytes("line\r\nEND\r\n"), bytes("\0"), bytes("a\0b\r\n\0"),
            bytes("VALUE x 0 1\r\ny\r\nEND\r\n")};
        for (int i = 0; i < values.length; i++)
        {
            assertTrue(c.set(k.of("b" + i), values[i], 0));
        }
        for (int i = 0; i < values.length; i++)
        {
            assertArrayEquals(values[i], c.get(k.of("b" + i)), "value " + i);
        }
        assertTrue(c.append(k.of("b1"), bytes("\0\r\n")));
        assertArrayEquals(bytes("\r\n\0\r\n"), c.get(k.of("b1")));
    }

    private static void longKeys(final Memcache c, final Keys k)
    {
        final String key = k.of("");
        final String longest = key + "x".repeat(250 - key.length());
        assertEquals(250, longest.length());
        assertTrue(c.set(longest, bytes("long key"), 0));
        assertEquals("long key", text(c.get(longest)));
        assertEquals("long key", text(c.getMulti(List.of(longest, k.of("other"))).get(longest)));
        assertTrue(c.delete(longest));
        assertNull(c.get(longest));
    }

    private static void tooLarge(final Memcache c, final Keys k)
    {
        assertTrue(c.set(k.of("a"), bytes("small"), 0));
        final byte[] value = new byte[ITEM_SIZE_MAX + 1024];
        boolean stored;
        try
        {
            stored = c.set(k.of("a"), value, 0);
        }
        catch (final ErrorReply ex)
        {
            stored = false;
        }
        assertFalse(stored, "a value over the item size limit is refused");
        // memcached drops the old value rather than keep stale data
        assertNull(c.get(k.of("a")));
        // and the connection goes on
        assertTrue(c.set(k.of("b"), bytes("after"), 0));
        assertEquals("after", text(c.get(k.of("b"))));
    }

    private static void flushAll(final Memcache c, final Keys k)
    {
        assertTrue(c.set(k.of("a"), bytes("1"), 0));
        assertTrue(c.set(k.of("b"), bytes("2"), 100));
        c.flushAll();
        assertNull(c.get(k.of("a")));
        assertNull(c.get(k.of("b")));
        assertTrue(c.add(k.of("a"), bytes("3"), 0));
        assertEquals("3", text(c.get(k.of("a"))));
    }

    private static void concurrent(final Memcache c, final Keys k) throws Exception
    {
        final int threads = 4;
        final int rounds = 100;
        assertTrue(c.set(k.of("counter"), bytes("0"), 0));
        final ExecutorService pool = Executors.newFixedThreadPool(threads);
        try
        {
            final List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final int thread = t;
                done.add(pool.submit(() ->
                {
                    for (int i = 0; i < rounds; i++)
                    {
                        final String key = k.of("t" + thread + "-" + (i % 10));
                        final String value = thread + ":" + i;
                        assertTrue(c.set(key, bytes(value), 0));
                        assertEquals(value, text(c.get(key)));
                        assertNotNull(c.incr(k.of("counter"), 1));
                    }
                    return null;
                }));
            }
            for (final Future<?> f : done)
            {
                f.get(30, TimeUnit.SECONDS);
            }
        }
        finally
        {
            pool.shutdownNow();
        }
        assertEquals((long)threads * rounds, c.incr(k.of("counter"), 0));
    }
}
