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
import java.util.Map;
import java.util.Random;

import io.memcached4j.core.CacheBuilder;
import io.memcached4j.core.ManualClock;
import io.memcached4j.core.CacheStats;
import io.memcached4j.core.MemcachedCache;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The text protocol's behaviour that golden transcripts cannot show: streaming, bounded memory, flush points,
 * yielding, authentication, the dump commands and memcached 1.6.39 behaviour that 1.6.18 lacks.
 */
class AsciiProtocolTest
{
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception
    {
        for (int i = toClose.size() - 1; i >= 0; i--)
        {
            toClose.get(i).close();
        }
    }

    /**
     * A client connection driven in memory, reading at most {@code readLimit} reply bytes per turn.
     */
    private final class Conn
    {
        final Session session;
        final BufferPool pool = new BufferPool(1);
        final ByteBuffer in = ByteBuffer.allocateDirect(Session.MIN_INPUT_CAPACITY);
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final List<String> verbose = new ArrayList<>();
        Session.Status last;

        Conn(final ServerState state)
        {
            final SessionHost host = new SessionHost()
            {
                @Override
                public String peerAddress()
                {
                    return "tcp:127.0.0.1:1";
                }

                @Override
                public String localAddress()
                {
                    return "tcp:127.0.0.1:11211";
                }

                @Override
                public long connectionId()
                {
                    return 7;
                }

                @Override
                public void verbose(final String line)
                {
                    verbose.add(line);
                }
            };
            session = new Session(state, host, pool);
            toClose.add(session);
        }

        /** Send bytes in pieces of {@code chunk}, reading replies after every call. */
        Conn send(final byte[] bytes, final int chunk)
        {
            int fed = 0;
            while (fed < bytes.length || in.position() > 0)
            {
                if (!in.hasRemaining() && fed < bytes.length)
                {
                    // a full buffer the session waits on, and more bytes: a driver closes (Session.Status.NEED_INPUT)
                    last = Session.Status.CLOSE;
                    return this;
                }
                final int n = Math.min(Math.min(chunk, bytes.length - fed), in.remaining());
                in.put(bytes, fed, n);
                fed += n;
                in.flip();
                last = session.process(in);
                in.compact();
                drain();
                assertFalse(verbose.stream().anyMatch(l -> l.startsWith("internal error")), verbose::toString);
                if (last == Session.Status.CLOSE)
                {
                    return this;
                }
                if (last == Session.Status.NEED_INPUT && fed == bytes.length)
                {
                    return this;
                }
            }
            return this;
        }

        /** Call the session once more with no new input, as a driver does after {@code YIELD}. */
        void pump()
        {
            in.flip();
            last = session.process(in);
            in.compact();
            drain();
        }

        Conn send(final String text)
        {
            return send(text.getBytes(StandardCharsets.ISO_8859_1), Integer.MAX_VALUE);
        }

        void drain()
        {
            final ByteBuffer out = session.output();
            if (out != null)
            {
                final byte[] bytes = new byte[out.remaining()];
                out.get(bytes);
                received.write(bytes, 0, bytes.length);
                session.outputSent();
            }
        }

        String text()
        {
            final String s = received.toString(StandardCharsets.ISO_8859_1);
            received.reset();
            return s;
        }
    }

    /** A server with {@code -Y}: one user, "user", whose password is "secret". */
    private ServerState authServer()
    {
        return server(MemcachedCache.builder(),
            ServerSettings.builder().asciiAuth("/dev/null", Map.of("user", "secret")).build());
    }

    private ServerState server(final CacheBuilder cache, final ServerSettings settings)
    {
        final MemcachedCache c = cache.build();
        toClose.add(c);
        return new ServerState(c, settings);
    }

    private ServerState server()
    {
        return server(MemcachedCache.builder(), ServerSettings.defaults());
    }

    @Test
    void shouldStreamANineMegabyteValueInAndOutThroughBoundedBuffers()
    {
        final ServerState state = server(MemcachedCache.builder().memoryLimit(64L << 20).itemSizeMax(10 << 20),
            ServerSettings.defaults());
        final Conn conn = new Conn(state);
        final byte[] value = new byte[9 << 20];
        new Random(42).nextBytes(value);
        final byte[] head = ("set big 5 0 " + value.length + "\r\n").getBytes(StandardCharsets.US_ASCII);
        final byte[] request = new byte[head.length + value.length + 2];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(value, 0, request, head.length, value.length);
        request[request.length - 2] = '\r';
        request[request.length - 1] = '\n';
        // the first 64 KiB a byte at a time, the rest in odd-sized pieces
        conn.send(Arrays.copyOf(request, 65536), 1);
        conn.send(Arrays.copyOfRange(request, 65536, request.length), 1237);
        assertEquals("STORED\r\n", conn.text());

        conn.send("get big\r\n");
        final byte[] reply = conn.received.toByteArray();
        final byte[] expectedHead = ("VALUE big 5 " + value.length + "\r\n").getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(expectedHead, Arrays.copyOf(reply, expectedHead.length));
        assertArrayEquals(value, Arrays.copyOfRange(reply, expectedHead.length, expectedHead.length + value.length));
        assertEquals("\r\nEND\r\n", new String(reply, expectedHead.length + value.length, 7,
            StandardCharsets.US_ASCII));
        assertEquals(expectedHead.length + value.length + 7, reply.length);
        // one output buffer served all of it
        assertEquals(1, conn.pool.allocated());
    }

