/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.memcached4j.server.TestServers.Client;
import static io.memcached4j.server.TestServers.InProcess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server's hot path allocates nothing per request in steady state: a worker thread's allocated bytes (HotSpot's
 * per-thread counter) do not grow while it serves tens of thousands of pipelined gets and sets in each protocol.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServerAllocationTest
{
    private static final int KEYS = 1_000;
    private static final int BATCH = 100;
    private static final int WARMUP_BATCHES = 400;
    private static final int MEASURED_BATCHES = 1000;
    /**
     * Bytes the worker may allocate over all measured requests (about 0.16 B a request): a deoptimization that runs
     * code in the interpreter for a while, where escape analysis does not apply, may allocate a few kilobytes once
     * (seen: 0 to 3,640 bytes over 101,000 requests); one 16-byte object per request would be 1.6 MB here.
     */
    private static final long ALLOWANCE = 16 * 1024;
    private static final byte[] VALUE = new byte[100];

    static
    {
        Arrays.fill(VALUE, (byte)'v');
    }

    private interface Protocol
    {
        /**
         * One batch: nine gets per set, then a no-op whose reply ends the batch's replies.
         */
        byte[] batch(int first);

        boolean ends(byte[] replies, int length);
    }

    private static final Protocol TEXT = new Protocol()
    {
        public byte[] batch(final int first)
        {
            final StringBuilder sb = new StringBuilder();
            for (int i = 0; i < BATCH; i++)
            {
                final String key = key(first + i);
                if (i % 10 == 0)
                {
                    sb.append("set ").append(key).append(" 0 0 ").append(VALUE.length).append("\r\n")
                        .append(new String(VALUE, StandardCharsets.ISO_8859_1)).append("\r\n");
                }
                else
                {
                    sb.append("get ").append(key).append("\r\n");
                }
            }
            return sb.append("mn\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        }

        public boolean ends(final byte[] replies, final int length)
        {
            return endsWith(replies, length, "MN\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
    };

    private static final Protocol META = new Protocol()
    {
        public byte[] batch(final int first)
        {
            final StringBuilder sb = new StringBuilder();
            for (int i = 0; i < BATCH; i++)
            {
                final String key = key(first + i);
                if (i % 10 == 0)
                {
                    sb.append("ms ").append(key).append(' ').append(VALUE.length).append(" T0 F0\r\n")
                        .append(new String(VALUE, StandardCharsets.ISO_8859_1)).append("\r\n");
                }
                else
                {
                    sb.append("mg ").append(key).append(" v f t c k\r\n");
                }
            }
            return sb.append("mn\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        }

        public boolean ends(final byte[] replies, final int length)
        {
            return endsWith(replies, length, "MN\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
    };

    private static final Protocol BINARY = new Protocol()
    {
        private static final int NOOP_OPAQUE = 0x5EED5EED;

        public byte[] batch(final int first)
        {
            final ByteBuffer b = ByteBuffer.allocate(BATCH * (24 + 8 + 16 + VALUE.length) + 24);
            for (int i = 0; i < BATCH; i++)
            {
                final byte[] key = key(first + i).getBytes(StandardCharsets.ISO_8859_1);
                final boolean set = i % 10 == 0;
                final int extras = set ? 8 : 0;
                final int body = extras + key.length + (set ? VALUE.length : 0);
                b.put((byte)0x80).put((byte)(set ? 0x01 : 0x00)).putShort((short)key.length).put((byte)extras)
                    .put((byte)0).putShort((short)0).putInt(body).putInt(i).putLong(0);
                if (set)
                {
                    b.putInt(0).putInt(0);
                }
                b.put(key);
                if (set)
                {
                    b.put(VALUE);
                }
            }
            b.put((byte)0x80).put((byte)0x0A).putShort((short)0).put((byte)0).put((byte)0).putShort((short)0)
                .putInt(0).putInt(NOOP_OPAQUE).putLong(0);
            return Arrays.copyOf(b.array(), b.position());
        }

        public boolean ends(final byte[] replies, final int length)
        {
            if (length < 24)
            {
                return false;
            }
            final ByteBuffer last = ByteBuffer.wrap(replies, length - 24, 24);
            return last.get(length - 24) == (byte)0x81 && last.get(length - 23) == 0x0A &&
                last.getInt(length - 12) == NOOP_OPAQUE;
        }
    };

    static String key(final int i)
    {
        return String.format("key:%010d", i % KEYS);
    }

    static boolean endsWith(final byte[] bytes, final int length, final byte[] suffix)
    {
        if (length < suffix.length)
        {
            return false;
        }
        return Arrays.equals(bytes, length - suffix.length, length, suffix, 0, suffix.length);
    }

    @Test
    void shouldAllocateNothingPerTextRequest() throws Exception
    {
        measure(TEXT, "text");
    }

    @Test
    void shouldAllocateNothingPerMetaRequest() throws Exception
    {
        measure(META, "meta");
    }

    @Test
    void shouldAllocateNothingPerBinaryRequest() throws Exception
    {
        measure(BINARY, "binary");
    }

    private static void measure(final Protocol protocol, final String name) throws Exception
    {
        final com.sun.management.ThreadMXBean threads = threadBean();
        try (InProcess server = new InProcess("-t", "1", "-m", "64"); Client client = server.client())
        {
            try (Client loader = server.client())
            {
                for (int i = 0; i < KEYS; i++)
                {
                    loader.send("set " + key(i) + " 0 0 " + VALUE.length + "\r\n" +
                        new String(VALUE, StandardCharsets.ISO_8859_1) + "\r\n");
                    assertEquals("STORED\r\n", loader.readUntil("\r\n"));
                }
            }
            final byte[][] batches = new byte[KEYS / BATCH][];
            for (int i = 0; i < batches.length; i++)
            {
                batches[i] = protocol.batch(i * BATCH);
            }
            final byte[] replies = new byte[1 << 20];
            for (int i = 0; i < WARMUP_BATCHES; i++)
            {
                exchange(client, protocol, batches[i % batches.length], replies);
            }
            final List<Thread> workers = server.server.workerThreads();
            assertEquals(1, workers.size());
            final long worker = workers.get(0).getId();
            final long before = threads.getThreadAllocatedBytes(worker);
            for (int i = 0; i < MEASURED_BATCHES; i++)
            {
                exchange(client, protocol, batches[i % batches.length], replies);
            }
            final long allocated = threads.getThreadAllocatedBytes(worker) - before;
            final long requests = (long)MEASURED_BATCHES * (BATCH + 1);
            assertTrue(allocated <= ALLOWANCE, () -> name + ": the worker allocated " + allocated + " bytes over " +
                requests + " requests (" + (double)allocated / requests + " B/request)");
        }
    }

    private static void exchange(final Client client, final Protocol protocol, final byte[] batch,
        final byte[] replies) throws IOException
    {
        client.send(batch);
        int length = 0;
        while (!protocol.ends(replies, length))
        {
            final int n = client.in.read(replies, length, replies.length - length);
            assertTrue(n > 0, "connection closed");
            length += n;
        }
        assertTrue(length > BATCH * 10, "every request answered");
    }

    private static com.sun.management.ThreadMXBean threadBean()
    {
        final java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "HotSpot's thread allocation counter");
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)bean;
        threads.setThreadAllocatedMemoryEnabled(true);
        return threads;
    }
}
