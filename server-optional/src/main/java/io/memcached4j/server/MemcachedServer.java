/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ObjIntConsumer;

import io.memcached4j.core.MemcachedCache;
import io.memcached4j.protocol.AsciiAuthFile;
import io.memcached4j.protocol.ServerSettings;
import io.memcached4j.protocol.ServerState;

/**
 * The network server: listening sockets (TCP on {@code -l}/{@code -p}, or a unix domain socket on {@code -s}), one
 * acceptor thread that applies memcached 1.6's {@code -c} rule and hands each accepted connection to one of
 * {@code -t} {@link Worker}s in turn; with {@code -U}, a UDP socket on each {@code -l} address that the workers serve
 * ({@link UdpEndpoint}). Start with {@link #start}, stop with {@link #stop} (also what {@code shutdown},
 * SIGTERM and SIGINT do) and wait with {@link #awaitStop}. Threadsafe.
 */
public final class MemcachedServer implements AutoCloseable
{
    private static final byte[] TOO_MANY_CONNECTIONS =
        "ERROR Too many open connections\r\n".getBytes(StandardCharsets.US_ASCII);
    /** The messages of EMFILE and ENFILE from a failed accept. */
    private static final String OUT_OF_DESCRIPTORS = "Too many open files";
    private static final String OUT_OF_SYSTEM_DESCRIPTORS = "Too many open files in system";
    /** memcached's perror prefix for a failed accept: Linux has accept4. */
    private static final String ACCEPT_ERROR_PREFIX = "accept4(): ";
    /** The file type bits of a mode, and a socket's. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    /**
     * Descriptors memcached holds before its worker threads': standard input, output and error, then its main
     * thread's event base and that base's pipe.
     */
    private static final int MAIN_THREAD_FDS = 6;
    /** memcached reserves, and opens, five descriptors per worker thread (two eventfds, an event base, a pipe). */
    private static final int RESERVED_FDS_PER_THREAD = 5;
    /** The longest unix socket path: {@code sun_path} holds 108 bytes with the terminating NUL. */
    private static final int SUN_PATH_MAX = 107;
    /** The longest path the JDK binds or connects a unix socket at. */
    private static final int JDK_SUN_PATH_MAX = 106;
    /** memcached's MAX_SENDBUF_SIZE: the send buffer it asks for a UDP socket. */
    private static final int MAX_SEND_BUFFER = 256 * 1024 * 1024;
    /** Bytes of a unix socket's path that fit memcached's address structure after the family (28 - 2). */
    private static final int SHOWN_UNIX_PATH = 26;
    private static final boolean LINUX = System.getProperty("os.name", "").startsWith("Linux");
    /** What {@code perror} prints for errno 0: memcached's "failed to listen" line after a getaddrinfo failure. */
    static final String NO_ERROR = "Success";
    private static final String ADDRESS_IN_USE = "Address already in use";

    private final ServerOptions options;
    private final MemcachedCache cache;
    private final ServerState state;
    private final Log log;
    private final ConnectionIds ids;
    private final Selector acceptSelector;
    private final List<Listener> listeners = new ArrayList<>();
    private final List<UdpSocket> udpSockets = new ArrayList<>();
    private final Worker[] workers;
    private final Thread[] workerThreads;
    private final Thread acceptorThread;
    /** memcached's idle timeout thread, with {@code -o idle_timeout}. */
    private final IdleTimeout idleTimeout;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private volatile boolean graceful;
    private volatile boolean acceptPaused;
    /** Whether accepting paused because the process ran out of descriptors: it resumes once a connection closes. */
    private boolean pausedForDescriptors;
    private int closesAtPause;
    /** The client that arrived while {@code -o no_maxconns_fast} had every descriptor in use, or null. */
    private Parked parked;
    /** Connections closed so far. */
    private final AtomicInteger closes = new AtomicInteger();
    private volatile Throwable failure;
    private long pausedSince;
    private int nextWorker;

    private record Listener(ServerSocketChannel channel, int id, String address, Path unixPath,
        ServerSettings.BindingProtocol protocol)
    {
    }

    /** A client accepted while the descriptor limit of {@code -o no_maxconns_fast} was reached: served on resume. */
    private record Parked(SocketChannel channel, Listener listener)
    {
    }

    /** A UDP socket and the connection numbers of the workers' endpoints on it (memcached's UDP connections). */
    private record UdpSocket(DatagramChannel channel, String address, int[] ids)
    {
    }

