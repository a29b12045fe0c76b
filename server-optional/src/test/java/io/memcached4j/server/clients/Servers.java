/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server.clients;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.memcached4j.server.CommandLine;
import io.memcached4j.server.Main;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

/**
 * The servers the clients talk to: memcached4j started in this JVM, and the real memcached as a child process, each
 * on a free loopback port; and the checks for the external programs the tests need.
 */
final class Servers
{
    /** The reference memcached: Debian's, or the build the environment variable {@code MEMCACHED_BIN} names. */
    static final Path MEMCACHED =
        Path.of(java.util.Objects.requireNonNullElse(System.getenv("MEMCACHED_BIN"), "/usr/bin/memcached"));
    /** The Python that Debian's python3-pymemcache is installed for. */
    static final Path PYTHON = Path.of("/usr/bin/python3");
    /** libmemcached's protocol checker. */
    static final Path MEMCCAPABLE = Path.of("/usr/bin/memccapable");
    /** Cyrus SASL's password tool, to give the real memcached a user (Debian's build reads a sasldb). */
    static final Path SASLPASSWD2 = Path.of("/usr/sbin/saslpasswd2");

    private Servers()
    {
    }

    /**
     * A running server.
     */
    interface Server extends AutoCloseable
    {
        /**
         * {@code memcached4j} or {@code memcached}.
         */
        String name();

        int port();

        @Override
        void close();
    }

    /**
     * Whether a program the tests need is there: under {@code CI=true} its absence fails the test, elsewhere it
     * aborts (skips) it.
     */
    static void require(final boolean present, final String what, final String install)
    {
        if (present)
        {
            return;
        }
        final String message = what + " is missing (" + install + ")";
        if ("true".equalsIgnoreCase(System.getenv("CI")))
        {
            fail(message + ": CI installs it, see .ci/run");
        }
        abort(message);
    }

    static void requireMemcached()
    {
        require(Files.isExecutable(MEMCACHED), MEMCACHED.toString(), "apt-get install memcached");
    }

    static int freePort() throws IOException
    {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return s.getLocalPort();
        }
    }

    /**
     * memcached4j in this JVM.
     *
     * @param env  the environment its command line sees ({@code MEMCACHED_SASL_PWDB}).
     * @param args flags after {@code -p PORT -l 127.0.0.1}.
     */
    static Server ours(final Map<String, String> env, final String... args) throws Exception
    {
        final int port = freePort();
        final List<String> all = new ArrayList<>(List.of("-p", Integer.toString(port), "-l", "127.0.0.1"));
        all.addAll(Arrays.asList(args));
        final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
        final Main.Started started = Main.start(CommandLine.parse(env, all.toArray(new String[0])), err);
        assertNotNull(started.server(), () -> "memcached4j did not start: " + errBytes);
        return new Server()
        {
            public String name()
            {
                return "memcached4j";
            }

            public int port()
            {
                return port;
            }

            public void close()
            {
                started.server().close();
                started.cache().close();
            }
        };
    }

    /**
     * The real memcached as a child process; it runs as {@code nobody} when the tests run as root.
     *
     * @param env  variables added to its environment ({@code SASL_CONF_PATH}).
     * @param args flags after {@code -p PORT -l 127.0.0.1 -U 0}.
     */
    static Server memcached(final Map<String, String> env, final String... args) throws Exception
    {
        requireMemcached();
        final int port = freePort();
        final List<String> cmd = new ArrayList<>(List.of(MEMCACHED.toString(), "-p", Integer.toString(port), "-l",
            "127.0.0.1", "-U", "0"));
        if ("root".equals(System.getProperty("user.name")))
        {
            cmd.addAll(List.of("-u", "nobody"));
        }
        cmd.addAll(Arrays.asList(args));
        final ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(env);
        final Process process = builder.start();
        try
        {
            awaitPort(port, process);
        }
        catch (final Exception | AssertionError ex)
        {
            process.destroyForcibly();
            throw ex;
        }
        return new Server()
        {
            public String name()
            {
                return "memcached";
            }

            public int port()
            {
                return port;
            }

            public void close()
            {
                process.destroy();
                try
                {
                    if (!process.waitFor(10, TimeUnit.SECONDS))
                    {
                        process.destroyForcibly();
                    }
                }
                catch (final InterruptedException ex)
                {
                    process.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        };
    }

    private static void awaitPort(final int port, final Process process) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline)
        {
            if (!process.isAlive())
            {
                fail("memcached exited with " + process.exitValue() + " before listening on " + port);
            }
            try (Socket s = new Socket())
            {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            }
            catch (final IOException ex)
            {
                Thread.sleep(20);
            }
        }
        fail("memcached did not listen on " + port + " within 20 s");
    }

    /**
     * Wait until the server's {@code STAT time} has moved on by {@code seconds} from its value now.
     */
    static void awaitClock(final int port, final int seconds)
    {
        try (Socket s = new Socket())
        {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(5000);
            final InputStream in = new BufferedInputStream(s.getInputStream());
            final long start = serverTime(s.getOutputStream(), in);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds + 5L);
            while (serverTime(s.getOutputStream(), in) < start + seconds)
            {
                if (System.nanoTime() > deadline)
                {
                    fail("the server's clock did not move on by " + seconds + " s");
                }
                Thread.sleep(25);
            }
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private static long serverTime(final OutputStream out, final InputStream in) throws IOException
    {
        out.write("stats\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        final String stats = readUntil(in, "END\r\n");
        for (final String line : stats.split("\r\n"))
        {
            if (line.startsWith("STAT time "))
            {
                return Long.parseLong(line.substring("STAT time ".length()));
            }
        }
        throw new IllegalStateException("no STAT time in " + stats);
    }

    /**
     * Read until what was read ends with {@code end}, or the stream ends (then {@code <EOF>} is appended).
     */
    static String readUntil(final InputStream in, final String end) throws IOException
    {
        final StringBuilder got = new StringBuilder();
        while (!got.toString().endsWith(end))
        {
            final int b = in.read();
            if (b < 0)
            {
                return got + "<EOF>";
            }
            got.append((char)b);
        }
        return got.toString();
    }

    /**
     * A directory the real memcached can read when it runs as {@code nobody}.
     */
    static Path sharedTempDirectory() throws IOException
    {
        final Path dir = Files.createTempDirectory("memcached4j-clients");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    static void deleteTree(final Path dir)
    {
        try (var files = Files.walk(dir))
        {
            for (final Path p : files.sorted((a, b) -> b.compareTo(a)).toList())
            {
                Files.deleteIfExists(p);
            }
        }
        catch (final IOException ex)
        {
            // a temporary directory left behind
        }
    }
}
