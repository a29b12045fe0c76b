/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The {@code watch} command on in-memory sessions: the lines against the real memcached (1.6.18, for what it shares
 * with 1.6.39) and against lines derived from memcached 1.6.39's {@code logger.c} (deletions, close reasons, system
 * events), the reply and the connection's state, skipped lines, wake-ups, the watcher limit and the statistics.
 */
class WatchTest
{
    private static byte[] ascii(final String s)
    {
        return s.getBytes(ISO_8859_1);
    }

    /**
     * Serve a watching session until it has sent all it holds, as a driver woken by {@link SessionHost#wakeup()}.
     */
    private static String drain(final SessionDriver.Connection watcher)
    {
        int rounds = 0;
        while (watcher.poke() == Session.Status.NEED_OUTPUT)
        {
            assertTrue(++rounds < 10_000, "a watcher that never stops sending");
        }
        return new String(watcher.takeReceived(), ISO_8859_1);
    }

    private static SessionDriver.Connection watcher(final SessionDriver driver, final String streams)
    {
        final SessionDriver.Connection w = driver.connect();
        w.send(ascii("watch " + streams + "\r\n"), SessionDriver.whole());
        assertEquals("OK\r\n", new String(w.takeReceived(), ISO_8859_1));
        return w;
    }

    private static String send(final SessionDriver.Connection c, final String text)
    {
        c.send(ascii(text), SessionDriver.whole());
        return new String(c.takeReceived(), ISO_8859_1);
    }

    @Test
    void shouldLogTheConversationAsMemcachedDoes() throws Exception
    {
        WatchOracle.assumeMemcached();
        final int port = WatchOracle.freePort();
        // no LRU maintainer or crawler in either server: the script looks at expired and flushed items
        final Process memcached = WatchOracle.startMemcached(port, "-o", "no_lru_maintainer,no_lru_crawler");
        final String real;
        try
        {
            real = WatchOracle.watchScript(port);
        }
        finally
        {
            WatchOracle.stop(memcached);
        }
        final String ours;
        try (SessionDriver driver = SessionDriver.create(""))
        {
            final SessionDriver.Connection w = driver.connect();
            w.send(ascii("watch " + WatchOracle.STREAMS + "\r\n"), SessionDriver.whole());
            final SessionDriver.Connection client = driver.connect();
            final byte[][] parts = WatchOracle.script();
            client.send(parts[0], SessionDriver.whole());
            driver.clock.advance(WatchOracle.FLUSH_PAUSE);
            client.send(parts[1], SessionDriver.whole());
            final String replies = new String(client.takeReceived(), ISO_8859_1);
            assertTrue(replies.endsWith(WatchOracle.REPLY_END), replies);
            client.send(ascii("quit\r\n"), SessionDriver.whole());
            assertTrue(client.closedBySession());
            client.close();
            ours = drain(w);
        }
        final List<String> expected = WatchOracle.normalize(real);
        final List<String> actual = WatchOracle.normalize(ours);
        System.out.println("watch, memcached:\n" + String.join("\n", expected));
        assertTrue(expected.size() > 60, real);
        assertEquals(String.join("\n", expected), String.join("\n", actual));
    }

