/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.nio.ByteBuffer;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Chooses, once per JVM, how the engine reaches off-heap memory.
 * <p>
 * Agrona 2's {@code UnsafeBuffer} works only when the JVM exports {@code jdk.internal.misc} to the caller
 * ({@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}, which the server jar's manifest adds). Without that
 * flag the engine uses {@link VarHandleRegion}. The system property {@value #PROPERTY} forces a path:
 * {@code varhandle} always works; {@code unsafe} fails fast when the export is missing.
 */
enum MemoryPath
{
    /**
     * Agrona's {@code UnsafeBuffer}: needs {@code jdk.internal.misc} exported.
     */
    UNSAFE,

    /**
     * {@code VarHandle}s over direct {@code ByteBuffer}s: works with no JVM flag.
     */
    VARHANDLE;

    /**
     * System property that forces a memory path: {@code unsafe} or {@code varhandle}.
     */
    static final String PROPERTY = "memcached4j.memory";

    private static final MemoryPath SELECTED = select();

    /**
     * The path this JVM uses.
     *
     * @return the selected path.
     */
    static MemoryPath selected()
    {
        return SELECTED;
    }

    /**
     * Wrap a direct buffer in the region implementation of the selected path.
     *
     * @param buffer a direct buffer.
     * @return a region over the whole buffer.
     */
    static Region wrap(final ByteBuffer buffer)
    {
        return SELECTED == UNSAFE ? new UnsafeRegion(buffer) : new VarHandleRegion(buffer);
    }

    private static MemoryPath select()
    {
        final String forced = System.getProperty(PROPERTY, "").trim();
        if ("varhandle".equalsIgnoreCase(forced))
        {
            return VARHANDLE;
        }
        final boolean usable = unsafeUsable();
        if ("unsafe".equalsIgnoreCase(forced))
        {
            if (!usable)
            {
                throw new IllegalStateException("-D" + PROPERTY + "=unsafe needs the JVM option " +
                    "--add-exports java.base/jdk.internal.misc=ALL-UNNAMED");
            }
            return UNSAFE;
        }
        if (!forced.isEmpty())
        {
            throw new IllegalStateException("-D" + PROPERTY + " must be 'unsafe' or 'varhandle', not '" + forced + "'");
        }
        return usable ? UNSAFE : VARHANDLE;
    }

    private static boolean unsafeUsable()
    {
        final Module base = Object.class.getModule();
        if (!base.isExported("jdk.internal.misc", UnsafeBuffer.class.getModule()))
        {
            return false;
        }
        try
        {
            final UnsafeBuffer probe = new UnsafeBuffer(ByteBuffer.allocateDirect(Long.BYTES));
            probe.putLong(0, 1L);
            return probe.getLong(0) == 1L;
        }
        catch (final LinkageError | RuntimeException ex)
        {
            return false;
        }
    }
}
