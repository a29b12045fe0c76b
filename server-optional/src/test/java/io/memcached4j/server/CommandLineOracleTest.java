/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad command lines give the same message and exit status as the real memcached (Debian's 1.6.18, whose checks are
 * 1.6.39's). Not compared: {@code -o slab_chunk_max=0} and {@code =abc}, on which 1.6.18 dies of a division by zero
 * (1.6.39 refuses them; see {@link CommandLineTest}).
 */
class CommandLineOracleTest
{
    /** Command lines memcached refuses before it listens; 1.6.18 and 1.6.39 answer them alike. */
    private static final String[][] BAD = {
        {"-I", "2k"},
        {"-I", "2g"},
        {"-I", "1000"},
        {"-m", "1", "-I", "1m"},
        {"-m", "0"},
        {"-c", "0"},
        {"-c", "-5"},
        {"-t", "0"},
        {"-R", "0"},
        {"-f", "1"},
        {"-f", "abc"},
        {"-n", "0"},
        {"-B", "http"},
        {"-Q"},
        {"--bogus"},
        {"--li"},
        {"--ma=5"},
        {"--e"},
        {"-p"},
        {"--port"},
        {"--help=1"},
        {"-p", "70000"},
        {"-N", "0"},
        {"-N", "8"},
        {"-o", "foo"},
        {"-o", "foo,hashpower=20"},
        {"-o", "hashpower=5"},
        {"-o", "hashpower=40"},
        {"-o", "hashpower"},
        {"-o", "idle_timeout"},
        {"-o", "hash_algorithm=foo"},
        {"-o", "slab_automove=3"},
        {"-o", "slab_automove_window=2"},
        {"-o", "slab_automove_ratio=0"},
        {"-o", "tail_repair_time=5"},
        {"-o", "lru_crawler_sleep=2000000"},
        {"-o", "lru_crawler_tocrawl=abc"},
        {"-o", "hot_lru_pct=90"},
        {"-o", "warm_lru_pct=0"},
        {"-o", "hot_max_factor=0"},
        {"-o", "hot_lru_pct=50,warm_lru_pct=40"},
        {"-o", "temporary_ttl=10,no_lru_maintainer"},
        {"-o", "foo=1,hashpower=20"},
        {"-o", "watcher_logbuf_size=abc"},
        {"-o", "read_buf_mem_limit=-1"},
        {"-o", "slab_automove_freeratio"},
        {"-o", "slab_automove_freeratio=x"},
        {"-o", "slab_automove_freeratio=0.5x"},
        {"-o", "slab_sizes=40-80"},
        {"-o", "slab_sizes=100-90"},
        {"-o", "slab_sizes=100-104"},
        {"-U", "1", "-S", "-B", "binary"},
        {"-S", "-B", "ascii"},
        {"-Y", "/nonexistent/authfile", "-B", "binary"},
        {"-Y", "/nonexistent/authfile"},
        {"-o", "hashpower=12"},
        {"-t", "64", "-o", "hashpower=14"},
        // -L gives every slab class a page at start: 39 classes by default, 10 with -f 2 (the error comes after the
        // start-up notices, so root runs as root without one)
        {"-u", "root", "-L", "-m", "10"},
        {"-u", "root", "-L", "-m", "38"},
        {"-u", "root", "-L", "-f", "2", "-m", "9"},
    };

    /**
     * Command lines memcached fails to listen with, compared line for line: its own line for the item that failed
     * (getaddrinfo, bind or its reading of the item), then "failed to listen" with errno's text. {@code -p -1} listens
     * on any free port, so that nothing else's port matters; {@code -u root} keeps the root warning out.
     */
    private static final String[][] LISTEN_FAILURES = {
        {"-l", "127.0.0.1, 127.0.0.2"},
        {"-l", "127.0.0.1,127.0.0.2 "},
        {"-l", "192.0.2.1"},
        {"-l", "192.0.2.1,999.1.1.1"},
        {"-l", "999.1.1.1"},
        {"-l", ":11211"},
        {"-l", "127.0.0.1:abc"},
        {"-l", "127.0.0.1:-5"},
        {"-l", "[::1"},
        {"-l", "[::1]:5:6"},
        // inet_aton reads 0127 as octal 87, 08 is no number to it (a name then), hexadecimal is read
        {"-l", "0127.0.0.1"},
        {"-l", "08.0.0.1"},
        {"-l", "0x7f.1,0x"},
        {"-l", "4294967296"},
        // names that cannot go in a DNS query leave EMSGSIZE in errno
        {"-l", "127..0.1"},
        {"-l", "1.."},
        // an IPv4-mapped IPv6 address cannot be bound on an IPv6-only socket
        {"-l", "::ffff:127.0.0.1"},
        // the prefixes memcached refuses, and how it reads past them
        {"-l", "proto[proxy]:127.0.0.1"},
        {"-l", "127.0.0.1,proto[proxy]:127.0.0.2"},
        {"-l", "[::1],proto[p]:x"},
        {"-l", "proto[ascii127.0.0.1"},
        {"-l", "proto[ascii]127.0.0.1"},
        {"-l", "protox127.0.0.1"},
        {"-l", "tag[abcdefghi]:127.0.0.1"},
        {"-l", "tag[]:127.0.0.1"},
        {"-l", "tag[abc:127.0.0.1"},
        {"-l", "tag[abc]:proto[ascii]:127.0.0.1"},
        {"-l", "notls:127.0.0.1"},
        {"-l", "127.0.0.1,notls"},
    };

    /** Prefixes 1.6.39 reads and 1.6.18 does not. */
    private static final String[][] LISTEN_FAILURES_1_6_39 = {
        {"-l", "btls:127.0.0.1"},
        {"-l", "mtls:127.0.0.1"},
        {"-l", "tag_abc:127.0.0.1"},
        {"-l", "tag_abcdefghi_:127.0.0.1"},
    };

    /** Negative ports other than -1: memcached checks only the upper bound, and getaddrinfo refuses them. */
    private static final String[][] BAD_PORTS = {
        {"-p", "-2"},
        {"-p", "-2", "-l", "127.0.0.1"},
        {"-p", "0", "-U", "-2"},
        {"-p", "0", "-U", "-70000", "-l", "127.0.0.1"},
    };

    @Test
    @Timeout(120)
    void shouldFailToListenAsMemcachedDoes() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final List<String> differences = new ArrayList<>();
        final List<String[]> all = new ArrayList<>();
        final List<String[]> listenFailures = new ArrayList<>(List.of(LISTEN_FAILURES));
        if ("1.6.39".equals(TestServers.memcachedVersion()))
        {
            listenFailures.addAll(List.of(LISTEN_FAILURES_1_6_39));
        }
        for (final String[] args : listenFailures)
        {
            final List<String> withPort = new ArrayList<>(List.of("-u", "root", "-p", "-1"));
            withPort.addAll(List.of(args));
            all.add(withPort.toArray(new String[0]));
        }
        for (final String[] args : BAD_PORTS)
        {
            final List<String> asRoot = new ArrayList<>(List.of("-u", "root"));
            asRoot.addAll(List.of(args));
            all.add(asRoot.toArray(new String[0]));
        }
        for (final String[] args : all)
        {
            final Result theirs = memcached(args);
            final Result ours = ours(args);
            if (theirs.exit() != ours.exit() || !theirs.stderr().equals(ours.stderr()))
            {
                differences.add(String.join(" ", args) + "\n  memcached:   exit " + theirs.exit() + ", " +
                    theirs.stderr() + "\n  memcached4j: exit " + ours.exit() + ", " + ours.stderr());
            }
        }
        assertTrue(differences.isEmpty(), () -> String.join("\n", differences));
    }

    @Test
    @Timeout(120)
    void shouldRefuseBadCommandLinesAsMemcachedDoes() throws Exception
    {
        Assumptions.assumeTrue(TestServers.memcachedAvailable());
        final List<String> differences = new ArrayList<>();
        for (final String[] args : BAD)
        {
            final Result theirs = memcached(args);
            final Result ours = ours(args);
            if (theirs.exit() != ours.exit() || !theirs.firstLine().equals(ours.firstLine()))
            {
                differences.add(String.join(" ", args) + "\n  memcached:   " + theirs + "\n  memcached4j: " + ours);
            }
        }
        assertTrue(differences.isEmpty(), () -> String.join("\n", differences));
    }

    @Test
    void shouldExitZeroForHelpAndVersion()
    {
        final Result help = ours(new String[] {"-h"});
        assertEquals(0, help.exit());
        assertTrue(help.stdout().startsWith("memcached4j "), help.stdout());
        for (final Flags.Flag f : Flags.FLAGS)
        {
            assertTrue(help.stdout().contains("-" + f.shortName()), "help lists -" + f.shortName());
        }
        final Result version = ours(new String[] {"-V"});
        assertEquals(0, version.exit());
        assertTrue(version.stdout().matches("memcached4j \\S+\n"), version.stdout());
    }

    private record Result(int exit, String stdout, String stderr)
    {
        String firstLine()
        {
            final String text = stderr.isEmpty() ? stdout : stderr;
            final String line = text.split("\n", 2)[0];
            // getopt starts its messages with argv[0]
            return line.replaceFirst("^(\\S*/)?memcached(4j)?: ", "PROGRAM: ");
        }

        @Override
        public String toString()
        {
            return "exit " + exit + ", \"" + firstLine() + "\"";
        }
    }

    private static Result ours(final String[] args)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exit = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Result memcached(final String[] args) throws Exception
    {
        final List<String> cmd = new ArrayList<>();
        cmd.add(TestServers.MEMCACHED.toString());
        if (TestServers.isRoot())
        {
            cmd.add("-u");
            cmd.add("nobody");
        }
        cmd.addAll(List.of(args));
        final Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        if (!p.waitFor(5, TimeUnit.SECONDS))
        {
            p.destroyForcibly();
            p.waitFor();
            throw new AssertionError("memcached did not refuse " + String.join(" ", args));
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
            new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
