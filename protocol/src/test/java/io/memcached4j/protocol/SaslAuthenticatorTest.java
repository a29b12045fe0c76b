/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.memcached4j.protocol.SaslAuthenticator.SASL_FAIL;
import static io.memcached4j.protocol.SaslAuthenticator.SASL_NOUSER;
import static io.memcached4j.protocol.SaslAuthenticator.SASL_OK;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The password database checked as memcached 1.6.39 built with {@code --enable-sasl-pwdb} checks it, through its SASL
 * library's canonicalization of the user (each case compared with that server, host name {@code vm}).
 */
class SaslAuthenticatorTest
{
    @TempDir
    Path dir;

    private final List<String> log = new ArrayList<>();

    private int check(final SaslAuthenticator sasl, final String user, final String password)
    {
        final byte[] response = ("\0" + user + "\0" + password).getBytes(StandardCharsets.ISO_8859_1);
        return sasl.check(response, 1, user.length(), user.length() + 2, password.length(), true, log::add);
    }

    private SaslAuthenticator file(final String content) throws Exception
    {
        final Path file = dir.resolve("pwdb");
        Files.write(file, content.getBytes(StandardCharsets.ISO_8859_1));
        return SaslAuthenticator.fromPasswordFile(file, "vm");
    }

    @Test
    void shouldAppendTheRealmToAUserWithoutOne() throws Exception
    {
        final SaslAuthenticator sasl = file("u@vm:p\nw@x:q\nplain:r\n");
        assertEquals(SASL_OK, check(sasl, "u", "p"));
        assertEquals(SASL_OK, check(sasl, "u@vm", "p"));
        assertEquals(SASL_OK, check(sasl, "w@x", "q"));
        assertEquals(SASL_NOUSER, check(sasl, "w", "q"));
        assertEquals(SASL_NOUSER, check(sasl, "u@VM", "p"));
        // a line without the realm never matches a user name, which always has one
        assertEquals(SASL_NOUSER, check(sasl, "plain", "r"));
        assertEquals(List.of("INFO: User <w@vm> failed to authenticate",
            "SASL (severity 2): Password verification failed",
            "INFO: User <u@VM> failed to authenticate",
            "SASL (severity 2): Password verification failed",
            "INFO: User <plain@vm> failed to authenticate",
            "SASL (severity 2): Password verification failed"), log);
    }

    @Test
    void shouldTrimWhiteSpaceAndFailWhereCyrusDoes() throws Exception
    {
        final SaslAuthenticator sasl = file("u@vm:p\nuu@vm:p\n");
        assertEquals(SASL_OK, check(sasl, "u\t", "p"));
        assertEquals(SASL_OK, check(sasl, " uu", "p"));
        // leading white space exactly as long as the rest: Cyrus reports an all-white-space name
        assertEquals(SASL_FAIL, check(sasl, " u ", "p"));
        assertEquals(SASL_FAIL, check(sasl, "  uu", "p"));
        assertEquals(SASL_FAIL, check(sasl, "", "p"));
        assertEquals("SASL (severity 2): All-whitespace username.", log.get(0));
    }

    @Test
    void shouldLetTheFirstLineOfAUserDecideAndAllowFieldsAfterThePassword() throws Exception
    {
        final SaslAuthenticator sasl = file("u@vm:p1\nu@vm:p2\nv@vm:pw:extra\r\nw@vm:\n");
        assertEquals(SASL_OK, check(sasl, "u", "p1"));
        assertEquals(SASL_NOUSER, check(sasl, "u", "p2"));
        assertEquals(SASL_OK, check(sasl, "v", "pw"));
        assertEquals(SASL_OK, check(sasl, "v", "pw:extra"));
        assertEquals(SASL_NOUSER, check(sasl, "v", "p"));
        assertEquals(SASL_OK, check(sasl, "w", ""));
    }

    @Test
    void shouldReadTheFileAtEveryLoginAndFailWhileItIsMissing() throws Exception
    {
        final Path file = dir.resolve("pwdb");
        final SaslAuthenticator sasl = SaslAuthenticator.fromPasswordFile(file, "vm");
        assertEquals(SASL_NOUSER, check(sasl, "u", "p"));
        assertEquals("WARNING: Failed to open sasl database <" + file + ">: No such file or directory", log.get(0));
        Files.writeString(file, "u@vm:p\n");
        assertEquals(SASL_OK, check(sasl, "u", "p"));
        Files.writeString(file, "u@vm:new\n");
        assertEquals(SASL_NOUSER, check(sasl, "u", "p"));
        assertEquals(SASL_OK, check(sasl, "u", "new"));
    }

    @Test
    void shouldFailToOpenAnEmptyFileNameAsMemcachedDoes()
    {
        // the JDK's empty path is the current directory; C's fopen("") fails with ENOENT
        final SaslAuthenticator sasl = SaslAuthenticator.fromPasswordFile(Path.of(""), "vm");
        assertEquals(SASL_NOUSER, check(sasl, "u", "p"));
        assertEquals("WARNING: Failed to open sasl database <>: No such file or directory", log.get(0));
    }

    @Test
    void shouldFindNoUserInADirectoryAsMemcachedsFopenOpensIt() throws Exception
    {
        final SaslAuthenticator sasl = SaslAuthenticator.fromPasswordFile(dir, "vm");
        assertEquals(SASL_NOUSER, check(sasl, "u", "p"));
        assertEquals(List.of("INFO: User <u@vm> failed to authenticate",
            "SASL (severity 2): Password verification failed"), log);
    }

    @Test
    void shouldReadLinesInPiecesOfOneReadAndRefuseOverlongCredentials() throws Exception
    {
        // the rest of a long line is read as a line of its own
        final SaslAuthenticator sasl = file("x:" + "y".repeat(253) + "u@vm:q\n");
        assertEquals(SASL_OK, check(sasl, "u", "q"));
        log.clear();
        assertEquals(SASL_NOUSER, check(file("u@vm:" + "a".repeat(300) + "\n"), "u", "a".repeat(300)));
        // printed even without -v, as memcached prints it
        assertEquals("WARNING: Failed to authenticate <u@vm> due to too long password (300)", log.get(0));
        final List<String> quiet = new ArrayList<>();
        final byte[] response = ("\0u\0" + "a".repeat(300)).getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(SASL_NOUSER, sasl.check(response, 1, 1, 3, 300, false, quiet::add));
        assertEquals(List.of("WARNING: Failed to authenticate <u@vm> due to too long password (300)"), quiet);
    }

    @Test
    void shouldMatchUsersAsGivenWithoutARealmInMemory()
    {
        final SaslAuthenticator sasl = SaslAuthenticator.of(Map.of("user", "secret"));
        assertEquals(SASL_OK, check(sasl, "user", "secret"));
        assertEquals(SASL_NOUSER, check(sasl, "user", "secret2"));
        assertEquals(SASL_NOUSER, check(sasl, "other", "secret"));
    }
}
