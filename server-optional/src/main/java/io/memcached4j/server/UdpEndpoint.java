/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;

import io.memcached4j.protocol.Session;
import io.memcached4j.protocol.SessionHost;

/**
 * One worker's share of a UDP socket: memcached's UDP "connection". memcached gives every worker thread a connection
 * of its own on the same socket (a duplicated descriptor), each with a 64 KiB read buffer; all of them wait for the
 * socket to be readable and whichever reads a datagram first serves it. Here every worker registers the one
 * {@link DatagramChannel} with its own selector and has an endpoint with its own buffers and {@link Session}; a
 * worker that finds no datagram left (another took it) goes back to its other connections. That keeps memcached's
 * model (any worker may serve any datagram, one connection per worker in {@code stats conns}, no datagram is ever
 * handed between threads) without {@code SO_REUSEPORT}, which would let another process bind the same port and take
 * part of the traffic.
 * <p>
 * Each datagram is served on its own, as memcached's {@code try_read_udp} and {@code transmit_udp} do:
 * <ul>
 * <li>the 8-byte frame header is request id, sequence number, datagram count and a reserved field (big-endian
 * 16-bit numbers); a datagram of 8 bytes or less is dropped, as is one whose count is not 1 (requests must fit in one
 * datagram); sequence number and reserved field are not looked at;</li>
 * <li>the payload goes to the session, which picks the protocol by its first byte and answers as on a
 * connection;</li>
 * <li>each of memcached's response objects is a message of its own, sent to the datagram's sender in datagrams of at
 * most {@value #MAX_PAYLOAD_SIZE} bytes with the request id, sequence numbers from 0 and the message's datagram count
 * (which is 0 for a message of no bytes: a frame header alone);</li>
 * <li>what the datagram left half done (a data block cut short) is dropped with the replies it held back: memcached
 * would read the next datagram that reaches the same worker, frame header and all, as the rest of the value.</li>
 * </ul>
 * When the socket's send buffer is full, the endpoint waits until it is writable, reading nothing meanwhile, as
 * memcached does. Memory: two direct buffers of its own (one datagram in, one out) and the session's output buffer
 * from the worker's pool while it replies; nothing is allocated per datagram. Confined to its worker's thread,
 * except the fields {@code stats conns} reads.
 */
final class UdpEndpoint implements SessionHost
{
    /** memcached's UDP_HEADER_SIZE. */
    static final int HEADER_SIZE = 8;
    /** memcached's UDP_MAX_PAYLOAD_SIZE: the largest datagram memcached sends, frame header included. */
    static final int MAX_PAYLOAD_SIZE = 1400;
    /** memcached's UDP_DATA_SIZE: reply bytes per datagram. */
    static final int DATA_SIZE = MAX_PAYLOAD_SIZE - HEADER_SIZE;
    /** memcached's UDP_READ_BUFFER_SIZE: longer datagrams are cut to this. */
    static final int READ_BUFFER_SIZE = 65536;
    /** memcached's largest datagram count: a longer message says this many. */
    private static final int MAX_TOTAL = 0xFFFF;
    /** Datagrams served per readiness before the worker looks at its other connections. */
    private static final int DATAGRAMS_PER_EVENT = 16;
    /**
     * Calls to the session that send nothing and consume nothing, in a row, before a datagram is given up: a guard
     * only (a multi-get of many missing keys retires a few hundred empty responses per call without a datagram).
     */
    private static final int MAX_IDLE_CALLS = 100_000;

    private final Worker worker;
    private final DatagramChannel channel;
    private final int id;
    private final String localAddress;
    private final ByteBuffer in = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
    private final ByteBuffer datagram = ByteBuffer.allocateDirect(MAX_PAYLOAD_SIZE);
    private SelectionKey key;
    private Session session;

    /** The sender of the datagram being served: replies go there, {@code stats conns} shows it. */
    private volatile InetSocketAddress peer;
    private int requestId;
    private boolean serving;
    private Session.Status suspended;
    private boolean datagramPending;
    private boolean inMessage;
    private long messageRemaining;
    private int sequence;
    private int total;
    private boolean sentSomething;
    private boolean closed;

    UdpEndpoint(final Worker worker, final DatagramChannel channel, final int id, final String localAddress)
    {
        this.worker = worker;
        this.channel = channel;
        this.id = id;
        this.localAddress = localAddress;
    }

    /**
     * Registered with the worker's selector: start serving.
     *
     * @param registered the channel's key in the worker's selector.
     * @param newSession the session, made by {@link Session#forDatagrams}.
     */
    void start(final SelectionKey registered, final Session newSession)
    {
        this.key = registered;
        this.session = newSession;
    }

