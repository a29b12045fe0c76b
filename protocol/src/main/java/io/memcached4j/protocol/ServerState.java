/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import io.memcached4j.core.CacheConfig;
import io.memcached4j.core.CacheStats;
import io.memcached4j.core.MemcachedCache;

/**
 * What the sessions of one server share: the cache, the {@link ServerSettings}, the settings clients may change
 * ({@code verbosity}, {@code stats detail}), the server's own counters (connections, bytes, {@code cmd_meta},
 * authentication), the per-prefix statistics of {@code stats detail}, the open connections for {@code stats conns},
 * the log streams of {@code watch}, and the statistics renderers that merge the engine's figures with the server's
 * in memcached's order. Threadsafe.
 */
public final class ServerState
{
    /** What {@code stats} reports as {@code libevent}: the I/O library in use. */
    static final String IO_LIBRARY = "java-nio";

    private final MemcachedCache cache;
    private final ServerSettings settings;
    private final ExtstoreSettings extstore;
    private final long startNanos = System.nanoTime();
    private volatile int verbosity;
    private volatile boolean detailEnabled;
    private volatile Consumer<String> verboseLog;
    private volatile Consumer<Boolean> shutdownHandler;
    /** {@code stats detail}: memcached's table of 256 chains, newest prefix first in its chain; guarded by itself. */
    private final PrefixStats[] prefixStats = new PrefixStats[PREFIX_HASH_SIZE];
    /** What the prefixes in {@link #prefixStats} take, as {@link #PREFIX_ENTRY_BYTES} says; guarded by the table. */
    private long prefixBytes;
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    /** Listening sockets by connection number: their address, and when they were opened (for {@code stats conns}). */
    private final Map<Long, Listening> listening = new java.util.concurrent.ConcurrentSkipListMap<>();

    private record Listening(String address, long openedNanos)
    {
    }
    private final AtomicLong nextConnectionId = new AtomicLong(32);

    final AtomicLong currConnections = new AtomicLong();
    final AtomicLong totalConnections = new AtomicLong();
    final AtomicLong rejectedConnections = new AtomicLong();
    final AtomicLong connectionStructures = new AtomicLong();
    final LongAdder bytesRead = new LongAdder();
    final LongAdder bytesWritten = new LongAdder();
    final LongAdder cmdMeta = new LongAdder();
    final LongAdder authCmds = new LongAdder();
    private final LongAdder readBufOom = new LongAdder();
    private final LongAdder responseObjOom = new LongAdder();
    final LongAdder authErrors = new LongAdder();
    final LongAdder connYields = new LongAdder();
    /**
     * Text {@code flush_all} commands refused under {@code -F} or for a bad delay: memcached counts them in
     * {@code cmd_flush} before it checks either.
     */
    final LongAdder flushNotRun = new LongAdder();
    final LongAdder idleKicks = new LongAdder();
    final AtomicLong listenDisabledNum = new AtomicLong();
    final AtomicLong timeInListenDisabledMicros = new AtomicLong();
    private volatile boolean acceptingConnections = true;
    private volatile int reservedFds = 20;
    /** The {@code watch} command's log streams. */
    final LogStreams logs;

    /**
     * State for a server that serves {@code cache} with {@code settings}.
     *
     * @param cache    the cache.
     * @param settings the server's settings.
     */
    public ServerState(final MemcachedCache cache, final ServerSettings settings)
    {
        this.cache = cache;
        this.settings = settings;
        this.verbosity = settings.verbosity();
        this.detailEnabled = settings.detailEnabled();
        this.extstore = new ExtstoreSettings(settings.slabAutomoveFreeratio());
        this.logs = new LogStreams(cache, settings.watcherLogbufSize());
    }

    /**
     * The cache served.
     *
     * @return the cache.
     */
    public MemcachedCache cache()
    {
        return cache;
    }

    /**
     * The settings.
     *
     * @return the settings.
     */
    public ServerSettings settings()
    {
        return settings;
    }

    /**
     * The current verbosity: the {@code -v} count, changed by the {@code verbosity} command.
     *
     * @return 0 (quiet) and up: the {@code verbosity} command sets at most 2.
     */
    public int verbosity()
    {
        return verbosity;
    }

