/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import io.memcached4j.core.CacheBuilder;
import io.memcached4j.core.ManualClock;
import io.memcached4j.core.MemcachedCache;

/**
 * Test support: a cache, its {@link ServerState} and in-memory {@link Session}s built from memcached-style arguments,
 * and a driver that plays both the network server and the client around a session exactly as the javadoc of
 * {@link Session} prescribes.
 * <p>
 * The client writes its bytes in chunks ({@link Chunker}: all at once, random sizes, one byte at a time); the
 * "server" reads what has been written into an input buffer of {@link Session#MIN_INPUT_CAPACITY} bytes that is
 * compacted between calls, calls {@link Session#process(ByteBuffer)}, sends {@link Session#output()} (whole or in
 * random pieces) and calls {@link Session#outputSent()}, then acts on the status: {@code NEED_INPUT} reads more,
 * {@code NEED_OUTPUT} and {@code YIELD} call again, {@code CLOSE} sends what is left and closes. Once all input is
 * consumed the client half-closes ({@link Session#inputClosed()}). A watching session ({@code watch}) is served again
 * with {@link Connection#poke()}, as the server does when the session's host is woken; the host counts the wake-ups.
 * <p>
 * Every call is checked: an {@code internal error} line given to {@link SessionHost#verbose(String)} (the session
 * caught an exception) fails the test at once, as do a session that asks for input while its input buffer is full
 * and unconsumed, and a session that asks to send output it does not have. The driver records the memory figures
 * that the session's documented bound is about: output buffers the {@link BufferPool} allocated, the most bytes
 * {@link Session#output()} held at once, and whether the session still holds an output buffer.
 * <p>
 * Not threadsafe.
 */
final class SessionDriver implements AutoCloseable
{
    /** The input buffer every connection of this driver uses. */
    static final int INPUT_CAPACITY = Session.MIN_INPUT_CAPACITY;
    /** Upper bound of process() calls that neither consume input nor produce output, in a row. */
    private static final int MAX_IDLE_CALLS = 10_000;

    /**
     * How the client splits what it writes: the size of each write.
     */
    interface Chunker
    {
        /**
         * The size of the next write.
         *
         * @param remaining bytes still to write, at least 1.
         * @return 1 to {@code remaining}.
         */
        int next(int remaining);
    }

    /**
     * Everything at once: the only split points are the ones the input buffer's capacity makes.
     *
     * @return the chunker.
     */
    static Chunker whole()
    {
        return (remaining) -> remaining;
    }

    /**
     * One byte per write.
     *
     * @return the chunker.
     */
    static Chunker byteByByte()
    {
        return (remaining) -> 1;
    }

    /**
     * Seeded random writes: mostly tiny, often small, sometimes larger than the input buffer.
     *
     * @param seed the seed.
     * @return the chunker.
     */
    static Chunker random(final long seed)
    {
        final Random rnd = new Random(seed);
        return (remaining) ->
        {
            final int kind = rnd.nextInt(10);
            final int size;
            if (kind < 3)
            {
                size = 1 + rnd.nextInt(8);
            }
            else if (kind < 6)
            {
                size = 1 + rnd.nextInt(64);
            }
            else if (kind < 9)
            {
                size = 1 + rnd.nextInt(2 * INPUT_CAPACITY);
            }
            else
            {
                size = remaining;
            }
            return Math.min(size, remaining);
        };
    }

    final ManualClock clock;
    final MemcachedCache cache;
    final ServerState server;
    final BufferPool pool;
    final String args;
    private final List<Connection> connections = new ArrayList<>();
    private long nextConnectionId = 32;

    private SessionDriver(
        final String args, final ManualClock clock, final MemcachedCache cache, final ServerSettings settings)
    {
        this.args = args;
        this.clock = clock;
        this.cache = cache;
        this.server = new ServerState(cache, settings);
        this.pool = new BufferPool(1);
    }

