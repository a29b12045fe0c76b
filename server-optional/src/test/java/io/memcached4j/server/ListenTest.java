/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.memcached4j.server.TestServers.Client;
import static io.memcached4j.server.TestServers.InProcess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code -l}, {@code -p} and {@code -U} as memcached 1.6.39 reads and binds them (the failures are compared with the
 * real memcached by {@link CommandLineOracleTest}).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ListenTest
{
    @Test
    void shouldSplitTheInterfacesAsStrtokDoes()
    {
        assertEquals(List.of("127.0.0.1", " 127.0.0.2"), MemcachedServer.listenItems("127.0.0.1, 127.0.0.2"));
        assertEquals(List.of("127.0.0.1", "127.0.0.2"), MemcachedServer.listenItems("127.0.0.1;127.0.0.2"));
        assertEquals(List.of("127.0.0.1", "127.0.0.2"), MemcachedServer.listenItems(",127.0.0.1,,127.0.0.2,"));
        assertEquals(List.of(), MemcachedServer.listenItems(""));
    }

    @Test
    void shouldReadAnInterfaceAsMemcachedDoes() throws Exception
    {
        assertEquals(new MemcachedServer.Interface("127.0.0.1", 11211),
            MemcachedServer.parseInterface("127.0.0.1", 11211));
        assertEquals(new MemcachedServer.Interface("127.0.0.1", 5), MemcachedServer.parseInterface("127.0.0.1:5", 1));
        assertEquals(new MemcachedServer.Interface("127.0.0.1", 5), MemcachedServer.parseInterface("127.0.0.1:+5", 1));
        assertEquals(new MemcachedServer.Interface("::1", 1), MemcachedServer.parseInterface("::1", 1));
        assertEquals(new MemcachedServer.Interface("::1", 5), MemcachedServer.parseInterface("[::1]:5", 1));
        // what follows the bracket up to the colon is dropped
        assertEquals(new MemcachedServer.Interface("::1", 5), MemcachedServer.parseInterface("[::1]x:5", 1));
        assertEquals(new MemcachedServer.Interface(null, 5), MemcachedServer.parseInterface("*:5", 1));
        assertEquals(new MemcachedServer.Interface("", 5), MemcachedServer.parseInterface(":5", 1));
        assertEquals(new MemcachedServer.Interface(" 127.0.0.2", 1), MemcachedServer.parseInterface(" 127.0.0.2", 1));
        final MemcachedServer.ListenFailure port = assertThrows(MemcachedServer.ListenFailure.class,
            () -> MemcachedServer.parseInterface("127.0.0.1:1x", 1));
        assertEquals("Invalid port number: \"1x\"\n", port.lines());
        assertEquals("Success", port.error());
        final MemcachedServer.ListenFailure bracket = assertThrows(MemcachedServer.ListenFailure.class,
            () -> MemcachedServer.parseInterface("[::1", 1));
        assertEquals("Invalid IPV6 address: \"[::1\"", bracket.lines());
    }

    /**
     * memcached passes port -1 to getaddrinfo as 0: it listens on a free port the system picks, and {@code stats
     * settings} shows -1 (seen with memcached 1.6.39, TCP and UDP).
     */
    @Test
    void shouldListenOnAFreePortForMinusOneAsMemcachedDoes() throws Exception
    {
        try (InProcess server = new InProcess(false, "-p", "-1", "-U", "-1", "-l", "127.0.0.1"))
        {
            final List<SocketAddress> tcp = server.server.localAddresses();
            assertEquals(1, tcp.size());
            final int port = ((InetSocketAddress)tcp.get(0)).getPort();
            assertTrue(port > 0, tcp.toString());
            final List<SocketAddress> udp = server.server.udpAddresses();
            assertEquals(1, udp.size());
            assertTrue(((InetSocketAddress)udp.get(0)).getPort() > 0, udp.toString());
            try (Client c = new Client(port))
            {
                final Map<String, String> settings = TestServers.stats(c, "stats settings");
                assertEquals("-1", settings.get("tcpport"));
                assertEquals("-1", settings.get("udpport"));
            }
        }
    }

    @Test
    void shouldFailWithMemcachedsLinesWhenAnInterfaceCannotBeBound() throws Exception
    {
        final java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        final Main.Started started = Main.start(CommandLine.parse("-u", "root", "-p", "-1", "-l",
            "127.0.0.1, 127.0.0.2"), new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        assertNull(started.server());
        assertEquals(71, started.status());
        assertEquals("getaddrinfo(): Name or service not known\n" +
            "failed to listen on one of interface(s) 127.0.0.1, 127.0.0.2: Success\n", err.toString());
    }
}
