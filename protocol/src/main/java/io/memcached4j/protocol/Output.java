/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import java.nio.ByteBuffer;

/**
 * A session's reply bytes: one direct buffer of fixed capacity, taken from the {@link BufferPool} when the session
 * first has something to say and given back once everything has been sent.
 * <p>
 * Bytes are in three ranges: {@code [0, readIndex)} already sent, {@code [readIndex, releaseIndex)} released (the
 * driver may send them), {@code [releaseIndex, writeIndex)} written but held back. memcached transmits replies only
 * when it runs out of complete commands, after {@code -R} commands, or when a command asks for it ({@code mn},
 * {@code quit}, binary no-op); until then a reply can still be discarded (a multi-get with an over-long key drops the
 * unsent replies, a connection closed for a protocol error sends none of them). Holding bytes until those moments
 * reproduces exactly what memcached puts on the wire.
 */
final class Output
{
    /** Capacity of a session's output buffer. */
    static final int CAPACITY = 64 * 1024;

    private static final byte[] DIGITS = "0123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final BufferPool pool;
    /** memcached's response objects in this output, for a session that serves datagrams; null otherwise. */
    private ResponseFrames frames;
    private BufferPool.Chunk chunk;
    private ByteBuffer buffer;
    private ByteBuffer view;
    private int readIndex;
    private int releaseIndex;
    private int writeIndex;
    /** Bytes dropped from the front by compaction and resets: logical positions are {@code shift + index}. */
    private long shift;
    /** Logical positions, as {@link #mark()} gives them, of bytes that {@link #sent()} does not count. */
    private long uncountedFrom = Long.MAX_VALUE;
    private long uncountedTo = Long.MAX_VALUE;
    /** Where the last {@link #release()} left the output, as a {@link #mark()}: what memcached has transmitted. */
    private long transmitted;

    Output(final BufferPool pool)
    {
        this.pool = pool;
    }

    /**
     * Bytes that can still be written.
     *
     * @return free space, counting space that compaction would recover.
     */
    int free()
    {
        return CAPACITY - (writeIndex - readIndex);
    }

    /**
     * Make sure {@code length} contiguous bytes can be written at {@link #writeIndex()}.
     *
     * @param length bytes needed.
     * @return false if the buffer cannot hold them until more is sent; also, for a session that serves datagrams,
     *         while it holds as many responses as it can track (the bytes can be written all the same, but no new
     *         response may begin).
     */
    boolean ensure(final int length)
    {
        if (buffer == null)
        {
            chunk = pool.acquire();
            buffer = chunk.buffer;
            view = chunk.view;
            syncView();
        }
        if (CAPACITY - writeIndex < length)
        {
            if (writeIndex - readIndex + length > CAPACITY)
            {
                return false;
            }
            compact();
        }
        return frames == null || !frames.isFull();
    }

    private void compact()
    {
        if (readIndex == 0)
        {
            return;
        }
        final int pending = writeIndex - readIndex;
        buffer.put(0, buffer, readIndex, pending);
        shift += readIndex;
        releaseIndex -= readIndex;
        writeIndex = pending;
        readIndex = 0;
        syncView();
    }

    /**
     * Contiguous bytes that can be written at {@link #writeIndex()} without compaction.
     *
     * @return the space up to the end of the buffer.
     */
    int writable()
    {
        return CAPACITY - writeIndex;
    }

    /**
     * A view of the buffer for copying bytes into it directly, for example a value straight from the cache: its
     * position is {@code writeIndex() + offset} and its limit {@code writeIndex() + offset + length}. Bytes put there
     * become output only through {@link #advance(int)} or {@link #moveDown(int, int)}. The same object is returned
     * every time.
     *
     * @param offset where the window starts, relative to the write index.
     * @param length how long it is.
     * @return the view.
     */
    ByteBuffer window(final int offset, final int length)
    {
        final ByteBuffer window = chunk.window;
        window.limit(CAPACITY).position(writeIndex + offset).limit(writeIndex + offset + length);
        return window;
    }

    /**
     * Append bytes that were put further ahead through {@link #window(int, int)}: copy them down to the write index
     * (the ranges may overlap) and advance past them.
     *
     * @param offset where they are, relative to the write index.
     * @param length how many.
     */
    void moveDown(final int offset, final int length)
    {
        if (offset != 0)
        {
            buffer.put(writeIndex, buffer, writeIndex + offset, length);
        }
        writeIndex += length;
    }

    int writeIndex()
    {
        return writeIndex;
    }

