/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.benchmarks;

import org.openjdk.jmh.annotations.Fork;

/**
 * {@link EngineBenchmark} on Agrona's {@code UnsafeBuffer} memory path: each fork runs with
 * {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -Dmemcached4j.memory=unsafe}, {@code -Xms4g -Xmx4g}
 * and {@code -XX:MaxDirectMemorySize=4g}. Agrona's bounds checks are on, as they are by default; to measure without
 * them add {@code -jvmArgsPrepend -Dagrona.disable.bounds.checks=true} and say so with the results.
 * <p>
 * Run (from the repository root, after {@code ./mvnw -B -pl benchmarks -am package -DskipTests}):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar EngineUnsafeBenchmark -t 1 -prof gc
 * java -jar benchmarks/target/benchmarks.jar EngineUnsafeBenchmark -t 2 -prof gc
 * </pre>
 * Do not pass {@code -jvmArgsAppend} on the command line: it replaces these options. Add options with
 * {@code -jvmArgsPrepend} instead.
 */
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-XX:MaxDirectMemorySize=4g",
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Dmemcached4j.memory=unsafe"})
public class EngineUnsafeBenchmark extends EngineBenchmark
{
    @Override
    protected String memoryPath()
    {
        return "UNSAFE";
    }
}
