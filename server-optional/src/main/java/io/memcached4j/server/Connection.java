/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicBoolean;

import io.memcached4j.protocol.ServerSettings;
import io.memcached4j.protocol.Session;
import io.memcached4j.protocol.SessionHost;

/**
 * One client connection: its channel, its input buffer and the {@link Session} that speaks the protocol, driven as
 * the session's contract says. Replies produced from one read leave in one write; while replies are pending and the
 * socket cannot take them the connection is not read (interest in writing only), so a client that does not read
 * cannot make the server buffer without bound. Confined to its worker's thread.
 */
final class Connection implements SessionHost
{
    /** memcached reads up to 16 KiB at a time. */
    static final int INPUT_CAPACITY = 16 * 1024;

    private final Worker worker;
    private final SocketChannel channel;
    private final int id;
    private final String peerAddress;
    private final String localAddress;
    private final ByteBuffer in;
    private SelectionKey key;
    private Session session;
    private boolean negotiated;
    private boolean closeAfterWrite;
    private boolean writePending;
    private boolean closed;
    /** Whether the connection yielded ({@code -R}) and waits in its worker's queue to go on. */
    private boolean yieldPending;
    /**
     * Whether the client ended its input while requests it sent before still wait behind a yield: as memcached does,
     * they are served first, and the connection closes when it would read again.
     */
    private boolean inputEnded;
    /** Whether a {@link #wakeup()} is queued at the worker. */
    private final AtomicBoolean wakeQueued = new AtomicBoolean();

    Connection(
        final Worker worker, final SocketChannel channel, final int id, final String peerAddress,
        final String localAddress)
    {
        if (INPUT_CAPACITY < Session.MIN_INPUT_CAPACITY)
        {
            throw new IllegalStateException("input buffer below Session.MIN_INPUT_CAPACITY");
        }
        this.worker = worker;
        this.channel = channel;
        this.id = id;
        this.peerAddress = peerAddress;
        this.localAddress = localAddress;
        this.in = ByteBuffer.allocateDirect(INPUT_CAPACITY);
    }

    /**
     * Register with the worker's selector and make the session: runs on the worker thread.
     *
     * @param registered the channel's key.
     * @param newSession the session.
     */
    void start(final SelectionKey registered, final Session newSession)
    {
        this.key = registered;
        this.session = newSession;
    }

    @Override
    public String peerAddress()
    {
        return peerAddress;
    }

    @Override
    public String localAddress()
    {
        return localAddress;
    }

    @Override
    public long connectionId()
    {
        return id;
    }

    @Override
    public void verbose(final String line)
    {
        worker.log().bytesLine(line);
    }

    @Override
    public int readBufferBytes()
    {
        return in.capacity();
    }

    int id()
    {
        return id;
    }

    boolean isClosed()
    {
        return closed;
    }

    /**
     * When the connection last read a command line or a binary request header (memcached's {@code last_cmd_time}),
     * in the cache's seconds ({@code current_time}).
     *
     * @return the time.
     */
    int lastCommandTime()
    {
        return session.lastCommandTime();
    }

    /**
     * Whether memcached's idle timeout applies now: a TCP connection (not a unix socket's) that waits for a command
     * or is reading its line or header, with nothing to send; not one in the middle of a value. Read by the idle
     * timeout thread without a lock; the worker checks again before it closes.
     *
     * @return true when idle.
     */
    boolean waitsForTcpRequest()
    {
        return !closed && peerAddress.startsWith("tcp") && isIdle() && session.awaitsCommand();
    }

    /**
     * Ask this connection's worker to close it if it is still idle: from the idle timeout thread.
     */
    void requestIdleClose()
    {
        worker.requestIdleClose(this);
    }

    /**
     * Whether the connection waits for a command (memcached's idle timeout applies only then).
     *
     * @return true when no reply is pending.
     */
    boolean isIdle()
    {
        return !writePending && !closeAfterWrite && !session.isWatching();
    }

    void onReady(final SelectionKey k)
    {
        if (!k.isValid())
        {
            return;
        }
        if (k.isWritable())
        {
            onWritable();
        }
        else if (k.isReadable())
        {
            onReadable();
        }
    }

    private void onReadable()
    {
        if (yieldPending)
        {
            // as memcached, go on with what was read before: the yield's own event comes first
            resumeYield();
            if (closed)
            {
                return;
            }
        }
        if (!in.hasRemaining() && !yieldPending)
        {
            // the session waits for more than a full buffer holds (Session.Status.NEED_INPUT): more bytes end the
            // connection, as they end memcached's when its read buffer is full, with a reset, as memcached's close of a
            // socket with unread bytes resets it (without SO_LINGER 0 the JDK would first end the output normally)
            reset();
            return;
        }
        final int n;
        try
        {
            n = channel.read(in);
        }
        catch (final IOException ex)
        {
            close();
            return;
        }
        if (n < 0)
        {
            if (yieldPending)
            {
                inputEnded = true;
                key.interestOps(0);
                return;
            }
            if (session.releaseHeldInput() && in.position() > 0)
            {
                // the end is read again once what was held is served
                drive();
                return;
            }
            session.inputClosed();
            close();
            return;
        }
        if (n == 0)
        {
            return;
        }
        worker.state().bytesRead(n);
        session.dataRead();
        if (!negotiated)
        {
            negotiated = true;
            if (worker.state().verbosity() > 1 && session.protocol() == ServerSettings.BindingProtocol.AUTO)
            {
                final boolean binary = (in.get(0) & 0xFF) == 0x80;
                worker.log().line(id + ": Client using the " + (binary ? "binary" : "ascii") + " protocol");
            }
        }
        drive();
    }

