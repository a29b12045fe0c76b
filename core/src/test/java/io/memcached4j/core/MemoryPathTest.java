/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The build runs the core suite twice, once per memory path: each run checks it got the path it was meant to test.
 */
class MemoryPathTest
{
    @Test
    void shouldRunOnTheExpectedMemoryPath()
    {
        final String expected = System.getProperty("memcached4j.test.expectedMemory");
        Assumptions.assumeTrue(expected != null, "not run by the build");
        assertEquals(expected.toUpperCase(java.util.Locale.ROOT), MemoryPath.selected().name());
    }
}
