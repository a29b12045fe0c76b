/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.util.List;

/**
 * Every flag and {@code -o} key of memcached 1.6.39's command line, with what memcached4j does with it and the help
 * text ({@code -h}) in our own words. The parser, the help text and {@code FLAGS.md} all follow this table.
 */
public final class Flags
{
    /**
     * What memcached4j does with a flag.
     */
    public enum Disposition
    {
        /** The flag has memcached's meaning. */
        APPLIED,
        /** Accepted; a notice on standard error at start says it has no effect. */
        IGNORED,
        /** The server does not start: a message says why. */
        REFUSED
    }

    /**
     * Whether a flag takes a value.
     */
    public enum Argument
    {
        /** No value. */
        NONE,
        /** A value is required. */
        REQUIRED,
        /** A value may follow {@code =} (long form only). */
        OPTIONAL
    }

    /**
     * A command-line flag.
     *
     * @param shortName   the letter.
     * @param longName    the long form without the dashes.
     * @param argument    whether it takes a value.
     * @param disposition what memcached4j does with it.
     * @param help        the help text (may span lines).
     */
    public record Flag(char shortName, String longName, Argument argument, Disposition disposition, String help)
    {
    }

    /**
     * An {@code -o} key.
     *
     * @param key         the key.
     * @param disposition what memcached4j does with it.
     * @param help        one line for {@code -h}, or null for the keys that {@code -h} only names in its list of
     *                    keys read as memcached reads them (keys memcached reads without documenting them).
     */
    public record SubOption(String key, Disposition disposition, String help)
    {
    }

    /** The flags, in the order of memcached's help text. */
    public static final List<Flag> FLAGS = List.of(
        flag('p', "port", Argument.REQUIRED, Disposition.APPLIED,
            "TCP port to listen on (default 11211; 0 turns TCP off)"),
        flag('U', "udp-port", Argument.REQUIRED, Disposition.APPLIED,
            "UDP port to listen on (default 0: no UDP)"),
        flag('s', "unix-socket", Argument.REQUIRED, Disposition.APPLIED,
            "listen on this unix domain socket path only (no TCP, no UDP)"),
        flag('a', "unix-mask", Argument.REQUIRED, Disposition.APPLIED,
            "permissions of the unix socket file, octal (default 700)"),
        flag('A', "enable-shutdown", Argument.NONE, Disposition.APPLIED,
            "let clients stop the server with the \"shutdown\" command"),
        flag('l', "listen", Argument.REQUIRED, Disposition.APPLIED,
            "addresses to listen on, comma separated, each ip or ip:port, optionally after " +
                "proto[<protocol>]: and tag[<name>]: (default: all)"),
        flag('d', "daemon", Argument.NONE, Disposition.IGNORED,
            "accepted, no effect: memcached4j stays in the foreground (use a service manager)"),
        flag('r', "enable-coredumps", Argument.NONE, Disposition.IGNORED,
            "accepted, no effect: the JVM manages its own crash files"),
        flag('u', "user", Argument.REQUIRED, Disposition.IGNORED,
            "accepted, no effect: a JVM cannot change user; start it as that user"),
        flag('m', "memory-limit", Argument.REQUIRED, Disposition.APPLIED,
            "megabytes of memory for items (default 64)"),
        flag('M', "disable-evictions", Argument.NONE, Disposition.APPLIED,
            "when memory is full, refuse new items with an error instead of evicting old ones"),
        flag('c', "conn-limit", Argument.REQUIRED, Disposition.APPLIED,
            "most connections open at once (default 1024)"),
        flag('k', "lock-memory", Argument.NONE, Disposition.IGNORED,
            "accepted, no effect: the JVM cannot lock its memory in RAM"),
        flag('v', "verbose", Argument.OPTIONAL, Disposition.APPLIED,
            "print errors and warnings; -vv adds every command and reply, -vvv more internals"),
        flag('h', "help", Argument.NONE, Disposition.APPLIED,
            "print this text and exit"),
        flag('i', "license", Argument.NONE, Disposition.APPLIED,
            "print the licence and exit"),
        flag('V', "version", Argument.NONE, Disposition.APPLIED,
            "print memcached4j's name and version and exit"),
        flag('P', "pidfile", Argument.REQUIRED, Disposition.APPLIED,
            "write the process id to this file"),
        flag('f', "slab-growth-factor", Argument.REQUIRED, Disposition.APPLIED,
            "ratio between the chunk sizes of successive slab classes (default 1.25)"),
        flag('n', "slab-min-size", Argument.REQUIRED, Disposition.APPLIED,
            "bytes for key, value and flags in the smallest slab class (default 48)"),
        flag('L', "enable-largepages", Argument.NONE, Disposition.APPLIED,
            "give every slab class one page of memory at start (memcached also asks for huge pages)"),
        flag('D', null, Argument.REQUIRED, Disposition.APPLIED,
            "key prefix delimiter for per-prefix statistics (default ':'); turns \"stats detail\" on"),
        flag('t', "threads", Argument.REQUIRED, Disposition.APPLIED,
            "worker threads serving connections (default 4)"),
        flag('R', "max-reqs-per-event", Argument.REQUIRED, Disposition.APPLIED,
            "commands served per connection before others get a turn (default 20)"),
        flag('C', "disable-cas", Argument.NONE, Disposition.APPLIED,
            "no CAS values (items take 8 bytes less)"),
        flag('b', "listen-backlog", Argument.REQUIRED, Disposition.APPLIED,
            "length of the queue of connections not yet accepted (default 1024)"),
        flag('B', "protocol", Argument.REQUIRED, Disposition.APPLIED,
            "protocols served: ascii, binary or auto (default auto)"),
        flag('I', "max-item-size", Argument.REQUIRED, Disposition.APPLIED,
            "largest item, k or m suffix allowed (default 1m, at least 1k, at most 1024m, at most half of -m)"),
        flag('S', "enable-sasl", Argument.NONE, Disposition.APPLIED,
            "binary protocol only, clients log in with SASL PLAIN; users in the file $MEMCACHED_SASL_PWDB"),
        flag('F', "disable-flush-all", Argument.NONE, Disposition.APPLIED,
            "refuse the flush_all command"),
        flag('X', "disable-dumping", Argument.NONE, Disposition.APPLIED,
            "refuse stats cachedump, stats detail and lru_crawler metadump"),
        flag('W', "disable-watch", Argument.NONE, Disposition.APPLIED,
            "refuse the watch command"),
        flag('Y', "auth-file", Argument.REQUIRED, Disposition.APPLIED,
            "text protocol only, clients log in first; the file has lines user:password, read again on SIGHUP"),
        flag('e', "memory-file", Argument.REQUIRED, Disposition.REFUSED,
            "refused: keeping items in a file across restarts is not supported yet"),
        flag('Z', "enable-ssl", Argument.NONE, Disposition.REFUSED,
            "refused: TLS is not supported yet"),
        flag('o', "extended", Argument.REQUIRED, Disposition.APPLIED,
            "comma separated key=value options, listed below"),
        flag('N', "napi-ids", Argument.REQUIRED, Disposition.IGNORED,
            "accepted, no effect: no NAPI id based thread selection on the JVM"));

