/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import io.memcached4j.core.ItemEvents;
import io.memcached4j.core.MemcachedCache;
import io.memcached4j.core.StoreMode;
import io.memcached4j.core.StoreResult;

/**
 * memcached's logger, behind the {@code watch} command: the engine's {@link ItemEvents} and the sessions' connection
 * events become memcached 1.6.39's log lines ({@code ts=<s>.<us> gid=<n> type=... key=...}, keys URI-encoded), which
 * go to every watcher that asked for their stream.
 * <p>
 * <b>Cost when nobody watches.</b> The engine reads one volatile mask per operation and calls nothing; a session
 * notes on each call which connection its thread serves (a plain store into a per-thread object it keeps), and a
 * connection's opening and closing read one volatile field here.
 * <p>
 * <b>Producing and delivering.</b> A line is rendered on the thread where the event happens, into that thread's
 * scratch array, and copied into the bounded buffer of each watcher that wants it ({@code -o watcher_logbuf_size}
 * bytes, 256 KiB by default), under that watcher's lock. A line that does not fit, with the 128 bytes memcached keeps
 * for a {@code skipped=N} line, is counted and dropped; the next line that fits is preceded by {@code skipped=N}. When
 * a line lands in a buffer its watcher had emptied, the producer calls the watcher's {@link SessionHost#wakeup()} once;
 * the watcher's session then copies the buffer into its output on its own thread. So nothing here grows with the
 * event rate, and a slow watcher costs the producers no more than its lock.
 * <p>
 * Lines carry a global sequence number ({@code gid}) taken when the event happens; lines from different threads may
 * reach a watcher out of that order, as in memcached. A watcher sees no line whose gid precedes its {@code OK}.
 * <p>
 * Threadsafe.
 */
final class LogStreams implements ItemEvents
{
    /** memcached's {@code WATCHER_LIMIT}. */
    static final int WATCHER_LIMIT = 20;

    // memcached's LOG_* stream bits (logger.h)
    static final int SYSEVENTS = 1 << 1;
    static final int FETCHERS = 1 << 2;
    static final int MUTATIONS = 1 << 3;
    static final int CONNEVENTS = 1 << 5;
    static final int EVICTIONS = 1 << 6;
    static final int RAWCMDS = 1 << 9;
    static final int PROXYREQS = 1 << 10;
    static final int PROXYEVENTS = 1 << 11;
    static final int PROXYUSER = 1 << 12;
    static final int DELETIONS = 1 << 13;

    // memcached's close reasons, in conn_close lines
    static final int CLOSE_ERROR = 0;
    static final int CLOSE_NORMAL = 1;
    static final int CLOSE_IDLE_TIMEOUT = 2;
    static final int CLOSE_SHUTDOWN = 3;

