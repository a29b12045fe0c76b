/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.nio.ByteBuffer;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Reads a value in pieces, for values larger than the caller's buffer: {@link #open} looks the key up once (counted
 * once), copies the value into the given buffer if it fits, and otherwise keeps a reference to the item so that its
 * memory stays valid while {@link #read} copies it out piece by piece, even if the item is replaced or deleted
 * meanwhile. {@link #close()} drops the reference. Reusable: one reader per connection. Not threadsafe.
 * <p>
 * A reader left open keeps its item's memory for as long as it stays open: the chunks are not reused, even once the
 * item is replaced or deleted, and the page mover cannot empty their page. Use it in a {@code try} block.
 * <p>
 * Once the cache is closed, {@link #read} throws {@link IllegalStateException} and {@link #close()} does nothing
 * (the memory it would give back is gone), so that a {@code finally} block may still call it.
 */
public interface ItemReader extends AutoCloseable
{
    /**
     * Look a key up.
     *
     * @param key     the key: bytes from position to limit; the position is not moved.
     * @param options the fetch options.
     * @param info    receives the item's details, or null.
     * @param inline  where the value goes if it fits (its position is then moved), or null to always keep a
     *                reference. As for {@link MemcachedCache#get(ByteBuffer, ByteBuffer)}, bytes after its position
     *                may have been overwritten when the value did not go there.
     * @return the value length, or {@link MemcachedCache#MISS}. After a hit, {@link #isOpen()} tells whether the
     * value is still to be read.
     * @throws InvalidKeyException             if the key is empty or longer than 250 bytes.
     * @throws IllegalStateException           if a previous value is still open, or the cache is closed.
     * @throws java.nio.ReadOnlyBufferException if {@code inline} is read-only, before the cache is touched.
     */
    int open(ByteBuffer key, FetchOptions options, ItemInfo info, ByteBuffer inline);

    /**
     * Look a key up, with Agrona buffers.
     *
     * @param key          the buffer holding the key.
     * @param keyOffset    where the key starts.
     * @param keyLength    key length.
     * @param options      the fetch options.
     * @param info         receives the item's details, or null.
     * @param inline       where the value goes if it fits, or null.
     * @param inlineOffset where in {@code inline} the value goes: 0 to its capacity.
     * @return the value length, or {@link MemcachedCache#MISS}.
     * @throws IndexOutOfBoundsException if {@code inlineOffset} is outside {@code inline}, before the cache is
     *                                   touched.
     * @see #open(ByteBuffer, FetchOptions, ItemInfo, ByteBuffer)
     */
    int open(DirectBuffer key, int keyOffset, int keyLength, FetchOptions options, ItemInfo info,
        MutableDirectBuffer inline, int inlineOffset);

    /**
     * Whether a value is being read.
     *
     * @return true while a reference is held.
     */
    boolean isOpen();

    /**
     * Bytes of the value not yet read.
     *
     * @return the remaining length.
     */
    int remaining();

    /**
     * Copy the next bytes of the value into the buffer, moving its position.
     *
     * @param dst where to copy.
     * @return how many bytes were copied.
     * @throws java.nio.ReadOnlyBufferException if {@code dst} is read-only.
     * @throws IllegalStateException           if a value is open and the cache is closed.
     */
    int read(ByteBuffer dst);

    /**
     * Copy the next bytes of the value into a range.
     *
     * @param dst    where to copy.
     * @param offset where in {@code dst}.
     * @param length at most this many bytes.
     * @return how many bytes were copied.
     * @throws IllegalArgumentException  if {@code length} is negative.
     * @throws IndexOutOfBoundsException if {@code offset} is negative, or the bytes to copy do not fit in
     *                                   {@code dst} (unless it expands), before anything is copied.
     * @throws IllegalStateException     if a value is open and the cache is closed.
     */
    int read(MutableDirectBuffer dst, int offset, int length);

    /**
     * Drop the reference to the item, whether or not the value was read to the end. Does nothing when no value is
     * open, or when the cache is closed.
     */
    void close();
}
