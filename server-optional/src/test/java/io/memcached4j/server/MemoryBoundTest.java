/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.memcached4j.server.TestServers.Client;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The resident memory of a full server started by {@code bin/memcached4j}, with its JVM options: the memory limit plus
 * the overhead the README documents (section "Resident memory", with the measured figures), at its peak after the
 * server is filled with 100-byte, 1 KiB and 100 KiB values until it evicts. Runs after {@code package} (surefire
 * execution {@code jar-test}).
 */
@Tag("jar")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MemoryBoundTest
{
    /**
     * What a full {@code -m 64} server may take besides its {@code -m}, with one connection: the JVM, its heap, the
     * hash index and the buffers. Measured: 66 to 74 MiB.
     */
    static final long OVERHEAD_MIB = 96;

    private static final long MIB = 1024 * 1024;

    @Test
    void shouldStayWithinSixtyFourMegabytesPlusTheDocumentedOverheadWhenFull() throws Exception
    {
        Assumptions.assumeTrue(System.getProperty("memcached4j.test.jar") != null,
            "run by the jar-test execution after packaging");
        final Path launcher = Path.of(System.getProperty("memcached4j.test.moduleDir"), "bin", "memcached4j");
        final Map<String, String> environment = new HashMap<>(System.getenv());
        environment.put("JAVA", TestServers.Forked.javaBinary());
        final int port = TestServers.freePort();
        try (TestServers.Forked server = new TestServers.Forked(List.of(launcher.toString()), environment, port,
            "-m", "64", "-p", Integer.toString(port), "-l", "127.0.0.1");
            Client c = new Client(port))
        {
            final long pid = server.process.pid();
            final long idleKib = TestServers.procStatusKib(pid, "VmRSS");
            final long start = System.nanoTime();
            final Map<String, String> stats = TestServers.fillUntilEvictions(c, 64 * MIB, 100, 1024, 100 * 1024);
            final long fillMs = (System.nanoTime() - start) / 1_000_000;
            final long rssKib = TestServers.procStatusKib(pid, "VmRSS");
            final long peakKib = TestServers.procStatusKib(pid, "VmHWM");
            final String figures = "idle " + idleKib + " KiB, full " + rssKib + " KiB, peak " + peakKib +
                " KiB, filled in " + fillMs + " ms; " + stats.get("curr_items") + " items, " +
                stats.get("evictions") + " evictions, hash_bytes " + stats.get("hash_bytes");
            System.out.println("MemoryBoundTest: " + figures);
            assertEquals(Long.toString(64 * MIB), stats.get("limit_maxbytes"));
            assertTrue(Long.parseLong(stats.get("evictions")) > 0, figures);
            final String malloced = TestServers.stats(c, "stats slabs").get("total_malloced");
            assertTrue(Long.parseLong(malloced) > 60 * MIB, figures + ", total_malloced " + malloced);
            assertTrue(peakKib * 1024 <= (64 + OVERHEAD_MIB) * MIB, figures);
        }
    }
}