    private MemcachedServer(final ServerOptions options, final MemcachedCache cache, final Log log)
        throws IOException
    {
        this.options = options;
        this.cache = cache;
        final ServerSettings settings = options.serverSettings();
        this.state = new ServerState(cache, settings);
        this.log = log;
        final int reserved = RESERVED_FDS_PER_THREAD * settings.threads();
        state.reservedFds(reserved);
        this.ids = new ConnectionIds(MAIN_THREAD_FDS + reserved);
        this.acceptSelector = Selector.open();
        this.workers = new Worker[settings.threads()];
        this.workerThreads = new Thread[workers.length];
        this.acceptorThread = new Thread(this::acceptLoop, "memcached4j-acceptor");
        state.shutdownHandler(g -> stop(g));
        this.idleTimeout = settings.idleTimeout() > 0 ?
            new IdleTimeout(state, log, settings.idleTimeout()) : null;
        state.verboseLog(log::line);
    }

    /**
     * Open the listeners and start serving {@code cache} as the options say.
     *
     * @param options the command line.
     * @param cache   the cache to serve; the server does not close it.
     * @param err     where verbose output goes (standard error).
     * @return the running server.
     * @throws ServerStartException when a listener cannot be opened, with memcached's last line and exit status (its
     *                              lines before that one are printed on {@code err}).
     */
    public static MemcachedServer start(final ServerOptions options, final MemcachedCache cache, final PrintStream err)
        throws ServerStartException
    {
        return start(options, cache, new Log(err));
    }

    /**
     * Open the listeners and start serving {@code cache}, printing on the log the start-up lines were printed on.
     *
     * @param options the command line.
     * @param cache   the cache to serve; the server does not close it.
     * @param log     standard error.
     * @return the running server.
     * @throws ServerStartException when a listener cannot be opened, with memcached's last line and exit status.
     */
    static MemcachedServer start(final ServerOptions options, final MemcachedCache cache, final Log log)
        throws ServerStartException
    {
        final MemcachedServer server;
        try
        {
            server = new MemcachedServer(options, cache, log);
        }
        catch (final IOException ex)
        {
            throw new ServerStartException("failed to start: " + ex.getMessage(), CommandLineException.EX_OSERR);
        }
        try
        {
            server.listen();
            server.checkMaxconns();
            server.startThreads();
        }
        catch (final ServerStartException ex)
        {
            server.closeListeners();
            server.closeUdp();
            throw ex;
        }
        return server;
    }

    /**
     * The shared state: counters, settings, the cache.
     *
     * @return the state.
     */
    public ServerState state()
    {
        return state;
    }

    /**
     * The addresses the server listens on, with the ports actually bound.
     *
     * @return the addresses.
     */
    public List<SocketAddress> localAddresses()
    {
        final List<SocketAddress> result = new ArrayList<>();
        for (final Listener l : listeners)
        {
            if (l.unixPath() != null)
            {
                // the channel knows the path it was bound at, before the rename into place
                result.add(UnixDomainSocketAddress.of(l.unixPath()));
                continue;
            }
            try
            {
                result.add(l.channel().getLocalAddress());
            }
            catch (final IOException ex)
            {
                // closed
            }
        }
        return result;
    }

    /**
     * memcached's {@code SIGHUP}: read the {@code -Y} file again. When it cannot be read, or is malformed, the users
     * read before stay, silently, as in memcached. Nothing happens without {@code -Y}. Any thread.
     */
    public void reloadAuthFile()
    {
        final AsciiAuthFile users = state.settings().asciiAuth();
        if (users != null)
        {
            users.reload();
        }
    }

    /**
     * Stop accepting, let connections send what they can, close them and end the threads. Returns at once; see
     * {@link #awaitStop}.
     *
     * @param gracefully true for memcached's graceful stop ({@code shutdown graceful}, SIGUSR1).
     */
    public void stop(final boolean gracefully)
    {
        if (stopRequested.compareAndSet(false, true))
        {
            graceful = gracefully;
            acceptSelector.wakeup();
        }
    }

    /**
     * A thread the server cannot do without failed: report it and stop, with {@link #failure()} set so that the
     * process exits with an error. Any thread.
     *
     * @param what  which thread.
     * @param cause what it threw.
     */
    void failed(final String what, final Throwable cause)
    {
        log.line(what + ": " + cause);
        failure = cause;
        stop(false);
    }

    /**
     * What made the server stop, when a thread of its own failed.
     *
     * @return the failure, or null after a requested stop.
     */
    public Throwable failure()
    {
        return failure;
    }

    /**
     * Whether the stop was memcached's graceful kind.
     *
     * @return true after {@code shutdown graceful}.
     */
    public boolean stoppedGracefully()
    {
        return graceful;
    }

    /**
     * Wait until the server has stopped.
     *
     * @param timeout the longest wait.
     * @param unit    its unit.
     * @return true when stopped.
     * @throws InterruptedException when interrupted.
     */
    public boolean awaitStop(final long timeout, final TimeUnit unit) throws InterruptedException
    {
        return stopped.await(timeout, unit);
    }

    /**
     * Wait until the server has stopped.
     *
     * @throws InterruptedException when interrupted.
     */
    public void awaitStop() throws InterruptedException
    {
        stopped.await();
    }

