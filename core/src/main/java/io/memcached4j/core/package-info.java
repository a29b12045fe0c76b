/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */

/**
 * The memcached4j engine: an off-heap cache with memcached 1.6's semantics, to embed in an application or to serve
 * over the wire. Start at {@link io.memcached4j.core.MemcachedCache} and {@link io.memcached4j.core.CacheBuilder}.
 * <p>
 * Inside, the package mirrors memcached's own split: {@code SlabAllocator} (slabs.c: pages, slab classes, free
 * lists), {@code HashIndex} (assoc.c), {@code ItemStore} (items.c and the store logic of memcached.c, with the
 * segmented LRU), {@code LruMaintainer}, {@code LruCrawler} (crawler.c) and {@code SlabRebalancer} /
 * {@code PageMover} (slabs_mover.c, slab_automove.c). {@code ItemDescriptor} describes the off-heap item layout, and
 * all memory goes through {@code Region}, which has an Agrona {@code UnsafeBuffer} implementation and a flag-free
 * {@code VarHandle} one.
 * <p>
 * <b>Lock order</b>, once for the whole package:
 * <ol>
 *     <li>a hash stripe's {@code StripeLock} (at most one per thread, except that LRU-side code may
 *     <i>try</i> further stripes);</li>
 *     <li>a slab class's lock (the largest class's before any other, when both are needed);</li>
 *     <li>the allocator's page lock;</li>
 *     <li>the mover's and crawler's own locks are taken before any of the above;</li>
 *     <li>the engine's registry of thread contexts, then the engine's monitor (under which queued LRU bumps are
 *     applied), are taken before any stripe or class lock, and never by a thread holding one.</li>
 * </ol>
 * Code that reaches an item from an LRU (eviction, maintainer, crawler, page mover) holds a class lock first and so
 * only tries stripe locks. Methods named {@code …Locked} expect their caller to hold the lock their javadoc names.
 */
package io.memcached4j.core;
