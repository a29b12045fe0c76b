/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.memcached4j.core.MemcachedCache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A session that serves datagrams hands out memcached's response objects one message at a time, as memcached 1.6.39
 * sends them over UDP (what these expectations say was checked against memcached 1.6.18 over UDP, except where
 * 1.6.18 flushes after every {@code get}, which 1.6.39 no longer does). A message of no bytes is a lone frame header.
 */
class DatagramSessionTest
{
    private static final String VALUE_A = "VALUE a 0 3\r\nabc\r\n";

    private final List<MemcachedCache> caches = new ArrayList<>();

    @AfterEach
    void closeCaches()
    {
        caches.forEach(MemcachedCache::close);
    }

    @Test
    void shouldSendEachKeyOfAMultiGetAsAMessageOfItsOwn()
    {
        final Udp udp = udp(ServerSettings.defaults());
        assertEquals(List.of("STORED\r\n"), udp.text("set a 0 0 3\r\nabc\r\n"));
        assertEquals(List.of("END\r\n"), udp.text("get x\r\n"));
        assertEquals(List.of(VALUE_A + "END\r\n"), udp.text("get a\r\n"));
        assertEquals(List.of(VALUE_A, VALUE_A, VALUE_A + "END\r\n"), udp.text("get a a a\r\n"));
        // a miss is an empty response: the first of a batch goes out as a frame header alone, later ones not at all
        assertEquals(List.of("", VALUE_A + "END\r\n"), udp.text("get x a\r\n"));
        assertEquals(List.of("", VALUE_A, "END\r\n"), udp.text("get x y a z\r\n"));
        assertEquals(List.of(VALUE_A, "END\r\n"), udp.text("get a x y\r\n"));
        assertEquals(List.of("", "END\r\n"), udp.text("get x y z\r\n"));
        assertEquals(List.of("END\r\n", VALUE_A + "END\r\n"), udp.text("get x\r\nget a\r\n"));
    }

    @Test
    void shouldSendNothingForNoreplyAndQuietReplies()
    {
        final Udp udp = udp(ServerSettings.defaults());
        assertEquals(List.of("VALUE b 0 3\r\nabc\r\nEND\r\n"), udp.text("set b 0 0 3 noreply\r\nabc\r\nget b\r\n"));
        assertEquals(List.of(), udp.text("set b 0 0 3 noreply\r\nabc\r\nset b 0 0 3 noreply\r\nabc\r\n"));
        // a skipped response ahead of an empty one does not stop the empty one's frame header
        assertEquals(List.of("", "END\r\n"), udp.text("delete b noreply\r\nget x y\r\n"));
        assertEquals(List.of("EN\r\n", "MN\r\n"), udp.text("mg x v\r\nmn\r\n"));
        assertEquals(List.of("MN\r\n"), udp.text("mg x v q\r\nmn\r\n"));
        assertEquals(List.of("HD\r\n"), udp.text("ms c 1 q\r\nz\r\nms c 1\r\nz\r\n"));
        assertEquals(List.of("STORED\r\n", "1\r\n"),
            udp.text("set n 0 0 1\r\n0\r\nincr n 1 noreply\r\nincr n 1 noreply\r\ndecr n 1\r\n"));
    }

    @Test
    void shouldAnswerNothingToWatchAndKeepNoWatcherAsNoneCouldBeSent()
    {
        final Udp udp = udp(ServerSettings.defaults());
        udp.text("set a 0 0 3\r\nabc\r\n");
        for (int i = 0; i < 25; i++)
        {
            assertEquals(List.of(), udp.text("watch\r\n"));
        }
        // the rest of the datagram is not read, as memcached's connection has gone to its logger
        assertEquals(List.of(), udp.text("watch mutations\r\nget a\r\n"));
        assertEquals(0, udp.state.logs.watchers());
        // the errors of a watch that cannot start are sent as on a connection
        assertEquals(List.of("ERROR\r\n"), udp.text("watch foo\r\n"));
        assertEquals(List.of(VALUE_A + "END\r\n"), udp.text("get a\r\n"));
    }

