/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * The real memcached binary, the reference the tests compare against. Under {@code CI=true} a missing binary fails
 * the test instead of skipping it.
 */
final class MemcachedOracle
{
    private static final String[] CANDIDATES = {"/usr/bin/memcached", "/usr/local/bin/memcached"};

    private MemcachedOracle()
    {
    }

    /**
     * The binary's path; skips the calling test when there is none, or fails it under CI.
     *
     * @return the path.
     */
    static String binary()
    {
        final String configured = System.getenv("MEMCACHED_BIN");
        if (configured != null && new File(configured).canExecute())
        {
            return configured;
        }
        for (final String candidate : CANDIDATES)
        {
            if (new File(candidate).canExecute())
            {
                return candidate;
            }
        }
        if ("true".equalsIgnoreCase(System.getenv("CI")))
        {
            throw new AssertionError("memcached is not installed: CI needs it as the reference (apt-get install " +
                "memcached)");
        }
        Assumptions.abort("memcached is not installed");
        return null;
    }

    /**
     * memcached up to 1.6.23 read {@code -o slab_chunk_max} in bytes; later versions (1.6.39 among them) read it in
     * kilobytes and refuse a value over 1024. An argument given in bytes is converted for such a binary.
     */
    private static String inKilobytesIfNeeded(final String arg) throws IOException, InterruptedException
    {
        final String key = "slab_chunk_max=";
        if (!arg.startsWith(key) || !readsKilobytes())
        {
            return arg;
        }
        return key + Integer.parseInt(arg.substring(key.length())) / 1024;
    }

    private static boolean readsKilobytes() throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(binary(), "-V").redirectErrorStream(true).start();
        final String version = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        process.waitFor(5, TimeUnit.SECONDS);
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile("memcached (\\d+)\\.(\\d+)\\.(\\d+)")
            .matcher(version);
        if (!m.find())
        {
            throw new IOException("unexpected memcached -V output: " + version);
        }
        final int major = Integer.parseInt(m.group(1));
        final int minor = Integer.parseInt(m.group(2));
        final int patch = Integer.parseInt(m.group(3));
        return major > 1 || (major == 1 && (minor > 6 || (minor == 6 && patch >= 24)));
    }

    /**
     * Run memcached with {@code -vv} and these arguments until it has printed its slab class table, then stop it.
     *
     * @param args memcached arguments.
     * @return the lines that start with {@code slab class}, each ending in a newline.
     */
    static String slabTable(final String... args) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(binary());
        command.add("-p");
        command.add("0");
        command.add("-U");
        command.add("0");
        command.add("-l");
        command.add("127.0.0.1");
        if ("root".equals(System.getProperty("user.name")))
        {
            command.add("-u");
            command.add("root");
        }
        command.add("-vv");
        for (final String arg : args)
        {
            command.add(inKilobytesIfNeeded(arg));
        }
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final StringBuilder table = new StringBuilder();
        try
        {
            final InputStream out = process.getInputStream();
            final ByteArrayOutputStream seen = new ByteArrayOutputStream();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            long quietSince = System.nanoTime();
            final byte[] buffer = new byte[4096];
            while (System.nanoTime() < deadline)
            {
                if (out.available() > 0)
                {
                    seen.write(buffer, 0, out.read(buffer));
                    quietSince = System.nanoTime();
                }
                else if (!process.isAlive() ||
                    (seen.size() > 0 && System.nanoTime() - quietSince > TimeUnit.MILLISECONDS.toNanos(300)))
                {
                    break;
                }
                else
                {
                    Thread.sleep(10);
                }
            }
            for (final String line : seen.toString(StandardCharsets.UTF_8).split("\n"))
            {
                if (line.startsWith("slab class"))
                {
                    table.append(line).append('\n');
                }
            }
        }
        finally
        {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
            }
        }
        return table.toString();
    }
}
