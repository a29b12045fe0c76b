/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import static io.memcached4j.core.ItemDescriptor.CLSID_OFFSET;
import static io.memcached4j.core.ItemDescriptor.NEXT_OFFSET;
import static io.memcached4j.core.ItemDescriptor.PREV_OFFSET;
import static io.memcached4j.core.ItemDescriptor.REFCOUNT_ONE;
import static io.memcached4j.core.ItemDescriptor.SLABBED;
import static io.memcached4j.core.ItemDescriptor.STATE_OFFSET;

import java.nio.ByteBuffer;

/**
 * The slab allocator (memcached's slabs.c): 1 MiB pages taken lazily up to the memory limit and never beyond, each
 * owned by one slab class and cut into that class's chunks, with a free list per class and a global pool of pages
 * that belong to no class.
 * <p>
 * Concurrency: a class's free list and page list are guarded by its {@link SlabClass#lock}; page accounting (how many
 * pages exist, the global pool, the limit) by {@link #pageLock}, a leaf lock taken inside a class lock. The page table
 * {@link #pages} is written once per page before any ref into the page is published, and only read afterwards.
 * Unlike memcached, which lets every class take its first page beyond {@code -m}, this allocator never exceeds the
 * limit; a class without pages gets one by reassignment instead (see {@link Engine}).
 * <p>
 * <b>No direct memory.</b> The JVM may refuse a page before the limit is reached ({@code -XX:MaxDirectMemorySize},
 * shared with the rest of the application). Each refusal costs the caller the JDK's wait for the garbage collector
 * (about half a second), so the allocator remembers it: it then behaves as if the limit were reached (allocation
 * evicts, or with {@code -M} fails), reports the refusal once to the {@link EngineTrace}, and does not ask the JVM
 * again until the limit is set again ({@link #adjustMemoryLimit}, {@code cache_memlimit}), the one event that says
 * the memory available may have changed. A flush frees no direct memory (pages stay with their classes), so it does
 * not retry.
 */
final class SlabAllocator
{
    /** Bytes of the system page: null ref space plus one crawler cursor per class and LRU. */
    static final int SYSTEM_PAGE_SIZE = ItemDescriptor.CURSOR_LENGTH *
        (1 + SlabClassTable.MAX_CLASSES * ItemDescriptor.LRU_COUNT);

    final SlabClassTable table;
    final SlabClass[] classes;
    final Region[] pages = new Region[ItemDescriptor.MAX_PAGES + 1];
    final int[] pageOwner = new int[ItemDescriptor.MAX_PAGES + 1];
    private final DirectMemory.PageArena arena;
    private final ByteBuffer systemBuffer;

    final Object pageLock = new Object();
    /* guarded by pageLock */
    private int limitPages;
    private int pagesAllocated;
    private int[] globalPool = new int[16];
    private int globalPoolCount;
    private long mallocFails;
    /** The JVM refused a page: take no more until the limit is set again. */
    private boolean directMemoryRefused;
    private volatile boolean limitReached;
    private final EngineTrace trace;

    SlabAllocator(final SlabClassTable table, final long memoryLimit, final boolean preallocate)
    {
        this(table, memoryLimit, preallocate, DirectMemory.newPageArena(), new EngineTrace()
        {
        });
    }

    /**
     * An allocator over a page arena.
     *
     * @param arena where pages come from; closed with the allocator.
     * @param trace told once when the JVM refuses a page.
     */
    SlabAllocator(
        final SlabClassTable table, final long memoryLimit, final boolean preallocate,
        final DirectMemory.PageArena arena, final EngineTrace trace)
    {
        this.table = table;
        this.trace = trace;
        this.classes = new SlabClass[table.largest() + 1];
        for (int id = 1; id <= table.largest(); id++)
        {
            classes[id] = new SlabClass(id, table.size(id), table.perSlab(id));
        }
        this.limitPages = (int)Math.min(ItemDescriptor.MAX_PAGES, memoryLimit / table.pageSize());
        this.arena = arena;
        this.systemBuffer = DirectMemory.allocate(SYSTEM_PAGE_SIZE);
        pages[0] = MemoryPath.wrap(systemBuffer);
    }

