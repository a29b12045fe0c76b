/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

import io.memcached4j.core.EngineTrace;

/**
 * Prints what the engine's background work does as memcached prints it: the slab class table, the crawler's
 * reclaims and the hash table's expansion at {@code -vv}, and its crawler and maintainer threads' lines at
 * {@code -vvv}. Threadsafe.
 */
final class EngineLog implements EngineTrace
{
    private final Log log;
    private volatile IntSupplier verbosity;
    /**
     * Lines of the crawler's first pass, held until the server listens ({@link #follow}): the engine starts its
     * background thread before the server opens its sockets, and memcached's main thread prints its listening lines
     * before its crawler thread's first lines. A pass over every LRU is a few hundred lines.
     */
    private List<String> held = new ArrayList<>();

    /**
     * @param log       where lines go.
     * @param verbosity the verbosity until {@link #follow} is called: the {@code -v} count.
     */
    EngineLog(final Log log, final int verbosity)
    {
        this.log = log;
        this.verbosity = () -> verbosity;
    }

    /**
     * From now on, print at the server's current verbosity (which the {@code verbosity} command changes).
     *
     * @param current the verbosity.
     */
    void follow(final IntSupplier current)
    {
        verbosity = current;
        synchronized (this)
        {
            if (held != null)
            {
                for (final String line : held)
                {
                    log.bytesLine(line);
                }
                held = null;
            }
        }
    }

    /**
     * A line of the crawler thread: held until the server listens, printed after.
     */
    private void crawlerLine(final String line)
    {
        synchronized (this)
        {
            if (held != null)
            {
                held.add(line);
                return;
            }
        }
        log.bytesLine(line);
    }

    private boolean above(final int level)
    {
        return verbosity.getAsInt() > level;
    }

    @Override
    public void slabClasses(final String table)
    {
        if (above(1))
        {
            log.text(table);
        }
    }

    @Override
    public void crawlerStarted()
    {
        line(2, "Starting LRU crawler background thread");
    }

    @Override
    public void crawlerStopping()
    {
        line(2, "LRU crawler thread stopping");
    }

    @Override
    public void maintainerStarted()
    {
        line(2, "Starting LRU maintainer background thread");
    }

    @Override
    public void maintainerStopping()
    {
        line(2, "LRU maintainer thread stopping");
    }

    @Override
    public void crawlStarted(final int lruId)
    {
        if (above(2))
        {
            crawlerLine("Kicking LRU crawler off for LRU " + lruId);
        }
    }

    @Override
    public void crawlFinished(final int lruId)
    {
        if (above(2))
        {
            crawlerLine("Nothing left to crawl for " + lruId);
        }
    }

    @Override
    public void crawlerIdle()
    {
        if (above(2))
        {
            crawlerLine("LRU crawler thread sleeping");
        }
    }

    @Override
    public void expiredReclaimed(final int itemFlags, final int lruId, final byte[] key, final int keyLength)
    {
        if (above(1))
        {
            // memcached prints the key's bytes as they are
            crawlerLine("LRU crawler found an expired item (flags: " + itemFlags + ", slab: " + lruId + "): " +
                new String(key, 0, keyLength, StandardCharsets.ISO_8859_1));
        }
    }

    @Override
    public void hashExpansionStarting()
    {
        line(1, "Hash table expansion starting");
    }

    @Override
    public void hashExpansionDone()
    {
        line(1, "Hash table expansion done");
    }

    private void line(final int level, final String text)
    {
        if (above(level))
        {
            log.line(text);
        }
    }
}