    @Test
    void shouldLogEvictionsAsMemcachedDoes() throws Exception
    {
        WatchOracle.assumeMemcached();
        final int port = WatchOracle.freePort();
        final Process memcached = WatchOracle.startMemcached(port, "-m", "2");
        final String real;
        try
        {
            real = WatchOracle.watchEvictions(port);
        }
        finally
        {
            WatchOracle.stop(memcached);
        }
        final List<String> ours = new ArrayList<>();
        try (SessionDriver driver = SessionDriver.create("-m 2"))
        {
            final SessionDriver.Connection w = watcher(driver, "evictions");
            final SessionDriver.Connection client = driver.connect();
            final byte[] value = new byte[10_000];
            java.util.Arrays.fill(value, (byte)'v');
            for (int i = 0; i < 400; i++)
            {
                client.send(ascii("set k" + i + " 0 0 " + value.length + "\r\n"), SessionDriver.whole());
                client.send(value, SessionDriver.whole());
                assertEquals("STORED\r\n", send(client, "\r\n"));
                if (i == 3)
                {
                    send(client, "get k0\r\n");
                }
            }
            ours.addAll(WatchOracle.normalize(drain(w)));
        }
        // the slab classes differ (this engine packs items more densely), and so does the point where the first
        // eviction happens; which items go first, and what is said of them, does not
        final List<String> expected = masked(WatchOracle.ofType(WatchOracle.normalize(real), "type=eviction"));
        final List<String> actual = masked(WatchOracle.ofType(ours, "type=eviction"));
        assertTrue(expected.size() > 10 && actual.size() > 10, real + "\n" + ours);
        assertEquals(expected.subList(0, 10), actual.subList(0, 10));
        assertTrue(ours.get(1).matches("gid=\\+1 type=eviction key=k1 fetch=no ttl=-1 la=[0-9]+ clsid=[1-9][0-9]* " +
            "size=10000"), ours.get(1));
    }

    private static List<String> masked(final List<String> lines)
    {
        final List<String> result = new ArrayList<>();
        for (final String line : lines)
        {
            result.add(line.replaceAll("clsid=[0-9]+", "clsid=?").replaceAll("la=[0-9]+", "la=?"));
        }
        return result;
    }

    @Test
    void shouldLogDeletionsAsMemcached1639Does()
    {
        try (SessionDriver driver = SessionDriver.create(""))
        {
            final SessionDriver.Connection w = watcher(driver, "deletions fetchers mutations");
            final SessionDriver.Connection client = driver.connect();
            send(client, "set a 0 0 3\r\nabc\r\ndelete a\r\ndelete a\r\nms b 4\r\nabcd\r\nmd b\r\nmd b q\r\n" +
                "ms c 1\r\nx\r\nmd c I\r\nms d 1\r\nx\r\nmd d x\r\nmn\r\n");
            final SessionDriver.Connection binary = driver.connect();
            // a binary protocol delete of c: memcached looks it up but does not log the deletion
            final ByteBuffer delete = ByteBuffer.allocate(25);
            delete.put((byte)0x80).put((byte)0x04).putShort((short)1).put((byte)0).put((byte)0).putShort((short)0)
                .putInt(1).putInt(0).putLong(0).put((byte)'c');
            binary.send(delete.array(), SessionDriver.whole());
            assertEquals(0, binary.takeReceived()[7], "binary delete status");
            final List<String> lines = WatchOracle.normalize(drain(w));
            assertEquals(List.of(
                "gid=+0 type=item_get key=a status=not_found clsid=0 cfd=C1 size=0",
                "gid=+1 type=item_store key=a status=stored cmd=set ttl=0 clsid=1 cfd=C1 size=3",
                "gid=+2 type=item_get key=a status=found clsid=1 cfd=C1 size=3",
                "gid=+3 type=deleted key=a cmd=delete clsid=1 size=3",
                "gid=+4 type=item_get key=a status=not_found clsid=0 cfd=C1 size=0",
                "gid=+5 type=item_get key=b status=not_found clsid=0 cfd=C1 size=0",
                "gid=+6 type=item_store key=b status=stored cmd=set ttl=0 clsid=1 cfd=C1 size=4",
                "gid=+7 type=item_get key=b status=found clsid=1 cfd=C1 size=4",
                "gid=+8 type=deleted key=b cmd=md clsid=1 size=4",
                "gid=+9 type=item_get key=b status=not_found clsid=0 cfd=C1 size=0",
                "gid=+10 type=item_get key=c status=not_found clsid=0 cfd=C1 size=0",
                "gid=+11 type=item_store key=c status=stored cmd=set ttl=0 clsid=1 cfd=C1 size=1",
                "gid=+12 type=item_get key=c status=found clsid=1 cfd=C1 size=1",
                "gid=+13 type=item_get key=d status=not_found clsid=0 cfd=C1 size=0",
                "gid=+14 type=item_store key=d status=stored cmd=set ttl=0 clsid=1 cfd=C1 size=1",
                "gid=+15 type=item_get key=d status=found clsid=1 cfd=C1 size=1",
                "gid=+16 type=item_get key=d status=found clsid=1 cfd=C1 size=1",
                "gid=+17 type=item_store key=d status=stored cmd=set ttl=0 clsid=1 cfd=C1 size=0",
                "gid=+18 type=deleted key=d cmd=md clsid=1 size=0",
                "gid=+19 type=item_get key=c status=found clsid=1 cfd=C2 size=1"), lines);
        }
    }

