/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.memcached4j.core.CacheBuilder;
import io.memcached4j.core.MemcachedCache;
import io.memcached4j.protocol.AsciiAuthFile;
import io.memcached4j.protocol.SaslAuthenticator;
import io.memcached4j.protocol.ServerSettings;

/**
 * A command line read by {@link CommandLine}: what to do ({@link #action()}), memcached's settings with their
 * defaults, and the notices to print at start for flags that have no effect here. The engine's settings become a
 * {@link CacheBuilder} ({@link #cacheBuilder()}), the server's a {@link ServerSettings} ({@link #serverSettings()}).
 * Not threadsafe; read-only once parsed.
 */
public final class ServerOptions
{
    /**
     * What the command line asks for.
     */
    public enum Action
    {
        /** Start the server. */
        RUN,
        /** {@code -h}: print the help text and exit 0. */
        HELP,
        /** {@code -V}: print the version and exit 0. */
        VERSION,
        /** {@code -i}: print the licence and exit 0. */
        LICENSE
    }

    Action action = Action.RUN;
    final List<String> notices = new ArrayList<>();
    /** The notices memcached prints as well (its warnings); the others are memcached4j's own. */
    final List<String> memcachedNotices = new ArrayList<>();

    // the server's settings, memcached's names
    int port = 11211;
    int udpPort;
    boolean tcpSpecified;
    boolean udpSpecified;
    String socketPath;
    int access = 0700;
    boolean shutdownCommand;
    String inter;
    int maxConnections = 1024;
    int verbose;
    int threads = 4;
    int reqsPerEvent = 20;
    int backlog = 1024;
    char prefixDelimiter = ':';
    boolean detailEnabled;
    ServerSettings.BindingProtocol bindingProtocol = ServerSettings.BindingProtocol.AUTO;
    boolean protocolSpecified;
    boolean sasl;
    SaslAuthenticator saslAuthenticator;
    String authFile;
    AsciiAuthFile authUsers;
    boolean maxconnsFast = true;
    boolean flushEnabled = true;
    boolean dumpEnabled = true;
    boolean watchEnabled = true;
    int idleTimeout;
    long watcherLogbufSize = 256 * 1024;
    long workerLogbufSize = 64 * 1024;
    long readBufMemLimit;
    int napiIds;
    String hashAlgorithm = "murmur3";
    double slabAutomoveFreeratio = 0.01;
    String pidFile;
    String user;
    /** The environment's {@code MEMCACHED_PORT_FILENAME}: where to write the ports listened on, or null. */
    String portFile;

    // the engine's settings
    long maxBytes = 64L * 1024 * 1024;
    boolean evictToFree = true;
    double factor = 1.25;
    int chunkSize = 48;
    boolean useCas = true;
    boolean preallocate;
    int itemSizeMax = 1024 * 1024;
    int slabChunkSizeMax = 512 * 1024;
    int[] slabSizes;
    int hashpowerInit;
    boolean slabReassign = true;
    int slabAutomove = 1;
    double slabAutomoveRatio = 0.8;
    int slabAutomoveWindow = 10;
    int tailRepairTime;
    boolean lruCrawler = true;
    int lruCrawlerSleep = 100;
    long lruCrawlerTocrawl;
    boolean lruMaintainer = true;
    boolean lruSegmented = true;
    int hotLruPct = 20;
    int warmLruPct = 40;
    double hotMaxFactor = 0.2;
    double warmMaxFactor = 2.0;
    boolean tempLru;
    int temporaryTtl = 61;
    boolean trackSizes;
    /** The -I in force where track_sizes was read: memcached sizes its histogram with it. */
    int trackSizesUpTo;

    ServerOptions()
    {
    }

    /**
     * What the command line asks for.
     *
     * @return the action.
     */
    public Action action()
    {
        return action;
    }

    /**
     * Notices for flags accepted without effect, to print on standard error at start.
     *
     * @return the lines.
     */
    public List<String> notices()
    {
        return Collections.unmodifiableList(notices);
    }

    /**
     * Whether memcached prints a notice too (a warning of its own), where the others are memcached4j's.
     *
     * @param notice one of {@link #notices()}.
     * @return true for memcached's line.
     */
    boolean printedByMemcached(final String notice)
    {
        return memcachedNotices.contains(notice);
    }

    /**
     * Add a notice memcached prints too.
     *
     * @param line the line, as memcached prints it.
     */
    void memcachedNotice(final String line)
    {
        notices.add(line);
        memcachedNotices.add(line);
    }

    /**
     * {@code -p}, after memcached's rule that {@code -U} alone also sets the TCP port.
     *
     * @return the TCP port, 0 for none.
     */
    public int tcpPort()
    {
        return port;
    }

    /**
     * {@code -U}.
     *
     * @return the UDP port, 0 for none.
     */
    public int udpPort()
    {
        return udpPort;
    }

