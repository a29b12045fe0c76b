/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.benchmarks;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.memcached4j.core.CacheStats;
import io.memcached4j.core.MemcachedCache;
import io.memcached4j.core.StoreResult;

/**
 * Density: how many items a 64 MiB cache stores before its first eviction, for values of 32 B, 100 B, 1 KiB, 10 KiB
 * and 100 KiB. Not a JMH benchmark: a plain program that prints a table.
 * <p>
 * For each value size a new cache is built with {@code MemcachedCache.builder().memoryLimit(64 MiB).build()} (every
 * other setting at memcached's default) and keys {@code key:%010d} (14 bytes) are set in order until
 * {@code stats().get("evictions")} becomes non-zero; the figure is {@code curr_items} just before the set that
 * evicted. Statistics are read after batches of sets while more than two pages of the memory limit are unallocated,
 * and after every set from then on, so the figure is exact (a figure found otherwise is marked {@code ~} and is
 * sets minus evictions).
 * <p>
 * If the memcached binary is installed ({@code /usr/bin/memcached}, or the path in {@code -Dmemcached.binary}), the
 * same procedure runs against a fresh memcached per value size, started with
 * {@code -m 64 -p <free port> -U 0 -l 127.0.0.1} (plus {@code -u root} when run as root) and driven over the text
 * protocol; the process is always killed afterwards. {@code -Dmemcached.skip=true} leaves memcached out. For
 * reference, memcached 1.6.18 stores 349,504 items of 100-byte values before its first eviction in 64 MiB; the target
 * for memcached4j is at least 400,000.
 * <p>
 * Run (from the repository root, after {@code ./mvnw -B -pl benchmarks -am package -DskipTests}):
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.memcached4j.benchmarks.Density
 * </pre>
 * The memory path does not change the layout; add
 * {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED} to run it on the Unsafe path.
 */
public final class Density
{
    /** memcached's {@code -m 64}. */
    static final long MEMORY_LIMIT = 64L << 20;
    /** Length of {@code key:%010d}. */
    static final int KEY_LENGTH = 14;
    /** The value sizes measured. */
    static final int[] VALUE_SIZES = {32, 100, 1024, 10 * 1024, 100 * 1024};
    /** memcached 1.6.18, 100-byte values, 64 MiB. */
    static final long REFERENCE_MEMCACHED_100 = 349_504;
    /** What memcached4j should reach with 100-byte values. */
    static final long TARGET_100 = 400_000;

    private static final long PAGE_SIZE = 1L << 20;
    private static final int MAX_BATCH = 1024;
    private static final int ITEM_OVERHEAD_GUESS = 64;

    private Density()
    {
    }

    /**
     * Measure and print the table.
     *
     * @param args none.
     * @throws Exception if memcached4j fails; a failure of memcached is reported in the table instead.
     */
    public static void main(final String[] args) throws Exception
    {
        final Path binary = Paths.get(System.getProperty("memcached.binary", "/usr/bin/memcached"));
        final boolean withMemcached = !Boolean.getBoolean("memcached.skip") && Files.isExecutable(binary);
        System.out.println("Items stored in a 64 MiB cache before the first eviction; keys key:%010d (14 bytes).");
        System.out.println("JVM " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version") +
            ", memcached4j memory path: " + memoryPath());
        if (!withMemcached)
        {
            System.out.println("memcached: not measured (" + (Files.isExecutable(binary) ?
                "-Dmemcached.skip=true" : binary + " not found") + ")");
        }

        final List<String[]> rows = new ArrayList<>();
        long engine100 = -1;
        String memcachedVersion = "memcached";
        for (final int size : VALUE_SIZES)
        {
            final Count engine = measureEngine(size);
            if (size == 100)
            {
                engine100 = engine.items;
            }
            Count memcached = null;
            String failure = null;
            if (withMemcached)
            {
                try
                {
                    memcached = measureMemcached(binary, size);
                    memcachedVersion = memcached.label;
                }
                catch (final IOException | RuntimeException ex)
                {
                    failure = "failed: " + ex.getMessage();
                }
            }
            rows.add(new String[]{
                String.format(Locale.ROOT, "%,d", size),
                engine.format(),
                String.format(Locale.ROOT, "%,d", MEMORY_LIMIT / Math.max(1, engine.items)),
                memcached != null ? memcached.format() : failure != null ? failure : "-",
                memcached != null ? String.format(Locale.ROOT, "%,d", MEMORY_LIMIT / Math.max(1, memcached.items)) :
                    "-",
                memcached != null ? String.format(Locale.ROOT, "%.3f", (double)engine.items / memcached.items) : "-",
            });
        }

        final String[] header = {"value bytes", "memcached4j items", "bytes/item", memcachedVersion + " items",
            "bytes/item", "ratio"};
        printTable(header, rows);
        System.out.println();
        System.out.printf(Locale.ROOT, "100-byte values: memcached4j %,d items; memcached 1.6.18 reference %,d; " +
            "target >= %,d: %s%n", engine100, REFERENCE_MEMCACHED_100, TARGET_100,
            engine100 >= TARGET_100 ? "met" : "NOT met");
    }