    @Test
    void shouldSpendACasValueOnAMetaSetRefusedAfterItsFlagsAsMemcachedDoes()
    {
        final Conn conn = new Conn(server());
        // memcached 1.6.39's counter starts at 1 and hands out the value after it
        conn.send("ms a 1 c\r\nx\r\n");
        assertEquals("HD c2\r\n", conn.text());
        // memcached's ms takes its CAS value once the flags parse: an invalid mode, a long opaque, a value too
        // large and a bad data chunk each use one up; a flag it cannot parse, or a CAS given with E, do not
        // (the E77 below is left for the next text store, which the ms c that follows overrides)
        conn.send("ms b 1 MZ\r\nx\r\n");
        assertEquals("CLIENT_ERROR invalid mode for ms M token\r\n", conn.text());
        conn.send("ms b 1 O" + "o".repeat(40) + "\r\nx\r\n");
        assertEquals("CLIENT_ERROR opaque token too long\r\n", conn.text());
        conn.send("ms b 2000000\r\n" + "x".repeat(2_000_000) + "\r\n");
        assertEquals("SERVER_ERROR object too large for cache\r\n", conn.text());
        conn.send("ms b 1\r\nxy\r\n");
        assertEquals("CLIENT_ERROR bad data chunk\r\nERROR\r\n", conn.text());
        conn.send("ms b 1 E77 MZ\r\nx\r\n");
        assertEquals("CLIENT_ERROR invalid mode for ms M token\r\n", conn.text());
        conn.send("ms b 1 ?\r\nx\r\n");
        assertEquals("CLIENT_ERROR invalid flag\r\n", conn.text());
        conn.send("ms c 1 c\r\nx\r\n");
        assertEquals("HD c7\r\n", conn.text());
        // what a refused ms took (or its E gave) is the CAS value of the connection's next text store
        conn.send("ms b 1 MZ\r\nx\r\nset s 0 0 1\r\ny\r\ngets s\r\nset t 0 0 1\r\nz\r\ngets t\r\n");
        assertEquals("CLIENT_ERROR invalid mode for ms M token\r\nSTORED\r\nVALUE s 0 1 8\r\ny\r\nEND\r\n" +
            "STORED\r\nVALUE t 0 1 9\r\nz\r\nEND\r\n", conn.text());
        conn.send("ms b 1 E500 MZ\r\nx\r\nset u 0 0 1\r\ny\r\ngets u\r\n");
        assertEquals("CLIENT_ERROR invalid mode for ms M token\r\nSTORED\r\nVALUE u 0 1 500\r\ny\r\nEND\r\n",
            conn.text());
    }

    @Test
    void shouldStoreANewItemForAnIncrWhileAHitsReplyWaitsAsMemcached1639Does()
    {
        // memcached 1.6.39's reply holds the item until it is sent, so its decr cannot pad the number in place
        final Conn conn = new Conn(server());
        conn.send("set n 0 0 2\r\n10\r\nget n\r\ndecr n 1\r\nget n\r\n");
        assertEquals("STORED\r\nVALUE n 0 2\r\n10\r\nEND\r\n9\r\nVALUE n 0 1\r\n9\r\nEND\r\n", conn.text());
        conn.send("set n 0 0 2\r\n10\r\nmg n\r\nma n MD v\r\nmg n v\r\n");
        assertEquals("STORED\r\nHD\r\nVA 1\r\n9\r\nVA 1\r\n9\r\n", conn.text());
        // mn sends what is queued: nothing holds the item any more
        conn.send("set n 0 0 2\r\n10\r\nmg n v\r\nmn\r\nma n MD v\r\nmg n v\r\n");
        assertEquals("STORED\r\nVA 2\r\n10\r\nMN\r\nVA 1\r\n9\r\nVA 2\r\n9 \r\n", conn.text());
        // nor once the event's replies went out
        conn.send("get n\r\n");
        assertEquals("VALUE n 0 2\r\n9 \r\nEND\r\n", conn.text());
        conn.send("incr n 1\r\nget n\r\n");
        assertEquals("10\r\nVALUE n 0 2\r\n10\r\nEND\r\n", conn.text());
        conn.send("get m n\r\ndecr n 1\r\nget n\r\n");
        assertEquals("VALUE n 0 2\r\n10\r\nEND\r\n9\r\nVALUE n 0 1\r\n9\r\nEND\r\n", conn.text());
    }

    @Test
    void shouldChangeInPlaceTheItemThatReplacedTheOneAReplyHoldsAsMemcached1639Does()
    {
        // memcached's replies hold items, not keys: once the held item is replaced or removed, the key's new item
        // is held by nothing and is changed in place (replies recorded from memcached 1.6.39, each in one write)
        final Conn conn = new Conn(server());
        conn.send("set c 0 0 2\r\n10\r\nget c\r\nincr c 5\r\ndecr c 100\r\nget c\r\n");
        assertEquals("STORED\r\nVALUE c 0 2\r\n10\r\nEND\r\n15\r\n0\r\nVALUE c 0 2\r\n0 \r\nEND\r\n", conn.text());
        conn.send("set c 0 0 2\r\n10\r\nget c\r\ndelete c\r\nset c 0 0 2\r\n20\r\ndecr c 15\r\nget c\r\n");
        assertEquals("STORED\r\nVALUE c 0 2\r\n10\r\nEND\r\nDELETED\r\nSTORED\r\n5\r\nVALUE c 0 2\r\n5 \r\nEND\r\n",
            conn.text());
        conn.send("set c 0 0 2\r\n10\r\nmg c v\r\nset c 0 0 2\r\n20\r\nma c MD D15 v\r\nmg c v\r\n");
        assertEquals("STORED\r\nVA 2\r\n10\r\nSTORED\r\nVA 1\r\n5\r\nVA 2\r\n5 \r\n", conn.text());
        conn.send("set c 0 0 2\r\n10\r\nget c\r\nappend c 0 0 1\r\n0\r\ndecr c 50\r\nget c\r\n");
        assertEquals("STORED\r\nVALUE c 0 2\r\n10\r\nEND\r\nSTORED\r\n50\r\nVALUE c 0 3\r\n50 \r\nEND\r\n",
            conn.text());
        // marked stale, the held item stays the key's item; without its value it is a new one
        conn.send("set c 0 0 2\r\n10\r\nget c\r\nmd c I\r\ndecr c 5\r\nmg c v\r\n");
        assertEquals("STORED\r\nVALUE c 0 2\r\n10\r\nEND\r\nHD\r\n5\r\nVA 1\r\n5\r\n", conn.text());
        conn.send("set c 0 0 2\r\n10\r\nget c\r\nmd c x\r\nincr c 5\r\nmg c v\r\n");
        assertEquals("STORED\r\nVALUE c 0 2\r\n10\r\nEND\r\nHD\r\n" +
            "CLIENT_ERROR cannot increment or decrement non-numeric value\r\nVA 0\r\n\r\n", conn.text());
        // a store that does not store leaves the item held
        conn.send("set c 0 0 2\r\n10\r\nget c\r\nadd c 0 0 2\r\n20\r\ndecr c 5\r\nget c\r\n");
        assertEquals("STORED\r\nVALUE c 0 2\r\n10\r\nEND\r\nNOT_STORED\r\n5\r\nVALUE c 0 1\r\n5\r\nEND\r\n",
            conn.text());
    }