    /**
     * Stop and wait (at most ten seconds).
     */
    @Override
    public void close()
    {
        stop(false);
        try
        {
            awaitStop(10, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    // -------------------------------------------------------------------------------------------------------------
    // listening
    // -------------------------------------------------------------------------------------------------------------

    private void listen() throws ServerStartException
    {
        if (options.socketPath() != null)
        {
            listenUnix(Path.of(options.socketPath()));
            return;
        }
        // memcached opens the port file before its TCP and UDP sockets, and renames it into place once all are open
        final PortFile ports = PortFile.open(options.portFile(), log);
        try
        {
            if (options.tcpPort() != 0)
            {
                serverSockets(options.tcpPort(), false, ports);
            }
            if (options.udpPort() != 0)
            {
                // memcached's UDP sockets, after the TCP ones: a socket on each -l address (all addresses without
                // -l), each with one connection per worker that serves it (num_threads_per_udp)
                serverSockets(options.udpPort(), true, ports);
            }
        }
        catch (final ServerStartException ex)
        {
            ports.abandon();
            throw ex;
        }
        ports.publish();
    }

    /**
     * memcached's {@code server_sockets}: a socket on every address of each {@code -l} item (every address without
     * {@code -l}, read by {@link ListenList}). An item that cannot be opened is reported at once and the next ones are
     * still opened, an item memcached refuses to read ends the list, then the start fails with memcached's line and
     * the error text of the first failure that had one.
     */
    private void serverSockets(final int port, final boolean udp, final PortFile ports) throws ServerStartException
    {
        final String inter = options.listen();
        final String what = inter == null ? "failed to listen on " + (udp ? "UDP" : "TCP") + " port " + port :
            "failed to listen on one of interface(s) " + inter;
        if (inter == null)
        {
            try
            {
                serverSocket(null, port, udp, options.serverSettings().bindingProtocol(), ports);
            }
            catch (final ListenFailure ex)
            {
                throw new ServerStartException(what + ": " + report(ex), CommandLineException.EX_OSERR);
            }
            catch (final IOException ex)
            {
                throw new ServerStartException(what + ": " + reason(ex), CommandLineException.EX_OSERR);
            }
            return;
        }
        String error = null;
        final ListenList items = new ListenList(inter, port, options.serverSettings().bindingProtocol());
        while (true)
        {
            final ListenList.Interface i;
            try
            {
                i = items.next();
            }
            catch (final ListenFailure ex)
            {
                // memcached opens no more items after one it refuses
                final String e = report(ex);
                error = error == null || NO_ERROR.equals(error) ? e : error;
                break;
            }
            if (i == null)
            {
                break;
            }
            try
            {
                serverSocket(i.host(), i.port(), udp, i.protocol(), ports);
            }
            catch (final ListenFailure ex)
            {
                final String e = report(ex);
                error = error == null || NO_ERROR.equals(error) ? e : error;
            }
            catch (final IOException ex)
            {
                error = error == null || NO_ERROR.equals(error) ? reason(ex) : error;
            }
        }
        if (error != null)
        {
            throw new ServerStartException(what + ": " + error, CommandLineException.EX_OSERR);
        }
    }

    /**
     * Print a failure's lines, as memcached prints them when it fails.
     *
     * @return the error text memcached's "failed to listen" line would show after it.
     */
    private String report(final ListenFailure ex)
    {
        // what perror does to errno depends on what was printed before its own line
        final String error = ex.perror() ? log.errnoAfterPerror(ex.error()) : ex.error();
        log.text(ex.lines());
        return error;
    }

    /**
     * memcached's {@code server_socket}: look the host up ({@code getaddrinfo}, null for every address) and bind every
     * address it has; an address in use is passed over, and fails the item only when no address could be bound. Every
     * socket bound gets its line in the port file.
     */
    private void serverSocket(final String host, final int port, final boolean udp,
        final ServerSettings.BindingProtocol protocol, final PortFile ports) throws IOException
    {
        // memcached asks getaddrinfo for -1 as port 0 (any free port), and for the port as decimal text: another
        // negative number is no service, a larger one binds its low 16 bits
        if (port < -1)
        {
            throw new ListenFailure("getaddrinfo(): Servname not supported for ai_socktype\n", NO_ERROR);
        }
        final int bindPort = port == -1 ? 0 : port & 0xFFFF;
        final List<InetSocketAddress> addresses = new ArrayList<>();
        if (host == null)
        {
            addresses.add(new InetSocketAddress(bindPort));
        }
        else
        {
            for (final InetAddress a : lookUp(host))
            {
                addresses.add(new InetSocketAddress(a, bindPort));
            }
        }
        BindException inUse = null;
        int bound = 0;
        for (final InetSocketAddress a : addresses)
        {
            try
            {
                if (isIpv4Mapped(a.getAddress()))
                {
                    // memcached's IPv6 sockets take IPv6 only (IPV6_V6ONLY), and bind() refuses them such an address
                    throw new BindException("Invalid argument");
                }
                // as in memcached, an IPv4 address gets an IPv4 socket, an IPv6 one an IPv6 socket; for every
                // address the JDK's one socket takes both
                final ProtocolFamily family = host == null ? null :
                    a.getAddress() instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
                final InetSocketAddress socket = udp ? openUdp(a, family) : listenTcp(a, family, protocol);
                final boolean ipv6 = socket.getAddress() instanceof Inet6Address;
                if (host == null && ipv6 && socket.getAddress().isAnyLocalAddress())
                {
                    // memcached binds an IPv4 and an IPv6 socket for every address, and writes the IPv4 one first;
                    // the JDK's socket on every address takes both
                    ports.bound(udp, false, socket.getPort());
                }
                ports.bound(udp, ipv6, socket.getPort());
                bound++;
            }
            catch (final BindException ex)
            {
                if (!reason(ex).equals(ADDRESS_IN_USE))
                {
                    // memcached's perror of bind()
                    throw ListenFailure.perror("bind()", reason(ex));
                }
                inUse = ex;
            }
        }
        if (bound == 0 && inUse != null)
        {
            throw inUse;
        }
    }

    /**
     * The addresses of a host, as {@code getaddrinfo} gives them, with its message when it has none.
     */
    private static InetAddress[] lookUp(final String host) throws ListenFailure
    {
        try
        {
            return HostLookup.lookUp(host);
        }
        catch (final HostLookup.NoAddress ex)
        {
            throw new ListenFailure("getaddrinfo(): " + ex.getMessage() + "\n", ex.errno());
        }
    }

    /**
     * The system's text for a failure, as {@code perror} prints it.
     *
     * @param ex the failure.
     * @return e.g. {@code No such file or directory}.
     */
    static String reason(final IOException ex)
    {
        if (ex instanceof UnknownHostException)
        {
            return "Name or service not known";
        }
        // the file system's exceptions carry the path as their message: the system's text instead
        if (ex instanceof NoSuchFileException)
        {
            return "No such file or directory";
        }
        if (ex instanceof AccessDeniedException)
        {
            return "Permission denied";
        }
        if (ex instanceof FileAlreadyExistsException)
        {
            return "File exists";
        }
        if (ex instanceof FileSystemException && ((FileSystemException)ex).getReason() != null)
        {
            return ((FileSystemException)ex).getReason();
        }
        final String message = ex.getMessage();
        if (message == null)
        {
            return ex.getClass().getSimpleName();
        }
        // the JDK appends details to the system's text: "Address already in use (Bind failed)"
        final int paren = message.indexOf(" (");
        return paren > 0 ? message.substring(0, paren) : message;
    }

    /**
     * A listening socket that could not be opened, or a {@code -l} item memcached refuses, as memcached reports it: its
     * own lines before its "failed to listen" line, and the error text that line ends with (memcached prints
     * {@code errno} there).
     */
    static final class ListenFailure extends IOException
    {
        private static final long serialVersionUID = 1L;

        private final String lines;
        private final String error;
        private final boolean perror;

        /**
         * @param lines what memcached prints first, line ends included.
         * @param error the text after "failed to listen on ...: ".
         */
        ListenFailure(final String lines, final String error)
        {
            this(lines, error, false);
        }

        private ListenFailure(final String lines, final String error, final boolean perror)
        {
            super(lines.strip());
            this.lines = lines;
            this.error = error;
            this.perror = perror;
        }

        /**
         * A call that failed, which memcached reports with {@code perror}.
         *
         * @param call  the call, as memcached names it: {@code bind()}.
         * @param error the system's text for the failure.
         * @return the failure; its error text is the call's, before {@code perror} had a say.
         */
        static ListenFailure perror(final String call, final String error)
        {
            return new ListenFailure(call + ": " + error + "\n", error, true);
        }

        boolean perror()
        {
            return perror;
        }

        String lines()
        {
            return lines;
        }

        String error()
        {
            return error;
        }
    }

    private static boolean isIpv4Mapped(final InetAddress address)
    {
        final byte[] bytes = address.getAddress();
        if (bytes.length != 16 || bytes[10] != (byte)0xFF || bytes[11] != (byte)0xFF)
        {
            return false;
        }
        for (int i = 0; i < 10; i++)
        {
            if (bytes[i] != 0)
            {
                return false;
            }
        }
        return true;
    }

    private InetSocketAddress listenTcp(final InetSocketAddress address, final ProtocolFamily family,
        final ServerSettings.BindingProtocol protocol) throws IOException
    {
        final ServerSocketChannel ch = family == null ? ServerSocketChannel.open() : ServerSocketChannel.open(family);
        try
        {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(address, options.serverSettings().tcpBacklog());
            ch.configureBlocking(false);
        }
        catch (final IOException ex)
        {
            ch.close();
            throw ex;
        }
        final InetSocketAddress bound = (InetSocketAddress)ch.getLocalAddress();
        addListener(ch, "tcp" + (bound.getAddress() instanceof Inet6Address ? "6" : "") + ":" +
            hostString(bound) + ":" + bound.getPort(), null, protocol);
        return bound;
    }

    private static String hostString(final InetSocketAddress a)
    {
        final String h = a.getAddress().getHostAddress();
        return a.getAddress() instanceof Inet6Address ? "[" + h + "]" : h;
    }

    private void listenUnix(final Path path) throws ServerStartException
    {
        if (path.toString().isEmpty())
        {
            // memcached binds the abstract socket whose name is sun_path's 107 NULs; the JDK binds no abstract socket
            throw new ServerStartException("failed to listen on UNIX socket: : an empty path names an abstract " +
                "socket, which memcached4j cannot bind", CommandLineException.EX_OSERR);
        }
        final ServerSocketChannel ch;
        try
        {
            removeStaleSocket(path);
            ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        }
        catch (final IOException ex)
        {
            throw new ServerStartException("failed to listen on UNIX socket: " + path + ": " + reason(ex),
                CommandLineException.EX_OSERR);
        }
        try
        {
            final Path bound = socketPath(path);
            bindPrivately(ch, bound);
            ch.configureBlocking(false);
            addListener(ch, "unix:" + bound, bound, options.serverSettings().bindingProtocol());
        }
        catch (final IOException ex)
        {
            try
            {
                ch.close();
            }
            catch (final IOException ignore)
            {
                // already failing
            }
            // memcached's perror of bind(), then its line
            final String error = log.errnoAfterPerror(reason(ex));
            log.line("bind(): " + reason(ex));
            throw new ServerStartException("failed to listen on UNIX socket: " + path + ": " + error,
                CommandLineException.EX_OSERR);
        }
    }

    /**
     * memcached removes what a previous server left at the socket's path, when it is a socket (never following a
     * link): anything else makes the bind fail.
     */
    private static void removeStaleSocket(final Path path) throws IOException
    {
        final int mode;
        try
        {
            mode = (Integer)Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        }
        catch (final NoSuchFileException ex)
        {
            return;
        }
        catch (final UnsupportedOperationException | IllegalArgumentException ex)
        {
            // no unix attributes to tell a socket by: leave the path alone
            return;
        }
        if ((mode & S_IFMT) == S_IFSOCK)
        {
            Files.delete(path);
        }
    }

    /**
     * The path a unix socket is bound at: memcached copies {@code -s} into {@code sun_path}, so a path longer than
     * {@value #SUN_PATH_MAX} bytes is cut there (a character whose bytes the cut would split is left out).
     */
    static Path socketPath(final Path path)
    {
        final String text = path.toString();
        if (text.getBytes(StandardCharsets.UTF_8).length <= SUN_PATH_MAX)
        {
            return path;
        }
        int end = 0;
        int bytes = 0;
        while (end < text.length())
        {
            final int cp = text.codePointAt(end);
            final int length = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + length > SUN_PATH_MAX)
            {
                break;
            }
            bytes += length;
            end += Character.charCount(cp);
        }
        return Path.of(text.substring(0, end));
    }

    /**
     * Bind a unix socket so that it is never reachable with another mode than {@code -a}'s: memcached sets its umask
     * around bind(), which a JVM cannot, so the socket is bound in a directory only its owner can enter, given its
     * mode there, and renamed into place. Something already at the path makes the bind fail, as it does memcached's.
     * The JDK binds paths of up to {@value #JDK_SUN_PATH_MAX} bytes only: when the staging directory's socket would
     * be longer, it is bound through a link to that directory from the temporary directory.
     */
    private void bindPrivately(final ServerSocketChannel ch, final Path path) throws IOException
    {
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS))
        {
            throw new IOException("Address already in use");
        }
        final String name = ".m4j-" + Long.toString(System.nanoTime() & 0xFFFFFFFFL, 36);
        final Path parent = path.getParent() != null ? path.getParent() : Path.of("");
        final Path staging = parent.resolve(name);
        final Path staged = staging.resolve("s");
        Files.createDirectory(staging, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        Path link = null;
        try
        {
            Path bindAt = staged;
            if (staged.toString().getBytes(StandardCharsets.UTF_8).length > JDK_SUN_PATH_MAX)
            {
                link = Files.createSymbolicLink(Path.of(System.getProperty("java.io.tmpdir")).resolve(name),
                    staging.toAbsolutePath());
                bindAt = link.resolve("s");
            }
            ch.bind(UnixDomainSocketAddress.of(bindAt), options.serverSettings().tcpBacklog());
            setPermissions(staged, options.access());
            Files.move(staged, path, StandardCopyOption.ATOMIC_MOVE);
        }
        finally
        {
            if (link != null)
            {
                Files.deleteIfExists(link);
            }
            Files.deleteIfExists(staged);
            Files.deleteIfExists(staging);
        }
    }

    private static void setPermissions(final Path path, final int mode) throws IOException
    {
        final Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        final PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < order.length; bit++)
        {
            if ((mode & (1 << bit)) != 0)
            {
                perms.add(order[bit]);
            }
        }
        try
        {
            Files.setPosixFilePermissions(path, perms);
        }
        catch (final UnsupportedOperationException ex)
        {
            // a file system without POSIX permissions: nothing to apply
        }
    }

