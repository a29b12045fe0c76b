/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server.clients;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.memcached4j.protocol.SaslAuthenticator;
import io.memcached4j.server.clients.Servers.Server;

import static io.memcached4j.server.clients.Scenarios.bytes;
import static io.memcached4j.server.clients.Scenarios.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Logging in: SASL PLAIN over the binary protocol ({@code -S}) with spymemcached, xmemcached and Folsom, and
 * memcached's ASCII authentication ({@code -Y}) with Folsom; and both on raw sockets, where memcached4j must answer
 * byte for byte as the real memcached started in the same run.
 * <p>
 * memcached4j reads its SASL users from {@code MEMCACHED_SASL_PWDB} ({@code user@host:password} lines: like memcached's
 * SASL library, it appends the host's name as the realm to a user name without one). Debian's memcached is built with
 * Cyrus SASL but without that file support, so it gets the same user in a sasldb made with {@code saslpasswd2}, which
 * files it under the same realm, and a {@code memcached.conf} that {@code SASL_CONF_PATH} points to.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AuthenticationTest
{
    private static final String USER = "alice";
    private static final String PASSWORD = "s3cret:pass";
    private static final long REFUSED_TIMEOUT_MS = 500;

    private Path dir;
    private Path passwordFile;
    private Path saslPasswordFile;
    private boolean sasldbMade;

    @BeforeAll
    void writePasswordFile() throws IOException
    {
        dir = Servers.sharedTempDirectory();
        passwordFile = dir.resolve("users");
        Files.writeString(passwordFile, USER + ":" + PASSWORD + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-r--r--"));
        saslPasswordFile = dir.resolve("sasl-users");
        Files.writeString(saslPasswordFile, USER + "@" + SaslAuthenticator.hostName() + ":" + PASSWORD + "\n",
            StandardCharsets.UTF_8);
    }

    @AfterAll
    void deleteFiles()
    {
        Servers.deleteTree(dir);
    }

    private Server oursWithSasl() throws Exception
    {
        return Servers.ours(Map.of("MEMCACHED_SASL_PWDB", saslPasswordFile.toString()), "-S");
    }

    private Server memcachedWithSasl() throws Exception
    {
        Servers.requireMemcached();
        Servers.require(Files.isExecutable(Servers.SASLPASSWD2), Servers.SASLPASSWD2.toString(),
            "apt-get install sasl2-bin");
        if (!sasldbMade)
        {
            final Path sasldb = dir.resolve("sasldb2");
            final Process p = new ProcessBuilder(Servers.SASLPASSWD2.toString(), "-p", "-c", "-f", sasldb.toString(),
                "-a", "memcached", USER).redirectErrorStream(true).start();
            try (OutputStream in = p.getOutputStream())
            {
                in.write(PASSWORD.getBytes(StandardCharsets.UTF_8));
            }
            final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0, "saslpasswd2: " + out);
            Files.setPosixFilePermissions(sasldb, PosixFilePermissions.fromString("rw-r--r--"));
            Files.writeString(dir.resolve("memcached.conf"), "mech_list: plain\nsasldb_path: " + sasldb + "\n",
                StandardCharsets.US_ASCII);
            sasldbMade = true;
        }
        return Servers.memcached(Map.of("SASL_CONF_PATH", dir.toString()), "-S");
    }

    private Server oursWithAsciiAuth() throws Exception
    {
        return Servers.ours(Map.of(), "-Y", passwordFile.toString());
    }

    private Server memcachedWithAsciiAuth() throws Exception
    {
        return Servers.memcached(Map.of(), "-Y", passwordFile.toString());
    }

    @Test
    void shouldAnswerSaslOverTheBinaryProtocolAsMemcached() throws Exception
    {
        final List<String> ours;
        try (Server server = oursWithSasl())
        {
            ours = saslTranscript(server.port());
        }
        try (Server server = memcachedWithSasl())
        {
            final String memcached = String.join("\n", saslTranscript(server.port()));
            System.out.println(memcached);
            assertEquals(memcached, String.join("\n", ours));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"spymemcached", "xmemcached", "folsom"})
    void shouldLogInWithSaslPlain(final String library) throws Exception
    {
        try (Server server = oursWithSasl())
        {
            assertSaslLogin(library, server.port());
        }
        try (Server server = memcachedWithSasl())
        {
            assertSaslLogin(library, server.port());
        }
    }

    @Test
    void shouldAnswerAsciiAuthenticationAsMemcached() throws Exception
    {
        final List<String> ours;
        try (Server server = oursWithAsciiAuth())
        {
            ours = asciiAuthTranscript(server.port());
        }
        try (Server server = memcachedWithAsciiAuth())
        {
            final String memcached = String.join("\n", asciiAuthTranscript(server.port()));
            System.out.println(memcached);
            assertEquals(memcached, String.join("\n", ours));
        }
    }

    @Test
    void shouldLogInWithFolsomAsciiAuthentication() throws Exception
    {
        try (Server server = oursWithAsciiAuth())
        {
            assertAsciiLogin(server.port());
        }
        try (Server server = memcachedWithAsciiAuth())
        {
            assertAsciiLogin(server.port());
        }
    }

    private static Memcache saslClient(final String library, final int port, final String user, final String password,
        final long timeoutMs) throws Exception
    {
        return switch (library)
        {
            case "spymemcached" -> new Spymemcached(port, true, user, password, timeoutMs);
            case "xmemcached" -> new Xmemcached(port, true, user, password, timeoutMs);
            case "folsom" -> new Folsom(port, true, user, password, timeoutMs);
            default -> throw new IllegalArgumentException(library);
        };
    }

    private static void assertSaslLogin(final String library, final int port) throws Exception
    {
        try (Memcache c = saslClient(library, port, USER, PASSWORD, 5000))
        {
            assertTrue(c.set("k", bytes("v"), 0));
            assertEquals("v", text(c.get("k")));
            assertRefused(() -> saslClient(library, port, USER, "wrong", REFUSED_TIMEOUT_MS), "wrong-password");
            assertRefused(() -> saslClient(library, port, null, null, REFUSED_TIMEOUT_MS), "anonymous");
            assertNull(c.get("wrong-password"));
            assertNull(c.get("anonymous"));
        }
    }

    private static void assertAsciiLogin(final int port) throws Exception
    {
        try (Memcache c = new Folsom(port, false, USER, PASSWORD, 5000))
        {
            assertTrue(c.set("k", bytes("v"), 0));
            assertEquals("v", text(c.get("k")));
            assertRefused(() -> new Folsom(port, false, USER, "wrong", REFUSED_TIMEOUT_MS), "wrong-password");
            assertNull(c.get("wrong-password"));
        }
    }

    private interface Opener
    {
        Memcache open() throws Exception;
    }

    /**
     * A client that did not log in stores nothing: it fails to connect, or its set fails or times out.
     */
    private static void assertRefused(final Opener opener, final String key)
    {
        boolean stored;
        try (Memcache c = opener.open())
        {
            stored = c.set(key, bytes("should not be stored"), 0);
        }
        catch (final Exception ex)
        {
            stored = false;
        }
        assertFalse(stored, key);
    }

    // ---- raw binary protocol ---------------------------------------------------------------------------------------

    private static final int SET = 0x01;
    private static final int GET = 0x00;
    private static final int NOOP = 0x0a;
    private static final int VERSION = 0x0b;
    private static final int SASL_LIST_MECHS = 0x20;
    private static final int SASL_AUTH = 0x21;
    private static final int SASL_STEP = 0x22;

    /**
     * One connection per step, since memcached closes a connection after some refusals; after each step a
     * {@code version} shows whether the connection is still open.
     */
    private static List<String> saslTranscript(final int port) throws IOException
    {
        final String login = "\0" + USER + "\0" + PASSWORD;
        final List<String> t = new ArrayList<>();
        t.add(saslStep(port, "anonymous get", new Request(GET, "k", "")));
        t.add(saslStep(port, "anonymous set", new Request(SET, "k", "v")));
        t.add(saslStep(port, "anonymous noop", new Request(NOOP, "", "")));
        t.add(saslStep(port, "list mechs", new Request(SASL_LIST_MECHS, "", "")));
        t.add(saslStep(port, "wrong password", new Request(SASL_AUTH, "PLAIN", "\0" + USER + "\0wrong"),
            new Request(GET, "k", "")));
        t.add(saslStep(port, "unknown user", new Request(SASL_AUTH, "PLAIN", "\0bob\0" + PASSWORD)));
        t.add(saslStep(port, "unknown mechanism", new Request(SASL_AUTH, "NOPE", login)));
        t.add(saslStep(port, "step without start", new Request(SASL_STEP, "PLAIN", login)));
        t.add(saslStep(port, "login", new Request(SASL_AUTH, "PLAIN", login), new Request(SET, "k", "v"),
            new Request(GET, "k", ""), new Request(SASL_LIST_MECHS, "", "")));
        try (Socket s = connect(port))
        {
            t.add("ascii on a SASL server: " + exchange(s, "get k\r\n"));
        }
        return t;
    }

    private record Request(int opcode, String key, String value)
    {
    }

    private static String saslStep(final int port, final String name, final Request... requests) throws IOException
    {
        final StringBuilder t = new StringBuilder(name).append(':');
        try (Socket s = connect(port))
        {
            for (final Request r : requests)
            {
                t.append("\n  ").append(binary(s, r.opcode(), r.key(), r.value(), new byte[r.opcode() == SET ? 8 : 0]));
            }
            t.append("\n  then version: ")
                .append(binary(s, VERSION, "", "", new byte[0]).replaceAll("body=\\S+", "body=<version>"));
        }
        return t.toString();
    }

    private static List<String> asciiAuthTranscript(final int port) throws IOException
    {
        final String login = USER + " " + PASSWORD;
        final List<String> t = new ArrayList<>();
        try (Socket s = connect(port))
        {
            t.add("get before login: " + exchange(s, "get k\r\n"));
        }
        try (Socket s = connect(port))
        {
            t.add("version before login: " + exchange(s, "version\r\n").replaceAll("VERSION \\S+", "VERSION <v>"));
        }
        try (Socket s = connect(port))
        {
            t.add("wrong password: " + exchange(s, "set auth 0 0 11\r\nalice wrong\r\n"));
            t.add("a set after the wrong password: " + exchange(s, "set k 0 0 1\r\nv\r\n"));
            t.add("a get after the wrong password: " + exchange(s, "get k\r\n"));
        }
        try (Socket s = connect(port))
        {
            // commands read at once before a login share one reply, the last one's
            t.add("pipelined before login: " + exchange(s, "get k\r\nset auth 0 0 11\r\nalice wrong\r\nget k\r\n"));
            t.add("pipelined login: " + exchange(s, "get k\r\nset auth 0 0 " + login.length() + "\r\n" + login +
                "\r\nget k\r\n"));
        }
        try (Socket s = connect(port))
        {
            t.add("no space: " + exchange(s, "set auth 0 0 5\r\nalice\r\n"));
        }
        try (Socket s = connect(port))
        {
            t.add("login: " + exchange(s, "set auth 0 0 " + login.length() + "\r\n" + login + "\r\n"));
            t.add("commands: " + exchange(s, "set k 0 0 1\r\nv\r\nget k\r\ndelete k\r\n"));
        }
        try (Socket s = connect(port))
        {
            t.add("binary before login: " + binary(s, GET, "k", "", new byte[0]));
        }
        try (Socket s = connect(port))
        {
            // a payload longer than the 16 KiB read buffer: waited for while it fills the buffer, closed after
            t.add("a full read buffer: " + exchange(s, "set auth 0 0 20000\r\n" + "p".repeat(16_384)));
            t.add("one more byte: " + exchange(s, "p"));
        }
        return t;
    }

    private static Socket connect(final int port) throws IOException
    {
        final Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        s.setSoTimeout(2000);
        return s;
    }

    /**
     * Send text and read what comes back until no more comes (100 ms after a line end, 500 ms otherwise);
     * {@code <closed>} marks a close, {@code <reset>} a reset.
     */
    private static String exchange(final Socket s, final String request) throws IOException
    {
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        final InputStream in = s.getInputStream();
        final byte[] buf = new byte[4096];
        try
        {
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            while (true)
            {
                final String sofar = got.toString(StandardCharsets.ISO_8859_1);
                s.setSoTimeout(sofar.endsWith("\r\n") ? 100 : 500);
                final int n = in.read(buf);
                if (n < 0)
                {
                    got.write("<closed>".getBytes(StandardCharsets.US_ASCII));
                    break;
                }
                got.write(buf, 0, n);
            }
        }
        catch (final SocketTimeoutException ex)
        {
            // nothing more
        }
        catch (final SocketException ex)
        {
            got.write("<reset>".getBytes(StandardCharsets.US_ASCII));
        }
        return got.toString(StandardCharsets.ISO_8859_1).replace("\r\n", "\\r\\n");
    }

    /**
     * One binary request and its response, as {@code status=... body=...}, or how the connection ended.
     */
    private static String binary(final Socket s, final int opcode, final String key, final String value,
        final byte[] extras) throws IOException
    {
        final byte[] k = key.getBytes(StandardCharsets.ISO_8859_1);
        final byte[] v = value.getBytes(StandardCharsets.ISO_8859_1);
        final ByteBuffer request = ByteBuffer.allocate(24 + extras.length + k.length + v.length);
        request.put((byte)0x80).put((byte)opcode).putShort((short)k.length).put((byte)extras.length).put((byte)0)
            .putShort((short)0).putInt(extras.length + k.length + v.length).putInt(0x1234).putLong(0)
            .put(extras).put(k).put(v);
        s.setSoTimeout(500);
        final DataInputStream in = new DataInputStream(s.getInputStream());
        try
        {
            s.getOutputStream().write(request.array());
            s.getOutputStream().flush();
            final byte[] header = new byte[24];
            in.readFully(header);
            final ByteBuffer h = ByteBuffer.wrap(header);
            final int magic = h.get() & 0xff;
            final int op = h.get() & 0xff;
            final int keyLength = h.getShort() & 0xffff;
            final int extrasLength = h.get() & 0xff;
            h.get();
            final int status = h.getShort() & 0xffff;
            final int bodyLength = h.getInt();
            final int opaque = h.getInt();
            final byte[] body = new byte[bodyLength];
            in.readFully(body);
            final String shown = new String(body, extrasLength + keyLength, bodyLength - extrasLength - keyLength,
                StandardCharsets.ISO_8859_1);
            return String.format("magic=%02x op=%02x status=%04x opaque=%x extras=%s key=%s body=%s", magic, op,
                status, opaque, HexFormat.of().formatHex(body, 0, extrasLength),
                new String(body, extrasLength, keyLength, StandardCharsets.ISO_8859_1),
                shown.isEmpty() ? "-" : shown.replace("\0", "\\0"));
        }
        catch (final EOFException | SocketException ex)
        {
            // a FIN or, when the request crossed the close, a reset
            return "<closed>";
        }
        catch (final SocketTimeoutException ex)
        {
            return "<no reply>";
        }
    }
}
