/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.OptionalLong;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;

/**
 * An off-heap cache with memcached's semantics: the same storage commands, expiry rules, CAS values, LRU, item size
 * limit and statistics as memcached 1.6, with no cached data on the Java heap. Build one with {@link #builder()} and
 * close it to release its memory. Threadsafe.
 * <p>
 * Three levels of API:
 * <ul>
 *     <li>zero-allocation methods over {@link ByteBuffer}s and Agrona buffers: a get copies the value into the
 *     caller's buffer and allocates nothing. Agrona's own buffers reach {@code jdk.internal.misc.Unsafe}, so the
 *     overloads over them need {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED} (Agrona cannot make a
 *     buffer without it); the {@code ByteBuffer} methods need no JVM option;</li>
 *     <li>convenient methods over {@code byte[]} and {@link String} keys (UTF-8; a string that is not well-formed
 *     UTF-16, such as one with an unpaired surrogate, has no UTF-8 form and is an {@link InvalidKeyException})
 *     that return new arrays;</li>
 *     <li>{@link ItemWriter} and {@link ItemReader} for values that arrive or leave in pieces.</li>
 * </ul>
 * The option classes ({@link FetchOptions}, {@link StoreOptions}, {@link DeleteOptions}, {@link ArithmeticOptions})
 * expose the meta protocol's behaviour (recache tokens, invalidation, vivify on miss), so that an application sees
 * exactly what a memcached client sees over the wire.
 * <p>
 * Keys are 1 to 250 bytes of any value; a bad key throws {@link InvalidKeyException} before the cache is touched.
 * Expiry times are memcached exptimes: 0 never, up to 30 days relative seconds, larger values a Unix time, negative
 * already expired. Client flags are 32-bit unsigned values carried in an {@code int}.
 */
public interface MemcachedCache extends AutoCloseable
{
    /**
     * What a fetch returns for a missing key.
     */
    int MISS = -1;

    /**
     * A builder with memcached's default settings.
     *
     * @return a new builder.
     */
    static CacheBuilder builder()
    {
        return new CacheBuilder();
    }

    // ---- zero-allocation level -------------------------------------------------------------------------------------

    /**
     * {@code get}: copy the value into {@code value} if it fits, moving its position.
     * <p>
     * On a miss, or when the value does not fit, the position and limit of {@code value} are unchanged, but the
     * bytes after its position may have been overwritten: a get copies while it reads without a lock and checks
     * afterwards that no write raced it, so a read that lost such a race and then found the key gone (or grown)
     * leaves what it had copied.
     *
     * @param key   the key: bytes from position to limit; the position is not moved.
     * @param value where the value goes.
     * @return the value length (larger than the remaining space of {@code value} when the value did not fit), or
     * {@link #MISS}.
     * @throws java.nio.ReadOnlyBufferException if {@code value} is read-only, before the cache is touched.
     */
    int get(ByteBuffer key, ByteBuffer value);

    /**
     * {@code gets}: a get that also reports flags, CAS value and the rest. {@code value} is treated as by
     * {@link #get(ByteBuffer, ByteBuffer)}.
     *
     * @param key   the key.
     * @param value where the value goes.
     * @param info  receives the item's details.
     * @return the value length, or {@link #MISS}.
     * @throws java.nio.ReadOnlyBufferException if {@code value} is read-only, before the cache is touched.
     */
    int get(ByteBuffer key, ByteBuffer value, ItemInfo info);

    /**
     * A fetch with options: {@code gat}, {@code touch}, or the meta {@code mg} flags. {@code value} is treated as by
     * {@link #get(ByteBuffer, ByteBuffer)}: on a miss or a value that does not fit, its position and limit are
     * unchanged but bytes after its position may have been overwritten.
     *
     * @param key     the key.
     * @param options how to fetch.
     * @param value   where the value goes if it fits, or null to fetch only metadata.
     * @param info    receives the item's details, or null.
     * @return the value length, or {@link #MISS}.
     * @throws java.nio.ReadOnlyBufferException if {@code value} is read-only, before the cache is touched (nothing
     *                                          is touched, vivified or counted).
     */
    int fetch(ByteBuffer key, FetchOptions options, ByteBuffer value, ItemInfo info);

