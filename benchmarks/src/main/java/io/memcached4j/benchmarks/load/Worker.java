/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.benchmarks.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.HdrHistogram.Histogram;

/**
 * One event-loop thread driving a group of connections through its own {@link Selector}. Owns everything it
 * touches until {@link RunControl#finished} is counted down; the main thread reads the counters afterwards.
 * <p>
 * <b>Closed loop</b>: every connection keeps {@code pipeline} requests in flight. Each readiness event costs one
 * read; the replies in it are decoded, a new request is encoded for each, and they leave in one write. Latency is
 * from the encoding of a request (just before its write) to the read that completed its reply, and is recorded for
 * replies read inside the measured window.
 * <p>
 * <b>Fixed rate</b>: request {@code j} of this thread is due at {@code start + j * interval} and goes to connection
 * {@code j % n}, so each connection sees a fixed rate; a due request is sent as soon as the connection has fewer
 * than {@code pipeline} in flight, otherwise it waits for a reply. Latency is measured from the scheduled time, so a
 * server that falls behind is charged for the whole delay (no coordinated omission); service time, from the actual
 * send, is kept apart. Requests scheduled inside the window are recorded, and the thread keeps reading after the
 * window until they are answered (at most {@link #DRAIN_NANOS}). When the next request is due within
 * {@link #SPIN_NANOS}, the thread polls its selector without blocking rather than sleep past the due time.
 * <p>
 * Steady state allocates nothing: requests are encoded into direct buffers in place, replies decoded in place, and
 * the selector is driven through {@link Selector#select(Consumer, long)} with one preallocated consumer.
 */
final class Worker implements Runnable
{
    /** Requests in flight per connection while preloading. */
    static final int PRELOAD_WINDOW = 64;
    /** Largest latency the histograms hold; longer ones are recorded as this. */
    static final long HIGHEST_LATENCY_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** How long a fixed-rate run waits after the window for replies to requests scheduled inside it. */
    static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** A request still unanswered this long after being sent (or scheduled) when the run ends is a timeout. */
    static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Fixed rate: below this wait, poll instead of blocking in the selector (whose timeout is in milliseconds). */
    static final long SPIN_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** Preload fails when no reply arrives for this long. */
    static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** Latency of requests measured (closed loop: from send; fixed rate: from scheduled time), nanoseconds. */
    final Histogram latency = new Histogram(HIGHEST_LATENCY_NANOS, 3);
    /** Fixed rate only: from the actual send, nanoseconds. */
    final Histogram service = new Histogram(HIGHEST_LATENCY_NANOS, 3);

    /** Replies in the window. */
    long ops;
    /** Gets in the window. */
    long gets;
    /** Sets in the window. */
    long sets;
    /** Gets that returned the expected value. */
    long hits;
    /** Gets that found nothing. */
    long misses;
    /** Error replies and wrong values in the window, plus requests lost with a failed connection. */
    long errors;
    /** Requests unanswered at the end (see {@link #TIMEOUT_NANOS}). */
    long timeouts;
    /** Errors over the whole run, warmup included. */
    long errorsTotal;
    /** Sets sent by the preload. */
    long preloadOps;
    /** Preload sets not answered as stored. */
    long preloadErrors;
    /** Connections closed after an I/O failure or a reply out of step. */
    int failedConnections;
    /** Bytes this thread allocated during the window, -1 if the JVM cannot tell. */
    long allocatedBytes = -1;
    /** CPU time this thread used during the window. */
    long cpuNanos;
    /** Length of the window as this thread sampled it. */
    long sampledNanos;
    /** Fixed rate: requests scheduled in the window that were sent. */
    long scheduled;
    /** Fixed rate: worst lateness of a send behind its schedule, nanoseconds, for requests scheduled in the window. */
    long maxSendLagNanos;
    /** The first error seen, for the report. */
    String firstError;
    /** Set if the thread stopped on an exception. */
    Throwable failure;