    ByteBuffer buffer()
    {
        return buffer;
    }

    /**
     * Bytes were written directly into {@link #buffer()} from {@link #writeIndex()}.
     *
     * @param length how many.
     */
    void advance(final int length)
    {
        writeIndex += length;
    }

    /**
     * A position that stays valid across compaction, for {@link #truncate(long)}.
     *
     * @return the logical write position.
     */
    long mark()
    {
        return shift + writeIndex;
    }

    /**
     * Forget what was written after a mark, if none of it was released; otherwise keep everything.
     *
     * @param mark from {@link #mark()}.
     * @return true when truncated.
     */
    boolean truncate(final long mark)
    {
        final long index = mark - shift;
        if (index < releaseIndex || index > writeIndex)
        {
            return false;
        }
        writeIndex = (int)index;
        if (frames != null)
        {
            frames.truncate(mark);
        }
        return true;
    }

    void putByte(final byte b)
    {
        buffer.put(writeIndex++, b);
    }

    void putBytes(final byte[] bytes)
    {
        buffer.put(writeIndex, bytes);
        writeIndex += bytes.length;
    }

    void putBytes(final byte[] bytes, final int offset, final int length)
    {
        buffer.put(writeIndex, bytes, offset, length);
        writeIndex += length;
    }

    void putBytes(final ByteBuffer src, final int offset, final int length)
    {
        buffer.put(writeIndex, src, offset, length);
        writeIndex += length;
    }

    void putCrLf()
    {
        buffer.put(writeIndex, (byte)'\r');
        buffer.put(writeIndex + 1, (byte)'\n');
        writeIndex += 2;
    }

    /**
     * Write an ASCII string (every char below 0x80).
     *
     * @param s the text.
     */
    void putAscii(final CharSequence s)
    {
        final int length = s.length();
        for (int i = 0; i < length; i++)
        {
            buffer.put(writeIndex + i, (byte)s.charAt(i));
        }
        writeIndex += length;
    }

    /**
     * Write a number as unsigned decimal, as C's {@code %llu}.
     *
     * @param value the value, read as unsigned 64 bits.
     */
    void putUnsigned(final long value)
    {
        if (value < 0)
        {
            final long quotient = (value >>> 1) / 5;
            putUnsigned(quotient);
            buffer.put(writeIndex++, DIGITS[(int)(value - quotient * 10)]);
            return;
        }
        putDecimal(value);
    }

    /**
     * Write a signed number in decimal.
     *
     * @param value the value.
     */
    void putDecimal(final long value)
    {
        if (value < 0)
        {
            if (value == Long.MIN_VALUE)
            {
                putAscii("-9223372036854775808");
                return;
            }
            buffer.put(writeIndex++, (byte)'-');
            putDecimal(-value);
            return;
        }
        final int digits = digits(value);
        long v = value;
        for (int i = digits - 1; i >= 0; i--)
        {
            buffer.put(writeIndex + i, DIGITS[(int)(v % 10)]);
            v /= 10;
        }
        writeIndex += digits;
    }

    static int digits(final long nonNegative)
    {
        int digits = 1;
        long v = nonNegative;
        while (v >= 10)
        {
            v /= 10;
            digits++;
        }
        return digits;
    }

    /**
     * Write a line and its CRLF.
     *
     * @param line the text, ASCII.
     */
    void line(final String line)
    {
        putAscii(line);
        putCrLf();
    }

    /**
     * Let the driver send everything written so far.
     */
    void release()
    {
        releaseIndex = writeIndex;
        transmitted = shift + writeIndex;
        if (frames != null)
        {
            frames.flush(mark());
        }
    }

    /**
     * Let the driver send everything written so far because the buffer is full: unlike {@link #release()}, not a
     * point where memcached transmits.
     */
    void releaseForSpace()
    {
        releaseIndex = writeIndex;
    }

    int releaseIndex()
    {
        return releaseIndex;
    }

    /**
     * Drop what was written but not released: memcached culls unsent replies.
     */
    void discardUnreleased()
    {
        writeIndex = releaseIndex;
        if (frames != null)
        {
            frames.truncate(mark());
        }
    }

    /**
     * Drop what memcached would not have sent before it closes: everything written since the last point where it
     * transmits ({@link #release()}), even what was released for space. What was released at such a point stays to
     * be sent, as memcached had written it to the socket before it met the reason to close.
     */
    void discardUntransmitted()
    {
        discardFrom((int)Math.max(readIndex, Math.min(writeIndex, transmitted - shift)));
    }

