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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

import net.rubyeye.xmemcached.GetsResponse;
import net.rubyeye.xmemcached.MemcachedClient;
import net.rubyeye.xmemcached.XMemcachedClientBuilder;
import net.rubyeye.xmemcached.auth.AuthInfo;
import net.rubyeye.xmemcached.command.BinaryCommandFactory;
import net.rubyeye.xmemcached.command.TextCommandFactory;
import net.rubyeye.xmemcached.exception.MemcachedException;
import net.rubyeye.xmemcached.transcoders.CachedData;
import net.rubyeye.xmemcached.transcoders.CompressionMode;
import net.rubyeye.xmemcached.transcoders.Transcoder;

/**
 * xmemcached 2.4 with its text or its binary command factory.
 */
final class Xmemcached implements Memcache
{
    private final int port;
    private final boolean binary;
    private final long timeoutMs;
    private final MemcachedClient client;

    Xmemcached(final int port, final boolean binary) throws IOException
    {
        this(port, binary, null, null, 5000);
    }

    /**
     * A client that logs in with SASL PLAIN (binary protocol) when {@code user} is not null.
     */
    Xmemcached(final int port, final boolean binary, final String user, final String password, final long timeoutMs)
        throws IOException
    {
        this.port = port;
        this.timeoutMs = timeoutMs;
        this.binary = binary;
        final InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        final XMemcachedClientBuilder builder = new XMemcachedClientBuilder(List.of(address));
        builder.setCommandFactory(binary ? new BinaryCommandFactory() : new TextCommandFactory());
        builder.setTranscoder(new RawTranscoder());
        builder.setConnectTimeout(5000);
        builder.setOpTimeout(timeoutMs);
        builder.setConnectionPoolSize(1);
        if (user != null)
        {
            builder.addAuthInfo(address, AuthInfo.plain(user, password));
            // xmemcached looks the login up by the host name of the connection, which it sees as localhost
            builder.addAuthInfo(InetSocketAddress.createUnresolved("localhost", port), AuthInfo.plain(user, password));
        }
        client = builder.build();
        if (user != null)
        {
            awaitLogin();
        }
    }

    /**
     * xmemcached logs in on a thread of its own after connecting: wait until a get is allowed, or the timeout passes
     * (a wrong password).
     */
    private void awaitLogin()
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline)
        {
            try
            {
                client.get("login-probe");
                return;
            }
            catch (final MemcachedException | TimeoutException ex)
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    public String name()
    {
        return "xmemcached " + (binary ? "binary" : "text");
    }

    public Set<Feature> features()
    {
        // the text command factory has no gat
        return binary ? EnumSet.allOf(Feature.class) : EnumSet.of(Feature.TOUCH, Feature.CONCURRENT);
    }

    public boolean set(final String key, final byte[] value, final int exptime)
    {
        return call(() -> client.set(key, exptime, value));
    }

    public boolean add(final String key, final byte[] value, final int exptime)
    {
        return call(() -> client.add(key, exptime, value));
    }

    public boolean replace(final String key, final byte[] value, final int exptime)
    {
        return call(() -> client.replace(key, exptime, value));
    }

    public boolean append(final String key, final byte[] value)
    {
        return call(() -> client.append(key, value));
    }

    public boolean prepend(final String key, final byte[] value)
    {
        return call(() -> client.prepend(key, value));
    }

    public byte[] get(final String key)
    {
        return call(() -> client.get(key));
    }

    public Map<String, byte[]> getMulti(final List<String> keys)
    {
        return call(() -> client.get(keys));
    }

    public Versioned gets(final String key)
    {
        final GetsResponse<byte[]> v = call(() -> client.gets(key));
        return v == null ? null : new Versioned(v.getValue(), v.getCas());
    }

    public CasOutcome cas(final String key, final byte[] value, final long cas)
    {
        // true or false: xmemcached does not tell EXISTS from NOT_FOUND
        return call(() -> client.cas(key, 0, value, cas)) ? CasOutcome.STORED : CasOutcome.REFUSED;
    }

    public boolean delete(final String key)
    {
        return call(() -> client.delete(key));
    }

    public Long incr(final String key, final long delta)
    {
        return call(() -> client.incr(key, delta));
    }

    public Long decr(final String key, final long delta)
    {
        return call(() -> client.decr(key, delta));
    }

    public boolean touch(final String key, final int exptime)
    {
        return call(() -> client.touch(key, exptime));
    }

    public byte[] gat(final String key, final int exptime)
    {
        return call(() -> client.getAndTouch(key, exptime));
    }

    public void flushAll()
    {
        call(() ->
        {
            client.flushAll();
            return null;
        });
    }

    public void awaitClock(final int seconds)
    {
        Servers.awaitClock(port, seconds);
    }

    public void close()
    {
        try
        {
            client.shutdown();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private interface Call<T>
    {
        T run() throws TimeoutException, InterruptedException, MemcachedException;
    }

    private <T> T call(final Call<T> call)
    {
        try
        {
            return call.run();
        }
        catch (final MemcachedException ex)
        {
            throw new ErrorReply(ex.getMessage(), ex);
        }
        catch (final TimeoutException ex)
        {
            throw new IllegalStateException("no reply within " + timeoutMs + " ms", ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Values as they are, flags 0, never compressed.
     */
    private static final class RawTranscoder implements Transcoder<byte[]>
    {
        public CachedData encode(final byte[] value)
        {
            // its capacity is the value's length: xmemcached would refuse more than 1 MiB before the server sees it
            return new CachedData(0, value, value.length, 0);
        }

        public byte[] decode(final CachedData data)
        {
            return data.getData();
        }

        public void setPrimitiveAsString(final boolean primitiveAsString)
        {
        }

        public void setPackZeros(final boolean packZeros)
        {
        }

        public void setCompressionThreshold(final int threshold)
        {
        }

        public boolean isPrimitiveAsString()
        {
            return false;
        }

        public boolean isPackZeros()
        {
            return false;
        }

        public void setCompressionMode(final CompressionMode mode)
        {
        }
    }
}
