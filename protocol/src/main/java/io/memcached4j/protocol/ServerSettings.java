/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import java.util.Map;
import java.util.Objects;

/**
 * The server-level settings that the protocols consult or report in {@code stats settings}, named after memcached's
 * and with memcached 1.6.39's defaults. Settings of the cache itself ({@code -m}, {@code -I}, {@code -C}, ...) live
 * in the engine's {@code CacheConfig}. Immutable; built with {@link #builder()}.
 */
public final class ServerSettings
{
    /** The version the protocols speak: {@code version} answers {@code VERSION 1.6.39}. */
    public static final String PROTOCOL_VERSION = "1.6.39";

    /**
     * memcached's {@code -B}.
     */
    public enum BindingProtocol
    {
        /** The first byte of a connection decides: 0x80 is binary, anything else text. */
        AUTO("auto-negotiate"),
        /** Text only (ASCII and meta commands). */
        ASCII("ascii"),
        /** Binary only. */
        BINARY("binary");

        private final String statsName;

        BindingProtocol(final String statsName)
        {
            this.statsName = statsName;
        }

        /**
         * The name {@code stats settings} shows.
         *
         * @return e.g. {@code auto-negotiate}.
         */
        public String statsName()
        {
            return statsName;
        }
    }

    private final int maxConnections;
    private final int tcpPort;
    private final int udpPort;
    private final String listenInterface;
    private final String domainSocket;
    private final int umask;
    private final boolean shutdownEnabled;
    private final int threads;
    private final int threadsPerUdp;
    private final char prefixDelimiter;
    private final boolean detailEnabled;
    private final int reqsPerEvent;
    private final int tcpBacklog;
    private final BindingProtocol bindingProtocol;
    private final SaslAuthenticator sasl;
    private final AsciiAuthFile asciiAuth;
    private final boolean maxconnsFast;
    private final boolean flushEnabled;
    private final boolean dumpEnabled;
    private final boolean watchEnabled;
    private final int idleTimeout;
    private final int watcherLogbufSize;
    private final int workerLogbufSize;
    private final int readBufMemLimit;
    private final int napiIds;
    private final String memoryFile;
    private final String hashAlgorithm;
    private final double slabAutomoveFreeratio;
    private final int verbosity;

    private ServerSettings(final Builder b)
    {
        maxConnections = b.maxConnections;
        tcpPort = b.tcpPort;
        udpPort = b.udpPort;
        listenInterface = b.listenInterface;
        domainSocket = b.domainSocket;
        umask = b.umask;
        shutdownEnabled = b.shutdownEnabled;
        threads = b.threads;
        threadsPerUdp = b.threadsPerUdp;
        prefixDelimiter = b.prefixDelimiter;
        detailEnabled = b.detailEnabled;
        reqsPerEvent = b.reqsPerEvent;
        tcpBacklog = b.tcpBacklog;
        bindingProtocol = b.bindingProtocol;
        sasl = b.sasl;
        asciiAuth = b.asciiAuth;
        maxconnsFast = b.maxconnsFast;
        flushEnabled = b.flushEnabled;
        dumpEnabled = b.dumpEnabled;
        watchEnabled = b.watchEnabled;
        idleTimeout = b.idleTimeout;
        watcherLogbufSize = b.watcherLogbufSize;
        workerLogbufSize = b.workerLogbufSize;
        readBufMemLimit = b.readBufMemLimit;
        napiIds = b.napiIds;
        memoryFile = b.memoryFile;
        hashAlgorithm = b.hashAlgorithm;
        slabAutomoveFreeratio = b.slabAutomoveFreeratio;
        verbosity = b.verbosity;
    }

    /**
     * A builder holding memcached's defaults.
     *
     * @return a new builder.
     */
    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * The defaults: what {@code memcached} with no options uses.
     *
     * @return default settings.
     */
    public static ServerSettings defaults()
    {
        return new Builder().build();
    }

    /**
     * {@code -c}.
     *
     * @return the connection limit.
     */
    public int maxConnections()
    {
        return maxConnections;
    }

    /**
     * {@code -p}.
     *
     * @return the TCP port (0: none).
     */
    public int tcpPort()
    {
        return tcpPort;
    }

    /**
     * {@code -U}.
     *
     * @return the UDP port (0: off).
     */
    public int udpPort()
    {
        return udpPort;
    }

    /**
     * {@code -l}, as given.
     *
     * @return the listen addresses, or null for all.
     */
    public String listenInterface()
    {
        return listenInterface;
    }

    /**
     * {@code -s}.
     *
     * @return the unix socket path, or null.
     */
    public String domainSocket()
    {
        return domainSocket;
    }

