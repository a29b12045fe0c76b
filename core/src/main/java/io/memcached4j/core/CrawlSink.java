/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

/**
 * Receives the items of a dump crawl ({@code lru_crawler metadump} / {@code mgdump}). The crawler thread calls it;
 * between calls the receiver drains what it buffered. Expired and flushed items are never passed.
 */
public interface CrawlSink
{
    /**
     * Whether there is room for one more item now; when false the crawler retries later without losing its place.
     *
     * @return true when {@link #item} may be called.
     */
    boolean ready();

    /**
     * Whether the receiver still wants items; when false the crawl ends.
     *
     * @return false to stop the crawl.
     */
    boolean alive();

    /**
     * One item. The key array is reused after the call returns.
     *
     * @param key       the key bytes.
     * @param keyLength how many bytes of {@code key} are the key.
     * @param info      the item's metadata (the crawler's own holder, reused).
     */
    void item(byte[] key, int keyLength, ItemInfo info);

    /**
     * The crawl is over (completed or stopped); no further calls follow.
     */
    void finished();
}
