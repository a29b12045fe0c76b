/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static io.memcached4j.core.ItemDescriptor.LRU_COUNT;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ThreadFactory;
import java.util.function.IntFunction;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.CompositeAgent;

/**
 * The cache: ties the {@link SlabAllocator}, {@link HashIndex} and {@link ItemStore} together behind
 * {@link MemcachedCache}, keeps the per-thread contexts, runs the background agents and assembles statistics.
 * Threadsafe.
 * <p>
 * Every operation starts by copying its key into the calling thread's {@link ThreadContext} and hashing it there, so
 * that the layers below see one kind of key whatever the caller passed.
 */
final class Engine implements MemcachedCache, CacheAdmin
{
    private static final FetchOptions GET = new FetchOptions();
    /**
     * Index stripes: enough that two threads rarely want the same one, few enough that the stripes' objects stay in
     * the CPU's caches when the data does not.
     */
    private static final int STRIPES = 256;
    private static final int MIN_REGISTERED = 16;
    private static final int SPARE_CONTEXTS = 64;

    final CacheConfig config;
    final SlabAllocator slabs;
    final HashIndex index;
    final ItemStore store;
    final PageMover mover;
    final LruCrawler crawler;
    final LruMaintainer maintainer;
    final SlabRebalancer rebalancer;
    private final Agent background;
    /** {@link #background} as {@link #backgroundWork()} hands it out: idle once the cache is closed. */
    private final Agent guardedBackground = new ClosedGuard();
    private final AgentRunner runner;
    private final ThreadLocal<ThreadContext> contexts = new ThreadLocal<>();
    /** The lock over the registered contexts, the spare ones and {@link #retired}. */
    private final Object registry = new Object();
    /**
     * The contexts of the threads that have used the cache, in {@code [0, registeredCount)}. A thread's context is
     * stored in place and the array published again; a sweep, which runs only when the array is full, replaces it.
     * Readers without the lock (the maintainer) see a prefix of the contexts followed by nulls.
     */
    private volatile ThreadContext[] registered = new ThreadContext[MIN_REGISTERED];
    private int registeredCount;
    /** Contexts of dead threads, kept for threads that register later (a virtual thread each request, say). */
    private final ThreadContext[] spare = new ThreadContext[SPARE_CONTEXTS];
    private int spareCount;
    /** How many contexts were made, and how many times a sweep looked at one: what registering costs, for tests. */
    private long contextsMade;
    private long contextsSwept;
    private final long[] retired = new long[Counters.SIZE];
    private Map<String, Long> baseline = Map.of();
    private final Map<Integer, Map<String, Long>> classBaseline = new LinkedHashMap<>();
    private volatile boolean closed;
    /** {@code slab_automove_window} as last set (memcached reports the value given, even 0). */
    private volatile int automoveWindowSeconds;

    Engine(final CacheConfig config)
    {
        this(config, DirectMemory.newPageArena(), DirectMemory::allocate);
    }

    /**
     * A cache whose slab pages and index tables come from the given allocators (the JVM's direct memory, or a test's
     * stand-in that runs out).
     */
    Engine(final CacheConfig config, final DirectMemory.PageArena arena, final IntFunction<ByteBuffer> indexMemory)
    {
        this.config = config;
        checkDirectMemory(config);
        final SlabClassTable table = SlabClassTable.compute(config.minSpace(), config.growthFactor(),
            config.slabChunkMax(), config.slabPageSize(), config.slabSizes());
        this.slabs = new SlabAllocator(table, config.memoryLimit(), config.preallocate(), arena, config.trace());
        this.index = new HashIndex(config.hashPowerInit(), STRIPES, config.trace(), indexMemory);
        this.store = new ItemStore(config, slabs, index);
        this.mover = new PageMover(store, config.slabReassign(), config.slabAutomove());
        store.mover = mover;
        this.crawler = new LruCrawler(store, config.lruCrawler(), config.lruCrawlerSleep(), config.lruCrawlerTocrawl());
        this.maintainer = new LruMaintainer(store, crawler, config.lruMaintainer(), this::drainBumps);
        this.rebalancer = new SlabRebalancer(store, mover, maintainer, config);
        this.automoveWindowSeconds = config.slabAutomoveWindow();
        // memcached prints its slab classes as it makes them, then starts its crawler and maintainer threads
        traceSafely(() -> config.trace().slabClasses(slabs.table.describe()));
        if (config.preallocate() && !slabs.preallocateClasses())
        {
            index.close(true);
            slabs.close(true);
            throw new IllegalStateException("Error while preallocating slab memory!\nIf using -L or other prealloc " +
                "options, max memory must be at least " + table.largest() + " megabytes.");
        }
        // memcached starts its crawler thread, then its maintainer thread, and each says so
        if (config.lruCrawler())
        {
            traceSafely(config.trace()::crawlerStarted);
        }
        if (config.lruMaintainer())
        {
            traceSafely(config.trace()::maintainerStarted);
        }
        if (config.backgroundThreads() && config.clock() instanceof SystemClock)
        {
            store.tick();
            store.cachedClock = true;
            this.background = new CompositeAgent(new ClockTicker(store), maintainer, crawler, rebalancer);
        }
        else
        {
            this.background = new CompositeAgent(maintainer, crawler, rebalancer);
        }
        if (config.backgroundThreads())
        {
            runner = new AgentRunner(new BackgroundIdle(config.clock(), maintainer, crawler, mover),
                Engine::reportError, null, background);
            final ThreadFactory factory = r ->
            {
                final Thread thread = new Thread(r, "memcached4j-background");
                thread.setDaemon(true);
                return thread;
            };
            // the maintainer thread applies queued bumps, so they may hold their items meanwhile, as memcached's do
            store.holdQueuedBumps = config.lruMaintainer();
            AgentRunner.startOnThread(runner, factory);
        }
        else
        {
            runner = null;
        }
    }

    /**
     * Whether the JVM's direct memory cap leaves room for a memory limit of {@code limit} bytes next to an index of
     * {@code indexBytes} and the system page, as {@link #checkDirectMemory} requires when the cache is built.
     */
    private static boolean directMemoryAllows(final long limit, final long indexBytes)
    {
        return !DirectMemory.pagesCountAsDirectMemory() ||
            limit + indexBytes + SlabAllocator.SYSTEM_PAGE_SIZE <= DirectMemory.maxDirectMemory();
    }