    private final int id;
    private final int threads;
    private final LoadOptions options;
    private final RunControl control;
    private final WireProtocol protocol;
    private final Connection[] connections;
    private final Selector selector;
    private final Consumer<SelectionKey> handler = this::onSelected;
    private final ThreadMXBean threadBean = ManagementFactory.getThreadMXBean();
    private final int keyCount;
    private final int pipeline;
    private final int setsPerCycle;
    private final int cycleLength;
    private final int maxRequest;
    private final int maxReply;

    private boolean preloading;
    private boolean issuing;
    private long now;
    private long measureStart;
    private long measureEnd;
    private long lastProgress;
    private int nextPreloadKey;
    private int nextSequentialKey;
    private long random;
    private double slotInterval;
    private long scheduleStart;

    /**
     * A worker over already connected channels.
     *
     * @param id       worker number, from 0.
     * @param threads  worker count.
     * @param options  settings.
     * @param control  shared timeline.
     * @param channels this worker's connections, connected and blocking or not.
     * @throws IOException if the selector cannot be opened.
     */
    Worker(
        final int id,
        final int threads,
        final LoadOptions options,
        final RunControl control,
        final List<SocketChannel> channels) throws IOException
    {
        this.id = id;
        this.threads = threads;
        this.options = options;
        this.control = control;
        final KeySpace keySpace = new KeySpace(options.keys, options.keySize, options.valueMin, options.valueMax);
        protocol = WireProtocol.create(options.protocol, keySpace);
        keyCount = options.keys;
        pipeline = options.pipeline;
        setsPerCycle = options.sets;
        cycleLength = options.sets + options.gets;
        maxRequest = protocol.maxRequestLength();
        maxReply = protocol.maxReplyLength();
        random = options.seed * 0x9E3779B97F4A7C15L + id + 1;
        final int ringSize = Integer.highestOneBit(Math.max(pipeline, PRELOAD_WINDOW) * 2 - 1);
        final int readCapacity = Math.max(64 * 1024, 2 * maxReply);
        final int writeCapacity = (ringSize + 1) * maxRequest;
        selector = Selector.open();
        connections = new Connection[channels.size()];
        for (int i = 0; i < connections.length; i++)
        {
            final SocketChannel channel = channels.get(i);
            channel.configureBlocking(false);
            final Connection c = new Connection(channel, i, ringSize, readCapacity, writeCapacity);
            c.cycle = (i * 7 + id) % cycleLength;
            c.selectionKey = channel.register(selector, SelectionKey.OP_READ, c);
            connections[i] = c;
        }
    }

    /**
     * Preload, wait for the start, run the workload, and count down {@link RunControl#finished}.
     */
    public void run()
    {
        boolean countedPreload = false;
        try
        {
            // The first calls initialise the management beans: not inside the window.
            allocatedBytes();
            threadBean.getCurrentThreadCpuTime();
            if (options.preload)
            {
                preload();
            }
            control.preloaded.countDown();
            countedPreload = true;
            long start;
            while ((start = control.startNanos()) == 0)
            {
                LockSupport.parkNanos(20_000);
            }
            measureStart = control.measureStartNanos;
            measureEnd = control.measureEndNanos;
            if (options.openLoop())
            {
                runFixedRate(start);
            }
            else
            {
                runClosedLoop();
            }
        }
        catch (final Throwable t)
        {
            failure = t;
        }
        finally
        {
            if (!countedPreload)
            {
                control.preloaded.countDown();
            }
            for (final Connection c : connections)
            {
                close(c);
            }
            try
            {
                selector.close();
            }
            catch (final IOException ignore)
            {
                // closing anyway
            }
            control.finished.countDown();
        }
    }

    private void preload() throws IOException
    {
        preloading = true;
        issuing = true;
        nextPreloadKey = id;
        now = System.nanoTime();
        lastProgress = now;
        for (final Connection c : connections)
        {
            fill(c);
            flush(c);
        }
        while (true)
        {
            if (failedConnections == connections.length)
            {
                throw new IOException("every connection failed during preload: " + firstError);
            }
            if (nextPreloadKey >= keyCount && allAnswered())
            {
                break;
            }
            selector.select(handler, 100);
            if (System.nanoTime() - lastProgress > STALL_NANOS)
            {
                throw new IOException("no reply for " + TimeUnit.NANOSECONDS.toSeconds(STALL_NANOS) +
                    " s during preload");
            }
        }
        preloading = false;
    }