    private void addListener(final ServerSocketChannel ch, final String address, final Path unixPath,
        final ServerSettings.BindingProtocol protocol) throws IOException
    {
        final int id = ids.acquire();
        ch.register(acceptSelector, SelectionKey.OP_ACCEPT, null);
        final Listener l = new Listener(ch, id, address, unixPath, protocol);
        ch.keyFor(acceptSelector).attach(l);
        listeners.add(l);
        state.listenerOpened(id, unixPath == null ? address : unixListenerShown(unixPath));
        if (state.verbosity() > 1)
        {
            log.line("<" + id + " server listening (" + protocol.statsName() + ")");
        }
    }

    /**
     * A unix listener as memcached's {@code stats conns} shows it: memcached reads the listening socket's address into
     * a structure sized for an IPv6 address, which holds the first {@value #SHOWN_UNIX_PATH} bytes of the path (its
     * clients' {@code listen_addr} shows the whole path). Past those bytes memcached prints whatever follows in its
     * stack until a NUL, which is not imitated.
     */
    static String unixListenerShown(final Path path)
    {
        final byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
        final int shown = Math.min(bytes.length, SHOWN_UNIX_PATH);
        return "unix:" + new String(bytes, 0, shown, StandardCharsets.ISO_8859_1);
    }

    private void checkMaxconns() throws ServerStartException
    {
        final int reserved = RESERVED_FDS_PER_THREAD * options.threads();
        int udpConnections = 0;
        for (final UdpSocket u : udpSockets)
        {
            udpConnections += u.ids().length;
        }
        if (listeners.size() + udpConnections + reserved >= options.serverSettings().maxConnections() - 1)
        {
            throw new ServerStartException("Maxconns setting is too low, use -c to increase.",
                CommandLineException.EXIT_FAILURE);
        }
    }

