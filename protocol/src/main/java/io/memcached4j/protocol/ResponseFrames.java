/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

/**
 * memcached's response objects ({@code mc_resp}) in a session's output, for sessions that serve datagrams: over UDP
 * memcached sends each response object as a message of its own, with its own datagram count, so the driver must know
 * where one ends and the next begins. A response begins where memcached calls {@code resp_start} (every command,
 * every key of a multi-get after the first, every binary request), may be marked skipped where memcached sets
 * {@code resp->skip} ({@code noreply} and the meta {@code q} flag), and belongs to the batch of responses that
 * memcached transmits together (everything between two of its flushes: the input ran out, {@code -R}, {@code mn},
 * {@code quit}, a binary no-op).
 * <p>
 * {@link #nextMessage()} applies memcached's {@code transmit_udp}: a skipped response sends nothing; a response with
 * bytes is one message; an empty response that is the first of its batch to be sent is a message of no bytes (a lone
 * frame header that says zero datagrams), and any other empty response sends nothing, because memcached retires it
 * along with the response sent before it.
 * <p>
 * Positions are the output's logical positions ({@link Output#mark()}). A response's end is known once the next one
 * begins, once its batch is flushed, or when the code that streams it declares it ({@link #declareEnd(long)}); a
 * message is handed out once its end is known, possibly before all its bytes are written. Holds at most
 * {@link #CAPACITY} responses: the output refuses space while it is full, so the driver drains it by sending.
 * <p>
 * Not threadsafe: part of one session.
 */
final class ResponseFrames
{
    /** Responses held at most. */
    static final int CAPACITY = 128;
    /** {@link #nextMessage()}: no message can be sent now. */
    static final long NO_MESSAGE = -1;

    private final long[] start = new long[CAPACITY];
    private final long[] end = new long[CAPACITY];
    private final long[] batch = new long[CAPACITY];
    private final boolean[] skip = new boolean[CAPACITY];
    private final boolean[] declared = new boolean[CAPACITY];
    private int head;
    private int size;
    private long currentBatch;
    private long lastSentBatch = -1;

    boolean isFull()
    {
        return size == CAPACITY;
    }

    int size()
    {
        return size;
    }

    private int index(final int i)
    {
        return (head + i) % CAPACITY;
    }

    private int last()
    {
        return index(size - 1);
    }

    /**
     * A response begins; the previous one ends here unless it declared its end.
     *
     * @param position where it begins.
     */
    void begin(final long position)
    {
        if (size == CAPACITY)
        {
            throw new IllegalStateException("response frames full");
        }
        if (size > 0 && end[last()] < 0)
        {
            end[last()] = position;
        }
        final int i = index(size);
        start[i] = position;
        end[i] = -1;
        batch[i] = currentBatch;
        skip[i] = false;
        declared[i] = false;
        size++;
    }

    /**
     * The current response is not to be sent (memcached's {@code resp->skip}).
     */
    void skip()
    {
        if (size > 0)
        {
            skip[last()] = true;
        }
    }

    /**
     * The current response, still being written, will end at {@code position}.
     *
     * @param position its end.
     */
    void declareEnd(final long position)
    {
        if (size > 0)
        {
            end[last()] = position;
            declared[last()] = true;
        }
    }

    /**
     * memcached transmits what it holds: the current response ends here and later ones form a new batch.
     *
     * @param position the end of what was written.
     */
    void flush(final long position)
    {
        if (size > 0 && end[last()] < 0)
        {
            end[last()] = position;
        }
        currentBatch++;
    }

    /**
     * Bytes from {@code position} on were discarded: responses that began there or later are gone, as memcached
     * culls unsent responses; one that began before ends there at the latest.
     *
     * @param position the new end of the output.
     */
    void truncate(final long position)
    {
        while (size > 0 && start[last()] >= position)
        {
            size--;
        }
        if (size > 0 && (end[last()] < 0 || end[last()] > position))
        {
            end[last()] = position;
        }
    }

    /**
     * The next message to send, as memcached's {@code transmit_udp} chooses it; the responses it passes over are
     * retired. A response is sent once its end is known and released, or, when it declared its end, once part of it
     * is released.
     *
     * @param released the end of the released output.
     * @return the length of the message (0 for a lone frame header), or {@link #NO_MESSAGE}.
     */
    long nextMessage(final long released)
    {
        while (size > 0)
        {
            final int i = head;
            if (end[i] < 0 || (end[i] > released && !(declared[i] && start[i] < released)))
            {
                return NO_MESSAGE;
            }
            final long length = end[i] - start[i];
            final long b = batch[i];
            final boolean skipped = skip[i];
            head = (head + 1) % CAPACITY;
            size--;
            if (length > 0)
            {
                lastSentBatch = b;
                return length;
            }
            if (!skipped && lastSentBatch != b)
            {
                lastSentBatch = b;
                return 0;
            }
        }
        return NO_MESSAGE;
    }

    /**
     * Where the next response that {@link #nextMessage()} would look at begins.
     *
     * @return its position, or -1 when none is held.
     */
    long nextStart()
    {
        return size == 0 ? -1 : start[head];
    }

    /**
     * Forget everything: a new datagram starts afresh.
     */
    void clear()
    {
        head = 0;
        size = 0;
        currentBatch++;
    }
}
