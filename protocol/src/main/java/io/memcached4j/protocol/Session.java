/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import java.nio.ByteBuffer;

import io.memcached4j.core.MemcachedCache;

/**
 * One client connection speaking memcached's protocols to the engine, with no socket and no thread of its own. The
 * driver (the network server, a test) repeats:
 * <ol>
 * <li>append the bytes that arrived to its input buffer and call {@link #process(ByteBuffer)} with the buffer in read
 * mode; the session consumes what it can by moving the buffer's position, and returns a {@link Status};</li>
 * <li>send the bytes of {@link #output()} (when not null) by moving that buffer's position, then call
 * {@link #outputSent()};</li>
 * <li>act on the status: read more ({@link Status#NEED_INPUT}), wait until output was sent and call again
 * ({@link Status#NEED_OUTPUT}), call again after serving other connections ({@link Status#YIELD}), or send what
 * {@link #output()} still holds and close ({@link Status#CLOSE}).</li>
 * </ol>
 * The first byte decides the protocol as memcached's {@code -B auto} does: 0x80 is binary, anything else text.
 * <p>
 * A session that runs {@code watch} becomes a log watcher ({@link #isWatching()}): it reads no further commands and
 * sends the log lines other threads produce. When lines arrive for it, its host's {@link SessionHost#wakeup()} is
 * called on the producing thread; the driver then calls {@link #process(ByteBuffer)} on the session's own thread.
 * <p>
 * Memory: besides the driver's input buffer (which must hold at least {@link #MIN_INPUT_CAPACITY} bytes), a session
 * holds one output buffer of {@value Output#CAPACITY} bytes from its {@link BufferPool} while it has replies to send,
 * and a few hundred bytes of its own. Nothing grows with what the client sends or fails to read: a session that cannot
 * write a reply stops consuming input, values stream into the cache as they arrive and out of it as the client reads.
 * <p>
 * Not threadsafe: one thread at a time drives a session.
 */
public final class Session implements AutoCloseable
{
    /** The smallest input buffer a driver may use: a command line of 2048 bytes and its line end fit. */
    public static final int MIN_INPUT_CAPACITY = 4096;

    /**
     * What the session needs from its driver after a call to {@link #process(ByteBuffer)}.
     */
    public enum Status
    {
        /** Every complete request was consumed: read more input. */
        NEED_INPUT,
        /** The output buffer is full: send {@link #output()}, then call {@link #process(ByteBuffer)} again. */
        NEED_OUTPUT,
        /** {@code -R} requests were served: send the output, serve other connections, then call again. */
        YIELD,
        /** Send what {@link #output()} holds (possibly nothing), then close the connection. */
        CLOSE
    }

    final ServerState server;
    final MemcachedCache cache;
    final BufferPool pool;
    final Output out;
    private final SessionHost host;
    private final long id;
    private ProtocolHandler handler;
    private boolean binary;
    private boolean closing;
    private boolean closed;
    private long lastCommandNanos = System.nanoTime();
    /** The log state of the thread that last drove this session. */
    private LogStreams.ThreadState logThread;
    /** Set once the session {@code watch}es. */
    private LogStreams.Watcher watcher;
    private int closeReason = LogStreams.CLOSE_ERROR;

    /**
     * A session for one connection.
     *
     * @param server the server state shared by all sessions.
     * @param host   the connection's description.
     * @param pool   the output buffer pool of the thread that drives this session.
     */
    public Session(final ServerState server, final SessionHost host, final BufferPool pool)
    {
        this.server = server;
        this.cache = server.cache();
        this.host = host;
        this.id = host.connectionId();
        this.pool = pool;
        this.out = new Output(pool);
        server.register(this);
        server.logs.connectionOpened(host);
    }