    @Test
    void shouldCountAnMgWithAnOverLongOpaqueAsMemcachedDoesAMissButNotAHit()
    {
        // memcached 1.6.39 fails a hit's reply before it counts it, and counts a miss before its EN line fails
        final ServerState state = server();
        final Conn conn = new Conn(state);
        final String longOpaque = "O" + "x".repeat(41);
        conn.send("set k 0 0 1\r\nv\r\nmg k " + longOpaque + " v\r\nmg k T30 " + longOpaque + "\r\n");
        assertEquals("STORED\r\nCLIENT_ERROR opaque token too long\r\nCLIENT_ERROR opaque token too long\r\n",
            conn.text());
        final CacheStats hit = state.cache().stats();
        assertEquals(0, hit.get("cmd_get"));
        assertEquals(0, hit.get("get_hits"));
        assertEquals(0, hit.get("cmd_touch"));
        assertEquals(0, hit.get("touch_hits"));
        conn.send("mg absent " + longOpaque + " v\r\nmg absent T30 " + longOpaque + "\r\n");
        assertEquals("CLIENT_ERROR opaque token too long\r\nCLIENT_ERROR opaque token too long\r\n", conn.text());
        final CacheStats miss = state.cache().stats();
        assertEquals(2, miss.get("cmd_get"));
        assertEquals(2, miss.get("get_misses"));
        assertEquals(0, miss.get("cmd_touch"));
        // the fetch of the hit still marked the item fetched, as memcached's unlocked fetch does
        conn.send("mg k h\r\n");
        assertEquals("HD h1\r\n", conn.text());
    }

    @Test
    void shouldApplyOnlyTheExpiriesBeforeAnOverLongOpaqueOfMaAsMemcachedDoes()
    {
        // memcached 1.6.39 does the arithmetic, then sets T's and N's expiry flag by flag until the long opaque
        final Conn conn = new Conn(server());
        final String longOpaque = "O" + "a".repeat(33);
        conn.send("ma k2 " + longOpaque + " k N0 T-1\r\nmg k2 v t\r\n");
        assertEquals("CLIENT_ERROR opaque token too long\r\nVA 1 t-1\r\n0\r\n", conn.text());
        conn.send("ma k3 N0 T-1 " + longOpaque + "\r\nmg k3 v t\r\n");
        assertEquals("CLIENT_ERROR opaque token too long\r\nEN\r\n", conn.text());
        conn.send("ma k4 N100 " + longOpaque + " T-1\r\nmg k4 v t\r\n");
        assertEquals("CLIENT_ERROR opaque token too long\r\nVA 1 t100\r\n0\r\n", conn.text());
        conn.send("set k5 0 0 1\r\n5\r\nma k5 T100 " + longOpaque + "\r\nma k5 " + longOpaque +
            " T200\r\nmg k5 v t\r\n");
        assertEquals("STORED\r\nCLIENT_ERROR opaque token too long\r\nCLIENT_ERROR opaque token too long\r\n" +
            "VA 1 t100\r\n7\r\n", conn.text());
        // a T before the opaque is applied to the item N created, even when N comes after the opaque
        conn.send("ma k6 T100 " + longOpaque + " N0\r\nmg k6 t v\r\n");
        assertEquals("CLIENT_ERROR opaque token too long\r\nVA 1 t100\r\n0\r\n", conn.text());
        conn.send("ma k7 N50 " + longOpaque + " T100 E7\r\nmg k7 t v c\r\n");
        assertEquals("CLIENT_ERROR opaque token too long\r\nVA 1 t50 c7\r\n0\r\n", conn.text());
        // mg's N creates the item with E's CAS value
        conn.send("mg k8 " + longOpaque + " N30 E5 q\r\nmg k8 c v t\r\n");
        assertEquals("CLIENT_ERROR opaque token too long\r\nVA 0 c5 t-1\r\n\r\n", conn.text());
    }