    private static void checkDirectMemory(final CacheConfig config)
    {
        final long index = (1L << (config.hashPowerInit() == 0 ? HashIndex.DEFAULT_HASH_POWER :
            config.hashPowerInit())) * Long.BYTES;
        final long machine = DirectMemory.machineMemory();
        if (machine > 0 && index > machine)
        {
            // the table is zeroed when it is allocated: past the machine's memory and swap that would end in the
            // kernel's out-of-memory killer, where memcached's allocation of it is refused at once
            throw new IllegalStateException("Failed to init hashtable.");
        }
        if (!DirectMemory.pagesCountAsDirectMemory())
        {
            return;
        }
        final long max = DirectMemory.maxDirectMemory();
        final long needed = config.memoryLimit() + index + SlabAllocator.SYSTEM_PAGE_SIZE;
        if (needed > max)
        {
            final long mib = 1024 * 1024;
            throw new IllegalArgumentException("a memory limit of " + (config.memoryLimit() / mib) +
                " MiB needs " + ((needed + mib - 1) / mib) + " MiB of direct memory, but this JVM allows " +
                (max / mib) + " MiB: start it with -XX:MaxDirectMemorySize=" +
                ((needed + needed / 4 + mib - 1) / mib) + "m or more");
        }
    }

    /**
     * Keeps the cache's view of {@code current_time} fresh, so that operations do not read the clock.
     */
    private static final class ClockTicker implements Agent
    {
        private final ItemStore store;

        ClockTicker(final ItemStore store)
        {
            this.store = store;
        }

        public int doWork()
        {
            store.tick();
            return 0;
        }

        public String roleName()
        {
            return "memcached4j-clock";
        }
    }

    /**
     * The background agent for an embedder's own thread or invoker. Its monitor keeps {@link #close()} from freeing
     * the memory while a step runs; once the cache is closed a step does nothing, so that a runner stopped after
     * the cache ends quietly.
     */
    private final class ClosedGuard implements Agent
    {
        public int doWork() throws Exception
        {
            synchronized (this)
            {
                return closed ? 0 : background.doWork();
            }
        }

        public String roleName()
        {
            return background.roleName();
        }
    }

