/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.memcached4j.protocol.AsciiAuthFile;
import io.memcached4j.protocol.CStrtod;
import io.memcached4j.protocol.SaslAuthenticator;
import io.memcached4j.protocol.ServerSettings;

/**
 * memcached 1.6.39's command line: GNU {@code getopt_long} over memcached's flags (short flags bundled or with their
 * value attached, long flags with {@code =} or a separate value, unique prefixes of long flags, arguments that are not
 * flags ignored), the {@code -o} keys as {@code getsubopt} splits them, numbers read as C's {@code atoi},
 * {@code atof} and memcached's {@code safe_strtoul} read them, then memcached's checks in memcached's order, with its
 * messages and exit statuses. Flags that cannot apply on the JVM are accepted with a notice, or refused (see
 * {@link Flags}). Stateless.
 */
public final class CommandLine
{
    /** The name error messages start with, as getopt prints {@code argv[0]}. */
    public static final String PROGRAM = "memcached4j";
    /** The environment variable naming the file memcached writes the ports it listens on to. */
    public static final String PORT_FILE_VARIABLE = "MEMCACHED_PORT_FILENAME";

    private static final int PAGE_SIZE = 1024 * 1024;
    private static final int ITEM_SIZE_MAX_LOWER_LIMIT = 1024;
    private static final int ITEM_SIZE_MAX_UPPER_LIMIT = 1024 * 1024 * 1024;
    private static final int CHUNK_ALIGN_BYTES = 8;
    private static final int MAX_NUMBER_OF_SLAB_CLASSES = 64;
    /** memcached's hash table power when -o hashpower is not given (HASHPOWER_DEFAULT). */
    private static final int DEFAULT_HASHPOWER = 16;
    /**
     * The letters of memcached's long options in the order of its option table: getopt lists the options an ambiguous
     * prefix could mean in that order.
     */
    private static final String LONG_OPTION_ORDER = "aAZpsUmMckhiVrvdluPfntLRCbBISFXWYeoN";

    private CommandLine()
    {
    }

    /**
     * Read a command line.
     *
     * @param args the arguments, without the program name.
     * @return the options.
     * @throws CommandLineException what memcached would print and its exit status.
     */
    public static ServerOptions parse(final String... args) throws CommandLineException
    {
        return parse(System.getenv(), args);
    }

    /**
     * Read a command line with the given environment ({@code MEMCACHED_SASL_PWDB} for {@code -S},
     * {@value #PORT_FILE_VARIABLE} for the ports listened on).
     *
     * @param env  the environment.
     * @param args the arguments, without the program name.
     * @return the options.
     * @throws CommandLineException what memcached would print and its exit status.
     */
    public static ServerOptions parse(final Map<String, String> env, final String... args)
        throws CommandLineException
    {
        final ServerOptions o = new ServerOptions();
        final State s = new State();
        int i = 0;
        while (i < args.length)
        {
            final String arg = args[i++];
            if ("--".equals(arg))
            {
                break;
            }
            if (arg.startsWith("--"))
            {
                i = longOption(o, s, args, i, arg.substring(2));
            }
            else if (arg.length() > 1 && arg.charAt(0) == '-')
            {
                i = shortOptions(o, s, args, i, arg);
            }
            // anything else is not a flag: getopt moves it to the end and memcached never looks at it
            if (o.action != ServerOptions.Action.RUN)
            {
                return o;
            }
        }
        check(o, s, env);
        o.portFile = env.get(PORT_FILE_VARIABLE);
        return o;
    }

    /** Parse state that is not a setting. */
    private static final class State
    {
        boolean slabChunkSizeChanged;
        String slabSizesUnparsed;
        boolean startLruCrawler = true;
        boolean startLruMaintainer = true;
    }

    private static int shortOptions(
        final ServerOptions o, final State s, final String[] args, final int next, final String arg)
        throws CommandLineException
    {
        int i = next;
        for (int p = 1; p < arg.length(); p++)
        {
            final char c = arg.charAt(p);
            final Flags.Flag flag = Flags.byShortName(c);
            if (flag == null)
            {
                throw illegal(PROGRAM + ": invalid option -- '" + c + "'");
            }
            if (flag.argument() == Flags.Argument.REQUIRED)
            {
                final String value;
                if (p + 1 < arg.length())
                {
                    value = arg.substring(p + 1);
                }
                else if (i < args.length)
                {
                    value = args[i++];
                }
                else
                {
                    throw illegal(PROGRAM + ": option requires an argument -- '" + c + "'");
                }
                apply(o, s, c, value);
                return i;
            }
            apply(o, s, c, null);
            if (o.action != ServerOptions.Action.RUN)
            {
                return i;
            }
        }
        return i;
    }

