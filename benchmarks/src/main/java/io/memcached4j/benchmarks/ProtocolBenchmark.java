/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.benchmarks;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.memcached4j.core.MemcachedCache;
import io.memcached4j.protocol.BufferPool;
import io.memcached4j.protocol.ServerSettings;
import io.memcached4j.protocol.ServerState;
import io.memcached4j.protocol.Session;
import io.memcached4j.protocol.SessionHost;

/**
 * One command through a {@link Session}: decode, execute against the engine, encode the reply, and hand the reply to
 * the driver (its bytes are marked sent, as a network write would). Text {@code get} (hit), {@code set}, a 100-key
 * multi-get, their meta equivalents ({@code mg ... v}, {@code ms}) and binary {@code GET}/{@code SET}; the engine's
 * own zero-allocation get of the same keys runs in the same trial as the anchor, so the protocol's cost shows as the
 * ratio between the two.
 * <p>
 * 100,000 keys of 16 bytes ({@code key:%012d}) with 100-byte values, preloaded; each thread has its own session and
 * 4,096 requests prepared in a direct buffer, used in turn, keys drawn uniformly. The measured methods allocate
 * nothing of their own; run with {@code -prof gc} to see what the session and engine allocate per command.
 * <p>
 * Run: {@code java -jar benchmarks/target/benchmarks.jar Protocol -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:MaxDirectMemorySize=1g"})
public class ProtocolBenchmark
{
    static final int KEYS = 100_000;
    static final int VALUE_LENGTH = 100;
    static final int REQUESTS = 4096;
    static final int MULTI_GET_KEYS = 100;

    MemcachedCache cache;
    ServerState server;

    /**
     * Build and fill the cache.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        cache = MemcachedCache.builder().memoryLimit(256L << 20).build();
        server = new ServerState(cache, ServerSettings.defaults());
        final byte[] value = value();
        for (int i = 0; i < KEYS; i++)
        {
            cache.set(key(i), value, 0, 0);
        }
    }

    /**
     * Close the cache.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        cache.close();
    }

    static String keyText(final int i)
    {
        return String.format("key:%012d", i);
    }

    static byte[] key(final int i)
    {
        return keyText(i).getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] value()
    {
        final byte[] value = new byte[VALUE_LENGTH];
        for (int i = 0; i < value.length; i++)
        {
            value[i] = (byte)('a' + i % 26);
        }
        return value;
    }

    /**
     * A session and its prepared requests, one per thread.
     */
    @State(Scope.Thread)
    public static class Client
    {
        Session session;
        ByteBuffer requests;
        int[] starts;
        int[] ends;
        int next;
        ByteBuffer engineKeys;
        ByteBuffer engineValue;

        void prepare(final ProtocolBenchmark benchmark, final RequestMaker maker)
        {
            session = new Session(benchmark.server, SessionHost.inMemory(1), new BufferPool(1));
            final java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            starts = new int[REQUESTS];
            ends = new int[REQUESTS];
            final ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int r = 0; r < REQUESTS; r++)
            {
                starts[r] = all.size();
                final byte[] request = maker.make(random);
                all.write(request, 0, request.length);
                ends[r] = all.size();
            }
            final byte[] bytes = all.toByteArray();
            requests = ByteBuffer.allocateDirect(bytes.length).put(bytes);
            engineKeys = ByteBuffer.allocateDirect(16 * REQUESTS);
            for (int r = 0; r < REQUESTS; r++)
            {
                engineKeys.put(key(random.nextInt(KEYS)));
            }
            engineValue = ByteBuffer.allocateDirect(VALUE_LENGTH * 2);
        }

        /**
         * Close this thread's session.
         */
        @TearDown(Level.Trial)
        public void close()
        {
            if (session != null)
            {
                session.close();
            }
        }

        /**
         * Run the next prepared request through the session and send its reply.
         *
         * @return reply bytes, for the blackhole.
         */
        int run()
        {
            final int r = next;
            next = (r + 1) & (REQUESTS - 1);
            final ByteBuffer in = requests;
            in.limit(in.capacity()).position(starts[r]).limit(ends[r]);
            final Session.Status status = session.process(in);
            if (status != Session.Status.NEED_INPUT || in.hasRemaining())
            {
                throw new IllegalStateException("request " + r + " left " + status + " with " + in.remaining() +
                    " bytes unread");
            }
            final ByteBuffer out = session.output();
            final int sent = out.remaining();
            out.position(out.limit());
            session.outputSent();
            return sent;
        }

        int engineGet(final MemcachedCache cache)
        {
            final int r = next;
            next = (r + 1) & (REQUESTS - 1);
            final ByteBuffer keys = engineKeys;
            keys.limit(keys.capacity()).position(r * 16).limit(r * 16 + 16);
            engineValue.clear();
            return cache.get(keys, engineValue);
        }
    }

    /**
     * Makes one request.
     */
    @FunctionalInterface
    interface RequestMaker
    {
        byte[] make(ThreadLocalRandom random);
    }

    static byte[] ascii(final String s)
    {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] withValue(final String line)
    {
        final byte[] head = ascii(line);
        final byte[] value = value();
        final byte[] request = new byte[head.length + value.length + 2];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(value, 0, request, head.length, value.length);
        request[request.length - 2] = '\r';
        request[request.length - 1] = '\n';
        return request;
    }

    static byte[] binary(final int opcode, final byte[] key, final int extrasLength, final byte[] value)
    {
        final int valueLength = value == null ? 0 : value.length;
        final ByteBuffer b = ByteBuffer.allocate(24 + extrasLength + key.length + valueLength)
            .order(ByteOrder.BIG_ENDIAN);
        b.put((byte)0x80).put((byte)opcode).putShort((short)key.length).put((byte)extrasLength).put((byte)0)
            .putShort((short)0).putInt(extrasLength + key.length + valueLength).putInt(0).putLong(0);
        for (int i = 0; i < extrasLength; i++)
        {
            b.put((byte)0);
        }
        b.put(key);
        if (value != null)
        {
            b.put(value);
        }
        return b.array();
    }

    /** Text {@code get} state. */
    @State(Scope.Thread)
    public static class TextGet extends Client
    {
        /**
         * Prepare this thread's session and requests.
         *
         * @param benchmark the shared cache.
         */
        @Setup(Level.Trial)
        public void setUp(final ProtocolBenchmark benchmark)
        {
            prepare(benchmark, random -> ascii("get " + keyText(random.nextInt(KEYS)) + "\r\n"));
        }
    }

    /** Text {@code set} state. */
    @State(Scope.Thread)
    public static class TextSet extends Client
    {
        /**
         * Prepare this thread's session and requests.
         *
         * @param benchmark the shared cache.
         */
        @Setup(Level.Trial)
        public void setUp(final ProtocolBenchmark benchmark)
        {
            prepare(benchmark, random -> withValue("set " + keyText(random.nextInt(KEYS)) + " 0 0 " + VALUE_LENGTH +
                "\r\n"));
        }
    }

    /** Text 100-key multi-get state. */
    @State(Scope.Thread)
    public static class TextMultiGet extends Client
    {
        /**
         * Prepare this thread's session and requests.
         *
         * @param benchmark the shared cache.
         */
        @Setup(Level.Trial)
        public void setUp(final ProtocolBenchmark benchmark)
        {
            prepare(benchmark, random ->
            {
                final StringBuilder sb = new StringBuilder("get");
                for (int k = 0; k < MULTI_GET_KEYS; k++)
                {
                    sb.append(' ').append(keyText(random.nextInt(KEYS)));
                }
                return ascii(sb.append("\r\n").toString());
            });
        }
    }

    /** Meta {@code mg <key> v f} state. */
    @State(Scope.Thread)
    public static class MetaGet extends Client
    {
        /**
         * Prepare this thread's session and requests.
         *
         * @param benchmark the shared cache.
         */
        @Setup(Level.Trial)
        public void setUp(final ProtocolBenchmark benchmark)
        {
            prepare(benchmark, random -> ascii("mg " + keyText(random.nextInt(KEYS)) + " v f\r\n"));
        }
    }

    /** Meta {@code ms} state. */
    @State(Scope.Thread)
    public static class MetaSet extends Client
    {
        /**
         * Prepare this thread's session and requests.
         *
         * @param benchmark the shared cache.
         */
        @Setup(Level.Trial)
        public void setUp(final ProtocolBenchmark benchmark)
        {
            prepare(benchmark, random -> withValue("ms " + keyText(random.nextInt(KEYS)) + " " + VALUE_LENGTH +
                "\r\n"));
        }
    }

    /** Binary GET state (every connection's first byte decides its protocol: each session here is binary). */
    @State(Scope.Thread)
    public static class BinaryGet extends Client
    {
        /**
         * Prepare this thread's session and requests.
         *
         * @param benchmark the shared cache.
         */
        @Setup(Level.Trial)
        public void setUp(final ProtocolBenchmark benchmark)
        {
            prepare(benchmark, random -> binary(0x00, key(random.nextInt(KEYS)), 0, null));
        }
    }

    /** Binary SET state. */
    @State(Scope.Thread)
    public static class BinarySet extends Client
    {
        /**
         * Prepare this thread's session and requests.
         *
         * @param benchmark the shared cache.
         */
        @Setup(Level.Trial)
        public void setUp(final ProtocolBenchmark benchmark)
        {
            prepare(benchmark, random -> binary(0x01, key(random.nextInt(KEYS)), 8, value()));
        }
    }

    /** The engine's own get, the anchor. */
    @State(Scope.Thread)
    public static class Engine extends Client
    {
        /**
         * Prepare this thread's session and requests.
         *
         * @param benchmark the shared cache.
         */
        @Setup(Level.Trial)
        public void setUp(final ProtocolBenchmark benchmark)
        {
            prepare(benchmark, random -> ascii("version\r\n"));
        }
    }

    /**
     * Anchor: the engine's zero-allocation get of a random stored key, no protocol.
     *
     * @param client the thread's state.
     * @return the value length.
     */
    @Benchmark
    public int engineGet(final Engine client)
    {
        return client.engineGet(cache);
    }

    /**
     * {@code get <key>} (hit).
     *
     * @param client the thread's state.
     * @return reply bytes.
     */
    @Benchmark
    public int textGet(final TextGet client)
    {
        return client.run();
    }

    /**
     * {@code set <key> 0 0 100} of a stored key.
     *
     * @param client the thread's state.
     * @return reply bytes.
     */
    @Benchmark
    public int textSet(final TextSet client)
    {
        return client.run();
    }

    /**
     * {@code get} of 100 stored keys in one line.
     *
     * @param client the thread's state.
     * @return reply bytes.
     */
    @Benchmark
    public int textMultiGet100(final TextMultiGet client)
    {
        return client.run();
    }

    /**
     * {@code mg <key> v f} (hit).
     *
     * @param client the thread's state.
     * @return reply bytes.
     */
    @Benchmark
    public int metaGet(final MetaGet client)
    {
        return client.run();
    }

    /**
     * {@code ms <key> 100} of a stored key.
     *
     * @param client the thread's state.
     * @return reply bytes.
     */
    @Benchmark
    public int metaSet(final MetaSet client)
    {
        return client.run();
    }

    /**
     * Binary GET (hit).
     *
     * @param client the thread's state.
     * @return reply bytes.
     */
    @Benchmark
    public int binaryGet(final BinaryGet client)
    {
        return client.run();
    }

    /**
     * Binary SET of a stored key.
     *
     * @param client the thread's state.
     * @return reply bytes.
     */
    @Benchmark
    public int binarySet(final BinarySet client)
    {
        return client.run();
    }
}
