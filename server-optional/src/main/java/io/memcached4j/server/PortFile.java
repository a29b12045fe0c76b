/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * memcached's port file, for a server started with {@code -p -1} or {@code -U -1} (a free port the system picks):
 * when the environment names a file ({@code MEMCACHED_PORT_FILENAME}), every TCP and UDP socket bound adds a line
 * such as {@code TCP INET: 11211} or {@code UDP INET6: 40001}, in the order the sockets are bound, TCP before UDP.
 * <p>
 * As memcached does, the lines go to the name with {@code .lck} appended, opened for appending (lines a previous
 * server left there stay in front), and reach the file when every socket is open; then the {@code .lck} file is
 * renamed to the name, so that a reader never finds a file with only some of the lines. When a socket cannot be
 * opened the server stops and the {@code .lck} file keeps the lines of the sockets bound before, while the name is
 * left as it was. A {@code .lck} file that cannot be opened is reported with memcached's line and the server starts
 * without one; a failed write or rename is not reported, as memcached does not report it.
 * <p>
 * Not threadsafe: used by the thread that opens the server's sockets.
 */
final class PortFile
{
    private final String name;
    private final Path lockFile;
    private final OutputStream out;
    private final StringBuilder lines = new StringBuilder();

    private PortFile(final String name, final Path lockFile, final OutputStream out)
    {
        this.name = name;
        this.lockFile = lockFile;
        this.out = out;
    }

    /**
     * Open the {@code .lck} file for a name, or nothing.
     *
     * @param name the file to write the ports to, or null for none.
     * @param log  where memcached's line goes when the {@code .lck} file cannot be opened.
     * @return the port file; one that writes nothing when there is no name or no file.
     */
    static PortFile open(final String name, final Log log)
    {
        if (name == null)
        {
            return new PortFile(null, null, null);
        }
        final String lockName = name + ".lck";
        final Path lockFile = Path.of(lockName);
        try
        {
            // fopen's "a": created with mode 0666 less the umask, written at its end
            final OutputStream out = Files.newOutputStream(lockFile, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            return new PortFile(name, lockFile, out);
        }
        catch (final IOException ex)
        {
            log.line("Failed to open \"" + lockName + "\": " + MemcachedServer.reason(ex));
            return new PortFile(null, null, null);
        }
    }

    /**
     * A socket was bound.
     *
     * @param udp  true for a UDP socket.
     * @param ipv6 true for an IPv6 socket.
     * @param port the port it is bound to.
     */
    void bound(final boolean udp, final boolean ipv6, final int port)
    {
        if (out != null)
        {
            lines.append(udp ? "UDP" : "TCP").append(ipv6 ? " INET6: " : " INET: ").append(port).append('\n');
        }
    }

    /**
     * Every socket is open: write the lines and rename the {@code .lck} file to the name.
     */
    void publish()
    {
        if (out == null)
        {
            return;
        }
        close();
        if (name.isEmpty())
        {
            // rename(2) to an empty name fails; the JDK would take it for the current directory
            return;
        }
        try
        {
            Files.move(lockFile, Path.of(name), StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException ex)
        {
            // memcached does not look at rename's result: the .lck file stays
        }
    }

    /**
     * A socket could not be opened and the server stops: the lines written so far stay in the {@code .lck} file.
     */
    void abandon()
    {
        if (out != null)
        {
            close();
        }
    }

    private void close()
    {
        try (OutputStream o = out)
        {
            o.write(lines.toString().getBytes(StandardCharsets.US_ASCII));
        }
        catch (final IOException ex)
        {
            // memcached does not look at fclose's result either
        }
    }
}
