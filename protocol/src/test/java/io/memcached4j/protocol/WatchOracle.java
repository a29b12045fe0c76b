/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;

/**
 * Test support for {@code watch}, shared by the protocol tests (an in-memory session pair) and the server tests (a
 * socket pair): one client conversation that touches every logged path memcached 1.6.18 and 1.6.39 agree on, the
 * real memcached to run it against, and the normalization that makes two watchers' outputs comparable.
 * <p>
 * memcached 1.6.18 knows no {@code deletions} stream (1.6.39 does), so the conversation is watched with
 * {@link #STREAMS}; deletions are checked against lines derived from 1.6.39's source in {@code WatchTest}.
 */
public final class WatchOracle
{
    /** What 1.6.18 and 1.6.39 both log. */
    public static final String STREAMS = "fetchers mutations evictions connevents";
    /** The real memcached: Debian's, or the build the environment variable {@code MEMCACHED_BIN} names. */
    public static final String MEMCACHED =
        java.util.Objects.requireNonNullElse(System.getenv("MEMCACHED_BIN"), "/usr/bin/memcached");
    /** The last reply of {@link #script}. */
    public static final String REPLY_END = "MN\r\n";
    /** Seconds between the two parts of {@link #script}. */
    public static final int FLUSH_PAUSE = 2;
    /** One more than the default item size limit of 1 MiB: too large. */
    private static final int TOO_LARGE = 1024 * 1024 + 1;

    private static final Pattern LINE = Pattern.compile("ts=([1-9][0-9]*)\\.(0|[1-9][0-9]{0,5}) gid=([0-9]+) (.*)");
    private static final Pattern CFD = Pattern.compile("cfd=(-?[0-9]+)");
    private static final Pattern TTL = Pattern.compile("ttl=([0-9]+)");

    private WatchOracle()
    {
    }

    /**
     * The conversation: text and meta commands over hits, misses, expired and flushed items, every store mode and
     * outcome, arithmetic, touches, deletes, a value too large to store, keys that need URI encoding and binary
     * (base64) keys, vivification; it ends with {@code mn}. It comes in two parts, sent at least {@value #FLUSH_PAUSE}
     * seconds apart: everything before the {@code flush_all}, then the flush and what follows. memcached 1.6.39 unlinks
     * at once the items stored in the flush's own second or the one before, and lets older ones be found as flushed
     * (1.6.18 found them all flushed): after the pause every item is older, so all three servers agree.
     * <p>
     * It also looks with {@code me} and {@code md C0} at expired items and, after the {@code flush_all}, at flushed
     * ones, so the servers must run without LRU maintainer and crawler ({@code -o no_lru_maintainer,no_lru_crawler}):
     * those reclaim such items from the LRU tails at their own pace, and the lookup then finds nothing.
     *
     * @return the bytes a client sends, in two parts.
     */
    public static byte[][] script()
    {
        final String text = String.join("\r\n",
            "set a 0 0 1", "x",
            "get a",
            "get b",
            "gets a b",
            "add a 0 0 1", "y",
            "add c 0 0 1", "y",
            "replace zz 0 0 1", "y",
            "replace c 0 0 2", "yy",
            "append a 0 0 2", "zz",
            "prepend q 0 0 1", "z",
            "cas a 0 0 1 999", "q",
            "cas nokey 0 0 1 1", "q",
            "incr a 1",
            "set n 0 300 1", "5",
            "incr n 3",
            "decr n 1",
            "incr nokey 1",
            "touch n 100",
            "gat 100 n",
            "gats 200 n c",
            "delete n",
            "delete n",
            "set e 0 -1 1", "x",
            "get e",
            "set quiet 0 0 1 noreply", "x",
            "set k/%~._-:x 0 0 1", "x",
            "get k/%~._-:x",
            "mg Zm9v b v",
            "ms Zm9v 1 b", "x",
            "mg Zm9v b v",
            "ms /w== 1 b", "x",
            "ms m 2", "hi",
            "mg m v",
            "mg m s v t",
            "mg nokey v",
            "mg viv N30 v",
            "ma cnt N0 J5",
            "ma cnt",
            "md m",
            "md nokey q",
            "me c",
            "md c C0",
            "set e2 0 -1 1", "x",
            "me e2",
            "set e3 0 -1 1", "x",
            "md e3 C0",
            "set f 0 0 1", "x") + "\r\n" +
            "set big 0 0 " + TOO_LARGE + "\r\n";
        final ByteArrayOutputStream before = new ByteArrayOutputStream();
        before.writeBytes(text.getBytes(ISO_8859_1));
        before.writeBytes(new byte[TOO_LARGE]);
        before.writeBytes("\r\n".getBytes(ISO_8859_1));
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("flush_all\r\nget a\r\nme c\r\nmd f C0\r\nmn\r\n".getBytes(ISO_8859_1));
        return new byte[][] {before.toByteArray(), out.toByteArray()};
    }

