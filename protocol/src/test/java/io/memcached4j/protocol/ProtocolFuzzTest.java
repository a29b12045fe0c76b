/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Seeded, time-bounded fuzzing of the decoders, and the hostile clients the design names. Every conversation runs
 * through {@link SessionDriver}, which fails on an exception the session caught ({@code internal error}), on a session
 * that stalls with a full input buffer, and checks the store's structures when it closes. Memory: a session holds at
 * most one output buffer of {@link Output#CAPACITY} bytes besides the driver's input buffer of
 * {@link Session#MIN_INPUT_CAPACITY}; the tests check that the pool never had to allocate a second buffer and that
 * {@link Session#output()} never held more than the capacity.
 * <p>
 * Seed: {@code -Dfuzz.seed=<n>} (printed); duration {@code -Dfuzz.seconds} (default 4).
 */
class ProtocolFuzzTest
{
    private final long seed = Long.getLong("fuzz.seed", System.nanoTime());
    private final Random rnd = new Random(seed);

    @Test
    void shouldSurviveRandomAndMutatedInput() throws Exception
    {
        System.out.println("ProtocolFuzzTest seed " + seed + " (-Dfuzz.seed=" + seed + ")");
        final List<byte[]> corpus = new ArrayList<>();
        for (final TranscriptReplayTest.TranscriptCase c : TranscriptReplayTest.cases())
        {
            if (c.input().length <= 16 * 1024)
            {
                corpus.add(c.input());
            }
        }
        assertFalse(corpus.isEmpty());
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Integer.getInteger("fuzz.seconds", 4));
        final String[] configurations = {"", "-C", "-M -m 2", "-B binary", "-I 2m"};
        final long[] runs = new long[5];
        long conversations = 0;
        long bytes = 0;
        for (int round = 0; System.nanoTime() < deadline; round++)
        {
            final String args = configurations[round % configurations.length];
            try (SessionDriver driver = SessionDriver.create(args))
            {
                for (int i = 0; i < 200 && System.nanoTime() < deadline; i++)
                {
                    final int kind = rnd.nextInt(runs.length);
                    runs[kind]++;
                    final byte[] input = input(kind, corpus);
                    final SessionDriver.Chunker chunker = input.length < 3000 && rnd.nextInt(4) == 0 ?
                        SessionDriver.byteByByte() : rnd.nextBoolean() ? SessionDriver.whole() :
                        SessionDriver.random(rnd.nextLong());
                    final SessionDriver.Chunker output = rnd.nextBoolean() ? null :
                        SessionDriver.random(rnd.nextLong());
                    final SessionDriver.Result result;
                    try
                    {
                        result = driver.converse(input, chunker, output);
                    }
                    catch (final AssertionError ex)
                    {
                        throw new AssertionError("seed " + seed + ", args \"" + args + "\", input " +
                            TranscriptReplayTest.clip(input, 0, input.length) + ": " + ex.getMessage(), ex);
                    }
                    conversations++;
                    bytes += input.length;
                    assertTrue(result.maxOutputPending() <= Output.CAPACITY, "output held " +
                        result.maxOutputPending() + " bytes");
                    assertTrue(driver.outputBuffersAllocated() <= 1, "seed " + seed + ": the pool allocated " +
                        driver.outputBuffersAllocated() + " output buffers for sessions that ran one at a time");
                    if (i % 50 == 49)
                    {
                        driver.checkStructure();
                    }
                }
            }
        }
        System.out.println("ProtocolFuzzTest seed " + seed + ": " + conversations + " conversations, " + bytes +
            " bytes (random text " + runs[0] + ", mutated transcripts " + runs[1] + ", binary frames " + runs[2] +
            ", spliced transcripts " + runs[3] + ", random bytes " + runs[4] + ")");
    }

    private byte[] input(final int kind, final List<byte[]> corpus)
    {
        switch (kind)
        {
            case 0:
                return randomText();
            case 1:
                return mutate(corpus.get(rnd.nextInt(corpus.size())));
            case 2:
                return binaryFrames();
            case 3:
            {
                final ByteArrayOutputStream out = new ByteArrayOutputStream();
                for (int i = 1 + rnd.nextInt(4); i > 0; i--)
                {
                    final byte[] c = corpus.get(rnd.nextInt(corpus.size()));
                    final int from = rnd.nextInt(c.length);
                    out.write(c, from, rnd.nextInt(c.length - from + 1));
                }
                return mutate(out.toByteArray());
            }
            default:
            {
                final byte[] b = new byte[rnd.nextInt(rnd.nextBoolean() ? 64 : 6000)];
                rnd.nextBytes(b);
                return b;
            }
        }
    }

    private static final String[] WORDS = {"set", "add", "replace", "append", "prepend", "cas", "get", "gets", "gat",
        "gats", "touch", "delete", "incr", "decr", "mg", "ms", "md", "ma", "mn", "me", "flush_all", "version",
        "verbosity", "stats", "noreply", "k", "key", "0", "1", "-1", "4294967296", "18446744073709551616", "abc",
        "v", "T10", "N5", "C1", "O123", "q", "b", "k", "c", "t", "f", "s", "MS", "MA", "MI", "D5", "J1", "\r\n",
        "\n", "\r", " ", "  ", "\0", "x".repeat(251), "x".repeat(250), "lru_crawler", "metadump", "all", "slabs",
        "cache_memlimit", "misbehave", "bget", "quit"};

    private byte[] randomText()
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = rnd.nextInt(60); i > 0; i--)
        {
            final String w = WORDS[rnd.nextInt(WORDS.length)];
            if ("quit".equals(w) && rnd.nextInt(4) != 0)
            {
                continue;
            }
            sb.append(w);
            if (rnd.nextInt(3) != 0)
            {
                sb.append(rnd.nextInt(5) == 0 ? "\r\n" : " ");
            }
        }
        return sb.toString().getBytes(ISO_8859_1);
    }

    private byte[] mutate(final byte[] original)
    {
        byte[] b = original.clone();
        for (int n = 1 + rnd.nextInt(6); n > 0; n--)
        {
            if (b.length == 0)
            {
                b = new byte[] {(byte)rnd.nextInt(256)};
            }
            final int at = rnd.nextInt(b.length);
            switch (rnd.nextInt(6))
            {
                case 0:
                    b[at] = (byte)rnd.nextInt(256);
                    break;
                case 1:
                    b[at] = (byte)" \r\n0123456789-x".charAt(rnd.nextInt(15));
                    break;
                case 2:
                    b = concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, Math.min(b.length, at + 1 +
                        rnd.nextInt(8)), b.length));
                    break;
                case 3:
                {
                    final byte[] insert = WORDS[rnd.nextInt(WORDS.length)].getBytes(ISO_8859_1);
                    b = concat(concat(Arrays.copyOf(b, at), insert), Arrays.copyOfRange(b, at, b.length));
                    break;
                }
                case 4:
                {
                    final int len = Math.min(b.length - at, 1 + rnd.nextInt(64));
                    b = concat(concat(Arrays.copyOf(b, at + len), Arrays.copyOfRange(b, at, at + len)),
                        Arrays.copyOfRange(b, at + len, b.length));
                    break;
                }
                default:
                    b = Arrays.copyOf(b, at);
            }
        }
        return b;
    }

    private static final int[] OPCODES = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
        0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
        0x1e, 0x20, 0x21, 0x22, 0x23, 0x24};

    private byte[] binaryFrames()
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int f = 1 + rnd.nextInt(8); f > 0; f--)
        {
            final int opcode = rnd.nextInt(10) == 0 ? rnd.nextInt(256) : OPCODES[rnd.nextInt(OPCODES.length)];
            final int extlen = rnd.nextInt(3) == 0 ? rnd.nextInt(32) : new int[] {0, 4, 8, 20}[rnd.nextInt(4)];
            final int keylen = rnd.nextInt(10) == 0 ? 200 + rnd.nextInt(100) : rnd.nextInt(12);
            final int valuelen = rnd.nextInt(4) == 0 ? rnd.nextInt(3000) : rnd.nextInt(20);
            long bodylen = extlen + keylen + valuelen;
            if (rnd.nextInt(8) == 0)
            {
                bodylen = rnd.nextInt(5) == 0 ? rnd.nextInt() & 0xFFFFFFFFL : rnd.nextInt(400);
            }
            out.write(rnd.nextInt(20) == 0 ? rnd.nextInt(256) : 0x80);
            out.write(opcode);
            out.write(keylen >> 8);
            out.write(keylen);
            out.write(extlen);
            out.write(rnd.nextInt(10) == 0 ? rnd.nextInt(256) : 0);
            out.write(rnd.nextInt(256));
            out.write(rnd.nextInt(256));
            for (int i = 3; i >= 0; i--)
            {
                out.write((int)(bodylen >> (8 * i)));
            }
            for (int i = 0; i < 12; i++)
            {
                out.write(rnd.nextInt(4) == 0 ? rnd.nextInt(256) : 0);
            }
            final byte[] body = new byte[(int)Math.min(bodylen, extlen + keylen + valuelen)];
            for (int i = 0; i < body.length; i++)
            {
                body[i] = (byte)(i < extlen ? rnd.nextInt(4) : 'a' + rnd.nextInt(26));
            }
            out.writeBytes(body);
        }
        return out.toByteArray();
    }

    private static byte[] concat(final byte[] a, final byte[] b)
    {
        final byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // hostile clients

    @Test
    void shouldStopConsumingWhenTheClientNeverReads()
    {
        final int gets = 20_000;
        final byte[] value = new byte[1024];
        Arrays.fill(value, (byte)'v');
        final byte[] set = concat(concat("set k 0 0 1024\r\n".getBytes(ISO_8859_1), value), "\r\n".getBytes(
            ISO_8859_1));
        final byte[] pipeline = "get k\r\n".repeat(gets).getBytes(ISO_8859_1);
        try (SessionDriver driver = SessionDriver.create(""))
        {
            final SessionDriver.Connection c = driver.connect();
            c.send(set, SessionDriver.whole());
            assertEquals("STORED\r\n", new String(c.takeReceived(), ISO_8859_1));
            c.reading(false);
            final int read = c.send(pipeline, SessionDriver.whole());
            assertEquals(Session.Status.NEED_OUTPUT, c.lastStatus(), "a session whose output is full must say so");
            final long consumed = c.consumed();
            final int unconsumed = c.unconsumed();
            assertTrue(c.maxOutputPending() <= Output.CAPACITY, "output held " + c.maxOutputPending());
            for (int i = 0; i < 100; i++)
            {
                assertEquals(Session.Status.NEED_OUTPUT, c.poke(), "called again without sending, call " + i);
            }
            assertEquals(consumed, c.consumed(), "the session went on consuming while its output was full");
            assertEquals(unconsumed, c.unconsumed());
            assertTrue(consumed < pipeline.length / 2, "consumed " + consumed + " of " + pipeline.length +
                " bytes without the client reading");
            assertTrue(driver.outputBuffersAllocated() <= 1, "buffers: " + driver.outputBuffersAllocated());
            System.out.println("non-reading client: the session stopped after consuming " + consumed + " of " +
                pipeline.length + " bytes with " + c.maxOutputPending() + " bytes of output pending");

            c.reading(true);
            c.readAll();
            c.send(Arrays.copyOfRange(pipeline, read, pipeline.length), SessionDriver.whole());
            c.halfClose();
            final byte[] one = concat(concat("VALUE k 0 1024\r\n".getBytes(ISO_8859_1), value), "\r\nEND\r\n"
                .getBytes(ISO_8859_1));
            final byte[] got = c.takeReceived();
            assertEquals((long)one.length * gets, got.length, "every get answered once the client reads");
            for (int i = 0; i < gets; i++)
            {
                if (!Arrays.equals(got, i * one.length, (i + 1) * one.length, one, 0, one.length))
                {
                    throw new AssertionError("reply " + i + " differs: " + TranscriptReplayTest.clip(got,
                        i * one.length, (i + 1) * one.length));
                }
            }
            assertTrue(driver.outputBuffersAllocated() <= 1, "buffers: " + driver.outputBuffersAllocated());
        }
    }

    @Test
    void shouldStreamANineMebibyteValueSentAByteAtATime()
    {
        final int size = 9 * 1024 * 1024;
        final byte[] value = new byte[size];
        for (int i = 0; i < size; i++)
        {
            value[i] = (byte)('a' + (i * 31 + (i >> 12)) % 26);
        }
        final byte[] request = concat(concat(("set big 7 0 " + size + "\r\n").getBytes(ISO_8859_1), value),
            "\r\n".getBytes(ISO_8859_1));
        try (SessionDriver driver = SessionDriver.create("-I 10m"))
        {
            final SessionDriver.Connection c = driver.connect();
            final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
            final long before = threads.getCurrentThreadAllocatedBytes();
            final long start = System.nanoTime();
            c.send(request, SessionDriver.byteByByte());
            final long heap = threads.getCurrentThreadAllocatedBytes() - before;
            final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals("STORED\r\n", new String(c.takeReceived(), ISO_8859_1));
            System.out.println("9 MiB value byte by byte: " + c.calls() + " calls in " + millis + " ms, " + heap +
                " bytes of heap allocated meanwhile");
            assertTrue(heap < size / 2, "receiving a " + size + "-byte value allocated " + heap +
                " bytes of heap: values must stream into the cache, not be buffered on the heap");

            c.send("get big\r\n".getBytes(ISO_8859_1), SessionDriver.random(seed));
            final byte[] got = c.takeReceived();
            final byte[] head = ("VALUE big 7 " + size + "\r\n").getBytes(ISO_8859_1);
            assertEquals(head.length + size + 7, got.length, "reply length");
            assertTrue(Arrays.equals(got, 0, head.length, head, 0, head.length), "reply header");
            assertTrue(Arrays.equals(got, head.length, head.length + size, value, 0, size), "value read back");
            assertEquals("\r\nEND\r\n", new String(got, head.length + size, 7, ISO_8859_1));
            assertTrue(c.maxOutputPending() <= Output.CAPACITY, "output held " + c.maxOutputPending());
            assertTrue(driver.outputBuffersAllocated() <= 1, "buffers: " + driver.outputBuffersAllocated());
        }
    }

    @Test
    void shouldCloseOnALongLineWithoutNewline()
    {
        final byte[] line = ("incr " + "a".repeat(3 * 1024 * 1024)).getBytes(ISO_8859_1);
        try (SessionDriver driver = SessionDriver.create(""))
        {
            final SessionDriver.Connection whole = driver.connect();
            final int read = whole.send(line, SessionDriver.whole());
            assertTrue(whole.closedBySession(), "memcached closes a non-get line of over 2048 bytes");
            assertEquals(0, whole.received().length, "and says nothing");
            assertTrue(read <= SessionDriver.INPUT_CAPACITY, "read " + read + " bytes");

            final SessionDriver.Connection bytes = driver.connect();
            final int readOneByOne = bytes.send(Arrays.copyOf(line, 10_000), SessionDriver.byteByByte());
            assertTrue(bytes.closedBySession(), "closed when the bytes arrive one at a time too");
            assertEquals(2049, readOneByOne, "memcached closes once 2049 bytes without a newline are buffered " +
                "(try_read_command_ascii(): rbytes > 2048)");
            assertEquals(0, bytes.received().length);
        }
    }

    @Test
    void shouldServeAGetLineOfMegabytesWithinTheBound()
    {
        final StringBuilder line = new StringBuilder("get");
        final ByteArrayOutputStream expected = new ByteArrayOutputStream();
        final int keys = 400_000;
        for (int i = 0; i < keys; i++)
        {
            line.append(" key").append(i);
            if (i % 1000 == 7)
            {
                expected.writeBytes(("VALUE key" + i + " 0 2\r\nv" + (i % 10) + "\r\n").getBytes(ISO_8859_1));
            }
        }
        expected.writeBytes("END\r\n".getBytes(ISO_8859_1));
        final byte[] get = (line + "\r\n").getBytes(ISO_8859_1);
        try (SessionDriver driver = SessionDriver.create(""))
        {
            final SessionDriver.Connection c = driver.connect();
            final StringBuilder sets = new StringBuilder();
            for (int i = 7; i < keys; i += 1000)
            {
                sets.append("set key").append(i).append(" 0 0 2 noreply\r\nv").append(i % 10).append("\r\n");
            }
            c.send(sets.toString().getBytes(ISO_8859_1), SessionDriver.whole());
            assertEquals(0, c.takeReceived().length);
            c.send(get, SessionDriver.random(seed));
            c.halfClose();
            final byte[] got = c.takeReceived();
            if (!Arrays.equals(expected.toByteArray(), got))
            {
                throw new AssertionError("a get of " + get.length + " bytes (" + keys + " keys): " +
                    TranscriptReplayTest.diff(get, expected.toByteArray(), got));
            }
            assertTrue(c.maxOutputPending() <= Output.CAPACITY, "output held " + c.maxOutputPending());
            assertTrue(driver.outputBuffersAllocated() <= 1, "buffers: " + driver.outputBuffersAllocated());
        }
    }
}
