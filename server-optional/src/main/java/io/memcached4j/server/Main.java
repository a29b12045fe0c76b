/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import io.memcached4j.core.CacheBuilder;
import io.memcached4j.core.MemcachedCache;

/**
 * {@code memcached4j [memcached's flags]}: read the command line as memcached 1.6.39 does, build the cache, serve it
 * until SIGTERM, SIGINT or an allowed {@code shutdown}, then exit 0 (70, {@code EX_SOFTWARE}, when a thread of the
 * server failed and stopped it). Refused command lines print memcached's message
 * and exit with its status.
 */
public final class Main
{
    /** The capability that lets a process raise its hard resource limits. */
    private static final int CAP_SYS_RESOURCE = 24;
    /** sysexits' {@code EX_SOFTWARE}: the server stopped because one of its own threads failed. */
    static final int EXIT_FAILED = 70;
    private static final int NO_STOP = 0;
    private static final int STOP = 1;
    private static final int GRACEFUL_STOP = 2;
    /** The most memcached reads of a pid file's first line (fgets into 1024 bytes). */
    private static final int PID_LINE_MAX = 1023;
    /** The access mode bits of a descriptor's flags, and the mode of one open for reading and writing. */
    private static final int O_ACCMODE = 3;
    private static final int O_RDWR = 2;

    private Main()
    {
    }

    /**
     * Run the server.
     *
     * @param args memcached's flags.
     */
    public static void main(final String[] args)
    {
        final int status = run(args, System.out, System.err);
        System.exit(status);
    }

    /**
     * Run the server until it stops, printing to the given streams.
     *
     * @param args memcached's flags.
     * @param out  standard output.
     * @param err  standard error.
     * @return the exit status.
     */
    public static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        final ServerOptions options;
        try
        {
            options = CommandLine.parse(args);
        }
        catch (final CommandLineException ex)
        {
            final PrintStream to = ex.toStdout() ? out : err;
            to.print(ex.getMessage() + (ex.lineEnd() ? "\n" : ""));
            to.flush();
            return ex.exitCode();
        }
        switch (options.action())
        {
            case HELP:
                out.print(Usage.help());
                out.flush();
                return 0;
            case VERSION:
                out.print(Usage.versionLine() + "\n");
                out.flush();
                return 0;
            case LICENSE:
                out.print(Usage.license());
                out.flush();
                return 0;
            default:
                break;
        }
        // memcached takes SIGHUP from its start; the JVM's default would end the process
        final AtomicReference<MemcachedServer> running = new AtomicReference<>();
        handle("HUP", sig ->
        {
            final MemcachedServer s = running.get();
            if (s != null)
            {
                s.reloadAuthFile();
            }
        });
        // memcached takes SIGTERM and SIGINT (and SIGUSR1) from the top of main(): one that comes while the server
        // starts stops it as soon as it runs, and the exit is the normal one
        final AtomicInteger stopAsked = new AtomicInteger(NO_STOP);
        installStopHandlers(running, stopAsked);
        final Started started = start(options, err);
        if (started.server() == null)
        {
            return started.status();
        }
        final MemcachedServer server = started.server();
        running.set(server);
        if (stopAsked.get() != NO_STOP)
        {
            server.stop(stopAsked.get() == GRACEFUL_STOP);
        }
        try
        {
            server.awaitStop();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        if (server.failure() != null)
        {
            err.flush();
            started.cache().close();
            return EXIT_FAILED;
        }
        // the server printed its graceful stop's lines itself; as memcached, the verbosity now in force decides, which
        // the verbosity command may have changed since the start
        if (!server.stoppedGracefully() && server.state().verbosity() > 0)
        {
            err.print("Exiting normally\n");
        }
        err.flush();
        started.cache().close();
        return 0;
    }