    private static int longOption(
        final ServerOptions o, final State s, final String[] args, final int next, final String body)
        throws CommandLineException
    {
        int i = next;
        final int eq = body.indexOf('=');
        final String name = eq < 0 ? body : body.substring(0, eq);
        Flags.Flag match = null;
        final List<Flags.Flag> candidates = new ArrayList<>();
        for (final Flags.Flag f : Flags.FLAGS)
        {
            if (f.longName() == null)
            {
                continue;
            }
            if (f.longName().equals(name))
            {
                match = f;
                break;
            }
            if (f.longName().startsWith(name))
            {
                candidates.add(f);
            }
        }
        if (match == null)
        {
            if (candidates.size() == 1)
            {
                match = candidates.get(0);
            }
            else if (candidates.isEmpty())
            {
                throw illegal(PROGRAM + ": unrecognized option '--" + body + "'");
            }
            else
            {
                // getopt names the option as given, value included
                final StringBuilder sb = new StringBuilder(PROGRAM + ": option '--" + body +
                    "' is ambiguous; possibilities:");
                candidates.sort((a, b) -> Integer.compare(LONG_OPTION_ORDER.indexOf(a.shortName()),
                    LONG_OPTION_ORDER.indexOf(b.shortName())));
                for (final Flags.Flag f : candidates)
                {
                    sb.append(" '--").append(f.longName()).append('\'');
                }
                throw illegal(sb.toString());
            }
        }
        String value = eq < 0 ? null : body.substring(eq + 1);
        switch (match.argument())
        {
            case NONE:
                if (value != null)
                {
                    throw illegal(PROGRAM + ": option '--" + match.longName() + "' doesn't allow an argument");
                }
                break;
            case REQUIRED:
                if (value == null)
                {
                    if (i >= args.length)
                    {
                        throw illegal(PROGRAM + ": option '--" + match.longName() + "' requires an argument");
                    }
                    value = args[i++];
                }
                break;
            default:
                break;
        }
        apply(o, s, match.shortName(), value);
        return i;
    }

    private static CommandLineException illegal(final String getoptMessage)
    {
        return new CommandLineException(getoptMessage + "\nIllegal argument \"?\"", CommandLineException.EXIT_FAILURE);
    }

    private static CommandLineException fail(final String message)
    {
        return new CommandLineException(message, CommandLineException.EXIT_FAILURE);
    }

    private static CommandLineException usage(final String message)
    {
        return new CommandLineException(message, CommandLineException.EX_USAGE);
    }