    /**
     * A fetch with options, over Agrona buffers.
     *
     * @param key         the buffer holding the key.
     * @param keyOffset   where the key starts.
     * @param keyLength   key length.
     * @param options     how to fetch.
     * @param value       where the value goes if it fits (from {@code valueOffset} to its capacity), or null. On a
     *                    miss or a value that does not fit, bytes from {@code valueOffset} on may have been
     *                    overwritten, as by {@link #get(ByteBuffer, ByteBuffer)}.
     * @param valueOffset where in {@code value}: 0 to its capacity.
     * @param info        receives the item's details, or null.
     * @return the value length, or {@link #MISS}.
     * @throws IndexOutOfBoundsException if {@code valueOffset} is outside {@code value}, before the cache is
     *                                   touched.
     */
    int fetch(DirectBuffer key, int keyOffset, int keyLength, FetchOptions options, MutableDirectBuffer value,
        int valueOffset, ItemInfo info);

    /**
     * {@code touch}: set a new expiry.
     *
     * @param key     the key.
     * @param exptime memcached exptime.
     * @return true if the item exists.
     */
    boolean touch(ByteBuffer key, int exptime);

    /**
     * {@code set}.
     *
     * @param key     the key.
     * @param value   the value: bytes from position to limit; the position is not moved.
     * @param flags   client flags.
     * @param exptime memcached exptime.
     * @return the outcome.
     */
    StoreResult set(ByteBuffer key, ByteBuffer value, int flags, int exptime);

    /**
     * {@code add}: store only if absent.
     *
     * @param key     the key.
     * @param value   the value.
     * @param flags   client flags.
     * @param exptime memcached exptime.
     * @return the outcome.
     */
    StoreResult add(ByteBuffer key, ByteBuffer value, int flags, int exptime);

    /**
     * {@code replace}: store only if present.
     *
     * @param key     the key.
     * @param value   the value.
     * @param flags   client flags.
     * @param exptime memcached exptime.
     * @return the outcome.
     */
    StoreResult replace(ByteBuffer key, ByteBuffer value, int flags, int exptime);

    /**
     * {@code append}: add bytes after the existing value.
     *
     * @param key   the key.
     * @param value the bytes to add.
     * @return the outcome.
     */
    StoreResult append(ByteBuffer key, ByteBuffer value);

    /**
     * {@code prepend}: add bytes before the existing value.
     *
     * @param key   the key.
     * @param value the bytes to add.
     * @return the outcome.
     */
    StoreResult prepend(ByteBuffer key, ByteBuffer value);

    /**
     * {@code cas}: store only if the item's CAS value is unchanged.
     *
     * @param key     the key.
     * @param value   the value.
     * @param flags   client flags.
     * @param exptime memcached exptime.
     * @param cas     the CAS value the item must have.
     * @return the outcome.
     */
    StoreResult cas(ByteBuffer key, ByteBuffer value, int flags, int exptime, long cas);

    /**
     * A store with options: any storage command or the meta {@code ms} flags.
     *
     * @param key     the key.
     * @param value   the value.
     * @param flags   client flags.
     * @param exptime memcached exptime.
     * @param options how to store.
     * @param info    receives the stored item's details, or null.
     * @return the outcome.
     */
    StoreResult store(ByteBuffer key, ByteBuffer value, int flags, int exptime, StoreOptions options, ItemInfo info);

    /**
     * A store with options, over Agrona buffers.
     *
     * @param key         the buffer holding the key.
     * @param keyOffset   where the key starts.
     * @param keyLength   key length.
     * @param value       the buffer holding the value.
     * @param valueOffset where the value starts.
     * @param valueLength value length.
     * @param flags       client flags.
     * @param exptime     memcached exptime.
     * @param options     how to store.
     * @param info        receives the stored item's details, or null.
     * @return the outcome.
     * @throws IllegalArgumentException  if {@code valueLength} is negative, before the cache is touched.
     * @throws IndexOutOfBoundsException if the value's range is outside {@code value}, before the cache is touched.
     */
    StoreResult store(DirectBuffer key, int keyOffset, int keyLength, DirectBuffer value, int valueOffset,
        int valueLength, int flags, int exptime, StoreOptions options, ItemInfo info);

    /**
     * {@code delete}.
     *
     * @param key the key.
     * @return true if the item existed.
     */
    boolean delete(ByteBuffer key);

    /**
     * A delete with options (meta {@code md}).
     *
     * @param key     the key.
     * @param options how to delete.
     * @param info    receives the item's details, or null.
     * @return the outcome.
     */
    DeleteResult delete(ByteBuffer key, DeleteOptions options, ItemInfo info);

    /**
     * A delete with options, over an Agrona buffer.
     *
     * @param key       the buffer holding the key.
     * @param keyOffset where the key starts.
     * @param keyLength key length.
     * @param options   how to delete.
     * @param info      receives the item's details, or null.
     * @return the outcome.
     */
    DeleteResult delete(DirectBuffer key, int keyOffset, int keyLength, DeleteOptions options, ItemInfo info);