    /**
     * memcached's {@code -L} at start: one page for every class, smallest first, so that no class meets an out of
     * memory error while it has no page at all (memcached's {@code slabs_preallocate}). The other pages come as
     * classes need them, up to the limit.
     *
     * @return false when the limit cannot hold a page for every class; the classes keep the pages they got.
     */
    boolean preallocateClasses()
    {
        for (int id = 1; id <= table.largest(); id++)
        {
            final SlabClass c = classes[id];
            synchronized (c)
            {
                if (c.pageCount == 0 && !newPageLocked(c))
                {
                    return false;
                }
            }
        }
        return true;
    }

    Region region(final int ref)
    {
        return pages[ItemDescriptor.page(ref)];
    }

    SlabClass slabClass(final int id)
    {
        return classes[id];
    }

    int largest()
    {
        return table.largest();
    }

    /**
     * Take a chunk from the class's free list, growing the class by a page if it can. Caller holds the class lock.
     *
     * @return the chunk's ref with refcount 1 and no flags, or 0 when the class has no free chunk and no page can be
     * had.
     */
    int allocLocked(final SlabClass c)
    {
        if (c.freeHead == 0 && !newPageLocked(c))
        {
            return 0;
        }
        final int ref = c.freeHead;
        final Region region = region(ref);
        final int offset = ItemDescriptor.offset(ref);
        unlinkFreeLocked(c, ref, region, offset);
        region.putIntRelease(offset + STATE_OFFSET, REFCOUNT_ONE);
        return ref;
    }

    /**
     * Take a chunk only from the free list, never growing the class, and never from the page being drained.
     * Caller holds the class lock.
     *
     * @return a chunk ref, or 0.
     */
    int allocNoGrowLocked(final SlabClass c)
    {
        if (c.freeHead == 0)
        {
            return 0;
        }
        return allocLocked(c);
    }

    /**
     * Return a chunk to its class. Caller holds the class lock. A chunk of the page being drained stays off the
     * free list: the page mover collects it.
     */
    void freeLocked(final SlabClass c, final int ref)
    {
        final Region region = region(ref);
        final int offset = ItemDescriptor.offset(ref);
        region.putByte(offset + CLSID_OFFSET, (byte)c.id);
        region.putIntRelease(offset + STATE_OFFSET, SLABBED);
        if (ItemDescriptor.page(ref) == c.drainingPage)
        {
            c.drainingFreed++;
            region.putInt(offset + PREV_OFFSET, 0);
            region.putInt(offset + NEXT_OFFSET, 0);
            return;
        }
        pushFreeLocked(c, ref, region, offset);
    }

    private void pushFreeLocked(final SlabClass c, final int ref, final Region region, final int offset)
    {
        final int head = c.freeHead;
        region.putInt(offset + PREV_OFFSET, 0);
        region.putInt(offset + NEXT_OFFSET, head);
        if (head != 0)
        {
            region(head).putInt(ItemDescriptor.offset(head) + PREV_OFFSET, ref);
        }
        c.freeHead = ref;
        c.freeCount = c.freeCount + 1;
    }

    /**
     * Take a free chunk off its class's free list (for the page mover). Caller holds the class lock.
     */
    void unlinkFreeLocked(final SlabClass c, final int ref, final Region region, final int offset)
    {
        final int prev = region.getInt(offset + PREV_OFFSET);
        final int next = region.getInt(offset + NEXT_OFFSET);
        if (c.freeHead == ref)
        {
            c.freeHead = next;
        }
        if (prev != 0)
        {
            region(prev).putInt(ItemDescriptor.offset(prev) + NEXT_OFFSET, next);
        }
        if (next != 0)
        {
            region(next).putInt(ItemDescriptor.offset(next) + PREV_OFFSET, prev);
        }
        region.putInt(offset + PREV_OFFSET, 0);
        region.putInt(offset + NEXT_OFFSET, 0);
        c.freeCount = c.freeCount - 1;
    }

    /**
     * Give the class one more page: from the global pool, else newly allocated if under the limit. Caller holds
     * the class lock.
     */
    boolean newPageLocked(final SlabClass c)
    {
        final int page;
        synchronized (pageLock)
        {
            int p = popGlobalPoolLocked();
            if (p == 0)
            {
                if (pagesAllocated >= limitPages || directMemoryRefused)
                {
                    limitReached = true;
                    return false;
                }
                p = allocatePageLocked();
                if (p == 0)
                {
                    return false;
                }
            }
            pageOwner[p] = c.id;
            page = p;
        }
        splitPageLocked(c, page);
        c.addPage(page);
        return true;
    }