    @Test
    void shouldStopReadingWhenTheClientDoesNotReadItsReplies()
    {
        final ServerState state = server();
        final Conn conn = new Conn(state);
        final byte[] value = new byte[1000];
        Arrays.fill(value, (byte)'v');
        conn.send("set k 0 0 1000\r\n" + new String(value, StandardCharsets.US_ASCII) + "\r\n");
        assertEquals("STORED\r\n", conn.text());

        // pipeline gets without ever reading: the session must stop consuming input once its output is full
        final ByteBuffer in = ByteBuffer.allocateDirect(Session.MIN_INPUT_CAPACITY);
        final byte[] get = "get k\r\n".getBytes(StandardCharsets.US_ASCII);
        long consumed = 0;
        Session.Status status = Session.Status.NEED_INPUT;
        for (int round = 0; round < 10_000 && status != Session.Status.NEED_OUTPUT; round++)
        {
            while (in.remaining() >= get.length)
            {
                in.put(get);
            }
            in.flip();
            final int before = in.position();
            status = conn.session.process(in);
            consumed += in.position() - before;
            in.compact();
        }
        assertEquals(Session.Status.NEED_OUTPUT, status);
        // about 64 KiB of replies (1 KiB each) and no more
        assertTrue(consumed / get.length <= Output.CAPACITY / 1000 + 1, "consumed " + consumed);
        in.flip();
        final int position = in.position();
        assertEquals(Session.Status.NEED_OUTPUT, conn.session.process(in));
        assertEquals(position, in.position());
        assertEquals(1, conn.pool.allocated());
    }

    @Test
    void shouldServeAMultiGetLineLongerThanTheInputBuffer()
    {
        final ServerState state = server();
        final Conn conn = new Conn(state);
        conn.send("set key00007 0 0 1\r\na\r\nset key04999 0 0 1\r\nb\r\n");
        assertEquals("STORED\r\nSTORED\r\n", conn.text());
        final StringBuilder line = new StringBuilder("get");
        for (int i = 0; i < 5000; i++)
        {
            line.append(String.format(" key%05d", i));
        }
        line.append("\r\n");
        conn.send(line.toString().getBytes(StandardCharsets.US_ASCII), 1000);
        assertEquals("VALUE key00007 0 1\r\na\r\nVALUE key04999 0 1\r\nb\r\nEND\r\n", conn.text());
        conn.send("version\r\n");
        assertEquals("VERSION 1.6.39\r\n", conn.text());
    }

    @Test
    void shouldRejectALongMultiGetLineWithAnOverlongKeyAndKeepServing()
    {
        final Conn conn = new Conn(server());
        final StringBuilder line = new StringBuilder("get");
        for (int i = 0; i < 400; i++)
        {
            line.append(String.format(" key%05d", i));
        }
        line.append(' ').append("x".repeat(300)).append(" more\r\n");
        conn.send(line.toString().getBytes(StandardCharsets.US_ASCII), 512);
        assertEquals("CLIENT_ERROR bad command line format\r\n", conn.text());
        conn.send("version\r\n");
        assertEquals("VERSION 1.6.39\r\n", conn.text());
    }

    @Test
    void shouldCloseOnALongLineThatIsNotAGet()
    {
        final Conn conn = new Conn(server());
        conn.send(("set " + "k".repeat(3000)).getBytes(StandardCharsets.US_ASCII), 700);
        assertEquals(Session.Status.CLOSE, conn.last);
        assertEquals("", conn.text());
    }

    @Test
    void shouldYieldAfterRequestsPerEventAndCountIt()
    {
        final ServerState state = server(MemcachedCache.builder(), ServerSettings.builder().reqsPerEvent(2).build());
        final Conn conn = new Conn(state);
        final ByteBuffer in = ByteBuffer.allocateDirect(Session.MIN_INPUT_CAPACITY);
        in.put("version\r\n".repeat(10).getBytes(StandardCharsets.US_ASCII)).flip();
        assertEquals(Session.Status.YIELD, conn.session.process(in));
        // memcached serves reqs_per_event + 1 commands before it yields
        assertEquals(in.position(), 3 * "version\r\n".length());
        conn.drain();
        assertEquals("VERSION 1.6.39\r\n".repeat(3), conn.text());
        final Map<String, String> stats = stats(conn);
        assertEquals("1", stats.get("conn_yields"));
    }

    @Test
    void shouldCutAStatisticsValueAt126CharactersAsMemcachedDoes()
    {
        // memcached formats each value into a 128-byte buffer with vsnprintf(buf, 127, ...): seen with a -l list of
        // twelve addresses, whose 'STAT inter' ends in the middle of the ninth
        final String inter = java.util.stream.IntStream.rangeClosed(1, 12).mapToObj(i -> "127.0.0." + i + ":24460")
            .collect(java.util.stream.Collectors.joining(","));
        final Conn conn = new Conn(server(MemcachedCache.builder(),
            ServerSettings.builder().listenInterface(inter).build()));
        conn.send("stats settings\r\n");
        final String reply = conn.text();
        assertTrue(reply.contains("\r\nSTAT inter " + inter.substring(0, 126) + "\r\nSTAT "), reply);
        assertEquals("127.0.0.1:24460,127.0.0.2:24460,127.0.0.3:24460,127.0.0.4:24460,127.0.0.5:24460,"
            + "127.0.0.6:24460,127.0.0.7:24460,127.0.0.8:2446", inter.substring(0, 126));
    }

    @Test
    void shouldTuneTheLruWithPercentagesThatWrapAsMemcachedDoes()
    {
        // memcached adds the two unsigned percentages in 32 bits and keeps each in an int (seen on 1.6.39)
        final Conn conn = new Conn(server());
        conn.send("lru tune 4294967286 10 0.1 2\r\n");
        assertEquals("OK\r\n", conn.text());
        conn.send("lru tune 50 40 0.1 2\r\n");
        assertEquals("ERROR hot and warm pcts must not exceed 80\r\n", conn.text());
        conn.send("stats settings\r\n");
        final String settings = conn.text();
        assertTrue(settings.contains("\r\nSTAT hot_lru_pct -10\r\nSTAT warm_lru_pct 10\r\n"), settings);
        conn.send("version\r\n");
        assertEquals("VERSION 1.6.39\r\n", conn.text());
    }