    /**
     * {@code incr}: add to a decimal value, wrapping at 2^64.
     *
     * @param key   the key.
     * @param delta a 64-bit unsigned amount.
     * @param info  receives the new value in {@link ItemInfo#numericValue()}.
     * @return the outcome.
     */
    DeltaResult incr(ByteBuffer key, long delta, ItemInfo info);

    /**
     * {@code decr}: subtract from a decimal value, stopping at 0.
     *
     * @param key   the key.
     * @param delta a 64-bit unsigned amount.
     * @param info  receives the new value in {@link ItemInfo#numericValue()}.
     * @return the outcome.
     */
    DeltaResult decr(ByteBuffer key, long delta, ItemInfo info);

    /**
     * An increment or decrement with options (meta {@code ma}, binary counters).
     *
     * @param key     the key.
     * @param options how to count.
     * @param info    receives the new value and the item's details.
     * @return the outcome.
     */
    DeltaResult arithmetic(ByteBuffer key, ArithmeticOptions options, ItemInfo info);

    /**
     * An increment or decrement with options, over an Agrona buffer.
     *
     * @param key       the buffer holding the key.
     * @param keyOffset where the key starts.
     * @param keyLength key length.
     * @param options   how to count.
     * @param info      receives the new value and the item's details.
     * @return the outcome.
     */
    DeltaResult arithmetic(DirectBuffer key, int keyOffset, int keyLength, ArithmeticOptions options, ItemInfo info);

    /**
     * Look at an item without counting a fetch or bumping it in the LRU (meta {@code me}).
     *
     * @param key  the key.
     * @param info receives the item's details, and in {@link ItemInfo#lookup()} what the lookup found; or null.
     * @return true if found.
     */
    boolean inspect(ByteBuffer key, ItemInfo info);

    /**
     * Look at an item without counting or bumping it, over an Agrona buffer.
     *
     * @param key       the buffer holding the key.
     * @param keyOffset where the key starts.
     * @param keyLength key length.
     * @param info      receives the item's details, and in {@link ItemInfo#lookup()} what the lookup found; or
     *                  null.
     * @return true if found.
     */
    boolean inspect(DirectBuffer key, int keyOffset, int keyLength, ItemInfo info);

    // ---- byte[] and String level ----------------------------------------------------------------------------------

    /**
     * {@code get}.
     *
     * @param key the key.
     * @return a copy of the value, or null.
     */
    byte[] get(byte[] key);

    /**
     * {@code get} with a UTF-8 key.
     *
     * @param key the key.
     * @return a copy of the value, or null.
     */
    byte[] get(String key);

    /**
     * {@code gets}: the value with its flags and CAS value.
     *
     * @param key the key.
     * @return the entry, or null.
     */
    Entry getEntry(String key);

    /**
     * {@code set} with flags 0 and no expiry.
     *
     * @param key   the key.
     * @param value the value.
     * @return the outcome.
     */
    StoreResult set(String key, byte[] value);

    /**
     * {@code set}.
     *
     * @param key     the key.
     * @param value   the value.
     * @param flags   client flags.
     * @param exptime memcached exptime.
     * @return the outcome.
     */
    StoreResult set(String key, byte[] value, int flags, int exptime);

    /**
     * {@code set} with a binary key.
     *
     * @param key     the key.
     * @param value   the value.
     * @param flags   client flags.
     * @param exptime memcached exptime.
     * @return the outcome.
     */
    StoreResult set(byte[] key, byte[] value, int flags, int exptime);

    /**
     * A store with any mode.
     *
     * @param mode    the storage command.
     * @param key     the key.
     * @param value   the value.
     * @param flags   client flags.
     * @param exptime memcached exptime.
     * @param cas     the CAS value to compare for {@link StoreMode#CAS}, else 0.
     * @return the outcome.
     */
    StoreResult store(StoreMode mode, String key, byte[] value, int flags, int exptime, long cas);

    /**
     * {@code delete}.
     *
     * @param key the key.
     * @return true if the item existed.
     */
    boolean delete(String key);

    /**
     * {@code touch}.
     *
     * @param key     the key.
     * @param exptime memcached exptime.
     * @return true if the item exists.
     */
    boolean touch(String key, int exptime);

    /**
     * {@code incr}.
     *
     * @param key   the key.
     * @param delta a 64-bit unsigned amount.
     * @return the new value (64-bit unsigned), or empty when the key is missing.
     * @throws NonNumericValueException if the value is not a decimal number.
     * @throws IllegalStateException    when a longer number needs a new item and no memory can be had for it
     *                                  ({@code SERVER_ERROR out of memory}); {@link #arithmetic} reports it as
     *                                  {@link DeltaResult#NO_MEMORY}.
     */
    OptionalLong incr(String key, long delta);