    @Test
    void shouldAnswerOkThenReadNoMoreCommands()
    {
        try (SessionDriver driver = SessionDriver.create(""))
        {
            final SessionDriver.Connection w = driver.connect();
            // memcached answers OK from the watcher's buffer; a command after watch is never run
            assertEquals("OK\r\n", send(w, "watch\r\nset x 0 0 1\r\nx\r\n"));
            assertEquals("", send(w, "get x\r\n"));
            final SessionDriver.Connection client = driver.connect();
            assertEquals("END\r\n", send(client, "get x\r\n"));
            final String conns = send(client, "stats conns\r\n");
            assertTrue(conns.contains(":state conn_watch\r\n"), conns);
            assertEquals("1", stat(client, "log_watchers"));
            // watch alone watches fetchers; the stats commands look nothing up
            assertEquals(List.of("gid=+0 type=item_get key=x status=not_found clsid=0 cfd=C1 size=0"),
                WatchOracle.normalize(drain(w)));
            w.halfClose();
            w.close();
            assertEquals("0", stat(client, "log_watchers"));
        }
    }

    private static String stat(final SessionDriver.Connection c, final String name)
    {
        for (final String line : send(c, "stats\r\n").split("\r\n"))
        {
            if (line.startsWith("STAT " + name + " "))
            {
                return line.substring(("STAT " + name + " ").length());
            }
        }
        return null;
    }

    @Test
    void shouldAnswerWatchErrorsAsMemcachedDoes()
    {
        try (SessionDriver driver = SessionDriver.create(""))
        {
            final SessionDriver.Connection c = driver.connect();
            assertEquals("ERROR\r\n", send(c, "watch fetchers bogus\r\n"));
            // noreply silences the error; "noreply" is no stream
            assertEquals("", send(c, "watch fetchers noreply\r\n"));
            assertEquals("", send(c, "watch noreply\r\n"));
            assertEquals("END\r\nERROR cannot pipeline other commands before watch\r\n", send(c, "get a\r\nwatch\r\n"));
            // streams memcached knows but this server never fills are accepted
            assertEquals("OK\r\n", send(c, "watch rawcmds proxyreqs proxyevents proxyuser sysevents\r\n"));
        }
        try (SessionDriver driver = SessionDriver.create("-W"))
        {
            assertEquals("CLIENT_ERROR watch commands not allowed\r\n", send(driver.connect(), "watch\r\n"));
        }
    }

