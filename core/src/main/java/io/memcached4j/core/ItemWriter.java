/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.nio.ByteBuffer;

import org.agrona.DirectBuffer;

/**
 * Stores a value that arrives in pieces, straight into the cache's memory: {@link #begin} reserves the item (as
 * memcached does when it reads a storage command line), {@link #write} copies each piece as it arrives, and
 * {@link #commit} applies the store. Nothing is buffered on the heap however large the value is. Reusable: one writer
 * per connection. Not threadsafe.
 * <p>
 * Once the cache is closed, {@link #write}, {@link #commit} and {@link #discardBadData()} throw
 * {@link IllegalStateException} for an item reserved before, and {@link #abort()} does nothing (the memory it would
 * give back is gone), so that a {@code finally} block may still call it.
 */
public interface ItemWriter
{
    /**
     * Reserve memory for an item. On failure the reason is in {@link #failure()} and memcached's side effects have
     * happened: the failure is counted ({@code store_too_large} or {@code store_no_memory}) and, when the options
     * say so, the key's old value is removed.
     *
     * @param key         the key: bytes from position to limit; the position is not moved.
     * @param flags       client flags.
     * @param exptime     memcached exptime.
     * @param valueLength length of the value to come.
     * @param options     how to store; read now and at {@link #commit}.
     * @return true when the item is reserved and {@link #write} may be called.
     * @throws InvalidKeyException      if the key is empty or longer than 250 bytes.
     * @throws IllegalArgumentException if the value length is negative.
     * @throws IllegalStateException    if a previous item is neither committed nor aborted.
     */
    boolean begin(ByteBuffer key, int flags, int exptime, int valueLength, StoreOptions options);

    /**
     * Reserve memory for an item, the key given as an Agrona buffer.
     *
     * @param key         the buffer holding the key.
     * @param keyOffset   where the key starts.
     * @param keyLength   key length.
     * @param flags       client flags.
     * @param exptime     memcached exptime.
     * @param valueLength length of the value to come.
     * @param options     how to store.
     * @return true when the item is reserved.
     * @see #begin(ByteBuffer, int, int, int, StoreOptions)
     */
    boolean begin(DirectBuffer key, int keyOffset, int keyLength, int flags, int exptime, int valueLength,
        StoreOptions options);

    /**
     * Why the last {@code begin} failed: {@link StoreResult#TOO_LARGE} or {@link StoreResult#NO_MEMORY}.
     *
     * @return the failure, or null after a successful begin.
     */
    StoreResult failure();

    /**
     * Whether an item is reserved and not yet committed or aborted.
     *
     * @return true while writing.
     */
    boolean active();

    /**
     * Bytes of the value still to be written.
     *
     * @return the remaining length.
     */
    int remaining();

    /**
     * Copy as much of the buffer as the value still needs, moving the buffer's position.
     *
     * @param src the bytes.
     * @return how many bytes were taken.
     * @throws IllegalStateException when no value is being written ({@link #begin} was not called or returned false,
     *                               or the value was committed or aborted), or the cache is closed.
     */
    int write(ByteBuffer src);

    /**
     * Copy as much of a range as the value still needs.
     *
     * @param src    the bytes.
     * @param offset where they start.
     * @param length how many there are.
     * @return how many bytes were taken.
     * @throws IllegalArgumentException  if {@code length} is negative.
     * @throws IndexOutOfBoundsException if the range is outside {@code src}.
     * @throws IllegalStateException     when no value is being written, as for {@link #write(ByteBuffer)}.
     */
    int write(DirectBuffer src, int offset, int length);

    /**
     * Copy as much of a range as the value still needs.
     *
     * @param src    the bytes.
     * @param offset where they start.
     * @param length how many there are.
     * @return how many bytes were taken.
     * @throws IllegalArgumentException  if {@code length} is negative.
     * @throws IndexOutOfBoundsException if the range is outside {@code src}.
     * @throws IllegalStateException     when no value is being written, as for {@link #write(ByteBuffer)}.
     */
    int write(byte[] src, int offset, int length);

    /**
     * Apply the store once the whole value is written.
     *
     * @param info receives the stored item's details when stored, or null. When a compare-and-swap finds the item
     *             with another CAS ({@link StoreResult#EXISTS}), only its {@link ItemInfo#cas()} is set: the item's.
     * @return the outcome.
     * @throws IllegalStateException if nothing is reserved or the value is incomplete.
     */
    StoreResult commit(ItemInfo info);

    /**
     * memcached's {@code CLIENT_ERROR bad data chunk}: the value did not end as it should. The store is counted in
     * {@code cmd_set}, as memcached counts it, and nothing is stored.
     */
    void discardBadData();

    /**
     * Give the reserved memory back without counting anything (the client went away mid-value). Does nothing when
     * nothing is reserved, or when the cache is closed.
     */
    void abort();
}
