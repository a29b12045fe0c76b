/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.util.Arrays;

/**
 * The chunk size of every slab class, computed exactly as memcached 1.6 computes it: the first class holds memcached's
 * 48-byte item header plus {@code -n} bytes, each next class is {@code -f} times larger rounded up to 8 bytes, until a
 * class would reach {@code slab_chunk_max / factor}; the last class is exactly {@code slab_chunk_max}. With
 * {@code -o slab_sizes} the sizes are given instead. Class 0 is the global page pool and has no size.
 * Immutable and threadsafe.
 */
final class SlabClassTable
{
    /** memcached's {@code MAX_NUMBER_OF_SLAB_CLASSES}: class ids are 1..63. */
    static final int MAX_CLASSES = 64;
    /** memcached's {@code sizeof(item)} on 64-bit platforms, the base of the first class. */
    static final int MEMCACHED_ITEM_HEADER = 48;
    /** memcached's {@code CHUNK_ALIGN_BYTES}. */
    static final int CHUNK_ALIGN = 8;

    private final int[] sizes;
    private final int[] perSlab;
    private final int largest;
    private final int pageSize;

    private SlabClassTable(final int[] sizes, final int[] perSlab, final int largest, final int pageSize)
    {
        this.sizes = sizes;
        this.perSlab = perSlab;
        this.largest = largest;
        this.pageSize = pageSize;
    }

    /**
     * Compute the table from memcached's settings.
     *
     * @param minSpace     {@code -n}: bytes for key, value and flags in the smallest class (48).
     * @param factor       {@code -f}: growth factor (1.25).
     * @param slabChunkMax {@code slab_chunk_max} in bytes (512 KiB).
     * @param pageSize     {@code slab_page_size} (1 MiB).
     * @param slabSizes    explicit sizes from {@code -o slab_sizes}, or null.
     * @return the table.
     */
    static SlabClassTable compute(
        final int minSpace, final double factor, final int slabChunkMax, final int pageSize, final int[] slabSizes)
    {
        final int[] sizes = new int[MAX_CLASSES];
        final int[] perSlab = new int[MAX_CLASSES];
        long size = MEMCACHED_ITEM_HEADER + (long)minSpace;
        int i = 0;
        while (++i < MAX_CLASSES - 1)
        {
            if (slabSizes != null)
            {
                if (i - 1 >= slabSizes.length || slabSizes[i - 1] == 0)
                {
                    break;
                }
                size = slabSizes[i - 1];
            }
            else if (size >= slabChunkMax / factor)
            {
                break;
            }
            if (size % CHUNK_ALIGN != 0)
            {
                size += CHUNK_ALIGN - (size % CHUNK_ALIGN);
            }
            sizes[i] = (int)size;
            perSlab[i] = pageSize / sizes[i];
            if (slabSizes == null)
            {
                // memcached keeps the size in an unsigned int: the product is truncated
                size = (long)(int)(size * factor);
            }
        }
        sizes[i] = slabChunkMax;
        perSlab[i] = pageSize / slabChunkMax;
        return new SlabClassTable(sizes, perSlab, i, pageSize);
    }

    /**
     * The id of the largest class ({@code power_largest}).
     *
     * @return the largest class id.
     */
    int largest()
    {
        return largest;
    }

    /**
     * Chunk size of a class.
     *
     * @param id class id, 1..{@link #largest()}.
     * @return the chunk size in bytes.
     */
    int size(final int id)
    {
        return sizes[id];
    }

    /**
     * Chunks per page of a class.
     *
     * @param id class id, 1..{@link #largest()}.
     * @return chunks per page.
     */
    int perSlab(final int id)
    {
        return perSlab[id];
    }

    int pageSize()
    {
        return pageSize;
    }

    /**
     * The smallest class whose chunks hold {@code size} bytes, or {@link #largest()} if none does (the item is then
     * chunked). Returns 0 for a size of 0.
     *
     * @param size bytes needed.
     * @return the class id.
     */
    int classFor(final long size)
    {
        if (size <= 0)
        {
            return 0;
        }
        int low = 1;
        int high = largest;
        while (low < high)
        {
            final int mid = (low + high) >>> 1;
            if (sizes[mid] >= size)
            {
                high = mid;
            }
            else
            {
                low = mid + 1;
            }
        }
        return low;
    }

    /**
     * The lines memcached prints with {@code -vv} at start, one per class, each ending in a newline.
     *
     * @return the table as memcached prints it.
     */
    String describe()
    {
        final StringBuilder out = new StringBuilder();
        for (int id = 1; id <= largest; id++)
        {
            out.append(String.format("slab class %3d: chunk size %9d perslab %7d\n", id, sizes[id], perSlab[id]));
        }
        return out.toString();
    }

    public String toString()
    {
        return "SlabClassTable" + Arrays.toString(Arrays.copyOfRange(sizes, 1, largest + 1));
    }
}