    private static void printTable(final String[] header, final List<String[]> rows)
    {
        final int[] widths = new int[header.length];
        for (int c = 0; c < header.length; c++)
        {
            widths[c] = header[c].length();
            for (final String[] row : rows)
            {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        final StringBuilder line = new StringBuilder();
        for (int c = 0; c < header.length; c++)
        {
            line.append(c == 0 ? "" : "  ").append(pad(header[c], widths[c]));
        }
        System.out.println(line);
        for (final String[] row : rows)
        {
            line.setLength(0);
            for (int c = 0; c < row.length; c++)
            {
                line.append(c == 0 ? "" : "  ").append(pad(row[c], widths[c]));
            }
            System.out.println(line);
        }
    }

    private static String pad(final String text, final int width)
    {
        return " ".repeat(Math.max(0, width - text.length())) + text;
    }

    private static int batchSize(final int valueLength)
    {
        return (int)Math.max(1, Math.min(MAX_BATCH, PAGE_SIZE / (valueLength + KEY_LENGTH + ITEM_OVERHEAD_GUESS) / 4));
    }

    /**
     * Fill a new memcached4j cache.
     *
     * @param valueLength value size.
     * @return items stored before the first eviction.
     */
    static Count measureEngine(final int valueLength)
    {
        try (MemcachedCache cache = MemcachedCache.builder().memoryLimit(MEMORY_LIMIT).build())
        {
            final byte[] value = Workload.value(valueLength);
            final int batch = batchSize(valueLength);
            boolean oneByOne = false;
            int sets = 0;
            long itemsBefore = 0;
            while (true)
            {
                final int count = oneByOne ? 1 : batch;
                for (int i = 0; i < count; i++)
                {
                    final StoreResult result = cache.set(Workload.formatKey("key:", sets, KEY_LENGTH), value, 0, 0);
                    sets++;
                    if (result != StoreResult.STORED)
                    {
                        throw new IllegalStateException("set " + sets + " of a " + valueLength + "-byte value " +
                            "returned " + result);
                    }
                }
                final CacheStats stats = cache.stats();
                final long evictions = stats.get("evictions");
                if (evictions > 0)
                {
                    return oneByOne ? new Count(itemsBefore, true, "memcached4j") :
                        new Count(sets - evictions, false, "memcached4j");
                }
                itemsBefore = stats.get("curr_items");
                oneByOne = stats.totalMalloced() + 2 * PAGE_SIZE >= MEMORY_LIMIT;
            }
        }
    }

    /**
     * Fill a new memcached process.
     *
     * @param binary      the memcached executable.
     * @param valueLength value size.
     * @return items stored before the first eviction.
     * @throws IOException if memcached cannot be started or talked to.
     */
    static Count measureMemcached(final Path binary, final int valueLength) throws IOException
    {
        try (MemcachedProcess server = MemcachedProcess.start(binary, MEMORY_LIMIT >> 20))
        {
            final String version = "memcached " + server.stats("").get("version");
            final byte[] value = Workload.value(valueLength);
            final int batch = batchSize(valueLength);
            boolean oneByOne = false;
            int sets = 0;
            long itemsBefore = 0;
            while (true)
            {
                final int count = oneByOne ? 1 : batch;
                server.set(sets, count, value);
                sets += count;
                final Map<String, String> stats = server.stats("");
                final long evictions = Long.parseLong(stats.get("evictions"));
                if (evictions > 0)
                {
                    return oneByOne ? new Count(itemsBefore, true, version) :
                        new Count(sets - evictions, false, version);
                }
                itemsBefore = Long.parseLong(stats.get("curr_items"));
                final long malloced = Long.parseLong(server.stats("slabs").get("total_malloced"));
                oneByOne = malloced + 2 * PAGE_SIZE >= MEMORY_LIMIT;
            }
        }
    }

    private static String memoryPath()
    {
        try
        {
            final Method method = Class.forName("io.memcached4j.core.MemoryPath").getDeclaredMethod("selected");
            method.setAccessible(true);
            return String.valueOf(method.invoke(null));
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            return "unknown";
        }
    }

    /**
     * A measured count.
     */
    static final class Count
    {
        final long items;
        final boolean exact;
        final String label;

        Count(final long items, final boolean exact, final String label)
        {
            this.items = items;
            this.exact = exact;
            this.label = label;
        }

        String format()
        {
            return (exact ? "" : "~") + String.format(Locale.ROOT, "%,d", items);
        }
    }

    /**
     * A memcached process on a free local port and one text-protocol connection to it. Closing it kills the process;
     * a shutdown hook does the same if the JVM exits first.
     */
    static final class MemcachedProcess implements AutoCloseable
    {
        private static final int CONNECT_TIMEOUT_MS = 10_000;
        private static final int READ_TIMEOUT_MS = 30_000;

        private final Process process;
        private final Thread killer;
        private Socket socket;
        private InputStream in;
        private OutputStream out;

        private MemcachedProcess(final Process process)
        {
            this.process = process;
            this.killer = new Thread(process::destroyForcibly, "memcached-killer");
            Runtime.getRuntime().addShutdownHook(killer);
        }

        static MemcachedProcess start(final Path binary, final long megabytes) throws IOException
        {
            final int port;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
            {
                port = probe.getLocalPort();
            }
            final List<String> command = new ArrayList<>(List.of(binary.toString(), "-m", Long.toString(megabytes),
                "-p", Integer.toString(port), "-U", "0", "-l", "127.0.0.1"));
            if ("root".equals(System.getProperty("user.name")))
            {
                command.add("-u");
                command.add("root");
            }
            final Process process = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
            final MemcachedProcess server = new MemcachedProcess(process);
            try
            {
                server.connect(port);
                return server;
            }
            catch (final IOException | RuntimeException ex)
            {
                server.close();
                throw ex;
            }
        }

        private void connect(final int port) throws IOException
        {
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONNECT_TIMEOUT_MS);
            while (true)
            {
                if (!process.isAlive())
                {
                    throw new IOException("memcached exited with status " + process.exitValue());
                }
                final Socket attempt = new Socket();
                try
                {
                    attempt.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
                    attempt.setSoTimeout(READ_TIMEOUT_MS);
                    attempt.setTcpNoDelay(true);
                    socket = attempt;
                    in = new BufferedInputStream(attempt.getInputStream(), 1 << 16);
                    out = new BufferedOutputStream(attempt.getOutputStream(), 1 << 16);
                    return;
                }
                catch (final IOException ex)
                {
                    attempt.close();
                    if (System.nanoTime() > deadline)
                    {
                        throw new IOException("cannot connect to memcached on port " + port, ex);
                    }
                    sleep(50);
                }
            }
        }

        /**
         * Set {@code count} keys starting at {@code first}, pipelined, and check every reply.
         */
        void set(final int first, final int count, final byte[] value) throws IOException
        {
            final byte[] header = (" 0 0 " + value.length + "\r\n").getBytes(StandardCharsets.US_ASCII);
            final byte[] crlf = {'\r', '\n'};
            for (int i = 0; i < count; i++)
            {
                out.write("set ".getBytes(StandardCharsets.US_ASCII));
                out.write(Workload.formatKey("key:", first + i, KEY_LENGTH));
                out.write(header);
                out.write(value);
                out.write(crlf);
            }
            out.flush();
            for (int i = 0; i < count; i++)
            {
                final String reply = readLine();
                if (!"STORED".equals(reply))
                {
                    throw new IOException("set " + (first + i + 1) + ": " + reply);
                }
            }
        }

        /**
         * {@code stats} or {@code stats <group>}: name to value.
         */
        Map<String, String> stats(final String group) throws IOException
        {
            out.write(("stats" + (group.isEmpty() ? "" : " " + group) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            final Map<String, String> stats = new LinkedHashMap<>();
            while (true)
            {
                final String line = readLine();
                if ("END".equals(line))
                {
                    return stats;
                }
                final String[] parts = line.split(" ", 3);
                if (parts.length != 3 || !"STAT".equals(parts[0]))
                {
                    throw new IOException("unexpected stats line: " + line);
                }
                stats.put(parts[1], parts[2]);
            }
        }

        private String readLine() throws IOException
        {
            final ByteArrayOutputStream line = new ByteArrayOutputStream(64);
            while (true)
            {
                final int b = in.read();
                if (b < 0)
                {
                    throw new EOFException("memcached closed the connection");
                }
                if (b == '\n')
                {
                    final byte[] bytes = line.toByteArray();
                    final int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 :
                        bytes.length;
                    return new String(bytes, 0, length, StandardCharsets.US_ASCII);
                }
                line.write(b);
            }
        }

        public void close()
        {
            try
            {
                if (socket != null)
                {
                    socket.close();
                }
            }
            catch (final IOException ignore)
            {
                // the process is killed next anyway
            }
            process.destroy();
            try
            {
                if (!process.waitFor(5, TimeUnit.SECONDS))
                {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            }
            catch (final InterruptedException ex)
            {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            try
            {
                Runtime.getRuntime().removeShutdownHook(killer);
            }
            catch (final IllegalStateException ignore)
            {
                // the JVM is shutting down: the hook runs and kills the process again, harmlessly
            }
        }

        private static void sleep(final long millis)
        {
            try
            {
                Thread.sleep(millis);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for memcached", ex);
            }
        }
    }
}
