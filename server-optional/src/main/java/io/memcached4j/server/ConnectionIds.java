/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.util.BitSet;

/**
 * Numbers for listeners and connections that behave as memcached's file descriptors do: the lowest free number is
 * taken, numbers are reused once released, and they start after the descriptors memcached would hold for itself
 * (standard streams and {@code reserved_fds}). memcached's {@code -c} limit is defined on these numbers: a connection
 * whose descriptor is {@code maxconns - 1} or more is refused. Threadsafe.
 */
final class ConnectionIds
{
    private final BitSet used = new BitSet();
    private final int first;

    /**
     * Numbers from {@code first} on.
     *
     * @param first the lowest number handed out.
     */
    ConnectionIds(final int first)
    {
        this.first = first;
    }

    /**
     * Take the lowest free number.
     *
     * @return the number.
     */
    synchronized int acquire()
    {
        final int id = used.nextClearBit(first);
        used.set(id);
        return id;
    }

    /**
     * The number {@link #acquire()} would return now.
     *
     * @return the lowest free number.
     */
    synchronized int peek()
    {
        return used.nextClearBit(first);
    }

    /**
     * Give a number back.
     *
     * @param id the number.
     */
    synchronized void release(final int id)
    {
        used.clear(id);
    }
}