    private static void apply(final ServerOptions o, final State s, final char c, final String rawValue)
        throws CommandLineException
    {
        final String value = rawValue == null ? null : stripLeadingSpace(rawValue);
        switch (c)
        {
            case 'A' -> o.shutdownCommand = true;
            case 'Z' -> throw usage("This server is not built with TLS support.\n" +
                "memcached4j does not support TLS (-Z) yet; terminate TLS in front of it.");
            case 'a' -> o.access = (int)strtol(value, 8);
            case 'U' ->
            {
                o.udpPort = atoi(value);
                o.udpSpecified = true;
            }
            case 'p' ->
            {
                o.port = atoi(value);
                o.tcpSpecified = true;
            }
            case 's' -> o.socketPath = value;
            case 'm' -> o.maxBytes = (long)atoi(value) * 1024 * 1024;
            case 'M' -> o.evictToFree = false;
            case 'c' ->
            {
                o.maxConnections = atoi(value);
                if (o.maxConnections <= 0)
                {
                    throw fail("Maximum connections must be greater than 0");
                }
            }
            case 'h' -> o.action = ServerOptions.Action.HELP;
            case 'i' -> o.action = ServerOptions.Action.LICENSE;
            case 'V' -> o.action = ServerOptions.Action.VERSION;
            case 'k' -> o.notices.add("-k (lock memory) has no effect: the JVM cannot lock its memory in RAM.");
            case 'v' -> o.verbose++;
            case 'l' -> listen(o, value);
            case 'd' -> o.notices.add(
                "-d (daemon) has no effect: memcached4j runs in the foreground; use a service manager.");
            case 'r' -> o.notices.add("-r (core dumps) has no effect: the JVM writes its own crash files.");
            case 'R' ->
            {
                o.reqsPerEvent = atoi(value);
                if (o.reqsPerEvent <= 0)
                {
                    throw fail("Number of requests per event must be greater than 0");
                }
            }
            case 'u' -> o.user = value;
            case 'P' -> o.pidFile = value;
            case 'e' -> throw usage("memcached4j does not support -e (a memory file for restartable caches) yet.");
            case 'f' ->
            {
                o.factor = atof(value);
                // memcached lets a NaN past its "<= 1.0" and then crashes building its slab classes
                if (!(o.factor > 1.0))
                {
                    throw fail("Factor must be greater than 1");
                }
            }
            case 'n' ->
            {
                o.chunkSize = atoi(value);
                if (o.chunkSize <= 0)
                {
                    throw fail("Chunk size must be greater than 0");
                }
            }
            case 't' ->
            {
                o.threads = atoi(value);
                if (o.threads <= 0)
                {
                    throw fail("Number of threads must be greater than 0");
                }
                if (o.threads > 64)
                {
                    o.memcachedNotice("WARNING: Setting a high number of workerthreads is not recommended.\n" +
                        " Set this value to the number of cores in your machine or less.");
                }
            }
            case 'D' ->
            {
                if (value == null || value.isEmpty())
                {
                    throw fail("No delimiter specified");
                }
                o.prefixDelimiter = value.charAt(0);
                o.detailEnabled = true;
            }
            case 'L' -> o.preallocate = true;
            case 'C' -> o.useCas = false;
            case 'b' -> o.backlog = atoi(value);
            case 'B' ->
            {
                o.protocolSpecified = true;
                o.bindingProtocol = switch (value)
                {
                    case "auto" -> ServerSettings.BindingProtocol.AUTO;
                    case "binary" -> ServerSettings.BindingProtocol.BINARY;
                    case "ascii" -> ServerSettings.BindingProtocol.ASCII;
                    default -> throw usage("Invalid value for binding protocol: " + value +
                        "\n -- should be one of auto, binary, or ascii");
                };
            }
            case 'I' -> o.itemSizeMax = itemSize(value);
            case 'S' -> o.sasl = true;
            case 'F' -> o.flushEnabled = false;
            case 'X' -> o.dumpEnabled = false;
            case 'W' -> o.watchEnabled = false;
            case 'Y' -> o.authFile = value;
            case 'N' ->
            {
                o.napiIds = atoi(value);
                if (o.napiIds <= 0)
                {
                    throw fail("Maximum number of NAPI IDs must be greater than 0");
                }
                o.notices.add("-N (NAPI ids) has no effect: connections are spread over the threads in turn.");
            }
            case 'o' -> subOptions(o, s, value);
            default -> throw new IllegalStateException("flag without a handler: " + c);
        }
    }

    private static void listen(final ServerOptions o, final String value)
    {
        if (o.inter == null)
        {
            o.inter = value;
        }
        else if (!o.inter.contains(value))
        {
            o.inter = o.inter + "," + value;
        }
    }

    private static int itemSize(final String value)
    {
        if (value.isEmpty())
        {
            return 0;
        }
        final char unit = value.charAt(value.length() - 1);
        if (unit == 'k' || unit == 'K' || unit == 'm' || unit == 'M')
        {
            int size = atoi(value.substring(0, value.length() - 1));
            // int arithmetic, as memcached's: 2g or 4096m overflow and are then refused as too small
            size *= unit == 'k' || unit == 'K' ? 1024 : 1024 * 1024;
            return size;
        }
        return atoi(value);
    }

    // -------------------------------------------------------------------------------------------------------------
    // -o
    // -------------------------------------------------------------------------------------------------------------

    private static void subOptions(final ServerOptions o, final State s, final String value)
        throws CommandLineException
    {
        int at = 0;
        while (at < value.length())
        {
            // getsubopt: up to the next comma
            int comma = value.indexOf(',', at);
            if (comma < 0)
            {
                comma = value.length();
            }
            final String token = value.substring(at, comma);
            at = comma < value.length() ? comma + 1 : comma;
            final int eq = token.indexOf('=');
            final String key = eq < 0 ? token : token.substring(0, eq);
            final String v = eq < 0 ? null : token.substring(eq + 1);
            final Flags.SubOption known = Flags.subOption(key);
            if (known == null)
            {
                // as memcached built with extstore (the official images) reports it: the token, on standard error
                throw fail("Illegal suboption \"" + token + "\"");
            }
            subOption(o, s, key, v);
        }
    }

