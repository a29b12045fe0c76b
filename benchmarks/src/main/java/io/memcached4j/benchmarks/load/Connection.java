/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.benchmarks.load;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One connection's state: its channel, a read buffer and a write buffer (direct, so the socket reads and writes
 * them without a copy), and a ring of the requests in flight. Replies come back in request order, so request
 * {@code n} lives in slot {@code n & mask} from the moment it is encoded until its reply is decoded. Owned by one
 * worker thread; not threadsafe.
 */
final class Connection
{
    /** The socket, non-blocking. */
    final SocketChannel channel;
    /** Position of this connection among its worker's connections. */
    final int localIndex;
    /** Replies: bytes {@code [readIndex, readBuffer.position())} are received and not yet decoded. */
    final ByteBuffer readBuffer;
    /** Requests: bytes {@code [writeIndex, writeLimit)} are encoded and not yet written. */
    final ByteBuffer writeBuffer;
    /** Ring: operation of each request in flight. */
    final byte[] ops;
    /** Ring: key of each request in flight. */
    final int[] keys;
    /** Ring: when each request in flight was handed to the socket. */
    final long[] sendTimes;
    /** Ring size minus one. */
    final int mask;

    /** Selection key, once registered. */
    SelectionKey selectionKey;
    /** First byte not yet decoded. */
    int readIndex;
    /** First byte not yet written. */
    int writeIndex;
    /** End of the encoded bytes. */
    int writeLimit;
    /** Whether the selector also watches for writability (a write was partial). */
    boolean writeInterest;
    /** Requests encoded so far; the next request's number. */
    long issued;
    /** Replies decoded so far; the number of the request the next reply answers. */
    long completed;
    /** Fixed rate: the number of the first request of the schedule (the preload's come before it). */
    long base;
    /** Fixed rate: requests whose scheduled time has come, counted like {@link #issued}. */
    long due;
    /** Position in the set:get cycle. */
    int cycle;
    /** Set once the connection failed or went out of step; it is then closed and left alone. */
    boolean dead;

    /**
     * A connection.
     *
     * @param channel       connected, non-blocking channel.
     * @param localIndex    position among the worker's connections.
     * @param ringSize      requests in flight at most, a power of two.
     * @param readCapacity  read buffer size.
     * @param writeCapacity write buffer size.
     */
    Connection(
        final SocketChannel channel,
        final int localIndex,
        final int ringSize,
        final int readCapacity,
        final int writeCapacity)
    {
        this.channel = channel;
        this.localIndex = localIndex;
        readBuffer = ByteBuffer.allocateDirect(readCapacity);
        writeBuffer = ByteBuffer.allocateDirect(writeCapacity);
        ops = new byte[ringSize];
        keys = new int[ringSize];
        sendTimes = new long[ringSize];
        mask = ringSize - 1;
    }

    /**
     * Requests sent and not yet answered.
     *
     * @return the count.
     */
    int inFlight()
    {
        return (int)(issued - completed);
    }
}
