/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import java.nio.ByteBuffer;

/**
 * One protocol spoken on a session: the text protocol (ASCII and meta commands) or the binary protocol. Never throws
 * out of {@link #process}: a problem with the input becomes memcached's reply or a close.
 */
abstract class ProtocolHandler
{
    /** Requests left in this event before the connection yields ({@code -R}, memcached's {@code nreqs}). */
    private int requestsLeft;
    /** Whether the last event yielded: memcached's next event spends one request on the resumption. */
    private boolean yielded;
    /** Whether requests were done since replies were last sent: memcached's {@code resp_head}. */
    private boolean repliesQueued;
    /** Hashes of the keys whose hits' replies wait to be sent: memcached's {@code resp->item} references. */
    private final long[] heldKeys = new long[HELD_MAX];
    private int heldCount;
    /** Whether the store whose value is being read replaces an item a reply holds ({@link #storeBegins}). */
    private boolean storeReplacesHeld;
    private long storeKeyHash;

    /** Keys remembered as held by replies not yet sent; a longer pipeline of hits is not followed further. */
    private static final int HELD_MAX = 64;

    /**
     * An event begins: the driver calls {@link #process} with what it read, or to go on after a yield.
     *
     * @param requestsPerEvent {@code -R}.
     */
    final void eventStarted(final int requestsPerEvent)
    {
        requestsLeft = requestsPerEvent - (yielded ? 1 : 0);
        yielded = false;
    }

    /**
     * A request is done and its reply queued: it spends one request of {@code -R}, as memcached's
     * {@code conn_new_cmd} does.
     *
     * @param server the server's counters.
     * @return true when the connection yields now ({@code conn_yields} counted).
     */
    final boolean requestDone(final ServerState server)
    {
        repliesQueued = true;
        if (--requestsLeft < 0)
        {
            server.connYields.increment();
            yielded = true;
            repliesQueued = false;
            heldCount = 0;
            return true;
        }
        return false;
    }

    /**
     * The replies queued were sent at once (memcached's {@code mn}, binary NOOP and errors).
     */
    final void repliesSent()
    {
        repliesQueued = false;
        heldCount = 0;
    }

    /**
     * A hit's reply, not yet sent, refers to the item: memcached's reply holds a reference to it until it is sent,
     * so an {@code incr} or {@code decr} of that key meanwhile stores a new item instead of padding in place.
     *
     * @param key the key, from its position to its limit.
     */
    final void holdForReply(final ByteBuffer key)
    {
        if (heldCount < HELD_MAX)
        {
            heldKeys[heldCount++] = keyHash(key);
        }
    }

    /**
     * Whether a reply not yet sent refers to the key's item ({@link #holdForReply}).
     *
     * @param key the key, from its position to its limit.
     * @return true if held.
     */
    final boolean heldByReply(final ByteBuffer key)
    {
        if (heldCount == 0)
        {
            return false;
        }
        final long hash = keyHash(key);
        for (int i = 0; i < heldCount; i++)
        {
            if (heldKeys[i] == hash)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * The key's item was replaced or removed by this connection (a store, a delete, an arithmetic that stored a new
     * item): replies still waiting hold the old item, not the key's item now, so an {@code incr} or {@code decr} of
     * the key changes the new item in place, as memcached's, whose references are to items, not keys.
     *
     * @param key the key, from its position to its limit.
     */
    final void itemReplaced(final ByteBuffer key)
    {
        if (heldCount > 0)
        {
            release(keyHash(key));
        }
    }

    /**
     * A store of the key begins reading its value: {@link #storeEnded} then tells whether it replaced the item.
     *
     * @param key the key, from its position to its limit.
     */
    final void storeBegins(final ByteBuffer key)
    {
        storeReplacesHeld = heldCount > 0 && heldByReply(key);
        if (storeReplacesHeld)
        {
            storeKeyHash = keyHash(key);
        }
    }

    /**
     * The store begun last ended.
     *
     * @param stored whether it stored a new item under the key.
     */
    final void storeEnded(final boolean stored)
    {
        if (storeReplacesHeld && stored)
        {
            release(storeKeyHash);
        }
        storeReplacesHeld = false;
    }

    private void release(final long hash)
    {
        int kept = 0;
        for (int i = 0; i < heldCount; i++)
        {
            if (heldKeys[i] != hash)
            {
                heldKeys[kept++] = heldKeys[i];
            }
        }
        heldCount = kept;
    }

    private static long keyHash(final ByteBuffer key)
    {
        // FNV-1a over eight bytes at a time, seeded with the length
        long h = 0xcbf29ce484222325L ^ key.remaining();
        int i = key.position();
        final int limit = key.limit();
        for (; i + Long.BYTES <= limit; i += Long.BYTES)
        {
            h = (h ^ key.getLong(i)) * 0x100000001b3L;
            h ^= h >>> 29;
        }
        for (; i < limit; i++)
        {
            h = (h ^ (key.get(i) & 0xFF)) * 0x100000001b3L;
        }
        return h;
    }

    /**
     * No complete request is left. When replies were queued, memcached sends them and enters {@code conn_new_cmd}
     * once more, which spends one request of {@code -R}: past it, the connection yields with nothing to do.
     *
     * @param server the server's counters.
     * @param states the connection's states.
     */
    final void inputConsumed(final ServerState server, final ConnStates states)
    {
        heldCount = 0;
        if (repliesQueued)
        {
            repliesQueued = false;
            if (--requestsLeft < 0)
            {
                server.connYields.increment();
                states.yieldOnceSent();
            }
        }
    }

    /**
     * Consume what can be consumed of {@code in} (from its position to its limit, moving the position).
     *
     * @param in the bytes received and not yet consumed.
     * @return what the session needs next.
     */
    abstract Session.Status process(ByteBuffer in);

    /**
     * memcached's name for the state, for {@code stats conns}.
     *
     * @return e.g. {@code conn_parse_cmd}.
     */
    abstract String stateName();

    /**
     * The connection is gone: give back what is held (a reserved item, a referenced value).
     */
    abstract void close();

    /**
     * Whether the handler waits for a new request (nothing of one is half read or half answered).
     *
     * @return true between requests.
     */
    abstract boolean idle();

    /**
     * Drop the request in progress, if any, giving back what it holds, and wait for a new request: a datagram ended
     * (memcached's {@code conn_cleanup} of a UDP connection).
     */
    abstract void reset();
}
