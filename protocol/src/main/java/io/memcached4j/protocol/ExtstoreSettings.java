/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

/**
 * The tuning values of memcached's extstore. memcached's container images are built with extstore and TLS; started
 * without {@code -o ext_path} and {@code -Z}, such a memcached stores nothing on disk and speaks no TLS, yet keeps
 * these values, lets the {@code extstore} command change them and prints them (with its TLS settings) in
 * {@code stats settings}. memcached4j is that server: it has neither extstore nor TLS, so the values change nothing
 * but what {@code stats settings} prints. Written by any connection's thread, read by any.
 */
final class ExtstoreSettings
{
    /** {@code ext_wbuf_size}: 4 MiB, settable only with {@code -o ext_wbuf_size}, which memcached4j refuses. */
    static final int WRITE_BUFFER_SIZE = 4 * 1024 * 1024;

    volatile int itemSize = 512;
    /** Unsigned; memcached's default is {@code UINT_MAX}. */
    volatile int itemAge = -1;
    volatile int lowTtl;
    volatile int recacheRate = 2000;
    volatile int compactUnder;
    volatile int dropUnder;
    volatile int maxSleep = 1_000_000;
    volatile double maxFrag = 0.8;
    volatile boolean dropUnread;
    /** {@code slab_automove_freeratio}: set by {@code -o} and by {@code slabs automove freeratio}. */
    volatile double slabAutomoveFreeratio;

    ExtstoreSettings(final double slabAutomoveFreeratio)
    {
        this.slabAutomoveFreeratio = slabAutomoveFreeratio;
    }

    /** The unsigned values the {@code extstore} command sets, by the name it gives them. */
    static final String[] UNSIGNED_NAMES =
        {"item_size", "item_age", "low_ttl", "recache_rate", "compact_under", "drop_under", "max_sleep"};

    /**
     * Set one of the unsigned values.
     *
     * @param index its place in {@link #UNSIGNED_NAMES}.
     * @param value the value, unsigned.
     */
    void setUnsigned(final int index, final int value)
    {
        switch (index)
        {
            case 0 -> itemSize = value;
            case 1 -> itemAge = value;
            case 2 -> lowTtl = value;
            case 3 -> recacheRate = value;
            case 4 -> compactUnder = value;
            case 5 -> dropUnder = value;
            case 6 -> maxSleep = value;
            default -> throw new IllegalArgumentException("no extstore value " + index);
        }
    }

    /**
     * The {@code ext_*} fields of {@code stats settings}, in memcached's order, {@code slab_automove_freeratio} among
     * them.
     *
     * @param sink receives the fields.
     */
    void stats(final ServerState.StatsSink sink)
    {
        sink.stat("ext_item_size", Integer.toUnsignedString(itemSize));
        sink.stat("ext_item_age", Integer.toUnsignedString(itemAge));
        sink.stat("ext_low_ttl", Integer.toUnsignedString(lowTtl));
        sink.stat("ext_recache_rate", Integer.toUnsignedString(recacheRate));
        sink.stat("ext_wbuf_size", Integer.toUnsignedString(WRITE_BUFFER_SIZE));
        sink.stat("ext_compact_under", Integer.toUnsignedString(compactUnder));
        sink.stat("ext_drop_under", Integer.toUnsignedString(dropUnder));
        sink.stat("ext_max_sleep", Integer.toUnsignedString(maxSleep));
        sink.stat("ext_max_frag", ServerState.fixed(maxFrag, 2));
        sink.stat("slab_automove_freeratio", ServerState.fixed(slabAutomoveFreeratio, 3));
        sink.stat("ext_drop_unread", dropUnread ? "yes" : "no");
    }

    /**
     * The {@code ssl_*} fields of {@code stats settings} of a memcached built with TLS and started without {@code -Z}
     * (C's {@code printf} shows a null string as {@code (null)}).
     *
     * @param sink receives the fields.
     */
    static void tlsStats(final ServerState.StatsSink sink)
    {
        sink.stat("ssl_enabled", "no");
        sink.stat("ssl_chain_cert", "(null)");
        sink.stat("ssl_key", "(null)");
        sink.stat("ssl_verify_mode", "0");
        sink.stat("ssl_keyformat", "1");
        sink.stat("ssl_ciphers", "NULL");
        sink.stat("ssl_ca_cert", "NULL");
        sink.stat("ssl_wbuf_size", "16384");
        sink.stat("ssl_session_cache", "no");
        sink.stat("ssl_kernel_tls", "no");
        sink.stat("ssl_min_version", "tlsv1.2");
    }
}