    @Test
    void shouldFlushWhereMemcachedTransmits()
    {
        final Udp udp = udp(ServerSettings.defaults());
        udp.text("set a 0 0 3\r\nabc\r\n");
        // mn transmits: the empty response after it heads a new batch
        assertEquals(List.of("MN\r\n", ""), udp.text("mn\r\nquit\r\n"));
        assertEquals(List.of(""), udp.text("quit\r\n"));
        assertEquals(List.of("VERSION " + ServerSettings.PROTOCOL_VERSION + "\r\n"), udp.text("version\r\nquit\r\n"));
        // quit ends the datagram only: the session serves the next one
        assertEquals(List.of(""), udp.text("quit\r\nget a\r\n"));
        assertEquals(List.of(VALUE_A + "END\r\n"), udp.text("get a\r\n"));
        assertEquals(List.of("", "END\r\n", "MN\r\n", "", "END\r\n"), udp.text("get x y\r\nmn\r\nget x y\r\n"));
    }

    @Test
    void shouldYieldAfterReqsPerEventAndGoOn()
    {
        final Udp udp = udp(ServerSettings.builder().reqsPerEvent(2).build());
        final List<String> got = udp.text("mn\r\nget x y\r\nget x y\r\nget x y\r\nget x y\r\n");
        // memcached transmits after -R + 1 commands: each batch has its own first empty response
        assertEquals(List.of("MN\r\n", "", "END\r\n", "END\r\n", "", "END\r\n", "END\r\n"), got);
        assertTrue(udp.state.connYields.sum() > 0);
    }

    @Test
    void shouldDropWhatTheEndOfTheDatagramCutShort()
    {
        final Udp udp = udp(ServerSettings.defaults());
        udp.text("set a 0 0 3\r\nabc\r\n");
        // a partial command line: replies before it go out, the fragment is forgotten
        assertEquals(List.of(VALUE_A + "END\r\n"), udp.text("get a\r\nget a"));
        // a data block cut short: memcached holds everything back, waiting for a continuation that never comes here
        assertEquals(List.of(), udp.text("get a\r\nset c 0 0 10\r\nabc"));
        assertEquals(List.of("MN\r\n"), udp.text("mn\r\n"));
        assertEquals(List.of("END\r\n"), udp.text("get c\r\n"));
        // a get line with no end longer than 2048 bytes: memcached waits for the line's end
        assertEquals(List.of("MN\r\n"), udp.text("mn\r\nget " + "k ".repeat(1200)));
        // any other long line without an end closes memcached's connection, dropping the replies it held
        assertEquals(List.of(), udp.text("get a\r\nincr " + " ".repeat(3000)));
        assertEquals(List.of(VALUE_A + "END\r\n"), udp.text("get a\r\n"));
        // a too long key in a multi-get culls the replies held and answers the error
        assertEquals(List.of("CLIENT_ERROR bad command line format\r\n"),
            udp.text("get a\r\nget a " + "k".repeat(251) + " a\r\n"));
    }

    @Test
    void shouldChooseTheProtocolByEachDatagramsFirstByte()
    {
        // as memcached's try_read_command_udp: -B does not apply to UDP
        final Udp udp = udp(ServerSettings.builder().bindingProtocol(ServerSettings.BindingProtocol.ASCII).build());
        final byte[] noop = binary(BinaryProtocol.CMD_NOOP, "", new byte[0], new byte[0]);
        assertEquals(List.of(hex(binaryResponse(BinaryProtocol.CMD_NOOP, 0))), hex(udp.datagram(noop)));
        assertEquals(List.of("END\r\n"), udp.text("get x\r\n"));
        // a quiet miss is an empty response: a frame header alone, then the no-op's reply
        final byte[] getq = binary(BinaryProtocol.CMD_GETQ, "zz", new byte[0], new byte[0]);
        assertEquals(List.of("", hex(binaryResponse(BinaryProtocol.CMD_NOOP, 0))),
            hex(udp.datagram(concat(getq, noop))));
        // all of a datagram is read with the protocol of its first byte
        assertEquals(List.of(hex(binaryResponse(BinaryProtocol.CMD_NOOP, 0))),
            hex(udp.datagram(concat(noop, "get x\r\n".getBytes(StandardCharsets.US_ASCII)))));
    }