    @Test
    void shouldReadTuningNumbersAsCsStrtodDoes()
    {
        // memcached 1.6.39 reads these with strtod: hexadecimal, infinities and NaNs pass, values out of range do not
        final Conn conn = new Conn(server());
        conn.send("lru tune 10 10 0x10 inf\r\n");
        assertEquals("OK\r\n", conn.text());
        assertTrue(conn.send("stats settings\r\n").text().contains("\r\nSTAT hot_max_factor 16.00\r\n" +
            "STAT warm_max_factor inf\r\n"));
        conn.send("lru tune 10 10 nan(x_1) 0x1.8p1\r\n");
        assertEquals("OK\r\n", conn.text());
        assertTrue(conn.send("stats settings\r\n").text().contains("\r\nSTAT hot_max_factor nan\r\n" +
            "STAT warm_max_factor 3.00\r\n"));
        conn.send("lru tune 10 10 -nan 2\r\n");
        assertEquals("OK\r\n", conn.text());
        assertTrue(conn.send("stats settings\r\n").text().contains("\r\nSTAT hot_max_factor -nan\r\n"));
        conn.send("lru tune 10 10 -inf 2\r\nlru tune 10 10 1e-310 2\r\nlru tune 10 10 1e999 2\r\n" +
            "lru tune 10 10 0x 2\r\nlru tune 10 10 1e 2\r\nlru tune 10 10 0x1p-1074 2\r\n");
        assertEquals("ERROR hot/warm age factors must be greater than 0\r\nERROR\r\nERROR\r\nERROR\r\nERROR\r\n" +
            "OK\r\n", conn.text());
        conn.send("slabs automove ratio nan x\r\nslabs automove freeratio 0x10 x\r\n" +
            "slabs automove ratio 1e-400 x\r\n");
        assertEquals("OK\r\nOK\r\nERROR\r\n", conn.text());
        final String settings = conn.send("stats settings\r\n").text();
        assertTrue(settings.contains("\r\nSTAT slab_automove_ratio nan\r\n"), settings);
        assertTrue(settings.contains("\r\nSTAT slab_automove_freeratio 16.000\r\n"), settings);
        conn.send("version\r\n");
        assertEquals("VERSION 1.6.39\r\n", conn.text());
    }

    @Test
    void shouldCountFlushAllWithABadDelayAsMemcachedDoes()
    {
        final Conn conn = new Conn(server());
        conn.send("flush_all abc\r\nflush_all 1 2 3\r\nflush_all -5 noreply\r\nflush_all x noreply\r\n");
        assertEquals("CLIENT_ERROR invalid exptime argument\r\nERROR\r\n", conn.text());
        // memcached counts a flush_all before it reads its delay; a line with too many tokens is no flush_all
        assertEquals("3", stats(conn).get("cmd_flush"));
        final Conn refused = new Conn(server(MemcachedCache.builder(),
            ServerSettings.builder().flushEnabled(false).build()));
        refused.send("flush_all\r\nflush_all abc\r\n");
        assertEquals("CLIENT_ERROR flush_all not allowed\r\n".repeat(2), refused.text());
        assertEquals("2", stats(refused).get("cmd_flush"));
    }

    private static Map<String, String> stats(final Conn conn)
    {
        final ByteBuffer in = ByteBuffer.allocateDirect(Session.MIN_INPUT_CAPACITY);
        final Map<String, String> stats = new java.util.HashMap<>();
        in.put("stats\r\n".getBytes(StandardCharsets.US_ASCII)).flip();
        conn.session.process(in);
        conn.drain();
        for (final String line : conn.text().split("\r\n"))
        {
            final String[] parts = line.split(" ", 3);
            if (parts.length == 3)
            {
                stats.put(parts[1], parts[2]);
            }
        }
        return stats;
    }

    @Test
    void shouldSendQueuedRepliesAndCloseOnQuit()
    {
        final Conn conn = new Conn(server());
        conn.send("version\r\nquit\r\nversion\r\n");
        assertEquals(Session.Status.CLOSE, conn.last);
        assertEquals("VERSION 1.6.39\r\n", conn.text());
    }

    @Test
    void shouldHoldRepliesUntilMemcachedWouldSendThem()
    {
        final Conn conn = new Conn(server());
        final ByteBuffer in = ByteBuffer.allocateDirect(Session.MIN_INPUT_CAPACITY);
        // a complete command and the start of a value: the reply to the first waits while the value is read
        in.put("version\r\nset a 0 0 5\r\nhel".getBytes(StandardCharsets.US_ASCII)).flip();
        assertEquals(Session.Status.NEED_INPUT, conn.session.process(in));
        assertEquals(null, conn.session.output());
        in.compact().put("lo\r\n".getBytes(StandardCharsets.US_ASCII)).flip();
        assertEquals(Session.Status.NEED_INPUT, conn.session.process(in));
        conn.drain();
        assertEquals("VERSION 1.6.39\r\nSTORED\r\n", conn.text());
        // mn sends at once even with more complete commands behind it
        in.compact().put("version\r\nmn\r\nversion\r\n".getBytes(StandardCharsets.US_ASCII)).flip();
        conn.session.process(in);
        conn.drain();
        assertEquals("VERSION 1.6.39\r\nMN\r\nVERSION 1.6.39\r\n", conn.text());
    }

