/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.io.IOException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.ObjIntConsumer;

import org.jctools.queues.MpscArrayQueue;
import org.jctools.queues.MpscUnboundedArrayQueue;

import io.memcached4j.protocol.BufferPool;
import io.memcached4j.protocol.ServerSettings;
import io.memcached4j.protocol.ServerState;
import io.memcached4j.protocol.Session;

/**
 * One of memcached's worker threads: an event loop over its own selector that serves the connections the acceptor
 * hands it through a JCTools MPSC queue (then wakes the selector), with one {@link BufferPool} for all of them.
 * Connections that yielded ({@code -R}) are served again after the others had their turn. Once a second it closes
 * connections idle for longer than {@code -o idle_timeout}. It also serves its {@link UdpEndpoint} of each UDP socket
 * it was given before it started. Only {@link #hand} and {@link #stop} may be called from other threads.
 */
final class Worker implements Runnable
{
    private static final long SELECT_TIMEOUT_MS = 1000;
    private static final int RETAINED_OUTPUT_BUFFERS = 8;

    private final MemcachedServer server;
    private final ServerState state;
    private final Log log;
    private final Selector selector;
    private final MpscUnboundedArrayQueue<Handoff> handoffs = new MpscUnboundedArrayQueue<>(256);
    private final BufferPool pool;
    private final ArrayDeque<Connection> yielded = new ArrayDeque<>();
    /**
     * Watching connections woken by other threads ({@code watch}): each is queued at most once at a time and at most
     * 20 connections watch, so the queue never fills.
     */
    private final MpscArrayQueue<Connection> woken = new MpscArrayQueue<>(32);
    private final List<Connection> connections = new ArrayList<>();
    private final List<UdpEndpoint> udpEndpoints = new ArrayList<>();
    private final Consumer<SelectionKey> onKey = this::onKey;
    /** The key {@link #onReady} serves: set just before, so that serving a key allocates no lambda. */
    private SelectionKey readyKey;
    private final Consumer<Connection> onReady = c -> c.onReady(readyKey);
    private static final Consumer<Connection> CLOSE_GRACEFULLY = Connection::closeGracefully;
    private static final Consumer<Connection> RESUME_YIELD = Connection::resumeYield;
    private static final Consumer<Connection> WOKEN = Connection::woken;
    private static final Consumer<Connection> CLOSE_IDLE = Connection::closeIdle;
    private final int idleTimeoutSeconds;
    /** Connections the idle timeout thread found idle: closed here if they still are. */
    private final MpscUnboundedArrayQueue<Connection> idleCloses = new MpscUnboundedArrayQueue<>(64);
    private volatile boolean stopping;
    /** Takes the numbers of the connections closed once stopping, instead of their {@code -vv} lines. */
    private volatile ObjIntConsumer<String> closedWhileStopping;

    /**
     * An accepted channel on its way to a worker.
     */
    record Handoff(SocketChannel channel, int id, String peerAddress, String localAddress,
        ServerSettings.BindingProtocol protocol)
    {
    }

    Worker(final MemcachedServer server, final ServerState state, final Log log) throws IOException
    {
        this.server = server;
        this.state = state;
        this.pool = new BufferPool(RETAINED_OUTPUT_BUFFERS, state::responseBufferRefused);
        this.log = log;
        this.selector = Selector.open();
        this.idleTimeoutSeconds = state.settings().idleTimeout();
    }

    ServerState state()
    {
        return state;
    }

    Log log()
    {
        return log;
    }

    /**
     * Give this worker a new connection: any thread.
     *
     * @param handoff the accepted channel.
     */
    void hand(final Handoff handoff)
    {
        handoffs.offer(handoff);
        selector.wakeup();
    }

    /**
     * Stop: connections get what can still be sent, then are closed without their {@code -vv} lines (memcached
     * exits without closing them, or prints them itself in its graceful stop). Any thread.
     *
     * @param closed takes the state memcached's state machine was in ({@code conn_read}, ...) and the number of each
     *               connection closed from now on.
     */
    void stop(final ObjIntConsumer<String> closed)
    {
        closedWhileStopping = closed;
        stopping = true;
        selector.wakeup();
    }

    /**
     * A watching connection has log lines to send: serve it on this worker's thread. Any thread.
     *
     * @param connection the connection.
     * @return false if the queue was full (it cannot be) and the connection was not queued.
     */
    boolean wake(final Connection connection)
    {
        if (!woken.offer(connection))
        {
            log.line("watcher wakeup queue full");
            return false;
        }
        selector.wakeup();
        return true;
    }

    void yielded(final Connection connection)
    {
        yielded.add(connection);
    }

    /**
     * Whether connections now close without memcached's lines ({@link #stop}).
     *
     * @return true once stopping.
     */
    boolean stoppingQuietly()
    {
        return closedWhileStopping != null;
    }

    void closing(final Connection connection)
    {
        final ObjIntConsumer<String> stopped = closedWhileStopping;
        if (stopped != null)
        {
            stopped.accept(connection.stateName(), connection.id());
        }
        else if (state.verbosity() > 1)
        {
            log.line("<" + connection.id() + " connection closed.");
        }
    }

    void closed(final Connection connection)
    {
        connections.remove(connection);
        if (server.idleTimeout() != null)
        {
            server.idleTimeout().closed(connection);
        }
        state.connectionClosed();
        server.connectionClosed(connection.id());
    }