    @Test
    void shouldHandOutALongResponseBeforeItIsAllWritten()
    {
        final Udp udp = udp(ServerSettings.defaults());
        final byte[] big = new byte[300_000];
        Arrays.fill(big, (byte)'v');
        udp.cache.set("big", big);
        udp.cache.set("a", "abc".getBytes(StandardCharsets.US_ASCII));
        final List<String> got = udp.text("get big a\r\nmg big v\r\n");
        final String value = new String(big, StandardCharsets.US_ASCII);
        assertEquals(List.of("VALUE big 0 300000\r\n" + value + "\r\n", VALUE_A + "END\r\n",
            "VA 300000\r\n" + value + "\r\n"), got);
        assertEquals(List.of("VALUE big 0 300000\r\n" + value + "\r\nEND\r\n"), udp.text("get big\r\n"));
        final List<byte[]> bin = udp.datagram(binary(BinaryProtocol.CMD_GET, "big", new byte[0], new byte[0]));
        assertEquals(1, bin.size());
        assertEquals(24 + 4 + 300_000, bin.get(0).length);
        final List<String> stats = udp.text("stats\r\n");
        assertEquals(1, stats.size());
        assertTrue(stats.get(0).startsWith("STAT pid ") && stats.get(0).endsWith("END\r\n"));
    }

    @Test
    void shouldServeMoreResponsesThanItTracksAtOnce()
    {
        final Udp udp = udp(ServerSettings.defaults());
        udp.text("set a 0 0 3\r\nabc\r\n");
        final int keys = ResponseFrames.CAPACITY * 3 + 7;
        final List<String> hits = udp.text("get" + " a".repeat(keys) + "\r\n");
        assertEquals(keys, hits.size());
        assertEquals(VALUE_A + "END\r\n", hits.get(keys - 1));
        assertEquals(List.of("", "END\r\n"), udp.text("get" + " x".repeat(keys) + "\r\n"));
        final List<String> mixed = udp.text("get" + " x a".repeat(keys) + "\r\n");
        assertEquals(keys + 1, mixed.size());
        assertEquals("", mixed.get(0));
        assertEquals(VALUE_A + "END\r\n", mixed.get(keys));
        final StringBuilder many = new StringBuilder();
        for (int i = 0; i < keys; i++)
        {
            many.append("mn\r\n");
        }
        assertEquals(keys, udp.text(many.toString()).size());
    }

    @Test
    void shouldReportTheUdpConnectionInStatsConns()
    {
        final Udp udp = udp(ServerSettings.defaults());
        final List<String> busy = udp.text("stats conns\r\n");
        assertEquals(List.of("STAT 7:UDP UDP\r\nSTAT 7:addr udp:127.0.0.1:40000\r\n" +
            "STAT 7:listen_addr udp:127.0.0.1:11211\r\nSTAT 7:state conn_parse_cmd\r\n" +
            "STAT 7:secs_since_last_cmd 0\r\nEND\r\n"), busy);
        final StringBuilder idle = new StringBuilder();
        udp.state.conns((name, value) -> idle.append(name).append(' ').append(value).append('\n'));
        assertEquals("7:UDP UDP\n7:addr udp:127.0.0.1:11211\n7:state conn_read\n7:secs_since_last_cmd 0\n",
            idle.toString());
    }

