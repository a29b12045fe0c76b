/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server.clients;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The few operations the scenarios need, as one client library (or the embedded cache) offers them: each adapter maps
 * its library's calls and result types onto these, so that one scenario drives every client against every server.
 * Keys are ASCII; values are raw bytes, stored with flags 0. A method that the library cannot express is not called:
 * the scenario asks {@link #features()} first.
 */
interface Memcache extends AutoCloseable
{
    /**
     * What a library can do beyond the storage commands every client has.
     */
    enum Feature
    {
        /** {@code touch}. */
        TOUCH,
        /** {@code gat}: get and touch. */
        GAT,
        /** Usable from several threads at once. */
        CONCURRENT
    }

    /**
     * How a {@code cas} ended.
     */
    enum CasOutcome
    {
        /** Stored. */
        STORED,
        /** The item changed since the {@code gets}. */
        EXISTS,
        /** No such item. */
        NOT_FOUND,
        /** Not stored, and the library does not say why. */
        REFUSED
    }

    /**
     * A value with its CAS unique.
     *
     * @param value the value.
     * @param cas   the CAS unique.
     */
    record Versioned(byte[] value, long cas)
    {
    }

    /**
     * A server's error reply that the library surfaces as an exception rather than as a result.
     */
    final class ErrorReply extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        ErrorReply(final String message, final Throwable cause)
        {
            super(message, cause);
        }
    }

    /**
     * The library and protocol, for test names.
     *
     * @return e.g. {@code spymemcached ascii}.
     */
    String name();

    Set<Feature> features();

    /**
     * {@code set}.
     *
     * @return false when not stored (for a value over the item size limit, some libraries throw {@link ErrorReply}).
     */
    boolean set(String key, byte[] value, int exptime);

    boolean add(String key, byte[] value, int exptime);

    boolean replace(String key, byte[] value, int exptime);

    boolean append(String key, byte[] value);

    boolean prepend(String key, byte[] value);

    /**
     * {@code get}.
     *
     * @return the value, or null on a miss.
     */
    byte[] get(String key);

    /**
     * A multi-key get.
     *
     * @return the hits only.
     */
    Map<String, byte[]> getMulti(List<String> keys);

    /**
     * {@code gets}.
     *
     * @return the value and its CAS unique, or null on a miss.
     */
    Versioned gets(String key);

    CasOutcome cas(String key, byte[] value, long cas);

    boolean delete(String key);

    /**
     * {@code incr} of an existing counter.
     *
     * @return the new value (unsigned), or null when the key is missing.
     */
    Long incr(String key, long delta);

    Long decr(String key, long delta);

    boolean touch(String key, int exptime);

    /**
     * {@code gat}.
     *
     * @return the value, or null on a miss.
     */
    byte[] gat(String key, int exptime);

    void flushAll();

    /**
     * Return once the cache's clock (memcached's {@code current_time}) has moved on by at least {@code seconds}
     * since the call: an item stored before with exptime {@code seconds} has expired then.
     */
    void awaitClock(int seconds);

    @Override
    void close();
}
