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