    /**
     * A watcher's output made comparable: the {@code OK} line; then the lines in gid order (memcached prints lines
     * from different threads in the order it collects them, and documents the gid as the way to restore the order;
     * {@code skipped} lines keep their place and stop the sorting), each with its time checked (seconds, a dot and
     * microseconds without leading zeros) and dropped, its gid made relative to the smallest, connection numbers
     * replaced by {@code C1}, {@code C2}... in order of appearance, remote ports by {@code P}, a TTL of an already
     * expired item (printed unsigned, so it depends on the server's uptime) by {@code WRAPPED}, and on the line of a
     * store that could not be allocated the slab class and connection (memcached 1.6.39 and 1.6.18 print whatever
     * their log call left in those arguments) by {@code ?}.
     *
     * @param output everything the watcher received.
     * @return the lines.
     */
    public static List<String> normalize(final String output)
    {
        final List<String> raw = new ArrayList<>(List.of(output.split("\n", -1)));
        raw.removeIf(String::isEmpty);
        final boolean sortable = raw.stream().noneMatch(l -> l.startsWith("skipped="));
        long firstGid = Long.MAX_VALUE;
        for (final String line : raw)
        {
            final Matcher m = LINE.matcher(line);
            if (m.matches())
            {
                firstGid = Math.min(firstGid, Long.parseLong(m.group(3)));
            }
        }
        if (sortable)
        {
            raw.sort(java.util.Comparator.comparingLong(l ->
            {
                final Matcher m = LINE.matcher(l);
                return m.matches() ? Long.parseLong(m.group(3)) : Long.MIN_VALUE;
            }));
        }
        final List<String> lines = new ArrayList<>();
        final Map<String, String> connections = new HashMap<>();
        for (final String line : raw)
        {
            if (line.equals("OK\r") || line.startsWith("skipped="))
            {
                lines.add(line.trim());
                continue;
            }
            final Matcher m = LINE.matcher(line);
            if (!m.matches() || Integer.parseInt(m.group(2)) > 999_999)
            {
                lines.add("MALFORMED " + line);
                continue;
            }
            String rest = m.group(4);
            final boolean failedStore = rest.contains(" status=too_large ") || rest.contains(" status=no_memory ");
            if (failedStore)
            {
                rest = rest.replaceAll("clsid=[0-9]+", "clsid=?").replaceAll("cfd=-?[0-9]+", "cfd=?");
            }
            final Matcher cfd = CFD.matcher(rest);
            if (cfd.find())
            {
                final String name = connections.computeIfAbsent(cfd.group(1), k -> "C" + (connections.size() + 1));
                rest = rest.substring(0, cfd.start()) + "cfd=" + name + rest.substring(cfd.end());
            }
            final Matcher ttl = TTL.matcher(rest);
            if (ttl.find() && Long.parseLong(ttl.group(1)) >= 1L << 31)
            {
                rest = rest.substring(0, ttl.start()) + "ttl=WRAPPED" + rest.substring(ttl.end());
            }
            rest = rest.replaceAll("rport=[0-9]+", "rport=P");
            lines.add("gid=+" + (Long.parseLong(m.group(3)) - firstGid) + " " + rest);
        }
        return lines;
    }

