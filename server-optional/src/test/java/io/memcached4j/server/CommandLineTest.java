/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.memcached4j.core.CacheConfig;
import io.memcached4j.protocol.ServerSettings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommandLineTest
{
    @Test
    void shouldUseMemcachedDefaults() throws Exception
    {
        final ServerOptions o = CommandLine.parse();
        final ServerSettings s = o.serverSettings();
        assertEquals(11211, s.tcpPort());
        assertEquals(0, s.udpPort());
        assertEquals(1024, s.maxConnections());
        assertEquals(4, s.threads());
        assertEquals(20, s.reqsPerEvent());
        assertEquals(1024, s.tcpBacklog());
        assertEquals(ServerSettings.BindingProtocol.AUTO, s.bindingProtocol());
        assertTrue(s.maxconnsFast());
        assertNull(s.listenInterface());
        final CacheConfig c = o.cacheBuilder().config();
        assertEquals(64L << 20, c.memoryLimit());
        assertEquals(1 << 20, c.itemSizeMax());
        assertEquals(512 * 1024, c.slabChunkMax());
        assertEquals(48, c.minSpace());
        assertTrue(c.casEnabled());
        assertTrue(c.evictionsEnabled());
        assertTrue(c.lruCrawler());
        assertTrue(c.lruMaintainer());
        assertTrue(c.slabReassign());
        assertTrue(o.notices().isEmpty());
    }

    @Test
    void shouldReadShortLongBundledAndAttachedForms() throws Exception
    {
        final ServerOptions o = CommandLine.parse("-vv", "-p11311", "--memory-limit=256", "--conn-limit", "2048",
            "-t", "2", "--threads=3", "-MC", "-I", "10m", "--listen=127.0.0.1", "-l", "::1", "-vU0", "extra");
        final ServerSettings s = o.serverSettings();
        assertEquals(3, o.verbosity());
        assertEquals(11311, s.tcpPort());
        assertEquals(0, s.udpPort());
        assertEquals(2048, s.maxConnections());
        assertEquals(3, s.threads());
        assertEquals("127.0.0.1,::1", s.listenInterface());
        final CacheConfig c = o.cacheBuilder().config();
        assertEquals(256L << 20, c.memoryLimit());
        assertEquals(10 << 20, c.itemSizeMax());
        assertFalse(c.evictionsEnabled());
        assertFalse(c.casEnabled());
    }

    @Test
    void shouldAcceptUniqueLongPrefixesAndRefuseAmbiguousOnes() throws Exception
    {
        assertEquals(12000, CommandLine.parse("--po=12000").tcpPort());
        final CommandLineException ex = assertThrows(CommandLineException.class,
            () -> CommandLine.parse("--disable"));
        assertTrue(ex.getMessage().startsWith("memcached4j: option '--disable' is ambiguous; possibilities:"));
        assertEquals(1, ex.exitCode());
    }

    /**
     * glibc's getopt names an ambiguous option as it was given, with its value, and lists the candidates in the order
     * of memcached's option table (seen with memcached 1.6.39).
     */
    @Test
    void shouldListTheCandidatesOfAnAmbiguousPrefixAsGetoptDoes()
    {
        assertRefused(1, "memcached4j: option '--li' is ambiguous; possibilities: '--license' '--listen' " +
            "'--listen-backlog'\nIllegal argument \"?\"", "--li");
        assertRefused(1, "memcached4j: option '--ma=5' is ambiguous; possibilities: '--max-reqs-per-event' " +
            "'--max-item-size'\nIllegal argument \"?\"", "--ma=5");
        assertRefused(1, "memcached4j: option '--e' is ambiguous; possibilities: '--enable-shutdown' '--enable-ssl' " +
            "'--enable-coredumps' '--enable-largepages' '--enable-sasl' '--extended'\n", "--e");
        assertRefused(1, "memcached4j: option '--d' is ambiguous; possibilities: '--disable-evictions' '--daemon' " +
            "'--disable-cas' '--disable-flush-all' '--disable-dumping' '--disable-watch'\n", "--d");
    }

    @Test
    void shouldReadSubOptions() throws Exception
    {
        final ServerOptions o = CommandLine.parse("-o",
            "slab_chunk_max=16,hashpower=20,no_lru_crawler,lru_crawler_sleep=50," +
            "hot_lru_pct=30,warm_lru_pct=30,hot_max_factor=0.5,warm_max_factor=1.5,temporary_ttl=30," +
            "slab_automove=2,slab_automove_ratio=0.5,slab_automove_window=20,tail_repair_time=60,idle_timeout=7," +
            "track_sizes,watcher_logbuf_size=128,worker_logbuf_size=32,read_buf_mem_limit=2,modern",
            "-I", "2m");
        final CacheConfig c = o.cacheBuilder().config();
        assertEquals(16 * 1024, c.slabChunkMax());
        assertEquals(20, c.hashPowerInit());
        assertFalse(c.lruCrawler());
        assertEquals(60, c.tailRepairTime());
        assertTrue(c.trackSizes());
        final ServerSettings s = o.serverSettings();
        assertEquals(7, s.idleTimeout());
        assertEquals(128 * 1024, s.watcherLogbufSize());
        assertEquals(32 * 1024, s.workerLogbufSize());
        assertEquals(2 << 20, s.readBufMemLimit());
    }

    @Test
    void shouldRefuseAHashPowerNotAboveTheItemLockTableOfTheThreadCount() throws Exception
    {
        // memcached sizes its item lock table by -t: 2^12 locks for 4 threads, 2^15 above 20
        final CommandLineException ex =
            assertThrows(CommandLineException.class, () -> CommandLine.parse("-o", "hashpower=12"));
        assertEquals("Hash table power size (12) cannot be equal to or less than item lock table (12)\n" +
            "Item lock table grows with `-t N` (worker threadcount)\nHash table grows with `-o hashpower=N` ",
            ex.getMessage());
        assertEquals(1, ex.exitCode());
        assertEquals(12, CommandLine.parse("-t", "3", "-o", "hashpower=12").cacheBuilder().config().hashPowerInit());
        assertThrows(CommandLineException.class, () -> CommandLine.parse("-t", "21", "-o", "hashpower=15"));
        assertEquals(16, CommandLine.parse("-t", "21", "-o", "hashpower=16").cacheBuilder().config().hashPowerInit());
    }

    @Test
    void shouldApplyNoModernAsMemcached14() throws Exception
    {
        final ServerOptions o = CommandLine.parse("-o", "no_modern");
        final CacheConfig c = o.cacheBuilder().config();
        assertEquals(1 << 20, c.slabChunkMax());
        assertFalse(c.slabReassign());
        assertFalse(c.lruCrawler());
        assertFalse(c.lruMaintainer());
        assertFalse(o.serverSettings().maxconnsFast());
    }

    @Test
    void shouldSizeTheSizesHistogramWithTheItemSizeReadBeforeTrackSizesAsMemcachedDoes() throws Exception
    {
        assertEquals(1 << 20, CommandLine.parse("-o", "track_sizes", "-I", "2m").cacheBuilder().config()
            .trackSizesUpTo());
        assertEquals(2 << 20, CommandLine.parse("-I", "2m", "-o", "track_sizes").cacheBuilder().config()
            .trackSizesUpTo());
    }

    @Test
    void shouldSetChunkMaxToHalfAPageForLargeItems() throws Exception
    {
        assertEquals(512 * 1024, CommandLine.parse("-I", "10m", "-o", "no_chunked_items").cacheBuilder().config()
            .slabChunkMax());
        assertArrayEquals(new int[] {64, 128, 256}, CommandLine.parse("-o", "slab_sizes=64-128-256").slabSizes);
    }

    @Test
    void shouldStartCommandLinesWrittenForTheMemcached14Image() throws Exception
    {
        // as the 1.4 image documentation and compose files run it; 1.6 meanings, UDP off without -U
        for (final String[] args : new String[][] {
            {"-m", "64"},
            {"memcached", "-m", "64"},
            {"-m", "1024", "-c", "1024", "-p", "11211", "-l", "0.0.0.0", "-t", "4", "-v"},
            {"-o", "modern,slab_reassign,slab_automove,lru_crawler,lru_maintainer,hash_algorithm=murmur3"},
            {"-o", "slab_chunk_max=16384", "-I", "2m"},
            {"-o", "no_inline_ascii_resp,maxconns_fast,expirezero_does_not_evict"},
            {"-U", "0", "-p", "11211", "-u", "memcache", "-m", "128"},
            {"-p", "11211"}})
        {
            final ServerOptions o = CommandLine.parse(args);
            o.cacheBuilder().config();
            assertEquals(0, o.serverSettings().udpPort(), String.join(" ", args));
        }
        final ServerOptions bytes = CommandLine.parse("-o", "slab_chunk_max=16384");
        assertEquals(16384, bytes.cacheBuilder().config().slabChunkMax());
        assertTrue(bytes.notices().get(0).contains("read as bytes"));
    }

    @Test
    void shouldTakeTheUdpPortAsMemcached16Does() throws Exception
    {
        // memcached 1.6 gives the UDP port to TCP when only -U is given
        final ServerOptions udpOnly = CommandLine.parse("-U", "12345");
        assertEquals(12345, udpOnly.udpPort());
        assertEquals(12345, udpOnly.tcpPort());
        final ServerOptions both = CommandLine.parse("-U", "12345", "-p", "23456");
        assertEquals(12345, both.serverSettings().udpPort());
        assertEquals(23456, both.serverSettings().tcpPort());
        assertEquals(0, CommandLine.parse("-U", "0").udpPort());
        assertEquals(11211, CommandLine.parse("-U", "0").tcpPort());
        // one worker per UDP socket when -l names several interfaces (num_threads_per_udp)
        assertEquals(4, CommandLine.parse("-U", "1", "-l", "127.0.0.1").serverSettings().threadsPerUdp());
        assertEquals(3, CommandLine.parse("-t", "3").serverSettings().threadsPerUdp());
        assertEquals(1, CommandLine.parse("-t", "3", "-l", "127.0.0.1,127.0.0.2").serverSettings().threadsPerUdp());
        // memcached does not check the UDP port's range
        assertEquals(65536, CommandLine.parse("-U", "65536", "-p", "1").serverSettings().udpPort());
    }

    /**
     * memcached checks only that {@code -p} is not above 65535: -1 listens on any free port and {@code stats
     * settings} shows -1; other negative ports fail when the server binds them (exit 71, see
     * {@link CommandLineOracleTest}).
     */
    @Test
    void shouldTakeNegativePortsAsMemcachedDoes() throws Exception
    {
        assertEquals(-1, CommandLine.parse("-p", "-1").serverSettings().tcpPort());
        assertEquals(-1, CommandLine.parse("-U", "-1").serverSettings().udpPort());
        // -U alone gives its port to TCP too
        assertEquals(-1, CommandLine.parse("-U", "-1").serverSettings().tcpPort());
        assertEquals(-2, CommandLine.parse("-p", "-2").serverSettings().tcpPort());
        assertEquals(-5, CommandLine.parse("-p", "0", "-U", "-5").serverSettings().udpPort());
    }

    @Test
    void shouldPrintNoticesForIgnoredFlags() throws Exception
    {
        final ServerOptions o = CommandLine.parse("-d", "-r", "-k", "-N", "2", "-o", "no_hashexpand,drop_privileges");
        assertEquals(6, o.notices().size(), o.notices().toString());
    }

    /**
     * read_buf_mem_limit and worker_logbuf_size are read and shown as memcached shows them, and a notice says they
     * change nothing else. memcached 1.6.39 also takes worker_logbuf_size for slab_sizes (its parser falls through):
     * not imitated, the slab classes stay.
     */
    @Test
    void shouldSayThatTheBufferLimitsHaveNoEffect() throws Exception
    {
        final ServerOptions o = CommandLine.parse("-o", "read_buf_mem_limit=2,worker_logbuf_size=1");
        assertEquals(2 << 20, o.serverSettings().readBufMemLimit());
        assertEquals(1024, o.serverSettings().workerLogbufSize());
        assertEquals(List.of("-o read_buf_mem_limit has no effect: each connection holds its own 16 KiB input " +
            "buffer, where memcached lends read buffers from a per-thread pool this limit caps (stats settings shows " +
            "it).", "-o worker_logbuf_size has no effect: log lines go straight to the watchers' buffers, there is " +
            "no per-thread log buffer (stats settings shows it)."), o.notices());
        assertNull(o.slabSizes);
        assertEquals(Flags.Disposition.IGNORED, Flags.subOption("read_buf_mem_limit").disposition());
        assertEquals(Flags.Disposition.IGNORED, Flags.subOption("worker_logbuf_size").disposition());
    }

    @Test
    void shouldRefuseWhatItCannotHonour()
    {
        assertRefused(64, "This server is not built with TLS support.", "-Z");
        assertRefused(64, "memcached4j does not support -e", "-e", "/tmp/memory_file");
        assertRefused(1, "memcached4j does not support extstore", "-o", "ext_path=/tmp/x:1G");
        assertRefused(1, "memcached4j does not support TLS", "-o", "ssl_chain_cert=/tmp/x");
        assertRefused(1, "memcached4j does not support the proxy", "-o", "proxy_config=routelib");
    }

    @Test
    void shouldRefuseBadValuesWithMemcachedsMessages()
    {
        assertRefused(1, "Maximum connections must be greater than 0", "-c", "0");
        assertRefused(1, "Number of threads must be greater than 0", "-t", "0");
        assertRefused(1, "Factor must be greater than 1", "-f", "1");
        // memcached 1.6.39 takes -f nan and then crashes building its slab classes: refused here
        assertRefused(1, "Factor must be greater than 1", "-f", "nan");
        assertRefused(1, "slab_automove_ratio must be > 0 and < 1", "-o", "slab_automove_ratio=inf");
        assertRefused(1, "Chunk size must be greater than 0", "-n", "0");
        assertRefused(1, "Number of requests per event must be greater than 0", "-R", "0");
        assertRefused(64, "Invalid value for binding protocol: http\n -- should be one of auto, binary, or ascii",
            "-B", "http");
        assertRefused(64, "slab_chunk_max (bytes: 524288) cannot be larger than -I (item_size_max 2048)", "-I", "2k");
        assertRefused(64, "Item max size cannot be less than 1024 bytes.", "-I", "2g");
        assertRefused(64, "Item max size cannot be less than 1024 bytes.", "-I", "1000");
        assertRefused(64, "Cannot set item size limit higher than 1/2 of memory max.", "-m", "1", "-I", "1m");
        assertRefused(64, "Cannot set item size limit higher than a gigabyte.", "-m", "4096", "-I", "1025m");
        assertRefused(1, "Illegal suboption \"foo=1\"", "-o", "foo=1,hashpower=20");
        assertRefused(1, "Initial hashtable multiplier of 5 is too low", "-o", "hashpower=5");
        assertRefused(1, "slab_chunk_max must be >= 0", "-o", "slab_chunk_max=0");
        assertRefused(1, "could not parse argument to slab_chunk_max", "-o", "slab_chunk_max=abc");
        assertRefused(64, "hot_lru_pct + warm_lru_pct cannot be more than 80% combined",
            "-o", "hot_lru_pct=50,warm_lru_pct=40");
        assertRefused(64, "temporary_ttl requires lru_maintainer to be enabled",
            "-o", "temporary_ttl=10,no_lru_maintainer");
        assertRefused(64, "ERROR: Invalid port number 70000.", "-p", "70000");
        assertRefused(1, "Missing numeric argument for idle_timeout", "-o", "idle_timeout");
        assertRefused(1, "Unknown hash_algorithm option (jenkins, murmur3, xxh3)", "-o", "hash_algorithm=foo");
        assertRefused(1, "memcached4j: invalid option -- 'Q'\nIllegal argument \"?\"", "-Q");
        assertRefused(1, "memcached4j: unrecognized option '--bogus'\nIllegal argument \"?\"", "--bogus");
        assertRefused(1, "memcached4j: option requires an argument -- 'p'\nIllegal argument \"?\"", "-p");
        assertRefused(1, "memcached4j: option '--port' requires an argument\nIllegal argument \"?\"", "--port");
        assertRefused(1, "memcached4j: option '--help' doesn't allow an argument\nIllegal argument \"?\"",
            "--help=1");
        assertRefused(1, "Maximum number of NAPI IDs must be greater than 0", "-N", "0");
        assertRefused(64, "Number of napi_ids(8) cannot be greater than number of threads(4)", "-N", "8");
        assertRefused(64, "ERROR: You cannot allow the ASCII protocol while using SASL.", "-S", "-B", "ascii");
        assertRefused(64, "ERROR: Cannot enable UDP while using binary SASL authentication.", "-S", "-U", "1");
        assertRefused(64, "slab size 40 is out of valid range", "-o", "slab_sizes=40-80");
    }

    /**
     * memcached 1.6.39 starts with {@code -m -1}: it multiplies the number as a size_t, and {@code stats settings}
     * shows {@code maxbytes 18446744073708503040}, a limit it never reaches. memcached4j needs a limit it can keep.
     */
    @Test
    void shouldRefuseANegativeMemoryLimitWithAMessageThatSaysWhy()
    {
        assertRefused(64, "-m -1 is a memory limit of 18446744073708503040 bytes to memcached, which is no limit; " +
            "memcached4j needs a limit: give -m in megabytes.", "-m", "-1");
        assertRefused(64, "-m -2048 is a memory limit of 18446744071562067968 bytes to memcached", "-m", "-2048");
        // memcached's own checks come first: its -I check compares with the huge limit and passes
        assertRefused(64, "Item max size cannot be less than 1024 bytes.", "-m", "-1", "-I", "1000");
        assertRefused(64, "-m -1 is a memory limit", "-m", "-1", "-I", "2m");
        assertRefused(1, "Hash table power size (12)", "-m", "-1", "-o", "hashpower=12");
    }

    @Test
    void shouldStopAtHelpAndVersion() throws Exception
    {
        assertEquals(ServerOptions.Action.HELP, CommandLine.parse("-h", "-c", "0").action());
        assertEquals(ServerOptions.Action.VERSION, CommandLine.parse("-V").action());
        assertEquals(ServerOptions.Action.LICENSE, CommandLine.parse("--license").action());
    }

    @Test
    void shouldSayAtVThatSaslIsInitializedAsMemcachedDoes() throws Exception
    {
        final java.nio.file.Path file = java.nio.file.Files.createTempFile("sasl", ".pw");
        try
        {
            java.nio.file.Files.writeString(file, "alice@host:secret\n");
            final java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
            final Main.Started started = Main.start(CommandLine.parse(Map.of("MEMCACHED_SASL_PWDB", file.toString()),
                "-S", "-v", "-p", Integer.toString(TestServers.freePort()), "-l", "127.0.0.1"),
                new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
            try
            {
                assertTrue(started.server() != null, err.toString());
                assertTrue(err.toString().contains("Initialized SASL.\n"), err.toString());
            }
            finally
            {
                if (started.server() != null)
                {
                    started.server().close();
                    started.cache().close();
                }
            }
        }
        finally
        {
            java.nio.file.Files.delete(file);
        }
    }

    @Test
    void shouldReadSaslUsersFromTheFileMemcachedNames() throws Exception
    {
        final java.nio.file.Path file = java.nio.file.Files.createTempFile("sasl", ".pw");
        try
        {
            java.nio.file.Files.writeString(file, "alice:secret\n");
            final ServerOptions o = CommandLine.parse(Map.of("MEMCACHED_SASL_PWDB", file.toString()), "-S");
            assertEquals(ServerSettings.BindingProtocol.BINARY, o.serverSettings().bindingProtocol());
            assertTrue(o.serverSettings().sasl() != null);
            final CommandLineException ex = assertThrows(CommandLineException.class,
                () -> CommandLine.parse(Map.of(), "-S"));
            assertTrue(ex.getMessage().startsWith("Error initializing sasl."));
            // set but empty: memcached starts, and every login fails to open the file
            assertTrue(CommandLine.parse(Map.of("MEMCACHED_SASL_PWDB", ""), "-S").serverSettings().sasl() != null);
        }
        finally
        {
            java.nio.file.Files.delete(file);
        }
    }

    /**
     * memcached reads {@code -f} and the {@code -o} factors with {@code atof} (strtod): hexadecimal numbers, NaNs and
     * infinities start it as they start memcached 1.6.39.
     */
    @Test
    void shouldTakeTheFactorsCsStrtodTakes() throws CommandLineException
    {
        final io.memcached4j.core.CacheConfig hex = CommandLine.parse("-f", "0x2", "-o",
            "hot_max_factor=0x1p-1,warm_max_factor=0x3,slab_automove_freeratio=0x1p-2").cacheBuilder().config();
        assertEquals(2.0, hex.growthFactor());
        assertEquals(0.5, hex.hotMaxFactor());
        assertEquals(3.0, hex.warmMaxFactor());
        final io.memcached4j.core.CacheConfig odd = CommandLine.parse("-f", "inf", "-o",
            "hot_max_factor=nan,slab_automove_ratio=nan").cacheBuilder().config();
        assertEquals(Double.POSITIVE_INFINITY, odd.growthFactor());
        assertTrue(Double.isNaN(odd.hotMaxFactor()));
        assertTrue(Double.isNaN(odd.slabAutomoveRatio()));
    }

    @Test
    void shouldReadNumbersAsC()
    {
        assertEquals(64, CommandLine.atoi("64m"));
        assertEquals(-3, CommandLine.atoi("  -3x"));
        assertEquals(0, CommandLine.atoi("x"));
        assertEquals(-1, CommandLine.atoi("4294967295"));
        assertEquals(1.5, CommandLine.atof("1.5x"));
        assertEquals(0.0, CommandLine.atof("abc"));
        assertEquals(16.0, CommandLine.atof("0x10"));
        assertEquals(Double.POSITIVE_INFINITY, CommandLine.atof("inf"));
        assertEquals(0.25, CommandLine.safeStrtod("0x1p-2"));
        assertEquals(null, CommandLine.safeStrtod("1e-400"));
        assertEquals(-1, CommandLine.safeStrtoul("-1"));
        assertEquals(12, CommandLine.safeStrtoul("12"));
        assertEquals(-1, CommandLine.safeStrtoul("12x"));
        assertEquals(12, CommandLine.safeStrtoul("12 x\n"));
        assertEquals(-12, CommandLine.safeStrtol("-12 x\ny"));
        assertEquals(0700, CommandLine.strtol("700", 8));
    }

    private static void assertRefused(final int exit, final String message, final String... args)
    {
        final CommandLineException ex = assertThrows(CommandLineException.class, () -> CommandLine.parse(args),
            String.join(" ", args));
        assertTrue(ex.getMessage().startsWith(message), () -> String.join(" ", args) + ": " + ex.getMessage());
        assertEquals(exit, ex.exitCode(), String.join(" ", args));
    }
}