    /**
     * {@code -a}.
     *
     * @return the unix socket permission mask.
     */
    public int umask()
    {
        return umask;
    }

    /**
     * {@code -A}.
     *
     * @return whether {@code shutdown} is allowed.
     */
    public boolean shutdownEnabled()
    {
        return shutdownEnabled;
    }

    /**
     * {@code -t}.
     *
     * @return worker threads.
     */
    public int threads()
    {
        return threads;
    }

    /**
     * Worker threads serving UDP (memcached reports {@code num_threads_per_udp}).
     *
     * @return the count.
     */
    public int threadsPerUdp()
    {
        return threadsPerUdp;
    }

    /**
     * {@code -D}.
     *
     * @return the key prefix delimiter of {@code stats detail}.
     */
    public char prefixDelimiter()
    {
        return prefixDelimiter;
    }

    /**
     * Whether {@code stats detail} starts enabled ({@code -D} turns it on).
     *
     * @return the initial state.
     */
    public boolean detailEnabled()
    {
        return detailEnabled;
    }

    /**
     * {@code -R}.
     *
     * @return commands processed per read before replies are flushed and other connections get a turn.
     */
    public int reqsPerEvent()
    {
        return reqsPerEvent;
    }

    /**
     * {@code -b}.
     *
     * @return the listen backlog.
     */
    public int tcpBacklog()
    {
        return tcpBacklog;
    }

    /**
     * {@code -B}.
     *
     * @return the protocols accepted.
     */
    public BindingProtocol bindingProtocol()
    {
        return bindingProtocol;
    }

    /**
     * {@code -S}.
     *
     * @return the authenticator, or null when SASL is off.
     */
    public SaslAuthenticator sasl()
    {
        return sasl;
    }

    /**
     * {@code -Y}.
     *
     * @return the authentication file name, or null when ASCII authentication is off.
     */
    public String asciiAuthFile()
    {
        return asciiAuth == null ? null : asciiAuth.name();
    }

    /**
     * The users of {@code -Y}'s file, which a {@code SIGHUP} reads again.
     *
     * @return the users, or null when ASCII authentication is off.
     */
    public AsciiAuthFile asciiAuth()
    {
        return asciiAuth;
    }

    /**
     * {@code -o maxconns_fast}.
     *
     * @return whether a connection over the limit gets an error and is closed.
     */
    public boolean maxconnsFast()
    {
        return maxconnsFast;
    }

    /**
     * Not {@code -F}.
     *
     * @return whether {@code flush_all} is allowed.
     */
    public boolean flushEnabled()
    {
        return flushEnabled;
    }

    /**
     * Not {@code -X}.
     *
     * @return whether cachedump, metadump, mgdump and stats detail are allowed.
     */
    public boolean dumpEnabled()
    {
        return dumpEnabled;
    }

    /**
     * Not {@code -W}.
     *
     * @return whether {@code watch} is allowed.
     */
    public boolean watchEnabled()
    {
        return watchEnabled;
    }

    /**
     * {@code -o idle_timeout}.
     *
     * @return seconds of inactivity before a connection is closed, 0 for never.
     */
    public int idleTimeout()
    {
        return idleTimeout;
    }

    /**
     * {@code -o watcher_logbuf_size}, in bytes.
     *
     * @return the size.
     */
    public int watcherLogbufSize()
    {
        return watcherLogbufSize;
    }

    /**
     * {@code -o worker_logbuf_size}, in bytes.
     *
     * @return the size.
     */
    public int workerLogbufSize()
    {
        return workerLogbufSize;
    }

    /**
     * {@code -o read_buf_mem_limit}, in megabytes.
     *
     * @return the limit, 0 for none.
     */
    public int readBufMemLimit()
    {
        return readBufMemLimit;
    }

    /**
     * {@code -N}.
     *
     * @return the NAPI id count, 0 when not given.
     */
    public int napiIds()
    {
        return napiIds;
    }

    /**
     * {@code -o slab_automove_freeratio}: an extstore tuning value, shown in {@code stats settings} and nothing else.
     *
     * @return the ratio, 0.01 when not given.
     */
    public double slabAutomoveFreeratio()
    {
        return slabAutomoveFreeratio;
    }

    /**
     * {@code -e}.
     *
     * @return the memory file, or null.
     */
    public String memoryFile()
    {
        return memoryFile;
    }

    /**
     * {@code -o hash_algorithm} (and {@code -o no_modern}, which picks jenkins): the name {@code stats settings}
     * shows. The engine hashes keys its own way whatever the name; which hash a server uses shows nowhere else.
     *
     * @return jenkins, murmur3 (the default) or xxh3.
     */
    public String hashAlgorithm()
    {
        return hashAlgorithm;
    }