    /**
     * What memcached's {@code -L} prints as it asks for its memory in one chunk on huge pages: the size of a huge page
     * from {@code /proc/meminfo} at {@code -vv}, or, without one, its warnings, after which memcached does not
     * preallocate. memcached4j takes no huge pages (the JVM's direct memory gives none), and preallocates as memcached
     * does otherwise.
     *
     * @param meminfo   the kernel's memory information.
     * @param verbosity the {@code -v} count.
     * @param log       where the lines go.
     * @return whether to preallocate.
     */
    static boolean hugePageSize(final Path meminfo, final int verbosity, final Log log)
    {
        long size = 0;
        try
        {
            for (final String line : Files.readAllLines(meminfo, StandardCharsets.ISO_8859_1))
            {
                if (line.startsWith("Hugepagesize:"))
                {
                    final String digits = line.substring("Hugepagesize:".length()).strip().replaceFirst("\\D.*", "");
                    size = digits.isEmpty() ? 0 : Long.parseLong(digits) << 10;
                }
            }
        }
        catch (final IOException | NumberFormatException ex)
        {
            size = 0;
        }
        if (size == 0)
        {
            log.line("Failed to get supported huge page size");
            log.text("Warning: Failed to allocate requested memory in one large chunk.\n" +
                "Will allocate in smaller chunks\n");
            return false;
        }
        if (verbosity > 1)
        {
            log.line("huge page size: " + size);
        }
        return true;
    }

    /**
     * A started server and its cache, or the status to exit with.
     *
     * @param server the server, or null when it did not start.
     * @param cache  the cache it serves.
     * @param status the exit status when it did not start.
     */
    public record Started(MemcachedServer server, MemcachedCache cache, int status)
    {
    }

    /**
     * Print the start-up notices, build the cache and start the server: what {@link #run} does before it waits, for
     * tests and embedders that start a server in-process.
     *
     * @param options the command line.
     * @param err     standard error.
     * @return the server, or the exit status.
     */
    public static Started start(final ServerOptions options, final PrintStream err)
    {
        // what glibc's perror does to errno depends on the descriptor behind standard error (Log.errnoAfterPerror),
        // which only the process's own standard error has
        final Log log = new Log(err, err == System.err && readWrite(Path.of("/proc/self/fdinfo/2")));
        final long maxconns = options.serverSettings().maxConnections();
        final int fds = openFileLimit(maxconns, Path.of("/proc/self"), Path.of("/proc/sys/fs/nr_open"));
        if (fds < 0)
        {
            // memcached sets the limit (soft and hard) to -c before anything else, and stops when it cannot
            log.line("failed to set rlimit for open files. Try starting as root or requesting smaller maxconns value.");
            return new Started(null, null, CommandLineException.EX_OSERR);
        }
        final boolean root = isRoot();
        final String refusal = privilegeRefusal(root, options.user());
        if (refusal != null)
        {
            log.line(refusal);
            return new Started(null, null, CommandLineException.EX_NOUSER);
        }
        final String privileges = privilegeNotice(root, options.user());
        if (privileges != null)
        {
            log.notice(privileges);
        }
        for (final String notice : options.notices())
        {
            if (options.printedByMemcached(notice))
            {
                log.line(notice);
            }
            else
            {
                log.notice(notice);
            }
        }
        if (fds > 0)
        {
            log.notice("-c " + maxconns + " is above this process's open file limit, " + fds + ", which memcached " +
                "would raise and a JVM cannot: connections past the limit wait until others close.");
        }
        if (options.sasl && options.verbosity() > 0)
        {
            // memcached's init_sasl, after it switched users and before its hash table and slabs
            log.line("Initialized SASL.");
        }
        final MemcachedCache cache;
        final EngineLog engineLog = new EngineLog(log, options.verbosity());
        try
        {
            final CacheBuilder builder = options.cacheBuilder().trace(engineLog);
            if (options.preallocate && !hugePageSize(Path.of("/proc/meminfo"), options.verbosity(), log))
            {
                builder.preallocate(false);
            }
            cache = builder.build();
        }
        catch (final IllegalArgumentException | OutOfMemoryError ex)
        {
            log.line(String.valueOf(ex.getMessage()));
            return new Started(null, null, CommandLineException.EX_USAGE);
        }
        catch (final IllegalStateException ex)
        {
            // -L with a limit that cannot give every slab class a page: memcached exits with 1
            log.line(String.valueOf(ex.getMessage()));
            return new Started(null, null, 1);
        }
        final MemcachedServer server;
        try
        {
            server = MemcachedServer.start(options, cache, log);
        }
        catch (final ServerStartException ex)
        {
            log.line(ex.getMessage());
            cache.close();
            return new Started(null, null, ex.exitCode());
        }
        engineLog.follow(server.state()::verbosity);
        if (options.pidFile() != null)
        {
            savePid(options.pidFile(), ProcessHandle.current().pid(), log);
        }
        return new Started(server, cache, 0);
    }