    @Test
    void shouldAuthenticateTextClientsWithTheAuthFile()
    {
        final ServerState state = authServer();
        final Conn conn = new Conn(state);
        conn.send("get a\r\n");
        assertEquals("CLIENT_ERROR unauthenticated\r\n", conn.text());
        conn.send("set a 0 0 10\r\nuser wrong\r\n");
        assertEquals("CLIENT_ERROR authentication failure\r\n", conn.text());
        conn.send("set a 0 0 5\r\nuserX\r\n");
        assertEquals("CLIENT_ERROR bad authentication token format\r\n", conn.text());
        conn.send("set a 0 0 3\r\nabcde");
        assertEquals("CLIENT_ERROR bad command line termination\r\n", conn.text());
        conn.send("set a 0 0 11\r\nuser secret\r\n");
        assertEquals("STORED\r\n", conn.text());
        conn.send("set a 0 0 1\r\nx\r\nget a\r\n");
        assertEquals("STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n", conn.text());
        final Map<String, String> stats = stats(conn);
        assertEquals("2", stats.get("auth_cmds"));
        assertEquals("1", stats.get("auth_errors"));
    }

    @Test
    void shouldTakeTheLineAfterALoginWhoseLengthIsNegativeInMemcachedsIntAsNoLogin()
    {
        // memcached keeps size + 2 in an int: 4294967293 gives -1, the payload counts as read at once and its read
        // position moves back into the line; the next line, whatever it is, is then no login (seen on 1.6.39)
        final Conn conn = new Conn(server(MemcachedCache.builder(),
            ServerSettings.builder().asciiAuth("/dev/null", Map.of("user", "secret")).build()));
        conn.send("set a 0 0 4294967293\r\n");
        assertEquals("CLIENT_ERROR bad command line termination\r\n", conn.text());
        conn.send("set a 0 0 11\r\n");
        assertEquals("CLIENT_ERROR unauthenticated\r\n", conn.text());
        conn.send("user secret\r\n");
        assertEquals("CLIENT_ERROR unauthenticated\r\n", conn.text());
        conn.send("set a 0 0 2147483646\r\n");
        assertEquals("CLIENT_ERROR bad command line termination\r\n", conn.text());
        conn.send("x\r\n");
        assertEquals("CLIENT_ERROR unauthenticated\r\n", conn.text());
        conn.send("set a 0 0 11\r\nuser secret\r\nversion\r\n");
        assertEquals("STORED\r\nVERSION 1.6.39\r\n", conn.text());
    }

    @Test
    void shouldAnswerOnlyTheLastCommandOfOneReadBeforeTheLoginAsMemcachedDoes()
    {
        // memcached 1.6.18 and 1.6.39 reuse one response object for the commands of one read until login
        final ServerState state = server(MemcachedCache.builder(),
            ServerSettings.builder().asciiAuth("/dev/null", Map.of("alice", "secret")).build());
        Conn conn = new Conn(state);
        conn.send("get k\r\nget j\r\n");
        assertEquals("CLIENT_ERROR unauthenticated\r\n", conn.text());
        conn.send("set auth 0 0 12\r\nalice wrongx\r\nget k\r\n");
        assertEquals("CLIENT_ERROR unauthenticated\r\n", conn.text());
        // a command cut by the end of the read sends what came before it
        conn.send("get k\r\nget");
        assertEquals("CLIENT_ERROR unauthenticated\r\n", conn.text());
        conn.send(" j\r\n");
        assertEquals("CLIENT_ERROR unauthenticated\r\n", conn.text());
        conn.send("get k\r\nset auth 0 0 12\r\nalice secret\r\nget k\r\n");
        assertEquals("STORED\r\nEND\r\n", conn.text());
        conn = new Conn(state);
        conn.send("get k\r\nset auth 0 0 12\r\n");
        assertEquals("CLIENT_ERROR unauthenticated\r\n", conn.text());
        conn.send("alice secret\r\nget k\r\n");
        assertEquals("STORED\r\nEND\r\n", conn.text());
    }

    @Test
    void shouldCloseAnUnauthenticatedClientThatSendsMoreOfAHugePayloadThanTheReadBufferHolds()
    {
        final ServerState state = authServer();
        final Conn conn = new Conn(state);
        conn.send("set a 0 0 100000000\r\n");
        assertEquals(Session.Status.NEED_INPUT, conn.last);
        // a full buffer: memcached still waits
        conn.send("p".repeat(Session.MIN_INPUT_CAPACITY));
        assertEquals(Session.Status.NEED_INPUT, conn.last);
        assertEquals("", conn.text());
        conn.send("p");
        assertEquals(Session.Status.CLOSE, conn.last);
        // memcached adds the payload's \r\n in 32 bits: these wrap to 0 and 1 bytes, which never end in \r\n
        final Conn wrapped = new Conn(state);
        wrapped.send("set a 0 0 4294967294\r\n");
        assertEquals("CLIENT_ERROR bad command line termination\r\n", wrapped.text());
        wrapped.send("set a 0 0 4294967295\r\n");
        assertEquals("", wrapped.text());
        wrapped.send("x");
        assertEquals("CLIENT_ERROR bad command line termination\r\n", wrapped.text());
        wrapped.send("set a 0 0 11\r\nuser secret\r\n");
        assertEquals("STORED\r\n", wrapped.text());
    }

