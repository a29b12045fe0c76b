/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.memcached4j.protocol.ServerSettings;

import static io.memcached4j.server.TestServers.Client;
import static io.memcached4j.server.TestServers.InProcess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
    void shouldSplitTheInterfacesAsStrtokDoes() throws Exception
    {
        assertEquals(List.of("127.0.0.1 11211 auto-negotiate", " 127.0.0.2 11211 auto-negotiate"),
            read("127.0.0.1, 127.0.0.2"));
        assertEquals(List.of("127.0.0.1 11211 auto-negotiate", "127.0.0.2 11211 auto-negotiate"),
            read("127.0.0.1;127.0.0.2"));
        assertEquals(List.of("127.0.0.1 11211 auto-negotiate", "127.0.0.2 11211 auto-negotiate"),
            read(",127.0.0.1,,127.0.0.2,"));
        assertEquals(List.of(), read(""));
    }

    @Test
    void shouldReadAnInterfaceAsMemcachedDoes() throws Exception
    {
        assertEquals(List.of("127.0.0.1 5 auto-negotiate"), read("127.0.0.1:5"));
        assertEquals(List.of("127.0.0.1 5 auto-negotiate"), read("127.0.0.1:+5"));
        assertEquals(List.of("::1 11211 auto-negotiate"), read("::1"));
        assertEquals(List.of("::1 5 auto-negotiate"), read("[::1]:5"));
        // what follows the bracket up to the colon is dropped
        assertEquals(List.of("::1 5 auto-negotiate"), read("[::1]x:5"));
        assertEquals(List.of("null 5 auto-negotiate"), read("*:5"));
        assertEquals(List.of(" 5 auto-negotiate"), read(":5"));
        assertEquals(List.of("127.0.0.1 11211 auto-negotiate", "Invalid port number: \"1x\"\n"),
            read("127.0.0.1,127.0.0.1:1x,127.0.0.2"));
        assertEquals(List.of("Invalid IPV6 address: \"[::1\""), read("[::1"));
    }

    /**
     * memcached 1.6.39's prefixes of an item, and how it reads an item that ends with one (each seen with memcached
     * 1.6.39 built without its proxy: where it listened, with which protocol, or the line it refused the item with).
     */
    @Test
    void shouldReadThePrefixesAsMemcachedDoes() throws Exception
    {
        assertEquals(List.of("127.0.0.1 11211 ascii"), read("proto[ascii]:127.0.0.1"));
        assertEquals(List.of("127.0.0.1 30021 binary"), read("proto[binary]:127.0.0.1:30021"));
        assertEquals(List.of("127.0.0.1 11211 auto-negotiate"), read("proto[negotiating]:127.0.0.1"));
        assertEquals(List.of("::1 30024 binary"), read("proto[binary]:[::1]:30024"));
        // a beginning of a name is that name; another name leaves -B's protocol
        assertEquals(List.of("127.0.0.1 11211 ascii"), read("proto[]:127.0.0.1"));
        assertEquals(List.of("127.0.0.1 11211 ascii"), read("proto[asc]:127.0.0.1"));
        assertEquals(List.of("127.0.0.1 11211 binary"), read("proto[b]:127.0.0.1"));
        assertEquals(List.of("127.0.0.1 11211 auto-negotiate"), read("proto[foo]:127.0.0.1"));
        assertEquals(List.of("127.0.0.1 11211 auto-negotiate"), read("proto[asciix]:127.0.0.1"));
        // the character after the bracket is skipped, whatever it is; "proto" without a bracket is dropped
        assertEquals(List.of("27.0.0.1 11211 ascii"), read("proto[ascii]127.0.0.1"));
        assertEquals(List.of("127.0.0.1 11211 auto-negotiate"), read("proto127.0.0.1"));
        assertEquals(List.of("x127.0.0.1 11211 auto-negotiate"), read("protox127.0.0.1"));
        assertEquals(List.of("Invalid protocol spec: \"[ascii127.0.0.1\"\n"), read("proto[ascii127.0.0.1"));
        // the proxy: the message shows the first item as far as memcached had read it
        assertEquals(List.of("Server not built with proxy: \"proto[proxy\"\n"), read("proto[proxy]:127.0.0.1"));
        assertEquals(List.of("127.0.0.1 11211 auto-negotiate", "Server not built with proxy: \"127.0.0.1\"\n"),
            read("127.0.0.1,proto[proxy]:127.0.0.2"));
        assertEquals(List.of("127.0.0.1:5:6 11211 auto-negotiate", "Server not built with proxy: \"tag[a\"\n"),
            read("tag[a]:127.0.0.1:5:6,proto[proxy]:x"));
        assertEquals(List.of("::1 30023 auto-negotiate", "Server not built with proxy: \"[::1\"\n"),
            read("[::1]:30023,proto[proxy]:x"));
        // tags: 1 to 8 characters, in brackets or between underscores
        assertEquals(List.of("127.0.0.1 11211 auto-negotiate"), read("tag[abc]:127.0.0.1"));
        assertEquals(List.of("127.0.0.1 11211 auto-negotiate"), read("tag_abc_:127.0.0.1"));
        assertEquals(List.of("127.0.0.1 11211 ascii"), read("proto[ascii]:tag[abcdefgh]:127.0.0.1"));
        assertEquals(List.of("127.0.0.1 11211 auto-negotiate"), read("tag127.0.0.1"));
        assertEquals(List.of("Listener tags must be between 1 and 8 characters: \"abcdefghi\"\n"),
            read("tag[abcdefghi]:127.0.0.1"));
        assertEquals(List.of("Listener tags must be between 1 and 8 characters: \"\"\n"), read("tag[]:127.0.0.1"));
        assertEquals(List.of("Invalid tag in socket config: \"_abc:127.0.0.1\"\n"), read("tag_abc:127.0.0.1"));
        assertEquals(List.of("Invalid tag in socket config: \"[abc:127.0.0.1\"\n"), read("tag[abc:127.0.0.1"));
        // a tag before proto: proto is then read as the host, and the address as its port
        assertEquals(List.of("Invalid port number: \"127.0.0.1\"\n"), read("tag[abc]:proto[ascii]:127.0.0.1"));
        // TLS modes need -Z
        assertEquals(List.of("'notls' option is valid only when SSL is enabled\n"), read("notls:127.0.0.1"));
        assertEquals(List.of("'notls' option is valid only when SSL is enabled\n"), read("notlsfoo"));
        assertEquals(List.of("'btls' option is valid only when SSL is enabled\n"), read("btls:127.0.0.1"));
        assertEquals(List.of("'otls' option is valid only when SSL is enabled\n"), read("mtls:127.0.0.1"));
        assertEquals(List.of("127.0.0.1 11211 auto-negotiate", "'notls' option is valid only when SSL is enabled\n"),
            read("127.0.0.1,notls:127.0.0.2"));
    }

    /**
     * A prefix that ends an item: memcached skips the character it expects after the bracket, the end of the item,
     * and reads on in the next item (or finds nothing after the last).
     */
    @Test
    void shouldReadPastAPrefixThatEndsAnItemAsMemcachedDoes() throws Exception
    {
        assertEquals(List.of(" 11211 ascii"), read("proto[ascii]"));
        assertEquals(List.of(" 11211 ascii"), read("proto[ascii]:"));
        assertEquals(List.of(" 11211 auto-negotiate"), read("tag[ab]"));
        // the next item is read twice, the second time after memcached ended its host where its port starts
        assertEquals(List.of("127.0.0.1 11211 ascii", "127.0.0.1 11211 auto-negotiate"),
            read("proto[ascii],127.0.0.1"));
        assertEquals(List.of("127.0.0.1 30025 ascii", "127.0.0.1 11211 auto-negotiate"),
            read("proto[ascii],127.0.0.1:30025"));
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

    /**
     * glibc's {@code inet_aton}, which {@code getaddrinfo} reads a numeric IPv4 host with (each case seen listening,
     * or failing as a name, with memcached 1.6.39).
     */
    @Test
    void shouldReadIpv4AddressesAsInetAtonDoes()
    {
        final String[][] addresses = {
            {"127.0.0.1", "127.0.0.1"},
            {"127.1", "127.0.0.1"},
            {"127.0.1", "127.0.0.1"},
            {"127.256", "127.0.1.0"},
            {"2130706433", "127.0.0.1"},
            {"0x7f000001", "127.0.0.1"},
            {"0x7f.1", "127.0.0.1"},
            {"0X7F.0.0.1", "127.0.0.1"},
            {"0177.0.0.1", "127.0.0.1"},
            {"127.0.0.01", "127.0.0.1"},
            {"0127.0.0.1", "87.0.0.1"},
            {"0", "0.0.0.0"},
            {"00", "0.0.0.0"},
            {"0x0", "0.0.0.0"},
            {"4294967295", "255.255.255.255"},
            {"1.16777215", "1.255.255.255"},
            {"1.2.65535", "1.2.255.255"},
        };
        for (final String[] a : addresses)
        {
            final byte[] bytes = HostLookup.inetAton(a[0]);
            assertNotNull(bytes, a[0]);
            assertEquals(a[1], (bytes[0] & 0xFF) + "." + (bytes[1] & 0xFF) + "." + (bytes[2] & 0xFF) + "." +
                (bytes[3] & 0xFF), a[0]);
        }
        for (final String name : new String[] {"", "08.0.0.1", "09", "0x", "0xg", "127.0.0.1.", "127..0.1", ".1",
            "127.0.0.1 ", " 127.0.0.1", "+1", "1.2.3.4.5", "4294967296", "0x100000000", "256.1", "1.2.65536",
            "1.16777216", "1.2.3.256", "127.0.0.1x", "localhost", "::1", "\u0661.0.0.1"})
        {
            assertNull(HostLookup.inetAton(name), name);
        }
    }

    @Test
    void shouldLookUpHostsAsGetaddrinfoDoes() throws Exception
    {
        assertEquals("/127.0.0.1", HostLookup.lookUp("0x7f.1")[0].toString());
        // the JDK reads these as decimal addresses; getaddrinfo looks them up as names, and finds none
        for (final String name : new String[] {"08.0.0.1", "1.09", "0127.0.0.0009"})
        {
            final HostLookup.NoAddress none = assertThrows(HostLookup.NoAddress.class, () -> HostLookup.lookUp(name));
            assertEquals("Name or service not known", none.getMessage());
            assertEquals("Success", none.errno());
        }
        // an IPv4-mapped address stays an IPv6 address
        final InetAddress mapped = HostLookup.lookUp("::ffff:127.0.0.1")[0];
        assertTrue(mapped instanceof Inet6Address, mapped.toString());
        assertEquals(16, mapped.getAddress().length);
    }

    /**
     * What errno holds after a name glibc finds nowhere: {@code EMSGSIZE} when the name cannot be put in a DNS query
     * (seen with memcached 1.6.39 for each of these).
     */
    @Test
    void shouldLeaveErrnoAsANameLookupLeavesIt()
    {
        final String label63 = "a".repeat(63);
        for (final String name : new String[] {"", "nosuchhost", ".", "a.", "-", "127.0.0.1.", "08.0.0.1", label63,
            String.join(".", label63, label63, label63, "a".repeat(61))})
        {
            assertEquals("Success", HostLookup.errnoAfterLookup(name), name);
        }
        for (final String name : new String[] {"..", ".a", "a..b", "127..0.1", "1..", "127.0.0.1..", label63 + "a",
            String.join(".", label63, label63, label63, "a".repeat(62))})
        {
            assertEquals("Message too long", HostLookup.errnoAfterLookup(name), name);
        }
    }

    /**
     * Each form of an IPv4 address listens where memcached listens: {@code stats conns} shows the listening
     * socket's address (an IPv4 socket, not the JDK's IPv6 socket that also takes IPv4).
     */
    @Test
    void shouldListenWhereMemcachedListens() throws Exception
    {
        final String[][] forms = {
            {"0x7f.1", "127.0.0.1"},
            {"127.1", "127.0.0.1"},
            {"2130706433", "127.0.0.1"},
            {"0177.0.0.1", "127.0.0.1"},
            {"127.256", "127.0.1.0"},
            {"0", "127.0.0.1"},
            {"0x0", "127.0.0.1"},
        };
        final boolean oracle = TestServers.memcachedAvailable();
        for (final String[] form : forms)
        {
            final int port = TestServers.freePort();
            try (InProcess ours = new InProcess(false, "-p", Integer.toString(port), "-l", form[0]))
            {
                final String listening = listeners(form[1], port);
                assertEquals(1, ours.server.localAddresses().size(), form[0]);
                assertTrue(listening.matches("tcp:[0-9.]+:N\n"), form[0] + ": " + listening);
                if (oracle)
                {
                    final int theirs = TestServers.freePort();
                    try (TestServers.Forked memcached = new TestServers.Forked(memcachedCommand(), 0, "-p",
                        Integer.toString(theirs), "-l", form[0]))
                    {
                        TestServers.awaitPort(form[1], theirs, memcached.process);
                        assertEquals(listeners(form[1], theirs), listening, form[0]);
                    }
                }
            }
        }
    }

    /**
     * The items of an {@code -l} text as memcached reads them, with port 11211 and {@code -B auto}: host, port and
     * protocol of each, then memcached's lines for an item it refuses.
     */
    private static List<String> read(final String inter)
    {
        final List<String> items = new java.util.ArrayList<>();
        final ListenList list = new ListenList(inter, 11211, ServerSettings.BindingProtocol.AUTO);
        try
        {
            for (ListenList.Interface i = list.next(); i != null; i = list.next())
            {
                items.add(i.host() + " " + i.port() + " " + i.protocol().statsName());
            }
        }
        catch (final MemcachedServer.ListenFailure ex)
        {
            assertEquals("Success", ex.error());
            items.add(ex.lines());
        }
        return items;
    }

    private static List<String> memcachedCommand()
    {
        return TestServers.isRoot() ? List.of(TestServers.MEMCACHED.toString(), "-u", "nobody") :
            List.of(TestServers.MEMCACHED.toString());
    }

    /** The addresses of the listening sockets {@code stats conns} shows, the port masked. */
    private static String listeners(final String host, final int port) throws Exception
    {
        final StringBuilder found = new StringBuilder();
        try (Socket s = new Socket(host, port))
        {
            s.getOutputStream().write("stats conns\r\n".getBytes(StandardCharsets.US_ASCII));
            final java.io.BufferedReader in = new java.io.BufferedReader(
                new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            final List<String> lines = new java.util.ArrayList<>();
            for (String line = in.readLine(); line != null && !"END".equals(line); line = in.readLine())
            {
                lines.add(line);
            }
            for (final String line : lines)
            {
                if (line.endsWith(":state conn_listening"))
                {
                    final String id = line.substring("STAT ".length(), line.indexOf(':'));
                    for (final String other : lines)
                    {
                        if (other.startsWith("STAT " + id + ":addr "))
                        {
                            found.append(other.substring(other.indexOf(' ', 5) + 1).replaceFirst(":" + port + "$",
                                ":N")).append('\n');
                        }
                    }
                }
            }
        }
        return found.toString();
    }
}