    /**
     * Drop everything not yet sent, released or not: memcached closes without sending what it had queued.
     */
    void discardUnsent()
    {
        discardFrom(readIndex);
    }

    private void discardFrom(final int keep)
    {
        writeIndex = keep;
        releaseIndex = keep;
        if (view != null)
        {
            syncView();
        }
        if (frames != null)
        {
            frames.truncate(mark());
        }
    }

    boolean hasReleased()
    {
        return releaseIndex > readIndex;
    }

    boolean hasUnsent()
    {
        return writeIndex > readIndex;
    }

    /**
     * The released bytes, for the driver to send: a view whose position is the first unsent byte and whose limit is
     * the release index. The same object is returned every time.
     *
     * @return the view, or null when nothing is released.
     */
    ByteBuffer released()
    {
        if (releaseIndex == readIndex)
        {
            return null;
        }
        view.limit(releaseIndex).position(readIndex);
        return view;
    }

    /**
     * The driver sent bytes from the view returned by {@link #released()} and moved its position.
     *
     * @return how many bytes were sent since the last call, leaving out those of {@link #uncounted()}.
     */
    int sent()
    {
        final int sent = view.position() - readIndex;
        final long from = shift + readIndex;
        final long to = from + sent;
        final long overlap = Math.max(0, Math.min(to, uncountedTo) - Math.max(from, uncountedFrom));
        readIndex = view.position();
        if (readIndex == writeIndex)
        {
            shift += writeIndex;
            readIndex = 0;
            releaseIndex = 0;
            writeIndex = 0;
            syncView();
        }
        return sent - (int)overlap;
    }

    /**
     * What is written from now on is sent for one of memcached's other threads (a crawler dump, a watcher's lines),
     * whose writes its {@code bytes_written} does not count: {@link #sent()} leaves it out, until
     * {@link #countedAgain()}.
     */
    void uncounted()
    {
        uncountedFrom = mark();
        uncountedTo = Long.MAX_VALUE;
    }

    /**
     * What is written from now on counts again in {@code bytes_written}.
     */
    void countedAgain()
    {
        uncountedTo = mark();
    }

    private void syncView()
    {
        view.position(0).limit(releaseIndex).position(readIndex);
    }

    /**
     * Give the buffer back to the pool when nothing is pending.
     */
    void recycle()
    {
        if (buffer != null && writeIndex == readIndex)
        {
            pool.release(chunk);
            chunk = null;
            buffer = null;
            view = null;
            shift += writeIndex;
            readIndex = 0;
            releaseIndex = 0;
            writeIndex = 0;
        }
    }

    /**
     * Give the buffer back whatever it holds: the connection is gone.
     */
    void close()
    {
        writeIndex = readIndex;
        recycle();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // datagram sessions: memcached's response objects
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Keep track of memcached's response objects from now on (a session that serves datagrams).
     */
    void frameResponses()
    {
        if (frames == null)
        {
            frames = new ResponseFrames();
        }
    }

    ResponseFrames frames()
    {
        return frames;
    }

    /**
     * The next of memcached's response messages that may be sent: see {@link ResponseFrames#nextMessage(long)}.
     *
     * @return its length, or {@link ResponseFrames#NO_MESSAGE}.
     */
    long nextMessage()
    {
        // every byte belongs to a response: the next one starts where the driver stopped sending
        assert frames.nextStart() < 0 || frames.nextStart() == shift + readIndex :
            "response at " + frames.nextStart() + ", output at " + (shift + readIndex);
        return frames.nextMessage(shift + releaseIndex);
    }

    /**
     * memcached's {@code resp_start}: a response begins at the write position. Call after a successful
     * {@link #ensure(int)}, which leaves room for it.
     */
    void beginResponse()
    {
        if (frames != null)
        {
            frames.begin(mark());
        }
    }

    /**
     * memcached's {@code resp->skip}: the current response, which has no bytes, is not to be sent.
     */
    void skipResponse()
    {
        if (frames != null)
        {
            frames.skip();
        }
    }

    /**
     * The current response will have {@code remaining} more bytes: it streams, and a datagram driver must know its
     * length before it is all written.
     *
     * @param remaining bytes still to be written for it.
     */
    void expectResponseEnd(final long remaining)
    {
        if (frames != null)
        {
            frames.declareEnd(mark() + remaining);
        }
    }

    /**
     * Whether response objects are tracked.
     *
     * @return true for a session that serves datagrams.
     */
    boolean framed()
    {
        return frames != null;
    }
}