    @Test
    void shouldReadAnAuthenticationPayloadAsLongAsTheReadBufferHoldsAsMemcachedDoes()
    {
        final ServerState state = authServer();
        final Conn conn = new Conn(state);
        // more than a line's 2,048 bytes: memcached reads it into its read buffer and answers
        final String token = "user " + "x".repeat(3000);
        conn.send("set a 0 0 " + token.length() + "\r\n" + token + "\r\nget k\r\n");
        assertEquals("CLIENT_ERROR unauthenticated\r\n", conn.text());
        assertEquals(Session.Status.NEED_INPUT, conn.last);
        conn.send("set a 0 0 11\r\nuser secret\r\n");
        assertEquals("STORED\r\n", conn.text());
        // a payload longer than the read buffer (here 4 KiB): memcached waits until more comes than its buffer holds
        final Conn longer = new Conn(state);
        longer.send("set a 0 0 5000\r\n");
        assertEquals("", longer.text());
        assertEquals(Session.Status.NEED_INPUT, longer.last);
        longer.send("p".repeat(3_000));
        assertEquals(Session.Status.NEED_INPUT, longer.last);
        longer.send("p".repeat(2_000));
        assertEquals(Session.Status.CLOSE, longer.last);
        assertEquals("", longer.text());
    }

    @Test
    void shouldDumpKeysAndMetadataThroughTheCrawler()
    {
        final Conn conn = new Conn(server());
        conn.send("set a 3 0 1\r\n1\r\nms Zm9v 2 b\r\nhi\r\nmn\r\n");
        assertEquals("STORED\r\nHD\r\nMN\r\n", conn.text());
        conn.send("lru_crawler mgdump all\r\n");
        for (int i = 0; i < 1000 && conn.last == Session.Status.YIELD; i++)
        {
            sleep();
            conn.pump();
        }
        final String mg = conn.text();
        assertTrue(mg.endsWith("EN\r\n"), mg);
        assertTrue(mg.contains("mg a\r\n"), mg);
        assertTrue(mg.contains("mg Zm9v b\r\n"), mg);

        // the crawler may still be finishing the first dump after its last line went out: BUSY, as memcached's
        String meta = "";
        for (int attempt = 0; attempt < 200; attempt++)
        {
            conn.send("lru_crawler metadump 1\r\n");
            for (int i = 0; i < 1000 && conn.last == Session.Status.YIELD; i++)
            {
                sleep();
                conn.pump();
            }
            meta = conn.text();
            if (!meta.equals("BUSY currently processing crawler request\r\n"))
            {
                break;
            }
            sleep();
        }
        assertTrue(meta.endsWith("END\r\n"), meta);
        assertTrue(meta.matches("(?s).*key=a exp=-1 la=\\d+ cas=\\d+ fetch=no cls=1 size=\\d+ flags=3 \n.*"), meta);
        assertTrue(meta.contains("key=foo "), meta);
    }

