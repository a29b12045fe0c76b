/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;

/**
 * SASL for the binary protocol ({@code -S}) with the PLAIN mechanism, over memcached's password database: a file of
 * {@code user:password} lines named by the environment variable {@code MEMCACHED_SASL_PWDB}, checked as memcached
 * 1.6 with its SASL library (Cyrus) checks it:
 * <ul>
 *     <li>the user is canonicalized first: white space around it is dropped (a name whose leading white space is as
 *     long as the rest fails, as Cyrus's check does), and a name without {@code @} gets {@code @} and the realm
 *     appended, which memcached sets to the host's name; so the file names users as {@code user@host}, and a client
 *     may log in as {@code user} or {@code user@host};</li>
 *     <li>the file is read again at every authentication, so a change applies to the next login, and a file that
 *     cannot be read fails every login (the server starts all the same);</li>
 *     <li>the first line that starts with the user and a colon decides: the password follows, and ends at a colon
 *     (further fields are allowed), a line end or the end of the line;</li>
 *     <li>lines are read at most {@value #MAX_READ} bytes at a time, and a user and password of more than
 *     {@value #MAX_USER_AND_PASSWORD} bytes together fail at once.</li>
 * </ul>
 * Passwords never appear in messages. Threadsafe.
 */
public final class SaslAuthenticator
{
    /** The mechanisms offered, as {@code SASL list mechs} returns them. */
    public static final String MECHANISMS = "PLAIN";
    /** The environment variable that names memcached's password file. */
    public static final String PASSWORD_DB_VARIABLE = "MEMCACHED_SASL_PWDB";
    /** memcached's longest user and password together: its line buffer of 256 bytes less a colon, a line end, NUL. */
    public static final int MAX_USER_AND_PASSWORD = 252;
    /** The SASL library's result asking for another step (PLAIN started without its response). */
    public static final int SASL_CONTINUE = 1;
    /** The SASL library's result for a successful check. */
    public static final int SASL_OK = 0;
    /** The SASL library's result for a user name it cannot canonicalize. */
    public static final int SASL_FAIL = -1;
    /** The SASL library's result for a user name longer than its buffer. */
    public static final int SASL_BUFOVER = -3;
    /** The SASL library's result for a mechanism it does not have. */
    public static final int SASL_NOMECH = -4;
    /** The SASL library's result for a response its mechanism cannot parse. */
    public static final int SASL_BADPROT = -5;
    /** The SASL library's result for an authorization identity other than the user. */
    public static final int SASL_BADAUTH = -13;
    /** The SASL library's result for a wrong user or password with a password database. */
    public static final int SASL_NOUSER = -20;
    /** The SASL library's buffer for a canonicalized user name ({@code CANON_BUF_SIZE}). */
    public static final int CANON_MAX = 1024;
    /** What one {@code fgets} of memcached's reads at most. */
    static final int MAX_READ = 255;
    private static final String VERIFICATION_FAILED = "SASL (severity 2): Password verification failed";

    private final Path file;
    private final byte[] fixed;
    private final byte[] realm;