    static void reportError(final Throwable error)
    {
        System.err.println("memcached4j background work failed: " + error);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Contexts and keys
    // ------------------------------------------------------------------------------------------------------------

    ThreadContext context()
    {
        if (closed)
        {
            throw closedException();
        }
        final ThreadContext ctx = contexts.get();
        return ctx != null ? ctx : register();
    }

    /**
     * Refuse an operation on a closed cache, whose memory is gone, and register the calling thread as one that uses
     * the cache: {@link #close()} frees memory at once only when no other live thread ever did.
     *
     * @throws IllegalStateException once {@link #close()} has started.
     */
    void checkOpen()
    {
        context();
    }

    private static IllegalStateException closedException()
    {
        return new IllegalStateException("the cache is closed");
    }

    /**
     * Whether {@link #close()} has started: release-style calls (a reader's close, a writer's abort) then do nothing,
     * since the memory they would give back is gone.
     */
    boolean isClosed()
    {
        return closed;
    }

    /**
     * Give the calling thread a context: a dead thread's spare one, or a new one. Registering costs a constant amount
     * of work on average, however many threads have used the cache: the contexts of dead threads are swept only when
     * the array is full, and the array then grows to twice the live count.
     */
    private ThreadContext register()
    {
        final Thread thread = Thread.currentThread();
        final ThreadContext ctx;
        synchronized (registry)
        {
            if (closed)
            {
                // close() decided under this lock whom it waits for: a thread that comes later must not go on
                throw closedException();
            }
            ThreadContext[] contexts = registered;
            if (registeredCount == contexts.length)
            {
                contexts = sweepLocked();
            }
            if (spareCount > 0)
            {
                ctx = spare[--spareCount];
                spare[spareCount] = null;
                ctx.reuse(thread);
            }
            else
            {
                ctx = new ThreadContext(thread);
                contextsMade++;
            }
            contexts[registeredCount++] = ctx;
            registered = contexts;
        }
        contexts.set(ctx);
        return ctx;
    }

    /**
     * Drop the contexts whose thread has died: apply the LRU bumps they queued (each may hold a reference to its item,
     * which nothing else would ever drop once the context leaves {@link #registered}), fold their counters into
     * {@link #retired}, and keep them as spares or release them. Caller holds the registry; the bumps are applied
     * under this engine's monitor, as {@link #drainBumps()} applies them, so never at the same time as the maintainer
     * applies them. The registry's lock is taken before the monitor, and the monitor never waits for the registry, so
     * the two cannot deadlock; nor can the stripe and class locks the bumps take, because a thread registers before
     * its first operation, holding none of them.
     *
     * @return the new array of contexts, published, with room for as many again as are live.
     */
    private ThreadContext[] sweepLocked()
    {
        final ThreadContext[] old = registered;
        contextsSwept += registeredCount;
        int live = 0;
        for (int i = 0; i < registeredCount; i++)
        {
            if (old[i].ownerAlive())
            {
                live++;
            }
        }
        final ThreadContext[] contexts = new ThreadContext[Math.max(MIN_REGISTERED, 2 * live)];
        int next = 0;
        for (int i = 0; i < registeredCount; i++)
        {
            final ThreadContext ctx = old[i];
            if (ctx.ownerAlive())
            {
                contexts[next++] = ctx;
            }
            else
            {
                retireLocked(ctx);
            }
        }
        registeredCount = next;
        registered = contexts;
        return contexts;
    }

    /** {contexts registered, contexts made, contexts looked at by sweeps}. */
    long[] registryFigures()
    {
        synchronized (registry)
        {
            return new long[] {registeredCount, contextsMade, contextsSwept};
        }
    }

    private void retireLocked(final ThreadContext ctx)
    {
        synchronized (this)
        {
            ctx.drainBumps(store);
        }
        ctx.retire(retired);
        if (spareCount < spare.length)
        {
            spare[spareCount++] = ctx;
        }
        else
        {
            ctx.release();
        }
    }

    private static void checkKeyLength(final int length)
    {
        if (length < 1 || length > CacheConfig.KEY_MAX_LENGTH)
        {
            throw new InvalidKeyException(length);
        }
    }

    ThreadContext loadKey(final ByteBuffer key)
    {
        final int length = key.remaining();
        checkKeyLength(length);
        final ThreadContext ctx = context();
        ctx.keyLength = length;
        ctx.hash = Hashing.copyAndHash(key, key.position(), length, ctx.key);
        return ctx;
    }

    ThreadContext loadKey(final DirectBuffer key, final int offset, final int length)
    {
        checkKeyLength(length);
        final ThreadContext ctx = context();
        ctx.key.putBytes(0, key, offset, length);
        return hashed(ctx, length);
    }

    ThreadContext loadKey(final byte[] key)
    {
        checkKeyLength(key.length);
        final ThreadContext ctx = context();
        ctx.key.putBytes(0, key, 0, key.length);
        return hashed(ctx, key.length);
    }

    ThreadContext loadKey(final String key)
    {
        final int chars = key.length();
        boolean ascii = chars <= CacheConfig.KEY_MAX_LENGTH;
        for (int i = 0; ascii && i < chars; i++)
        {
            ascii = key.charAt(i) < 0x80;
        }
        if (!ascii)
        {
            checkWellFormed(key);
            return loadKey(key.getBytes(StandardCharsets.UTF_8));
        }
        checkKeyLength(chars);
        final ThreadContext ctx = context();
        for (int i = 0; i < chars; i++)
        {
            ctx.key.putByte(i, (byte)key.charAt(i));
        }
        return hashed(ctx, chars);
    }

    /**
     * Refuse a key that is not well-formed UTF-16: {@link String#getBytes} would encode a lone surrogate as
     * {@code '?'}, and two different keys would then share one item.
     */
    private static void checkWellFormed(final String key)
    {
        final int chars = key.length();
        for (int i = 0; i < chars; i++)
        {
            final char c = key.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < chars && Character.isLowSurrogate(key.charAt(i + 1)))
            {
                i++;
            }
            else if (Character.isSurrogate(c))
            {
                throw new InvalidKeyException("key has an unpaired surrogate at index " + i +
                    ": it has no UTF-8 encoding");
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Caller's buffers: checked before the cache is touched, so that a call that throws has changed nothing
    // ------------------------------------------------------------------------------------------------------------

    /**
     * A destination the value is to be copied into must be writable. Checked here for both memory paths: Agrona's
     * copy writes through a buffer's address whether or not the buffer is read-only.
     *
     * @throws ReadOnlyBufferException if it is read-only.
     */
    static void checkWritable(final ByteBuffer dst)
    {
        if (dst.isReadOnly())
        {
            throw new ReadOnlyBufferException();
        }
    }

    /**
     * Where in a destination of {@code capacity} bytes a value may start: anywhere from 0 to the end.
     *
     * @throws IndexOutOfBoundsException otherwise.
     */
    static void checkDestinationOffset(final int offset, final int capacity)
    {
        if (offset < 0 || offset > capacity)
        {
            throw new IndexOutOfBoundsException("offset " + offset + " is outside a buffer of " + capacity +
                " bytes");
        }
    }

    /**
     * A range of a caller's buffer: a negative length is an illegal argument; a range that does not lie within the
     * buffer's {@code capacity} is out of bounds.
     *
     * @throws IllegalArgumentException  if the length is negative.
     * @throws IndexOutOfBoundsException if the range does not lie within the buffer.
     */
    static void checkRange(final int offset, final int length, final int capacity)
    {
        if (length < 0)
        {
            throw new IllegalArgumentException("length must not be negative: " + length);
        }
        if (offset < 0 || (long)offset + length > capacity)
        {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + ((long)offset + length) +
                ") is outside a buffer of " + capacity + " bytes");
        }
    }

    private static ThreadContext hashed(final ThreadContext ctx, final int length)
    {
        ctx.keyLength = length;
        ctx.hash = Hashing.hash(ctx.key, 0, length);
        return ctx;
    }

    /**
     * Apply the LRU bumps every thread queued. The maintainer calls it; so may a check of a quiescent cache, which
     * the monitor keeps from draining a queue at the same time as the maintainer.
     *
     * @return how many bumps were applied.
     */
    synchronized int drainBumps()
    {
        int applied = 0;
        for (final ThreadContext ctx : registered)
        {
            if (ctx == null)
            {
                break;
            }
            applied += ctx.drainBumps(store);
        }
        return applied;
    }

    /**
     * Stop queued bumps from holding their items, and apply every queue once more, dropping the references the
     * queued bumps hold: for when nothing will apply them any more (the maintainer stops, the cache closes).
     * <p>
     * A reader that saw {@link ItemStore#holdQueuedBumps} set may still be about to queue a bump that holds its
     * item. The flag is cleared with a volatile store and each context's offering mark is then read with a volatile
     * load; the reader sets its mark with a volatile store before it reads the flag. In the one order of these
     * volatile accesses, either the reader's mark comes first, and this method waits until the bump is queued
     * before it applies the queue, or the flag's clearing comes first, and the reader queues a bump that holds
     * nothing. A thread that registers later reads the flag after registering, so the same argument covers it
     * through {@link #registered}; a context swept meanwhile is applied by the sweep. Caller holds the registry, so
     * that no context leaves {@link #registered} unapplied meanwhile.
     */
    private void releaseQueuedBumpsLocked()
    {
        store.holdQueuedBumps = false;
        for (final ThreadContext ctx : registered)
        {
            if (ctx == null)
            {
                break;
            }
            ctx.awaitNoOffer();
        }
        drainBumps();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Fetch
    // ------------------------------------------------------------------------------------------------------------

    public int get(final ByteBuffer key, final ByteBuffer value)
    {
        checkWritable(value);
        final ThreadContext ctx = loadKey(key);
        final ValueAdapters.ByteBufferSink sink = ctx.adapters.byteBufferSink.wrap(value);
        try
        {
            final int length = store.getPlain(ctx, sink);
            return length != ItemStore.FALLBACK ? length : store.fetch(ctx, GET, sink, null, null);
        }
        finally
        {
            sink.clear();
        }
    }

    public int get(final ByteBuffer key, final ByteBuffer value, final ItemInfo info)
    {
        return fetch(key, GET, value, info);
    }

    public int fetch(final ByteBuffer key, final FetchOptions options, final ByteBuffer value, final ItemInfo info)
    {
        if (value != null)
        {
            checkWritable(value);
        }
        final ThreadContext ctx = loadKey(key);
        final ValueAdapters.ByteBufferSink sink = value == null ? null : ctx.adapters.byteBufferSink.wrap(value);
        try
        {
            return store.fetch(ctx, options, sink, info != null ? info : ctx.scratchInfo, null);
        }
        finally
        {
            ctx.adapters.byteBufferSink.clear();
        }
    }

    public int fetch(
        final DirectBuffer key, final int keyOffset, final int keyLength, final FetchOptions options,
        final MutableDirectBuffer value, final int valueOffset, final ItemInfo info)
    {
        if (value != null)
        {
            checkDestinationOffset(valueOffset, value.capacity());
        }
        final ThreadContext ctx = loadKey(key, keyOffset, keyLength);
        final ValueAdapters.DirectBufferSink sink =
            value == null ? null : ctx.adapters.directBufferSink.wrap(value, valueOffset);
        try
        {
            return store.fetch(ctx, options, sink, info != null ? info : ctx.scratchInfo, null);
        }
        finally
        {
            ctx.adapters.directBufferSink.clear();
        }
    }

    public boolean touch(final ByteBuffer key, final int exptime)
    {
        final ThreadContext ctx = loadKey(key);
        return touch(ctx, exptime);
    }

    public boolean touch(final String key, final int exptime)
    {
        return touch(loadKey(key), exptime);
    }

    private boolean touch(final ThreadContext ctx, final int exptime)
    {
        final FetchOptions options = ctx.fetchOptions.reset().touch(exptime);
        return store.fetch(ctx, options, null, ctx.scratchInfo, null) != MISS;
    }

    public boolean inspect(final ByteBuffer key, final ItemInfo info)
    {
        final ThreadContext ctx = loadKey(key);
        return store.inspect(ctx, info(ctx, info));
    }

    public boolean inspect(final DirectBuffer key, final int keyOffset, final int keyLength, final ItemInfo info)
    {
        final ThreadContext ctx = loadKey(key, keyOffset, keyLength);
        return store.inspect(ctx, info(ctx, info));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Store
    // ------------------------------------------------------------------------------------------------------------

    /**
     * Reserve an item for the key in the context: memcached's {@code item_alloc} with its failure side effects.
     *
     * @return the item's ref, or {@link ItemStore#ALLOC_TOO_LARGE} / {@link ItemStore#ALLOC_NO_MEMORY}.
     */
    int allocate(
        final ThreadContext ctx, final int flags, final int exptime, final int valueLength, final StoreOptions options)
    {
        final boolean viv = options.vivify && (options.mode == StoreMode.APPEND || options.mode == StoreMode.PREPEND);
        final int expiry = store.realtime(viv ? options.vivifyExptime : exptime);
        final int ref = store.allocItem(ctx.key, 0, ctx.keyLength, flags, expiry, valueLength,
            options.keyBinary ? ItemDescriptor.KEY_BINARY : 0);
        if (ref < 0)
        {
            if (options.countFailure)
            {
                ctx.increment(ref == ItemStore.ALLOC_TOO_LARGE ? Counters.STORE_TOO_LARGE : Counters.STORE_NO_MEMORY);
            }
            if ((store.eventMask() & ItemEvents.MUTATIONS) != 0)
            {
                store.logFailedStore(ctx, options,
                    ref == ItemStore.ALLOC_TOO_LARGE ? StoreResult.TOO_LARGE : StoreResult.NO_MEMORY);
            }
            if (options.deleteOnFailure)
            {
                store.removeAfterFailedStore(ctx);
            }
        }
        return ref;
    }

    private StoreResult store(
        final ThreadContext ctx, final ValueAdapters.ValueSource value, final int flags, final int exptime,
        final StoreOptions options, final ItemInfo info)
    {
        final int length = value.length;
        final int ref = allocate(ctx, flags, exptime, length, options);
        if (ref < 0)
        {
            return ref == ItemStore.ALLOC_TOO_LARGE ? StoreResult.TOO_LARGE : StoreResult.NO_MEMORY;
        }
        final Region r = store.region(ref);
        final int o = ItemDescriptor.offset(ref);
        if (length > 0)
        {
            try
            {
                store.copyIn(r, o, r.getIntVolatile(o + ItemDescriptor.STATE_OFFSET), 0, length, value, 0);
            }
            catch (final Throwable ex)
            {
                // the callers check their ranges first; whatever else fails, the reserved item must not be lost
                store.release(ref);
                throw ex;
            }
        }
        return store.store(ctx, ref, ctx.hash, options, info);
    }

    private StoreResult storeBuffer(
        final ByteBuffer key, final ByteBuffer value, final int flags, final int exptime, final StoreMode mode,
        final long cas)
    {
        final ThreadContext ctx = loadKey(key);
        final ValueAdapters.ByteBufferSource source = ctx.adapters.byteBufferSource.wrap(value);
        try
        {
            return store(ctx, source, flags, exptime, ctx.storeOptions.reset().mode(mode).compareCas(cas), null);
        }
        finally
        {
            source.clear();
        }
    }

    public StoreResult set(final ByteBuffer key, final ByteBuffer value, final int flags, final int exptime)
    {
        return storeBuffer(key, value, flags, exptime, StoreMode.SET, 0);
    }

    public StoreResult add(final ByteBuffer key, final ByteBuffer value, final int flags, final int exptime)
    {
        return storeBuffer(key, value, flags, exptime, StoreMode.ADD, 0);
    }

    public StoreResult replace(final ByteBuffer key, final ByteBuffer value, final int flags, final int exptime)
    {
        return storeBuffer(key, value, flags, exptime, StoreMode.REPLACE, 0);
    }

    public StoreResult append(final ByteBuffer key, final ByteBuffer value)
    {
        return storeBuffer(key, value, 0, 0, StoreMode.APPEND, 0);
    }

    public StoreResult prepend(final ByteBuffer key, final ByteBuffer value)
    {
        return storeBuffer(key, value, 0, 0, StoreMode.PREPEND, 0);
    }

    public StoreResult cas(
        final ByteBuffer key, final ByteBuffer value, final int flags, final int exptime, final long cas)
    {
        return storeBuffer(key, value, flags, exptime, StoreMode.CAS, cas);
    }

    public StoreResult store(
        final ByteBuffer key, final ByteBuffer value, final int flags, final int exptime, final StoreOptions options,
        final ItemInfo info)
    {
        final ThreadContext ctx = loadKey(key);
        final ValueAdapters.ByteBufferSource source = ctx.adapters.byteBufferSource.wrap(value);
        try
        {
            return store(ctx, source, flags, exptime, options, info);
        }
        finally
        {
            source.clear();
        }
    }

    public StoreResult store(
        final DirectBuffer key, final int keyOffset, final int keyLength, final DirectBuffer value,
        final int valueOffset, final int valueLength, final int flags, final int exptime, final StoreOptions options,
        final ItemInfo info)
    {
        checkRange(valueOffset, valueLength, value.capacity());
        final ThreadContext ctx = loadKey(key, keyOffset, keyLength);
        final ValueAdapters.DirectBufferSource source =
            ctx.adapters.directBufferSource.wrap(value, valueOffset, valueLength);
        try
        {
            return store(ctx, source, flags, exptime, options, info);
        }
        finally
        {
            source.clear();
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Delete, arithmetic
    // ------------------------------------------------------------------------------------------------------------

    public boolean delete(final ByteBuffer key)
    {
        final ThreadContext ctx = loadKey(key);
        return store.delete(ctx, ctx.deleteOptions.reset(), null) == DeleteResult.DELETED;
    }

    public DeleteResult delete(final ByteBuffer key, final DeleteOptions options, final ItemInfo info)
    {
        return store.delete(loadKey(key), options, info);
    }

    public DeleteResult delete(
        final DirectBuffer key, final int keyOffset, final int keyLength, final DeleteOptions options,
        final ItemInfo info)
    {
        return store.delete(loadKey(key, keyOffset, keyLength), options, info);
    }

    public DeltaResult incr(final ByteBuffer key, final long delta, final ItemInfo info)
    {
        final ThreadContext ctx = loadKey(key);
        return store.arithmetic(ctx, ctx.arithmeticOptions.reset().delta(delta), info(ctx, info));
    }

    public DeltaResult decr(final ByteBuffer key, final long delta, final ItemInfo info)
    {
        final ThreadContext ctx = loadKey(key);
        return store.arithmetic(ctx, ctx.arithmeticOptions.reset().incr(false).delta(delta), info(ctx, info));
    }

    public DeltaResult arithmetic(final ByteBuffer key, final ArithmeticOptions options, final ItemInfo info)
    {
        final ThreadContext ctx = loadKey(key);
        return store.arithmetic(ctx, options, info(ctx, info));
    }

    public DeltaResult arithmetic(
        final DirectBuffer key, final int keyOffset, final int keyLength, final ArithmeticOptions options,
        final ItemInfo info)
    {
        final ThreadContext ctx = loadKey(key, keyOffset, keyLength);
        return store.arithmetic(ctx, options, info(ctx, info));
    }

    private static ItemInfo info(final ThreadContext ctx, final ItemInfo info)
    {
        return info != null ? info : ctx.scratchInfo;
    }

    // ------------------------------------------------------------------------------------------------------------
    // byte[] and String level
    // ------------------------------------------------------------------------------------------------------------

    public byte[] get(final byte[] key)
    {
        return read(loadKey(key), null);
    }

    public byte[] get(final String key)
    {
        return read(loadKey(key), null);
    }

    public Entry getEntry(final String key)
    {
        final ItemInfo info = new ItemInfo();
        final byte[] value = read(loadKey(key), info);
        return value == null ? null : new Entry(value, info.flags(), info.cas());
    }

    private byte[] read(final ThreadContext ctx, final ItemInfo info)
    {
        final ItemReaderImpl reader = new ItemReaderImpl(this);
        final int length = store.fetch(ctx, GET, null, info != null ? info : ctx.scratchInfo, reader);
        if (length == MISS)
        {
            return null;
        }
        try
        {
            final byte[] value = new byte[length];
            final ByteBuffer wrapped = ByteBuffer.wrap(value);
            reader.read(wrapped);
            return value;
        }
        finally
        {
            reader.close();
        }
    }

    public StoreResult set(final String key, final byte[] value)
    {
        return store(StoreMode.SET, key, value, 0, 0, 0);
    }

    public StoreResult set(final String key, final byte[] value, final int flags, final int exptime)
    {
        return store(StoreMode.SET, key, value, flags, exptime, 0);
    }

    public StoreResult set(final byte[] key, final byte[] value, final int flags, final int exptime)
    {
        final ThreadContext ctx = loadKey(key);
        return storeArray(ctx, value, flags, exptime, StoreMode.SET, 0);
    }

    public StoreResult store(
        final StoreMode mode, final String key, final byte[] value, final int flags, final int exptime,
        final long cas)
    {
        return storeArray(loadKey(key), value, flags, exptime, mode, cas);
    }

    private StoreResult storeArray(
        final ThreadContext ctx, final byte[] value, final int flags, final int exptime, final StoreMode mode,
        final long cas)
    {
        final ValueAdapters.ArraySource source = ctx.adapters.arraySource.wrap(value, 0, value.length);
        try
        {
            return store(ctx, source, flags, exptime, ctx.storeOptions.reset().mode(mode).compareCas(cas), null);
        }
        finally
        {
            source.clear();
        }
    }

    public boolean delete(final String key)
    {
        final ThreadContext ctx = loadKey(key);
        return store.delete(ctx, ctx.deleteOptions.reset(), null) == DeleteResult.DELETED;
    }

    public OptionalLong incr(final String key, final long delta)
    {
        return delta(loadKey(key), true, delta);
    }

    public OptionalLong decr(final String key, final long delta)
    {
        return delta(loadKey(key), false, delta);
    }

    private OptionalLong delta(final ThreadContext ctx, final boolean incr, final long delta)
    {
        final ItemInfo info = ctx.scratchInfo;
        final DeltaResult result = store.arithmetic(ctx, ctx.arithmeticOptions.reset().incr(incr).delta(delta), info);
        switch (result)
        {
            case OK:
                return OptionalLong.of(info.numericValue());
            case NON_NUMERIC:
                throw new NonNumericValueException();
            case NO_MEMORY:
                throw new IllegalStateException("out of memory");
            default:
                return OptionalLong.empty();
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Streaming, whole cache
    // ------------------------------------------------------------------------------------------------------------

    public ItemWriter newWriter()
    {
        return new ItemWriterImpl(this);
    }

    public ItemReader newReader()
    {
        return new ItemReaderImpl(this);
    }

    public void flushAll()
    {
        flushAll(0);
    }

    public void flushAll(final int delay)
    {
        context().increment(Counters.FLUSH_CMDS);
        store.flushAll(delay);
    }

    public CacheConfig config()
    {
        return config;
    }

    public CacheAdmin admin()
    {
        return this;
    }

    public Agent backgroundWork()
    {
        return guardedBackground;
    }

    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (runner != null)
        {
            runner.close();
        }
        synchronized (guardedBackground)
        {
            // an embedder's step that started before the flag was set ends before the memory goes; later ones idle
        }
        crawler.stopAll(false);
        synchronized (registry)
        {
            // the maintainer is gone: drop the references queued bumps hold, those of dead threads' contexts too
            // (they are still registered), while the pages are there to write to
            releaseQueuedBumpsLocked();
        }
        synchronized (registry)
        {
            // Operations are not tracked (the get path takes no lock that could tell), so memory is freed at once only
            // when no other live thread has used the cache; otherwise the engine lets go of it, an operation still
            // running keeps what it reached, and the garbage collector returns the memory once nothing reaches it.
            // A thread that has not registered yet cannot start: register() checks the flag under this lock.
            final ThreadContext[] contexts = registered;
            boolean alone = true;
            for (int i = 0; i < registeredCount; i++)
            {
                alone &= !contexts[i].ownerAlive() || contexts[i].ownedBy(Thread.currentThread());
            }
            index.close(alone);
            slabs.close(alone);
            if (alone)
            {
                for (int i = 0; i < registeredCount; i++)
                {
                    contexts[i].release();
                }
            }
            while (spareCount > 0)
            {
                // dead threads' contexts: nothing can reach them any more
                spare[--spareCount].release();
                spare[spareCount] = null;
            }
            registeredCount = 0;
            registered = new ThreadContext[0];
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Statistics
    // ------------------------------------------------------------------------------------------------------------

    /** {@code stats} fields that are levels, not counters: {@code stats reset} leaves them alone. */
    private static final java.util.Set<String> GAUGES = java.util.Set.of(
        "limit_maxbytes", "hash_power_level", "hash_bytes", "hash_is_expanding", "slab_reassign_running",
        "lru_crawler_running", "bytes", "curr_items", "slab_global_page_pool",
        "chunk_size", "chunks_per_page", "total_pages", "total_chunks", "used_chunks", "free_chunks",
        "free_chunks_end", "number", "number_hot", "number_warm", "number_cold", "number_temp", "age_hot",
        "age_warm", "age", "mem_requested", "evicted_time");

    private long[] threadCounters()
    {
        final long[] sum = new long[Counters.SIZE];
        synchronized (registry)
        {
            System.arraycopy(retired, 0, sum, 0, sum.length);
            final ThreadContext[] contexts = registered;
            for (int i = 0; i < registeredCount; i++)
            {
                for (int c = 0; c < Counters.SIZE; c++)
                {
                    sum[c] += contexts[i].read(c);
                }
            }
        }
        return sum;
    }

    private static long classCounter(final long[] counters, final int cls, final int counter)
    {
        return counters[Counters.classCounter(cls, counter)];
    }

    private static long lruHits(final long[] counters, final int cls)
    {
        long total = 0;
        for (int lru = 0; lru < LRU_COUNT; lru++)
        {
            total += counters[Counters.lruHits(cls, lru)];
        }
        return total;
    }

    public CacheStats stats()
    {
        checkOpen();
        return collect(true, null);
    }

    private CacheStats collect(final boolean applyBaseline, final List<CacheStats.SlabClassStats> all)
    {
        final long[] t = threadCounters();
        final int now = store.now();
        final List<CacheStats.SlabClassStats> classes = new ArrayList<>();
        long bytes = 0;
        long currItems = 0;
        long activeSlabs = 0;
        final long[] totals = new long[16];
        long getHits = 0;
        long cmdSet = 0;
        long touchHits = 0;
        long deleteHits = 0;
        long incrHits = 0;
        long decrHits = 0;
        long casHits = 0;
        long casBadval = 0;
        for (int id = 1; id <= slabs.largest(); id++)
        {
            final SlabClass c = slabs.classes[id];
            final LinkedHashMap<String, Long> slab = new LinkedHashMap<>();
            final LinkedHashMap<String, Long> items = new LinkedHashMap<>();
            final long pages;
            final long number;
            synchronized (c)
            {
                pages = c.pageCount;
                number = c.itemCount();
                bytes += c.itemBytes();
                currItems += number;
                slab.put("chunk_size", (long)c.size);
                slab.put("chunks_per_page", (long)c.perSlab);
                slab.put("total_pages", pages);
                slab.put("total_chunks", pages * c.perSlab);
                slab.put("used_chunks", pages * c.perSlab - c.freeCount);
                slab.put("free_chunks", (long)c.freeCount);
                slab.put("free_chunks_end", 0L);
                slab.put("get_hits", lruHits(t, id));
                slab.put("cmd_set", classCounter(t, id, Counters.SET_CMDS));
                slab.put("delete_hits", classCounter(t, id, Counters.DELETE_HITS));
                slab.put("incr_hits", classCounter(t, id, Counters.INCR_HITS));
                slab.put("decr_hits", classCounter(t, id, Counters.DECR_HITS));
                slab.put("cas_hits", classCounter(t, id, Counters.CAS_HITS));
                slab.put("cas_badval", classCounter(t, id, Counters.CAS_BADVAL));
                slab.put("touch_hits", classCounter(t, id, Counters.TOUCH_HITS));

                items.put("number", number);
                items.put("number_hot", (long)c.counts[ItemDescriptor.HOT_LRU]);
                items.put("number_warm", (long)c.counts[ItemDescriptor.WARM_LRU]);
                items.put("number_cold", (long)c.counts[ItemDescriptor.COLD_LRU]);
                if (store.tempLru)
                {
                    items.put("number_temp", (long)c.counts[ItemDescriptor.TEMP_LRU]);
                }
                items.put("age_hot", age(c, ItemDescriptor.HOT_LRU, now));
                items.put("age_warm", age(c, ItemDescriptor.WARM_LRU, now));
                items.put("age", age(c, ItemDescriptor.COLD_LRU, now));
                items.put("mem_requested", c.itemBytes());
                items.put("evicted", c.evicted);
                items.put("evicted_nonzero", c.evictedNonzero);
                items.put("evicted_time", (long)c.evictedTime);
                items.put("outofmemory", c.outOfMemory);
                items.put("tailrepairs", c.tailRepairs);
                items.put("reclaimed", c.reclaimed);
                items.put("expired_unfetched", c.expiredUnfetched);
                items.put("evicted_unfetched", c.evictedUnfetched);
                items.put("evicted_active", c.evictedActive);
                items.put("crawler_reclaimed", c.crawlerReclaimed);
                items.put("crawler_items_checked", c.crawlerItemsChecked);
                items.put("lrutail_reflocked", c.lrutailReflocked);
                items.put("moves_to_cold", c.movesToCold);
                items.put("moves_to_warm", c.movesToWarm);
                items.put("moves_within_lru", c.movesWithinLru);
                items.put("direct_reclaims", c.directReclaims);
                items.put("hits_to_hot", t[Counters.lruHits(id, ItemDescriptor.HOT_LRU)]);
                items.put("hits_to_warm", t[Counters.lruHits(id, ItemDescriptor.WARM_LRU)]);
                items.put("hits_to_cold", t[Counters.lruHits(id, ItemDescriptor.COLD_LRU)]);
                items.put("hits_to_temp", t[Counters.lruHits(id, ItemDescriptor.TEMP_LRU)]);
            }
            if (applyBaseline)
            {
                synchronized (this)
                {
                    subtract(slab, classBaseline.get(-id));
                    subtract(items, classBaseline.get(id));
                }
            }
            if (all != null)
            {
                all.add(new CacheStats.SlabClassStats(id, slab, items));
            }
            int k = 0;
            for (final String name : new String[]{"expired_unfetched", "evicted_unfetched", "evicted_active",
                "evicted", "reclaimed", "crawler_reclaimed", "crawler_items_checked", "lrutail_reflocked",
                "moves_to_cold", "moves_to_warm", "moves_within_lru", "direct_reclaims"})
            {
                totals[k++] += items.get(name);
            }
            getHits += slab.get("get_hits");
            cmdSet += slab.get("cmd_set");
            touchHits += slab.get("touch_hits");
            deleteHits += slab.get("delete_hits");
            incrHits += slab.get("incr_hits");
            decrHits += slab.get("decr_hits");
            casHits += slab.get("cas_hits");
            casBadval += slab.get("cas_badval");
            if (pages > 0)
            {
                activeSlabs++;
            }
            if (pages > 0 || number > 0)
            {
                classes.add(new CacheStats.SlabClassStats(id, slab, items));
            }
        }

        final LinkedHashMap<String, Long> g = new LinkedHashMap<>();
        g.put("cmd_get", t[Counters.GET_CMDS]);
        g.put("cmd_set", cmdSet);
        g.put("cmd_flush", t[Counters.FLUSH_CMDS]);
        g.put("cmd_touch", t[Counters.TOUCH_CMDS]);
        g.put("get_hits", getHits);
        g.put("get_misses", t[Counters.GET_MISSES]);
        g.put("get_expired", t[Counters.GET_EXPIRED]);
        g.put("get_flushed", t[Counters.GET_FLUSHED]);
        g.put("delete_misses", t[Counters.DELETE_MISSES]);
        g.put("delete_hits", deleteHits);
        g.put("incr_misses", t[Counters.INCR_MISSES]);
        g.put("incr_hits", incrHits);
        g.put("decr_misses", t[Counters.DECR_MISSES]);
        g.put("decr_hits", decrHits);
        g.put("cas_misses", t[Counters.CAS_MISSES]);
        g.put("cas_hits", casHits);
        g.put("cas_badval", casBadval);
        g.put("touch_hits", touchHits);
        g.put("touch_misses", t[Counters.TOUCH_MISSES]);
        g.put("store_too_large", t[Counters.STORE_TOO_LARGE]);
        g.put("store_no_memory", t[Counters.STORE_NO_MEMORY]);
        g.put("limit_maxbytes", slabs.memoryLimit());
        g.put("hash_power_level", (long)index.powerLevel());
        g.put("hash_bytes", index.bytes());
        g.put("hash_is_expanding", index.expanding() ? 1L : 0L);
        g.put("slab_reassign_rescues", mover.rescues.get());
        g.put("slab_reassign_chunk_rescues", mover.chunkRescues.get());
        g.put("slab_reassign_inline_reclaim", mover.inlineReclaim.get());
        g.put("slab_reassign_busy_items", mover.busyItems.get());
        g.put("slab_reassign_busy_deletes", mover.busyDeletes.get());
        g.put("slab_reassign_busy_nomem", mover.busyNoMemory.get());
        g.put("slab_reassign_running", mover.running() ? 1L : 0L);
        g.put("slabs_moved", mover.slabsMoved.get());
        g.put("lru_crawler_running", crawler.running() ? 1L : 0L);
        g.put("lru_crawler_starts", crawler.starts.get());
        g.put("lru_maintainer_juggles", maintainer.juggles.get());
        g.put("malloc_fails", slabs.mallocFails());
        g.put("bytes", bytes);
        g.put("curr_items", currItems);
        // memcached links each item its page mover rescues as a new one
        g.put("total_items", t[Counters.TOTAL_ITEMS] + mover.rescues.get());
        g.put("slab_global_page_pool", (long)slabs.globalPoolSize());
        final String[] totalNames = {"expired_unfetched", "evicted_unfetched", "evicted_active", "evictions",
            "reclaimed", "crawler_reclaimed", "crawler_items_checked", "lrutail_reflocked", "moves_to_cold",
            "moves_to_warm", "moves_within_lru", "direct_reclaims"};
        for (int k = 0; k < totalNames.length; k++)
        {
            g.put(totalNames[k], totals[k]);
        }
        g.put("lru_bumps_dropped", t[Counters.LRU_BUMPS_DROPPED]);
        final Map<String, Long> base;
        synchronized (this)
        {
            base = applyBaseline ? baseline : Map.of();
        }
        for (final String name : List.of("cmd_get", "cmd_flush", "cmd_touch", "get_misses", "get_expired",
            "get_flushed", "delete_misses", "incr_misses", "decr_misses", "cas_misses", "touch_misses",
            "store_too_large", "store_no_memory", "slab_reassign_rescues", "slab_reassign_chunk_rescues",
            "slab_reassign_busy_items", "slab_reassign_busy_deletes", "slab_reassign_busy_nomem", "slabs_moved",
            "lru_crawler_starts", "lru_maintainer_juggles", "malloc_fails", "total_items", "lru_bumps_dropped"))
        {
            final Long b = base.get(name);
            if (b != null)
            {
                g.put(name, g.get(name) - b);
            }
        }

        SortedMap<Integer, Long> sizes = null;
        if (store.sizes != null)
        {
            sizes = new TreeMap<>();
            for (int i = 0; i < store.sizes.length(); i++)
            {
                final int count = store.sizes.get(i);
                if (count != 0)
                {
                    sizes.put(i * 32, (long)count);
                }
            }
        }
        return new CacheStats(g, classes, activeSlabs, slabs.totalMalloced(), sizes);
    }

    private long age(final SlabClass c, final int lru, final int now)
    {
        final int tail = maintainer.lastItem(c, lru);
        if (tail == 0)
        {
            return 0;
        }
        return now - store.region(tail).getInt(ItemDescriptor.offset(tail) + ItemDescriptor.TIME_OFFSET);
    }

    private static void subtract(final LinkedHashMap<String, Long> values, final Map<String, Long> base)
    {
        if (base == null)
        {
            return;
        }
        for (final Map.Entry<String, Long> e : values.entrySet())
        {
            final Long b = base.get(e.getKey());
            if (b != null && !GAUGES.contains(e.getKey()))
            {
                e.setValue(e.getValue() - b);
            }
        }
    }

    public void resetStats()
    {
        checkOpen();
        final List<CacheStats.SlabClassStats> all = new ArrayList<>();
        final CacheStats raw = collect(false, all);
        synchronized (this)
        {
            baseline = new LinkedHashMap<>(raw.general());
            classBaseline.clear();
            for (final CacheStats.SlabClassStats c : all)
            {
                classBaseline.put(c.id(), new LinkedHashMap<>(c.items()));
                classBaseline.put(-c.id(), new LinkedHashMap<>(c.slabs()));
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Administration
    // ------------------------------------------------------------------------------------------------------------

    public ReassignResult slabsReassign(final int src, final int dst)
    {
        checkOpen();
        if (!mover.reassignEnabled)
        {
            return ReassignResult.DISABLED;
        }
        switch (mover.reassign(src, dst, true))
        {
            case OK:
                return ReassignResult.OK;
            case BUSY:
                return ReassignResult.BUSY;
            case NOSPARE:
                return ReassignResult.NOSPARE;
            case SAME:
                return ReassignResult.SAME;
            default:
                return ReassignResult.BADCLASS;
        }
    }

    public void slabsAutomove(final int mode)
    {
        checkOpen();
        if (mode < 0 || mode > 2)
        {
            throw new IllegalArgumentException("slab_automove must be between 0 and 2");
        }
        mover.automove = mode;
    }

    public void slabsAutomoveRatio(final double ratio)
    {
        checkOpen();
        rebalancer.maxAgeRatio = ratio;
    }

    public void slabsAutomoveWindow(final int seconds)
    {
        checkOpen();
        automoveWindowSeconds = seconds;
        rebalancer.requestedWindow = Math.max(1, Math.min(seconds, SlabRebalancer.MAX_WINDOW));
    }

    public int currentTime()
    {
        checkOpen();
        return store.now();
    }

    @Override
    public long takeCasValue()
    {
        checkOpen();
        return store.nextCas();
    }

    public Tunables tunables()
    {
        checkOpen();
        return new Tunables(slabs.memoryLimit(), store.oldestLive(), mover.automove, rebalancer.maxAgeRatio,
            automoveWindowSeconds, crawler.enabled, crawler.sleepMicros, crawler.tocrawl, store.lruSegmented,
            store.hotLruPct, store.warmLruPct, store.hotMaxFactor, store.warmMaxFactor, store.tempLru,
            store.temporaryTtl);
    }

    public void lruTune(final int hotPct, final int warmPct, final double hotMaxFactor, final double warmMaxFactor)
    {
        checkOpen();
        // memcached adds its two unsigned 32-bit percentages in 32 bits, and keeps each in an int: a sum that wraps
        // passes, and a percentage above 2^31 is negative (its share of memory, then, is below nothing)
        if (((Integer.toUnsignedLong(hotPct) + Integer.toUnsignedLong(warmPct)) & 0xFFFF_FFFFL) > 80)
        {
            throw new IllegalArgumentException("hot and warm pcts must not exceed 80");
        }
        // memcached's check, in its form: a NaN or an infinity passes (its age limit is then 0)
        if (warmMaxFactor <= 0 || hotMaxFactor <= 0)
        {
            throw new IllegalArgumentException("hot/warm age factors must be greater than 0");
        }
        store.hotLruPct = hotPct;
        store.warmLruPct = warmPct;
        store.hotMaxFactor = hotMaxFactor;
        store.warmMaxFactor = warmMaxFactor;
    }

    public boolean lruMode(final boolean segmented)
    {
        checkOpen();
        if (!maintainer.enabled)
        {
            return false;
        }
        store.lruSegmented = segmented;
        return true;
    }

    public boolean lruTempTtl(final int ttl)
    {
        checkOpen();
        if (!maintainer.enabled)
        {
            return false;
        }
        if (ttl < 0)
        {
            store.tempLru = false;
        }
        else
        {
            store.tempLru = true;
            store.temporaryTtl = ttl;
        }
        return true;
    }

    public void lruCrawlerEnabled(final boolean enabled)
    {
        checkOpen();
        synchronized (crawler)
        {
            final boolean was = crawler.enabled;
            crawler.enabled = enabled;
            if (!enabled && was)
            {
                // memcached's crawler thread wakes, ends its run (or finds none) and says it sleeps, then stops
                if (!crawler.stopAll(true))
                {
                    traceSafely(config.trace()::crawlerIdle);
                }
                traceSafely(config.trace()::crawlerStopping);
            }
            else if (enabled && !was)
            {
                traceSafely(config.trace()::crawlerStarted);
            }
        }
    }

    public void stopBackgroundWork()
    {
        if (closed)
        {
            // close() has stopped everything already
            return;
        }
        lruCrawlerEnabled(false);
        synchronized (crawler)
        {
            if (maintainer.enabled)
            {
                maintainer.enabled = false;
                traceSafely(config.trace()::maintainerStopping);
            }
        }
        // nothing applies queued bumps any more: apply them now, dropping the references they hold
        synchronized (registry)
        {
            releaseQueuedBumpsLocked();
        }
    }

    static void traceSafely(final Runnable call)
    {
        try
        {
            call.run();
        }
        catch (final RuntimeException ex)
        {
            reportError(ex);
        }
    }

    public void lruCrawlerSleep(final int micros)
    {
        checkOpen();
        if (micros < 0 || micros > 1_000_000)
        {
            throw new IllegalArgumentException("sleep must be one second or less");
        }
        crawler.sleepMicros = micros;
    }

    public void lruCrawlerTocrawl(final int items)
    {
        checkOpen();
        crawler.tocrawl = items;
    }

    private boolean[] crawlIds(final int[] classIds)
    {
        final boolean[] ids = new boolean[SlabClassTable.MAX_CLASSES * LRU_COUNT];
        if (classIds == null)
        {
            java.util.Arrays.fill(ids, true);
            return ids;
        }
        for (final int id : classIds)
        {
            if (id < 1 || id >= SlabClassTable.MAX_CLASSES)
            {
                return null;
            }
            for (int lru = 0; lru < LRU_COUNT; lru++)
            {
                ids[id * LRU_COUNT + lru] = true;
            }
        }
        return ids;
    }

    private static CrawlResult crawlResult(final int started)
    {
        if (started == LruCrawler.START_BUSY)
        {
            return CrawlResult.BUSY;
        }
        if (started == LruCrawler.START_ERROR)
        {
            return CrawlResult.ERROR;
        }
        return started > 0 ? CrawlResult.OK : CrawlResult.NOTSTARTED;
    }

    public CrawlResult lruCrawlerCrawl(final int[] classIds)
    {
        checkOpen();
        final boolean[] ids = crawlIds(classIds);
        if (ids == null)
        {
            return CrawlResult.BADCLASS;
        }
        return crawlResult(crawler.start(ids, crawler.tocrawl, LruCrawler.Module.EXPIRED, null));
    }

    public CrawlResult lruCrawlerDump(
        final int[] classIds, final boolean hash, final boolean keysOnly, final CrawlSink sink)
    {
        checkOpen();
        final boolean[] ids = hash ? null : crawlIds(classIds);
        if (!hash && ids == null)
        {
            return CrawlResult.BADCLASS;
        }
        final LruCrawler.Module module = keysOnly ? LruCrawler.Module.MGDUMP : LruCrawler.Module.METADUMP;
        return crawlResult(crawler.start(ids, 0, module, sink));
    }

    public void itemEvents(final ItemEvents listener, final int streams)
    {
        if (closed && listener == null)
        {
            // nothing is sent any more: stopping is a no-op, as a connection that watched may stop after a close
            return;
        }
        checkOpen();
        store.itemEvents(listener, streams);
    }

    public void cachedump(final int classId, final int limit, final CachedumpVisitor visitor)
    {
        checkOpen();
        if (classId < 1 || classId > slabs.largest())
        {
            return;
        }
        final SlabClass c = slabs.classes[classId];
        final byte[] key = new byte[ThreadContext.KEY_CAPACITY];
        final long started = store.clock.processStarted();
        int shown = 0;
        synchronized (c)
        {
            int it = c.heads[ItemDescriptor.COLD_LRU];
            while (it != 0 && (limit == 0 || shown < limit))
            {
                final Region r = store.region(it);
                final int o = ItemDescriptor.offset(it);
                final int state = r.getIntVolatile(o + ItemDescriptor.STATE_OFFSET);
                final int next = r.getInt(o + ItemDescriptor.NEXT_OFFSET);
                if ((state & (ItemDescriptor.CRAWLER | ItemDescriptor.KEY_BINARY)) == 0)
                {
                    final int keyLength = store.nkeyOf(r, o);
                    r.getBytes(o + store.keyOffset(state), key, 0, keyLength);
                    final int exptime = r.getInt(o + ItemDescriptor.EXPTIME_OFFSET);
                    visitor.item(key, keyLength, r.getInt(o + ItemDescriptor.NBYTES_OFFSET),
                        exptime == 0 ? 0 : exptime + started);
                    shown++;
                }
                it = next;
            }
        }
    }

    public boolean adjustMemoryLimit(final long bytes)
    {
        checkOpen();
        final int pageSize = slabs.table.pageSize();
        if (bytes < pageSize)
        {
            throw new IllegalArgumentException("memory limit of " + bytes + " bytes is below one slab page (" +
                pageSize + " bytes)");
        }
        if (config.preallocate())
        {
            return false;
        }
        // a limit no page could be had for is refused as memcached refuses one it cannot apply, not thrown: a
        // client may send cache_memlimit any value its protocol allows, and the JVM's cap is this process's bound
        if ((bytes >>> 20) > ItemDescriptor.MAX_PAGES || !directMemoryAllows(bytes, index.bytes()))
        {
            return false;
        }
        slabs.adjustMemoryLimit(bytes);
        // the operator's word that memory may have changed: the index may try to grow again too
        index.retryGrowth();
        return true;
    }

    public String slabClassTable()
    {
        checkOpen();
        return slabs.table.describe();
    }
}
