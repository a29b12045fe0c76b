/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The slab class table is memcached's: compared with the tables memcached 1.6.18 printed with {@code -vv} (kept as
 * test resources) and, when the binary is installed, with what it prints now.
 */
class SlabClassTableTest
{
    static Stream<Arguments> settings()
    {
        return Stream.of(
            Arguments.of("default", MemcachedCache.builder(), new String[0]),
            Arguments.of("factor-1.1", MemcachedCache.builder().growthFactor(1.1), new String[]{"-f", "1.1"}),
            Arguments.of("n20-f1.5", MemcachedCache.builder().minSpace(20).growthFactor(1.5),
                new String[]{"-n", "20", "-f", "1.5"}),
            Arguments.of("item-2m", MemcachedCache.builder().itemSizeMax(2 << 20), new String[]{"-I", "2m"}),
            Arguments.of("item-10m", MemcachedCache.builder().itemSizeMax(10 << 20), new String[]{"-I", "10m"}),
            Arguments.of("chunkmax-16k", MemcachedCache.builder().slabChunkMax(16384),
                new String[]{"-o", "slab_chunk_max=16384"}),
            Arguments.of("no-modern", MemcachedCache.builder().slabChunkMax(1 << 20),
                new String[]{"-o", "no_modern"}),
            Arguments.of("factor-2", MemcachedCache.builder().growthFactor(2).minSpace(100),
                new String[]{"-f", "2", "-n", "100"}),
            Arguments.of("slab-sizes", MemcachedCache.builder().slabSizes(100, 200, 300, 1000, 5000),
                new String[]{"-o", "slab_sizes=100-200-300-1000-5000"}),
            Arguments.of("factor-1.01", MemcachedCache.builder().growthFactor(1.01), new String[]{"-f", "1.01"}));
    }

    private static String table(final CacheBuilder builder)
    {
        final CacheConfig c = builder.config();
        return SlabClassTable.compute(c.minSpace(), c.growthFactor(), c.slabChunkMax(), c.slabPageSize(),
            c.slabSizes()).describe();
    }

    private static String golden(final String name) throws IOException
    {
        try (InputStream in = SlabClassTableTest.class.getResourceAsStream("/slab-tables/" + name + ".txt"))
        {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("settings")
    void shouldMatchTheRecordedMemcachedTable(final String name, final CacheBuilder builder, final String[] args)
        throws IOException
    {
        assertEquals(golden(name), table(builder));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("settings")
    void shouldMatchTheInstalledMemcached(final String name, final CacheBuilder builder, final String[] args)
        throws IOException, InterruptedException
    {
        assertEquals(MemcachedOracle.slabTable(args), table(builder));
    }

    @Test
    void shouldPickTheSmallestClassThatFits()
    {
        final SlabClassTable t = SlabClassTable.compute(48, 1.25, 512 * 1024, 1 << 20, null);
        assertEquals(1, t.classFor(1));
        assertEquals(1, t.classFor(96));
        assertEquals(2, t.classFor(97));
        assertEquals(3, t.classFor(152));
        assertEquals(t.largest(), t.classFor(512 * 1024));
        assertEquals(t.largest(), t.classFor(5L << 20));
        assertEquals(0, t.classFor(0));
    }

    @Test
    void shouldPutAHundredByteValueWithAFourteenByteKeyInTheHundredFiftyTwoByteClass()
    {
        final SlabClassTable t = SlabClassTable.compute(48, 1.25, 512 * 1024, 1 << 20, null);
        assertEquals(152, t.size(t.classFor(ItemDescriptor.itemSize(ItemDescriptor.CAS_LENGTH, 0, 14, 100))));
        assertEquals(152, t.size(t.classFor(ItemDescriptor.itemSize(ItemDescriptor.CAS_LENGTH, 1, 14, 100))));
    }
}