    private SaslAuthenticator(final Path file, final byte[] fixed, final String realm)
    {
        this.file = file;
        this.fixed = fixed;
        this.realm = realm == null || realm.isEmpty() ? null : realm.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * An authenticator for the given users, held in memory in the password file's format, without a realm: users
     * are matched by the names given.
     *
     * @param users user to password.
     * @return the authenticator.
     */
    public static SaslAuthenticator of(final Map<String, String> users)
    {
        final StringBuilder text = new StringBuilder();
        users.forEach((user, password) -> text.append(user).append(':').append(password).append('\n'));
        return new SaslAuthenticator(null, text.toString().getBytes(StandardCharsets.UTF_8), null);
    }

    /**
     * An authenticator over a password file, which it reads at every authentication, as memcached does.
     *
     * @param file  the file.
     * @param realm what a user name without {@code @} gets appended, memcached's host name; null or empty for none.
     * @return the authenticator.
     */
    public static SaslAuthenticator fromPasswordFile(final Path file, final String realm)
    {
        return new SaslAuthenticator(file, null, realm);
    }

    /**
     * The host name memcached uses as the realm ({@code gethostname}): the kernel's, else the JDK's.
     *
     * @return the name, or an empty string when there is none.
     */
    public static String hostName()
    {
        try
        {
            final Path kernel = Path.of("/proc/sys/kernel/hostname");
            if (Files.isReadable(kernel))
            {
                return Files.readString(kernel, StandardCharsets.ISO_8859_1).strip();
            }
            return java.net.InetAddress.getLocalHost().getHostName();
        }
        catch (final IOException | RuntimeException ex)
        {
            return "";
        }
    }

    /**
     * Check a user and password (PLAIN's authentication identity and password) against the password database,
     * reporting as memcached does: the too-long warning always, the rest under {@code -v}.
     *
     * @param response       the bytes the client sent.
     * @param user           where the user starts in them.
     * @param userLength     the user's length.
     * @param password       where the password starts.
     * @param passwordLength the password's length.
     * @param verbose        whether memcached runs with {@code -v}.
     * @param log            takes memcached's lines about the check (the user's name, never the password).
     * @return {@link #SASL_OK}, {@link #SASL_NOUSER} or {@link #SASL_FAIL}.
     */
    public int check(
        final byte[] response, final int user, final int userLength, final int password, final int passwordLength,
        final boolean verbose, final Consumer<String> log)
    {
        final byte[] name = canonicalUser(response, user, userLength);
        final int canonical = canonicalResult(name, verbose, log);
        if (canonical != SASL_OK)
        {
            return canonical;
        }
        final String shown = new String(name, StandardCharsets.ISO_8859_1);
        if (name.length + passwordLength > MAX_USER_AND_PASSWORD)
        {
            log.accept("WARNING: Failed to authenticate <" + shown + "> due to too long password (" + passwordLength +
                ")");
            return failed(verbose, log);
        }
        final byte[] data;
        if (fixed != null)
        {
            data = fixed;
        }
        else
        {
            try
            {
                if (file.toString().isEmpty())
                {
                    // fopen("") fails with ENOENT, where the JDK's empty path is the current directory
                    throw new java.nio.file.NoSuchFileException("");
                }
                // fopen() opens a directory, whose first read fails: memcached finds no user in it
                data = Files.isDirectory(file) ? new byte[0] : Files.readAllBytes(file);
            }
            catch (final IOException | RuntimeException ex)
            {
                if (verbose)
                {
                    log.accept("WARNING: Failed to open sasl database <" + file + ">: " + AsciiAuthFile.errorText(ex));
                }
                return failed(verbose, log);
            }
        }
        if (matches(data, name, response, password, passwordLength))
        {
            return SASL_OK;
        }
        if (verbose)
        {
            log.accept("INFO: User <" + shown + "> failed to authenticate");
        }
        return failed(verbose, log);
    }

    /**
     * After a successful password check, the authorization identity PLAIN carries (canonicalized as the user is): it
     * must name the authenticated user.
     *
     * @param authorization the authorization identity's bytes.
     * @param user          the user's bytes.
     * @param verbose       whether memcached runs with {@code -v}.
     * @param log           takes the SASL library's line for a refusal.
     * @return {@link #SASL_OK}, {@link #SASL_BADAUTH}, {@link #SASL_BUFOVER} or {@link #SASL_FAIL}.
     */
    public int authorize(
        final byte[] authorization, final byte[] user, final boolean verbose, final Consumer<String> log)
    {
        final byte[] a = canonicalUser(authorization, 0, authorization.length);
        final int canonical = canonicalResult(a, verbose, log);
        if (canonical != SASL_OK)
        {
            return canonical;
        }
        if (!Arrays.equals(a, canonicalUser(user, 0, user.length)))
        {
            if (verbose)
            {
                log.accept("SASL (severity 2): Requested identity not authenticated identity");
            }
            return SASL_BADAUTH;
        }
        return SASL_OK;
    }

    /** The SASL library's result for a canonicalized name: {@link #canonicalUser}'s null, or too long a name. */
    private static int canonicalResult(final byte[] name, final boolean verbose, final Consumer<String> log)
    {
        if (name == null)
        {
            if (verbose)
            {
                log.accept("SASL (severity 2): All-whitespace username.");
            }
            return SASL_FAIL;
        }
        return name.length > CANON_MAX ? SASL_BUFOVER : SASL_OK;
    }

    private static int failed(final boolean verbose, final Consumer<String> log)
    {
        if (verbose)
        {
            log.accept(VERIFICATION_FAILED);
        }
        return SASL_NOUSER;
    }

    /**
     * Cyrus's internal canonicalization: strip white space on both sides, append the realm to a name without
     * {@code @}; null where Cyrus fails ("All-whitespace username"), which its check does when the leading white
     * space is exactly as long as what remains.
     */
    private byte[] canonicalUser(final byte[] response, final int user, final int userLength)
    {
        int lead = 0;
        while (lead < userLength && isSpace(response[user + lead]))
        {
            lead++;
        }
        int length = userLength - lead;
        while (length > 0 && isSpace(response[user + lead + length - 1]))
        {
            length--;
        }
        if (lead == length)
        {
            return null;
        }
        boolean hasAt = false;
        for (int i = user; i < user + userLength; i++)
        {
            hasAt |= response[i] == '@';
        }
        if (realm == null || hasAt)
        {
            return Arrays.copyOfRange(response, user + lead, user + lead + length);
        }
        final byte[] name = new byte[length + 1 + realm.length];
        System.arraycopy(response, user + lead, name, 0, length);
        name[length] = '@';
        System.arraycopy(realm, 0, name, length + 1, realm.length);
        return name;
    }

    private static boolean isSpace(final byte b)
    {
        return b == ' ' || (b >= '\t' && b <= '\r');
    }

    private static boolean matches(
        final byte[] data, final byte[] user, final byte[] response, final int password, final int passwordLength)
    {
        final int userLength = user.length;
        int pos = 0;
        while (pos < data.length)
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
            if (userLength < end - pos && data[pos + userLength] == ':' &&
                Arrays.equals(data, pos, pos + userLength, user, 0, userLength))
            {
                final int p = pos + userLength + 1;
                if (p + passwordLength > end)
                {
                    return false;
                }
                final boolean same = MessageDigest.isEqual(Arrays.copyOfRange(data, p, p + passwordLength),
                    Arrays.copyOfRange(response, password, password + passwordLength));
                final int after = p + passwordLength;
                final byte next = after < end ? data[after] : 0;
                return same && (next == ':' || next == '\n' || next == '\r' || next == 0);
            }
            pos = end;
        }
        return false;
    }

    @Override
    public String toString()
    {
        return "SaslAuthenticator[" + MECHANISMS + ", " + (file != null ? file : "in memory") + "]";
    }
}