    private void runClosedLoop() throws IOException
    {
        now = System.nanoTime();
        issuing = true;
        for (final Connection c : connections)
        {
            fill(c);
            flush(c);
        }
        boolean measuring = false;
        while (failedConnections < connections.length)
        {
            selector.select(handler, 10);
            now = System.nanoTime();
            if (!measuring && now >= measureStart)
            {
                measuring = true;
                startSample();
            }
            if (now >= measureEnd)
            {
                break;
            }
        }
        endSample();
        issuing = false;
        for (final Connection c : connections)
        {
            if (!c.dead)
            {
                for (long n = c.completed; n < c.issued; n++)
                {
                    if (c.sendTimes[(int)n & c.mask] < measureEnd - TIMEOUT_NANOS)
                    {
                        timeouts++;
                    }
                }
            }
        }
    }

    private void runFixedRate(final long start) throws IOException
    {
        final int n = connections.length;
        final double connectionInterval = 1e9 * options.connections / options.rate;
        slotInterval = connectionInterval / n;
        scheduleStart = start + (long)(slotInterval * id / threads);
        long nextSlot = 0;
        int nextConnection = 0;
        boolean scheduling = true;
        boolean measuring = false;
        boolean sampled = false;
        for (final Connection c : connections)
        {
            c.base = c.issued;
            c.due = c.issued;
        }
        issuing = true;
        while (failedConnections < n)
        {
            now = System.nanoTime();
            if (!measuring && now >= measureStart)
            {
                measuring = true;
                startSample();
            }
            if (!sampled && now >= measureEnd)
            {
                sampled = true;
                endSample();
            }
            while (scheduling)
            {
                final long due = scheduleStart + (long)(nextSlot * slotInterval);
                if (due >= measureEnd)
                {
                    scheduling = false;
                }
                else if (due <= now)
                {
                    // A due request is sent now if its connection has room, else when a reply frees a slot.
                    final Connection c = connections[nextConnection];
                    c.due++;
                    if (!c.dead && c.inFlight() < pipeline)
                    {
                        fill(c);
                        flush(c);
                    }
                    nextSlot++;
                    if (++nextConnection == n)
                    {
                        nextConnection = 0;
                    }
                }
                else
                {
                    break;
                }
            }
            if (!scheduling && (allAnswered() || now - measureEnd > DRAIN_NANOS))
            {
                break;
            }
            final long wait = scheduling ? scheduleStart + (long)(nextSlot * slotInterval) - now : SPIN_NANOS * 5;
            if (wait >= SPIN_NANOS)
            {
                selector.select(handler, TimeUnit.NANOSECONDS.toMillis(wait) - 1);
            }
            else
            {
                selector.selectNow(handler);
            }
        }
        if (!sampled)
        {
            endSample();
        }
        issuing = false;
        for (final Connection c : connections)
        {
            if (c.dead)
            {
                continue;
            }
            for (long k = c.completed; k < c.due; k++)
            {
                final long due = scheduled(c, k);
                if (due >= measureStart && due < measureEnd)
                {
                    timeouts++;
                }
            }
        }
    }

    private long scheduled(final Connection c, final long k)
    {
        return scheduleStart + (long)(((k - c.base) * connections.length + c.localIndex) * slotInterval);
    }

    private boolean allAnswered()
    {
        for (final Connection c : connections)
        {
            if (!c.dead && (c.completed != c.issued || c.due > c.issued))
            {
                return false;
            }
        }
        return true;
    }

    private void startSample()
    {
        sampledNanos = now;
        cpuNanos = threadBean.getCurrentThreadCpuTime();
        allocatedBytes = allocatedBytes();
    }

    private void endSample()
    {
        final long t = System.nanoTime();
        sampledNanos = t - sampledNanos;
        cpuNanos = threadBean.getCurrentThreadCpuTime() - cpuNanos;
        final long allocated = allocatedBytes();
        allocatedBytes = allocated < 0 || allocatedBytes < 0 ? -1 : allocated - allocatedBytes;
    }