    /**
     * {@code -v} count.
     *
     * @return the initial verbosity.
     */
    public int verbosity()
    {
        return verbosity;
    }

    /**
     * Collects settings; {@link #build()} checks them.
     */
    public static final class Builder
    {
        private int maxConnections = 1024;
        private int tcpPort = 11211;
        private int udpPort;
        private String listenInterface;
        private String domainSocket;
        private int umask = 0700;
        private boolean shutdownEnabled;
        private int threads = 4;
        private int threadsPerUdp = 4;
        private char prefixDelimiter = ':';
        private boolean detailEnabled;
        private int reqsPerEvent = 20;
        private int tcpBacklog = 1024;
        private BindingProtocol bindingProtocol = BindingProtocol.AUTO;
        private SaslAuthenticator sasl;
        private AsciiAuthFile asciiAuth;
        private boolean maxconnsFast = true;
        private boolean flushEnabled = true;
        private boolean dumpEnabled = true;
        private boolean watchEnabled = true;
        private int idleTimeout;
        private int watcherLogbufSize = 256 * 1024;
        private int workerLogbufSize = 64 * 1024;
        private int readBufMemLimit;
        private int napiIds;
        private String memoryFile;
        private String hashAlgorithm = "murmur3";
        private double slabAutomoveFreeratio = 0.01;
        private int verbosity;

        private Builder()
        {
        }

        /**
         * {@code -c}.
         *
         * @param value the connection limit, above 0.
         * @return this.
         */
        public Builder maxConnections(final int value)
        {
            maxConnections = value;
            return this;
        }

        /**
         * {@code -p}.
         *
         * @param value the TCP port.
         * @return this.
         */
        public Builder tcpPort(final int value)
        {
            tcpPort = value;
            return this;
        }

        /**
         * {@code -U}.
         *
         * @param value the UDP port, 0 for off.
         * @return this.
         */
        public Builder udpPort(final int value)
        {
            udpPort = value;
            return this;
        }

        /**
         * {@code -l}.
         *
         * @param value the listen addresses as given, or null.
         * @return this.
         */
        public Builder listenInterface(final String value)
        {
            listenInterface = value;
            return this;
        }

        /**
         * {@code -s}.
         *
         * @param value the unix socket path, or null.
         * @return this.
         */
        public Builder domainSocket(final String value)
        {
            domainSocket = value;
            return this;
        }

        /**
         * {@code -a}.
         *
         * @param value the permission mask.
         * @return this.
         */
        public Builder umask(final int value)
        {
            umask = value;
            return this;
        }

        /**
         * {@code -A}.
         *
         * @param value whether {@code shutdown} is allowed.
         * @return this.
         */
        public Builder shutdownEnabled(final boolean value)
        {
            shutdownEnabled = value;
            return this;
        }

        /**
         * {@code -t}.
         *
         * @param value worker threads, above 0.
         * @return this.
         */
        public Builder threads(final int value)
        {
            threads = value;
            threadsPerUdp = value;
            return this;
        }

        /**
         * Worker threads that serve each UDP socket: memcached uses one when {@code -l} names several interfaces, all
         * of them otherwise. Set after {@link #threads(int)}, which resets it.
         *
         * @param value threads, at least 1.
         * @return this.
         */
        public Builder threadsPerUdp(final int value)
        {
            threadsPerUdp = value;
            return this;
        }

        /**
         * {@code -D}: sets the delimiter and enables detail statistics.
         *
         * @param value the delimiter.
         * @return this.
         */
        public Builder prefixDelimiter(final char value)
        {
            prefixDelimiter = value;
            detailEnabled = true;
            return this;
        }

        /**
         * {@code -R}.
         *
         * @param value commands per read, above 0.
         * @return this.
         */
        public Builder reqsPerEvent(final int value)
        {
            reqsPerEvent = value;
            return this;
        }

        /**
         * {@code -b}.
         *
         * @param value the listen backlog.
         * @return this.
         */
        public Builder tcpBacklog(final int value)
        {
            tcpBacklog = value;
            return this;
        }

        /**
         * {@code -B}.
         *
         * @param value the protocols accepted.
         * @return this.
         */
        public Builder bindingProtocol(final BindingProtocol value)
        {
            bindingProtocol = Objects.requireNonNull(value);
            return this;
        }

        /**
         * {@code -S}: SASL over the binary protocol.
         *
         * @param value the authenticator, or null for off.
         * @return this.
         */
        public Builder sasl(final SaslAuthenticator value)
        {
            sasl = value;
            return this;
        }