    /**
     * {@code decr}.
     *
     * @param key   the key.
     * @param delta a 64-bit unsigned amount.
     * @return the new value, or empty when the key is missing.
     * @throws NonNumericValueException if the value is not a decimal number.
     * @throws IllegalStateException    when a longer number needs a new item and no memory can be had for it
     *                                  ({@code SERVER_ERROR out of memory}); {@link #arithmetic} reports it as
     *                                  {@link DeltaResult#NO_MEMORY}.
     */
    OptionalLong decr(String key, long delta);

    // ---- streaming ------------------------------------------------------------------------------------------------

    /**
     * A writer for values that arrive in pieces.
     *
     * @return a new writer; keep it and reuse it.
     */
    ItemWriter newWriter();

    /**
     * A reader for values that leave in pieces.
     *
     * @return a new reader; keep it and reuse it.
     */
    ItemReader newReader();

    // ---- whole cache ----------------------------------------------------------------------------------------------

    /**
     * {@code flush_all}: every item stored until now becomes invisible.
     */
    void flushAll();

    /**
     * {@code flush_all <delay>}: items stored until the moment {@code delay} names become invisible then.
     *
     * @param delay memcached exptime of the moment; 0 or negative means now.
     */
    void flushAll(int delay);

    /**
     * A snapshot of memcached's statistics for this cache.
     *
     * @return the statistics.
     */
    CacheStats stats();

    /**
     * {@code stats reset}: counters start again from zero.
     */
    void resetStats();

    /**
     * The settings the cache was built with.
     *
     * @return the settings.
     */
    CacheConfig config();

    /**
     * memcached's administrative commands: slab reassignment, LRU tuning, the crawler, dumps, the memory limit.
     *
     * @return the administration interface.
     */
    CacheAdmin admin();

    /**
     * The cache's background work (LRU maintainer, crawler, slab rebalancer) as one agent, for an embedder who
     * built the cache without {@link CacheBuilder#backgroundThreads(boolean) threads} and wants to run it on a
     * thread of its own, or through an {@code AgentInvoker}. Call it from one thread at a time.
     *
     * @return the agent.
     */
    Agent backgroundWork();

    /**
     * Stop the background threads and release all memory. Idempotent.
     * <p>
     * After it, every operation throws {@link IllegalStateException} without touching the released memory: this
     * interface's methods (but {@link #config()}, {@link #admin()}, {@link #backgroundWork()}, {@link #newReader()}
     * and {@link #newWriter()}, which only hand out objects), the {@link CacheAdmin} methods, and
     * {@link ItemReader#read} and {@link ItemWriter#write} or {@link ItemWriter#commit} on values opened before.
     * The calls that give something back do nothing instead, so that cleanup in a {@code finally} block does not
     * throw: {@link ItemReader#close()}, {@link ItemWriter#abort()}, {@link CacheAdmin#stopBackgroundWork()}. A
     * step of {@link #backgroundWork()} does nothing and returns 0; one running on another thread when this is
     * called is waited for.
     * <p>
     * Other operations are not waited for: the get path takes no lock that could tell. So the memory is freed at
     * once only when no other thread that has used the cache is still alive (the threads that used it have ended,
     * or only the calling thread ever did). Otherwise the cache lets go of its memory and the garbage collector
     * returns it once no operation still running reaches it: an operation racing the close on another thread fails
     * (with {@link IllegalStateException}, or a {@link NullPointerException} from the structures the cache let go)
     * but never reads or writes freed memory. Until that collection the memory still counts against the JVM's
     * direct memory limit, as any unreachable direct buffer does; an allocation that needs it makes the JVM collect.
     */
    void close();

    /**
     * A value with its client flags and CAS value.
     *
     * @param value the value.
     * @param flags the client flags.
     * @param cas   the CAS value.
     */
    record Entry(byte[] value, int flags, long cas)
    {
        /**
         * Entries are equal when their values hold the same bytes and their flags and CAS values are equal.
         *
         * @param other the other object.
         * @return whether it is an equal entry.
         */
        @Override
        public boolean equals(final Object other)
        {
            return other instanceof Entry e && flags == e.flags && cas == e.cas && Arrays.equals(value, e.value);
        }

        @Override
        public int hashCode()
        {
            return (Arrays.hashCode(value) * 31 + flags) * 31 + Long.hashCode(cas);
        }

        @Override
        public String toString()
        {
            return "Entry[value=" + value.length + " bytes, flags=" + Integer.toUnsignedString(flags) + ", cas=" +
                Long.toUnsignedString(cas) + "]";
        }
    }
}
