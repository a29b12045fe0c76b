/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.benchmarks.load;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;

/**
 * Load generator for memcached-compatible servers: drives a server with N connections over a few event-loop
 * threads ({@link Worker}), in closed loop (maximum throughput) or at a fixed rate (open loop, latency from the
 * scheduled send time), with the text, meta or binary protocol, and prints a human summary followed by a one-line
 * JSON summary.
 * <p>
 * Sequence: connect every connection; preload (each thread sets its share of the key space through its connections,
 * 64 requests in flight per connection); warm up; measure; report. Throughput counts the replies read inside the
 * measured window (fixed rate: the replies to requests scheduled inside it). Every reply is decoded completely and
 * checked; error replies, values with the wrong length or bytes, replies out of step and requests lost with a
 * connection are errors; requests unanswered a second after they were sent are timeouts.
 * <p>
 * Run (from the repository root, after {@code ./mvnw -B -pl benchmarks -am package -DskipTests}):
 * <pre>
 * java -XX:+UseSerialGC -cp benchmarks/target/benchmarks.jar io.memcached4j.benchmarks.load.LoadGenerator \
 *     --port 11211 --protocol binary --connections 16 --pipeline 16 --threads 1 --duration 10s
 * </pre>
 * Add {@code -XX:AutoBoxCacheMax=65536} with more than about 100 connections: the JDK's epoll selector boxes each
 * ready file descriptor ({@code Integer.valueOf}), which allocates once descriptors pass 127.
 * {@code --help} lists the options; {@code benchmarks/scripts/LOADTEST.md} explains how to read the output.
 */
public final class LoadGenerator
{
    private static final long CLOCK_TICKS_PER_SECOND = 100;

    private LoadGenerator()
    {
    }

    /**
     * Run the generator with the options given; exit status 0 if the run completed without errors, 1 if it
     * completed with errors, 2 on a usage error or a failure.
     *
     * @param args options, see {@code --help}.
     * @throws Exception if the run cannot complete.
     */
    public static void main(final String[] args) throws Exception
    {
        final LoadOptions options;
        try
        {
            options = LoadOptions.parse(args);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println(ex.getMessage());
            System.err.println(LoadOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.help)
        {
            System.out.println(LoadOptions.USAGE);
            return;
        }
        final int status = run(options, System.out);
        System.exit(status);
    }

    /**
     * Run once and print the summaries.
     *
     * @param options settings.
     * @param out     where to print.
     * @return 0 if the run was clean, 1 if it saw errors or timeouts, 2 if it failed.
     * @throws Exception if connecting or a thread fails.
     */
    static int run(final LoadOptions options, final PrintStream out) throws Exception
    {
        new KeySpace(options.keys, options.keySize, options.valueMin, options.valueMax);
        final int threads = options.threads;
        final List<List<SocketChannel>> groups = new ArrayList<>();
        for (int t = 0; t < threads; t++)
        {
            groups.add(new ArrayList<>());
        }
        final InetSocketAddress address = new InetSocketAddress(options.host, options.port);
        for (int i = 0; i < options.connections; i++)
        {
            final SocketChannel channel = SocketChannel.open();
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.connect(address);
            groups.get(i % threads).add(channel);
        }

        final RunControl control = new RunControl(threads);
        final Worker[] workers = new Worker[threads];
        final Thread[] workerThreads = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            workers[t] = new Worker(t, threads, options, control, groups.get(t));
            workerThreads[t] = new Thread(workers[t], "load-" + t);
            workerThreads[t].setDaemon(true);
        }
        final long preloadStart = System.nanoTime();
        for (final Thread thread : workerThreads)
        {
            thread.start();
        }
        control.preloaded.await();
        final long preloadNanos = System.nanoTime() - preloadStart;
        for (final Worker w : workers)
        {
            if (w.failure != null)
            {
                return fail(out, "preload failed", w.failure, workerThreads);
            }
        }

        control.publish(System.nanoTime(), options.warmupNanos, options.durationNanos);
        sleepUntil(control.measureStartNanos);
        final long cpuStart = processCpuNanos();
        final long serverStart = serverCpuTicks(options.serverPid);
        final long machineStart = machineBusyTicks();
        final long windowStart = System.nanoTime();
        sleepUntil(control.measureEndNanos);
        final long cpuEnd = processCpuNanos();
        final long serverEnd = serverCpuTicks(options.serverPid);
        final long machineEnd = machineBusyTicks();
        final long windowNanos = System.nanoTime() - windowStart;
        final long wait = TimeUnit.NANOSECONDS.toMillis(Worker.DRAIN_NANOS) + 10_000;
        if (!control.finished.await(wait, TimeUnit.MILLISECONDS))
        {
            return fail(out, "workers did not finish", null, workerThreads);
        }
        for (final Worker w : workers)
        {
            if (w.failure != null)
            {
                return fail(out, "run failed", w.failure, workerThreads);
            }
        }

        final Result r = new Result(options, workers, preloadNanos);
        r.generatorCpu = cpuStart < 0 ? -1 : (double)(cpuEnd - cpuStart) / windowNanos;
        r.serverCpu = serverStart < 0 || serverEnd < 0 ? -1 :
            (double)(serverEnd - serverStart) * (1e9 / CLOCK_TICKS_PER_SECOND) / windowNanos;
        r.machineCpu = machineStart < 0 || machineEnd < 0 ? -1 :
            (double)(machineEnd - machineStart) * (1e9 / CLOCK_TICKS_PER_SECOND) / windowNanos;
        if (!options.jsonOnly)
        {
            r.printHuman(out);
        }
        out.println(r.json());
        if (options.hdrOut != null)
        {
            try (PrintStream file = new PrintStream(options.hdrOut, StandardCharsets.UTF_8))
            {
                r.latency.outputPercentileDistribution(file, 1000.0);
            }
        }
        return r.errors + r.timeouts + r.preloadErrors + r.failedConnections == 0 ? 0 : 1;
    }

