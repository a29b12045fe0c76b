/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server.clients;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

import net.spy.memcached.CASResponse;
import net.spy.memcached.CASValue;
import net.spy.memcached.CachedData;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.FailureMode;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.auth.AuthDescriptor;
import net.spy.memcached.auth.PlainCallbackHandler;
import net.spy.memcached.ops.OperationException;
import net.spy.memcached.transcoders.Transcoder;

/**
 * spymemcached 2.12 with its ASCII or its binary connection factory.
 */
final class Spymemcached implements Memcache
{
    private static final Logger SPY_LOG;

    static
    {
        // spymemcached logs through java.util.logging with this, and only its errors are wanted
        System.setProperty("net.spy.log.LoggerImpl", "net.spy.memcached.compat.log.SunLogger");
        SPY_LOG = Logger.getLogger("net.spy.memcached");
        SPY_LOG.setLevel(Level.SEVERE);
    }

    /** Values as they are, flags 0; large enough that a value over memcached's limit reaches the server. */
    private static final Transcoder<byte[]> RAW = new Transcoder<>()
    {
        public boolean asyncDecode(final CachedData data)
        {
            return false;
        }

        public CachedData encode(final byte[] value)
        {
            return new CachedData(0, value, getMaxSize());
        }

        public byte[] decode(final CachedData data)
        {
            return data.getData();
        }

        public int getMaxSize()
        {
            return 4 << 20;
        }
    };

    private final int port;
    private final boolean binary;
    private final long timeoutMs;
    private final MemcachedClient client;

    Spymemcached(final int port, final boolean binary) throws IOException
    {
        this(port, binary, null, null, 5000);
    }

    /**
     * A client that logs in with SASL PLAIN (binary protocol) when {@code user} is not null.
     */
    Spymemcached(final int port, final boolean binary, final String user, final String password,
        final long timeoutMs) throws IOException
    {
        this.port = port;
        this.binary = binary;
        this.timeoutMs = timeoutMs;
        final ConnectionFactoryBuilder builder = new ConnectionFactoryBuilder()
            .setProtocol(binary ? ConnectionFactoryBuilder.Protocol.BINARY : ConnectionFactoryBuilder.Protocol.TEXT)
            .setOpTimeout(timeoutMs)
            .setDaemon(true)
            .setFailureMode(FailureMode.Retry);
        if (user != null)
        {
            builder.setAuthDescriptor(new AuthDescriptor(new String[] {"PLAIN"},
                new PlainCallbackHandler(user, password))).setAuthWaitTime(timeoutMs);
        }
        client = new MemcachedClient(builder.build(), List.of(new InetSocketAddress("127.0.0.1", port)));
    }

    public String name()
    {
        return "spymemcached " + (binary ? "binary" : "ascii");
    }

    public Set<Feature> features()
    {
        // the ASCII factory has no gat
        return binary ? EnumSet.allOf(Feature.class) : EnumSet.of(Feature.TOUCH, Feature.CONCURRENT);
    }

    public boolean set(final String key, final byte[] value, final int exptime)
    {
        return await(client.set(key, exptime, value, RAW));
    }

    public boolean add(final String key, final byte[] value, final int exptime)
    {
        return await(client.add(key, exptime, value, RAW));
    }

    public boolean replace(final String key, final byte[] value, final int exptime)
    {
        return await(client.replace(key, exptime, value, RAW));
    }

    public boolean append(final String key, final byte[] value)
    {
        return await(client.append(key, value, RAW));
    }

    public boolean prepend(final String key, final byte[] value)
    {
        return await(client.prepend(key, value, RAW));
    }

    public byte[] get(final String key)
    {
        return await(client.asyncGet(key, RAW));
    }

    public Map<String, byte[]> getMulti(final List<String> keys)
    {
        return await(client.asyncGetBulk(keys, RAW));
    }

    public Versioned gets(final String key)
    {
        final CASValue<byte[]> v = await(client.asyncGets(key, RAW));
        return v == null ? null : new Versioned(v.getValue(), v.getCas());
    }

    public CasOutcome cas(final String key, final byte[] value, final long cas)
    {
        final CASResponse response = await(client.asyncCAS(key, cas, value, RAW));
        return switch (response)
        {
            case OK -> CasOutcome.STORED;
            case EXISTS -> CasOutcome.EXISTS;
            case NOT_FOUND -> CasOutcome.NOT_FOUND;
            default -> throw new IllegalStateException("cas: " + response);
        };
    }

    public boolean delete(final String key)
    {
        return await(client.delete(key));
    }

    public Long incr(final String key, final long delta)
    {
        final long value = await(client.asyncIncr(key, delta));
        return value == -1 ? null : value;
    }

    public Long decr(final String key, final long delta)
    {
        final long value = await(client.asyncDecr(key, delta));
        return value == -1 ? null : value;
    }

    public boolean touch(final String key, final int exptime)
    {
        return await(client.touch(key, exptime));
    }

    public byte[] gat(final String key, final int exptime)
    {
        final CASValue<byte[]> v = await(client.asyncGetAndTouch(key, exptime, RAW));
        return v == null ? null : v.getValue();
    }

    public void flushAll()
    {
        if (!await(client.flush()))
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
        client.shutdown(timeoutMs, TimeUnit.MILLISECONDS);
    }

    private <T> T await(final Future<T> future)
    {
        try
        {
            return future.get(timeoutMs + 250, TimeUnit.MILLISECONDS);
        }
        catch (final ExecutionException ex)
        {
            if (ex.getCause() instanceof OperationException)
            {
                throw new ErrorReply(ex.getCause().getMessage(), ex);
            }
            throw new IllegalStateException(ex);
        }
        catch (final TimeoutException ex)
        {
            throw new IllegalStateException("no reply within " + (timeoutMs + 250) + " ms", ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }
}