    /**
     * Cut a page into the class's chunks and put them all on its free list. Caller holds the class lock.
     */
    void splitPageLocked(final SlabClass c, final int page)
    {
        final Region region = pages[page];
        region.setMemory(0, table.pageSize(), (byte)0);
        // push in reverse so that allocation walks the page upwards
        for (int i = c.perSlab - 1; i >= 0; i--)
        {
            final int offset = i * c.size;
            region.putByte(offset + CLSID_OFFSET, (byte)c.id);
            region.putInt(offset + STATE_OFFSET, SLABBED);
            pushFreeLocked(c, ItemDescriptor.ref(page, offset), region, offset);
        }
    }

    private int allocatePageLocked()
    {
        final int page = pagesAllocated + 1;
        if (page > ItemDescriptor.MAX_PAGES)
        {
            return 0;
        }
        final ByteBuffer buffer;
        try
        {
            buffer = arena.allocate(table.pageSize());
        }
        catch (final OutOfMemoryError ex)
        {
            mallocFails++;
            directMemoryRefused = true;
            limitReached = true;
            Engine.traceSafely(() -> trace.directMemoryRefused("slab page", table.pageSize()));
            return 0;
        }
        pages[page] = MemoryPath.wrap(buffer);
        pagesAllocated = page;
        return page;
    }

    /**
     * Give a page that no class owns any more to the global pool. Caller holds {@link #pageLock}.
     */
    void pushGlobalPoolLocked(final int page)
    {
        if (globalPoolCount == globalPool.length)
        {
            globalPool = java.util.Arrays.copyOf(globalPool, globalPool.length * 2);
        }
        globalPool[globalPoolCount++] = page;
        pageOwner[page] = 0;
    }

    private int popGlobalPoolLocked()
    {
        if (globalPoolCount == 0)
        {
            return 0;
        }
        return globalPool[--globalPoolCount];
    }

    int globalPoolSize()
    {
        synchronized (pageLock)
        {
            return globalPoolCount;
        }
    }

    int pagesAllocated()
    {
        synchronized (pageLock)
        {
            return pagesAllocated;
        }
    }

    long totalMalloced()
    {
        return (long)pagesAllocated() * table.pageSize();
    }

    long mallocFails()
    {
        synchronized (pageLock)
        {
            return mallocFails;
        }
    }

    boolean limitReached()
    {
        return limitReached;
    }

    long memoryLimit()
    {
        synchronized (pageLock)
        {
            return (long)limitPages * table.pageSize();
        }
    }

    /**
     * Change the memory limit ({@code cache_memlimit}). Pages already handed out stay until the rebalancer
     * returns them; only growth stops. A page the JVM refused before may be asked for again.
     */
    void adjustMemoryLimit(final long bytes)
    {
        synchronized (pageLock)
        {
            limitPages = (int)Math.min(ItemDescriptor.MAX_PAGES, bytes / table.pageSize());
            limitReached = false;
            directMemoryRefused = false;
        }
    }

    /**
     * Whether the JVM refused a page since the limit was last set.
     *
     * @return true while no page is asked for.
     */
    boolean directMemoryRefused()
    {
        synchronized (pageLock)
        {
            return directMemoryRefused;
        }
    }

    /**
     * Whether a new page may be taken (the pool has one or the limit allows one).
     */
    boolean pageAvailable()
    {
        synchronized (pageLock)
        {
            return globalPoolCount > 0 || (pagesAllocated < limitPages && !directMemoryRefused);
        }
    }

    /**
     * Let go of the pages.
     *
     * @param free whether to free their memory now (no other thread can be using them), or leave it to the garbage
     *             collector, which returns a page once no running operation reaches it. A foreign arena is closed
     *             either way: its accesses are checked, so one still running fails instead of reaching freed memory.
     */
    void close(final boolean free)
    {
        arena.close(free);
        java.util.Arrays.fill(pages, null);
        if (free)
        {
            DirectMemory.free(systemBuffer);
        }
    }
}