    private void startThreads() throws ServerStartException
    {
        try
        {
            for (int i = 0; i < workers.length; i++)
            {
                workers[i] = new Worker(this, state, log);
            }
        }
        catch (final IOException ex)
        {
            throw new ServerStartException("failed to start worker threads: " + ex.getMessage(),
                CommandLineException.EX_OSERR);
        }
        serveUdp();
        for (int i = 0; i < workers.length; i++)
        {
            workerThreads[i] = new Thread(workers[i], "memcached4j-worker-" + i);
            workerThreads[i].start();
        }
        if (idleTimeout != null)
        {
            final Thread idle = new Thread(idleTimeout, "memcached4j-idle-timeout");
            idle.setDaemon(true);
            idle.start();
        }
        acceptorThread.start();
    }

    private void closeListeners()
    {
        for (final Listener l : listeners)
        {
            try
            {
                l.channel().close();
            }
            catch (final IOException ex)
            {
                // closing anyway
            }
            // a unix socket's file stays, as memcached leaves it: by now it may be another server's (the next one
            // started on the same path removes it as stale)
            ids.release(l.id());
        }
        try
        {
            acceptSelector.close();
        }
        catch (final IOException ex)
        {
            // closing anyway
        }
    }

    // -------------------------------------------------------------------------------------------------------------
    // UDP
    // -------------------------------------------------------------------------------------------------------------