    @Override
    public void run()
    {
        try
        {
            while (!stopping)
            {
                if (yielded.isEmpty())
                {
                    selector.select(onKey, SELECT_TIMEOUT_MS);
                }
                else
                {
                    selector.selectNow(onKey);
                }
                registerHandoffs();
                serveWoken();
                serveYielded();
                closeIdle();
            }
        }
        catch (final IOException | RuntimeException | Error ex)
        {
            // the selector itself failed (what one connection throws is contained in serve): without this worker
            // a share of the connections would never be served, so the server stops
            server.failed("worker thread failed", ex);
        }
        finally
        {
            registerHandoffs();
            for (final Connection c : connections.toArray(new Connection[0]))
            {
                serve(c, CLOSE_GRACEFULLY);
            }
            udpEndpoints.forEach(UdpEndpoint::close);
            try
            {
                selector.close();
            }
            catch (final IOException ex)
            {
                // closing anyway
            }
        }
    }

    /**
     * Run one step of one connection's work, so that whatever it throws (a bug, or a direct buffer that cannot be
     * allocated) closes that connection only and never ends the worker's thread with the connections of everyone
     * else. memcached has no such case: it is the equivalent of a connection that fails and closes.
     */
    private void serve(final Connection c, final Consumer<Connection> step)
    {
        try
        {
            step.accept(c);
        }
        catch (final RuntimeException | Error ex)
        {
            log.line("connection " + c.id() + " failed and is closed: " + ex);
            c.abort();
        }
    }

    private void onKey(final SelectionKey key)
    {
        final Object attachment = key.attachment();
        if (attachment instanceof Connection)
        {
            readyKey = key;
            serve((Connection)attachment, onReady);
        }
        else
        {
            final UdpEndpoint endpoint = (UdpEndpoint)attachment;
            try
            {
                endpoint.onReady(key);
            }
            catch (final RuntimeException | Error ex)
            {
                log.line("UDP datagram failed and is dropped: " + ex);
                endpoint.abandonDatagram();
            }
        }
    }

    /**
     * Serve a UDP socket too, with an endpoint of this worker's own: called before the worker's thread starts.
     *
     * @param channel      the socket, non-blocking, shared with the other workers that serve it.
     * @param id           the endpoint's connection number.
     * @param localAddress the socket's address as {@code stats conns} shows it.
     * @throws IOException when the channel cannot be registered.
     */
    void serveUdp(final DatagramChannel channel, final int id, final String localAddress) throws IOException
    {
        final UdpEndpoint endpoint = new UdpEndpoint(this, channel, id, localAddress);
        endpoint.start(channel.register(selector, SelectionKey.OP_READ, endpoint),
            Session.forDatagrams(state, endpoint, pool));
        udpEndpoints.add(endpoint);
    }

    private void registerHandoffs()
    {
        Handoff h;
        while ((h = handoffs.poll()) != null)
        {
            final Connection c;
            try
            {
                // its input buffer may not be there to have (direct memory exhausted): then only this one is refused
                c = new Connection(this, h.channel(), h.id(), h.peerAddress(), h.localAddress());
                h.channel().configureBlocking(false);
                final SelectionKey key = h.channel().register(selector, SelectionKey.OP_READ, c);
                try
                {
                    c.start(key, new Session(state, c, pool, h.protocol()));
                }
                catch (final RuntimeException | Error ex)
                {
                    key.cancel();
                    throw ex;
                }
            }
            catch (final IOException | RuntimeException | Error ex)
            {
                if (ex instanceof OutOfMemoryError)
                {
                    // its read buffer (or its session's) could not be had: memcached's read_buf_oom
                    state.readBufferRefused();
                }
                log.line("connection " + h.id() + " could not be set up and is closed: " + ex);
                try
                {
                    h.channel().close();
                }
                catch (final IOException ignore)
                {
                    // already failing
                }
                server.connectionClosed(h.id());
                continue;
            }
            state.connectionOpened();
            connections.add(c);
            if (server.idleTimeout() != null)
            {
                server.idleTimeout().opened(c);
            }
            if (state.verbosity() > 1)
            {
                log.line(newConnectionLine(h.id(), h.protocol()));
            }
            if (stopping)
            {
                serve(c, CLOSE_GRACEFULLY);
            }
        }
    }

    private static String newConnectionLine(final int id, final ServerSettings.BindingProtocol protocol)
    {
        return switch (protocol)
        {
            case ASCII -> "<" + id + " new ascii client connection.";
            case BINARY -> "<" + id + " new binary client connection.";
            default -> "<" + id + " new auto-negotiating client connection";
        };
    }

    private void serveYielded()
    {
        for (int n = yielded.size(); n > 0; n--)
        {
            final Connection c = yielded.poll();
            if (c != null && !c.isClosed())
            {
                serve(c, RESUME_YIELD);
            }
        }
    }

    private void serveWoken()
    {
        Connection c;
        while ((c = woken.poll()) != null)
        {
            serve(c, WOKEN);
        }
    }

    /**
     * The idle timeout thread found a connection idle: close it on this worker's thread. Any thread.
     *
     * @param connection the connection.
     */
    void requestIdleClose(final Connection connection)
    {
        idleCloses.offer(connection);
        selector.wakeup();
    }

    private void closeIdle()
    {
        Connection c;
        while ((c = idleCloses.poll()) != null)
        {
            // it may have sent a request since the idle timeout thread looked
            if (!c.isClosed() && c.waitsForTcpRequest() &&
                state.cache().admin().currentTime() - c.lastCommandTime() > idleTimeoutSeconds)
            {
                state.idleKick();
                serve(c, CLOSE_IDLE);
            }
        }
    }
}