    private static void sleep()
    {
        try
        {
            Thread.sleep(5);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void shouldCountPrefixesWhenDetailIsOn()
    {
        final Conn conn = new Conn(server());
        conn.send("stats detail on\r\nset a:1 0 0 1\r\nx\r\nget a:1 a:2 b\r\ndelete a:2\r\nstats detail dump\r\n");
        assertEquals("OK\r\nSTORED\r\nVALUE a:1 0 1\r\nx\r\nEND\r\nNOT_FOUND\r\n" +
            "PREFIX a get 2 hit 1 set 1 del 1\r\nEND\r\n", conn.text());
    }

    @Test
    void shouldStopCountingNewPrefixesOnceTheirTableHoldsFourMegabytes()
    {
        final Conn conn = new Conn(server());
        conn.send("stats detail on\r\nget first:k\r\n");
        // 40,000 prefixes of 200 bytes, 328 bytes each as the table counts them: 13 MB where 4 MiB is the most
        final String pad = "p".repeat(195);
        for (int i = 0; i < 40_000; i++)
        {
            conn.send("delete " + String.format("%05d", i) + pad + ":k noreply\r\n");
        }
        assertEquals("OK\r\nEND\r\n", conn.text());
        conn.send("get first:k\r\nstats detail dump\r\n");
        while (conn.last == Session.Status.NEED_OUTPUT)
        {
            conn.pump();
        }
        final String dump = conn.text();
        final int held = (int)((ServerState.PREFIX_STATS_MAX_BYTES - 5 - ServerState.PREFIX_ENTRY_BYTES) /
            (200 + ServerState.PREFIX_ENTRY_BYTES));
        assertEquals(1 + held, dump.split("PREFIX ", -1).length - 1);
        assertTrue(dump.length() < ServerState.PREFIX_STATS_MAX_BYTES, () -> dump.length() + " bytes");
        // the prefixes already there are still counted, the ones past the bound are not
        assertTrue(dump.contains("PREFIX first get 2 hit 0 set 0 del 0\r\n"), () -> dump.substring(0, 200));
        assertTrue(dump.contains("PREFIX " + String.format("%05d", held - 1) + pad + " get 0 hit 0 set 0 del 1\r\n"));
        assertFalse(dump.contains("PREFIX " + String.format("%05d", held) + pad + " "));
        // stats reset empties the table, and new prefixes are counted again
        conn.send("stats reset\r\nget 39999" + pad + ":k\r\nstats detail dump\r\n");
        assertEquals("RESET\r\nEND\r\nPREFIX 39999" + pad + " get 1 hit 0 set 0 del 0\r\nEND\r\n", conn.text());
    }

    @Test
    void shouldListItemsWithCachedump()
    {
        // with a flat LRU new items go straight to COLD, where cachedump looks
        final Conn conn = new Conn(server(MemcachedCache.builder().lruSegmented(false), ServerSettings.defaults()));
        conn.send("set a 0 0 3\r\nabc\r\nset b 0 100 1\r\nx\r\nstats cachedump 1 0\r\n");
        final String text = conn.text();
        assertTrue(text.startsWith("STORED\r\nSTORED\r\n"), text);
        assertTrue(text.contains("ITEM a [3 b; 0 s]\r\n"), text);
        assertTrue(text.matches("(?s).*ITEM b \\[1 b; \\d{10} s]\r\n.*"), text);
        assertTrue(text.endsWith("END\r\n"), text);
    }

    @Test
    void shouldAnswerMetaDumpRequestsOf1639()
    {
        final Conn conn = new Conn(server());
        conn.send("ms k 3 T100 F5\r\nabc\r\nme k\r\nme missing\r\n");
        final String text = conn.text();
        assertTrue(text.matches("HD\r\nME k exp=100 la=0 cas=2 fetch=no cls=1 size=67\r\nEN\r\n"), text);
    }

    @Test
    void shouldRefuseWatchersThatItCannotServe()
    {
        final Conn conn = new Conn(server());
        conn.send("watch bogus\r\n");
        assertEquals("ERROR\r\n", conn.text());
        conn.send("version\r\nwatch\r\n");
        assertEquals("VERSION 1.6.39\r\nERROR cannot pipeline other commands before watch\r\n", conn.text());
        // a watcher_logbuf_size no buffer can have: memcached's answer when it cannot allocate one
        final Conn huge = new Conn(server(MemcachedCache.builder(),
            ServerSettings.builder().watcherLogbufSize(Integer.MAX_VALUE).build()));
        huge.send("watch fetchers\r\n");
        assertEquals("WATCHER_FAILED failed to add log watcher\r\n", huge.text());
        final Conn wrapped = new Conn(server(MemcachedCache.builder(),
            ServerSettings.builder().watcherLogbufSize(-1024).build()));
        wrapped.send("watch fetchers\r\n");
        assertEquals("WATCHER_FAILED failed to add log watcher\r\n", wrapped.text());
        final Conn refused = new Conn(server(MemcachedCache.builder(),
            ServerSettings.builder().watchEnabled(false).build()));
        refused.send("watch\r\n");
        assertEquals("CLIENT_ERROR watch commands not allowed\r\n", refused.text());
    }

    @Test
    void shouldEchoCommandsAndRepliesAtVerbosityTwo()
    {
        final Conn conn = new Conn(server());
        conn.send("verbosity 2\r\nset a 0 0 1 noreply\r\nx\r\nget a b\r\n");
        assertEquals("OK\r\nVALUE a 0 1\r\nx\r\nEND\r\n", conn.text());
        assertEquals(List.of(">7 OK", "<7 set a 0 0 1 noreply", ">7 NOREPLY STORED", "<7 get a b", ">7 sending key a",
            ">7 END"), conn.verbose);
    }

    @Test
    void shouldLogACasMismatchAtVerbosityTwo()
    {
        // memcached's do_store_item line: the item's CAS, then the client's; not for an append's CAS check
        final Conn conn = new Conn(server());
        conn.send("set a 0 0 1\r\nx\r\nverbosity 2\r\ncas a 0 0 1 999\r\ny\r\nms a 1 C77\r\nz\r\n" +
            "ms a 1 MA C77\r\nz\r\n");
        assertEquals("STORED\r\nOK\r\nEXISTS\r\nEX\r\nEX\r\n", conn.text());
        assertEquals(List.of(">7 OK", "<7 cas a 0 0 1 999", "CAS:  failure: expected 2, got 999", ">7 EXISTS",
            "<7 ms a 1 C77", "CAS:  failure: expected 2, got 77", "<7 ms a 1 MA C77"), conn.verbose);
    }

    @Test
    void shouldShutDownOnlyWhenAllowed()
    {
        final Conn refused = new Conn(server());
        refused.send("shutdown\r\n");
        assertEquals("ERROR: shutdown not enabled\r\n", refused.text());

        final ServerState state = server(MemcachedCache.builder(), ServerSettings.builder().shutdownEnabled(true)
            .build());
        final List<Boolean> requests = new ArrayList<>();
        state.shutdownHandler(requests::add);
        final Conn conn = new Conn(state);
        conn.send("shutdown now\r\n");
        assertEquals("CLIENT_ERROR invalid shutdown mode\r\n", conn.text());
        conn.send("shutdown graceful\r\n");
        assertEquals(Session.Status.CLOSE, conn.last);
        assertEquals(List.of(), requests, "the stop waits until the connection that asked for it is closed");
        conn.session.close();
        assertEquals(List.of(true), requests);
        // memcached has sent what mn flushed before it meets the shutdown; what came after it is dropped
        final Conn flushed = new Conn(state);
        flushed.send("mg foo v\r\nmn\r\nms k 1\r\nx\r\nshutdown\r\n");
        assertEquals(Session.Status.CLOSE, flushed.last);
        assertEquals("EN\r\nMN\r\n", flushed.text());
        final Conn unflushed = new Conn(state);
        unflushed.send("mg foo v\r\nshutdown graceful\r\n");
        assertEquals(Session.Status.CLOSE, unflushed.last);
        assertEquals("", unflushed.text());
    }

    @Test
    void shouldReportTheTimeOfTheClockThatItemsExpireBy()
    {
        // memcached's STAT time is process_started + current_time: a client that computes an absolute exptime
        // from it gets the expiry it asked for, even while the coarse clock lags the wall clock
        final ManualClock clock = new ManualClock(1_700_000_000L);
        final Conn conn = new Conn(server(MemcachedCache.builder().clock(clock), ServerSettings.defaults()));
        assertTrue(conn.send("stats\r\n").text().contains("\r\nSTAT time 1700000062\r\n"));
        assertEquals("STORED\r\n", conn.send("set k 0 1700000063 1\r\nv\r\n").text());
        clock.advance(1);
        assertTrue(conn.send("stats\r\n").text().contains("\r\nSTAT time 1700000063\r\n"));
        assertEquals("END\r\n", conn.send("get k\r\n").text());
    }
}