    private static int fail(final PrintStream out, final String what, final Throwable t, final Thread[] threads)
    {
        out.println("load generator: " + what + (t == null ? "" : ": " + t));
        out.println("{\"failed\":true,\"reason\":" + Result.quote(what + (t == null ? "" : ": " + t)) + "}");
        for (final Thread thread : threads)
        {
            thread.interrupt();
        }
        return 2;
    }

    private static void sleepUntil(final long deadline) throws InterruptedException
    {
        long left;
        while ((left = deadline - System.nanoTime()) > 0)
        {
            TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
        }
    }

    private static long processCpuNanos()
    {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean)
        {
            return ((com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        }
        return -1;
    }

    /**
     * CPU time of the whole machine that was not idle (the first line of {@code /proc/stat}: everything but idle and
     * iowait), in clock ticks.
     *
     * @return ticks, or -1 if unknown.
     */
    static long machineBusyTicks()
    {
        try
        {
            final String stat = Files.readString(Paths.get("/proc/stat"), StandardCharsets.US_ASCII);
            final String[] fields = stat.substring(0, stat.indexOf('\n')).trim().split(" +");
            long busy = 0;
            for (int i = 1; i < fields.length && i <= 8; i++)
            {
                if (i != 4 && i != 5)
                {
                    busy += Long.parseLong(fields[i]);
                }
            }
            return busy;
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }

    /**
     * User plus system CPU time of a process from {@code /proc/PID/stat}, in clock ticks.
     *
     * @param pid process id, or a negative number.
     * @return ticks, or -1 if unknown.
     */
    static long serverCpuTicks(final long pid)
    {
        if (pid < 0)
        {
            return -1;
        }
        try
        {
            final String stat = Files.readString(Paths.get("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
            final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }

    /**
     * The merged figures of one run. Not threadsafe.
     */
    static final class Result
    {
        final LoadOptions options;
        final Histogram latency = new Histogram(Worker.HIGHEST_LATENCY_NANOS, 3);
        final Histogram service = new Histogram(Worker.HIGHEST_LATENCY_NANOS, 3);
        final long preloadNanos;
        long ops;
        long gets;
        long sets;
        long hits;
        long misses;
        long errors;
        long errorsTotal;
        long timeouts;
        long preloadOps;
        long preloadErrors;
        long failedConnections;
        long allocatedBytes;
        long scheduled;
        long maxSendLagNanos;
        double seconds;
        double workerCpu;
        double generatorCpu;
        double serverCpu;
        double machineCpu;
        String firstError;

        Result(final LoadOptions options, final Worker[] workers, final long preloadNanos)
        {
            this.options = options;
            this.preloadNanos = preloadNanos;
            seconds = options.durationNanos / 1e9;
            for (final Worker w : workers)
            {
                latency.add(w.latency);
                service.add(w.service);
                ops += w.ops;
                gets += w.gets;
                sets += w.sets;
                hits += w.hits;
                misses += w.misses;
                errors += w.errors;
                errorsTotal += w.errorsTotal;
                timeouts += w.timeouts;
                preloadOps += w.preloadOps;
                preloadErrors += w.preloadErrors;
                failedConnections += w.failedConnections;
                scheduled += w.scheduled;
                maxSendLagNanos = Math.max(maxSendLagNanos, w.maxSendLagNanos);
                allocatedBytes = allocatedBytes < 0 || w.allocatedBytes < 0 ? -1 : allocatedBytes + w.allocatedBytes;
                workerCpu += w.sampledNanos > 0 ? (double)w.cpuNanos / w.sampledNanos : 0;
                if (firstError == null)
                {
                    firstError = w.firstError;
                }
            }
        }

        double opsPerSecond()
        {
            return ops / seconds;
        }

        void printHuman(final PrintStream out)
        {
            final LoadOptions o = options;
            out.printf(Locale.ROOT, "load: %s %s:%d, %d connections x pipeline %d on %d thread(s), %s%n",
                o.protocol, o.host, o.port, o.connections, o.pipeline, o.threads,
                o.openLoop() ? String.format(Locale.ROOT, "fixed rate %,.0f ops/s", o.rate) : "closed loop");
            out.printf(Locale.ROOT, "      %,d keys of %d B (%s), values %s B, set:get %d:%d, warmup %.1f s, " +
                "measured %.1f s%n", o.keys, o.keySize, o.sequentialKeys ? "sequential" : "uniform",
                o.valueMin == o.valueMax ? Integer.toString(o.valueMin) : o.valueMin + "-" + o.valueMax,
                o.sets, o.gets, o.warmupNanos / 1e9, seconds);
            if (o.preload)
            {
                out.printf(Locale.ROOT, "preload: %,d sets in %.2f s, %d not stored%n",
                    preloadOps, preloadNanos / 1e9, preloadErrors);
            }
            out.printf(Locale.ROOT, "throughput: %,.0f ops/s (%,d ops: %,d gets, %,d hits, %,d misses, %,d sets)%n",
                opsPerSecond(), ops, gets, hits, misses, sets);
            out.printf(Locale.ROOT, "errors: %d in window, %d in run, %d timeouts, %d failed connections%s%n",
                errors, errorsTotal, timeouts, failedConnections, firstError == null ? "" : "; first: " + firstError);
            printLatency(out, o.openLoop() ? "latency (from schedule)" : "latency", latency);
            if (o.openLoop())
            {
                printLatency(out, "service (from send)", service);
                out.printf(Locale.ROOT, "schedule: %,d requests of the window sent, worst send lag %.1f us%n",
                    scheduled, maxSendLagNanos / 1e3);
            }
            out.printf(Locale.ROOT, "cpu (100%% = one core): generator %.0f%% (event loops %.0f%%)%s%s; " +
                "allocated %s B/op%n",
                generatorCpu * 100, workerCpu * 100,
                serverCpu < 0 ? "" : String.format(Locale.ROOT, ", server %.0f%%", serverCpu * 100),
                machineCpu < 0 ? "" : String.format(Locale.ROOT, ", whole machine %.0f%% of %d%%",
                    machineCpu * 100, Runtime.getRuntime().availableProcessors() * 100),
                allocatedBytes < 0 ? "?" : String.format(Locale.ROOT, "%.3f", allocatedPerOp()));
        }

        double allocatedPerOp()
        {
            return allocatedBytes < 0 ? -1 : ops == 0 ? 0 : (double)allocatedBytes / ops;
        }

        private static void printLatency(final PrintStream out, final String what, final Histogram h)
        {
            out.printf(Locale.ROOT, "%s us: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  p99.99 %.1f  max %.1f  " +
                "mean %.1f%n", what, us(h, 50), us(h, 90), us(h, 99), us(h, 99.9), us(h, 99.99),
                h.getTotalCount() == 0 ? 0 : h.getMaxValue() / 1e3, h.getTotalCount() == 0 ? 0 : h.getMean() / 1e3);
        }

        private static double us(final Histogram h, final double percentile)
        {
            return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1e3;
        }

        String json()
        {
            final LoadOptions o = options;
            final StringBuilder b = new StringBuilder(1024);
            b.append('{');
            field(b, "label", quote(o.label));
            field(b, "host", quote(o.host));
            field(b, "port", Integer.toString(o.port));
            field(b, "protocol", quote(o.protocol));
            field(b, "mode", quote(o.openLoop() ? "fixed-rate" : "closed-loop"));
            field(b, "target_rate", num(o.rate));
            field(b, "connections", Integer.toString(o.connections));
            field(b, "threads", Integer.toString(o.threads));
            field(b, "pipeline", Integer.toString(o.pipeline));
            field(b, "keys", Integer.toString(o.keys));
            field(b, "key_size", Integer.toString(o.keySize));
            field(b, "value_min", Integer.toString(o.valueMin));
            field(b, "value_max", Integer.toString(o.valueMax));
            field(b, "ratio", quote(o.sets + ":" + o.gets));
            field(b, "key_pattern", quote(o.sequentialKeys ? "sequential" : "uniform"));
            field(b, "warmup_s", num(o.warmupNanos / 1e9));
            field(b, "duration_s", num(seconds));
            field(b, "preload_ops", Long.toString(preloadOps));
            field(b, "preload_s", num(preloadNanos / 1e9));
            field(b, "preload_errors", Long.toString(preloadErrors));
            field(b, "ops", Long.toString(ops));
            field(b, "ops_per_sec", num(opsPerSecond()));
            field(b, "gets", Long.toString(gets));
            field(b, "sets", Long.toString(sets));
            field(b, "hits", Long.toString(hits));
            field(b, "misses", Long.toString(misses));
            field(b, "errors", Long.toString(errors));
            field(b, "errors_total", Long.toString(errorsTotal));
            field(b, "timeouts", Long.toString(timeouts));
            field(b, "failed_connections", Long.toString(failedConnections));
            field(b, "first_error", firstError == null ? "null" : quote(firstError));
            field(b, "latency_us", percentiles(latency));
            if (o.openLoop())
            {
                field(b, "service_us", percentiles(service));
                field(b, "sent_in_window", Long.toString(scheduled));
                field(b, "max_send_lag_us", num(maxSendLagNanos / 1e3));
            }
            field(b, "generator_cpu", num(generatorCpu));
            field(b, "event_loop_cpu", num(workerCpu));
            field(b, "server_cpu", serverCpu < 0 ? "null" : num(serverCpu));
            field(b, "machine_cpu", machineCpu < 0 ? "null" : num(machineCpu));
            field(b, "cpus", Integer.toString(Runtime.getRuntime().availableProcessors()));
            field(b, "alloc_bytes_per_op", allocatedBytes < 0 ? "null" : num(allocatedPerOp()));
            b.setLength(b.length() - 1);
            return b.append('}').toString();
        }

        private static String percentiles(final Histogram h)
        {
            return "{\"p50\":" + num(us(h, 50)) + ",\"p90\":" + num(us(h, 90)) + ",\"p99\":" + num(us(h, 99)) +
                ",\"p99.9\":" + num(us(h, 99.9)) + ",\"p99.99\":" + num(us(h, 99.99)) + ",\"max\":" +
                num(h.getTotalCount() == 0 ? 0 : h.getMaxValue() / 1e3) + ",\"mean\":" +
                num(h.getTotalCount() == 0 ? 0 : h.getMean() / 1e3) + ",\"count\":" + h.getTotalCount() + "}";
        }

        private static void field(final StringBuilder b, final String name, final String value)
        {
            b.append('"').append(name).append("\":").append(value).append(',');
        }

        private static String num(final double value)
        {
            return String.format(Locale.ROOT, "%.3f", value);
        }

        static String quote(final String text)
        {
            final StringBuilder b = new StringBuilder(text.length() + 2).append('"');
            for (int i = 0; i < text.length(); i++)
            {
                final char c = text.charAt(i);
                if (c == '"' || c == '\\')
                {
                    b.append('\\').append(c);
                }
                else if (c < 0x20)
                {
                    b.append(String.format(Locale.ROOT, "\\u%04x", (int)c));
                }
                else
                {
                    b.append(c);
                }
            }
            return b.append('"').toString();
        }
    }
}