    /**
     * Consume input and produce replies.
     *
     * @param in bytes received and not yet consumed, in read mode; the position moves past what was consumed.
     * @return what to do next.
     */
    public Status process(final ByteBuffer in)
    {
        if (closing || closed)
        {
            return Status.CLOSE;
        }
        if (handler == null)
        {
            if (!in.hasRemaining())
            {
                return Status.NEED_INPUT;
            }
            handler = negotiate(in.get(in.position()));
            binary = handler instanceof BinaryProtocol;
        }
        // memcached's cur_sfd: the engine's events on this thread now come from this connection
        LogStreams.ThreadState t = logThread;
        if (t == null || t.thread != Thread.currentThread())
        {
            t = server.logs.threadState();
            logThread = t;
        }
        t.connection = id;
        t.binary = binary;
        Status status;
        try
        {
            status = handler.process(in);
        }
        catch (final RuntimeException | AssertionError ex)
        {
            // never reached by any input the tests know of; a bug must cost this connection, not the server
            host.verbose("internal error, closing connection: " + ex);
            out.discardUnsent();
            status = Status.CLOSE;
        }
        if (status == Status.CLOSE)
        {
            closing = true;
        }
        return status;
    }

    private ProtocolHandler negotiate(final byte first)
    {
        final ServerSettings.BindingProtocol binding = server.settings().bindingProtocol();
        if (binding == ServerSettings.BindingProtocol.BINARY ||
            (binding == ServerSettings.BindingProtocol.AUTO && (first & 0xFF) == BinaryProtocol.REQUEST_MAGIC))
        {
            return new BinaryProtocol(this);
        }
        return new AsciiProtocol(this);
    }

    /**
     * The replies the driver may send now: a buffer whose position is the first byte to send and whose limit is the
     * last. Send by moving its position, then call {@link #outputSent()}. The same buffer object is returned for as
     * long as the session holds its output buffer.
     *
     * @return the bytes to send, or null when there are none.
     */
    public ByteBuffer output()
    {
        return out.released();
    }

    /**
     * The driver sent bytes from {@link #output()}.
     */
    public void outputSent()
    {
        if (out.buffer() == null)
        {
            return;
        }
        server.bytesWritten(out.sent());
        if (!out.hasUnsent())
        {
            out.recycle();
        }
    }

    /**
     * The client closed its side. memcached closes the connection at once, sending nothing it still holds.
     */
    public void inputClosed()
    {
        out.discardUnsent();
        closing = true;
        if (watcher == null)
        {
            // memcached closes a watcher from its logger thread without a reason: it is logged as an error
            closeReason = LogStreams.CLOSE_NORMAL;
        }
    }

    /**
     * The driver closes the connection because it was idle for longer than {@code -o idle_timeout}: the close is
     * logged with that reason. Call before {@link #close()}.
     */
    public void timedOut()
    {
        closeReason = LogStreams.CLOSE_IDLE_TIMEOUT;
    }

    /**
     * Release what the session holds: its output buffer, a value being received or sent. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (handler != null)
        {
            handler.close();
        }
        out.close();
        server.unregister(this);
        if (watcher != null)
        {
            server.logs.remove(watcher);
        }
        server.logs.connectionClosed(host, closeReason);
    }

    /**
     * Whether the session wants to close (a {@code quit}, a protocol error, the client's end of input).
     *
     * @return true once closing.
     */
    public boolean isClosing()
    {
        return closing || closed;
    }

    /**
     * Whether replies are waiting to be sent.
     *
     * @return true when {@link #output()} is not null.
     */
    public boolean hasOutput()
    {
        return out.hasReleased();
    }

    /**
     * Whether the session has become a log watcher ({@code watch}): it reads no more commands and sends log lines
     * when its host's {@link SessionHost#wakeup()} is called. memcached's idle timeout does not apply to it.
     *
     * @return true once watching.
     */
    public boolean isWatching()
    {
        return watcher != null;
    }

    LogStreams.Watcher watcher()
    {
        return watcher;
    }

    void watch(final LogStreams.Watcher w)
    {
        watcher = w;
    }

    void closeReason(final int reason)
    {
        closeReason = reason;
    }

    SessionHost host()
    {
        return host;
    }

    long connectionId()
    {
        return host.connectionId();
    }

    long lastCommandNanos()
    {
        return lastCommandNanos;
    }

    void commandStarted()
    {
        lastCommandNanos = System.nanoTime();
    }

    boolean holdsOutputBuffer()
    {
        return out.buffer() != null;
    }

    String stateName()
    {
        final ProtocolHandler h = handler;
        return h == null ? "conn_new_cmd" : h.stateName();
    }

    boolean verbose()
    {
        return server.verbosity() > 1;
    }
}