    @SuppressWarnings("MethodLength")
    private static void subOption(final ServerOptions o, final State s, final String key, final String v)
        throws CommandLineException
    {
        switch (key)
        {
            case "maxconns_fast" -> o.maxconnsFast = true;
            case "no_maxconns_fast" -> o.maxconnsFast = false;
            case "hashpower" ->
            {
                o.hashpowerInit = atoi(required(v, "Missing numeric argument for hashpower"));
                if (o.hashpowerInit < 12)
                {
                    throw fail("Initial hashtable multiplier of " + o.hashpowerInit + " is too low");
                }
                if (o.hashpowerInit > 32)
                {
                    throw fail("Initial hashtable multiplier of " + o.hashpowerInit + " is too high\n" +
                        "Choose a value based on \"STAT hash_power_level\" from a running instance");
                }
            }
            case "no_hashexpand" -> o.notices.add(
                "-o no_hashexpand has no effect: memcached4j's index always grows, a stripe at a time.");
            case "slab_reassign" -> o.slabReassign = true;
            case "no_slab_reassign" -> o.slabReassign = false;
            case "slab_automove" ->
            {
                o.slabAutomove = v == null ? 1 : atoi(v);
                if (o.slabAutomove < 0 || o.slabAutomove > 2)
                {
                    throw fail("slab_automove must be between 0 and 2");
                }
            }
            case "no_slab_automove" -> o.slabAutomove = 0;
            case "slab_automove_ratio" ->
            {
                o.slabAutomoveRatio = atof(required(v, "Missing slab_automove_ratio argument"));
                if (o.slabAutomoveRatio <= 0 || o.slabAutomoveRatio > 1)
                {
                    throw fail("slab_automove_ratio must be > 0 and < 1");
                }
            }
            case "slab_automove_window" ->
            {
                o.slabAutomoveWindow = atoi(required(v, "Missing slab_automove_window argument"));
                if (o.slabAutomoveWindow < 3)
                {
                    throw fail("slab_automove_window must be > 2");
                }
            }
            case "tail_repair_time" ->
            {
                o.tailRepairTime = atoi(required(v, "Missing numeric argument for tail_repair_time"));
                if (o.tailRepairTime < 10)
                {
                    throw fail("Cannot set tail_repair_time to less than 10 seconds");
                }
            }
            case "hash_algorithm" ->
            {
                required(v, "Missing hash_algorithm argument");
                if (!"jenkins".equals(v) && !"murmur3".equals(v) && !"xxh3".equals(v))
                {
                    throw fail("Unknown hash_algorithm option (jenkins, murmur3, xxh3)");
                }
                // memcached's hash shows only in stats detail, which files prefixes with it; the index has its own
                o.hashAlgorithm = v;
            }
            case "lru_crawler" -> s.startLruCrawler = true;
            case "no_lru_crawler" -> s.startLruCrawler = false;
            case "lru_crawler_sleep" ->
            {
                o.lruCrawlerSleep = atoi(required(v, "Missing lru_crawler_sleep value"));
                if (o.lruCrawlerSleep > 1_000_000 || o.lruCrawlerSleep < 0)
                {
                    throw fail("LRU crawler sleep must be between 0 and 1 second");
                }
            }
            case "lru_crawler_tocrawl" ->
            {
                final long n = safeStrtoul(required(v, "Missing lru_crawler_tocrawl value"));
                if (n < 0)
                {
                    throw fail("lru_crawler_tocrawl takes a numeric 32bit value");
                }
                o.lruCrawlerTocrawl = n;
            }
            case "lru_maintainer" ->
            {
                s.startLruMaintainer = true;
                o.lruSegmented = true;
            }
            case "no_lru_maintainer" ->
            {
                s.startLruMaintainer = false;
                o.lruSegmented = false;
            }
            case "hot_lru_pct" ->
            {
                o.hotLruPct = atoi(required(v, "Missing hot_lru_pct argument"));
                if (o.hotLruPct < 1 || o.hotLruPct >= 80)
                {
                    throw fail("hot_lru_pct must be > 1 and < 80");
                }
            }
            case "warm_lru_pct" ->
            {
                o.warmLruPct = atoi(required(v, "Missing warm_lru_pct argument"));
                if (o.warmLruPct < 1 || o.warmLruPct >= 80)
                {
                    throw fail("warm_lru_pct must be > 1 and < 80");
                }
            }
            case "hot_max_factor" ->
            {
                o.hotMaxFactor = atof(required(v, "Missing hot_max_factor argument"));
                if (o.hotMaxFactor <= 0)
                {
                    throw fail("hot_max_factor must be > 0");
                }
            }
            case "warm_max_factor" ->
            {
                o.warmMaxFactor = atof(required(v, "Missing warm_max_factor argument"));
                if (o.warmMaxFactor <= 0)
                {
                    throw fail("warm_max_factor must be > 0");
                }
            }
            case "temporary_ttl" ->
            {
                o.tempLru = true;
                o.temporaryTtl = atoi(required(v, "Missing temporary_ttl argument"));
            }
            case "idle_timeout" -> o.idleTimeout = atoi(required(v, "Missing numeric argument for idle_timeout"));
            case "watcher_logbuf_size" ->
            {
                final long kb = safeStrtoul(required(v, "Missing watcher_logbuf_size argument"));
                if (kb < 0)
                {
                    throw fail("could not parse argument to watcher_logbuf_size");
                }
                o.watcherLogbufSize = (kb * 1024) & 0xFFFF_FFFFL;
            }
            case "worker_logbuf_size" ->
            {
                final long kb = safeStrtoul(required(v, "Missing worker_logbuf_size argument"));
                if (kb < 0)
                {
                    throw fail("could not parse argument to worker_logbuf_size");
                }
                o.workerLogbufSize = (kb * 1024) & 0xFFFF_FFFFL;
                // memcached 1.6.39 also takes the value for slab_sizes (its parser lacks a break): not imitated
                o.notices.add("-o worker_logbuf_size has no effect: log lines go straight to the watchers' buffers, "
                    + "there is no per-thread log buffer (stats settings shows it).");
            }
            case "slab_sizes" -> s.slabSizesUnparsed = required(v, "Missing slab_sizes argument");
            case "slab_chunk_max" -> slabChunkMax(o, s, required(v, "Missing slab_chunk_max argument"));
            case "track_sizes" ->
            {
                o.trackSizes = true;
                o.trackSizesUpTo = o.itemSizeMax;
            }
            case "no_inline_ascii_resp", "inline_ascii_resp", "modern" ->
            {
                // no-ops in memcached 1.6
            }
            case "no_modern" ->
            {
                if (!s.slabChunkSizeChanged)
                {
                    o.slabChunkSizeMax = PAGE_SIZE;
                }
                o.slabReassign = false;
                o.slabAutomove = 0;
                o.maxconnsFast = false;
                o.lruSegmented = false;
                o.hashAlgorithm = "jenkins";
                s.startLruCrawler = false;
                s.startLruMaintainer = false;
            }
            case "no_chunked_items" -> o.slabChunkSizeMax = PAGE_SIZE;
            case "drop_privileges" -> o.notices.add(
                "-o drop_privileges has no effect: no system call filter is installed in a JVM.");
            case "no_drop_privileges" -> o.notices.add(
                "-o no_drop_privileges has no effect: no system call filter is installed in a JVM.");
            case "resp_obj_mem_limit" -> o.memcachedNotice(
                "DEPRECATED: resp_obj_mem_limit no longer used. See read_buf_mem_limit,");
            case "read_buf_mem_limit" ->
            {
                final long mb = safeStrtoul(required(v, "Missing read_buf_mem_limit argument"));
                if (mb < 0)
                {
                    throw fail("could not parse argument to read_buf_mem_limit");
                }
                o.readBufMemLimit = (mb * 1024 * 1024) & 0xFFFF_FFFFL;
                o.notices.add("-o read_buf_mem_limit has no effect: each connection holds its own "
                    + Connection.INPUT_CAPACITY / 1024 + " KiB input buffer, where memcached lends read buffers from "
                    + "a per-thread pool this limit caps (stats settings shows it).");
            }
            case "sock_cookie_id" -> o.notices.add("-o sock_cookie_id has no effect: memcached marks its listening "
                + "sockets with it (SO_MARK), which a JVM cannot.");
            case "slab_automove_freeratio" ->
            {
                final Double ratio = safeStrtod(required(v, "Missing slab_automove_freeratio argument"));
                if (ratio == null)
                {
                    throw fail("could not parse argument to slab_automove_freeratio");
                }
                o.slabAutomoveFreeratio = ratio;
                o.notices.add("-o slab_automove_freeratio has no effect: it tunes extstore, which memcached4j does "
                    + "not have (stats settings shows it).");
            }
            case "expirezero_does_not_evict" -> o.notices.add(
                "-o expirezero_does_not_evict (memcached 1.4) has no effect: memcached 1.6 dropped it.");
            default -> throw refusedSubOption(key);
        }
    }

