/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Published values of the three hashes. The transcripts {@code stats-detail-long-prefixes},
 * {@code option-stats-detail-jenkins-long} and {@code option-stats-detail-xxh3} check them against memcached itself,
 * over prefixes of every length path.
 */
class PrefixHashTest
{
    @Test
    void shouldGiveMurmur3sPublishedValues()
    {
        assertEquals(0, PrefixHash.murmur3(bytes(""), 0, 0));
        assertEquals(0x248bfa47, PrefixHash.murmur3(bytes("hello"), 0, 5));
    }

    @Test
    void shouldGiveLookup3sPublishedValues()
    {
        assertEquals(0xdeadbeef, PrefixHash.jenkins(bytes(""), 0, 0));
        assertEquals(0x17770551, PrefixHash.jenkins(bytes("Four score and seven years ago"), 0, 30));
    }

    @Test
    void shouldGiveXxh3sPublishedValues()
    {
        assertEquals(0x2d06800538d394c2L, PrefixHash.xxh3(bytes(""), 0, 0));
        assertEquals(0x78af5f94892f3950L, PrefixHash.xxh3(bytes("abc"), 0, 3));
    }

    @Test
    void shouldReadThePrefixWhereItSits()
    {
        final ByteBuffer inside = bytes("xx:abc:yy");
        assertEquals(PrefixHash.xxh3(bytes("abc"), 0, 3), PrefixHash.xxh3(inside, 3, 3));
        assertEquals((int)PrefixHash.xxh3(bytes("abc"), 0, 3), PrefixHash.hash("xxh3", inside, 3, 3));
        assertEquals(PrefixHash.jenkins(bytes("abc"), 0, 3), PrefixHash.hash("jenkins", inside, 3, 3));
        assertEquals(PrefixHash.murmur3(bytes("abc"), 0, 3), PrefixHash.hash("murmur3", inside, 3, 3));
    }

    private static ByteBuffer bytes(final String s)
    {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
    }
}
