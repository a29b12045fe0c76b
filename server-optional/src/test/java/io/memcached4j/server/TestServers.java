/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Starting servers for tests: in-process ({@link InProcess}), as a forked JVM ({@link Forked}), or the real memcached
 * ({@link #memcached}); a small blocking text client ({@link Client}); and {@code nc}.
 */
final class TestServers
{
    private static final Map<Integer, byte[]> FILL_VALUES = new java.util.concurrent.ConcurrentHashMap<>();

    /** The reference memcached: Debian's, or the build the environment variable {@code MEMCACHED_BIN} names. */
    static final Path MEMCACHED =
        Path.of(java.util.Objects.requireNonNullElse(System.getenv("MEMCACHED_BIN"), "/usr/bin/memcached"));

    private TestServers()
    {
    }

    /**
     * A free loopback TCP port.
     */
    static int freePort() throws IOException
    {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    /**
     * Whether tests that need the real memcached run: they fail under {@code CI=true} when it is missing, and are
     * skipped elsewhere.
     */
    static boolean memcachedAvailable()
    {
        if (Files.isExecutable(MEMCACHED))
        {
            return true;
        }
        if ("true".equals(System.getenv("CI")))
        {
            fail("the memcached oracle is missing at " + MEMCACHED + " (apt-get install memcached)");
        }
        return false;
    }

    /**
     * The version the reference memcached prints ({@code -V}).
     *
     * @return e.g. {@code 1.6.18}.
     */
    static String memcachedVersion() throws IOException, InterruptedException
    {
        final Process p = new ProcessBuilder(MEMCACHED.toString(), "-V").redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return out.replaceFirst("^memcached ", "");
    }

    static boolean isRoot()
    {
        return "root".equals(System.getProperty("user.name"));
    }

    /**
     * The arguments after {@code -u root} when the tests run as root: memcached starts (it refuses root without
     * {@code -u}), and memcached4j prints no notice about the user.
     *
     * @param args the server's arguments.
     * @return them, after {@code -u root} when running as root.
     */
    static String[] asRoot(final String... args)
    {
        final List<String> all = new ArrayList<>();
        if (isRoot())
        {
            all.add("-u");
            all.add("root");
        }
        all.addAll(List.of(args));
        return all.toArray(new String[0]);
    }

    /**
     * A server started in this JVM; its standard error is captured.
     */
    static final class InProcess implements AutoCloseable
    {
        final int port;
        final MemcachedServer server;
        final io.memcached4j.core.MemcachedCache cache;
        private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

        InProcess(final String... args) throws Exception
        {
            this(true, args);
        }

        InProcess(final boolean tcp, final String... args) throws Exception
        {
            final List<String> all = new ArrayList<>();
            if (tcp)
            {
                port = freePort();
                all.addAll(List.of("-p", Integer.toString(port), "-l", "127.0.0.1"));
            }
            else
            {
                port = 0;
            }
            all.addAll(Arrays.asList(args));
            final ServerOptions options = CommandLine.parse(all.toArray(new String[0]));
            final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
            final Main.Started started = Main.start(options, err);
            assertNotNull(started.server(), () -> "server did not start: " + stderr());
            server = started.server();
            cache = started.cache();
        }

        String stderr()
        {
            synchronized (errBytes)
            {
                return errBytes.toString(StandardCharsets.UTF_8);
            }
        }

        /**
         * Standard error with one character a byte, as it was printed.
         */
        String stderrBytes()
        {
            synchronized (errBytes)
            {
                return errBytes.toString(StandardCharsets.ISO_8859_1);
            }
        }

        Client client() throws IOException
        {
            return new Client(port);
        }

        String stat(final String name) throws IOException
        {
            try (Client c = client())
            {
                return c.stat(name);
            }
        }

        @Override
        public void close()
        {
            server.close();
            cache.close();
        }
    }

    /**
     * A server in a JVM of its own: {@code java -cp <test class path> Main} or {@code java -jar}.
     */
    static final class Forked implements AutoCloseable
    {
        final Process process;
        final int port;
        final Path stderr;

        Forked(final List<String> javaAndMain, final int port, final String... args) throws Exception
        {
            this(javaAndMain, null, port, args);
        }

        /**
         * Wait up to 20 seconds for a text in the server's standard error, and fail with all of it otherwise.
         */
        void awaitStderr(final String text) throws Exception
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!stderrText().contains(text) && System.nanoTime() < deadline)
            {
                Thread.sleep(50);
            }
            assertTrue(stderrText().contains(text), stderrText());
        }

        /**
         * What the process printed on standard error so far.
         *
         * @return the text, or "" when it cannot be read.
         */
        String stderrText()
        {
            try
            {
                return Files.readString(stderr, StandardCharsets.UTF_8);
            }
            catch (final IOException ex)
            {
                return "";
            }
        }

        /**
         * @param environment the whole environment of the process, or null for this JVM's.
         */
        Forked(final List<String> javaAndMain, final Map<String, String> environment, final int port,
            final String... args) throws Exception
        {
            this.port = port;
            final List<String> cmd = new ArrayList<>(javaAndMain);
            cmd.addAll(Arrays.asList(args));
            stderr = Files.createTempFile("memcached4j-stderr", ".txt");
            final ProcessBuilder builder = new ProcessBuilder(cmd).redirectError(stderr.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            if (environment != null)
            {
                builder.environment().clear();
                builder.environment().putAll(environment);
            }
            process = builder.start();
            if (port > 0)
            {
                awaitPort(port, process);
            }
        }

        static List<String> classpathCommand(final String... jvmFlags)
        {
            final List<String> cmd = new ArrayList<>();
            cmd.add(javaBinary());
            cmd.addAll(Arrays.asList(jvmFlags));
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path") + File.pathSeparator + surefireClassPath());
            cmd.add(Main.class.getName());
            return cmd;
        }

        private static String surefireClassPath()
        {
            final String cp = System.getProperty("surefire.test.class.path");
            return cp == null ? "" : cp;
        }

        static String javaBinary()
        {
            return Path.of(System.getProperty("java.home"), "bin", "java").toString();
        }

        @Override
        public void close() throws IOException
        {
            process.destroy();
            try
            {
                if (!process.waitFor(10, TimeUnit.SECONDS))
                {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            Files.deleteIfExists(stderr);
        }
    }

    /**
     * The real memcached on a free loopback port, for side-by-side checks.
     */
    static Forked memcached(final String... args) throws Exception
    {
        final int port = freePort();
        final List<String> cmd = new ArrayList<>(List.of(MEMCACHED.toString(), "-p", Integer.toString(port), "-l",
            "127.0.0.1"));
        if (isRoot())
        {
            cmd.addAll(List.of("-u", "nobody"));
        }
        return new Forked(cmd, port, args);
    }

    static void awaitPort(final int port, final Process process) throws Exception
    {
        awaitPort("127.0.0.1", port, process);
    }

    /**
     * Wait up to 30 seconds until a connection to the host and port succeeds.
     */
    static void awaitPort(final String host, final int port, final Process process) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline)
        {
            if (!process.isAlive())
            {
                fail("server exited with " + process.exitValue() + " before listening on " + port);
            }
            try (Socket s = new Socket())
            {
                s.connect(new InetSocketAddress(host, port), 200);
                return;
            }
            catch (final IOException ex)
            {
                Thread.sleep(50);
            }
        }
        fail("server did not listen on " + port + " within 30 s");
    }

    /**
     * A binary protocol request: the 24-byte header (magic 0x80, CAS 0), then extras, key and value.
     */
    static byte[] binaryRequest(final int opcode, final String key, final byte[] extras, final String value,
        final int opaque)
    {
        final byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        final byte[] v = value.getBytes(StandardCharsets.US_ASCII);
        final java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(24 + extras.length + k.length + v.length);
        b.put((byte)0x80).put((byte)opcode).putShort((short)k.length).put((byte)extras.length).put((byte)0)
            .putShort((short)0).putInt(extras.length + k.length + v.length).putInt(opaque).putLong(0)
            .put(extras).put(k).put(v);
        return b.array();
    }

    /**
     * {@code printf 'input' | nc -q1 127.0.0.1 port}: what memcached's image documentation does.
     */
    static String nc(final int port, final String input) throws Exception
    {
        final Process p = new ProcessBuilder("nc", "-q1", "127.0.0.1", Integer.toString(port))
            .redirectErrorStream(true).start();
        try (OutputStream out = p.getOutputStream())
        {
            out.write(input.getBytes(StandardCharsets.ISO_8859_1));
        }
        final byte[] all = p.getInputStream().readAllBytes();
        if (!p.waitFor(20, TimeUnit.SECONDS))
        {
            p.destroyForcibly();
            fail("nc did not finish");
        }
        return new String(all, StandardCharsets.ISO_8859_1);
    }

    /**
     * A blocking text client with a read timeout.
     */
    static final class Client implements AutoCloseable
    {
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        Client(final int port) throws IOException
        {
            socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(10_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        Client send(final String text) throws IOException
        {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return this;
        }

        Client send(final byte[] bytes) throws IOException
        {
            out.write(bytes);
            out.flush();
            return this;
        }

        /**
         * Read until the bytes read so far end with {@code end}.
         */
        String readUntil(final String end) throws IOException
        {
            final ByteArrayOutputStream got = new ByteArrayOutputStream();
            final byte[] tail = end.getBytes(StandardCharsets.ISO_8859_1);
            final byte[] buf = new byte[65536];
            while (true)
            {
                final byte[] sofar = got.toByteArray();
                if (sofar.length >= tail.length &&
                    Arrays.equals(sofar, sofar.length - tail.length, sofar.length, tail, 0, tail.length))
                {
                    return new String(sofar, StandardCharsets.ISO_8859_1);
                }
                final int n = in.read(buf);
                if (n < 0)
                {
                    return new String(got.toByteArray(), StandardCharsets.ISO_8859_1) + "<EOF>";
                }
                got.write(buf, 0, n);
            }
        }

        String request(final String command, final String end) throws IOException
        {
            send(command);
            return readUntil(end);
        }

        String stat(final String name) throws IOException
        {
            final String stats = request("stats\r\n", "END\r\n");
            for (final String line : stats.split("\r\n"))
            {
                if (line.startsWith("STAT " + name + " "))
                {
                    return line.substring(("STAT " + name + " ").length());
                }
            }
            return null;
        }

        /**
         * Whether the server closed the connection (reads EOF or reset within the timeout).
         */
        boolean closedByServer(final int timeoutMs) throws IOException
        {
            socket.setSoTimeout(timeoutMs);
            try
            {
                final byte[] buf = new byte[65536];
                while (true)
                {
                    final int n = in.read(buf);
                    if (n < 0)
                    {
                        return true;
                    }
                }
            }
            catch (final java.net.SocketTimeoutException ex)
            {
                return false;
            }
            catch (final java.net.SocketException ex)
            {
                return true;
            }
        }

        @Override
        public void close() throws IOException
        {
            socket.close();
        }
    }

    /**
     * The fields of a {@code stats} reply.
     */
    static Map<String, String> stats(final Client c) throws IOException
    {
        return stats(c, "stats");
    }

    /**
     * The fields of a reply to a {@code stats} command such as {@code stats slabs}.
     */
    static Map<String, String> stats(final Client c, final String command) throws IOException
    {
        final Map<String, String> stats = new HashMap<>();
        for (final String line : c.request(command + "\r\n", "END\r\n").split("\r\n"))
        {
            final String[] f = line.split(" ", 3);
            if (f.length == 3 && "STAT".equals(f[0]))
            {
                stats.put(f[1], f[2]);
            }
        }
        return stats;
    }

    /**
     * Fill a server through one connection with {@code noreply} sets of values of the given sizes, in turn: every
     * size but the last until its values add up to an equal share of the memory limit, the last one until the server
     * reports evictions; then one more round of every size, and the server's stats.
     *
     * @param c          the connection.
     * @param limitBytes the server's {@code -m} in bytes.
     * @param sizes      the value sizes.
     * @return the stats after the last set.
     */
    static Map<String, String> fillUntilEvictions(final Client c, final long limitBytes, final int... sizes)
        throws IOException
    {
        final OutputStream out = new java.io.BufferedOutputStream(c.out, 1 << 16);
        final long share = limitBytes / sizes.length;
        long key = 0;
        for (int i = 0; i < sizes.length - 1; i++)
        {
            for (long sent = 0; sent < share; sent += sizes[i])
            {
                set(out, key++, sizes[i]);
            }
        }
        final int last = sizes[sizes.length - 1];
        final long batch = Math.max(1, (1 << 20) / last);
        long sent = 0;
        while (true)
        {
            for (int i = 0; i < batch; i++)
            {
                set(out, key++, last);
            }
            sent += batch * last;
            out.flush();
            final Map<String, String> stats = stats(c);
            if (Long.parseLong(stats.get("evictions")) > 0)
            {
                break;
            }
            if (sent > 4 * limitBytes)
            {
                fail("no evictions after " + key + " sets: " + stats);
            }
        }
        for (final int size : sizes)
        {
            for (long round = 0; round < share / 8; round += size)
            {
                set(out, key++, size);
            }
        }
        out.flush();
        return stats(c);
    }

    private static void set(final OutputStream out, final long key, final int size) throws IOException
    {
        final String line = "set fill:" + size + ":" + key + " 0 0 " + size + " noreply\r\n";
        out.write(line.getBytes(StandardCharsets.US_ASCII));
        final byte[] value = FILL_VALUES.computeIfAbsent(size, n ->
        {
            final byte[] bytes = new byte[n + 2];
            Arrays.fill(bytes, (byte)'v');
            bytes[n] = '\r';
            bytes[n + 1] = '\n';
            return bytes;
        });
        out.write(value);
    }

    /**
     * A field of {@code /proc/<pid>/status} in KiB, e.g. {@code VmRSS}, the resident set, or {@code VmHWM}, its peak.
     */
    static long procStatusKib(final long pid, final String field) throws IOException
    {
        for (final String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"), StandardCharsets.US_ASCII))
        {
            if (line.startsWith(field + ":"))
            {
                return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
            }
        }
        throw new IllegalStateException(field + " is not in /proc/" + pid + "/status");
    }

    static void assertStored(final Client c, final String key, final String value) throws IOException
    {
        assertEquals("STORED\r\n", c.request("set " + key + " 0 0 " + value.length() + "\r\n" + value + "\r\n",
            "\r\n"));
    }
}