    private static CommandLineException refusedSubOption(final String key)
    {
        final String feature;
        if (key.startsWith("ext_"))
        {
            feature = "extstore (external storage for items)";
        }
        else if (key.startsWith("ssl_"))
        {
            feature = "TLS";
        }
        else
        {
            feature = "the proxy";
        }
        return fail("memcached4j does not support " + feature + ": -o " + key + " refused.");
    }

    private static void slabChunkMax(final ServerOptions o, final State s, final String v)
        throws CommandLineException
    {
        final long value = safeStrtol(v);
        if (value == Long.MIN_VALUE)
        {
            throw fail("could not parse argument to slab_chunk_max");
        }
        if (value <= 0)
        {
            throw fail("slab_chunk_max must be >= 0");
        }
        if (value > 1024)
        {
            // memcached 1.4 to 1.6.23 took bytes; 1.6.39 refuses a value that cannot be kilobytes
            o.notices.add("-o slab_chunk_max=" + value + " read as bytes, as memcached 1.4 to 1.6.23 read it " +
                "(memcached 1.6.39 takes kilobytes and would refuse it).");
            o.slabChunkSizeMax = (int)Math.min(value, Integer.MAX_VALUE);
        }
        else
        {
            o.slabChunkSizeMax = (int)value * 1024;
        }
        s.slabChunkSizeChanged = true;
    }

