/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The container image's command: memcached's flags, alone or after the word memcached.
 */
class ImageMainTest
{
    @Test
    void shouldPassFlagsAloneThrough()
    {
        assertArrayEquals(new String[] {"-m", "256", "-c", "2048", "-v"},
            ImageMain.serverArgs(new String[] {"-m", "256", "-c", "2048", "-v"}));
        assertArrayEquals(new String[] {"--memory-limit=64"}, ImageMain.serverArgs(new String[] {"--memory-limit=64"}));
    }

    @Test
    void shouldStartWithMemcachedsDefaultsWithoutACommand()
    {
        assertArrayEquals(new String[0], ImageMain.serverArgs(new String[0]));
        assertArrayEquals(new String[0], ImageMain.serverArgs(new String[] {"memcached"}));
    }

    @Test
    void shouldDropTheWordMemcachedOfCommandLinesWrittenForMemcachedsImage()
    {
        assertArrayEquals(new String[] {"-m", "64"}, ImageMain.serverArgs(new String[] {"memcached", "-m", "64"}));
        assertArrayEquals(new String[] {"-m", "64"}, ImageMain.serverArgs(new String[] {"memcached4j", "-m", "64"}));
        assertArrayEquals(new String[] {"-v"}, ImageMain.serverArgs(new String[] {"/usr/local/bin/memcached", "-v"}));
        assertArrayEquals(new String[] {"memcached", "-v"},
            ImageMain.serverArgs(new String[] {"memcached", "memcached", "-v"}));
    }

    @Test
    void shouldRefuseOtherCommands()
    {
        assertNull(ImageMain.serverArgs(new String[] {"sh", "-c", "memcached -m 64"}));
        assertNull(ImageMain.serverArgs(new String[] {"/bin/bash"}));
        assertNull(ImageMain.serverArgs(new String[] {"memcached-tool"}));
        assertNull(ImageMain.serverArgs(new String[] {""}));
        assertEquals("memcached4j: sh: not found. This image has no shell and runs only memcached4j: give " +
            "memcached's flags, alone or after the word memcached (e.g. memcached -m 64).\n", ImageMain.refusal("sh"));
    }
}