    /**
     * A cache and server state configured as {@code memcached <args>} would be. Understood: {@code -m <MiB>},
     * {@code -I <size>[k|m]}, {@code -C}, {@code -M}, {@code -F}, {@code -A}, {@code -B ascii|binary|auto},
     * {@code -R <n>}, {@code -t <n>}, {@code -W}, {@code -o watcher_logbuf_size=<KiB>}. Background agents are not
     * started and the clock stands still, so that every run is the same.
     *
     * @param args memcached arguments, e.g. {@code "-M -m 2"}; empty for the defaults ({@code -m 64}).
     * @return the driver; close it.
     */
    static SessionDriver create(final String args)
    {
        final String[] tokens = args.trim().isEmpty() ? new String[0] : args.trim().split("\\s+");
        final ManualClock clock = new ManualClock();
        final CacheBuilder cache = MemcachedCache.builder().clock(clock).backgroundThreads(false).memoryLimit(
            64L * 1024 * 1024);
        final ServerSettings.Builder settings = ServerSettings.builder();
        for (int i = 0; i < tokens.length; i++)
        {
            final String t = tokens[i];
            switch (t)
            {
                case "-m":
                    cache.memoryLimit(Long.parseLong(tokens[++i]) * 1024 * 1024);
                    break;
                case "-I":
                    cache.itemSizeMax((int)size(tokens[++i]));
                    break;
                case "-C":
                    cache.casEnabled(false);
                    break;
                case "-M":
                    cache.evictionsEnabled(false);
                    break;
                case "-F":
                    settings.flushEnabled(false);
                    break;
                case "-A":
                    settings.shutdownEnabled(true);
                    break;
                case "-B":
                    settings.bindingProtocol(ServerSettings.BindingProtocol.valueOf(
                        tokens[++i].toUpperCase(Locale.ROOT)));
                    break;
                case "-R":
                    settings.reqsPerEvent(Integer.parseInt(tokens[++i]));
                    break;
                case "-t":
                    settings.threads(Integer.parseInt(tokens[++i]));
                    break;
                case "-W":
                    settings.watchEnabled(false);
                    break;
                case "-o":
                    final String option = tokens[++i];
                    if (option.startsWith("watcher_logbuf_size="))
                    {
                        settings.watcherLogbufSize(
                            Integer.parseInt(option.substring("watcher_logbuf_size=".length())) * 1024);
                    }
                    else if (option.startsWith("hash_algorithm="))
                    {
                        settings.hashAlgorithm(option.substring("hash_algorithm=".length()));
                    }
                    else
                    {
                        throw new IllegalArgumentException("SessionDriver does not know -o " + option);
                    }
                    break;
                default:
                    throw new IllegalArgumentException("SessionDriver does not know memcached argument " + t +
                        " (in \"" + args + "\")");
            }
        }
        return new SessionDriver(args, clock, cache.build(), settings.build());
    }

    private static long size(final String value)
    {
        final String v = value.toLowerCase(Locale.ROOT);
        final char unit = v.charAt(v.length() - 1);
        if (unit == 'k')
        {
            return Long.parseLong(v.substring(0, v.length() - 1)) * 1024;
        }
        if (unit == 'm')
        {
            return Long.parseLong(v.substring(0, v.length() - 1)) * 1024 * 1024;
        }
        return Long.parseLong(v);
    }

    /**
     * A new connection: a session with a host that records verbose lines.
     *
     * @return the connection.
     */
    Connection connect()
    {
        final RecordingHost host = new RecordingHost(nextConnectionId++);
        final Connection c = new Connection(new Session(server, host, pool), host);
        connections.add(c);
        return c;
    }

    /**
     * One whole conversation on a new connection, as a client that writes {@code input} and reads everything: the
     * client writes in the chunks {@code chunker} gives, and half-closes after the last byte was consumed unless the
     * session closed first.
     *
     * @param input   what the client sends.
     * @param chunker how the client splits its writes.
     * @param output  how the server splits its sends, or null to send everything it may at once.
     * @return the outcome.
     */
    Result converse(final byte[] input, final Chunker chunker, final Chunker output)
    {
        try (Connection c = connect())
        {
            c.outputChunker(output);
            c.send(input, chunker);
            final boolean closedBySession = c.closedBySession();
            if (!closedBySession)
            {
                c.halfClose();
            }
            return new Result(c.received(), closedBySession, c.consumed(), c.maxOutputPending(), c.calls());
        }
    }

    /**
     * Buffers the pool has allocated so far: one per session that ever held one at the same time as another.
     *
     * @return the count.
     */
    long outputBuffersAllocated()
    {
        return pool.allocated();
    }