    private static String required(final String value, final String message) throws CommandLineException
    {
        if (value == null)
        {
            throw fail(message);
        }
        return value;
    }

    // -------------------------------------------------------------------------------------------------------------
    // checks after parsing, in memcached's order
    // -------------------------------------------------------------------------------------------------------------

    private static void check(final ServerOptions o, final State s, final Map<String, String> env)
        throws CommandLineException
    {
        o.lruCrawler = s.startLruCrawler;
        o.lruMaintainer = s.startLruMaintainer;
        if (o.napiIds > o.threads)
        {
            throw usage("Number of napi_ids(" + o.napiIds + ") cannot be greater than number of threads(" +
                o.threads + ")");
        }
        if (o.itemSizeMax < ITEM_SIZE_MAX_LOWER_LIMIT)
        {
            throw usage("Item max size cannot be less than 1024 bytes.");
        }
        if (o.maxBytes >= 0 && o.itemSizeMax > o.maxBytes / 2)
        {
            throw usage("Cannot set item size limit higher than 1/2 of memory max.");
        }
        if (o.itemSizeMax > ITEM_SIZE_MAX_UPPER_LIMIT)
        {
            throw usage("Cannot set item size limit higher than a gigabyte.");
        }
        if (o.itemSizeMax > PAGE_SIZE && !s.slabChunkSizeChanged)
        {
            o.slabChunkSizeMax = PAGE_SIZE / 2;
        }
        if (o.slabChunkSizeMax > o.itemSizeMax)
        {
            throw usage("slab_chunk_max (bytes: " + o.slabChunkSizeMax + ") cannot be larger than -I (item_size_max " +
                o.itemSizeMax + ")");
        }
        if (o.itemSizeMax % o.slabChunkSizeMax != 0)
        {
            throw usage("-I (item_size_max: " + o.itemSizeMax +
                ") must be evenly divisible by slab_chunk_max (bytes: " + o.slabChunkSizeMax + ")");
        }
        if (PAGE_SIZE % o.slabChunkSizeMax != 0)
        {
            throw usage("slab_chunk_max (bytes: " + o.slabChunkSizeMax + ") must divide evenly into " + PAGE_SIZE +
                " (slab_page_size)");
        }
        if (s.slabSizesUnparsed != null)
        {
            o.slabSizes = slabSizes(o, s.slabSizesUnparsed);
        }
        if (o.hotLruPct + o.warmLruPct > 80)
        {
            throw usage("hot_lru_pct + warm_lru_pct cannot be more than 80% combined");
        }
        if (o.tempLru && !o.lruMaintainer)
        {
            throw usage("temporary_ttl requires lru_maintainer to be enabled");
        }
        if (o.sasl)
        {
            if (!o.protocolSpecified)
            {
                o.bindingProtocol = ServerSettings.BindingProtocol.BINARY;
            }
            else if (o.bindingProtocol != ServerSettings.BindingProtocol.BINARY)
            {
                throw usage("ERROR: You cannot allow the ASCII protocol while using SASL.");
            }
            if (o.udpPort != 0)
            {
                throw usage("ERROR: Cannot enable UDP while using binary SASL authentication.");
            }
        }
        if (o.authFile != null)
        {
            if (!o.protocolSpecified)
            {
                o.bindingProtocol = ServerSettings.BindingProtocol.ASCII;
            }
            else if (o.bindingProtocol != ServerSettings.BindingProtocol.ASCII)
            {
                throw usage(
                    "ERROR: You cannot allow the BINARY protocol while using ascii authentication tokens.");
            }
        }
        if (o.udpSpecified && o.udpPort != 0 && !o.tcpSpecified)
        {
            o.port = o.udpPort;
        }
        // memcached checks only this: -1 listens on any free port, and another negative port (or -U) fails when the
        // server binds it (MemcachedServer)
        if (o.port > 65535)
        {
            throw usage("ERROR: Invalid port number " + o.port + ".");
        }
        if (o.sasl)
        {
            o.saslAuthenticator = sasl(env);
        }
        if (o.authFile != null)
        {
            if (o.udpPort != 0)
            {
                throw usage("Cannot use UDP with ascii authentication enabled (-U 0 to disable)");
            }
            o.authUsers = authFile(o.authFile);
        }
        // memcached_thread_init: the item lock table, sized by the thread count, must be smaller than the hash table
        final int lockPower = o.threads < 3 ? 10 : o.threads < 4 ? 11 : o.threads < 5 ? 12 : o.threads <= 10 ? 13 :
            o.threads <= 20 ? 14 : 15;
        final int hashPower = o.hashpowerInit == 0 ? DEFAULT_HASHPOWER : o.hashpowerInit;
        if (lockPower >= hashPower)
        {
            throw fail("Hash table power size (" + hashPower + ") cannot be equal to or less than item lock table (" +
                lockPower + ")\nItem lock table grows with `-t N` (worker threadcount)\n" +
                "Hash table grows with `-o hashpower=N` ");
        }
        if (o.maxBytes < 0)
        {
            // memcached multiplies -m as a size_t and starts: a negative -m is a limit just under 2^64 bytes, none in
            // effect
            throw usage("-m " + (o.maxBytes >> 20) + " is a memory limit of " + Long.toUnsignedString(o.maxBytes) +
                " bytes to memcached, which is no limit; memcached4j needs a limit: give -m in megabytes.");
        }
    }