        /**
         * {@code -Y}: ASCII authentication.
         *
         * @param file  the file name, as reported in {@code stats settings}.
         * @param users user to password.
         * @return this.
         */
        public Builder asciiAuth(final String file, final Map<String, String> users)
        {
            return asciiAuth(AsciiAuthFile.of(Objects.requireNonNull(file), users));
        }

        /**
         * {@code -Y}: ASCII authentication.
         *
         * @param users the file's users.
         * @return this.
         */
        public Builder asciiAuth(final AsciiAuthFile users)
        {
            asciiAuth = Objects.requireNonNull(users);
            return this;
        }

        /**
         * {@code -o maxconns_fast} / {@code no_maxconns_fast}.
         *
         * @param value the setting.
         * @return this.
         */
        public Builder maxconnsFast(final boolean value)
        {
            maxconnsFast = value;
            return this;
        }

        /**
         * {@code -F} sets this to false.
         *
         * @param value whether {@code flush_all} is allowed.
         * @return this.
         */
        public Builder flushEnabled(final boolean value)
        {
            flushEnabled = value;
            return this;
        }

        /**
         * {@code -X} sets this to false.
         *
         * @param value whether dumps are allowed.
         * @return this.
         */
        public Builder dumpEnabled(final boolean value)
        {
            dumpEnabled = value;
            return this;
        }

        /**
         * {@code -W} sets this to false.
         *
         * @param value whether {@code watch} is allowed.
         * @return this.
         */
        public Builder watchEnabled(final boolean value)
        {
            watchEnabled = value;
            return this;
        }

        /**
         * {@code -o idle_timeout}.
         *
         * @param seconds 0 for never.
         * @return this.
         */
        public Builder idleTimeout(final int seconds)
        {
            idleTimeout = seconds;
            return this;
        }

        /**
         * {@code -o watcher_logbuf_size}.
         *
         * @param bytes the size in bytes.
         * @return this.
         */
        public Builder watcherLogbufSize(final int bytes)
        {
            watcherLogbufSize = bytes;
            return this;
        }

        /**
         * {@code -o worker_logbuf_size}.
         *
         * @param bytes the size in bytes.
         * @return this.
         */
        public Builder workerLogbufSize(final int bytes)
        {
            workerLogbufSize = bytes;
            return this;
        }

        /**
         * {@code -o read_buf_mem_limit}.
         *
         * @param megabytes 0 for none.
         * @return this.
         */
        public Builder readBufMemLimit(final int megabytes)
        {
            readBufMemLimit = megabytes;
            return this;
        }

        /**
         * {@code -N}.
         *
         * @param value the NAPI id count.
         * @return this.
         */
        public Builder napiIds(final int value)
        {
            napiIds = value;
            return this;
        }

        /**
         * {@code -o slab_automove_freeratio}.
         *
         * @param value the ratio (any number, as memcached takes it).
         * @return this.
         */
        public Builder slabAutomoveFreeratio(final double value)
        {
            slabAutomoveFreeratio = value;
            return this;
        }

        /**
         * {@code -e}.
         *
         * @param value the memory file, or null.
         * @return this.
         */
        public Builder memoryFile(final String value)
        {
            memoryFile = value;
            return this;
        }

        /**
         * {@code -o hash_algorithm}: the name {@code stats settings} shows.
         *
         * @param value jenkins, murmur3 or xxh3.
         * @return this.
         */
        public Builder hashAlgorithm(final String value)
        {
            if (!"jenkins".equals(value) && !"murmur3".equals(value) && !"xxh3".equals(value))
            {
                throw new IllegalArgumentException("Unknown hash_algorithm option (jenkins, murmur3, xxh3)");
            }
            hashAlgorithm = value;
            return this;
        }

        /**
         * {@code -v}, {@code -vv}, {@code -vvv}.
         *
         * @param value the level, 0 to 2 (memcached clamps higher levels to 2 only at run time).
         * @return this.
         */
        public Builder verbosity(final int value)
        {
            verbosity = value;
            return this;
        }

        /**
         * Check and build.
         *
         * @return the settings.
         * @throws IllegalArgumentException with memcached's message for a value it refuses.
         */
        public ServerSettings build()
        {
            if (maxConnections <= 0)
            {
                throw new IllegalArgumentException("Maximum connections must be greater than 0");
            }
            if (threads <= 0)
            {
                throw new IllegalArgumentException("Number of threads must be greater than 0");
            }
            if (reqsPerEvent <= 0)
            {
                throw new IllegalArgumentException("Number of requests per event must be greater than 0");
            }
            return new ServerSettings(this);
        }
    }
}
