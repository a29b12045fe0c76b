/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server.clients;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Debian's python3-pymemcache, driven through {@code pymemcache_driver.py} in a child process: each call is a line to
 * the script and a line back, so that several threads can have calls under way at once.
 */
final class Pymemcache implements Memcache
{
    private static final HexFormat HEX = HexFormat.of();

    private final int port;
    private final Process process;
    private final OutputStream requests;
    private final Map<Long, CompletableFuture<String>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final StringBuffer stderr = new StringBuffer();

    Pymemcache(final int port) throws IOException
    {
        Servers.require(pymemcacheInstalled(), "python3-pymemcache for " + Servers.PYTHON,
            "apt-get install python3-pymemcache");
        this.port = port;
        process = new ProcessBuilder(Servers.PYTHON.toString(), "-u", driver().toString(), "127.0.0.1",
            Integer.toString(port)).redirectError(ProcessBuilder.Redirect.PIPE).start();
        requests = process.getOutputStream();
        final Thread reader = new Thread(this::readReplies, "pymemcache-replies");
        reader.setDaemon(true);
        reader.start();
        final Thread errors = new Thread(() ->
        {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                StandardCharsets.UTF_8)))
            {
                in.lines().forEach(line -> stderr.append(line).append('\n'));
            }
            catch (final IOException ex)
            {
                stderr.append(ex);
            }
        }, "pymemcache-stderr");
        errors.setDaemon(true);
        errors.start();
    }

    static boolean pymemcacheInstalled()
    {
        if (!Files.isExecutable(Servers.PYTHON))
        {
            return false;
        }
        try
        {
            final Process p = new ProcessBuilder(Servers.PYTHON.toString(), "-c", "import pymemcache")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        }
        catch (final IOException ex)
        {
            return false;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Path driver()
    {
        try
        {
            return Path.of(Pymemcache.class.getResource("pymemcache_driver.py").toURI());
        }
        catch (final URISyntaxException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    public String name()
    {
        return "pymemcache";
    }

    public Set<Feature> features()
    {
        // pymemcache 3.5 has no gat
        return EnumSet.of(Feature.TOUCH, Feature.CONCURRENT);
    }

    public boolean set(final String key, final byte[] value, final int exptime)
    {
        return flag(call("set", hex(key), hex(value), Integer.toString(exptime)));
    }

    public boolean add(final String key, final byte[] value, final int exptime)
    {
        return flag(call("add", hex(key), hex(value), Integer.toString(exptime)));
    }

    public boolean replace(final String key, final byte[] value, final int exptime)
    {
        return flag(call("replace", hex(key), hex(value), Integer.toString(exptime)));
    }

    public boolean append(final String key, final byte[] value)
    {
        return flag(call("append", hex(key), hex(value)));
    }

    public boolean prepend(final String key, final byte[] value)
    {
        return flag(call("prepend", hex(key), hex(value)));
    }

    public byte[] get(final String key)
    {
        final String[] reply = call("get", hex(key));
        return "N".equals(reply[0]) ? null : bytes(reply[1]);
    }

    public Map<String, byte[]> getMulti(final List<String> keys)
    {
        final List<String> args = new ArrayList<>();
        for (final String key : keys)
        {
            args.add(hex(key));
        }
        final String[] reply = call("getm", args.toArray(new String[0]));
        final Map<String, byte[]> hits = new HashMap<>();
        for (int i = 1; i < reply.length; i++)
        {
            final String[] kv = reply[i].split(":");
            hits.put(new String(bytes(kv[0]), StandardCharsets.US_ASCII), bytes(kv[1]));
        }
        return hits;
    }

    public Versioned gets(final String key)
    {
        final String[] reply = call("gets", hex(key));
        return "N".equals(reply[0]) ? null : new Versioned(bytes(reply[1]), Long.parseUnsignedLong(reply[2]));
    }

    public CasOutcome cas(final String key, final byte[] value, final long cas)
    {
        return CasOutcome.valueOf(call("cas", hex(key), hex(value), Long.toUnsignedString(cas))[0]);
    }

    public boolean delete(final String key)
    {
        return flag(call("delete", hex(key)));
    }

    public Long incr(final String key, final long delta)
    {
        return number(call("incr", hex(key), Long.toUnsignedString(delta)));
    }

    public Long decr(final String key, final long delta)
    {
        return number(call("decr", hex(key), Long.toUnsignedString(delta)));
    }

    public boolean touch(final String key, final int exptime)
    {
        return flag(call("touch", hex(key), Integer.toString(exptime)));
    }

    public byte[] gat(final String key, final int exptime)
    {
        throw new UnsupportedOperationException("pymemcache 3.5 has no gat");
    }

    public void flushAll()
    {
        if (!flag(call("flush")))
        {
            throw new IllegalStateException("flush_all failed");
        }
    }

    public void awaitClock(final int seconds)
    {
        Servers.awaitClock(port, seconds);
    }

    public void close()
    {
        try
        {
            requests.close();
            if (!process.waitFor(10, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
            }
        }
        catch (final IOException ex)
        {
            process.destroyForcibly();
        }
        catch (final InterruptedException ex)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private String[] call(final String op, final String... args)
    {
        final long id = ids.incrementAndGet();
        final CompletableFuture<String> reply = new CompletableFuture<>();
        pending.put(id, reply);
        final StringBuilder line = new StringBuilder().append(id).append(' ').append(op);
        for (final String arg : args)
        {
            line.append(' ').append(arg);
        }
        line.append('\n');
        try
        {
            synchronized (requests)
            {
                requests.write(line.toString().getBytes(StandardCharsets.US_ASCII));
                requests.flush();
            }
            final String[] result = reply.get(15, TimeUnit.SECONDS).split(" ");
            if ("E".equals(result[0]))
            {
                final String message = result[1] + ": " + new String(bytes(result[2]), StandardCharsets.UTF_8);
                if ("MemcacheServerError".equals(result[1]))
                {
                    throw new ErrorReply(message, null);
                }
                throw new IllegalStateException("pymemcache " + op + " failed: " + message);
            }
            return result;
        }
        catch (final IOException | ExecutionException ex)
        {
            throw new IllegalStateException("pymemcache driver: " + ex + "\n" + stderr, ex);
        }
        catch (final TimeoutException ex)
        {
            throw new IllegalStateException("pymemcache " + op + ": no reply within 15 s\n" + stderr, ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
        finally
        {
            pending.remove(id);
        }
    }

    private void readReplies()
    {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.US_ASCII)))
        {
            String line;
            while ((line = in.readLine()) != null)
            {
                final int space = line.indexOf(' ');
                final CompletableFuture<String> reply = pending.get(Long.parseLong(line.substring(0, space)));
                if (reply != null)
                {
                    reply.complete(line.substring(space + 1));
                }
            }
        }
        catch (final IOException ex)
        {
            // the process ended; callers time out and report its standard error
        }
        pending.values().forEach(f -> f.completeExceptionally(new IOException("pymemcache_driver.py ended")));
    }

    private static String hex(final String key)
    {
        return hex(key.getBytes(StandardCharsets.US_ASCII));
    }

    private static String hex(final byte[] bytes)
    {
        return "x" + HEX.formatHex(bytes);
    }

    private static byte[] bytes(final String hex)
    {
        return HEX.parseHex(hex, 1, hex.length());
    }

    private static boolean flag(final String[] reply)
    {
        return "T".equals(reply[0]);
    }

    private static Long number(final String[] reply)
    {
        return "N".equals(reply[0]) ? null : Long.parseUnsignedLong(reply[1]);
    }
}
