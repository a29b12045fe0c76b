/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Pins the item layout: header length, field offsets and the alignment that compare-and-set needs.
 */
class ItemDescriptorTest
{
    @Test
    void shouldKeepTheHeaderSmallEnoughForTheDensityTarget()
    {
        assertEquals(26, ItemDescriptor.HEADER_LENGTH);
        assertEquals(34, ItemDescriptor.keyOffset(ItemDescriptor.CAS_LENGTH, 0));
        assertEquals(38, ItemDescriptor.keyOffset(ItemDescriptor.CAS_LENGTH, ItemDescriptor.CFLAGS));
        assertEquals(26, ItemDescriptor.keyOffset(0, 0));
        assertTrue(ItemDescriptor.itemSize(ItemDescriptor.CAS_LENGTH, 7, 14, 100) <= 152);
    }

    @Test
    void shouldAlignTheStateWordForCompareAndSet()
    {
        assertEquals(0, ItemDescriptor.STATE_OFFSET % Integer.BYTES);
        assertEquals(0, ItemDescriptor.CHUNK_DATA_OFFSET % Long.BYTES);
        assertEquals(0, ItemDescriptor.CURSOR_LENGTH % Long.BYTES);
        assertEquals(0, SlabClassTable.CHUNK_ALIGN % Long.BYTES);
    }

    @Test
    void shouldRoundTripRefs()
    {
        for (final int page : new int[]{0, 1, 17, ItemDescriptor.MAX_PAGES})
        {
            for (final int offset : new int[]{0, 8, 96 * 1000, ItemDescriptor.PAGE_SIZE - 8})
            {
                final int ref = ItemDescriptor.ref(page, offset);
                assertEquals(page, ItemDescriptor.page(ref));
                assertEquals(offset, ItemDescriptor.offset(ref));
            }
        }
    }

    @Test
    void shouldFollowMemcachedsItemSizeFormula()
    {
        assertEquals(1 << 20, ItemDescriptor.memcachedItemSize(true, 0, 1, 1048516));
        assertEquals(1 << 20, ItemDescriptor.memcachedItemSize(false, 0, 1, 1048524));
        assertEquals(69, ItemDescriptor.memcachedItemSize(true, 5, 3, 3));
    }
}