    /**
     * Walk the cache's structures with the core test-jar's {@code StructureWalker}, the integrity check the core tests
     * run after each test.
     *
     * @return the number of linked items.
     * @throws AssertionError on the first inconsistency.
     */
    long checkStructure()
    {
        return checkStructure(cache);
    }

    static long checkStructure(final MemcachedCache cache)
    {
        try
        {
            final Class<?> walker = Class.forName("io.memcached4j.core.StructureWalker");
            final Constructor<?> ctor = walker.getDeclaredConstructor(MemcachedCache.class);
            ctor.setAccessible(true);
            final Method check = walker.getDeclaredMethod("check");
            check.setAccessible(true);
            return (Long)check.invoke(ctor.newInstance(cache));
        }
        catch (final InvocationTargetException ex)
        {
            final Throwable cause = ex.getCause();
            if (cause instanceof AssertionError)
            {
                throw (AssertionError)cause;
            }
            throw new AssertionError("structure walk failed: " + cause, cause);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new AssertionError("core's StructureWalker is not on the test classpath: " + ex, ex);
        }
    }

    /**
     * Close every connection, check the cache's structures, close the cache.
     */
    @Override
    public void close()
    {
        try
        {
            for (final Connection c : connections)
            {
                c.close();
            }
            checkStructure();
        }
        finally
        {
            cache.close();
        }
    }

    /**
     * What a whole conversation produced.
     *
     * @param output          everything the session sent.
     * @param closedBySession whether the session closed before the client half-closed.
     * @param consumed        input bytes the session consumed.
     * @param maxOutputPending the most bytes {@link Session#output()} held at once.
     * @param calls           calls to {@link Session#process(ByteBuffer)}.
     */
    record Result(byte[] output, boolean closedBySession, long consumed, int maxOutputPending, long calls)
    {
    }

    /**
     * A session host that keeps the verbose lines and fails on an internal error.
     */
    static final class RecordingHost implements SessionHost
    {
        private final long id;
        private final List<String> lines = new ArrayList<>();
        private String firstInternalError;
        private final AtomicInteger wakeups = new AtomicInteger();

        RecordingHost(final long id)
        {
            this.id = id;
        }

        @Override
        public String peerAddress()
        {
            return "tcp:127.0.0.1:" + (40000 + id);
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

        @Override
        public void verbose(final String line)
        {
            if (lines.size() < 10_000)
            {
                lines.add(line);
            }
            if (line.startsWith("internal error") && firstInternalError == null)
            {
                firstInternalError = line;
            }
        }

        @Override
        public void wakeup()
        {
            wakeups.incrementAndGet();
        }

        List<String> lines()
        {
            return Collections.unmodifiableList(lines);
        }

        /**
         * Calls of {@link #wakeup()}: a watching session asked to be served.
         *
         * @return the count.
         */
        int wakeups()
        {
            return wakeups.get();
        }

        String firstInternalError()
        {
            return firstInternalError;
        }
    }

    /**
     * One client connection and the server side of it.
     */
    final class Connection implements AutoCloseable
    {
        final Session session;
        final RecordingHost host;
        /** Read mode between calls: position = first unconsumed byte, limit = end of received bytes. */
        private final ByteBuffer in = ByteBuffer.allocate(INPUT_CAPACITY).flip();
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private byte[] copy = new byte[8192];
        private Chunker outputChunker;
        private boolean reading = true;
        private boolean closedBySession;
        private boolean halfClosed;
        private boolean closed;
        private Session.Status lastStatus;
        private long consumed;
        private long calls;
        private int maxOutputPending;
        private long sentTotal;

        Connection(final Session session, final RecordingHost host)
        {
            this.session = session;
            this.host = host;
        }

        /**
         * How the server splits its sends.
         *
         * @param chunker sizes of the sends, or null to send everything at once.
         */
        void outputChunker(final Chunker chunker)
        {
            this.outputChunker = chunker;
        }

        /**
         * Whether the client reads: a client that does not leaves everything in {@link Session#output()}.
         *
         * @param reading false for a client that never reads.
         */
        void reading(final boolean reading)
        {
            this.reading = reading;
        }