    /** memcached's {@code LOGGER_PARSE_SCRATCH}: no line is longer. */
    private static final int LINE_MAX = 4096;
    /** Room memcached asks for beyond each line, for a {@code skipped=N} line in front of it. */
    private static final int SKIP_RESERVE = 128;
    private static final byte[] OK = {'O', 'K', '\r', '\n'};
    private static final byte[] HEX = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};
    private static final String[] FETCH_STATUS = {"not_found", "found", "flushed", "expired"};
    private static final String[] CLOSE_REASONS = {"error", "normal", "idle_timeout", "shutdown"};
    private static final String[] LRU_NAMES = {"hot", "warm", "cold", "temp"};

    private final MemcachedCache cache;
    private final int bufferSize;
    private final Watcher[] slots = new Watcher[WATCHER_LIMIT];
    private volatile Watcher[] active = new Watcher[0];
    /** The union of the watchers' streams. */
    private volatile int streams;
    private final AtomicLong gid = new AtomicLong();
    private final ThreadLocal<ThreadState> threads = ThreadLocal.withInitial(ThreadState::new);
    /** Where memcached's {@code -vvv} item lookup lines go, or null below that verbosity. */
    private volatile Consumer<String> lookupTrace;

    final LongAdder written = new LongAdder();
    final LongAdder sent = new LongAdder();
    final LongAdder skipped = new LongAdder();

    /**
     * The logger of one server.
     *
     * @param cache      the cache whose events are watched.
     * @param bufferSize bytes of each watcher's buffer ({@code -o watcher_logbuf_size}).
     */
    LogStreams(final MemcachedCache cache, final int bufferSize)
    {
        this.cache = cache;
        this.bufferSize = bufferSize;
    }

    /**
     * What a thread that serves sessions keeps for the log: the connection it is serving (memcached's
     * {@code cur_sfd}) and the scratch array lines are rendered in. Confined to its thread.
     */
    static final class ThreadState
    {
        final Thread thread = Thread.currentThread();
        /** The connection being served, -1 when the thread serves none. */
        long connection = -1;
        /** Whether that connection speaks the binary protocol. */
        boolean binary;
        private byte[] line;
        private int length;
        /** Whether lookup lines wait for {@link #releaseLookups()}. */
        private boolean holdLookups;
        /** The lookup line held back, or null. */
        private String heldLookup;
    }

    /**
     * The calling thread's state, for a session to keep (it checks the thread before each use).
     *
     * @return the state.
     */
    ThreadState threadState()
    {
        return threads.get();
    }

    /**
     * Whether any watcher wants a stream.
     *
     * @param stream a stream bit.
     * @return true if someone watches it.
     */
    boolean watching(final int stream)
    {
        return (streams & stream) != 0;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // watchers
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Add a watcher, its buffer already holding the {@code OK} that answers the {@code watch} command.
     *
     * @param host    the watching connection, woken when lines arrive.
     * @param streams the stream bits it wants.
     * @return the watcher, or null when {@link #WATCHER_LIMIT} watchers exist.
     * @throws OutOfMemoryError           when the buffer cannot be had (memcached answers {@code WATCHER_FAILED}).
     * @throws NegativeArraySizeException for a buffer size of 2 GiB or more (likewise).
     */
    /**
     * Print every key lookup as memcached's {@code do_item_get} does at {@code -vvv}, or stop.
     *
     * @param sink where the lines go, or null to stop.
     */
    synchronized void lookupTrace(final Consumer<String> sink)
    {
        lookupTrace = sink;
        update();
    }

    /**
     * Whether {@code -vvv} lookup lines are printed.
     *
     * @return true at that verbosity.
     */
    boolean tracingLookups()
    {
        return lookupTrace != null;
    }

    /**
     * Hold back this thread's lookup lines until {@link #releaseLookups()}: memcached prints the error reply of a set
     * it cannot allocate before the lookup that unlinks the key's old value, which this engine does first.
     */
    void holdLookups()
    {
        threads.get().holdLookups = true;
    }

    /**
     * Print the lookup line held back since {@link #holdLookups()}, if any, and stop holding.
     */
    void releaseLookups()
    {
        final ThreadState t = threads.get();
        t.holdLookups = false;
        final String line = t.heldLookup;
        t.heldLookup = null;
        final Consumer<String> trace = lookupTrace;
        if (line != null && trace != null)
        {
            trace.accept(line);
        }
    }

    synchronized Watcher add(final SessionHost host, final int streams)
    {
        int free = -1;
        for (int i = 0; i < WATCHER_LIMIT; i++)
        {
            if (slots[i] == null)
            {
                free = i;
                break;
            }
        }
        if (free < 0)
        {
            return null;
        }
        final Watcher w = new Watcher(host, streams, gid.incrementAndGet(), new byte[bufferSize]);
        w.put(OK, OK.length);
        slots[free] = w;
        update();
        return w;
    }

    /**
     * Remove a watcher: its connection closed.
     *
     * @param watcher the watcher.
     */
    synchronized void remove(final Watcher watcher)
    {
        for (int i = 0; i < WATCHER_LIMIT; i++)
        {
            if (slots[i] == watcher)
            {
                slots[i] = null;
                update();
                return;
            }
        }
    }

    /**
     * The number of watchers ({@code log_watchers}).
     *
     * @return the count.
     */
    int watchers()
    {
        return active.length;
    }

    private void update()
    {
        int count = 0;
        int union = 0;
        for (final Watcher w : slots)
        {
            if (w != null)
            {
                count++;
                union |= w.streams;
            }
        }
        final Watcher[] snapshot = new Watcher[count];
        int n = 0;
        for (final Watcher w : slots)
        {
            if (w != null)
            {
                snapshot[n++] = w;
            }
        }
        active = snapshot;
        streams = union;
        int engine = 0;
        engine |= (union & FETCHERS) != 0 ? ItemEvents.FETCHES : 0;
        engine |= (union & MUTATIONS) != 0 ? ItemEvents.MUTATIONS : 0;
        engine |= (union & EVICTIONS) != 0 ? ItemEvents.EVICTIONS : 0;
        engine |= (union & DELETIONS) != 0 ? ItemEvents.DELETIONS : 0;
        engine |= (union & SYSEVENTS) != 0 ? ItemEvents.SYSEVENTS : 0;
        engine |= lookupTrace != null ? ItemEvents.FETCHES : 0;
        cache.admin().itemEvents(engine == 0 ? null : this, engine);
    }

    /**
     * One watching connection and its bounded buffer of lines not yet taken by its session.
     */
    static final class Watcher
    {
        final SessionHost host;
        final int streams;
        /** Lines older than this were logged before the watcher existed. */
        final long minGid;
        private final byte[] buffer;
        private long readPosition;
        private long writePosition;
        private long skipped;
        /** Whether the session emptied the buffer and waits to be woken for the next line. */
        private boolean armed;

        Watcher(final SessionHost host, final int streams, final long minGid, final byte[] buffer)
        {
            this.host = host;
            this.streams = streams;
            this.minGid = minGid;
            this.buffer = buffer;
        }

        /**
         * Add a line, or count it as skipped when it does not fit with room to spare for a {@code skipped} line.
         *
         * @return 1 when sent and the session must be woken, 0 when sent, -1 when skipped.
         */
        synchronized int offer(final byte[] line, final int length)
        {
            if (buffer.length - (writePosition - readPosition) < length + SKIP_RESERVE)
            {
                skipped++;
                return -1;
            }
            if (skipped > 0)
            {
                final byte[] text = ("skipped=" + skipped + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                put(text, text.length);
                skipped = 0;
            }
            put(line, length);
            if (armed)
            {
                armed = false;
                return 1;
            }
            return 0;
        }

        private void put(final byte[] bytes, final int length)
        {
            final int capacity = buffer.length;
            if (capacity - (writePosition - readPosition) < length)
            {
                return;
            }
            final int at = (int)(writePosition % capacity);
            final int first = Math.min(length, capacity - at);
            System.arraycopy(bytes, 0, buffer, at, first);
            System.arraycopy(bytes, first, buffer, 0, length - first);
            writePosition += length;
        }

        /**
         * Move buffered lines into a session's output, as much as it takes. When the buffer is left empty the next
         * line wakes the session.
         *
         * @param out the output.
         * @return true when the buffer was emptied, false when the output is full.
         */
        synchronized boolean drainTo(final Output out)
        {
            final int capacity = buffer.length;
            while (writePosition > readPosition)
            {
                if (!out.ensure(1))
                {
                    return false;
                }
                final int at = (int)(readPosition % capacity);
                final int n = (int)Math.min(Math.min(writePosition - readPosition, capacity - at), out.writable());
                out.putBytes(buffer, at, n);
                readPosition += n;
            }
            armed = true;
            return true;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // the engine's events
    // ---------------------------------------------------------------------------------------------------------------

    @Override
    public void fetched(
        final byte[] key, final int keyLength, final int status, final int valueLength, final int slabClass)
    {
        final Consumer<String> trace = lookupTrace;
        if (trace != null)
        {
            final ThreadState t = threads.get();
            if (t.holdLookups)
            {
                t.heldLookup = lookupLine(key, keyLength, status);
            }
            else
            {
                trace.accept(lookupLine(key, keyLength, status));
            }
        }
        if (!watching(FETCHERS))
        {
            return;
        }
        final ThreadState t = threads.get();
        final long id = begin(t);
        ascii(t, "type=item_get key=");
        uri(t, key, keyLength);
        ascii(t, " status=");
        ascii(t, FETCH_STATUS[status]);
        ascii(t, " clsid=");
        decimal(t, slabClass);
        ascii(t, " cfd=");
        decimal(t, t.connection);
        ascii(t, " size=");
        decimal(t, valueLength);
        publish(FETCHERS, t, id);
    }

    /**
     * memcached's {@code -vvv} line for a lookup. Its {@code "> FOUND KEY "} prefix is never printed (it tests
     * whether the item was found before it records that), so a hit prints the key alone.
     */
    static String lookupLine(final byte[] key, final int keyLength, final int status)
    {
        final String k = new String(key, 0, keyLength, StandardCharsets.ISO_8859_1);
        return switch (status)
        {
            case NOT_FOUND -> "> NOT FOUND " + k;
            case FLUSHED -> k + " -nuked by flush";
            case EXPIRED -> k + " -nuked by expire";
            default -> k;
        };
    }

    @Override
    public void stored(
        final byte[] key, final int keyLength, final StoreResult result, final StoreMode mode, final int valueLength,
        final int ttl, final int slabClass)
    {
        if (!watching(MUTATIONS))
        {
            return;
        }
        final ThreadState t = threads.get();
        final long id = begin(t);
        ascii(t, "type=item_store key=");
        uri(t, key, keyLength);
        ascii(t, " status=");
        ascii(t, storeStatus(result));
        ascii(t, " cmd=");
        ascii(t, command(mode));
        ascii(t, " ttl=");
        decimal(t, Integer.toUnsignedLong(ttl));
        ascii(t, " clsid=");
        decimal(t, slabClass);
        ascii(t, " cfd=");
        decimal(t, t.connection);
        ascii(t, " size=");
        decimal(t, valueLength);
        publish(MUTATIONS, t, id);
    }

    private static String command(final StoreMode mode)
    {
        switch (mode)
        {
            case ADD:
                return "add";
            case REPLACE:
                return "replace";
            case APPEND:
                return "append";
            case PREPEND:
                return "prepend";
            case CAS:
                return "cas";
            default:
                return "set";
        }
    }

    private static String storeStatus(final StoreResult result)
    {
        switch (result)
        {
            case STORED:
                return "stored";
            case EXISTS:
                return "exists";
            case NOT_FOUND:
                return "not_found";
            case TOO_LARGE:
                return "too_large";
            case NO_MEMORY:
                return "no_memory";
            default:
                return "not_stored";
        }
    }

    @Override
    public void evicted(
        final byte[] key, final int keyLength, final boolean fetched, final int ttl, final int idleSeconds,
        final int slabClass, final int valueLength)
    {
        if (!watching(EVICTIONS))
        {
            return;
        }
        final ThreadState t = threads.get();
        final long id = begin(t);
        ascii(t, "type=eviction key=");
        uri(t, key, keyLength);
        ascii(t, fetched ? " fetch=yes" : " fetch=no");
        ascii(t, " ttl=");
        decimal(t, ttl);
        ascii(t, " la=");
        decimal(t, idleSeconds);
        ascii(t, " clsid=");
        decimal(t, slabClass);
        ascii(t, " size=");
        decimal(t, valueLength);
        publish(EVICTIONS, t, id);
    }

    @Override
    public void deleted(
        final byte[] key, final int keyLength, final boolean meta, final int slabClass, final int valueLength)
    {
        if (!watching(DELETIONS))
        {
            return;
        }
        final ThreadState t = threads.get();
        if (t.binary)
        {
            // memcached logs the text protocol's delete and md, not the binary protocol's delete
            return;
        }
        final long id = begin(t);
        ascii(t, "type=deleted key=");
        uri(t, key, keyLength);
        ascii(t, meta ? " cmd=md" : " cmd=delete");
        ascii(t, " clsid=");
        decimal(t, slabClass);
        ascii(t, " size=");
        decimal(t, valueLength);
        publish(DELETIONS, t, id);
    }

    @Override
    public void crawlerStatus(
        final int slabClass, final int lru, final long lowMark, final long nextReclaims, final int sinceRun,
        final int nextRun, final int elapsed, final long examined, final long reclaimed)
    {
        if (!watching(SYSEVENTS))
        {
            return;
        }
        final ThreadState t = threads.get();
        final long id = begin(t);
        ascii(t, "type=lru_crawler crawler=");
        decimal(t, slabClass);
        ascii(t, " lru=");
        ascii(t, lru >= 0 && lru < LRU_NAMES.length ? LRU_NAMES[lru] : "na");
        ascii(t, " low_mark=");
        decimal(t, lowMark);
        ascii(t, " next_reclaims=");
        decimal(t, nextReclaims);
        ascii(t, " since_run=");
        decimal(t, Integer.toUnsignedLong(sinceRun));
        ascii(t, " next_run=");
        decimal(t, nextRun);
        ascii(t, " elapsed=");
        decimal(t, Integer.toUnsignedLong(elapsed));
        ascii(t, " examined=");
        decimal(t, examined);
        ascii(t, " reclaimed=");
        decimal(t, reclaimed);
        publish(SYSEVENTS, t, id);
    }

    @Override
    public void slabMove(final int source, final int destination, final boolean started)
    {
        if (!watching(SYSEVENTS))
        {
            return;
        }
        final ThreadState t = threads.get();
        final long id = begin(t);
        ascii(t, "type=slab_move src=");
        decimal(t, source);
        ascii(t, " dst=");
        decimal(t, destination);
        ascii(t, started ? " state=ok" : " state=fail");
        publish(SYSEVENTS, t, id);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // connection events
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * A client connection was opened ({@code type=conn_new}).
     *
     * @param host the connection.
     */
    void connectionOpened(final SessionHost host)
    {
        if (!watching(CONNEVENTS))
        {
            return;
        }
        final ThreadState t = threads.get();
        final long id = begin(t);
        ascii(t, "type=conn_new");
        endpoint(t, host.peerAddress());
        ascii(t, " cfd=");
        decimal(t, host.connectionId());
        publish(CONNEVENTS, t, id);
    }

    /**
     * A client connection was closed ({@code type=conn_close}).
     *
     * @param host   the connection.
     * @param reason one of the {@code CLOSE_} reasons.
     */
    void connectionClosed(final SessionHost host, final int reason)
    {
        if (!watching(CONNEVENTS))
        {
            return;
        }
        final ThreadState t = threads.get();
        final long id = begin(t);
        ascii(t, "type=conn_close");
        endpoint(t, host.peerAddress());
        ascii(t, " reason=");
        ascii(t, CLOSE_REASONS[reason]);
        ascii(t, " cfd=");
        decimal(t, host.connectionId());
        publish(CONNEVENTS, t, id);
    }

    /**
     * {@code rip=... rport=... transport=...} from a {@link SessionHost#peerAddress()} such as
     * {@code tcp:127.0.0.1:41234}, {@code tcp6:[0:0:0:0:0:0:0:1]:41234} or {@code unix:/path}; addresses as
     * {@code inet_ntop} prints them.
     */
    private static void endpoint(final ThreadState t, final String peer)
    {
        final int colon = peer.indexOf(':');
        final String scheme = colon < 0 ? "" : peer.substring(0, colon);
        if (!scheme.startsWith("tcp") && !scheme.startsWith("udp"))
        {
            ascii(t, " rip=unix rport=0 transport=local");
            return;
        }
        final int portColon = peer.lastIndexOf(':');
        String host = peer.substring(colon + 1, portColon);
        if (host.startsWith("[") && host.endsWith("]"))
        {
            host = host.substring(1, host.length() - 1);
        }
        final int scope = host.indexOf('%');
        if (scope >= 0)
        {
            host = host.substring(0, scope);
        }
        ascii(t, " rip=");
        ascii(t, host.indexOf(':') >= 0 ? ipv6(host) : host);
        ascii(t, " rport=");
        ascii(t, peer.substring(portColon + 1));
        ascii(t, scheme.startsWith("udp") ? " transport=udp" : " transport=tcp");
    }

    /**
     * An IPv6 address as glibc's {@code inet_ntop} prints it: the longest run of two or more zero groups as
     * {@code ::}, groups in lower-case hex without leading zeros, and IPv4-mapped or -compatible addresses ending in
     * a dotted quad.
     */
    static String ipv6(final String address)
    {
        final int[] words;
        try
        {
            final byte[] bytes = java.net.InetAddress.getByName(address).getAddress();
            if (bytes.length != 16)
            {
                return address;
            }
            words = new int[8];
            for (int i = 0; i < 8; i++)
            {
                words[i] = ((bytes[2 * i] & 0xFF) << 8) | (bytes[2 * i + 1] & 0xFF);
            }
        }
        catch (final java.net.UnknownHostException ex)
        {
            return address;
        }
        int bestBase = -1;
        int bestLength = 0;
        int base = -1;
        for (int i = 0; i <= 8; i++)
        {
            if (i < 8 && words[i] == 0)
            {
                if (base < 0)
                {
                    base = i;
                }
            }
            else if (base >= 0)
            {
                if (i - base > bestLength)
                {
                    bestBase = base;
                    bestLength = i - base;
                }
                base = -1;
            }
        }
        if (bestLength < 2)
        {
            bestBase = -1;
        }
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++)
        {
            if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLength)
            {
                if (i == bestBase)
                {
                    sb.append(':');
                }
                continue;
            }
            if (i != 0)
            {
                sb.append(':');
            }
            if (i == 6 && bestBase == 0 &&
                (bestLength == 6 || (bestLength == 7 && words[7] != 1) || (bestLength == 5 && words[5] == 0xFFFF)))
            {
                sb.append(words[6] >> 8).append('.').append(words[6] & 0xFF).append('.')
                    .append(words[7] >> 8).append('.').append(words[7] & 0xFF);
                return sb.toString();
            }
            sb.append(Integer.toHexString(words[i]));
        }
        if (bestBase >= 0 && bestBase + bestLength == 8)
        {
            sb.append(':');
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // rendering and publishing
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Start a line: take its gid and time, as memcached's {@code logger_log} does.
     *
     * @return the gid.
     */
    private long begin(final ThreadState t)
    {
        if (t.line == null)
        {
            t.line = new byte[LINE_MAX];
        }
        t.length = 0;
        final long id = gid.incrementAndGet();
        final Instant now = Instant.now();
        ascii(t, "ts=");
        decimal(t, now.getEpochSecond());
        ascii(t, ".");
        decimal(t, now.getNano() / 1000);
        ascii(t, " gid=");
        decimal(t, id);
        ascii(t, " ");
        return id;
    }

    private static void ascii(final ThreadState t, final String s)
    {
        final byte[] line = t.line;
        int n = t.length;
        final int count = Math.min(s.length(), line.length - n);
        for (int i = 0; i < count; i++)
        {
            line[n++] = (byte)s.charAt(i);
        }
        t.length = n;
    }

    private static void decimal(final ThreadState t, final long value)
    {
        final byte[] line = t.line;
        int n = t.length;
        long v = value;
        if (v < 0)
        {
            if (n == line.length)
            {
                return;
            }
            line[n++] = '-';
            v = -v;
        }
        int digits = 1;
        for (long rest = v / 10; rest != 0; rest /= 10)
        {
            digits++;
        }
        if (n + digits > line.length)
        {
            t.length = n;
            return;
        }
        for (int i = n + digits - 1; i >= n; i--)
        {
            line[i] = (byte)('0' + v % 10);
            v /= 10;
        }
        t.length = n + digits;
    }

    /**
     * memcached's {@code uriencode}: letters, digits and {@code - . _ ~} as they are, every other byte as
     * {@code %XX}.
     */
    private static void uri(final ThreadState t, final byte[] key, final int keyLength)
    {
        final byte[] line = t.line;
        int n = t.length;
        for (int i = 0; i < keyLength && n + 3 <= line.length; i++)
        {
            final int c = key[i] & 0xFF;
            if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.' ||
                c == '_' || c == '~')
            {
                line[n++] = (byte)c;
            }
            else
            {
                line[n++] = '%';
                line[n++] = HEX[c >> 4];
                line[n++] = HEX[c & 0xF];
            }
        }
        t.length = n;
    }

    /**
     * End the line and give it to every watcher of its stream that existed when it was logged.
     */
    private void publish(final int stream, final ThreadState t, final long id)
    {
        if (t.length < t.line.length)
        {
            t.line[t.length++] = '\n';
        }
        written.increment();
        for (final Watcher w : active)
        {
            if ((w.streams & stream) == 0 || id < w.minGid)
            {
                continue;
            }
            final int outcome = w.offer(t.line, t.length);
            if (outcome < 0)
            {
                skipped.increment();
                continue;
            }
            sent.increment();
            if (outcome > 0)
            {
                w.host.wakeup();
            }
        }
    }
}
