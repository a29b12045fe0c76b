/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

/**
 * The outcome of asking the LRU crawler to start, as memcached's {@code lru_crawler crawl} reports it.
 */
public enum CrawlResult
{
    /**
     * Started ({@code OK}).
     */
    OK,

    /**
     * Another crawl is running ({@code BUSY currently processing crawler request}).
     */
    BUSY,

    /**
     * A class id is out of range ({@code BADCLASS invalid class id}).
     */
    BADCLASS,

    /**
     * There was nothing to crawl ({@code NOTSTARTED no items to crawl}).
     */
    NOTSTARTED,

    /**
     * The crawler is disabled or the request is invalid.
     */
    ERROR
}
