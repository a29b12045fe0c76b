/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The users of memcached's ASCII authentication ({@code -Y file}), read from the file as memcached's
 * {@code authfile_load} reads it, and read again on {@code SIGHUP} ({@link #reload}) as memcached does.
 * <p>
 * The file is bytes, one entry a line: the user up to the first {@code :}, the password up to the first {@code \r},
 * {@code \n} or NUL. memcached reads it line by line, at most {@value #MAX_READ} bytes at a time, so:
 * <ul>
 *     <li>an empty file, an empty line, a line without a {@code :} or with a NUL before it is malformed, and the whole
 *     file is refused;</li>
 *     <li>the user may be empty; several entries may name the same user, and each of their passwords logs in;</li>
 *     <li>only the first {@value #MAX_ENTRIES} entries count;</li>
 *     <li>a line longer than {@value #MAX_READ} bytes, or a NUL in a password, ends the file there;</li>
 *     <li>a directory reads as a file without entries.</li>
 * </ul>
 * Passwords are compared in constant time and never appear in messages. Threadsafe: a reload swaps the whole table.
 */
public final class AsciiAuthFile
{
    /** memcached's {@code MAX_ENTRIES}: entries after these are not read. */
    public static final int MAX_ENTRIES = 8;
    /** What one {@code fgets} of memcached's reads at most: {@code MAX_ENTRY_LEN} less its terminating NUL. */
    static final int MAX_READ = 255;

    private final String name;
    private volatile byte[][] table;

    private AsciiAuthFile(final String name, final byte[][] table)
    {
        this.name = name;
        this.table = table;
    }

    /**
     * Why the file was refused, with memcached's message for it.
     */
    public static final class LoadException extends Exception
    {
        private static final long serialVersionUID = 1L;

        /** Whether memcached ends the message with a line end (its {@code perror} does, its other messages not). */
        private final boolean lineEnd;

        LoadException(final String message, final boolean lineEnd)
        {
            super(message);
            this.lineEnd = lineEnd;
        }

        /**
         * Whether memcached prints a line end after the message.
         *
         * @return true when it does.
         */
        public boolean lineEnd()
        {
            return lineEnd;
        }
    }

    /**
     * Read the file.
     *
     * @param file the file name, as given to {@code -Y}.
     * @return its users.
     * @throws LoadException when memcached would refuse to start, with its message.
     */
    public static AsciiAuthFile load(final String file) throws LoadException
    {
        return new AsciiAuthFile(file, read(file));
    }

    /**
     * Users given directly rather than by a file.
     *
     * @param name  the name {@code stats settings} shows as {@code auth_enabled_ascii}.
     * @param users user to password.
     * @return the users.
     */
    public static AsciiAuthFile of(final String name, final Map<String, String> users)
    {
        final byte[][] table = new byte[users.size() * 2][];
        int i = 0;
        for (final Map.Entry<String, String> e : users.entrySet())
        {
            table[i++] = e.getKey().getBytes(StandardCharsets.UTF_8);
            table[i++] = e.getValue().getBytes(StandardCharsets.UTF_8);
        }
        return new AsciiAuthFile(name, table);
    }

    /**
     * The file name.
     *
     * @return the name given to {@code -Y}.
     */
    public String name()
    {
        return name;
    }

    /**
     * How many entries were read.
     *
     * @return the entry count, at most {@link #MAX_ENTRIES} for a file.
     */
    public int entries()
    {
        return table.length / 2;
    }

    /**
     * memcached's {@code SIGHUP}: read the file again; if that fails, the users read before stay.
     *
     * @return true when the file was read.
     */
    public boolean reload()
    {
        try
        {
            table = read(name);
            return true;
        }
        catch (final LoadException ex)
        {
            return false;
        }
    }

    /**
     * Whether a user and password match an entry, compared as bytes, in time independent of where they differ.
     *
     * @param user     the user's bytes.
     * @param password the password's bytes.
     * @return true when some entry has both.
     */
    public boolean check(final byte[] user, final byte[] password)
    {
        final byte[][] t = table;
        boolean match = false;
        for (int i = 0; i < t.length; i += 2)
        {
            match |= MessageDigest.isEqual(t[i], user) & MessageDigest.isEqual(t[i + 1], password);
        }
        return match;
    }

    private static byte[][] read(final String file) throws LoadException
    {
        if (file.isEmpty())
        {
            // fopen("") fails with ENOENT, where the JDK's empty path is the current directory
            final String reason = "No such file or directory";
            throw new LoadException(
                "Could not open authfile [] for reading, error " + reason + ": " + reason, true);
        }
        final Path path = Path.of(file);
        if (Files.isDirectory(path))
        {
            // memcached opens it, and its first read fails as the end of the file would
            return new byte[0][];
        }
        final byte[] data;
        try
        {
            data = Files.readAllBytes(path);
        }
        catch (final IOException | RuntimeException ex)
        {
            final String reason = errorText(ex);
            // memcached's vperror: its own text, then perror's ": " and the error
            throw new LoadException(
                "Could not open authfile [" + file + "] for reading, error " + reason + ": " + reason, true);
        }
        final byte[][] table = parse(data);
        if (table == null)
        {
            throw new LoadException("Authfile [" + file + "] has a malformed entry. Should be 'user:password'", false);
        }
        return table;
    }

    /**
     * What C's {@code strerror} says for the failure to open a file.
     *
     * @param ex the failure.
     * @return the error's text.
     */
    static String errorText(final Exception ex)
    {
        return ex instanceof NoSuchFileException ? "No such file or directory" :
            ex instanceof AccessDeniedException ? "Permission denied" : String.valueOf(ex.getMessage());
    }

    /**
     * The entries of a file's bytes, as memcached reads them.
     *
     * @param data the file.
     * @return user and password of each entry, one after the other, or null when the file is malformed.
     */
    static byte[][] parse(final byte[] data)
    {
        if (data.length == 0)
        {
            // memcached sizes its buffer from the file and reads an empty line from an empty one
            return null;
        }
        final List<byte[]> table = new ArrayList<>();
        int pos = 0;
        while (pos < data.length && table.size() < MAX_ENTRIES * 2)
        {
            // one fgets: up to and including a line end, at most MAX_READ bytes
            int end = pos;
            while (end < data.length && end - pos < MAX_READ)
            {
                if (data[end++] == '\n')
                {
                    break;
                }
            }
            int colon = -1;
            for (int i = pos; i < end && data[i] != 0; i++)
            {
                if (data[i] == ':')
                {
                    colon = i;
                    break;
                }
            }
            if (colon < 0)
            {
                return null;
            }
            int stop = colon + 1;
            while (stop < end && data[stop] != '\n' && data[stop] != '\r' && data[stop] != 0)
            {
                stop++;
            }
            table.add(Arrays.copyOfRange(data, pos, colon));
            table.add(Arrays.copyOfRange(data, colon + 1, stop));
            if (stop == end || data[stop] == 0)
            {
                // the password ran to the end of what was read: memcached takes that as the end of the file
                break;
            }
            pos = end;
        }
        return table.toArray(new byte[0][]);
    }
}
