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
