/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.benchmarks.load;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The load generator's settings, parsed from {@code --name value} (or {@code --name=value}) arguments. Not
 * threadsafe while parsing; read only afterwards.
 */
final class LoadOptions
{
    /** The usage text. */
    static final String USAGE = String.join("\n",
        "usage: java -cp benchmarks.jar io.memcached4j.benchmarks.load.LoadGenerator [options]",
        "",
        "  --host H             server address (127.0.0.1)",
        "  --port P             server port (11211)",
        "  --protocol X         text (get/set), meta (mg v/ms) or binary (GET/SET) (binary)",
        "  --connections N      connections (16)",
        "  --threads T          event-loop threads; connection i is served by thread i % T (1)",
        "  --pipeline D         requests in flight per connection (1)",
        "  --keys K             key space size; keys are 'k' + zero-padded index (100000)",
        "  --key-size B         key length in bytes (16)",
        "  --value-size V       value length: a number, or MIN-MAX spread uniformly over the keys (100)",
        "  --ratio S:G          sets to gets (1:10)",
        "  --key-pattern P      uniform (random) or sequential (uniform)",
        "  --duration D         measured time: 10s, 500ms, 1m (10s)",
        "  --warmup D           unmeasured time before it (2s)",
        "  --rate R             fixed rate in ops/s over all connections (open loop); 0 = closed loop (0)",
        "  --no-preload         do not set every key before the run",
        "  --server-pid PID     also report that process's CPU use during the measured window",
        "  --hdr-out FILE       write the latency percentile distribution (microseconds) to FILE",
        "  --label TEXT         copied into the JSON summary",
        "  --seed N             random seed (42)",
        "  --json-only          print only the one-line JSON summary",
        "  --help               this text",
        "",
        "The last line of output is a one-line JSON summary.");

    String host = "127.0.0.1";
    int port = 11211;
    String protocol = "binary";
    int connections = 16;
    int threads = 1;
    int pipeline = 1;
    int keys = 100_000;
    int keySize = 16;
    int valueMin = 100;
    int valueMax = 100;
    int sets = 1;
    int gets = 10;
    boolean sequentialKeys;
    long durationNanos = TimeUnit.SECONDS.toNanos(10);
    long warmupNanos = TimeUnit.SECONDS.toNanos(2);
    double rate;
    boolean preload = true;
    long serverPid = -1;
    String hdrOut;
    String label = "";
    long seed = 42;
    boolean jsonOnly;
    boolean help;

    /**
     * Parse the command line.
     *
     * @param args arguments.
     * @return the options.
     * @throws IllegalArgumentException on an unknown option or a bad value.
     */
    static LoadOptions parse(final String[] args)
    {
        final LoadOptions o = new LoadOptions();
        for (int i = 0; i < args.length; i++)
        {
            String name = args[i];
            String value = null;
            final int eq = name.indexOf('=');
            if (name.startsWith("--") && eq > 0)
            {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (isFlag(name))
            {
                o.flag(name);
                continue;
            }
            if (value == null)
            {
                if (i + 1 >= args.length)
                {
                    throw new IllegalArgumentException("missing value for " + name);
                }
                value = args[++i];
            }
            o.set(name, value);
        }
        o.validate();
        return o;
    }

    private static boolean isFlag(final String name)
    {
        return "--no-preload".equals(name) || "--json-only".equals(name) || "--help".equals(name) ||
            "-h".equals(name);
    }

    private void flag(final String name)
    {
        switch (name)
        {
            case "--no-preload":
                preload = false;
                break;
            case "--json-only":
                jsonOnly = true;
                break;
            default:
                help = true;
                break;
        }
    }

    private void set(final String name, final String value)
    {
        switch (name)
        {
            case "--host":
                host = value;
                break;
            case "--port":
                port = Integer.parseInt(value);
                break;
            case "--protocol":
                protocol = value.toLowerCase(Locale.ROOT);
                break;
            case "--connections":
                connections = Integer.parseInt(value);
                break;
            case "--threads":
                threads = Integer.parseInt(value);
                break;
            case "--pipeline":
                pipeline = Integer.parseInt(value);
                break;
            case "--keys":
                keys = (int)parseCount(value);
                break;
            case "--key-size":
                keySize = Integer.parseInt(value);
                break;
            case "--value-size":
                final int dash = value.indexOf('-');
                valueMin = (int)parseCount(dash < 0 ? value : value.substring(0, dash));
                valueMax = (int)parseCount(dash < 0 ? value : value.substring(dash + 1));
                break;
            case "--ratio":
                final int colon = value.indexOf(':');
                if (colon < 0)
                {
                    throw new IllegalArgumentException("--ratio wants SETS:GETS, e.g. 1:10: " + value);
                }
                sets = Integer.parseInt(value.substring(0, colon));
                gets = Integer.parseInt(value.substring(colon + 1));
                break;
            case "--key-pattern":
                if (!"uniform".equals(value) && !"sequential".equals(value))
                {
                    throw new IllegalArgumentException("--key-pattern is uniform or sequential: " + value);
                }
                sequentialKeys = "sequential".equals(value);
                break;
            case "--duration":
                durationNanos = parseDuration(value);
                break;
            case "--warmup":
                warmupNanos = parseDuration(value);
                break;
            case "--rate":
                rate = parseCount(value);
                break;
            case "--server-pid":
                serverPid = Long.parseLong(value);
                break;
            case "--hdr-out":
                hdrOut = value;
                break;
            case "--label":
                label = value;
                break;
            case "--seed":
                seed = Long.parseLong(value);
                break;
            default:
                throw new IllegalArgumentException("unknown option: " + name);
        }
    }

    private void validate()
    {
        if (!"text".equals(protocol) && !"meta".equals(protocol) && !"binary".equals(protocol))
        {
            throw new IllegalArgumentException("--protocol is text, meta or binary: " + protocol);
        }
        if (connections < 1 || threads < 1 || pipeline < 1 || pipeline > 65536)
        {
            throw new IllegalArgumentException("connections, threads and pipeline (1-65536) must be positive");
        }
        if (threads > connections)
        {
            threads = connections;
        }
        if (sets < 0 || gets < 0 || sets + gets == 0)
        {
            throw new IllegalArgumentException("--ratio needs a positive total");
        }
        if (durationNanos <= 0 || warmupNanos < 0 || rate < 0)
        {
            throw new IllegalArgumentException("duration must be positive, warmup and rate not negative");
        }
    }

    /**
     * Parse {@code 100}, {@code 1.5k}, {@code 2m} (thousands, millions).
     *
     * @param value text.
     * @return the number.
     */
    static long parseCount(final String value)
    {
        final String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.endsWith("k"))
        {
            return Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1e3);
        }
        if (v.endsWith("m"))
        {
            return Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1e6);
        }
        return Math.round(Double.parseDouble(v));
    }

    /**
     * Parse {@code 10s}, {@code 500ms}, {@code 2m}, or a plain number of seconds.
     *
     * @param value text.
     * @return nanoseconds.
     */
    static long parseDuration(final String value)
    {
        final String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.endsWith("ms"))
        {
            return Math.round(Double.parseDouble(v.substring(0, v.length() - 2)) * 1e6);
        }
        if (v.endsWith("s"))
        {
            return Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1e9);
        }
        if (v.endsWith("m"))
        {
            return Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 60e9);
        }
        return Math.round(Double.parseDouble(v) * 1e9);
    }

    /**
     * Whether this is a fixed-rate (open loop) run.
     *
     * @return true for fixed rate.
     */
    boolean openLoop()
    {
        return rate > 0;
    }
}
