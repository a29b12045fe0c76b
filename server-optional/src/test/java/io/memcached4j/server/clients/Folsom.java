/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server.clients;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.spotify.folsom.AsciiMemcacheClient;
import com.spotify.folsom.BinaryMemcacheClient;
import com.spotify.folsom.GetResult;
import com.spotify.folsom.MemcacheClient;
import com.spotify.folsom.MemcacheClientBuilder;
import com.spotify.folsom.MemcacheClosedException;
import com.spotify.folsom.MemcacheOverloadedException;
import com.spotify.folsom.MemcacheStatus;

/**
 * Folsom 1.21 with its ASCII or its binary client.
 */
final class Folsom implements Memcache
{
    private final int port;
    private final long timeoutMs;
    private final AsciiMemcacheClient<byte[]> ascii;
    private final BinaryMemcacheClient<byte[]> binary;
    private final MemcacheClient<byte[]> client;

    Folsom(final int port, final boolean binary) throws Exception
    {
        this(port, binary, null, null, 5000);
    }

    /**
     * A client that logs in when {@code user} is not null: SASL PLAIN over the binary protocol, memcached's
     * {@code -Y} authentication over ASCII.
     */
    Folsom(final int port, final boolean binary, final String user, final String password, final long timeoutMs)
        throws Exception
    {
        this.port = port;
        this.timeoutMs = timeoutMs;
        final MemcacheClientBuilder<byte[]> builder = MemcacheClientBuilder.newByteArrayClient()
            .withAddress("127.0.0.1", port)
            .withConnections(1)
            .withConnectionTimeoutMillis(timeoutMs)
            .withRetry(false)
            // large enough that a value over memcached's limit reaches the server
            .withMaxSetLength(4 << 20);
        if (user != null)
        {
            builder.withUsernamePassword(user, password);
        }
        if (binary)
        {
            this.binary = builder.connectBinary();
            this.ascii = null;
            this.client = this.binary;
        }
        else
        {
            this.ascii = builder.connectAscii();
            this.binary = null;
            this.client = ascii;
        }
        client.awaitConnected(timeoutMs, TimeUnit.MILLISECONDS);
    }

    public String name()
    {
        return "folsom " + (binary != null ? "binary" : "ascii");
    }

    public Set<Feature> features()
    {
        return binary != null ? EnumSet.allOf(Feature.class) : EnumSet.of(Feature.TOUCH, Feature.CONCURRENT);
    }

    public boolean set(final String key, final byte[] value, final int exptime)
    {
        return stored(await(client.set(key, value, exptime)));
    }

    public boolean add(final String key, final byte[] value, final int exptime)
    {
        return stored(await(client.add(key, value, exptime)));
    }

    public boolean replace(final String key, final byte[] value, final int exptime)
    {
        return stored(await(client.replace(key, value, exptime)));
    }

    public boolean append(final String key, final byte[] value)
    {
        return stored(await(client.append(key, value)));
    }

    public boolean prepend(final String key, final byte[] value)
    {
        return stored(await(client.prepend(key, value)));
    }

    public byte[] get(final String key)
    {
        return await(client.get(key));
    }

    public Map<String, byte[]> getMulti(final List<String> keys)
    {
        final List<byte[]> values = await(client.get(keys));
        final Map<String, byte[]> hits = new HashMap<>();
        for (int i = 0; i < keys.size(); i++)
        {
            if (values.get(i) != null)
            {
                hits.put(keys.get(i), values.get(i));
            }
        }
        return hits;
    }

    public Versioned gets(final String key)
    {
        final GetResult<byte[]> v = await(client.casGet(key));
        return v == null ? null : new Versioned(v.getValue(), v.getCas());
    }

    public CasOutcome cas(final String key, final byte[] value, final long cas)
    {
        final MemcacheStatus status = await(client.set(key, value, 0, cas));
        return switch (status)
        {
            case OK -> CasOutcome.STORED;
            case KEY_EXISTS -> CasOutcome.EXISTS;
            case KEY_NOT_FOUND -> CasOutcome.NOT_FOUND;
            default -> throw new ErrorReply("cas: " + status, null);
        };
    }

    public boolean delete(final String key)
    {
        final MemcacheStatus status = await(client.delete(key));
        return switch (status)
        {
            case OK -> true;
            case KEY_NOT_FOUND -> false;
            default -> throw new ErrorReply("delete: " + status, null);
        };
    }

    public Long incr(final String key, final long delta)
    {
        return await(binary != null ? binary.incr(key, delta, 0, 0) : ascii.incr(key, delta));
    }

    public Long decr(final String key, final long delta)
    {
        return await(binary != null ? binary.decr(key, delta, 0, 0) : ascii.decr(key, delta));
    }

    public boolean touch(final String key, final int exptime)
    {
        final MemcacheStatus status = await(client.touch(key, exptime));
        return switch (status)
        {
            case OK -> true;
            case KEY_NOT_FOUND -> false;
            default -> throw new ErrorReply("touch: " + status, null);
        };
    }

    public byte[] gat(final String key, final int exptime)
    {
        return await(binary.getAndTouch(key, exptime));
    }

    public void flushAll()
    {
        final MemcacheStatus status = await(client.flushAll(0));
        if (status != MemcacheStatus.OK)
        {
            throw new ErrorReply("flush_all: " + status, null);
        }
    }

    public void awaitClock(final int seconds)
    {
        Servers.awaitClock(port, seconds);
    }

    public void close()
    {
        client.shutdown();
        try
        {
            client.awaitDisconnected(10, TimeUnit.SECONDS);
        }
        catch (final TimeoutException ex)
        {
            throw new IllegalStateException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean stored(final MemcacheStatus status)
    {
        return switch (status)
        {
            case OK -> true;
            case ITEM_NOT_STORED, KEY_EXISTS, KEY_NOT_FOUND, VALUE_TOO_LARGE -> false;
            default -> throw new ErrorReply("store: " + status, null);
        };
    }

    private <T> T await(final CompletionStage<T> stage)
    {
        try
        {
            return stage.toCompletableFuture().get(2 * timeoutMs, TimeUnit.MILLISECONDS);
        }
        catch (final ExecutionException ex)
        {
            final Throwable cause = ex.getCause();
            if (cause instanceof MemcacheClosedException || cause instanceof MemcacheOverloadedException)
            {
                throw new IllegalStateException(ex);
            }
            throw new ErrorReply(String.valueOf(cause), ex);
        }
        catch (final TimeoutException ex)
        {
            throw new IllegalStateException("no reply within " + 2 * timeoutMs + " ms", ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }
}