    private static int[] slabSizes(final ServerOptions o, final String text) throws CommandLineException
    {
        if (text.isEmpty())
        {
            throw new CommandLineException("", CommandLineException.EX_USAGE);
        }
        final List<Integer> sizes = new ArrayList<>();
        long last = 0;
        for (final String part : text.split("-"))
        {
            if (part.isEmpty())
            {
                continue;
            }
            final long parsed = safeStrtoul(part);
            final long size = parsed < 0 ? 0 : parsed;
            if (parsed < 0 || size < o.chunkSize || size > o.slabChunkSizeMax)
            {
                throw usage("slab size " + size + " is out of valid range");
            }
            if (last >= size)
            {
                throw usage("slab size " + size + " cannot be lower than or equal to a previous class size");
            }
            if (size <= last + CHUNK_ALIGN_BYTES)
            {
                throw usage("slab size " + size + " must be at least " + CHUNK_ALIGN_BYTES +
                    " bytes larger than previous class");
            }
            sizes.add((int)size);
            last = size;
            if (sizes.size() >= MAX_NUMBER_OF_SLAB_CLASSES - 1)
            {
                throw usage("too many slab classes specified");
            }
        }
        return sizes.stream().mapToInt(Integer::intValue).toArray();
    }

    private static SaslAuthenticator sasl(final Map<String, String> env) throws CommandLineException
    {
        final String file = env.get(SaslAuthenticator.PASSWORD_DB_VARIABLE);
        if (file == null)
        {
            throw fail("Error initializing sasl.\nmemcached4j reads SASL users (lines user:password) from the file " +
                "named by " + SaslAuthenticator.PASSWORD_DB_VARIABLE + ", which is not set.");
        }
        // read at every login, as memcached reads it: a file missing now fails the logins, not the start
        return SaslAuthenticator.fromPasswordFile(Path.of(file), SaslAuthenticator.hostName());
    }

