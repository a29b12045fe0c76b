/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code -Y} file read as memcached 1.6.39's {@code authfile_load} reads it (each rule checked against that
 * server's start and logins).
 */
class AsciiAuthFileTest
{
    @TempDir
    Path dir;

    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private AsciiAuthFile load(final String content) throws Exception
    {
        final Path file = dir.resolve("auth");
        Files.write(file, b(content));
        return AsciiAuthFile.load(file.toString());
    }

    private static boolean login(final AsciiAuthFile users, final String user, final String password)
    {
        return users.check(b(user), b(password));
    }

    @Test
    void shouldReadUserAndPasswordPerLineWithOrWithoutALineEnd() throws Exception
    {
        final AsciiAuthFile users = load("alice:secret\r\nbob:pa:ss\nc:");
        assertEquals(3, users.entries());
        assertTrue(login(users, "alice", "secret"));
        assertTrue(login(users, "bob", "pa:ss"));
        assertTrue(login(users, "c", ""));
        assertFalse(login(users, "alice", "secret\r"));
        assertFalse(login(users, "alice", "Secret"));
        assertFalse(login(users, "bob", "pa"));
    }

    @Test
    void shouldRefuseAnEmptyFileABlankLineAndALineWithoutAColon()
    {
        for (final String content : new String[] {"", "a:b\n\n", "\na:b\n", "a:b\r\n\r\n", "a:b\nnocolon\n",
            "x\0:y\n"})
        {
            final AsciiAuthFile.LoadException ex = assertThrows(AsciiAuthFile.LoadException.class,
                () -> load(content), content);
            assertEquals("Authfile [" + dir.resolve("auth") + "] has a malformed entry. Should be 'user:password'",
                ex.getMessage());
            assertFalse(ex.lineEnd());
        }
    }

    @Test
    void shouldAcceptAnEmptyUserAndLetEveryEntryOfAUserLogIn() throws Exception
    {
        final AsciiAuthFile users = load(":pw\nu:p1\nu:p2\n");
        assertTrue(login(users, "", "pw"));
        assertTrue(login(users, "u", "p1"));
        assertTrue(login(users, "u", "p2"));
        assertFalse(login(users, "u", "p3"));
    }

    @Test
    void shouldReadOnlyTheFirstEightEntries() throws Exception
    {
        final StringBuilder text = new StringBuilder();
        for (int i = 1; i <= 9; i++)
        {
            text.append(i).append(":x\n");
        }
        // entries after the eighth are not read, not even to find them malformed
        final AsciiAuthFile users = load(text + "malformed\n");
        assertEquals(AsciiAuthFile.MAX_ENTRIES, users.entries());
        assertTrue(login(users, "8", "x"));
        assertFalse(login(users, "9", "x"));
    }

    @Test
    void shouldEndTheFileAtALineLongerThanOneReadOrAtANulInAPassword() throws Exception
    {
        final String zeros = "0".repeat(300);
        final AsciiAuthFile users = load("a:" + zeros + "\nb:c\n");
        assertEquals(1, users.entries());
        assertTrue(login(users, "a", zeros.substring(0, AsciiAuthFile.MAX_READ - 2)));
        assertFalse(login(users, "b", "c"));
        final AsciiAuthFile nul = load("a:b\0c\nd:e\n");
        assertTrue(login(nul, "a", "b"));
        assertFalse(login(nul, "d", "e"));
    }

    @Test
    void shouldCompareBytesSoPasswordsOutsideAsciiWork() throws Exception
    {
        final Path file = dir.resolve("auth");
        Files.write(file, "jos\u00e9:pa\u00df\n".getBytes(StandardCharsets.UTF_8));
        final AsciiAuthFile users = AsciiAuthFile.load(file.toString());
        assertTrue(users.check("jos\u00e9".getBytes(StandardCharsets.UTF_8),
            "pa\u00df".getBytes(StandardCharsets.UTF_8)));
        assertFalse(users.check("jos\u00e9".getBytes(StandardCharsets.ISO_8859_1),
            "pa\u00df".getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    void shouldReadADirectoryAsNoEntriesAndNameAMissingFileAsMemcachedDoes() throws Exception
    {
        assertEquals(0, AsciiAuthFile.load(dir.toString()).entries());
        final String missing = dir.resolve("missing").toString();
        final AsciiAuthFile.LoadException ex =
            assertThrows(AsciiAuthFile.LoadException.class, () -> AsciiAuthFile.load(missing));
        assertEquals("Could not open authfile [" + missing + "] for reading, error No such file or directory: " +
            "No such file or directory", ex.getMessage());
        assertTrue(ex.lineEnd());
        // an empty path is no file for C's fopen, where the JDK would take the current directory
        assertEquals("Could not open authfile [] for reading, error No such file or directory: " +
            "No such file or directory", assertThrows(AsciiAuthFile.LoadException.class,
                () -> AsciiAuthFile.load("")).getMessage());
    }

    @Test
    void shouldKeepItsUsersWhenAReloadFails() throws Exception
    {
        final AsciiAuthFile users = load("u:old\n");
        Files.write(dir.resolve("auth"), b("u:new\n"));
        assertTrue(users.reload());
        assertTrue(login(users, "u", "new"));
        assertFalse(login(users, "u", "old"));
        Files.write(dir.resolve("auth"), b("malformed\n"));
        assertFalse(users.reload());
        assertTrue(login(users, "u", "new"));
        Files.delete(dir.resolve("auth"));
        assertFalse(users.reload());
        assertTrue(login(users, "u", "new"));
        assertNull(AsciiAuthFile.parse(new byte[0]));
    }
}