    /**
     * The addresses of the UDP sockets, with the ports actually bound.
     *
     * @return the addresses; none without {@code -U}.
     */
    public List<SocketAddress> udpAddresses()
    {
        final List<SocketAddress> result = new ArrayList<>();
        for (final UdpSocket u : udpSockets)
        {
            try
            {
                result.add(u.channel().getLocalAddress());
            }
            catch (final IOException ex)
            {
                // closed
            }
        }
        return result;
    }

    private InetSocketAddress openUdp(final InetSocketAddress address, final ProtocolFamily family)
        throws IOException
    {
        final DatagramChannel ch = family == null ? DatagramChannel.open() : DatagramChannel.open(family);
        final int sendBufferWas;
        try
        {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            // memcached raises the send buffer as far as the system lets it (up to 256 MiB)
            // the JDK halves what Linux reports (Linux doubles what is set); memcached prints the kernel's figure
            sendBufferWas = ch.getOption(StandardSocketOptions.SO_SNDBUF) * (LINUX ? 2 : 1);
            ch.setOption(StandardSocketOptions.SO_SNDBUF, MAX_SEND_BUFFER);
            ch.bind(address);
            ch.configureBlocking(false);
        }
        catch (final IOException ex)
        {
            ch.close();
            throw ex;
        }
        final InetSocketAddress bound = (InetSocketAddress)ch.getLocalAddress();
        final String text = "udp" + (bound.getAddress() instanceof Inet6Address ? "6" : "") + ":" +
            hostString(bound) + ":" + bound.getPort();
        final int[] endpointIds = new int[options.serverSettings().threadsPerUdp()];
        for (int i = 0; i < endpointIds.length; i++)
        {
            endpointIds[i] = ids.acquire();
            if (i == 0 && state.verbosity() > 1)
            {
                log.line("<" + endpointIds[0] + " send buffer was " + sendBufferWas + ", now " + MAX_SEND_BUFFER);
            }
            state.listenerOpened();
            if (state.verbosity() > 1)
            {
                log.line("<" + endpointIds[i] + " server listening (udp)");
            }
        }
        udpSockets.add(new UdpSocket(ch, text, endpointIds));
        return bound;
    }

