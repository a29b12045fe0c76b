/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import java.nio.ByteBuffer;
import java.util.Objects;

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
 * A session made by {@link #forDatagrams} serves memcached's UDP connection: see {@link #beginDatagram(ByteBuffer)}.
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
        /**
         * Every complete request was consumed: read more input. When the input buffer is still full, the session waits
         * for a payload larger than the buffer (as memcached does for a {@code -Y} authentication payload): the driver
         * waits for more bytes and, when they come, closes the connection without reading them, as memcached's read
         * into a full buffer ends its connection.
         */
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
    /** memcached's connection state, followed for {@code -vvv}. */
    final ConnStates states;
    private final SessionHost host;
    private final long id;
    /** The protocol of the listener that accepted the connection. */
    private final ServerSettings.BindingProtocol protocol;
    private ProtocolHandler handler;
    private boolean binary;
    private boolean closing;
    private boolean closed;
    /** Input after a crawler dump, left for the next read ({@link #holdInputUntilReadable()}). */
    private boolean inputHeld;
    /** Whether bytes were in the input buffer when it was held. */
    private boolean heldBytes;
    /**
     * memcached's {@code last_cmd_time}: when the last command line or binary header was read, in the cache's seconds
     * ({@code current_time}). Written by the session's thread, read without a lock by {@code stats conns} and the
     * idle timeout thread, as memcached reads it; an int is never torn.
     */
    private int lastCommandTime;
    /** Serves datagrams: each one picks its protocol, and the session survives a close. */
    private final boolean datagrams;
    private ProtocolHandler asciiHandler;
    private ProtocolHandler binaryHandler;
    private volatile boolean inDatagram;
    /** The log state of the thread that last drove this session. */
    private LogStreams.ThreadState logThread;
    /** Set once the session {@code watch}es. */
    private LogStreams.Watcher watcher;
    private int closeReason = LogStreams.CLOSE_ERROR;
    /** 0, or the {@code shutdown} this session asked for: 1 for an immediate stop, 2 for a graceful one. */
    private int shutdownOnClose;

    /**
     * A session for one connection.
     *
     * @param server the server state shared by all sessions.
     * @param host   the connection's description.
     * @param pool   the output buffer pool of the thread that drives this session.
     */
    public Session(final ServerState server, final SessionHost host, final BufferPool pool)
    {
        this(server, host, pool, server.settings().bindingProtocol());
    }

    /**
     * A session for one connection accepted by a listener with a protocol of its own (memcached's
     * {@code -l proto[...]:}).
     *
     * @param server   the server state shared by all sessions.
     * @param host     the connection's description.
     * @param pool     the output buffer pool of the thread that drives this session.
     * @param protocol the listener's protocol: ascii, binary, or the first byte decides ({@code AUTO}).
     */
    public Session(final ServerState server, final SessionHost host, final BufferPool pool,
        final ServerSettings.BindingProtocol protocol)
    {
        this(server, host, pool, false, protocol);
    }

    private Session(final ServerState server, final SessionHost host, final BufferPool pool, final boolean datagrams,
        final ServerSettings.BindingProtocol protocol)
    {
        this.protocol = Objects.requireNonNull(protocol);
        this.server = server;
        this.cache = server.cache();
        this.host = host;
        this.id = host.connectionId();
        this.pool = pool;
        this.out = new Output(pool);
        this.datagrams = datagrams;
        // memcached's UDP connections start out reading
        this.states = new ConnStates(this, server.settings().verbosity() > 2,
            datagrams ? ConnStates.READ : ConnStates.NEW_CMD);
        this.lastCommandTime = server.cache().admin().currentTime();
        if (datagrams)
        {
            out.frameResponses();
        }
        server.register(this);
        if (!datagrams)
        {
            // memcached logs conn_new for the connections it accepts, not for its UDP connections
            server.logs.connectionOpened(host);
        }
    }

    /**
     * A session for memcached's UDP connection: one socket that many clients send datagrams to, each datagram a
     * request on its own. The driver repeats, for every datagram whose frame header it accepts:
     * <ol>
     * <li>{@link #beginDatagram(ByteBuffer)} with the payload (the bytes after the frame header);</li>
     * <li>{@link #process(ByteBuffer)} as for a connection, sending after each call the messages that
     * {@link #nextMessage()} hands out, until the status is {@link Status#NEED_INPUT} or {@link Status#CLOSE}
     * (calling again after {@link Status#NEED_OUTPUT} and {@link Status#YIELD});</li>
     * <li>{@link #endDatagram(boolean)}.</li>
     * </ol>
     * As in memcached, the first byte of each datagram chooses the protocol, whatever {@code -B} says; a request cut
     * short by the end of its datagram is dropped with the replies it held back, and a close ({@code quit}, a
     * protocol error) only ends the datagram. Besides a connection's memory, the session keeps the bounds of up to
     * 128 responses (a few KiB).
     *
     * @param server the server state shared by all sessions.
     * @param host   the UDP socket's description.
     * @param pool   the output buffer pool of the thread that drives this session.
     * @return the session.
     */
    public static Session forDatagrams(final ServerState server, final SessionHost host, final BufferPool pool)
    {
        return new Session(server, host, pool, true, server.settings().bindingProtocol());
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
        if (inputHeld)
        {
            return Status.NEED_INPUT;
        }
        if (handler == null)
        {
            if (!in.hasRemaining() || datagrams)
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
        else if (status == Status.NEED_INPUT)
        {
            states.inputConsumed();
        }
        else if (status == Status.YIELD)
        {
            states.yielding();
        }
        return status;
    }

    /**
     * The driver read bytes into the input buffer, before it calls {@link #process}: for {@code -vvv}.
     */
    public void dataRead()
    {
        states.resume(inputHeld && heldBytes);
        inputHeld = false;
        states.dataRead();
    }

    /**
     * A crawler dump ended: what the client sent after it waits until the socket is next readable (more bytes, or
     * its end), as memcached's worker takes the connection back from its crawler and parses only on its next read
     * event. A session driven in memory, which reports no reads, goes on at once.
     *
     * @param bytesLeft whether the client sent bytes after the dump's command (they are in the input buffer).
     */
    void holdInputUntilReadable(final boolean bytesLeft)
    {
        inputHeld = states.driven();
        heldBytes = bytesLeft;
    }

    /**
     * The client closed its side: what it sent after a crawler dump is parsed first, as memcached parses it on the
     * read event of the close before its read finds the end. Call before {@link #inputClosed()}; when this returns
     * true, the driver processes the input and reads again.
     *
     * @return whether input was held.
     */
    public boolean releaseHeldInput()
    {
        final boolean held = inputHeld;
        inputHeld = false;
        if (held && heldBytes)
        {
            states.resume(true);
        }
        return held;
    }

    /**
     * The driver sent everything {@link #output()} held after a {@link Status#NEED_INPUT}: for {@code -vvv}.
     *
     * @param bytesLeft whether the input buffer holds bytes of an incomplete request.
     */
    public void allSent(final boolean bytesLeft)
    {
        states.sent(bytesLeft);
    }

    /**
     * The driver sent everything {@link #output()} held after a {@link Status#YIELD}: for {@code -vvv}.
     */
    public void allSentOnYield()
    {
        states.sentOnYield();
    }

    /**
     * The driver is about to close the connection (before it prints memcached's {@code "connection closed."}
     * line), and has closed it: for {@code -vvv}.
     *
     * @param done false before the close, true after it.
     */
    public void closeTraced(final boolean done)
    {
        if (done)
        {
            states.closed();
            return;
        }
        if (states.closingFromSideThread() && server.verbosity() > 1)
        {
            host.verbose("<" + host.connectionId() + " connection closing from side thread.");
        }
        states.closing();
    }

    private ProtocolHandler negotiate(final byte first)
    {
        if (protocol == ServerSettings.BindingProtocol.BINARY ||
            (protocol == ServerSettings.BindingProtocol.AUTO && (first & 0xFF) == BinaryProtocol.REQUEST_MAGIC))
        {
            return new BinaryProtocol(this);
        }
        return new AsciiProtocol(this);
    }

    /**
     * The protocol of the listener that accepted this connection ({@code -B}, or its {@code proto[...]:}).
     *
     * @return ascii, binary, or {@code AUTO} when the first byte decides.
     */
    public ServerSettings.BindingProtocol protocol()
    {
        return protocol;
    }

    // -------------------------------------------------------------------------------------------------------------
    // datagrams
    // -------------------------------------------------------------------------------------------------------------

    /**
     * Whether this session serves datagrams ({@link #forDatagrams}).
     *
     * @return true for memcached's UDP connection.
     */
    public boolean servesDatagrams()
    {
        return datagrams;
    }

    /**
     * A datagram arrived: its first byte chooses the protocol (0x80 binary, anything else text), as memcached's
     * {@code try_read_command_udp} does.
     *
     * @param payload the datagram after its frame header, not empty, in read mode.
     */
    public void beginDatagram(final ByteBuffer payload)
    {
        if (!datagrams)
        {
            throw new IllegalStateException("not a datagram session");
        }
        inDatagram = true;
        states.dataRead();
        if ((payload.get(payload.position()) & 0xFF) == BinaryProtocol.REQUEST_MAGIC)
        {
            if (binaryHandler == null)
            {
                binaryHandler = new BinaryProtocol(this);
            }
            handler = binaryHandler;
        }
        else
        {
            if (asciiHandler == null)
            {
                asciiHandler = new AsciiProtocol(this);
            }
            handler = asciiHandler;
        }
    }

    /**
     * The next of memcached's response messages to send, once the previous one was sent whole: its bytes start at
     * the position of {@link #output()} and may not all be there yet (a value that streams), in which case the
     * driver sends what it can and calls {@link #process(ByteBuffer)} for the rest. A message of length 0 is a frame
     * header alone: memcached sends one for an empty response at the head of what it transmits (a multi-get whose
     * first key misses, a quiet binary miss).
     *
     * @return the message's length in bytes, or -1 when there is none to send now.
     */
    public long nextMessage()
    {
        return out.nextMessage();
    }

    /**
     * The driver is done with the datagram and sent what it could: what the session still holds of it is dropped
     * (memcached's UDP connection goes back to reading) and the next datagram starts afresh.
     *
     * @param bytesLeft whether the datagram ends in an incomplete request, which memcached parsed before it waited.
     */
    public void endDatagram(final boolean bytesLeft)
    {
        final boolean closed = closing;
        if (handler != null && (closing || !handler.idle()))
        {
            handler.reset();
        }
        closing = false;
        out.discardUnsent();
        out.frames().clear();
        out.recycle();
        inDatagram = false;
        // what is left of a datagram is dropped: the connection reads the next one. A close (quit, a line too long,
        // a protocol error) is memcached's conn_closing, which cleans its UDP connection up and reads again
        if (closed)
        {
            states.closing();
            states.to(ConnStates.READ);
        }
        else
        {
            states.sent(bytesLeft);
        }
    }

    /**
     * A datagram was dropped for its frame header (8 bytes or less, or a request in several datagrams): memcached's
     * read found no request, so its UDP connection waits and reads again.
     */
    public void datagramDropped()
    {
        states.to(ConnStates.WAITING);
        states.to(ConnStates.READ);
    }

    /**
     * Whether a datagram is being served ({@code stats conns} shows the socket's own address otherwise).
     *
     * @return true between {@link #beginDatagram} and {@link #endDatagram}.
     */
    boolean inDatagram()
    {
        return inDatagram;
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
        states.endOfInput();
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
        if (asciiHandler != null && asciiHandler != handler)
        {
            asciiHandler.close();
        }
        if (binaryHandler != null && binaryHandler != handler)
        {
            binaryHandler.close();
        }
        out.close();
        server.unregister(this);
        if (watcher != null)
        {
            server.logs.remove(watcher);
        }
        if (!datagrams)
        {
            server.logs.connectionClosed(host, closeReason);
        }
        if (shutdownOnClose != 0)
        {
            // as in memcached, the connection that asked is closed before the server begins to stop
            server.requestShutdown(shutdownOnClose == 2);
        }
    }

    /**
     * Stop the server once this session is closed ({@code shutdown}).
     *
     * @param graceful whether memcached's graceful stop was asked for.
     */
    void shutdownOnClose(final boolean graceful)
    {
        shutdownOnClose = graceful ? 2 : 1;
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

    /**
     * When the session last read a command line or a binary request header (memcached's {@code last_cmd_time}),
     * or was opened, in the cache's seconds ({@code current_time}).
     *
     * @return the time.
     */
    public int lastCommandTime()
    {
        return lastCommandTime;
    }

    void commandStarted()
    {
        lastCommandTime = server.cache().admin().currentTime();
    }

    /**
     * Whether the connection waits for a command, or is reading its line or header: the states in which memcached's
     * idle timeout closes a connection ({@code conn_new_cmd} and {@code conn_read}). A connection reading a value or
     * a request body, sending, or watching, is not idle, however long it has been.
     *
     * @return true when waiting for a command.
     */
    public boolean awaitsCommand()
    {
        final String state = states.current();
        return (ConnStates.NEW_CMD.equals(state) || ConnStates.READ.equals(state)) && watcher == null;
    }

    boolean holdsOutputBuffer()
    {
        return out.buffer() != null;
    }

    /**
     * The state memcached's state machine would be in for this connection ({@code conn_read}, {@code conn_nread},
     * ...): what {@code stats conns} shows and what {@code -vvv} prints as the connection closes.
     *
     * @return the state's name.
     */
    public String stateName()
    {
        // what memcached's state machine would be in, when the driver reports its reads (a server does)
        final String followed = states.state();
        if (followed != null)
        {
            return followed;
        }
        if (datagrams && !inDatagram)
        {
            return "conn_read";
        }
        final ProtocolHandler h = handler;
        return h == null ? "conn_new_cmd" : h.stateName();
    }

    boolean verbose()
    {
        return server.verbosity() > 1;
    }
}
