/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

/**
 * What a session knows of the connection it serves, supplied by whoever drives it (the network server, a test).
 */
public interface SessionHost
{
    /**
     * The client's address as {@code stats conns} shows it, e.g. {@code tcp:127.0.0.1:41234}.
     *
     * @return the address.
     */
    String peerAddress();

    /**
     * The address the client connected to, e.g. {@code tcp:127.0.0.1:11211}.
     *
     * @return the address.
     */
    String localAddress();

    /**
     * The connection's number in verbose output and {@code stats conns} (memcached prints its file descriptor).
     *
     * @return a number unique among open connections.
     */
    long connectionId();

    /**
     * A line of verbose output ({@code -vv}: commands and replies); the server prints it to standard error.
     *
     * @param line the line, without line end, one character a byte (ISO-8859-1): keys appear as the client sent them,
     *             and memcached prints those bytes as they are.
     */
    default void verbose(final String line)
    {
    }

    /**
     * Any thread: a session that {@code watch}es has log lines to send and wants {@link Session#process} called on
     * its own thread, even though no input arrived. Called once when lines arrive for a session that had sent all it
     * had; a driver that does not implement it must call {@code process} on a watching session from time to time.
     */
    default void wakeup()
    {
    }

    /**
     * The bytes of the read buffer the connection holds for its input, for {@code stats} ({@code read_buf_count} and
     * {@code read_buf_bytes}): 0 when it holds none of its own.
     *
     * @return the buffer's capacity, or 0.
     */
    default int readBufferBytes()
    {
        return 0;
    }

    /**
     * A host for sessions driven in memory (tests, embedded use): loopback-looking addresses and no verbose output.
     *
     * @param id the connection number.
     * @return the host.
     */
    static SessionHost inMemory(final long id)
    {
        return new SessionHost()
        {
            @Override
            public String peerAddress()
            {
                return "tcp:127.0.0.1:0";
            }

            @Override
            public String localAddress()
            {
                return "tcp:127.0.0.1:11211";
            }

            @Override
            public long connectionId()
            {
                return id;
            }
        };
    }
}