    /**
     * Whether a descriptor is open for reading and writing, as a terminal is, from its {@code fdinfo} (Linux): the
     * access mode in the octal {@code flags:} line.
     *
     * @param fdinfo the descriptor's {@code /proc/<pid>/fdinfo/<fd>}.
     * @return true for {@code O_RDWR}; false otherwise, or when there is no such file.
     */
    static boolean readWrite(final Path fdinfo)
    {
        try
        {
            for (final String line : Files.readAllLines(fdinfo, StandardCharsets.US_ASCII))
            {
                if (line.startsWith("flags:"))
                {
                    return (Integer.parseInt(line.substring("flags:".length()).strip(), 8) & O_ACCMODE) == O_RDWR;
                }
            }
        }
        catch (final IOException | NumberFormatException ex)
        {
            // not Linux, or no such descriptor: as a file or a pipe
        }
        return false;
    }

    /**
     * memcached's {@code -P}: warn when the file names a process that runs, write the process id to the name with
     * {@code .tmp} appended and rename that over the file, so that no reader finds it empty. A failure is reported
     * with memcached's line and the server runs on.
     *
     * @param name the {@code -P} file.
     * @param pid  the process id to write.
     * @param log  where the lines go.
     */
    static void savePid(final String name, final long pid, final Log log)
    {
        final long previous = runningPid(name);
        if (previous >= 0)
        {
            log.line("WARNING: The pid file contained the following (running) pid: " + previous);
        }
        final String tmpName = name + ".tmp";
        final Path tmp = Path.of(tmpName);
        final OutputStream out;
        try
        {
            out = Files.newOutputStream(tmp);
        }
        catch (final IOException ex)
        {
            log.line("Could not open the pid file " + tmpName + " for writing: " + MemcachedServer.reason(ex));
            return;
        }
        try (out)
        {
            out.write((pid + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        catch (final IOException ex)
        {
            log.line("Could not close the pid file " + tmpName + ": " + MemcachedServer.reason(ex));
        }
        if (name.isEmpty())
        {
            // rename(2) to an empty path; the JDK would take it for the current directory
            log.line("Could not rename the pid file from " + tmpName + " to : No such file or directory");
            return;
        }
        try
        {
            Files.move(tmp, Path.of(name), StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException ex)
        {
            log.line("Could not rename the pid file from " + tmpName + " to " + name + ": " +
                MemcachedServer.reason(ex));
        }
    }

    /**
     * The process id an existing pid file names, when that process runs: memcached reads the first line as an
     * unsigned number (digits, then the end or white space) and asks {@code kill(pid, 0)}, which succeeds for 0 (its
     * own process group).
     *
     * @param name the pid file.
     * @return the process id, or -1 when there is no file, no number or no such process.
     */
    static long runningPid(final String name)
    {
        final StringBuilder line = new StringBuilder();
        try (InputStream in = Files.newInputStream(Path.of(name)))
        {
            // fgets into memcached's 1024-byte buffer
            int b;
            while (line.length() < PID_LINE_MAX && (b = in.read()) >= 0)
            {
                line.append((char)b);
                if (b == '\n')
                {
                    break;
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
        final long pid = CommandLine.safeStrtoul(line.toString());
        if (pid < 0 || pid > Integer.MAX_VALUE)
        {
            return -1;
        }
        return pid == 0 || ProcessHandle.of(pid).isPresent() ? pid : -1;
    }

    /**
     * What the server says about the user it runs as: memcached as root refuses to start without {@code -u} and
     * switches to the {@code -u} user, neither of which a JVM can do, so memcached4j warns and runs on (a user that
     * does not exist stops it first, see {@link #privilegeRefusal}). Not root, {@code -u} has no effect, as in
     * memcached.
     *
     * @param root whether the process runs as root.
     * @param user the {@code -u} user, or null.
     * @return the notice, or null when there is none.
     */
    static String privilegeNotice(final boolean root, final String user)
    {
        if (!root)
        {
            return null;
        }
        if (user == null || user.isEmpty())
        {
            return "WARNING: running as root. memcached refuses to (\"must add '-u root' to start as root\"); " +
                "memcached4j cannot drop privileges from a JVM and runs as root: start it as another user.";
        }
        if (!"root".equals(user))
        {
            return "-u " + user + " has no effect: a JVM cannot change its user; memcached4j runs as root. Start it " +
                "as " + user + " instead.";
        }
        return null;
    }

    /**
     * Whether memcached would stop where it switches to the {@code -u} user: as root, a user the system does not know
     * ({@code getpwnam} finds no such name) ends it with status 67. Not root, or without {@code -u}, it does not look.
     *
     * @param root whether the process runs as root.
     * @param user the {@code -u} user, or null.
     * @return memcached's message, or null when it goes on.
     */
    static String privilegeRefusal(final boolean root, final String user)
    {
        if (!root || user == null || user.isEmpty() || userExists(user))
        {
            return null;
        }
        return "can't find the user " + user + " to switch to";
    }

    /**
     * Whether the system knows a user by this name, as {@code getpwnam} looks it up. The JDK's lookup asks
     * {@code getpwnam} but takes a name of digits that it does not find for a user id, which {@code getpwnam} does
     * not: such a name is looked for in {@code /etc/passwd}.
     *
     * @param name the user name.
     * @return false when there is no such user; true when there is, or when it cannot be told.
     */
    static boolean userExists(final String name)
    {
        if (name.chars().allMatch(c -> c >= '0' && c <= '9'))
        {
            try
            {
                return Files.readAllLines(Path.of("/etc/passwd"), StandardCharsets.ISO_8859_1).stream()
                    .anyMatch(line -> line.startsWith(name + ":"));
            }
            catch (final IOException ex)
            {
                return true;
            }
        }
        try
        {
            FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(name);
            return true;
        }
        catch (final UserPrincipalNotFoundException ex)
        {
            return false;
        }
        catch (final IOException | RuntimeException ex)
        {
            // no user database to ask: as before, the server runs with its notice
            return true;
        }
    }

    /**
     * What memcached's {@code setrlimit(RLIMIT_NOFILE)} to {@code -c} (soft and hard limit) would do here. It fails,
     * and memcached exits, when {@code -c} is above the hard limit and the process may not raise it (no
     * {@code CAP_SYS_RESOURCE}) or above {@code fs.nr_open}. When memcached could raise it, the JVM still cannot.
     *
     * @param maxconns {@code -c}.
     * @param self     the process's {@code /proc} directory ({@code limits} and {@code status} are read).
     * @param nrOpen   {@code /proc/sys/fs/nr_open}.
     * @return -1 when memcached would exit, the hard limit when it is lower than {@code -c} but memcached could
     *         raise it, 0 otherwise or when the limits cannot be read.
     */
    static int openFileLimit(final long maxconns, final Path self, final Path nrOpen)
    {
        try
        {
            long hard = -1;
            for (final String line : Files.readAllLines(self.resolve("limits"), StandardCharsets.US_ASCII))
            {
                if (line.startsWith("Max open files"))
                {
                    final String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                    hard = "unlimited".equals(f[1]) ? Long.MAX_VALUE : Long.parseLong(f[1]);
                }
            }
            if (hard < 0 || maxconns <= hard)
            {
                return 0;
            }
            boolean mayRaise = false;
            for (final String line : Files.readAllLines(self.resolve("status"), StandardCharsets.US_ASCII))
            {
                if (line.startsWith("CapEff:"))
                {
                    mayRaise = (Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16) &
                        (1L << CAP_SYS_RESOURCE)) != 0;
                }
            }
            final long ceiling = Long.parseLong(Files.readString(nrOpen, StandardCharsets.US_ASCII).trim());
            return mayRaise && maxconns <= ceiling ? (int)Math.min(Integer.MAX_VALUE, hard) : -1;
        }
        catch (final IOException | RuntimeException ex)
        {
            // not Linux, or no /proc: nothing to compare with
            return 0;
        }
    }

    private static boolean isRoot()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII))
            {
                if (line.startsWith("Uid:"))
                {
                    final String[] f = line.substring(4).trim().split("\\s+");
                    return "0".equals(f[0]) || (f.length > 1 && "0".equals(f[1]));
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            // not Linux: fall back to the name
        }
        return "root".equals(System.getProperty("user.name"));
    }

    /**
     * SIGTERM and SIGINT stop the server and let {@link #run} exit 0; SIGUSR1 is memcached's graceful stop (SIGHUP,
     * which reads the {@code -Y} file again, is taken before the server starts). Uses
     * {@code sun.misc.Signal} through reflection (no compile-time dependency on an internal API); without it, the
     * JVM's own handling applies.
     */
    private static void installStopHandlers(final AtomicReference<MemcachedServer> running, final AtomicInteger asked)
    {
        handle("TERM", sig -> askStop(running, asked, STOP));
        handle("INT", sig -> askStop(running, asked, STOP));
        handle("USR1", sig -> askStop(running, asked, GRACEFUL_STOP));
    }

    /**
     * Stop the server, or have it stopped once it runs: the request is recorded before the server is looked at,
     * and the starting thread sets the server before it looks at the request, so one of the two sees the other.
     */
    private static void askStop(
        final AtomicReference<MemcachedServer> running, final AtomicInteger asked, final int how)
    {
        asked.compareAndSet(NO_STOP, how);
        final MemcachedServer server = running.get();
        if (server != null)
        {
            server.stop(asked.get() == GRACEFUL_STOP);
        }
    }

    private static void handle(final String name, final Consumer<Object> action)
    {
        try
        {
            final Class<?> signalClass = Class.forName("sun.misc.Signal");
            final Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            final Object signal = signalClass.getConstructor(String.class).newInstance(name);
            final InvocationHandler ih = (proxy, method, methodArgs) ->
            {
                if ("handle".equals(method.getName()))
                {
                    action.accept(methodArgs[0]);
                    return null;
                }
                if ("hashCode".equals(method.getName()))
                {
                    return System.identityHashCode(proxy);
                }
                if ("equals".equals(method.getName()))
                {
                    return proxy == methodArgs[0];
                }
                return "memcached4j signal handler";
            };
            final Object handler = Proxy.newProxyInstance(
                Main.class.getClassLoader(), new Class<?>[] {handlerClass}, ih);
            signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, handler);
        }
        catch (final ReflectiveOperationException | RuntimeException | LinkageError ex)
        {
            // no sun.misc.Signal (or the signal is in use by the JVM): default handling
        }
    }
}