    /** The {@code -o} keys, in the order of memcached's help text and then the undocumented ones. */
    public static final List<SubOption> SUB_OPTIONS = List.of(
        sub("maxconns_fast", Disposition.APPLIED, "over -c, answer an error and close (default on)"),
        sub("hashpower", Disposition.APPLIED, "initial hash table size as a power of two, 12 to 32 (it grows)"),
        sub("tail_repair_time", Disposition.APPLIED, "seconds before a stuck LRU tail item is reclaimed (default off)"),
        sub("hash_algorithm", Disposition.APPLIED, "jenkins, murmur3 or xxh3: files the prefixes of stats detail"),
        sub("no_lru_crawler", Disposition.APPLIED, "no background reclaiming of expired items"),
        sub("lru_crawler_sleep", Disposition.APPLIED, "microseconds the crawler pauses between items (default 100)"),
        sub("lru_crawler_tocrawl", Disposition.APPLIED, "most items crawled per class per run (default 0: all)"),
        sub("read_buf_mem_limit", Disposition.IGNORED,
            "accepted, shown in stats settings, no effect: each connection has its own input buffer"),
        sub("no_lru_maintainer", Disposition.APPLIED, "flat LRU without the HOT/WARM/COLD segments and their thread"),
        sub("hot_lru_pct", Disposition.APPLIED, "percent of a class's memory for the HOT segment (default 20)"),
        sub("warm_lru_pct", Disposition.APPLIED, "percent of a class's memory for the WARM segment (default 40)"),
        sub("hot_max_factor", Disposition.APPLIED, "HOT items older than COLD's age times this move on (default 0.20)"),
        sub("warm_max_factor", Disposition.APPLIED,
            "WARM items older than COLD's age times this move on (default 2.00)"),
        sub("temporary_ttl", Disposition.APPLIED, "items with a TTL up to this go to a TEMP segment (default 61)"),
        sub("idle_timeout", Disposition.APPLIED, "close connections idle longer than this many seconds (0: never)"),
        sub("slab_chunk_max", Disposition.APPLIED, "largest slab chunk in kilobytes; larger items are chained (512)"),
        sub("watcher_logbuf_size", Disposition.APPLIED, "kilobytes of each log watcher's line buffer (default 256)"),
        sub("worker_logbuf_size", Disposition.IGNORED,
            "accepted, shown in stats settings, no effect: log lines have no per-thread buffer"),
        sub("track_sizes", Disposition.APPLIED, "keep the item size histogram of \"stats sizes\""),
        sub("no_hashexpand", Disposition.IGNORED, "accepted, no effect: the index always grows"),
        sub("modern", Disposition.APPLIED, "no effect, as in memcached 1.6"),
        sub("no_modern", Disposition.APPLIED, "memcached 1.4's defaults: flat LRU, no crawler, no page moves"),
        sub("drop_privileges", Disposition.IGNORED, "accepted, no effect: no system call filter on the JVM"),
        sub("no_drop_privileges", Disposition.IGNORED, "accepted, no effect"),
        sub("slab_reassign", Disposition.APPLIED, null),
        sub("no_slab_reassign", Disposition.APPLIED, null),
        sub("slab_automove", Disposition.APPLIED, null),
        sub("no_slab_automove", Disposition.APPLIED, null),
        sub("slab_automove_ratio", Disposition.APPLIED, null),
        sub("slab_automove_window", Disposition.APPLIED, null),
        sub("slab_sizes", Disposition.APPLIED, null),
        sub("no_chunked_items", Disposition.APPLIED, null),
        sub("no_maxconns_fast", Disposition.APPLIED, null),
        sub("lru_crawler", Disposition.APPLIED, null),
        sub("lru_maintainer", Disposition.APPLIED, null),
        sub("inline_ascii_resp", Disposition.APPLIED, null),
        sub("no_inline_ascii_resp", Disposition.APPLIED, null),
        sub("resp_obj_mem_limit", Disposition.APPLIED,
            "no effect, as in memcached 1.6, which prints a DEPRECATED notice for it"),
        sub("sock_cookie_id", Disposition.IGNORED,
            "accepted, no effect: memcached marks its listening sockets with it (SO_MARK), a JVM cannot"),
        sub("slab_automove_freeratio", Disposition.IGNORED,
            "accepted, shown in stats settings, no effect: it tunes extstore"),
        sub("expirezero_does_not_evict", Disposition.IGNORED,
            "memcached 1.4's key, which 1.6 refuses: accepted, no effect"),
        sub("ext_path", Disposition.REFUSED, null),
        sub("ext_page_size", Disposition.REFUSED, null),
        sub("ext_wbuf_size", Disposition.REFUSED, null),
        sub("ext_threads", Disposition.REFUSED, null),
        sub("ext_io_depth", Disposition.REFUSED, null),
        sub("ext_item_size", Disposition.REFUSED, null),
        sub("ext_item_age", Disposition.REFUSED, null),
        sub("ext_low_ttl", Disposition.REFUSED, null),
        sub("ext_recache_rate", Disposition.REFUSED, null),
        sub("ext_compact_under", Disposition.REFUSED, null),
        sub("ext_drop_under", Disposition.REFUSED, null),
        sub("ext_max_sleep", Disposition.REFUSED, null),
        sub("ext_max_frag", Disposition.REFUSED, null),
        sub("ext_drop_unread", Disposition.REFUSED, null),
        sub("ssl_chain_cert", Disposition.REFUSED, null),
        sub("ssl_key", Disposition.REFUSED, null),
        sub("ssl_verify_mode", Disposition.REFUSED, null),
        sub("ssl_keyformat", Disposition.REFUSED, null),
        sub("ssl_ciphers", Disposition.REFUSED, null),
        sub("ssl_ca_cert", Disposition.REFUSED, null),
        sub("ssl_wbuf_size", Disposition.REFUSED, null),
        sub("ssl_session_cache", Disposition.REFUSED, null),
        sub("ssl_kernel_tls", Disposition.REFUSED, null),
        sub("ssl_min_version", Disposition.REFUSED, null),
        sub("proxy_config", Disposition.REFUSED, null),
        sub("proxy_arg", Disposition.REFUSED, null),
        sub("proxy_uring", Disposition.REFUSED, null),
        sub("proxy_memprofile", Disposition.REFUSED, null));

    private Flags()
    {
    }

    /**
     * The flag with this letter.
     *
     * @param shortName the letter.
     * @return the flag, or null.
     */
    public static Flag byShortName(final char shortName)
    {
        for (final Flag f : FLAGS)
        {
            if (f.shortName() == shortName)
            {
                return f;
            }
        }
        return null;
    }

    /**
     * The {@code -o} key.
     *
     * @param key the key.
     * @return the sub-option, or null.
     */
    public static SubOption subOption(final String key)
    {
        for (final SubOption s : SUB_OPTIONS)
        {
            if (s.key().equals(key))
            {
                return s;
            }
        }
        return null;
    }

    private static Flag flag(
        final char shortName, final String longName, final Argument argument, final Disposition disposition,
        final String help)
    {
        return new Flag(shortName, longName, argument, disposition, help);
    }

    private static SubOption sub(final String key, final Disposition disposition, final String help)
    {
        return new SubOption(key, disposition, help);
    }
}
