/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.benchmarks;

import org.openjdk.jmh.annotations.Fork;

/**
 * {@link EngineBenchmark} on the flag-free {@code VarHandle} memory path: each fork runs with
 * {@code -Dmemcached4j.memory=varhandle}, {@code -Xms4g -Xmx4g} and {@code -XX:MaxDirectMemorySize=4g}.
 * <p>
 * Run (from the repository root, after {@code ./mvnw -B -pl benchmarks -am package -DskipTests}):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar EngineVarHandleBenchmark -t 1 -prof gc
 * java -jar benchmarks/target/benchmarks.jar EngineVarHandleBenchmark -t 2 -prof gc
 * </pre>
 * Do not pass {@code -jvmArgsAppend} on the command line: it replaces these options. Add options with
 * {@code -jvmArgsPrepend} instead.
 */
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-XX:MaxDirectMemorySize=4g", "-Dmemcached4j.memory=varhandle"})
public class EngineVarHandleBenchmark extends EngineBenchmark
{
    @Override
    protected String memoryPath()
    {
        return "VARHANDLE";
    }
}
