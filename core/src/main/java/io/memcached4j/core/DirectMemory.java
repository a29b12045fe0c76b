/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.core;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.agrona.BufferUtil;

import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * Allocation and release of direct memory without JVM flags and without JDK warnings.
 * <p>
 * {@link ByteBuffer#allocateDirect(int)} memory is normally returned by the garbage collector. An explicit release is
 * done where the JDK allows it silently: through Agrona on the {@link MemoryPath#UNSAFE} path, through
 * {@code sun.misc.Unsafe.invokeCleaner} on JDKs before 24 (later JDKs warn about it). Slab pages, which hold nearly all
 * of a cache's memory, come from a {@link PageArena}: on JDK 24 and later without flags it is a shared
 * {@code java.lang.foreign.Arena}, reached through method handles so the code still compiles for Java 17, and closing
 * it returns every page at once.
 */
final class DirectMemory
{
    private static final int FEATURE = Runtime.version().feature();
    private static final Method INVOKE_CLEANER;
    private static final Object THE_UNSAFE;
    private static final ForeignArenas FOREIGN;

    static
    {
        Method invokeCleaner = null;
        Object theUnsafe = null;
        if (MemoryPath.selected() != MemoryPath.UNSAFE && FEATURE < 24)
        {
            try
            {
                final Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
                final Field field = unsafeClass.getDeclaredField("theUnsafe");
                field.setAccessible(true);
                theUnsafe = field.get(null);
                invokeCleaner = unsafeClass.getMethod("invokeCleaner", ByteBuffer.class);
            }
            catch (final ReflectiveOperationException | RuntimeException ex)
            {
                invokeCleaner = null;
                theUnsafe = null;
            }
        }
        INVOKE_CLEANER = invokeCleaner;
        THE_UNSAFE = theUnsafe;
        FOREIGN = MemoryPath.selected() != MemoryPath.UNSAFE && FEATURE >= 24 ? ForeignArenas.load() : null;
    }

    private DirectMemory()
    {
    }

    /**
     * Allocate zeroed direct memory that the garbage collector returns once unreachable.
     *
     * @param size bytes to allocate.
     * @return a direct buffer of exactly {@code size} bytes.
     */
    static ByteBuffer allocate(final int size)
    {
        return ByteBuffer.allocateDirect(size);
    }

    /**
     * Release a buffer from {@link #allocate(int)} now if the JDK allows it without a warning; otherwise leave it to
     * the garbage collector. The buffer must not be used afterwards.
     *
     * @param buffer the buffer to release.
     */
    static void free(final ByteBuffer buffer)
    {
        if (buffer == null)
        {
            return;
        }
        if (MemoryPath.selected() == MemoryPath.UNSAFE)
        {
            BufferUtil.free(buffer);
        }
        else if (INVOKE_CLEANER != null)
        {
            try
            {
                INVOKE_CLEANER.invoke(THE_UNSAFE, buffer);
            }
            catch (final ReflectiveOperationException | RuntimeException ignore)
            {
                // the garbage collector returns it instead
            }
        }
    }

    /**
     * Whether pages are counted against {@code -XX:MaxDirectMemorySize} (they are unless they come from a foreign
     * arena).
     *
     * @return true when page memory is limited by the JVM's direct memory cap.
     */
    static boolean pagesCountAsDirectMemory()
    {
        return FOREIGN == null;
    }

    /**
     * The machine's memory and swap: an allocation larger than both is what Linux refuses outright, as it refuses
     * memcached's hash table for {@code -o hashpower=32} on a smaller machine.
     *
     * @return the bytes, or -1 when they cannot be read.
     */
    static long machineMemory()
    {
        return machineMemory(java.nio.file.Path.of("/proc/meminfo"));
    }

    /**
     * The memory and swap a Linux {@code meminfo} file reports (its {@code MemTotal} and {@code SwapTotal}).
     *
     * @param meminfo the file.
     * @return the bytes, or -1 when they cannot be read.
     */
    static long machineMemory(final java.nio.file.Path meminfo)
    {
        try
        {
            long total = 0;
            int found = 0;
            for (final String line : java.nio.file.Files.readAllLines(meminfo))
            {
                if (line.startsWith("MemTotal:") || line.startsWith("SwapTotal:"))
                {
                    final String[] parts = line.trim().split("\\s+");
                    total += Long.parseLong(parts[1]) * 1024;
                    found++;
                }
            }
            return found == 2 ? total : -1;
        }
        catch (final java.io.IOException | RuntimeException ex)
        {
            return -1;
        }
    }

    /**
     * The JVM's cap on direct memory: {@code -XX:MaxDirectMemorySize}, which defaults to the maximum heap size.
     *
     * @return the cap in bytes.
     */
    static long maxDirectMemory()
    {
        try
        {
            final HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            final long configured = Long.parseLong(hotspot.getVMOption("MaxDirectMemorySize").getValue());
            return configured > 0 ? configured : Runtime.getRuntime().maxMemory();
        }
        catch (final RuntimeException ex)
        {
            return Runtime.getRuntime().maxMemory();
        }
    }

    /**
     * Start an arena for the slab pages of one cache.
     *
     * @return a new arena.
     */
    static PageArena newPageArena()
    {
        return FOREIGN != null ? new ForeignPageArena(FOREIGN) : new DirectPageArena();
    }

    /**
     * Where a cache's slab pages come from; {@link #close()} returns them all. Threadsafe.
     */
    abstract static class PageArena implements AutoCloseable
    {
        abstract ByteBuffer allocate(int size);

        /**
         * Let go of the pages.
         *
         * @param free whether their memory may be freed now, no other thread using it.
         */
        abstract void close(boolean free);

        public void close()
        {
            close(true);
        }
    }

    private static final class DirectPageArena extends PageArena
    {
        private final List<ByteBuffer> buffers = new ArrayList<>();

        synchronized ByteBuffer allocate(final int size)
        {
            final ByteBuffer buffer = ByteBuffer.allocateDirect(size);
            buffers.add(buffer);
            return buffer;
        }

        synchronized void close(final boolean free)
        {
            if (free)
            {
                for (final ByteBuffer buffer : buffers)
                {
                    free(buffer);
                }
            }
            buffers.clear();
        }
    }

    private static final class ForeignPageArena extends PageArena
    {
        private final ForeignArenas foreign;
        private final Object arena;

        ForeignPageArena(final ForeignArenas foreign)
        {
            this.foreign = foreign;
            this.arena = foreign.newShared();
        }

        synchronized ByteBuffer allocate(final int size)
        {
            return foreign.allocate(arena, size);
        }

        synchronized void close(final boolean free)
        {
            foreign.close(arena);
        }
    }

    /**
     * Method handles onto {@code java.lang.foreign} (final in JDK 22).
     */
    private static final class ForeignArenas
    {
        private final MethodHandle ofShared;
        private final MethodHandle allocate;
        private final MethodHandle asByteBuffer;
        private final MethodHandle close;

        private ForeignArenas(
            final MethodHandle ofShared,
            final MethodHandle allocate,
            final MethodHandle asByteBuffer,
            final MethodHandle close)
        {
            this.ofShared = ofShared;
            this.allocate = allocate;
            this.asByteBuffer = asByteBuffer;
            this.close = close;
        }

        static ForeignArenas load()
        {
            try
            {
                final MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                final Class<?> arena = Class.forName("java.lang.foreign.Arena");
                final Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
                return new ForeignArenas(
                    lookup.findStatic(arena, "ofShared", MethodType.methodType(arena)),
                    lookup.findVirtual(arena, "allocate", MethodType.methodType(segment, long.class, long.class)),
                    lookup.findVirtual(segment, "asByteBuffer", MethodType.methodType(ByteBuffer.class)),
                    lookup.findVirtual(arena, "close", MethodType.methodType(void.class)));
            }
            catch (final ReflectiveOperationException | RuntimeException ex)
            {
                return null;
            }
        }

        Object newShared()
        {
            try
            {
                return ofShared.invoke();
            }
            catch (final Throwable ex)
            {
                throw new IllegalStateException("cannot create a memory arena", ex);
            }
        }

        ByteBuffer allocate(final Object arena, final int size)
        {
            try
            {
                final Object segment = allocate.invoke(arena, (long)size, (long)Long.BYTES);
                return (ByteBuffer)asByteBuffer.invoke(segment);
            }
            catch (final OutOfMemoryError ex)
            {
                throw ex;
            }
            catch (final Throwable ex)
            {
                throw new IllegalStateException("cannot allocate " + size + " bytes", ex);
            }
        }

        void close(final Object arena)
        {
            try
            {
                close.invoke(arena);
            }
            catch (final Throwable ex)
            {
                throw new IllegalStateException("cannot close a memory arena", ex);
            }
        }
    }
}