    private void onWritable()
    {
        if (!flush())
        {
            return;
        }
        if (closeAfterWrite)
        {
            close();
            return;
        }
        writePending = false;
        key.interestOps(inputEnded ? 0 : SelectionKey.OP_READ);
        drive();
    }

    /**
     * Let the session consume what arrived, sending its replies, until it needs more input, cannot send, yields or
     * closes.
     */
    void drive()
    {
        while (!closed)
        {
            in.flip();
            final Session.Status status = session.process(in);
            in.compact();
            switch (status)
            {
                case NEED_INPUT:
                    if (flush())
                    {
                        session.allSent(in.position() > 0);
                        if (inputEnded)
                        {
                            session.inputClosed();
                            close();
                        }
                    }
                    else
                    {
                        awaitWritable();
                    }
                    return;
                case NEED_OUTPUT:
                    if (!flush())
                    {
                        awaitWritable();
                        return;
                    }
                    break;
                case YIELD:
                    if (flush())
                    {
                        session.allSentOnYield();
                        yieldPending = true;
                        worker.yielded(this);
                    }
                    else
                    {
                        awaitWritable();
                    }
                    return;
                case CLOSE:
                default:
                    if (flush())
                    {
                        close();
                    }
                    else
                    {
                        closeAfterWrite = true;
                        awaitWritable();
                    }
                    return;
            }
        }
    }

    /**
     * Go on after a yield, unless that happened already.
     */
    void resumeYield()
    {
        if (yieldPending)
        {
            yieldPending = false;
            drive();
        }
    }

    private void awaitWritable()
    {
        if (!closed)
        {
            writePending = true;
            key.interestOps(SelectionKey.OP_WRITE);
        }
    }

    /**
     * Send what the session released.
     *
     * @return true when everything was sent, false when the socket is full or the connection closed.
     */
    private boolean flush()
    {
        while (!closed)
        {
            final ByteBuffer out = session.output();
            if (out == null)
            {
                return true;
            }
            try
            {
                channel.write(out);
            }
            catch (final IOException ex)
            {
                close();
                return false;
            }
            final boolean partial = out.hasRemaining();
            session.outputSent();
            if (partial)
            {
                return false;
            }
        }
        return false;
    }

    /**
     * Send what can be sent without waiting, then close: the server is stopping.
     */
    void closeGracefully()
    {
        flush();
        close();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // watch: log lines produced on other threads wake the connection through its worker
    // ---------------------------------------------------------------------------------------------------------------

    @Override
    public void wakeup()
    {
        if (wakeQueued.compareAndSet(false, true) && !worker.wake(this))
        {
            wakeQueued.set(false);
        }
    }

    /**
     * The worker took this connection from its wake-up queue: let the session send its watcher's lines.
     */
    void woken()
    {
        wakeQueued.set(false);
        drive();
    }

    /**
     * Close for {@code -o idle_timeout}.
     */
    void closeIdle()
    {
        if (worker.state().verbosity() > 1)
        {
            worker.log().line("Closing idle fd " + id);
        }
        if (session != null)
        {
            session.timedOut();
        }
        close();
    }

    /**
     * Close with a reset: nothing of this connection's output is pending (its last flush sent everything).
     */
    private void reset()
    {
        lingerZero();
        close();
    }

    private void lingerZero()
    {
        try
        {
            if (channel.isOpen() && channel.supportedOptions().contains(StandardSocketOptions.SO_LINGER))
            {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            }
        }
        catch (final IOException ex)
        {
            // closed normally then
        }
    }

    /**
     * Whether the client sent bytes that were never read, found by reading one of them: the input buffer is no longer
     * needed once the connection closes.
     */
    private boolean inputUnread()
    {
        if (inputEnded || !channel.isOpen())
        {
            return false;
        }
        try
        {
            in.clear().limit(1);
            return channel.read(in) > 0;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /**
     * Close the connection and release everything it holds. Idempotent. The socket is closed and the worker told
     * even when the session fails to let go of something.
     */
    void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            if (key != null)
            {
                key.cancel();
            }
            // as memcached: the -vv line, then the socket, so that a client that reconnects at once is logged after it
            final boolean traced = session != null && !worker.stoppingQuietly();
            if (traced)
            {
                session.closeTraced(false);
            }
            worker.closing(this);
            if (traced)
            {
                session.closeTraced(true);
            }
            if (session != null)
            {
                session.close();
            }
        }
        finally
        {
            try
            {
                if (inputUnread())
                {
                    // as memcached's close() of a socket with bytes it never read: the kernel resets the connection
                    // (the JDK would first end the output normally)
                    lingerZero();
                }
                channel.close();
            }
            catch (final IOException ex)
            {
                // nothing to do: the descriptor is released either way
            }
            worker.closed(this);
        }
    }

    /**
     * The state memcached's state machine would be in for this connection.
     *
     * @return the state's name ({@code conn_new_cmd} before the session exists).
     */
    String stateName()
    {
        return session != null ? session.stateName() : "conn_new_cmd";
    }

    /**
     * Close after serving the connection threw: what the close itself throws is reported, not passed on.
     */
    void abort()
    {
        try
        {
            close();
        }
        catch (final RuntimeException | Error ex)
        {
            worker.log().line("connection " + id + " failed while closing: " + ex);
        }
    }
}