        /**
         * The client writes {@code data} in the chunks {@code chunker} gives; the server reads, processes and sends
         * until the session has consumed all of it and asks for more input, the session closes, or (for a client that
         * does not read) the session waits for its output to be sent.
         *
         * @param data    the bytes.
         * @param chunker the write sizes.
         * @return how many bytes of {@code data} the server read into its input buffer.
         */
        int send(final byte[] data, final Chunker chunker)
        {
            if (closedBySession || halfClosed)
            {
                return 0;
            }
            int read = 0;
            int written = 0;
            while (true)
            {
                if (written == read && written < data.length)
                {
                    final int n = chunker.next(data.length - written);
                    if (n < 1 || n > data.length - written)
                    {
                        throw new IllegalStateException("chunker gave " + n + " of " + (data.length - written));
                    }
                    written += n;
                }
                in.compact();
                final int n = Math.min(in.remaining(), written - read);
                in.put(data, read, n);
                in.flip();
                read += n;
                if (n == 0 && lastStatus == Session.Status.NEED_INPUT)
                {
                    if (read == data.length)
                    {
                        return read;
                    }
                    throw new AssertionError(where() + "the session asked for input while its input buffer of " +
                        in.capacity() + " bytes is full (" + in.remaining() + " bytes unconsumed, starting " +
                        escape(peek(in, 80)) + ")");
                }
                if (!serve())
                {
                    return read;
                }
            }
        }

        /**
         * Call the session until it asks for input.
         *
         * @return false when the connection stops: the session closed, or a non-reading client left it blocked.
         */
        private boolean serve()
        {
            int idle = 0;
            while (true)
            {
                final int before = in.position();
                final Session.Status status = process();
                final long sent = drain();
                consumed += in.position() - before;
                switch (status)
                {
                    case NEED_INPUT:
                        return true;
                    case CLOSE:
                        closedBySession = !halfClosed;
                        drainAll();
                        return false;
                    case NEED_OUTPUT:
                        if (!reading)
                        {
                            if (session.output() == null)
                            {
                                throw new AssertionError(where() + "NEED_OUTPUT with nothing to send");
                            }
                            return false;
                        }
                        if (sent == 0)
                        {
                            throw new AssertionError(where() + "NEED_OUTPUT with nothing to send");
                        }
                        break;
                    case YIELD:
                        // the server serves other connections and its background threads run: run the cache's
                        // agents once (a dump waits for the LRU crawler), moving the nanosecond clock when idle
                        background();
                        break;
                    default:
                        throw new AssertionError("status " + status);
                }
                if (sent == 0 && in.position() == before)
                {
                    if (++idle > MAX_IDLE_CALLS)
                    {
                        throw new AssertionError(where() + MAX_IDLE_CALLS + " calls returned " + status +
                            " without consuming input or producing output");
                    }
                }
                else
                {
                    idle = 0;
                }
            }
        }

        private void background()
        {
            try
            {
                if (cache.backgroundWork().doWork() == 0)
                {
                    clock.advanceNanos(1_000_000);
                }
            }
            catch (final Exception ex)
            {
                throw new AssertionError(where() + "background work failed: " + ex, ex);
            }
        }

        private Session.Status process()
        {
            calls++;
            final Session.Status status = session.process(in);
            lastStatus = status;
            if (status == null)
            {
                throw new AssertionError(where() + "process returned null");
            }
            checkInternalError();
            return status;
        }

        private void checkInternalError()
        {
            if (host.firstInternalError() != null)
            {
                throw new AssertionError(where() + "the session caught an exception: " + host.firstInternalError());
            }
        }

        /**
         * Send some or all of what the session released, as the server's socket would.
         *
         * @return bytes sent.
         */
        private long drain()
        {
            if (!reading)
            {
                final ByteBuffer out = session.output();
                if (out != null)
                {
                    maxOutputPending = Math.max(maxOutputPending, out.remaining());
                }
                return 0;
            }
            long sent = 0;
            while (true)
            {
                final ByteBuffer out = session.output();
                if (out == null || !out.hasRemaining())
                {
                    if (out != null)
                    {
                        throw new AssertionError(where() + "output() returned an empty buffer instead of null");
                    }
                    return sent;
                }
                maxOutputPending = Math.max(maxOutputPending, out.remaining());
                final int n = outputChunker == null ? out.remaining() : outputChunker.next(out.remaining());
                if (copy.length < n)
                {
                    copy = new byte[Math.max(n, copy.length * 2)];
                }
                out.get(copy, 0, n);
                received.write(copy, 0, n);
                session.outputSent();
                sent += n;
                sentTotal += n;
                if (outputChunker != null)
                {
                    return sent;
                }
            }
        }