    @Test
    void shouldNotAllocatePerDatagramInSteadyState()
    {
        final Udp udp = udp(ServerSettings.defaults());
        udp.text("set a 0 0 3\r\nabc\r\n");
        final byte[] get = "get a x\r\n".getBytes(StandardCharsets.US_ASCII);
        final ByteBuffer in = ByteBuffer.allocateDirect(64);
        for (int i = 0; i < 20_000; i++)
        {
            udp.discardReplies(in, get);
        }
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
        final long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 20_000; i++)
        {
            udp.discardReplies(in, get);
        }
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 20_000, "allocated " + allocated + " bytes for 20000 datagrams");
    }

    @Test
    void shouldFrameEveryReplyOfRandomDatagrams()
    {
        final long seed = Long.getLong("fuzz.seed", System.nanoTime());
        final int datagrams = Integer.getInteger("fuzz.datagrams", 2000);
        System.out.println("DatagramSessionTest seed " + seed + " (-Dfuzz.seed=" + seed + "), " + datagrams +
            " datagrams (-Dfuzz.datagrams)");
        final java.util.Random random = new java.util.Random(seed);
        int messages = 0;
        final Udp udp = udp(ServerSettings.builder().reqsPerEvent(1 + random.nextInt(30)).build());
        final String[] text = {
            "get a\r\n", "get a b c\r\n", "gets b\r\n", "get x y\r\n", "gat 0 a x\r\n", "set a 0 0 3\r\nabc\r\n",
            "set b 1 0 3 noreply\r\nxyz\r\n", "add c 0 0 1\r\nz\r\n", "set big 0 0 400\r\n" + "v".repeat(400) + "\r\n",
            "get big a big\r\n", "delete c\r\n", "delete c noreply\r\n", "incr n 1\r\n", "set n 0 0 1\r\n5\r\n",
            "incr n 2 noreply\r\n", "touch a 0\r\n", "mn\r\n", "mg a v k\r\n", "mg x v q\r\n", "mg x v\r\n",
            "ms m 2 q\r\nhi\r\n", "md m q\r\n", "ma n q\r\n", "me a\r\n", "version\r\n", "verbosity 1\r\n",
            "bogus\r\n", "\r\n", "quit\r\n", "stats settings\r\n", "stats conns\r\n", "set a 0 0 3\r\nabcdef\r\n",
            "get " + "k".repeat(251) + "\r\n", "lru_crawler metadump all\r\n", "flush_all noreply\r\n"};
        final int[] opcodes = {0x00, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x10, 0x04, 0x14, 0x05, 0x07, 0x17, 0x30};
        for (int d = 0; d < datagrams; d++)
        {
            final ByteArrayOutputStream datagram = new ByteArrayOutputStream();
            final boolean binary = random.nextInt(4) == 0;
            final int commands = 1 + random.nextInt(12);
            for (int c = 0; c < commands; c++)
            {
                if (binary)
                {
                    final int opcode = opcodes[random.nextInt(opcodes.length)];
                    datagram.writeBytes(binary(opcode, random.nextBoolean() ? "a" : "x", new byte[0], new byte[0]));
                }
                else
                {
                    datagram.writeBytes(text[random.nextInt(text.length)].getBytes(StandardCharsets.ISO_8859_1));
                }
            }
            byte[] payload = datagram.toByteArray();
            switch (random.nextInt(5))
            {
                case 0:
                    payload = Arrays.copyOf(payload, 1 + random.nextInt(payload.length));
                    break;
                case 1:
                    payload[random.nextInt(payload.length)] = (byte)random.nextInt(256);
                    break;
                default:
                    break;
            }
            try
            {
                messages += udp.datagram(payload).size();
            }
            catch (final AssertionError ex)
            {
                throw new AssertionError("seed " + seed + ", datagram " + d + ": " +
                    new String(payload, StandardCharsets.ISO_8859_1), ex);
            }
        }
        assertTrue(messages > datagrams, "messages: " + messages);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // helpers
    // ---------------------------------------------------------------------------------------------------------------

    private Udp udp(final ServerSettings settings)
    {
        final MemcachedCache cache = MemcachedCache.builder().backgroundThreads(false).build();
        caches.add(cache);
        return new Udp(new ServerState(cache, settings));
    }

    private static List<String> hex(final List<byte[]> messages)
    {
        final List<String> result = new ArrayList<>();
        for (final byte[] m : messages)
        {
            result.add(hex(m));
        }
        return result;
    }

    private static String hex(final byte[] bytes)
    {
        final StringBuilder sb = new StringBuilder();
        for (final byte b : bytes)
        {
            sb.append(String.format("%02x", b & 0xFF));
        }
        return sb.toString();
    }

    private static byte[] concat(final byte[] a, final byte[] b)
    {
        final byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static byte[] binary(final int opcode, final String key, final byte[] extras, final byte[] value)
    {
        final byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        final ByteBuffer b = ByteBuffer.allocate(24 + extras.length + k.length + value.length);
        b.put((byte)BinaryProtocol.REQUEST_MAGIC).put((byte)opcode).putShort((short)k.length)
            .put((byte)extras.length).put((byte)0).putShort((short)0).putInt(extras.length + k.length + value.length)
            .putInt(0).putLong(0).put(extras).put(k).put(value);
        return b.array();
    }

    private static byte[] binaryResponse(final int opcode, final int status)
    {
        final ByteBuffer b = ByteBuffer.allocate(24);
        b.put((byte)BinaryProtocol.RESPONSE_MAGIC).put((byte)opcode).putShort((short)0).put((byte)0).put((byte)0)
            .putShort((short)status).putInt(0).putInt(0).putLong(0);
        return b.array();
    }

    /**
     * Drives a datagram session as the session's javadoc prescribes, collecting whole messages.
     */
    static final class Udp
    {
        final ServerState state;
        final MemcachedCache cache;
        final Session session;

        Udp(final ServerState state)
        {
            this.state = state;
            this.cache = state.cache();
            this.session = Session.forDatagrams(state, new SessionHost()
            {
                @Override
                public String peerAddress()
                {
                    return "udp:127.0.0.1:40000";
                }

                @Override
                public String localAddress()
                {
                    return "udp:127.0.0.1:11211";
                }

                @Override
                public long connectionId()
                {
                    return 7;
                }

                @Override
                public void verbose(final String line)
                {
                    if (line.startsWith("internal error"))
                    {
                        fail(line);
                    }
                }
            }, new BufferPool(2));
        }

        List<String> text(final String payload)
        {
            final List<String> result = new ArrayList<>();
            for (final byte[] m : datagram(payload.getBytes(StandardCharsets.ISO_8859_1)))
            {
                result.add(new String(m, StandardCharsets.ISO_8859_1));
            }
            return result;
        }

        List<byte[]> datagram(final byte[] payload)
        {
            final ByteBuffer in = ByteBuffer.allocateDirect(payload.length);
            in.put(payload).flip();
            session.beginDatagram(in);
            final List<byte[]> messages = new ArrayList<>();
            ByteArrayOutputStream current = null;
            long remaining = 0;
            for (int calls = 0; ; calls++)
            {
                if (calls > 100_000)
                {
                    fail("no progress");
                }
                final Session.Status status = session.process(in);
                while (true)
                {
                    if (current == null)
                    {
                        final long length = session.nextMessage();
                        if (length < 0)
                        {
                            break;
                        }
                        if (length == 0)
                        {
                            messages.add(new byte[0]);
                            continue;
                        }
                        current = new ByteArrayOutputStream();
                        remaining = length;
                    }
                    final ByteBuffer out = session.output();
                    if (out == null)
                    {
                        break;
                    }
                    final int n = (int)Math.min(out.remaining(), remaining);
                    final byte[] bytes = new byte[n];
                    out.get(bytes);
                    session.outputSent();
                    current.write(bytes, 0, n);
                    remaining -= n;
                    if (remaining == 0)
                    {
                        messages.add(current.toByteArray());
                        current = null;
                    }
                }
                if (status == Session.Status.NEED_INPUT || status == Session.Status.CLOSE)
                {
                    break;
                }
            }
            assertNull(current, "a message was cut short");
            assertNull(session.output(), "released bytes that belong to no message");
            session.endDatagram(false);
            assertFalse(session.holdsOutputBuffer(), "the output buffer goes back to the pool");
            return messages;
        }

        /**
         * Serve a datagram and throw its replies away, allocating nothing here.
         */
        void discardReplies(final ByteBuffer in, final byte[] payload)
        {
            in.clear();
            in.put(payload).flip();
            session.beginDatagram(in);
            Session.Status status;
            do
            {
                status = session.process(in);
                long length;
                while ((length = session.nextMessage()) >= 0)
                {
                    final ByteBuffer out = session.output();
                    if (length > 0)
                    {
                        // small replies: all of a message is there once it is handed out
                        out.position(out.position() + (int)length);
                        session.outputSent();
                    }
                }
            }
            while (status != Session.Status.NEED_INPUT && status != Session.Status.CLOSE);
            session.endDatagram(false);
        }
    }
}
