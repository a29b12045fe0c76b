/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * {@code java -cp memcached4j-server.jar io.memcached4j.server.HealthProbe [host] [port]}: whether a memcached server
 * answers, for a container's health check where there is no {@code nc} to send {@code version}. Exits 0 when it
 * answers and 1 otherwise, within {@link #TIMEOUT_MS} in all cases.
 * <p>
 * It sends the text command {@code version} (three times, so that a server in the binary protocol, which reads a
 * 24-byte header before it looks at the first byte, closes the connection at once) and expects a {@code VERSION }
 * line; with text authentication ({@code -Y}) memcached answers {@code CLIENT_ERROR unauthenticated} to an anonymous
 * client, which counts as an answer too. A server that does not speak the text protocol ({@code -B binary}, SASL's
 * {@code -S}) is asked again in the binary protocol, whose version request memcached answers before authentication.
 * <p>
 * The host defaults to {@value #DEFAULT_HOST} and the port to {@value #DEFAULT_PORT}; a host that starts with
 * {@code /} is a unix domain socket ({@code -s}) and takes no port. The answer goes to standard output, the reason for
 * a failure to standard error.
 */
public final class HealthProbe
{
    /**
     * The host probed when none is given.
     */
    public static final String DEFAULT_HOST = "127.0.0.1";

    /**
     * The port probed when none is given: memcached's.
     */
    public static final int DEFAULT_PORT = 11211;

    /**
     * The time a probe may take, connecting and both requests included.
     */
    public static final long TIMEOUT_MS = 5000;

    private static final String TEXT_REQUEST = "version\r\nversion\r\nversion\r\n";
    private static final String UNAUTHENTICATED = "CLIENT_ERROR unauthenticated";
    private static final int MAX_LINE = 1024;
    private static final int BINARY_HEADER = 24;
    private static final byte BINARY_REQUEST = (byte)0x80;
    private static final byte BINARY_RESPONSE = (byte)0x81;
    private static final byte OPCODE_VERSION = 0x0b;

    private HealthProbe()
    {
    }

    /**
     * Probe the server named on the command line and exit 0 when it answers, 1 otherwise.
     *
     * @param args {@code [host] [port]}, or {@code [socket path]}.
     */
    public static void main(final String[] args)
    {
        final Thread watchdog = new Thread(
            () ->
            {
                try
                {
                    Thread.sleep(TIMEOUT_MS + 500);
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
                System.err.print("memcached4j health probe: no answer within " + TIMEOUT_MS + " ms\n");
                System.err.flush();
                Runtime.getRuntime().halt(1);
            },
            "memcached4j-health-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        final int status = run(args, System.out, System.err);
        System.exit(status);
    }

    /**
     * Probe the server named by the arguments.
     *
     * @param args {@code [host] [port]}, or {@code [socket path]}.
     * @param out  where the server's answer is printed.
     * @param err  where the reason for a failure is printed.
     * @return 0 when the server answered, 1 otherwise.
     */
    public static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        return run(args, out, err, TIMEOUT_MS);
    }

    static int run(final String[] args, final PrintStream out, final PrintStream err, final long timeoutMs)
    {
        final SocketAddress address;
        try
        {
            address = address(args);
        }
        catch (final IllegalArgumentException ex)
        {
            err.print("memcached4j health probe: " + ex.getMessage() + "\n" +
                "usage: HealthProbe [host [port]] | HealthProbe /path/to/unix.socket\n");
            err.flush();
            return 1;
        }
        final String answer;
        try
        {
            answer = probe(address, timeoutMs);
        }
        catch (final IOException ex)
        {
            err.print("memcached4j health probe: " + describe(address) + ": " + ex.getMessage() + "\n");
            err.flush();
            return 1;
        }
        out.print(answer + "\n");
        out.flush();
        return 0;
    }

    /**
     * The address the arguments name.
     *
     * @param args {@code [host] [port]}, or {@code [socket path]}.
     * @return the address to probe.
     * @throws IllegalArgumentException when the arguments do not name one.
     */
    static SocketAddress address(final String[] args)
    {
        if (args.length > 2)
        {
            throw new IllegalArgumentException("too many arguments");
        }
        final String host = args.length > 0 ? args[0] : DEFAULT_HOST;
        if (host.startsWith("/"))
        {
            if (args.length > 1)
            {
                throw new IllegalArgumentException("a unix domain socket takes no port");
            }
            return UnixDomainSocketAddress.of(Path.of(host));
        }
        if (host.isEmpty())
        {
            throw new IllegalArgumentException("empty host");
        }
        int port = DEFAULT_PORT;
        if (args.length > 1)
        {
            try
            {
                port = Integer.parseInt(args[1]);
            }
            catch (final NumberFormatException ex)
            {
                port = -1;
            }
            if (port < 1 || port > 65535)
            {
                throw new IllegalArgumentException("not a port: " + args[1]);
            }
        }
        return new InetSocketAddress(host, port);
    }

    /**
     * Ask the server for its version, in the text protocol and then, when the server does not answer that, in the
     * binary protocol.
     *
     * @param address   the server.
     * @param timeoutMs the time the probe may take.
     * @return the server's answer, e.g. {@code VERSION 1.6.39}.
     * @throws IOException when the server cannot be reached, does not answer as memcached does or not in time.
     */
    static String probe(final SocketAddress address, final long timeoutMs) throws IOException
    {
        final long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        if (address instanceof InetSocketAddress && ((InetSocketAddress)address).isUnresolved())
        {
            throw new IOException("unknown host");
        }
        final String text;
        try (Exchange exchange = new Exchange(address, deadline, timeoutMs))
        {
            text = exchange.textVersion();
        }
        if (text.startsWith("VERSION ") || UNAUTHENTICATED.equals(text))
        {
            return text;
        }
        try (Exchange exchange = new Exchange(address, deadline, timeoutMs))
        {
            return exchange.binaryVersion();
        }
        catch (final IOException ex)
        {
            throw new IOException("answered " + quote(text) + " to version, and to the binary protocol's version: " +
                ex.getMessage(), ex);
        }
    }

    /**
     * One connection to the server, each wait of which ends by the deadline. Not threadsafe.
     */
    private static final class Exchange implements AutoCloseable
    {
        private final long deadline;
        private final long timeoutMs;
        private final Selector selector;
        private final SocketChannel channel;
        private final SelectionKey key;

        Exchange(final SocketAddress address, final long deadline, final long timeoutMs) throws IOException
        {
            this.deadline = deadline;
            this.timeoutMs = timeoutMs;
            channel = address instanceof UnixDomainSocketAddress ?
                SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
            Selector opened = null;
            try
            {
                opened = Selector.open();
                channel.configureBlocking(false);
                key = channel.register(opened, 0);
                selector = opened;
                if (!channel.connect(address))
                {
                    await(SelectionKey.OP_CONNECT);
                    channel.finishConnect();
                }
            }
            catch (final IOException | RuntimeException ex)
            {
                channel.close();
                if (opened != null)
                {
                    opened.close();
                }
                throw ex;
            }
        }

        String textVersion() throws IOException
        {
            write(ByteBuffer.wrap(TEXT_REQUEST.getBytes(StandardCharsets.US_ASCII)));
            final ByteBuffer in = ByteBuffer.allocate(MAX_LINE);
            while (in.hasRemaining())
            {
                if (read(in) < 0)
                {
                    break;
                }
                for (int i = 0; i < in.position(); i++)
                {
                    if (in.get(i) == '\n')
                    {
                        final int end = i > 0 && in.get(i - 1) == '\r' ? i - 1 : i;
                        return new String(in.array(), 0, end, StandardCharsets.ISO_8859_1);
                    }
                }
            }
            return new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1);
        }

        String binaryVersion() throws IOException
        {
            final ByteBuffer request = ByteBuffer.allocate(BINARY_HEADER);
            request.put(0, BINARY_REQUEST).put(1, OPCODE_VERSION);
            write(request);
            final ByteBuffer header = ByteBuffer.allocate(BINARY_HEADER);
            readFully(header);
            if (header.get(0) != BINARY_RESPONSE || header.get(1) != OPCODE_VERSION)
            {
                throw new IOException("not a memcached binary response");
            }
            final int bodyLength = header.getInt(8);
            if (bodyLength < 0 || bodyLength > MAX_LINE)
            {
                throw new IOException("a version of " + bodyLength + " bytes");
            }
            final ByteBuffer body = ByteBuffer.allocate(bodyLength);
            readFully(body);
            final int status = header.getShort(6) & 0xffff;
            final String value = new String(body.array(), StandardCharsets.ISO_8859_1);
            if (status != 0)
            {
                throw new IOException("status " + status + " " + quote(value));
            }
            return "VERSION " + value;
        }

        private void write(final ByteBuffer bytes) throws IOException
        {
            while (bytes.hasRemaining())
            {
                if (channel.write(bytes) == 0)
                {
                    await(SelectionKey.OP_WRITE);
                }
            }
        }

        private int read(final ByteBuffer into) throws IOException
        {
            while (true)
            {
                final int n = channel.read(into);
                if (n != 0)
                {
                    return n;
                }
                await(SelectionKey.OP_READ);
            }
        }

        private void readFully(final ByteBuffer into) throws IOException
        {
            while (into.hasRemaining())
            {
                if (read(into) < 0)
                {
                    throw new IOException("the server closed the connection");
                }
            }
        }

        private void await(final int ops) throws IOException
        {
            key.interestOps(ops);
            while (true)
            {
                final long remainingMs = (deadline - System.nanoTime()) / 1_000_000L;
                if (remainingMs <= 0)
                {
                    throw new IOException("no answer within " + timeoutMs + " ms");
                }
                selector.selectedKeys().clear();
                if (selector.select(remainingMs) > 0)
                {
                    key.interestOps(0);
                    return;
                }
            }
        }

        @Override
        public void close() throws IOException
        {
            try
            {
                channel.close();
            }
            finally
            {
                selector.close();
            }
        }
    }

    private static String quote(final String text)
    {
        return text.isEmpty() ? "nothing" : "\"" + text + "\"";
    }

    private static String describe(final SocketAddress address)
    {
        if (address instanceof InetSocketAddress)
        {
            final InetSocketAddress inet = (InetSocketAddress)address;
            return inet.getHostString() + ":" + inet.getPort();
        }
        return address.toString();
    }
}