        private void drainAll()
        {
            final Chunker saved = outputChunker;
            final boolean savedReading = reading;
            outputChunker = null;
            reading = true;
            drain();
            outputChunker = saved;
            reading = savedReading;
        }

        /**
         * The client reads everything the session has released so far (for a client that did not read).
         *
         * @return bytes read.
         */
        long readAll()
        {
            final boolean savedReading = reading;
            reading = true;
            final long n = drain();
            reading = savedReading;
            return n;
        }

        /**
         * The client half-closes after its last write: the server sends what it may, tells the session, and closes.
         */
        void halfClose()
        {
            if (halfClosed || closedBySession)
            {
                return;
            }
            drainAll();
            halfClosed = true;
            session.inputClosed();
            final Session.Status status = process();
            drainAll();
            if (status != Session.Status.CLOSE)
            {
                throw new AssertionError(where() + "after inputClosed() process returned " + status);
            }
        }

        /**
         * Everything the client has read so far, taken out of the connection.
         *
         * @return the bytes.
         */
        byte[] takeReceived()
        {
            final byte[] bytes = received.toByteArray();
            received.reset();
            return bytes;
        }

        byte[] received()
        {
            return received.toByteArray();
        }

        boolean closedBySession()
        {
            return closedBySession;
        }

        Session.Status lastStatus()
        {
            return lastStatus;
        }

        long consumed()
        {
            return consumed;
        }

        long calls()
        {
            return calls;
        }

        int maxOutputPending()
        {
            return maxOutputPending;
        }

        long sentTotal()
        {
            return sentTotal;
        }

        /**
         * Bytes received and not yet consumed by the session.
         *
         * @return the count, at most {@link #INPUT_CAPACITY}.
         */
        int unconsumed()
        {
            return in.remaining();
        }

        /**
         * Call the session again without new input (a driver woken because the socket became writable).
         *
         * @return the status.
         */
        Session.Status poke()
        {
            final int before = in.position();
            final Session.Status status = process();
            drain();
            consumed += in.position() - before;
            if (status == Session.Status.CLOSE)
            {
                closedBySession = !halfClosed;
            }
            return status;
        }

        private String where()
        {
            return "[" + (args.isEmpty() ? "defaults" : args) + ", connection " + host.connectionId() + ", after " +
                consumed + " bytes consumed, call " + calls + "] ";
        }

        @Override
        public void close()
        {
            if (closed)
            {
                return;
            }
            closed = true;
            session.close();
            if (session.holdsOutputBuffer())
            {
                throw new AssertionError(where() + "the session still holds its output buffer after close()");
            }
            checkInternalError();
        }
    }

    private static byte[] peek(final ByteBuffer b, final int max)
    {
        final byte[] bytes = new byte[Math.min(max, b.remaining())];
        b.duplicate().get(bytes);
        return bytes;
    }

    /**
     * Bytes as readable text: printable ASCII as is, {@code \r \n \t \\} escaped, anything else as {@code \xHH}; a
     * line feed also starts a new line so that diffs stay readable.
     *
     * @param bytes the bytes.
     * @return the text.
     */
    static String escape(final byte[] bytes)
    {
        return escape(bytes, 0, bytes.length);
    }

    static String escape(final byte[] bytes, final int from, final int to)
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++)
        {
            final int b = bytes[i] & 0xFF;
            switch (b)
            {
                case '\r':
                    sb.append("\\r");
                    break;
                case '\n':
                    sb.append("\\n");
                    break;
                case '\t':
                    sb.append("\\t");
                    break;
                case '\\':
                    sb.append("\\\\");
                    break;
                default:
                    if (b >= 0x20 && b < 0x7F)
                    {
                        sb.append((char)b);
                    }
                    else
                    {
                        sb.append(String.format("\\x%02x", b));
                    }
            }
        }
        return sb.toString();
    }
}