    private long allocatedBytes()
    {
        if (threadBean instanceof com.sun.management.ThreadMXBean)
        {
            return ((com.sun.management.ThreadMXBean)threadBean).getCurrentThreadAllocatedBytes();
        }
        return -1;
    }

    private void onSelected(final SelectionKey key)
    {
        final Connection c = (Connection)key.attachment();
        if (c.dead || !key.isValid())
        {
            return;
        }
        try
        {
            final int ready = key.readyOps();
            if ((ready & SelectionKey.OP_WRITE) != 0)
            {
                flush(c);
            }
            if ((ready & SelectionKey.OP_READ) != 0 && !c.dead)
            {
                read(c);
            }
        }
        catch (final IOException ex)
        {
            fail(c, ex.toString());
        }
    }

    private void read(final Connection c) throws IOException
    {
        final ByteBuffer buffer = c.readBuffer;
        final int n = c.channel.read(buffer);
        if (n < 0)
        {
            fail(c, "connection closed by the server");
            return;
        }
        if (n == 0)
        {
            return;
        }
        now = System.nanoTime();
        final int limit = buffer.position();
        int index = c.readIndex;
        final WireProtocol protocol = this.protocol;
        while (c.completed != c.issued)
        {
            final int slot = (int)c.completed & c.mask;
            final int used = protocol.decode(buffer, index, limit, c.ops[slot], c.keys[slot], (int)c.completed);
            if (used == 0)
            {
                break;
            }
            if (used < 0)
            {
                fail(c, "reply out of step: " + printable(buffer, index, limit));
                return;
            }
            if (protocol.outcome == WireProtocol.ERROR && firstError == null)
            {
                firstError = "error reply or wrong value: " + printable(buffer, index, index + used);
            }
            index += used;
            complete(c, slot, protocol.outcome);
        }
        if (index == limit)
        {
            buffer.clear();
            c.readIndex = 0;
        }
        else if (c.completed == c.issued)
        {
            fail(c, "unexpected bytes: " + printable(buffer, index, limit));
            return;
        }
        else if (buffer.capacity() - index < maxReply)
        {
            buffer.limit(limit).position(index);
            buffer.compact();
            c.readIndex = 0;
        }
        else
        {
            c.readIndex = index;
        }
        fill(c);
        flush(c);
    }

    private void complete(final Connection c, final int slot, final int outcome)
    {
        final long n = c.completed++;
        lastProgress = now;
        if (outcome == WireProtocol.ERROR)
        {
            errorsTotal++;
        }
        if (preloading)
        {
            preloadOps++;
            if (outcome != WireProtocol.STORED)
            {
                preloadErrors++;
            }
            return;
        }
        if (slotInterval == 0)
        {
            if (now >= measureStart && now < measureEnd)
            {
                count(c.ops[slot], outcome);
                record(latency, now - c.sendTimes[slot]);
            }
        }
        else
        {
            final long due = scheduled(c, n);
            if (due >= measureStart && due < measureEnd)
            {
                count(c.ops[slot], outcome);
                record(latency, now - due);
                record(service, now - c.sendTimes[slot]);
            }
        }
    }

    private void count(final int op, final int outcome)
    {
        ops++;
        if (op == WireProtocol.GET)
        {
            gets++;
        }
        else
        {
            sets++;
        }
        if (outcome == WireProtocol.HIT)
        {
            hits++;
        }
        else if (outcome == WireProtocol.MISS)
        {
            misses++;
        }
        else if (outcome == WireProtocol.ERROR)
        {
            errors++;
        }
    }

    private static void record(final Histogram histogram, final long nanos)
    {
        histogram.recordValue(Math.max(0, Math.min(nanos, HIGHEST_LATENCY_NANOS)));
    }