    /**
     * Give each UDP connection to a worker, in turn as memcached's dispatcher does (accepted connections then go on
     * from the next worker).
     */
    private void serveUdp() throws ServerStartException
    {
        try
        {
            for (final UdpSocket u : udpSockets)
            {
                for (final int id : u.ids())
                {
                    workers[nextWorker].serveUdp(u.channel(), id, u.address());
                    nextWorker = (nextWorker + 1) % workers.length;
                }
            }
        }
        catch (final IOException ex)
        {
            throw new ServerStartException("failed to serve UDP: " + ex.getMessage(), CommandLineException.EX_OSERR);
        }
    }

    /**
     * Close the UDP sockets: once, after the workers stopped or when the start failed.
     */
    private void closeUdp()
    {
        for (final UdpSocket u : udpSockets)
        {
            try
            {
                u.channel().close();
            }
            catch (final IOException ex)
            {
                // closing anyway
            }
            for (final int id : u.ids())
            {
                ids.release(id);
            }
        }
    }

    // -------------------------------------------------------------------------------------------------------------
    // accepting
    // -------------------------------------------------------------------------------------------------------------

    private void acceptLoop()
    {
        try
        {
            while (!stopRequested.get())
            {
                acceptSelector.select(this::onAcceptable, 1000);
                if (acceptPaused && (pausedForDescriptors ? closes.get() != closesAtPause :
                    ids.peek() < state.settings().maxConnections()))
                {
                    pausedForDescriptors = false;
                    resumeAccepting();
                }
            }
        }
        catch (final IOException | RuntimeException | Error ex)
        {
            failed("acceptor thread failed", ex);
        }
        finally
        {
            closeParked();
            if (graceful)
            {
                stopGracefully();
            }
            else
            {
                // memcached exits without closing its connections: no -vv lines for them
                closeListeners();
                stopWorkers((connectionState, id) -> { });
            }
            closeUdp();
            stopped.countDown();
        }
    }

    private void closeParked()
    {
        final Parked waiting = parked;
        if (waiting != null)
        {
            parked = null;
            try
            {
                // as the client memcached leaves in its listen queue: never served
                waiting.channel().close();
            }
            catch (final IOException ex)
            {
                // closed either way
            }
        }
    }