    void verbosity(final int level)
    {
        verbosity = level;
        traceLookups();
    }

    /**
     * Where verbose lines that come from no connection go: the item lookups memcached prints at {@code -vvv}. The
     * server sets it to its standard error; without it those lines are not printed.
     *
     * @param sink takes one line (no line end) at a time, from any thread.
     */
    public void verboseLog(final Consumer<String> sink)
    {
        verboseLog = sink;
        traceLookups();
    }

    private void traceLookups()
    {
        final Consumer<String> sink = verboseLog;
        logs.lookupTrace(verbosity > 2 && sink != null ? sink : null);
    }

    ExtstoreSettings extstore()
    {
        return extstore;
    }

    boolean detailEnabled()
    {
        return detailEnabled;
    }

    void detailEnabled(final boolean enabled)
    {
        detailEnabled = enabled;
    }

    /**
     * What {@code shutdown} does when {@code -A} allows it: the handler is called with {@code false} for
     * {@code shutdown} and {@code true} for {@code shutdown graceful}.
     *
     * @param handler the handler, or null for none (the connection is still closed).
     */
    public void shutdownHandler(final Consumer<Boolean> handler)
    {
        shutdownHandler = handler;
    }

    void requestShutdown(final boolean graceful)
    {
        final Consumer<Boolean> handler = shutdownHandler;
        if (handler != null)
        {
            handler.accept(graceful);
        }
    }

    /**
     * A connection's read buffer could not be allocated (direct memory exhausted): memcached's {@code read_buf_oom}.
     */
    public void readBufferRefused()
    {
        readBufOom.increment();
    }

    /**
     * An output buffer could not be allocated (direct memory exhausted): memcached's {@code response_obj_oom}.
     */
    public void responseBufferRefused()
    {
        responseObjOom.increment();
    }

    /**
     * A connection was accepted and will be served (memcached's {@code curr_connections}, {@code total_connections}).
     */
    public void connectionOpened()
    {
        currConnections.incrementAndGet();
        totalConnections.incrementAndGet();
        connectionStructures.accumulateAndGet(currConnections.get(), Math::max);
    }

    /**
     * A served connection was closed.
     */
    public void connectionClosed()
    {
        currConnections.decrementAndGet();
    }

    /**
     * A connection was refused for {@code -c} ({@code rejected_connections}). memcached closes it before making a
     * connection of it, so {@code total_connections} does not count it.
     */
    public void connectionRejected()
    {
        rejectedConnections.incrementAndGet();
    }

    /**
     * A listener was opened; memcached counts listening sockets in {@code curr_connections} and
     * {@code total_connections} and reports one less as current, and lists them in {@code stats conns}.
     *
     * @param id      the listener's connection number.
     * @param address its address as {@code stats conns} prints it, e.g. {@code tcp:127.0.0.1:11211}.
     */
    public void listenerOpened(final long id, final String address)
    {
        listening.put(id, new Listening(address, System.nanoTime()));
        listenerOpened();
    }

    /**
     * A UDP socket's connection was opened; counted as {@link #listenerOpened(long, String)} counts a listener, while
     * {@code stats conns} shows it through its session.
     */
    public void listenerOpened()
    {
        currConnections.incrementAndGet();
        totalConnections.incrementAndGet();
        connectionStructures.accumulateAndGet(currConnections.get(), Math::max);
    }

    /**
     * A connection was closed for {@code -o idle_timeout} ({@code idle_kicks}).
     */
    public void idleKick()
    {
        idleKicks.increment();
    }

    /**
     * Bytes read from clients ({@code bytes_read}).
     *
     * @param bytes how many.
     */
    public void bytesRead(final long bytes)
    {
        bytesRead.add(bytes);
    }

    /**
     * Bytes written to clients ({@code bytes_written}).
     *
     * @param bytes how many.
     */
    public void bytesWritten(final long bytes)
    {
        bytesWritten.add(bytes);
    }