    @Override
    public String peerAddress()
    {
        final InetSocketAddress p = peer;
        if (p == null)
        {
            return localAddress;
        }
        final boolean v6 = p.getAddress() instanceof Inet6Address;
        final String host = p.getAddress().getHostAddress();
        return (v6 ? "udp6:[" + host + "]" : "udp:" + host) + ":" + p.getPort();
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

    void onReady(final SelectionKey k)
    {
        if (closed || !k.isValid())
        {
            return;
        }
        if (suspended != null)
        {
            if (k.isWritable())
            {
                key.interestOps(SelectionKey.OP_READ);
                final Session.Status status = suspended;
                suspended = null;
                proceed(status);
            }
            return;
        }
        if (k.isReadable())
        {
            for (int i = 0; i < DATAGRAMS_PER_EVENT && suspended == null && !closed; i++)
            {
                if (!receive())
                {
                    return;
                }
            }
        }
    }

    /**
     * Read one datagram and serve it if its frame header is acceptable.
     *
     * @return false when no datagram was waiting.
     */
    private boolean receive()
    {
        in.clear();
        final SocketAddress from;
        try
        {
            from = channel.receive(in);
        }
        catch (final IOException ex)
        {
            if (worker.state().verbosity() > 0)
            {
                worker.log().line("Failed to read, and not due to blocking: " + ex.getMessage());
            }
            return false;
        }
        if (from == null)
        {
            return false;
        }
        final int length = in.position();
        if (length <= HEADER_SIZE)
        {
            session.datagramDropped();
            return true;
        }
        worker.state().bytesRead(length);
        if (in.get(4) != 0 || in.get(5) != 1)
        {
            // a request in several datagrams: memcached drops it
            session.datagramDropped();
            return true;
        }
        requestId = ((in.get(0) & 0xFF) << 8) | (in.get(1) & 0xFF);
        peer = (InetSocketAddress)from;
        in.limit(length).position(HEADER_SIZE);
        serving = true;
        session.beginDatagram(in);
        proceed(session.process(in));
        return true;
    }

    /**
     * Send what the session made ready and act on its status, until the datagram is done or the socket is full.
     *
     * @param first the status of the session's last call.
     */
    private void proceed(final Session.Status first)
    {
        Session.Status status = first;
        int idle = 0;
        while (!closed)
        {
            final int before = in.position();
            sentSomething = false;
            if (!transmit())
            {
                suspended = status;
                key.interestOps(SelectionKey.OP_WRITE);
                return;
            }
            if (status != Session.Status.NEED_OUTPUT && status != Session.Status.YIELD)
            {
                finishDatagram();
                return;
            }
            status = session.process(in);
            idle = sentSomething || in.position() != before ? 0 : idle + 1;
            if (idle > MAX_IDLE_CALLS)
            {
                // never reached by any input the tests know of: a reply that can never be framed costs the datagram
                worker.log().line("UDP reply could not be sent, request dropped");
                finishDatagram();
                return;
            }
        }
    }

    private void finishDatagram()
    {
        if (inMessage)
        {
            // the session ended the datagram before the message it announced was all written: never sent whole
            inMessage = false;
            worker.log().line("UDP reply cut short, rest dropped");
        }
        serving = false;
        session.endDatagram(in.hasRemaining());
    }

    /**
     * Send the messages the session hands out, one datagram at a time.
     *
     * @return false when the socket could not take a datagram (it is kept for later).
     */
    private boolean transmit()
    {
        while (true)
        {
            if (datagramPending && !sendDatagram())
            {
                return false;
            }
            if (!inMessage)
            {
                final long length = session.nextMessage();
                if (length < 0)
                {
                    return true;
                }
                sequence = 0;
                total = (int)Math.min(MAX_TOTAL, (length + DATA_SIZE - 1) / DATA_SIZE);
                if (length == 0)
                {
                    datagram.clear();
                    putHeader();
                    datagram.flip();
                    datagramPending = true;
                    continue;
                }
                inMessage = true;
                messageRemaining = length;
            }
            final ByteBuffer out = session.output();
            final int chunk = (int)Math.min(DATA_SIZE, messageRemaining);
            if (out == null || out.remaining() < chunk)
            {
                // the rest of a streaming reply is still to be written
                return true;
            }
            datagram.clear();
            putHeader();
            final int limit = out.limit();
            out.limit(out.position() + chunk);
            datagram.put(out);
            out.limit(limit);
            session.outputSent();
            datagram.flip();
            datagramPending = true;
            messageRemaining -= chunk;
            if (messageRemaining == 0)
            {
                inMessage = false;
            }
        }
    }

    private void putHeader()
    {
        datagram.putShort((short)requestId);
        datagram.putShort((short)sequence);
        datagram.putShort((short)total);
        datagram.putShort((short)0);
        sequence++;
    }

    /**
     * Send the datagram that is ready.
     *
     * @return false when the socket's send buffer is full.
     */
    private boolean sendDatagram()
    {
        try
        {
            if (channel.send(datagram, peer) == 0)
            {
                return false;
            }
            worker.state().bytesWritten(HEADER_SIZE);
        }
        catch (final IOException ex)
        {
            // memcached gives up on the datagram and goes on
            if (worker.state().verbosity() > 0)
            {
                worker.log().line("Failed to write, and not due to blocking: " + ex.getMessage());
            }
        }
        datagramPending = false;
        sentSomething = true;
        return true;
    }

    /**
     * Serving a datagram threw: forget it and what it was sending, and go back to reading datagrams.
     */
    void abandonDatagram()
    {
        suspended = null;
        datagramPending = false;
        inMessage = false;
        try
        {
            if (key.isValid())
            {
                key.interestOps(SelectionKey.OP_READ);
            }
            if (serving)
            {
                serving = false;
                session.endDatagram(false);
            }
        }
        catch (final RuntimeException | Error ex)
        {
            worker.log().line("UDP endpoint " + id + " could not drop its datagram: " + ex);
        }
    }

    /**
     * Give back what the session holds: the server is stopping. The channel is the server's to close.
     */
    void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (serving)
        {
            serving = false;
            session.endDatagram(false);
        }
        session.close();
    }
}