    private void stopWorkers(final ObjIntConsumer<String> closed)
    {
        if (idleTimeout != null)
        {
            idleTimeout.stop();
        }
        for (final Worker w : workers)
        {
            w.stop(closed);
        }
        for (final Thread t : workerThreads)
        {
            try
            {
                t.join(5000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                break;
            }
        }
    }

    /**
     * memcached's graceful stop ({@code shutdown graceful}, SIGUSR1) and what it prints: its threads stop one after
     * the other, then it closes every connection, listening ones included, in descriptor order.
     */
    private void stopGracefully()
    {
        log.line("Gracefully stopping");
        progress("stopped assoc");
        progress("asking workers to stop");
        // each connection's number and the state memcached's state machine was in, in descriptor order
        final Map<Integer, String> closing = new ConcurrentSkipListMap<>();
        stopWorkers((connectionState, id) -> closing.put(id, connectionState));
        progress("asking background threads to stop");
        cache.admin().lruCrawlerEnabled(false);
        progress("stopped lru crawler");
        if (cache.config().lruMaintainer())
        {
            cache.admin().stopBackgroundWork();
            progress("stopped maintainer");
        }
        if (cache.config().slabReassign())
        {
            progress("stopped slab mover");
        }
        progress("stopped logger thread");
        progress("stopped idle timeout thread");
        progress("closing connections");
        for (final Listener l : listeners)
        {
            closing.put(l.id(), "conn_listening");
        }
        for (final UdpSocket u : udpSockets)
        {
            for (final int id : u.ids())
            {
                closing.put(id, "conn_read");
            }
        }
        // memcached's conn_close, then its move to conn_closed
        for (final Map.Entry<Integer, String> c : closing.entrySet())
        {
            if (state.verbosity() > 1)
            {
                log.line("<" + c.getKey() + " connection closed.");
            }
            if (state.verbosity() > 2)
            {
                log.line(c.getKey() + ": going from " + c.getValue() + " to conn_closed");
            }
        }
        closeListeners();
        progress("reaping worker threads");
        progress("all background threads stopped");
    }

    private void progress(final String line)
    {
        if (state.verbosity() > 0)
        {
            log.line(line);
        }
    }

    private void onAcceptable(final SelectionKey key)
    {
        final Listener listener = (Listener)key.attachment();
        while (key.isValid() && !acceptPaused)
        {
            final SocketChannel ch;
            try
            {
                ch = listener.channel().accept();
            }
            catch (final IOException ex)
            {
                // memcached's perror, at any verbosity
                final String error = ex.getMessage();
                log.line(ACCEPT_ERROR_PREFIX + error);
                final boolean processLimit = OUT_OF_DESCRIPTORS.equals(error);
                if (!processLimit)
                {
                    // memcached's second perror for any error but EMFILE
                    log.line("accept(): " + error);
                }
                if (processLimit || OUT_OF_SYSTEM_DESCRIPTORS.equals(error))
                {
                    // as memcached on EMFILE: stop accepting until a connection closes, instead of being woken for
                    // the same waiting connection again and again (memcached does that on ENFILE; here both pause)
                    closesAtPause = closes.get();
                    pausedForDescriptors = true;
                    pauseAccepting(processLimit);
                }
                return;
            }
            if (ch == null)
            {
                return;
            }
            final int maxconns = state.settings().maxConnections();
            if (!state.settings().maxconnsFast() && ids.peek() >= maxconns)
            {
                // memcached 1.4's way (no_maxconns_fast): its descriptor limit is -c, so this accept() fails with
                // EMFILE and accepting pauses with the client still waiting to be accepted; it is served once a
                // connection closes
                log.line(ACCEPT_ERROR_PREFIX + OUT_OF_DESCRIPTORS);
                parked = new Parked(ch, listener);
                pauseAccepting(true);
                return;
            }
            final int id = ids.acquire();
            if (state.settings().maxconnsFast() && id >= maxconns - 1)
            {
                reject(ch);
                ids.release(id);
                continue;
            }
            handOff(ch, id, listener);
        }
    }

    private void reject(final SocketChannel ch)
    {
        state.connectionRejected();
        try (ch)
        {
            ch.configureBlocking(false);
            ch.write(ByteBuffer.wrap(TOO_MANY_CONNECTIONS));
        }
        catch (final IOException ex)
        {
            // the client is gone already
        }
    }

    private void handOff(final SocketChannel ch, final int id, final Listener listener)
    {
        String peer;
        try
        {
            if (listener.unixPath() != null)
            {
                peer = "unix:" + listener.unixPath();
            }
            else
            {
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
                final InetSocketAddress remote = (InetSocketAddress)ch.getRemoteAddress();
                peer = (remote.getAddress() instanceof Inet6Address ? "tcp6:" : "tcp:") +
                    hostString(remote) + ":" + remote.getPort();
            }
        }
        catch (final IOException ex)
        {
            try
            {
                ch.close();
            }
            catch (final IOException ignore)
            {
                // gone
            }
            ids.release(id);
            return;
        }
        final Worker w = workers[nextWorker];
        nextWorker = (nextWorker + 1) % workers.length;
        w.hand(new Worker.Handoff(ch, id, peer, listener.address(), listener.protocol()));
    }

    private void pauseAccepting(final boolean tooManyLine)
    {
        if (!acceptPaused)
        {
            acceptPaused = true;
            pausedSince = System.nanoTime();
            state.accepting(false, 0);
            if (tooManyLine && state.verbosity() > 0)
            {
                log.line("Too many open connections");
            }
            for (final Listener l : listeners)
            {
                l.channel().keyFor(acceptSelector).interestOps(0);
            }
        }
    }

    private void resumeAccepting()
    {
        acceptPaused = false;
        state.accepting(true, (System.nanoTime() - pausedSince) / 1000);
        final Parked waiting = parked;
        if (waiting != null)
        {
            parked = null;
            handOff(waiting.channel(), ids.acquire(), waiting.listener());
        }
        for (final Listener l : listeners)
        {
            l.channel().keyFor(acceptSelector).interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    /**
     * The worker threads, for tests that watch them.
     *
     * @return the threads, one per {@code -t}.
     */
    List<Thread> workerThreads()
    {
        return List.of(workerThreads);
    }

    /**
     * memcached's idle timeout thread, or null without {@code -o idle_timeout}.
     *
     * @return the idle timeout.
     */
    IdleTimeout idleTimeout()
    {
        return idleTimeout;
    }

    /**
     * A worker closed a connection: its number is free again.
     *
     * @param id the connection's number.
     */
    void connectionClosed(final int id)
    {
        closes.incrementAndGet();
        ids.release(id);
        if (acceptPaused)
        {
            acceptSelector.wakeup();
        }
    }
}
