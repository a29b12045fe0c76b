/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;

/**
 * SASL for the binary protocol ({@code -S}) with the PLAIN mechanism, over memcached's password-file convention: a
 * file of {@code user:password} lines, named by the environment variable {@code MEMCACHED_SASL_PWDB}. Passwords are
 * compared in constant time and never appear in messages. Immutable and threadsafe.
 */
public final class SaslAuthenticator
{
    /** The mechanisms offered, as {@code SASL list mechs} returns them. */
    public static final String MECHANISMS = "PLAIN";
    /** The environment variable that names memcached's password file. */
    public static final String PASSWORD_DB_VARIABLE = "MEMCACHED_SASL_PWDB";

    private final Map<String, byte[]> users;

    private SaslAuthenticator(final Map<String, byte[]> users)
    {
        this.users = users;
    }

    /**
     * An authenticator for the given users.
     *
     * @param users user to password.
     * @return the authenticator.
     */
    public static SaslAuthenticator of(final Map<String, String> users)
    {
        final Map<String, byte[]> copy = new HashMap<>();
        users.forEach((user, password) -> copy.put(user, password.getBytes(StandardCharsets.UTF_8)));
        return new SaslAuthenticator(Map.copyOf(copy));
    }

    /**
     * Read a password file: one {@code user:password} per line; the password is everything after the first colon;
     * lines without a colon are skipped, as memcached skips them.
     *
     * @param file the file.
     * @return the authenticator.
     * @throws IOException if the file cannot be read.
     */
    public static SaslAuthenticator fromPasswordFile(final Path file) throws IOException
    {
        return of(parsePasswordLines(Files.readString(file, StandardCharsets.UTF_8)));
    }

    /**
     * Parse {@code user:password} lines (memcached's SASL password database and {@code -Y} file format).
     *
     * @param text the file's content.
     * @return user to password, in file order; a later line for the same user wins.
     */
    public static Map<String, String> parsePasswordLines(final String text)
    {
        final Map<String, String> users = new java.util.LinkedHashMap<>();
        for (final String raw : text.split("\n", -1))
        {
            final String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            final int colon = line.indexOf(':');
            if (colon > 0)
            {
                users.put(line.substring(0, colon), line.substring(colon + 1));
            }
        }
        return users;
    }

    /**
     * Check a PLAIN initial response: {@code [authzid] NUL authcid NUL password}.
     *
     * @param response the bytes the client sent.
     * @param offset   where they start.
     * @param length   how many.
     * @return true when the user exists and the password matches.
     */
    public boolean authenticatePlain(final byte[] response, final int offset, final int length)
    {
        final int end = offset + length;
        int first = -1;
        int second = -1;
        for (int i = offset; i < end; i++)
        {
            if (response[i] == 0)
            {
                if (first < 0)
                {
                    first = i;
                }
                else
                {
                    second = i;
                    break;
                }
            }
        }
        if (second < 0)
        {
            return false;
        }
        final String user = new String(response, first + 1, second - first - 1, StandardCharsets.UTF_8);
        final byte[] expected = users.get(user);
        final byte[] given = java.util.Arrays.copyOfRange(response, second + 1, end);
        if (expected == null)
        {
            MessageDigest.isEqual(given, given);
            return false;
        }
        return MessageDigest.isEqual(expected, given);
    }

    @Override
    public String toString()
    {
        return "SaslAuthenticator[" + MECHANISMS + ", " + users.size() + " users]";
    }
}