    /**
     * Whether the server accepts connections ({@code accepting_conns}), and a pause of accepting that ended.
     *
     * @param accepting  the new state.
     * @param pausedMicros when resuming, how long accepting was off.
     */
    public void accepting(final boolean accepting, final long pausedMicros)
    {
        if (!accepting && acceptingConnections)
        {
            listenDisabledNum.incrementAndGet();
        }
        if (accepting)
        {
            timeInListenDisabledMicros.addAndGet(pausedMicros);
        }
        acceptingConnections = accepting;
    }

    /**
     * File descriptors the server keeps for itself ({@code reserved_fds}).
     *
     * @param count the count.
     */
    public void reservedFds(final int count)
    {
        reservedFds = count;
    }

    long newConnectionId()
    {
        return nextConnectionId.getAndIncrement();
    }

    void register(final Session session)
    {
        sessions.add(session);
    }

    void unregister(final Session session)
    {
        sessions.remove(session);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // stats detail
    // ---------------------------------------------------------------------------------------------------------------

    private static final int PREFIX_GET = 0;
    private static final int PREFIX_HIT = 1;
    private static final int PREFIX_SET = 2;
    private static final int PREFIX_DELETE = 3;

    private static final int PREFIX_HASH_SIZE = 256;

    /**
     * What one prefix of {@code stats detail} takes besides its bytes, on the heap (its entry and counts) and in the
     * dump (its line's text and four counts): an upper bound of both.
     */
    static final int PREFIX_ENTRY_BYTES = 128;

    /**
     * The most the prefixes of {@code stats detail} take, each counted as its length plus {@link #PREFIX_ENTRY_BYTES}:
     * 4 MiB, some 30,000 short prefixes or 11,000 of 250 bytes. memcached's table grows with every new prefix a client
     * sends; here the table lives on the Java heap, whose exhaustion would end the server, so a prefix that would take
     * it past this bound is not counted (the prefixes already there are).
     */
    static final long PREFIX_STATS_MAX_BYTES = 4L << 20;

    /**
     * The counts of one key prefix.
     */
    private static final class PrefixStats
    {
        final byte[] prefix;
        final long[] counts = new long[4];
        PrefixStats next;

        PrefixStats(final byte[] prefix, final PrefixStats next)
        {
            this.prefix = prefix;
            this.next = next;
        }
    }

    /**
     * Record a command for {@code stats detail} as memcached's {@code stats_prefix_find} does: the prefix ends at the
     * first delimiter, and a key with a NUL byte or no delimiter before it is not counted; the prefix is filed in
     * chain {@code hash(prefix) % 256} (the order {@code stats detail dump} lists them in), where it matches an
     * entry whose first bytes it equals. The hash is the one memcached was told to use ({@link PrefixHash}). A new
     * prefix that would take the table past {@link #PREFIX_STATS_MAX_BYTES} is not counted.
     */
    void recordPrefix(final java.nio.ByteBuffer buffer, final int keyOffset, final int keyLength, final int what)
    {
        final byte delimiter = (byte)settings.prefixDelimiter();
        int length = -1;
        for (int i = 0; i < keyLength; i++)
        {
            final byte b = buffer.get(keyOffset + i);
            if (b == 0)
            {
                break;
            }
            if (b == delimiter)
            {
                length = i;
                break;
            }
        }
        if (length < 0)
        {
            return;
        }
        final int hash = PrefixHash.hash(settings.hashAlgorithm(), buffer, keyOffset, length);
        final int bucket = hash & (PREFIX_HASH_SIZE - 1);
        synchronized (prefixStats)
        {
            PrefixStats found = null;
            for (PrefixStats p = prefixStats[bucket]; p != null && found == null; p = p.next)
            {
                if (startsWith(p.prefix, buffer, keyOffset, length))
                {
                    found = p;
                }
            }
            if (found == null)
            {
                if (prefixBytes + length + PREFIX_ENTRY_BYTES > PREFIX_STATS_MAX_BYTES)
                {
                    return;
                }
                prefixBytes += length + PREFIX_ENTRY_BYTES;
                final byte[] prefix = new byte[length];
                buffer.get(keyOffset, prefix);
                found = new PrefixStats(prefix, prefixStats[bucket]);
                prefixStats[bucket] = found;
            }
            found.counts[what]++;
        }
    }

    private static boolean startsWith(
        final byte[] prefix, final java.nio.ByteBuffer buffer, final int offset, final int length)
    {
        if (prefix.length < length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (prefix[i] != buffer.get(offset + i))
            {
                return false;
            }
        }
        return true;
    }

    void recordGet(final java.nio.ByteBuffer buffer, final int keyOffset, final int keyLength, final boolean hit)
    {
        recordPrefix(buffer, keyOffset, keyLength, PREFIX_GET);
        if (hit)
        {
            recordPrefix(buffer, keyOffset, keyLength, PREFIX_HIT);
        }
    }

    void recordSet(final java.nio.ByteBuffer buffer, final int keyOffset, final int keyLength)
    {
        recordPrefix(buffer, keyOffset, keyLength, PREFIX_SET);
    }

    void recordDelete(final java.nio.ByteBuffer buffer, final int keyOffset, final int keyLength)
    {
        recordPrefix(buffer, keyOffset, keyLength, PREFIX_DELETE);
    }

    /**
     * memcached's {@code stats detail dump}: one {@code PREFIX} line per prefix, then {@code END}.
     *
     * @return the text, CRLF line ends.
     */
    String prefixDump()
    {
        final StringBuilder sb = new StringBuilder();
        synchronized (prefixStats)
        {
            for (final PrefixStats chain : prefixStats)
            {
                for (PrefixStats p = chain; p != null; p = p.next)
                {
                    final long[] c = p.counts;
                    sb.append("PREFIX ").append(new String(p.prefix, StandardCharsets.ISO_8859_1)).append(" get ")
                        .append(c[PREFIX_GET]).append(" hit ").append(c[PREFIX_HIT]).append(" set ")
                        .append(c[PREFIX_SET]).append(" del ").append(c[PREFIX_DELETE]).append("\r\n");
                }
            }
        }
        return sb.append("END\r\n").toString();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // stats
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Receives statistics as name and value.
     */
    @FunctionalInterface
    interface StatsSink
    {
        void stat(String name, String value);
    }

    /**
     * {@code stats reset}: the engine's counters, the server's and the prefix statistics.
     */
    void resetStats()
    {
        cache.resetStats();
        bytesRead.reset();
        bytesWritten.reset();
        cmdMeta.reset();
        authCmds.reset();
        authErrors.reset();
        connYields.reset();
        flushNotRun.reset();
        idleKicks.reset();
        readBufOom.reset();
        responseObjOom.reset();
        logs.written.reset();
        logs.skipped.reset();
        logs.sent.reset();
        totalConnections.set(0);
        rejectedConnections.set(0);
        listenDisabledNum.set(0);
        timeInListenDisabledMicros.set(0);
        synchronized (prefixStats)
        {
            java.util.Arrays.fill(prefixStats, null);
            prefixBytes = 0;
        }
    }

    /**
     * The general {@code stats}, in memcached 1.6.39's order.
     *
     * @param sink receives the fields.
     */
    void general(final StatsSink sink)
    {
        final CacheStats stats = cache.stats();
        final Map<String, Long> g = stats.general();
        final CacheConfig config = cache.config();
        final long uptime = (System.nanoTime() - startNanos) / 1_000_000_000L;
        sink.stat("pid", Long.toString(ProcessHandle.current().pid()));
        // memcached's clock starts two seconds in: a fresh server reports uptime 2
        sink.stat("uptime", Long.toString(uptime + 2));
        // memcached's coarse clock, the one exptimes are measured on, not the wall clock
        sink.stat("time", Long.toString(config.clock().processStarted() + cache.admin().currentTime()));
        sink.stat("version", ServerSettings.PROTOCOL_VERSION);
        sink.stat("libevent", IO_LIBRARY);
        sink.stat("pointer_size", "64");
        final long[] rusage = rusage();
        sink.stat("rusage_user", formatMicros(rusage[0]));
        sink.stat("rusage_system", formatMicros(rusage[1]));
        sink.stat("max_connections", Integer.toString(settings.maxConnections()));
        sink.stat("curr_connections", Long.toString(Math.max(0, currConnections.get() - 1)));
        sink.stat("total_connections", Long.toString(totalConnections.get()));
        if (settings.maxconnsFast())
        {
            sink.stat("rejected_connections", Long.toString(rejectedConnections.get()));
        }
        sink.stat("connection_structures", Long.toString(connectionStructures.get()));
        long outputBuffers = 0;
        long readBuffers = 0;
        long readBufferBytes = 0;
        for (final Session s : sessions)
        {
            outputBuffers += s.holdsOutputBuffer() ? 1 : 0;
            final int bytes = s.host().readBufferBytes();
            readBuffers += bytes > 0 ? 1 : 0;
            readBufferBytes += bytes;
        }
        sink.stat("response_obj_oom", Long.toString(responseObjOom.sum()));
        sink.stat("response_obj_count", Long.toString(outputBuffers));
        sink.stat("response_obj_bytes", Long.toString(outputBuffers * Output.CAPACITY));
        // each connection holds its read buffer while it is open: none waits free in a cache, as memcached's do
        sink.stat("read_buf_count", Long.toString(readBuffers));
        sink.stat("read_buf_bytes", Long.toString(readBufferBytes));
        sink.stat("read_buf_bytes_free", "0");
        sink.stat("read_buf_oom", Long.toString(readBufOom.sum()));
        sink.stat("reserved_fds", Integer.toString(reservedFds));
        sink.stat("cmd_get", Long.toString(g.get("cmd_get")));
        sink.stat("cmd_set", Long.toString(g.get("cmd_set")));
        sink.stat("cmd_flush", Long.toString(g.get("cmd_flush") + flushNotRun.sum()));
        sink.stat("cmd_touch", Long.toString(g.get("cmd_touch")));
        sink.stat("cmd_meta", Long.toString(cmdMeta.sum()));
        for (final String name : new String[] {"get_hits", "get_misses", "get_expired", "get_flushed",
            "delete_misses", "delete_hits", "incr_misses", "incr_hits", "decr_misses", "decr_hits", "cas_misses",
            "cas_hits", "cas_badval", "touch_hits", "touch_misses", "store_too_large", "store_no_memory"})
        {
            sink.stat(name, Long.toString(g.get(name)));
        }
        sink.stat("auth_cmds", Long.toString(authCmds.sum()));
        sink.stat("auth_errors", Long.toString(authErrors.sum()));
        if (settings.idleTimeout() != 0)
        {
            sink.stat("idle_kicks", Long.toString(idleKicks.sum()));
        }
        sink.stat("bytes_read", Long.toString(bytesRead.sum()));
        sink.stat("bytes_written", Long.toString(bytesWritten.sum()));
        sink.stat("limit_maxbytes", Long.toString(g.get("limit_maxbytes")));
        sink.stat("accepting_conns", acceptingConnections ? "1" : "0");
        sink.stat("listen_disabled_num", Long.toString(listenDisabledNum.get()));
        sink.stat("time_in_listen_disabled_us", Long.toString(timeInListenDisabledMicros.get()));
        sink.stat("threads", Integer.toString(settings.threads()));
        sink.stat("conn_yields", Long.toString(connYields.sum()));
        for (final String name : new String[] {"hash_power_level", "hash_bytes", "hash_is_expanding"})
        {
            sink.stat(name, Long.toString(g.get(name)));
        }
        if (config.slabReassign())
        {
            for (final String name : new String[] {"slab_reassign_rescues", "slab_reassign_chunk_rescues",
                "slab_reassign_inline_reclaim", "slab_reassign_busy_items", "slab_reassign_busy_deletes",
                "slab_reassign_busy_nomem", "slab_reassign_running", "slabs_moved"})
            {
                sink.stat(name, Long.toString(g.get(name)));
            }
        }
        if (config.lruCrawler())
        {
            sink.stat("lru_crawler_running", Long.toString(g.get("lru_crawler_running")));
            sink.stat("lru_crawler_starts", Long.toString(g.get("lru_crawler_starts")));
        }
        if (config.lruMaintainer())
        {
            sink.stat("lru_maintainer_juggles", Long.toString(g.get("lru_maintainer_juggles")));
        }
        sink.stat("malloc_fails", Long.toString(g.get("malloc_fails")));
        // lines go straight into the watchers' buffers: there is no per-thread buffer to drop them
        sink.stat("log_worker_dropped", "0");
        sink.stat("log_worker_written", Long.toString(logs.written.sum()));
        sink.stat("log_watcher_skipped", Long.toString(logs.skipped.sum()));
        sink.stat("log_watcher_sent", Long.toString(logs.sent.sum()));
        sink.stat("log_watchers", Integer.toString(logs.watchers()));
        sink.stat("unexpected_napi_ids", "0");
        sink.stat("round_robin_fallback", "0");
        for (final String name : new String[] {"bytes", "curr_items", "total_items", "slab_global_page_pool",
            "expired_unfetched", "evicted_unfetched"})
        {
            sink.stat(name, Long.toString(g.get(name)));
        }
        if (config.lruMaintainer())
        {
            sink.stat("evicted_active", Long.toString(g.get("evicted_active")));
        }
        for (final String name : new String[] {"evictions", "reclaimed", "crawler_reclaimed", "crawler_items_checked",
            "lrutail_reflocked"})
        {
            sink.stat(name, Long.toString(g.get(name)));
        }
        if (config.lruMaintainer())
        {
            for (final String name : new String[] {"moves_to_cold", "moves_to_warm", "moves_within_lru",
                "direct_reclaims", "lru_bumps_dropped"})
            {
                sink.stat(name, Long.toString(g.get(name)));
            }
        }
    }

    /**
     * {@code stats settings}, in memcached 1.6.39's order, as a build with extstore and TLS (its container images)
     * prints them when started without either.
     *
     * @param sink receives the fields.
     */
    void settings(final StatsSink sink)
    {
        final CacheConfig c = cache.config();
        final io.memcached4j.core.CacheAdmin.Tunables t = cache.admin().tunables();
        sink.stat("maxbytes", Long.toString(t.memoryLimit()));
        sink.stat("maxconns", Integer.toString(settings.maxConnections()));
        sink.stat("tcpport", Integer.toString(settings.tcpPort()));
        sink.stat("udpport", Integer.toString(settings.udpPort()));
        sink.stat("inter", settings.listenInterface() == null ? "NULL" : settings.listenInterface());
        sink.stat("verbosity", Integer.toString(verbosity));
        sink.stat("oldest", Long.toString(t.oldestLive()));
        sink.stat("evictions", c.evictionsEnabled() ? "on" : "off");
        sink.stat("domain_socket", settings.domainSocket() == null ? "NULL" : settings.domainSocket());
        sink.stat("umask", Integer.toOctalString(settings.umask()));
        sink.stat("shutdown_command", yesNo(settings.shutdownEnabled()));
        sink.stat("growth_factor", fixed(c.growthFactor(), 2));
        sink.stat("chunk_size", Integer.toString(c.minSpace()));
        sink.stat("num_threads", Integer.toString(settings.threads()));
        sink.stat("num_threads_per_udp", Integer.toString(settings.threadsPerUdp()));
        sink.stat("stat_key_prefix", String.valueOf(settings.prefixDelimiter()));
        sink.stat("detail_enabled", yesNo(detailEnabled));
        sink.stat("reqs_per_event", Integer.toString(settings.reqsPerEvent()));
        sink.stat("cas_enabled", yesNo(c.casEnabled()));
        sink.stat("tcp_backlog", Integer.toString(settings.tcpBacklog()));
        sink.stat("binding_protocol", settings.bindingProtocol().statsName());
        sink.stat("auth_enabled_sasl", yesNo(settings.sasl() != null));
        sink.stat("auth_enabled_ascii", settings.asciiAuthFile() == null ? "no" : settings.asciiAuthFile());
        sink.stat("item_size_max", Integer.toString(c.itemSizeMax()));
        sink.stat("maxconns_fast", yesNo(settings.maxconnsFast()));
        sink.stat("hashpower_init", Integer.toString(c.hashPowerInit()));
        sink.stat("slab_reassign", yesNo(c.slabReassign()));
        sink.stat("slab_automove", Integer.toString(t.slabAutomove()));
        sink.stat("slab_automove_ratio", fixed(t.slabAutomoveRatio(), 2));
        sink.stat("slab_automove_window", Integer.toString(t.slabAutomoveWindow()));
        sink.stat("slab_chunk_max", Integer.toString(c.slabChunkMax()));
        sink.stat("lru_crawler", yesNo(t.lruCrawler()));
        sink.stat("lru_crawler_sleep", Integer.toString(t.lruCrawlerSleep()));
        sink.stat("lru_crawler_tocrawl", Integer.toUnsignedString(t.lruCrawlerTocrawl()));
        sink.stat("tail_repair_time", Integer.toString(c.tailRepairTime()));
        sink.stat("flush_enabled", yesNo(settings.flushEnabled()));
        sink.stat("dump_enabled", yesNo(settings.dumpEnabled()));
        sink.stat("hash_algorithm", settings.hashAlgorithm());
        sink.stat("lru_maintainer_thread", yesNo(c.lruMaintainer()));
        sink.stat("lru_segmented", yesNo(t.lruSegmented()));
        sink.stat("hot_lru_pct", Integer.toString(t.hotLruPct()));
        sink.stat("warm_lru_pct", Integer.toString(t.warmLruPct()));
        sink.stat("hot_max_factor", fixed(t.hotMaxFactor(), 2));
        sink.stat("warm_max_factor", fixed(t.warmMaxFactor(), 2));
        sink.stat("temp_lru", yesNo(t.tempLru()));
        sink.stat("temporary_ttl", Integer.toUnsignedString(t.temporaryTtl()));
        sink.stat("idle_timeout", Integer.toString(settings.idleTimeout()));
        sink.stat("watcher_logbuf_size", Integer.toUnsignedString(settings.watcherLogbufSize()));
        sink.stat("worker_logbuf_size", Integer.toUnsignedString(settings.workerLogbufSize()));
        sink.stat("read_buf_mem_limit", Integer.toUnsignedString(settings.readBufMemLimit()));
        sink.stat("track_sizes", yesNo(c.trackSizes()));
        sink.stat("inline_ascii_response", "no");
        extstore.stats(sink);
        ExtstoreSettings.tlsStats(sink);
        sink.stat("num_napi_ids", settings.napiIds() == 0 ? "(null)" : Integer.toString(settings.napiIds()));
        sink.stat("memory_file", settings.memoryFile() == null ? "(null)" : settings.memoryFile());
        sink.stat("client_flags_size", "4");
    }

    /** The fields of {@code stats items} that memcached lists only while its LRU maintainer runs. */
    private static final java.util.Set<String> MAINTAINER_ITEM_FIELDS = java.util.Set.of("number_hot", "number_warm",
        "number_cold", "number_temp", "age_hot", "age_warm", "evicted_active", "moves_to_cold", "moves_to_warm",
        "moves_within_lru", "direct_reclaims", "hits_to_hot", "hits_to_warm", "hits_to_cold", "hits_to_temp");

    /**
     * {@code stats items}: without the LRU maintainer ({@code -o no_lru_maintainer}), memcached leaves out the
     * fields of the segments and the maintainer's moves.
     *
     * @param sink receives the fields.
     */
    void items(final StatsSink sink)
    {
        final boolean maintainer = cache.config().lruMaintainer();
        for (final CacheStats.SlabClassStats s : cache.stats().slabClasses())
        {
            if (s.items().get("number") == 0)
            {
                continue;
            }
            final String prefix = "items:" + s.id() + ":";
            for (final Map.Entry<String, Long> e : s.items().entrySet())
            {
                if (maintainer || !MAINTAINER_ITEM_FIELDS.contains(e.getKey()))
                {
                    sink.stat(prefix + e.getKey(), Long.toString(e.getValue()));
                }
            }
        }
    }

    /**
     * {@code stats slabs}.
     *
     * @param sink receives the fields.
     */
    void slabs(final StatsSink sink)
    {
        final CacheStats stats = cache.stats();
        for (final CacheStats.SlabClassStats s : stats.slabClasses())
        {
            if (s.slabs().get("total_pages") == 0)
            {
                continue;
            }
            final String prefix = s.id() + ":";
            for (final Map.Entry<String, Long> e : s.slabs().entrySet())
            {
                sink.stat(prefix + e.getKey(), Long.toString(e.getValue()));
            }
        }
        sink.stat("active_slabs", Long.toString(stats.activeSlabs()));
        sink.stat("total_malloced", Long.toString(stats.totalMalloced()));
    }

    /**
     * {@code stats sizes}.
     *
     * @param sink receives the fields.
     */
    void sizes(final StatsSink sink)
    {
        final java.util.SortedMap<Integer, Long> sizes = cache.stats().sizes();
        if (sizes == null)
        {
            sink.stat("sizes_status", "disabled");
            return;
        }
        for (final Map.Entry<Integer, Long> e : sizes.entrySet())
        {
            sink.stat(Integer.toString(e.getKey()), Long.toString(e.getValue()));
        }
    }

    /**
     * {@code stats conns}: the open connections, oldest first.
     *
     * @param sink receives the fields.
     */
    void conns(final StatsSink sink)
    {
        final Session[] open = sessions.toArray(new Session[0]);
        java.util.Arrays.sort(open, java.util.Comparator.comparingLong(Session::connectionId));
        final long now = System.nanoTime();
        final java.util.Iterator<Map.Entry<Long, Listening>> listeners = listening.entrySet().iterator();
        Map.Entry<Long, Listening> listener = listeners.hasNext() ? listeners.next() : null;
        for (final Session s : open)
        {
            while (listener != null && listener.getKey() < s.connectionId())
            {
                listener(sink, listener.getKey(), listener.getValue(), now);
                listener = listeners.hasNext() ? listeners.next() : null;
            }
            final String id = Long.toString(s.connectionId());
            final SessionHost host = s.host();
            if (s.servesDatagrams())
            {
                sink.stat(id + ":UDP", "UDP");
            }
            if (s.servesDatagrams() && !s.inDatagram())
            {
                // an idle UDP connection shows the socket's own address, as a listener does
                sink.stat(id + ":addr", host.localAddress());
            }
            else
            {
                // memcached has no address for a unix socket's client: it prints the empty one accept() left it
                final String peer = host.peerAddress();
                sink.stat(id + ":addr", peer.startsWith("unix:") ? "?:<AF 0>" : peer);
                sink.stat(id + ":listen_addr", host.localAddress());
            }
            sink.stat(id + ":state", s.stateName());
            sink.stat(id + ":secs_since_last_cmd", Integer.toString(cache.admin().currentTime() - s.lastCommandTime()));
        }
        while (listener != null)
        {
            listener(sink, listener.getKey(), listener.getValue(), now);
            listener = listeners.hasNext() ? listeners.next() : null;
        }
    }

    private static void listener(final StatsSink sink, final long id, final Listening l, final long now)
    {
        // memcached lists its listening sockets too, idle since they were opened
        sink.stat(id + ":addr", l.address());
        sink.stat(id + ":state", "conn_listening");
        sink.stat(id + ":secs_since_last_cmd", Long.toString((now - l.openedNanos()) / 1_000_000_000L));
    }

    /**
     * C's {@code printf("%.Nf")}: the double's exact binary value rounded half to even, as glibc does.
     *
     * @param value  the number.
     * @param places digits after the point.
     * @return the text.
     */
    static String fixed(final double value, final int places)
    {
        return CStrtod.fixed(value, places);
    }

    private static String yesNo(final boolean value)
    {
        return value ? "yes" : "no";
    }

    private static String formatMicros(final long micros)
    {
        return String.format(Locale.ROOT, "%d.%06d", micros / 1_000_000, micros % 1_000_000);
    }

    /**
     * User and system CPU time of the process in microseconds, from {@code /proc/self/stat} where there is one, or
     * the JVM's process CPU time counted as user time.
     */
    private static long[] rusage()
    {
        try
        {
            final String stat = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.US_ASCII);
            final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields[11] and [12] are utime and stime (fields 14 and 15 of proc(5)), in clock ticks of 1/100 s
            return new long[] {Long.parseLong(fields[11]) * 10_000, Long.parseLong(fields[12]) * 10_000};
        }
        catch (final IOException | RuntimeException ex)
        {
            final java.lang.management.OperatingSystemMXBean os =
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.OperatingSystemMXBean sun)
            {
                return new long[] {sun.getProcessCpuTime() / 1000, 0};
            }
            return new long[] {0, 0};
        }
    }
}