    /**
     * Lines of one type, with everything before {@code type=} removed.
     *
     * @param lines  normalized lines.
     * @param prefix e.g. {@code type=eviction}.
     * @return the matching lines from {@code type=} on.
     */
    public static List<String> ofType(final List<String> lines, final String prefix)
    {
        final List<String> found = new ArrayList<>();
        for (final String line : lines)
        {
            final int at = line.indexOf(prefix);
            if (at >= 0)
            {
                found.add(line.substring(at));
            }
        }
        return found;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // over sockets
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Watch {@link #STREAMS} on one connection while another sends {@link #script} and quits.
     *
     * @param port the server's loopback port.
     * @return everything the watcher received up to the client's {@code conn_close} line.
     * @throws IOException when a connection fails or the lines do not come within 15 seconds.
     */
    public static String watchScript(final int port) throws IOException
    {
        try (Socket watcher = connect(port))
        {
            final StringBuilder seen = new StringBuilder();
            watcher.getOutputStream().write(("watch " + STREAMS + "\r\n").getBytes(ISO_8859_1));
            readUntil(watcher, seen, "OK\r\n");
            try (Socket client = connect(port))
            {
                final byte[][] parts = script();
                client.getOutputStream().write(parts[0]);
                sleep(FLUSH_PAUSE * 1000L + 100);
                client.getOutputStream().write(parts[1]);
                readUntil(client, new StringBuilder(), REPLY_END);
                client.getOutputStream().write("quit\r\n".getBytes(ISO_8859_1));
                readUntil(client, new StringBuilder(), null);
            }
            readUntil(watcher, seen, " type=conn_close ");
            while (seen.indexOf("\n", seen.indexOf(" type=conn_close ")) < 0)
            {
                readUntil(watcher, seen, "\n");
            }
            return seen.toString();
        }
    }

    /**
     * Watch evictions while a client stores 400 values of 10,000 bytes (reading one of the first back) into a server
     * started with {@code -m 2}.
     *
     * @param port the server's loopback port.
     * @return everything the watcher received once the stores are done and a second has passed.
     * @throws IOException when a connection fails.
     */
    public static String watchEvictions(final int port) throws IOException
    {
        try (Socket watcher = connect(port))
        {
            final StringBuilder seen = new StringBuilder();
            watcher.getOutputStream().write("watch evictions\r\n".getBytes(ISO_8859_1));
            readUntil(watcher, seen, "OK\r\n");
            try (Socket client = connect(port))
            {
                final byte[] value = new byte[10_000];
                java.util.Arrays.fill(value, (byte)'v');
                final OutputStream out = client.getOutputStream();
                final StringBuilder replies = new StringBuilder();
                for (int i = 0; i < 400; i++)
                {
                    // one write per command: separate small writes would wait for delayed acknowledgements
                    final ByteArrayOutputStream set = new ByteArrayOutputStream();
                    set.writeBytes(("set k" + i + " 0 0 " + value.length + "\r\n").getBytes(ISO_8859_1));
                    set.writeBytes(value);
                    set.writeBytes("\r\n".getBytes(ISO_8859_1));
                    out.write(set.toByteArray());
                    readUntil(client, replies, "STORED\r\n");
                    if (i == 3)
                    {
                        out.write("get k0\r\n".getBytes(ISO_8859_1));
                        readUntil(client, replies, "END\r\n");
                    }
                }
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            watcher.setSoTimeout(200);
            final byte[] buf = new byte[65536];
            final InputStream in = watcher.getInputStream();
            while (System.nanoTime() < deadline)
            {
                try
                {
                    final int n = in.read(buf);
                    if (n < 0)
                    {
                        break;
                    }
                    seen.append(new String(buf, 0, n, ISO_8859_1));
                }
                catch (final SocketTimeoutException ex)
                {
                    // keep reading until the deadline: memcached's logger thread sleeps up to a second
                }
            }
            return seen.toString();
        }
    }

    private static Socket connect(final int port) throws IOException
    {
        final Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
        s.setSoTimeout(15_000);
        return s;
    }

    /**
     * Read until {@code seen} contains {@code end} after what it held, or the peer closes when {@code end} is null.
     */
    private static void readUntil(final Socket s, final StringBuilder seen, final String end) throws IOException
    {
        final int from = seen.length();
        final InputStream in = s.getInputStream();
        final byte[] buf = new byte[65536];
        while (end == null || seen.indexOf(end, from) < 0)
        {
            final int n;
            try
            {
                n = in.read(buf);
            }
            catch (final SocketTimeoutException ex)
            {
                throw new IOException("no " + (end == null ? "close" : "\"" + end.trim() + "\"") +
                    " within 15 s; received " + seen.substring(from), ex);
            }
            if (n < 0)
            {
                if (end == null)
                {
                    return;
                }
                throw new IOException("closed before \"" + end.trim() + "\"; received " + seen.substring(from));
            }
            seen.append(new String(buf, 0, n, ISO_8859_1));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // the real memcached
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Whether the real memcached can run here; without it the calling test is skipped, or fails under
     * {@code CI=true}.
     */
    public static void assumeMemcached()
    {
        if (!new File(MEMCACHED).canExecute())
        {
            if ("true".equalsIgnoreCase(System.getenv("CI")))
            {
                throw new AssertionError(MEMCACHED + " is missing: CI needs the real memcached as the reference " +
                    "(apt-get install memcached)");
            }
            Assumptions.abort(MEMCACHED + " is not installed");
        }
    }

    /**
     * A free loopback port.
     *
     * @return the port.
     * @throws IOException when none can be had.
     */
    public static int freePort() throws IOException
    {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return s.getLocalPort();
        }
    }

    /**
     * Start the real memcached on a loopback port and wait until it listens.
     *
     * @param port the port.
     * @param args further arguments.
     * @return the process; stop it with {@link #stop(Process)}.
     * @throws Exception when it does not listen within 10 seconds.
     */
    public static Process startMemcached(final int port, final String... args) throws Exception
    {
        final List<String> command = new ArrayList<>(List.of(MEMCACHED, "-p", String.valueOf(port), "-U", "0", "-l",
            "127.0.0.1"));
        if ("root".equals(System.getProperty("user.name")))
        {
            command.add("-u");
            command.add("nobody");
        }
        command.addAll(List.of(args));
        final Process p = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline)
        {
            try (Socket s = new Socket())
            {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            }
            catch (final IOException ex)
            {
                if (!p.isAlive())
                {
                    throw new IOException("memcached exited with " + p.exitValue(), ex);
                }
                Thread.sleep(50);
                continue;
            }
            // let memcached see this probe come and go before a test's watcher starts: its conn_new and conn_close
            // would otherwise be logged to connevents watchers
            Thread.sleep(300);
            return p;
        }
        stop(p);
        throw new IOException("memcached did not listen on " + port);
    }

    private static void sleep(final long millis) throws IOException
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
    }

    /**
     * Stop a process started by {@link #startMemcached}.
     *
     * @param p the process.
     * @throws InterruptedException when interrupted while waiting.
     */
    public static void stop(final Process p) throws InterruptedException
    {
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS))
        {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