    private void fill(final Connection c)
    {
        if (c.dead || !issuing)
        {
            return;
        }
        if (preloading)
        {
            while (c.inFlight() < PRELOAD_WINDOW && nextPreloadKey < keyCount && room(c))
            {
                issue(c, WireProtocol.SET, nextPreloadKey);
                nextPreloadKey += threads;
            }
        }
        else if (slotInterval == 0)
        {
            while (c.inFlight() < pipeline && room(c))
            {
                issueNext(c);
            }
        }
        else
        {
            while (c.issued < c.due && c.inFlight() < pipeline && room(c))
            {
                final long due = scheduled(c, c.issued);
                if (due >= measureStart && due < measureEnd)
                {
                    scheduled++;
                    maxSendLagNanos = Math.max(maxSendLagNanos, now - due);
                }
                issueNext(c);
            }
        }
    }

    private void issueNext(final Connection c)
    {
        final int op = c.cycle < setsPerCycle ? WireProtocol.SET : WireProtocol.GET;
        if (++c.cycle == cycleLength)
        {
            c.cycle = 0;
        }
        final int key;
        if (options.sequentialKeys)
        {
            key = nextSequentialKey;
            if (++nextSequentialKey == keyCount)
            {
                nextSequentialKey = 0;
            }
        }
        else
        {
            long x = random;
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            random = x;
            key = (int)(((x >>> 32) * keyCount) >>> 32);
        }
        issue(c, op, key);
    }

    private void issue(final Connection c, final int op, final int key)
    {
        final int slot = (int)c.issued & c.mask;
        c.ops[slot] = (byte)op;
        c.keys[slot] = key;
        c.sendTimes[slot] = now;
        c.writeLimit = op == WireProtocol.SET ?
            protocol.encodeSet(c.writeBuffer, c.writeLimit, key, (int)c.issued) :
            protocol.encodeGet(c.writeBuffer, c.writeLimit, key, (int)c.issued);
        c.issued++;
    }

    private boolean room(final Connection c)
    {
        final ByteBuffer buffer = c.writeBuffer;
        if (c.writeLimit + maxRequest <= buffer.capacity())
        {
            return true;
        }
        if (c.writeIndex == 0)
        {
            return false;
        }
        buffer.limit(c.writeLimit).position(c.writeIndex);
        buffer.compact();
        c.writeLimit = buffer.position();
        c.writeIndex = 0;
        buffer.clear();
        return c.writeLimit + maxRequest <= buffer.capacity();
    }

    private void flush(final Connection c)
    {
        if (c.dead || c.writeIndex == c.writeLimit)
        {
            return;
        }
        final ByteBuffer buffer = c.writeBuffer;
        buffer.limit(c.writeLimit).position(c.writeIndex);
        try
        {
            c.channel.write(buffer);
        }
        catch (final IOException ex)
        {
            buffer.clear();
            fail(c, ex.toString());
            return;
        }
        c.writeIndex = buffer.position();
        buffer.clear();
        if (c.writeIndex == c.writeLimit)
        {
            c.writeIndex = 0;
            c.writeLimit = 0;
            if (c.writeInterest)
            {
                c.selectionKey.interestOps(SelectionKey.OP_READ);
                c.writeInterest = false;
            }
        }
        else if (!c.writeInterest)
        {
            c.selectionKey.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            c.writeInterest = true;
        }
    }

    private void fail(final Connection c, final String reason)
    {
        if (c.dead)
        {
            return;
        }
        c.dead = true;
        failedConnections++;
        final int lost = c.inFlight();
        errorsTotal += lost;
        errors += lost;
        if (firstError == null)
        {
            firstError = reason;
        }
        close(c);
    }

    private static void close(final Connection c)
    {
        try
        {
            c.channel.close();
        }
        catch (final IOException ignore)
        {
            // already failing
        }
    }

    private static String printable(final ByteBuffer buffer, final int from, final int to)
    {
        final int end = Math.min(to, from + 80);
        final byte[] bytes = new byte[end - from];
        for (int i = 0; i < bytes.length; i++)
        {
            final byte b = buffer.get(from + i);
            bytes[i] = b >= 0x20 && b < 0x7F ? b : (byte)'.';
        }
        return '"' + new String(bytes, StandardCharsets.US_ASCII) + '"' + (to > end ? "..." : "");
    }
}
