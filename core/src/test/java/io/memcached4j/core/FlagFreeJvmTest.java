/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine in a JVM started with no option at all, as an application embeds it: {@code java -cp ... Main} on the
 * JDK running the tests (17) and on Temurin 25. It must work, take the flag-free memory path, print nothing on
 * stderr (no {@code sun.misc.Unsafe} or access warnings), and allocate nothing per get, miss or set.
 */
class FlagFreeJvmTest
{
    private static final Pattern SUMMARY = Pattern.compile(
        "path=(\\w+) set=([0-9.]+) get=([0-9.]+) miss=([0-9.]+) B/op items=(\\d+)");

    static String classPath()
    {
        final String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isEmpty() ? surefire : System.getProperty("java.class.path");
    }

    @ParameterizedTest
    @ValueSource(strings = {"current", "/usr/lib/jvm/temurin-25-jdk-amd64"})
    void shouldRunWithoutAnyJvmOption(final String jdk) throws IOException, InterruptedException
    {
        final String home = "current".equals(jdk) ? System.getProperty("java.home") : jdk;
        final File java = new File(home, "bin/java");
        Assumptions.assumeTrue(java.canExecute(), "no JDK at " + home);
        final Process process = new ProcessBuilder(List.of(java.getPath(), "-cp", classPath(),
            PlainJavaMain.class.getName())).start();
        final byte[] out;
        final byte[] err;
        out = process.getInputStream().readAllBytes();
        err = process.getErrorStream().readAllBytes();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the JVM did not finish");
        final String stdout = new String(out, StandardCharsets.UTF_8);
        final String stderr = new String(err, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), stdout + stderr);
        assertEquals("", stderr, "stderr must be empty");
        final Matcher m = SUMMARY.matcher(stdout);
        assertTrue(m.find(), stdout);
        System.out.println(home + ": " + m.group());
        assertEquals("VARHANDLE", m.group(1));
        assertEquals(0.0, Double.parseDouble(m.group(2)), 0.01, "bytes allocated per set");
        assertEquals(0.0, Double.parseDouble(m.group(3)), 0.01, "bytes allocated per get");
        assertEquals(0.0, Double.parseDouble(m.group(4)), 0.01, "bytes allocated per miss");
        assertEquals(10_001, Long.parseLong(m.group(5)));
    }
}