    @Test
    void shouldRefuseTheTwentyFirstWatcher()
    {
        try (SessionDriver driver = SessionDriver.create(""))
        {
            final List<SessionDriver.Connection> watchers = new ArrayList<>();
            for (int i = 0; i < LogStreams.WATCHER_LIMIT; i++)
            {
                watchers.add(watcher(driver, "mutations"));
            }
            final SessionDriver.Connection extra = driver.connect();
            assertEquals("WATCHER_TOO_MANY log watcher limit reached\r\n", send(extra, "watch\r\n"));
            // still a command connection
            assertEquals("END\r\n", send(extra, "get a\r\n"));
            watchers.get(7).halfClose();
            watchers.get(7).close();
            assertEquals("OK\r\n", send(extra, "watch mutations\r\n"));
            final SessionDriver.Connection client = driver.connect();
            assertEquals("STORED\r\n", send(client, "set a 0 0 1\r\nx\r\n"));
            watchers.set(7, extra);
            for (final SessionDriver.Connection w : watchers)
            {
                final List<String> lines = WatchOracle.normalize(drain(w));
                assertEquals(List.of("gid=+0 type=item_store key=a status=stored cmd=set ttl=0 clsid=1 cfd=C1 size=1"),
                    lines);
            }
        }
    }

    @Test
    void shouldWakeAWatcherOnceUntilItHasSentItsLines()
    {
        try (SessionDriver driver = SessionDriver.create(""))
        {
            final SessionDriver.Connection w = watcher(driver, "fetchers");
            final SessionDriver.Connection client = driver.connect();
            assertEquals(0, w.host.wakeups());
            send(client, "get a\r\nget b\r\n");
            assertEquals(1, w.host.wakeups());
            send(client, "get c\r\n");
            assertEquals(1, w.host.wakeups());
            assertEquals(3, WatchOracle.normalize(drain(w)).size());
            send(client, "get d\r\n");
            assertEquals(2, w.host.wakeups());
            assertEquals(1, WatchOracle.normalize(drain(w)).size());
        }
    }

    @Test
    void shouldSkipLinesAWatcherHasNoRoomForAndSaySo()
    {
        try (SessionDriver driver = SessionDriver.create("-o watcher_logbuf_size=1"))
        {
            final SessionDriver.Connection w = watcher(driver, "fetchers");
            final SessionDriver.Connection client = driver.connect();
            final StringBuilder gets = new StringBuilder();
            for (int i = 0; i < 30; i++)
            {
                gets.append("get key").append(i).append("\r\n");
            }
            send(client, gets.toString());
            final List<String> first = WatchOracle.normalize(drain(w));
            final int kept = first.size();
            // 1 KiB holds a few lines of ~85 bytes, each needing 128 bytes to spare
            assertTrue(kept >= 5 && kept < 12, first.toString());
            for (int i = 0; i < kept; i++)
            {
                assertTrue(first.get(i).contains(" key=key" + i + " "), first.toString());
            }
            send(client, "get last\r\n");
            final List<String> next = WatchOracle.normalize(drain(w));
            assertEquals(List.of("skipped=" + (30 - kept)), next.subList(0, 1));
            assertTrue(next.get(1).contains(" key=last "), next.toString());
            assertEquals(2, next.size());
            assertEquals(Integer.toString(30 - kept), stat(client, "log_watcher_skipped"));
            assertEquals(Integer.toString(kept + 1), stat(client, "log_watcher_sent"));
            assertEquals("31", stat(client, "log_worker_written"));
            assertEquals("0", stat(client, "log_worker_dropped"));
            send(client, "stats reset\r\n");
            assertEquals("0", stat(client, "log_watcher_skipped"));
            assertEquals("1", stat(client, "log_watchers"));
        }
    }

