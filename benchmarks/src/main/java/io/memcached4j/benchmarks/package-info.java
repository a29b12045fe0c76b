/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */

/**
 * Benchmarks of memcached4j, built into one runnable jar, {@code benchmarks/target/benchmarks.jar}.
 * <ul>
 *     <li>{@link io.memcached4j.benchmarks.EngineVarHandleBenchmark} and
 *     {@link io.memcached4j.benchmarks.EngineUnsafeBenchmark}: the engine's zero-allocation API on each memory
 *     path (the path is chosen once per JVM, so each has its own fork arguments; the methods are in
 *     {@link io.memcached4j.benchmarks.EngineBenchmark});</li>
 *     <li>{@link io.memcached4j.benchmarks.CaffeineBenchmark} and {@link io.memcached4j.benchmarks.OhcBenchmark}:
 *     the same operations on the same workload, as anchors;</li>
 *     <li>{@link io.memcached4j.benchmarks.Density}: a plain program counting how many items fit in 64 MiB before
 *     the first eviction, side by side with memcached when its binary is installed.</li>
 * </ul>
 * The workload is defined once, in {@link io.memcached4j.benchmarks.Workload} and
 * {@link io.memcached4j.benchmarks.KeyStream}. {@code benchmarks/README.md} has the command lines.
 */
package io.memcached4j.benchmarks;
