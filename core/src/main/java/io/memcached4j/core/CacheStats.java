/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * A snapshot of a cache's statistics under memcached's names. {@link #general()} holds the engine's fields of
 * {@code stats} in the order memcached 1.6.39 prints them (a server adds its own connection and process fields);
 * {@link #slabClasses()} holds {@code stats slabs} and {@code stats items}; {@link #sizes()} holds
 * {@code stats sizes}. Allocator figures ({@code bytes}, chunks, pages) are this engine's true values.
 * Immutable and threadsafe.
 */
public final class CacheStats
{
    private final Map<String, Long> general;
    private final List<SlabClassStats> slabClasses;
    private final long activeSlabs;
    private final long totalMalloced;
    private final SortedMap<Integer, Long> sizes;

    CacheStats(
        final LinkedHashMap<String, Long> general,
        final List<SlabClassStats> slabClasses,
        final long activeSlabs,
        final long totalMalloced,
        final SortedMap<Integer, Long> sizes)
    {
        this.general = Collections.unmodifiableMap(general);
        this.slabClasses = Collections.unmodifiableList(slabClasses);
        this.activeSlabs = activeSlabs;
        this.totalMalloced = totalMalloced;
        this.sizes = sizes == null ? null : Collections.unmodifiableSortedMap(sizes);
    }

    /**
     * The engine's {@code stats} fields, in memcached's order.
     *
     * @return name to value.
     */
    public Map<String, Long> general()
    {
        return general;
    }

    /**
     * One field of {@link #general()}.
     *
     * @param name memcached's name, e.g. {@code get_hits}.
     * @return the value.
     * @throws IllegalArgumentException for an unknown name.
     */
    public long get(final String name)
    {
        final Long value = general.get(name);
        if (value == null)
        {
            throw new IllegalArgumentException("no such statistic: " + name);
        }
        return value;
    }

    /**
     * Per-class statistics for every class that has pages or items.
     *
     * @return the classes in id order.
     */
    public List<SlabClassStats> slabClasses()
    {
        return slabClasses;
    }

    /**
     * The statistics of one class, or null if it has neither pages nor items.
     *
     * @param id class id.
     * @return the class's statistics.
     */
    public SlabClassStats slabClass(final int id)
    {
        for (final SlabClassStats s : slabClasses)
        {
            if (s.id() == id)
            {
                return s;
            }
        }
        return null;
    }

    /**
     * {@code active_slabs}: classes with pages.
     *
     * @return the count.
     */
    public long activeSlabs()
    {
        return activeSlabs;
    }

    /**
     * {@code total_malloced}: bytes of pages taken.
     *
     * @return the bytes.
     */
    public long totalMalloced()
    {
        return totalMalloced;
    }

    /**
     * {@code stats sizes}: item count per 32-byte size bucket, or null when size tracking is off. An item's size is
     * the one memcached gives it (48-byte header, 8 bytes of CAS unless disabled, the key and a NUL, 4 bytes of
     * non-zero client flags, the value and CRLF), rounded up to the bucket, so the buckets are memcached's.
     *
     * @return bucket (bytes) to count.
     */
    public SortedMap<Integer, Long> sizes()
    {
        return sizes;
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "CacheStats" + general;
    }

    /**
     * The statistics of one slab class.
     */
    public static final class SlabClassStats
    {
        private final int id;
        private final Map<String, Long> slabs;
        private final Map<String, Long> items;

        SlabClassStats(final int id, final LinkedHashMap<String, Long> slabs, final LinkedHashMap<String, Long> items)
        {
            this.id = id;
            this.slabs = Collections.unmodifiableMap(slabs);
            this.items = Collections.unmodifiableMap(items);
        }

        /**
         * The class id.
         *
         * @return the id.
         */
        public int id()
        {
            return id;
        }

        /**
         * {@code stats slabs} fields of this class, in memcached's order.
         *
         * @return name to value.
         */
        public Map<String, Long> slabs()
        {
            return slabs;
        }

        /**
         * {@code stats items} fields of this class, in memcached's order ({@code number_temp} only with the TEMP
         * LRU on).
         *
         * @return name to value.
         */
        public Map<String, Long> items()
        {
            return items;
        }

        /**
         * A field of either map.
         *
         * @param name memcached's name.
         * @return the value.
         * @throws IllegalArgumentException for an unknown name.
         */
        public long get(final String name)
        {
            Long value = slabs.get(name);
            if (value == null)
            {
                value = items.get(name);
            }
            if (value == null)
            {
                throw new IllegalArgumentException("no such statistic: " + name);
            }
            return value;
        }

        /**
         * {@inheritDoc}
         */
        public String toString()
        {
            return "SlabClassStats{" + id + ", " + slabs + ", " + items + '}';
        }
    }
}