    @Test
    void shouldLogConnectionsWithMemcachedsCloseReasons()
    {
        try (SessionDriver driver = SessionDriver.create("-A"))
        {
            final SessionDriver.Connection w = watcher(driver, "connevents");
            final SessionDriver.Connection quits = driver.connect();
            send(quits, "quit\r\n");
            quits.close();
            final SessionDriver.Connection hangsUp = driver.connect();
            hangsUp.halfClose();
            hangsUp.close();
            final SessionDriver.Connection http = driver.connect();
            send(http, "GET / HTTP/1.1\r\n");
            http.close();
            final SessionDriver.Connection idle = driver.connect();
            idle.session.timedOut();
            idle.close();
            final SessionDriver.Connection other = watcher(driver, "fetchers");
            other.halfClose();
            other.close();
            final SessionDriver.Connection shuts = driver.connect();
            send(shuts, "shutdown\r\n");
            shuts.close();
            final List<String> lines = new ArrayList<>();
            for (final String line : WatchOracle.normalize(drain(w)))
            {
                lines.add(line.replaceAll("^gid=\\+[0-9]+ ", ""));
            }
            final List<String> expected = new ArrayList<>();
            final String[] reasons = {"normal", "normal", "error", "idle_timeout", "error", "shutdown"};
            for (int i = 0; i < reasons.length; i++)
            {
                // memcached closes a watcher from its logger thread without setting a reason
                final String c = "C" + (i + 1);
                expected.add("type=conn_new rip=127.0.0.1 rport=P transport=tcp cfd=" + c);
                expected.add("type=conn_close rip=127.0.0.1 rport=P transport=tcp reason=" + reasons[i] + " cfd=" + c);
            }
            assertEquals(expected, lines);
        }
    }

    @Test
    void shouldRenderSystemEventsAndAddressesAsMemcachedDoes()
    {
        try (SessionDriver driver = SessionDriver.create(""))
        {
            final SessionDriver.Connection w = watcher(driver, "sysevents connevents");
            final LogStreams logs = driver.server.logs;
            logs.crawlerStatus(5, io.memcached4j.core.ItemEvents.COLD_LRU, 3, 7, 2, 65, 1, 250, 12);
            logs.slabMove(3, 7, true);
            logs.slabMove(-1, 0, false);
            logs.connectionOpened(host("tcp6:[0:0:0:0:0:0:0:1]:4242", 99));
            logs.connectionClosed(host("unix:/tmp/memcached.sock", 100), LogStreams.CLOSE_NORMAL);
            final String out = drain(w);
            final List<String> lines = new ArrayList<>();
            for (final String line : WatchOracle.normalize(out))
            {
                lines.add(line.replaceAll("^gid=\\+[0-9]+ ", ""));
            }
            assertEquals(List.of(
                "type=lru_crawler crawler=5 lru=cold low_mark=3 next_reclaims=7 since_run=2 next_run=65 elapsed=1 " +
                    "examined=250 reclaimed=12",
                "type=slab_move src=3 dst=7 state=ok",
                "type=slab_move src=-1 dst=0 state=fail",
                "type=conn_new rip=::1 rport=P transport=tcp cfd=C1",
                "type=conn_close rip=unix rport=P transport=local reason=normal cfd=C2"), lines);
            assertTrue(out.contains(" rport=4242 ") && out.contains(" rport=0 "), out);
        }
        assertEquals("::1", LogStreams.ipv6("0:0:0:0:0:0:0:1"));
        assertEquals("::", LogStreams.ipv6("0:0:0:0:0:0:0:0"));
        assertEquals("fe80::1:2:3:4", LogStreams.ipv6("fe80:0:0:0:1:2:3:4"));
        assertEquals("2001:db8::1:0:0:1", LogStreams.ipv6("2001:db8:0:0:1:0:0:1"));
        assertEquals("1:0:2:0:3:0:4:0", LogStreams.ipv6("1:0:2:0:3:0:4:0"));
        assertEquals("1::", LogStreams.ipv6("1:0:0:0:0:0:0:0"));
        assertEquals("::1.2.3.4", LogStreams.ipv6("0:0:0:0:0:0:102:304"));
    }

    private static SessionHost host(final String peer, final long id)
    {
        return new SessionHost()
        {
            @Override
            public String peerAddress()
            {
                return peer;
            }

            @Override
            public String localAddress()
            {
                return "tcp:127.0.0.1:11211";
            }

            @Override
            public long connectionId()
            {
                return id;
            }
        };
    }
}