    /**
     * {@code -s}.
     *
     * @return the unix socket path, or null.
     */
    public String socketPath()
    {
        return socketPath;
    }

    /**
     * {@code -a}.
     *
     * @return the unix socket file's permission bits.
     */
    public int access()
    {
        return access;
    }

    /**
     * {@code -l}, every occurrence joined with commas as memcached does.
     *
     * @return the listen addresses, or null for all.
     */
    public String listen()
    {
        return inter;
    }

    /**
     * The file memcached writes the ports it listens on to: the environment's {@code MEMCACHED_PORT_FILENAME}.
     *
     * @return the file name, or null when the variable is not set.
     */
    public String portFile()
    {
        return portFile;
    }

    /**
     * The {@code -v} count.
     *
     * @return the verbosity.
     */
    public int verbosity()
    {
        return verbose;
    }

    /**
     * {@code -t}.
     *
     * @return the worker thread count.
     */
    public int threads()
    {
        return threads;
    }

    /**
     * {@code -m} in bytes.
     *
     * @return the item memory limit.
     */
    public long memoryLimit()
    {
        return maxBytes;
    }

    /**
     * {@code -P}.
     *
     * @return the pid file, or null.
     */
    public String pidFile()
    {
        return pidFile;
    }

    /**
     * {@code -u}.
     *
     * @return the user name given, or null.
     */
    public String user()
    {
        return user;
    }

    /**
     * The server's settings.
     *
     * @return settings for {@link io.memcached4j.protocol.ServerState}.
     */
    public ServerSettings serverSettings()
    {
        final ServerSettings.Builder b = ServerSettings.builder()
            .maxConnections(maxConnections)
            .tcpPort(port)
            .udpPort(udpPort)
            .listenInterface(inter)
            .domainSocket(socketPath)
            .umask(access)
            .shutdownEnabled(shutdownCommand)
            .threads(threads)
            .reqsPerEvent(reqsPerEvent)
            .tcpBacklog(backlog)
            .bindingProtocol(bindingProtocol)
            .sasl(saslAuthenticator)
            .maxconnsFast(maxconnsFast)
            .flushEnabled(flushEnabled)
            .dumpEnabled(dumpEnabled)
            .watchEnabled(watchEnabled)
            .idleTimeout(idleTimeout)
            .watcherLogbufSize((int)watcherLogbufSize)
            .workerLogbufSize((int)workerLogbufSize)
            .readBufMemLimit((int)readBufMemLimit)
            .napiIds(napiIds)
            .hashAlgorithm(hashAlgorithm)
            .slabAutomoveFreeratio(slabAutomoveFreeratio)
            .verbosity(verbose);
        if (inter != null && inter.indexOf(',') >= 0)
        {
            // memcached serves each UDP socket with one worker when -l names several interfaces
            b.threadsPerUdp(1);
        }
        if (detailEnabled)
        {
            b.prefixDelimiter(prefixDelimiter);
        }
        if (authFile != null)
        {
            b.asciiAuth(authUsers);
        }
        return b.build();
    }

    /**
     * A builder holding the engine's settings.
     *
     * @return a new builder; {@link CacheBuilder#build()} makes the cache.
     */
    public CacheBuilder cacheBuilder()
    {
        final CacheBuilder b = MemcachedCache.builder()
            .memoryLimit(maxBytes)
            .itemSizeMax(itemSizeMax)
            .slabChunkMax(slabChunkSizeMax)
            .growthFactor(factor)
            .minSpace(chunkSize)
            .casEnabled(useCas)
            .evictionsEnabled(evictToFree)
            .preallocate(preallocate)
            .hashPowerInit(hashpowerInit)
            .lruSegmented(lruSegmented)
            .lruMaintainer(lruMaintainer)
            .lruCrawler(lruCrawler)
            .lruCrawlerSleep(lruCrawlerSleep)
            .lruCrawlerTocrawl((int)Math.min(lruCrawlerTocrawl, Integer.MAX_VALUE))
            .hotLruPct(hotLruPct)
            .warmLruPct(warmLruPct)
            .hotMaxFactor(hotMaxFactor)
            .warmMaxFactor(warmMaxFactor)
            .slabReassign(slabReassign)
            .slabAutomove(slabAutomove)
            .slabAutomoveRatio(slabAutomoveRatio)
            .slabAutomoveWindow(slabAutomoveWindow)
            .tailRepairTime(tailRepairTime)
            .trackSizes(trackSizes);
        if (trackSizes && trackSizesUpTo > 0)
        {
            b.trackSizes(trackSizesUpTo);
        }
        if (slabSizes != null)
        {
            b.slabSizes(slabSizes);
        }
        if (tempLru)
        {
            b.temporaryTtl(temporaryTtl);
        }
        return b;
    }
}
