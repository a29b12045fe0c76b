/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server.clients;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.memcached4j.server.clients.Servers.Server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * libmemcached's {@code memccapable} (Debian's libmemcached-tools) against memcached4j and the real memcached in the
 * same run, over ASCII ({@code -a}) and binary ({@code -b}): every one of its tests must end the same way on both.
 * With libmemcached-tools 1.1.4 and memcached 1.6.18 all 27 ASCII and 27 binary tests pass on both; a test that
 * fails on both is printed, and does not fail this test.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MemccapableTest
{
    private static final Pattern RESULT = Pattern.compile("^((?:ascii|binary) .+?)\\s+\\[(\\w+)]\\s*$");

    @Test
    void shouldPassWhatMemccapablePassesOnMemcached() throws Exception
    {
        Servers.require(Files.isExecutable(Servers.MEMCCAPABLE), Servers.MEMCCAPABLE.toString(),
            "apt-get install libmemcached-tools");
        Servers.requireMemcached();
        // memccapable flushes the server: one server per run, and the four runs at once
        try (Server oursAscii = Servers.ours(Map.of());
            Server oursBinary = Servers.ours(Map.of());
            Server memcachedAscii = Servers.memcached(Map.of());
            Server memcachedBinary = Servers.memcached(Map.of()))
        {
            final Process[] runs = {
                start(oursAscii, "-a"), start(oursBinary, "-b"), start(memcachedAscii, "-a"),
                start(memcachedBinary, "-b")};
            final String[] outputs = new String[runs.length];
            for (int i = 0; i < runs.length; i++)
            {
                outputs[i] = finish(runs[i]);
            }
            final Map<String, String> ours = results(outputs[0] + outputs[1]);
            final Map<String, String> memcached = results(outputs[2] + outputs[3]);
            System.out.println("memccapable against memcached:\n" + outputs[2] + outputs[3]);
            System.out.println("memccapable against memcached4j:\n" + outputs[0] + outputs[1]);
            assertTrue(memcached.size() >= 40, () -> "memccapable ran too few tests:\n" + outputs[2] + outputs[3]);
            assertEquals(memcached, ours);
            final List<String> failingOnBoth = new ArrayList<>();
            memcached.forEach((test, result) ->
            {
                if (!"pass".equals(result))
                {
                    failingOnBoth.add(test + " [" + result + "]");
                }
            });
            System.out.println("memccapable tests that do not pass against either: " + failingOnBoth);
        }
    }

    private static Process start(final Server server, final String protocol) throws IOException
    {
        return new ProcessBuilder(Servers.MEMCCAPABLE.toString(), "-h", "127.0.0.1", "-p",
            Integer.toString(server.port()), "-t", "5", protocol).redirectErrorStream(true).start();
    }

    private static String finish(final Process run) throws Exception
    {
        final String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!run.waitFor(30, TimeUnit.SECONDS))
        {
            run.destroyForcibly();
            fail("memccapable did not finish:\n" + output);
        }
        return output;
    }

    private static Map<String, String> results(final String output)
    {
        final Map<String, String> results = new LinkedHashMap<>();
        for (final String line : output.split("\n"))
        {
            final Matcher m = RESULT.matcher(line);
            if (m.matches())
            {
                results.put(m.group(1), m.group(2));
            }
        }
        return results;
    }
}
