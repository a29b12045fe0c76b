/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.memcached4j.protocol.ServerState;

/**
 * memcached's idle timeout thread ({@code -o idle_timeout}, its {@code conn_timeout_thread}): passes over the
 * connection numbers a slice of 100 at a time, spread over about a second, asks the worker of each TCP connection
 * that waits for a request and sent none for longer than the timeout to close it, then sleeps until the oldest
 * remaining connection could time out. Prints memcached's lines for it at {@code -vvv}.
 */
final class IdleTimeout implements Runnable
{
    /** memcached's {@code CONNS_PER_SLICE}. */
    private static final int CONNS_PER_SLICE = 100;

    private final ServerState state;
    private final Log log;
    private final int timeoutSeconds;
    private final int maxFds;
    private final Map<Integer, Connection> connections = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    private boolean stopped;

    /**
     * @param state   the server state (verbosity).
     * @param log     where lines go.
     * @param timeout the idle timeout in seconds, above 0.
     */
    IdleTimeout(final ServerState state, final Log log, final int timeout)
    {
        this.state = state;
        this.log = log;
        this.timeoutSeconds = timeout;
        // memcached sets its descriptor limit to -c, and passes over that many descriptors
        this.maxFds = state.settings().maxConnections();
    }

    void opened(final Connection connection)
    {
        connections.put(connection.id(), connection);
    }

    void closed(final Connection connection)
    {
        connections.remove(connection.id(), connection);
    }

    /**
     * End the thread's loop: any thread.
     */
    void stop()
    {
        synchronized (lock)
        {
            stopped = true;
            lock.notifyAll();
        }
    }

    @Override
    public void run()
    {
        final int sleepSlice = maxFds / CONNS_PER_SLICE == 0 ? CONNS_PER_SLICE : maxFds / CONNS_PER_SLICE;
        final long timesliceMicros = 1_000_000 / sleepSlice;
        try
        {
            while (!isStopped())
            {
                verbose("idle timeout thread at top of connection list");
                // memcached's current_time: whole seconds, as its connections' last_cmd_time
                long oldest = now();
                for (int i = 0; i < maxFds && !isStopped(); i++)
                {
                    if (i % CONNS_PER_SLICE == 0)
                    {
                        // memcached prints the microseconds followed by "lus", as its format string has it
                        verbose("idle timeout thread sleeping for " + timesliceMicros + "lus");
                        pause(TimeUnit.MICROSECONDS.toNanos(timesliceMicros));
                    }
                    final Connection c = connections.get(i);
                    if (c == null || !c.waitsForTcpRequest())
                    {
                        continue;
                    }
                    final int last = c.lastCommandTime();
                    if (now() - last > timeoutSeconds)
                    {
                        c.requestIdleClose();
                    }
                    else if (last < oldest)
                    {
                        oldest = last;
                    }
                }
                // the soonest another connection could time out
                long sleepSeconds = timeoutSeconds - (now() - oldest) + 1;
                if (sleepSeconds <= 0)
                {
                    sleepSeconds = 1;
                }
                verbose("idle timeout thread finished pass, sleeping for " + sleepSeconds + "s");
                pause(TimeUnit.SECONDS.toNanos(sleepSeconds));
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private int now()
    {
        return state.cache().admin().currentTime();
    }

    private boolean isStopped()
    {
        synchronized (lock)
        {
            return stopped;
        }
    }

    private void pause(final long nanos) throws InterruptedException
    {
        final long deadline = System.nanoTime() + nanos;
        synchronized (lock)
        {
            long left = nanos;
            while (!stopped && left > 0)
            {
                TimeUnit.NANOSECONDS.timedWait(lock, left);
                left = deadline - System.nanoTime();
            }
        }
    }

    private void verbose(final String line)
    {
        if (state.verbosity() > 2)
        {
            log.line(line);
        }
    }
}
