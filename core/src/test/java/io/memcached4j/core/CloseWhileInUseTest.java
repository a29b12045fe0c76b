/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link MemcachedCache#close()} while other threads still use the cache: the memory is freed at once only when no
 * other live thread has used the cache, and otherwise left to the garbage collector, so an operation racing the
 * close fails instead of reaching freed memory.
 */
class CloseWhileInUseTest
{
    /**
     * The race in a JVM of its own ({@link CloseRaceMain}), on both memory paths: memory freed under the racing
     * operations crashed that JVM or corrupted its C heap ({@code malloc(): unsorted double linked list corrupted}).
     */
    @ParameterizedTest
    @ValueSource(strings = {"varhandle", "unsafe"})
    void shouldNotFreeMemoryUnderOperationsThatRaceTheClose(final String path) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>(List.of(
            new File(System.getProperty("java.home"), "bin/java").getPath()));
        if ("unsafe".equals(path))
        {
            command.add("--add-exports");
            command.add("java.base/jdk.internal.misc=ALL-UNNAMED");
        }
        command.addAll(List.of("-Dmemcached4j.memory=" + path, "-cp", FlagFreeJvmTest.classPath(),
            CloseRaceMain.class.getName()));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the JVM did not finish");
        System.out.println(path + ":\n" + output);
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.endsWith("survived\n"), output);
    }

    @Test
    void shouldReturnTheMemoryOnceOperationsOfOtherThreadsNoLongerReachIt() throws InterruptedException
    {
        org.junit.jupiter.api.Assumptions.assumeTrue(DirectMemory.pagesCountAsDirectMemory());
        final long before = MemoryBoundTest.settledDirectMemory();
        final MemcachedCache cache = MemcachedCache.builder().memoryLimit(64L << 20).build();
        // another thread uses the cache and stays alive: close() cannot know it is not inside an operation
        final java.util.concurrent.CountDownLatch used = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        final Thread other = new Thread(() ->
        {
            cache.get(ByteBuffer.wrap("x".getBytes(StandardCharsets.US_ASCII)), ByteBuffer.allocate(8));
            used.countDown();
            try
            {
                done.await();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        });
        other.start();
        used.await();
        for (int i = 0; i < 300_000; i++)
        {
            cache.set("key:" + i, new byte[100], 0, 0);
        }
        assertTrue(MemoryBoundTest.directMemory() - before >= 40L << 20, "the fill should take memory");
        cache.close();
        final long after = MemoryBoundTest.settledDirectMemory();
        done.countDown();
        other.join();
        assertTrue(after - before <= MemoryBoundTest.SLACK, "after close " + (after - before) + " bytes are held");
    }
}
