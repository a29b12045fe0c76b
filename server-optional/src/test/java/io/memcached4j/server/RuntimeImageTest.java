/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.memcached4j.server.TestServers.Client;
import static io.memcached4j.server.TestServers.Forked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The container image without a container: the runtime that {@code server-optional/Dockerfile} makes, made here by the
 * same script ({@code src/main/jlink/make-runtime.sh}, once for the class), and the Dockerfile's {@code ENTRYPOINT}
 * and {@code HEALTHCHECK} commands run from it as the Dockerfile's {@code USER} (through {@code setpriv} when the
 * tests run as root; from a copy in the temporary directory when that user cannot reach {@code target/}), with nothing
 * but the runtime's {@code bin} on the {@code PATH}. Runs after {@code package} (surefire execution {@code jar-test}).
 */
@Tag("jar")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RuntimeImageTest
{
    private static final String IMAGE_RUNTIME = "/opt/java";
    private static final String IMAGE_JAR = "/app/memcached4j-server.jar";
    private static final String JLINK_STAGE =
        "RUN sh server-optional/src/main/jlink/make-runtime.sh server-optional/target/memcached4j-server.jar " +
        IMAGE_RUNTIME;
    private static final long MIB = 1024 * 1024;

    /**
     * The shared libraries the image's base (distroless cc-debian12) provides: glibc's, libgcc's and libstdc++'s.
     */
    private static final Pattern BASE_LIBRARY = Pattern.compile(
        "(ld-linux[-.\\w]*|libc|libm|libdl|libpthread|librt|libresolv|libnss_\\w+|libgcc_s|libstdc\\+\\+)\\.so[.\\d]*");

    private static Path jar;
    private static Path runtime;
    private static List<String> entrypoint;
    private static List<String> healthcheck;
    private static String user;
    private static Path staged;

    @BeforeAll
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    static void makeRuntime() throws Exception
    {
        final String jarPath = System.getProperty("memcached4j.test.jar");
        Assumptions.assumeTrue(jarPath != null, "run by the jar-test execution after packaging");
        jar = Path.of(jarPath).toAbsolutePath();
        final Path moduleDir = Path.of(System.getProperty("memcached4j.test.moduleDir")).toAbsolutePath();

        final List<String> dockerfile = instructions(moduleDir.resolve("Dockerfile"));
        assertTrue(dockerfile.contains(JLINK_STAGE), "the Dockerfile's jlink stage runs " + JLINK_STAGE);
        entrypoint = execForm(instruction(dockerfile, "ENTRYPOINT"));
        final String check = instruction(dockerfile, "HEALTHCHECK");
        assertTrue(check.contains(" CMD ["), check);
        healthcheck = execForm(check.substring(check.indexOf(" CMD [") + 5));
        user = instruction(dockerfile, "USER");
        assertTrue(user.matches("\\d+:\\d+"), "a numeric user and group: " + user);
        assertEquals("11211", instruction(dockerfile, "EXPOSE"));

        runtime = jar.getParent().resolve("image-runtime");
        deleteRecursively(runtime);
        final Path script = moduleDir.resolve("src/main/jlink/make-runtime.sh");
        final ProcessBuilder builder = new ProcessBuilder("sh", script.toString(), jar.toString(), runtime.toString())
            .redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        final Process jlink = builder.start();
        final String output = new String(jlink.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(jlink.waitFor(240, TimeUnit.SECONDS), "make-runtime.sh finished");
        assertEquals(0, jlink.exitValue(), output);
        assertTrue(Files.isExecutable(runtime.resolve("bin/java")), output);

        if (TestServers.isRoot() && !(traversableByOthers(runtime) && traversableByOthers(jar)))
        {
            // the image's user cannot reach target/ (a checkout in a private directory): run a copy of both
            staged = Files.createTempDirectory("memcached4j-image",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            final Path stagedRuntime = staged.resolve("java");
            copyTree(runtime, stagedRuntime);
            final Path stagedJar = staged.resolve(jar.getFileName());
            Files.copy(jar, stagedJar, StandardCopyOption.COPY_ATTRIBUTES);
            runtime = stagedRuntime;
            jar = stagedJar;
        }
    }

    @AfterAll
    static void deleteStagedCopy() throws IOException
    {
        if (staged != null)
        {
            deleteRecursively(staged);
        }
    }

    @Test
    void shouldHaveNoShellOnThePath() throws Exception
    {
        try (Stream<Path> files = Files.list(runtime.resolve("bin")))
        {
            final Set<String> names = new TreeSet<>();
            files.forEach(f -> names.add(f.getFileName().toString()));
            assertTrue(names.contains("java"), names.toString());
            for (final String name : names)
            {
                assertFalse(name.matches("(ba|da|z|k|c|tc|fi)?sh|busybox"), "a shell in the runtime: " + names);
            }
        }
    }

    @Test
    void shouldServeAsANonRootUserAndAnswerTheHealthCheck() throws Exception
    {
        final int port = TestServers.freePort();
        try (Forked server = new Forked(asImageUser(image(entrypoint)), environment(), port,
            "memcached", "-m", "64", "-c", "2048", "-p", Integer.toString(port), "-l", "127.0.0.1", "-v");
            Client c = new Client(port))
        {
            final long pid = server.process.pid();
            if (TestServers.isRoot())
            {
                assertEquals(user.split(":")[0], uid(pid), "the server runs as the Dockerfile's USER");
            }

            final List<String> probe = new ArrayList<>(image(healthcheck));
            probe.addAll(List.of("127.0.0.1", Integer.toString(port)));
            final ProbeResult healthy = run(asImageUser(probe));
            assertEquals(0, healthy.status, healthy.output);
            assertEquals("VERSION 1.6.39\n", healthy.output);

            assertEquals(Long.toString(64 * MIB), c.stat("limit_maxbytes"));
            assertEquals("2048", c.stat("max_connections"));
            TestServers.assertStored(c, "image", "hello");
            assertEquals("VALUE image 0 5\r\nhello\r\nEND\r\n", c.request("get image\r\n", "END\r\n"));

            assertLibrariesFromTheRuntimeOrTheBase(pid);

            server.process.destroy();
            assertTrue(server.process.waitFor(20, TimeUnit.SECONDS));
            assertEquals(0, server.process.exitValue(), server.stderrText());
            assertFalse(server.stderrText().contains("running as root"), server.stderrText());
        }
    }

    @Test
    void shouldReportAnUnhealthyServer() throws Exception
    {
        final int port = TestServers.freePort();
        final List<String> probe = new ArrayList<>(image(healthcheck));
        probe.addAll(List.of("127.0.0.1", Integer.toString(port)));
        final ProbeResult unhealthy = run(asImageUser(probe));
        assertEquals(1, unhealthy.status, unhealthy.output);
        assertTrue(unhealthy.output.startsWith("memcached4j health probe: 127.0.0.1:" + port + ": "),
            unhealthy.output);
    }

    @Test
    void shouldRefuseACommandOtherThanMemcached() throws Exception
    {
        final List<String> command = new ArrayList<>(asImageUser(image(entrypoint)));
        command.addAll(List.of("sh", "-c", "echo hello"));
        final ProbeResult refused = run(command);
        assertEquals(ImageMain.EX_NOT_FOUND, refused.status, refused.output);
        assertEquals(ImageMain.refusal("sh"), refused.output);
    }

    @Test
    void shouldFillSevenHundredSixtyEightMegabytesWithinAGibibyte() throws Exception
    {
        final int port = TestServers.freePort();
        try (Forked server = new Forked(asImageUser(image(entrypoint)), environment(), port,
            "-m", "768", "-p", Integer.toString(port), "-l", "127.0.0.1");
            Client c = new Client(port))
        {
            final Map<String, String> stats = TestServers.fillUntilEvictions(c, 768 * MIB, 1024, 100 * 1024);
            final String malloced = TestServers.stats(c, "stats slabs").get("total_malloced");
            final long peakKib = TestServers.procStatusKib(server.process.pid(), "VmHWM");
            final String figures = "peak " + peakKib + " KiB, total_malloced " + malloced + ", " +
                stats.get("curr_items") + " items, " + stats.get("evictions") + " evictions";
            System.out.println("RuntimeImageTest: -m 768: " + figures);
            assertTrue(Long.parseLong(malloced) > 760 * MIB, figures);
            assertTrue(peakKib * 1024 < 1024 * MIB, figures);
        }
    }

    /**
     * Every shared library the server has mapped is the runtime's or one the image's base provides. Name service
     * modules are the exception: the JVM looks its user up, and this machine's /etc/nsswitch.conf may load modules
     * (and their libraries) that the image's, which reads /etc/passwd only, does not.
     */
    private static void assertLibrariesFromTheRuntimeOrTheBase(final long pid) throws Exception
    {
        final Set<Path> mapped = new TreeSet<>();
        for (final String line : Files.readAllLines(Path.of("/proc/" + pid + "/maps"), StandardCharsets.UTF_8))
        {
            final int slash = line.indexOf('/');
            if (slash >= 0 && line.substring(slash).contains(".so"))
            {
                mapped.add(Path.of(line.substring(slash)));
            }
        }
        final Set<String> nameService = new TreeSet<>();
        for (final Path file : mapped)
        {
            if (file.getFileName().toString().startsWith("libnss_"))
            {
                nameService.addAll(libraries(file));
            }
        }
        final Set<String> fromRuntime = new TreeSet<>();
        final Set<String> fromBase = new TreeSet<>();
        for (final Path file : mapped)
        {
            final String name = file.getFileName().toString();
            if (file.startsWith(runtime))
            {
                fromRuntime.add(name);
            }
            else if (BASE_LIBRARY.matcher(name).matches() || nameService.contains(name))
            {
                fromBase.add(name);
            }
            else
            {
                fail(file + " is neither in the runtime nor in the image's base; mapped: " + mapped);
            }
        }
        assertTrue(fromRuntime.contains("libjvm.so"), fromRuntime.toString());
        assertTrue(fromRuntime.contains("libz.so.1"), "zlib comes with the runtime: " + fromRuntime);
        assertTrue(fromBase.stream().anyMatch(n -> n.startsWith("libc.so")), fromBase.toString());
    }

    /**
     * The files of the libraries a shared object needs, as {@code ldd} finds them.
     */
    private static Set<String> libraries(final Path sharedObject) throws Exception
    {
        final Process ldd = new ProcessBuilder("ldd", sharedObject.toString()).redirectErrorStream(true).start();
        final String output = new String(ldd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(ldd.waitFor(10, TimeUnit.SECONDS), "ldd " + sharedObject);
        final Set<String> names = new TreeSet<>();
        for (final String line : output.split("\n"))
        {
            final String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && "=>".equals(f[1]) && f[2].startsWith("/"))
            {
                names.add(Path.of(f[2]).toRealPath().getFileName().toString());
            }
        }
        return names;
    }

    private static List<String> image(final List<String> command)
    {
        final List<String> local = new ArrayList<>();
        for (final String arg : command)
        {
            if (arg.equals(IMAGE_JAR))
            {
                local.add(jar.toString());
            }
            else if (arg.startsWith(IMAGE_RUNTIME + "/"))
            {
                local.add(runtime + arg.substring(IMAGE_RUNTIME.length()));
            }
            else
            {
                assertFalse(arg.startsWith("/"), "a path the test does not know: " + arg);
                local.add(arg);
            }
        }
        return local;
    }

    private static List<String> asImageUser(final List<String> command)
    {
        if (!TestServers.isRoot())
        {
            return command;
        }
        final String[] ids = user.split(":");
        final List<String> setpriv = new ArrayList<>(List.of("setpriv", "--reuid=" + ids[0], "--regid=" + ids[1],
            "--clear-groups"));
        setpriv.addAll(command);
        return setpriv;
    }

    private static Map<String, String> environment()
    {
        return Map.of("PATH", runtime.resolve("bin").toString());
    }

    private static String uid(final long pid) throws IOException
    {
        for (final String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"), StandardCharsets.US_ASCII))
        {
            if (line.startsWith("Uid:"))
            {
                return line.substring(4).trim().split("\\s+")[0];
            }
        }
        throw new IllegalStateException("no Uid in /proc/" + pid + "/status");
    }

    private record ProbeResult(int status, String output)
    {
    }

    private static ProbeResult run(final List<String> command) throws Exception
    {
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(environment());
        final Process p = builder.start();
        final String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS))
        {
            p.destroyForcibly();
            fail(command + " did not finish within 30 s");
        }
        return new ProbeResult(p.exitValue(), output);
    }

    /**
     * A Dockerfile's instructions, continuation lines joined, comments left out.
     */
    private static List<String> instructions(final Path dockerfile) throws IOException
    {
        final List<String> instructions = new ArrayList<>();
        final StringBuilder current = new StringBuilder();
        for (final String raw : Files.readAllLines(dockerfile, StandardCharsets.UTF_8))
        {
            final String line = raw.strip();
            if (line.startsWith("#") || (line.isEmpty() && current.length() == 0))
            {
                continue;
            }
            if (line.endsWith("\\"))
            {
                current.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            current.append(line);
            instructions.add(current.toString().replaceAll("\\s+", " ").strip());
            current.setLength(0);
        }
        return instructions;
    }

    /**
     * The arguments of the last instruction of a kind, as Docker uses only the last ENTRYPOINT, HEALTHCHECK or USER.
     */
    private static String instruction(final List<String> instructions, final String kind)
    {
        String found = null;
        for (final String instruction : instructions)
        {
            if (instruction.startsWith(kind + " "))
            {
                found = instruction.substring(kind.length() + 1);
            }
        }
        assertTrue(found != null, "the Dockerfile has " + kind);
        return found;
    }

    /**
     * The words of an exec form, {@code ["a", "b"]}: no shell runs it.
     */
    private static List<String> execForm(final String json)
    {
        final String trimmed = json.strip();
        assertTrue(trimmed.startsWith("[") && trimmed.endsWith("]"), "exec form: " + json);
        final String inner = trimmed.substring(1, trimmed.length() - 1).strip();
        final List<String> words = new ArrayList<>();
        int i = 0;
        while (i < inner.length())
        {
            assertEquals('"', inner.charAt(i), "exec form: " + json);
            final StringBuilder word = new StringBuilder();
            i++;
            while (inner.charAt(i) != '"')
            {
                if (inner.charAt(i) == '\\')
                {
                    i++;
                }
                word.append(inner.charAt(i++));
            }
            words.add(word.toString());
            i++;
            while (i < inner.length() && inner.charAt(i) == ' ')
            {
                i++;
            }
            if (i < inner.length())
            {
                assertEquals(',', inner.charAt(i), "exec form: " + json);
                i++;
                while (inner.charAt(i) == ' ')
                {
                    i++;
                }
            }
        }
        assertFalse(words.isEmpty(), "exec form: " + json);
        return words;
    }

    private static boolean traversableByOthers(final Path path) throws IOException
    {
        for (Path p = path.getParent(); p != null; p = p.getParent())
        {
            if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE))
            {
                return false;
            }
        }
        return true;
    }

    private static void copyTree(final Path from, final Path to) throws IOException
    {
        try (Stream<Path> paths = Files.walk(from))
        {
            for (final Path p : (Iterable<Path>)paths::iterator)
            {
                Files.copy(p, to.resolve(from.relativize(p).toString()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    private static void deleteRecursively(final Path root) throws IOException
    {
        if (!Files.exists(root))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(root))
        {
            for (final Path p : (Iterable<Path>)paths.sorted(Comparator.reverseOrder())::iterator)
            {
                Files.delete(p);
            }
        }
    }
}