    private static AsciiAuthFile authFile(final String file) throws CommandLineException
    {
        try
        {
            return AsciiAuthFile.load(file);
        }
        catch (final AsciiAuthFile.LoadException ex)
        {
            throw new CommandLineException(ex.getMessage(), CommandLineException.EXIT_FAILURE, false, ex.lineEnd());
        }
    }

    // -------------------------------------------------------------------------------------------------------------
    // C's number parsing
    // -------------------------------------------------------------------------------------------------------------

    private static String stripLeadingSpace(final String s)
    {
        int i = 0;
        while (i < s.length() && isSpace(s.charAt(i)))
        {
            i++;
        }
        return s.substring(i);
    }

    private static boolean isSpace(final char c)
    {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0B || c == '\f';
    }

    /**
     * C's {@code strtol} with glibc's clamping, ignoring what follows the number.
     *
     * @param s     the text.
     * @param radix the base.
     * @return the value, 0 when there are no digits.
     */
    static long strtol(final String s, final int radix)
    {
        int i = 0;
        while (i < s.length() && isSpace(s.charAt(i)))
        {
            i++;
        }
        boolean negative = false;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-'))
        {
            negative = s.charAt(i) == '-';
            i++;
        }
        long value = 0;
        boolean overflow = false;
        while (i < s.length())
        {
            final int d = Character.digit(s.charAt(i), radix);
            if (d < 0 || s.charAt(i) > 0x7F)
            {
                break;
            }
            if (!overflow)
            {
                if (value > (Long.MAX_VALUE - d) / radix)
                {
                    overflow = true;
                }
                else
                {
                    value = value * radix + d;
                }
            }
            i++;
        }
        if (overflow)
        {
            return negative ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return negative ? -value : value;
    }

    /**
     * C's {@code atoi} as glibc implements it: {@code (int)strtol(s, NULL, 10)}.
     *
     * @param s the text.
     * @return the value.
     */
    static int atoi(final String s)
    {
        return (int)strtol(s, 10);
    }

    /**
     * C's {@code atof} as glibc reads text ({@link CStrtod}): the longest prefix that is a number, 0 when there is
     * none.
     *
     * @param s the text.
     * @return the value.
     */
    static double atof(final String s)
    {
        return CStrtod.atof(s);
    }

    /**
     * memcached's {@code safe_strtod}: a number in range followed by nothing or white space.
     *
     * @param s the text.
     * @return the number, or null when memcached would refuse the text.
     */
    static Double safeStrtod(final String s)
    {
        final java.util.OptionalDouble d = CStrtod.safeStrtod(s);
        return d.isPresent() ? d.getAsDouble() : null;
    }

    /**
     * memcached's {@code safe_strtoul}: digits followed by nothing or white space (and anything after it, line ends
     * included), at most 32 bits kept.
     *
     * @param s the text.
     * @return the value, or -1 when memcached would refuse it.
     */
    static long safeStrtoul(final String s)
    {
        final java.util.regex.Matcher m = java.util.regex.Pattern
            .compile("(?s)^[ \\t\\n\\r\\f\\x0B]*(\\+?)(\\d+)([ \\t\\n\\r\\f\\x0B].*)?$").matcher(s);
        if (!m.matches())
        {
            return -1;
        }
        final java.math.BigInteger v = new java.math.BigInteger(m.group(2));
        if (v.bitLength() > 64)
        {
            return -1;
        }
        return v.longValue() & 0xFFFF_FFFFL;
    }

    /**
     * memcached's {@code safe_strtol} into an int: an optional sign and digits followed by nothing or white space.
     *
     * @param s the text.
     * @return the value, or {@link Long#MIN_VALUE} when memcached would refuse it.
     */
    static long safeStrtol(final String s)
    {
        final java.util.regex.Matcher m = java.util.regex.Pattern
            .compile("(?s)^[ \\t\\n\\r\\f\\x0B]*([+-]?\\d+)([ \\t\\n\\r\\f\\x0B].*)?$").matcher(s);
        if (!m.matches())
        {
            return Long.MIN_VALUE;
        }
        final java.math.BigInteger v = new java.math.BigInteger(m.group(1));
        if (v.bitLength() > 31)
        {
            return Long.MIN_VALUE;
        }
        return v.longValue();
    }
}
