/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.memcached4j.core.ArithmeticOptions;
import io.memcached4j.core.CacheAdmin;
import io.memcached4j.core.CacheConfig;
import io.memcached4j.core.CrawlResult;
import io.memcached4j.core.DeleteOptions;
import io.memcached4j.core.DeleteResult;
import io.memcached4j.core.DeltaResult;
import io.memcached4j.core.FetchOptions;
import io.memcached4j.core.ItemInfo;
import io.memcached4j.core.ItemReader;
import io.memcached4j.core.ItemWriter;
import io.memcached4j.core.MemcachedCache;
import io.memcached4j.core.StoreMode;
import io.memcached4j.core.StoreOptions;
import io.memcached4j.core.StoreResult;

/**
 * memcached's text protocol: the classic ASCII commands and the meta commands, as memcached 1.6.39's
 * {@code proto_text.c} reads and answers them.
 * <p>
 * A command line is at most what the driver's input buffer holds; a line without a newline after 2048 bytes closes
 * the connection unless it is a {@code get}/{@code gets}, whose keys are then served as they arrive. Tokens are split
 * on spaces only, at most 24 of them, and a NUL ends the line, as in memcached. Values stream between the input buffer
 * and the cache through an {@link ItemWriter} and from the cache to the output buffer through an {@link ItemReader},
 * so no value is ever held whole in the session.
 * <p>
 * Replies are held in the output buffer until memcached would send them: when the input holds no further complete
 * command, after {@code -R} commands, on {@code mn} and on {@code quit}. A {@code get} with a key over 250 bytes
 * discards the replies held so far, as memcached does.
 */
final class AsciiProtocol extends ProtocolHandler
{
    private static final int MAX_TOKENS = 24;
    private static final int KEY_MAX_LENGTH = 250;
    private static final int LINE_LIMIT = 2048;
    private static final int MAX_LEADING_SPACES = 100;
    private static final int MFLAG_MAX_OPT_LENGTH = 20;
    /** memcached formats a statistic's value into 128 bytes with {@code vsnprintf(buf, 127, ...)}: 126 characters. */
    private static final int STAT_VALUE_MAX_LENGTH = 126;
    private static final int MFLAG_MAX_OPAQUE_LENGTH = 32;
    private static final int MAX_SLAB_CLASSES = 64;
    private static final int MAX_VERBOSITY_LEVEL = 2;
    private static final int CACHEDUMP_LIMIT = 2 * 1024 * 1024;
    /** Output space a command needs before it starts: the longest one-line reply fits. */
    private static final int COMMAND_ROOM = 2048;
    /** Room for a {@code VALUE} or {@code VA} header: key (base64 at most 340 bytes), flags and numbers. */
    private static final int HEADER_ROOM = 1024;

    private static final int PARSE = 0;
    private static final int NREAD = 1;
    private static final int SWALLOW = 2;
    private static final int GET = 3;
    private static final int VALUE_OUT = 4;
    private static final int PENDING = 5;
    private static final int SKIP_LINE = 6;
    private static final int AUTH_DATA = 7;
    private static final int DUMP = 8;
    private static final int CLOSED = 9;
    private static final int WATCH = 10;

    private static final byte[] BASE64 =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BASE64_DECODE = new byte[256];
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    static
    {
        java.util.Arrays.fill(BASE64_DECODE, (byte)0x80);
        for (int i = 0; i < BASE64.length; i++)
        {
            BASE64_DECODE[BASE64[i]] = (byte)i;
        }
        BASE64_DECODE['='] = 0;
    }

    private final Session session;
    private final ServerState server;
    private final ServerSettings settings;
    private final MemcachedCache cache;
    private final Output out;
    private final ItemWriter writer;
    private final ItemReader reader;
    private final CNumbers num = new CNumbers();
    private final ItemInfo info = new ItemInfo();
    private final ItemInfo infoBefore = new ItemInfo();
    private final FetchOptions fetchOptions = new FetchOptions();
    private final StoreOptions storeOptions = new StoreOptions();
    /** Whether the pending store is a compare-and-swap, and the CAS it compares (for memcached's -vv line). */
    private boolean storeIsCas;
    private long storeCompareCas;
    private final DeleteOptions deleteOptions = new DeleteOptions();
    private final ArithmeticOptions arithmeticOptions = new ArithmeticOptions();

    private ByteBuffer in;
    private ByteBuffer keyView;
    /** Key bytes decoded from base64, or copied for replies that outlive the input line. */
    private final ByteBuffer keyBuffer = ByteBuffer.allocateDirect(KEY_MAX_LENGTH + 8);
    private final byte[] keyBytes = new byte[KEY_MAX_LENGTH + 8];

    private int state = PARSE;
    private boolean noreply;
    private boolean authenticated;
    /**
     * Before a {@code -Y} login, memcached answers every command of one read in the same response object, each
     * reply replacing the one before it, until it runs out of input and sends what is left: where that reply starts
     * in the output, or -1.
     */
    private long authReply = -1;

    // the current line: absolute start in the input, tokens relative to it
    private int lineStart;
    private final int[] tokenStart = new int[MAX_TOKENS];
    private final int[] tokenLength = new int[MAX_TOKENS];
    private int ntokens;

    // storage commands
    private boolean metaSet;
    /** The CAS value the meta set being served gave with {@code E}, or 0. */
    private long metaSetCasIn;
    /** Whether the meta set being served gave a CAS value with {@code E}, {@code E0} included. */
    private boolean metaSetCasGiven;
    /**
     * memcached's {@code c->cas} left by a meta set refused after its flags parsed (the value it took, or the one its
     * {@code E} gave), or 0: the connection's next text store takes it as its CAS value instead of a new one, and a
     * store made clears it.
     */
    private long leftoverCas;
    private long swallowRemaining;
    /** Whether the value being read or swallowed waited for bytes read after its command line. */
    private boolean valueAwaited;
    private int crlfSeen;
    private byte crlfFirst;
    private boolean crlfValid;
    private final byte[] metaReturn = new byte[MAX_TOKENS];
    private int metaReturnCount;
    private final byte[] opaque = new byte[MAX_TOKENS * (MFLAG_MAX_OPAQUE_LENGTH + 1)];
    private final int[] opaqueLength = new int[MAX_TOKENS];
    private int storeKeyLength;
    private int storeValueLength;
    private boolean storeKeyBinary;

    // get: positions relative to the input's position
    private int getCursor;
    private int getContentEnd;
    private int getNewline;
    private boolean getReturnCas;
    private boolean getTouch;
    private boolean getStreaming;
    private int getKeysServed;
    private int valueTail;

    // replies rendered as a whole (stats) and the ASCII authentication
    private byte[] pending;
    private int pendingOffset;
    /** Whether a login's negative length moved memcached's read position back: its next line is no login. */
    private boolean authLineRewound;
    private long authPayloadLength;

    // lru_crawler metadump / mgdump
    private DumpSink dumpSink;

    AsciiProtocol(final Session session)
    {
        this.session = session;
        this.server = session.server;
        this.settings = server.settings();
        this.cache = session.cache;
        this.out = session.out;
        this.writer = cache.newWriter();
        this.reader = cache.newReader();
        // -Y makes memcached's protocol ascii; it authenticates no connection whose first byte chose the protocol, on
        // a listener that negotiates by its own choice (-l proto[negotiating]:)
        this.authenticated = settings.asciiAuthFile() == null ||
            (session.protocol() == ServerSettings.BindingProtocol.AUTO &&
            settings.bindingProtocol() != ServerSettings.BindingProtocol.AUTO);
    }

    @Override
    String stateName()
    {
        switch (state)
        {
            case NREAD:
                return "conn_nread";
            case SWALLOW:
                return "conn_swallow";
            case GET:
            case VALUE_OUT:
            case PENDING:
                return "conn_mwrite";
            case DUMP:
            case WATCH:
                return "conn_watch";
            case CLOSED:
                return "conn_closing";
            default:
                return "conn_parse_cmd";
        }
    }

    @Override
    void close()
    {
        if (writer.active())
        {
            writer.abort();
        }
        reader.close();
        if (dumpSink != null)
        {
            dumpSink.cancel();
            dumpSink = null;
        }
        state = CLOSED;
    }

    @Override
    boolean idle()
    {
        return state == PARSE;
    }

    @Override
    void reset()
    {
        close();
        valueAwaited = false;
        pending = null;
        noreply = false;
        state = PARSE;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // the state machine
    // ---------------------------------------------------------------------------------------------------------------

    @Override
    Session.Status process(final ByteBuffer input)
    {
        bind(input);
        eventStarted(settings.reqsPerEvent());
        while (true)
        {
            final Session.Status status;
            switch (state)
            {
                case PARSE:
                    status = parse();
                    break;
                case NREAD:
                    status = nread();
                    break;
                case SWALLOW:
                    status = swallow();
                    break;
                case GET:
                    status = getKeys();
                    break;
                case VALUE_OUT:
                    status = valueOut();
                    break;
                case PENDING:
                    status = pendingOut();
                    break;
                case SKIP_LINE:
                    status = skipLine();
                    break;
                case AUTH_DATA:
                    status = authData();
                    break;
                case DUMP:
                    status = dump();
                    break;
                case WATCH:
                    return watchOut();
                default:
                    return Session.Status.CLOSE;
            }
            if (status != null)
            {
                return status;
            }
        }
    }

    private void bind(final ByteBuffer input)
    {
        if (input != in)
        {
            in = input;
            keyView = input.duplicate();
        }
    }

    /**
     * A command finished: count it against {@code -R}, as memcached's {@code conn_new_cmd} does.
     *
     * @return null to go on, or the status that yields.
     */
    private Session.Status commandDone()
    {
        state = PARSE;
        noreply = false;
        session.states.requestDone();
        if (requestDone(server))
        {
            out.release();
            return Session.Status.YIELD;
        }
        return null;
    }

    /**
     * No complete request is left in the input.
     */
    private Session.Status parsedAll()
    {
        inputConsumed(server, session.states);
        out.release();
        return needInput();
    }

    private Session.Status needOutput()
    {
        out.releaseForSpace();
        return Session.Status.NEED_OUTPUT;
    }

    private Session.Status needInput()
    {
        authReply = -1;
        return Session.Status.NEED_INPUT;
    }

    /**
     * A reply before the login: it replaces the one before it unless memcached would have sent that already.
     */
    private void authReply(final String line)
    {
        if (authReply >= 0)
        {
            out.truncate(authReply);
        }
        authReply = out.mark();
        outString(line);
    }

    private Session.Status closeNow()
    {
        out.discardUntransmitted();
        state = CLOSED;
        return Session.Status.CLOSE;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // reading a line
    // ---------------------------------------------------------------------------------------------------------------

    private Session.Status parse()
    {
        final int start = in.position();
        final int limit = in.limit();
        session.states.parsing(start != limit);
        if (start == limit)
        {
            return parsedAll();
        }
        if (!authenticated)
        {
            return authLine();
        }
        final int newline = indexOf(start, limit, (byte)'\n');
        if (newline < 0)
        {
            if (limit - start > LINE_LIMIT)
            {
                return longLine(start, limit);
            }
            return parsedAll();
        }
        if (!out.ensure(COMMAND_ROOM))
        {
            return needOutput();
        }
        out.beginResponse();
        int end = newline;
        if (newline - start > 1 && in.get(newline - 1) == '\r')
        {
            end--;
        }
        final int nul = indexOf(start, end, (byte)0);
        if (nul >= 0)
        {
            end = nul;
        }
        lineStart = start;
        session.commandStarted();
        tokenize(start, end);
        if (session.verbose())
        {
            session.host().verbose("<" + session.connectionId() + " " + ascii(start, end - start));
        }
        return command(newline + 1 - start, end - start);
    }

    /**
     * No newline in more than 2048 bytes: memcached lets only a multi-get grow that long.
     */
    private Session.Status longLine(final int start, final int limit)
    {
        int p = start;
        while (p < limit && in.get(p) == ' ')
        {
            p++;
        }
        final boolean gets;
        if (p - start > MAX_LEADING_SPACES)
        {
            return closeNow();
        }
        if (session.servesDatagrams() && (startsWith(p, limit, "get ") || startsWith(p, limit, "gets ")))
        {
            // a datagram is all there is: memcached waits for the line's end, which never comes
            out.release();
            return needInput();
        }
        if (startsWith(p, limit, "get "))
        {
            gets = false;
        }
        else if (startsWith(p, limit, "gets "))
        {
            gets = true;
        }
        else
        {
            return closeNow();
        }
        if (limit - start < in.capacity())
        {
            // memcached grows its buffer for the whole line; this one streams the keys only once the line fills it,
            // so a line that fits is read whole, echoed and counted as memcached does
            return parsedAll();
        }
        if (!out.ensure(COMMAND_ROOM))
        {
            return needOutput();
        }
        session.commandStarted();
        fetchOptions.reset();
        getReturnCas = gets;
        getTouch = false;
        getStreaming = true;
        getCursor = p + (gets ? 5 : 4) - start;
        getNewline = -1;
        getContentEnd = -1;
        getKeysServed = 0;
        state = GET;
        return null;
    }

    private boolean startsWith(final int p, final int limit, final String prefix)
    {
        if (limit - p < prefix.length())
        {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++)
        {
            if (in.get(p + i) != prefix.charAt(i))
            {
                return false;
            }
        }
        return true;
    }

    private int indexOf(final int from, final int to, final byte b)
    {
        for (int i = from; i < to; i++)
        {
            if (in.get(i) == b)
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * memcached's {@code tokenize_command}: split on spaces, at most 23 tokens; the rest of the line is not split.
     */
    private void tokenize(final int start, final int end)
    {
        int n = 0;
        int s = start;
        int e = start;
        while (e < end)
        {
            if (in.get(e) == ' ')
            {
                if (s != e)
                {
                    tokenStart[n] = s - start;
                    tokenLength[n] = e - s;
                    n++;
                    if (n == MAX_TOKENS - 1)
                    {
                        e++;
                        s = e;
                        break;
                    }
                }
                s = e + 1;
            }
            e++;
        }
        if (s != e)
        {
            tokenStart[n] = s - start;
            tokenLength[n] = e - s;
            n++;
        }
        // the terminal token: the rest of the line when the token limit stopped the split
        tokenStart[n] = e - start;
        tokenLength[n] = e < end ? -1 : 0;
        ntokens = n + 1;
    }

    private int tokenAt(final int i)
    {
        return lineStart + tokenStart[i];
    }

    private boolean is(final int i, final String text)
    {
        if (tokenLength[i] != text.length())
        {
            return false;
        }
        final int at = tokenAt(i);
        for (int k = 0; k < text.length(); k++)
        {
            if (in.get(at + k) != text.charAt(k))
            {
                return false;
            }
        }
        return true;
    }

    private boolean realToken(final int i)
    {
        return i < ntokens - 1;
    }

    private boolean strtoul(final int i)
    {
        return realToken(i) && num.strtoul(in, tokenAt(i), tokenLength[i]);
    }

    private boolean strtol(final int i)
    {
        return realToken(i) && num.strtol(in, tokenAt(i), tokenLength[i]);
    }

    private boolean strtoull(final int i)
    {
        return realToken(i) && num.strtoull(in, tokenAt(i), tokenLength[i]);
    }

    private boolean strtod(final int i)
    {
        return realToken(i) && num.strtod(in, tokenAt(i), tokenLength[i]);
    }

    private ByteBuffer key(final int i)
    {
        final int at = tokenAt(i);
        keyView.clear().position(at).limit(at + tokenLength[i]);
        return keyView;
    }

    private String ascii(final int at, final int length)
    {
        final byte[] bytes = new byte[length];
        in.get(at, bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private String token(final int i)
    {
        return ascii(tokenAt(i), tokenLength[i]);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // replies
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * memcached's {@code out_string}: a line, unless the command said {@code noreply}.
     */
    private void outString(final String line)
    {
        if (noreply)
        {
            if (session.verbose())
            {
                session.host().verbose(">" + session.connectionId() + " NOREPLY " + line);
            }
            noreply = false;
            out.skipResponse();
            return;
        }
        if (session.verbose())
        {
            session.host().verbose(">" + session.connectionId() + " " + line);
        }
        out.line(line);
    }

    /**
     * memcached's {@code out_errstring}: an error is always answered.
     */
    private void outError(final String line)
    {
        noreply = false;
        outString(line);
    }

    private void setNoreplyMaybe()
    {
        if (ntokens >= 2 && is(ntokens - 2, "noreply"))
        {
            noreply = true;
        }
    }

    private Session.Status reply(final String line)
    {
        outString(line);
        return finishLine();
    }

    private Session.Status finishLine()
    {
        in.position(lineEnd);
        return commandDone();
    }

    /** Absolute position after the current line's newline. */
    private int lineEnd;

    // ---------------------------------------------------------------------------------------------------------------
    // dispatch
    // ---------------------------------------------------------------------------------------------------------------

    private Session.Status command(final int lineLength, final int contentLength)
    {
        lineEnd = lineStart + lineLength;
        noreply = false;
        if (ntokens < 2 || tokenLength[0] < 2)
        {
            return reply("ERROR");
        }
        final byte first = in.get(tokenAt(0));
        if (first == 'm' && tokenLength[0] == 2)
        {
            switch (in.get(tokenAt(0) + 1))
            {
                case 'g':
                    return metaGet();
                case 's':
                    return metaSet();
                case 'd':
                    return metaDelete();
                case 'n':
                    outString("MN");
                    out.release();
                    // memcached's mn sends what is queued at once
                    session.states.requestDone();
                    session.states.sentAtOnce();
                    in.position(lineEnd);
                    final Session.Status next = commandDone();
                    repliesSent();
                    return next;
                case 'a':
                    return metaArithmetic();
                case 'e':
                    return metaDebug();
                default:
                    return reply("ERROR");
            }
        }
        if (first == 'g')
        {
            if (ntokens < 3)
            {
                return reply("ERROR");
            }
            if (is(0, "get"))
            {
                return get(false, false, contentLength);
            }
            if (is(0, "gets"))
            {
                return get(true, false, contentLength);
            }
            if (is(0, "gat"))
            {
                return get(false, true, contentLength);
            }
            if (is(0, "gats"))
            {
                return get(true, true, contentLength);
            }
            return reply("ERROR");
        }
        if (first == 's')
        {
            if (is(0, "set"))
            {
                return ntokens == 6 || ntokens == 7 ? update(StoreMode.SET, false) : reply("ERROR");
            }
            if (is(0, "stats"))
            {
                return stats();
            }
            if (is(0, "shutdown"))
            {
                return shutdown();
            }
            if (is(0, "slabs"))
            {
                return slabs();
            }
            return reply("ERROR");
        }
        if (first == 'a')
        {
            if (is(0, "add"))
            {
                return ntokens == 6 || ntokens == 7 ? update(StoreMode.ADD, false) : reply("ERROR");
            }
            if (is(0, "append"))
            {
                return ntokens == 6 || ntokens == 7 ? update(StoreMode.APPEND, false) : reply("ERROR");
            }
            return reply("ERROR");
        }
        if (first == 'c')
        {
            if (is(0, "cas"))
            {
                return ntokens == 7 || ntokens == 8 ? update(StoreMode.CAS, true) : reply("ERROR");
            }
            if (is(0, "cache_memlimit"))
            {
                return ntokens == 3 || ntokens == 4 ? memlimit() : reply("ERROR");
            }
            return reply("ERROR");
        }
        if (first == 'i')
        {
            if (is(0, "incr"))
            {
                return ntokens == 4 || ntokens == 5 ? arithmetic(true) : reply("ERROR");
            }
            return reply("ERROR");
        }
        if (first == 'd')
        {
            if (is(0, "delete"))
            {
                return ntokens >= 3 && ntokens <= 5 ? delete() : reply("ERROR");
            }
            if (is(0, "decr"))
            {
                return ntokens == 4 || ntokens == 5 ? arithmetic(false) : reply("ERROR");
            }
            return reply("ERROR");
        }
        if (first == 't')
        {
            if (is(0, "touch"))
            {
                return ntokens == 4 || ntokens == 5 ? touch() : reply("ERROR");
            }
            return reply("ERROR");
        }
        if (is(0, "replace"))
        {
            return ntokens == 6 || ntokens == 7 ? update(StoreMode.REPLACE, false) : reply("ERROR");
        }
        if (is(0, "prepend"))
        {
            return ntokens == 6 || ntokens == 7 ? update(StoreMode.PREPEND, false) : reply("ERROR");
        }
        if (is(0, "bget"))
        {
            return ntokens >= 3 ? get(false, false, contentLength) : reply("ERROR");
        }
        if (is(0, "flush_all"))
        {
            return ntokens >= 2 && ntokens <= 4 ? flushAll() : reply("ERROR");
        }
        if (is(0, "version"))
        {
            return reply("VERSION " + ServerSettings.PROTOCOL_VERSION);
        }
        if (is(0, "quit"))
        {
            in.position(lineEnd);
            out.release();
            state = CLOSED;
            session.closeReason(LogStreams.CLOSE_NORMAL);
            session.states.to(ConnStates.MWRITE);
            return Session.Status.CLOSE;
        }
        if (is(0, "lru_crawler"))
        {
            return lruCrawler();
        }
        if (is(0, "watch"))
        {
            return watch();
        }
        if (is(0, "verbosity"))
        {
            return ntokens == 3 || ntokens == 4 ? verbosity() : reply("ERROR");
        }
        if (is(0, "lru"))
        {
            return ntokens >= 3 ? lru() : reply("ERROR");
        }
        if (is(0, "extstore"))
        {
            return ntokens >= 3 ? extstore() : reply("ERROR");
        }
        if (is(0, "refresh_certs"))
        {
            // a memcached built with TLS, started without -Z, answers this even to noreply, and logs no -vv line
            noreply = false;
            out.line("Error TLS not enabled");
            return finishLine();
        }
        final int last = ntokens - 2;
        if (tokenLength[last] >= 5 && startsWithToken(last, "HTTP/"))
        {
            return closeNow();
        }
        return reply("ERROR");
    }

    private boolean startsWithToken(final int i, final String prefix)
    {
        final int at = tokenAt(i);
        for (int k = 0; k < prefix.length(); k++)
        {
            if (in.get(at + k) != prefix.charAt(k))
            {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // set, add, replace, append, prepend, cas
    // ---------------------------------------------------------------------------------------------------------------

    private Session.Status update(final StoreMode mode, final boolean handleCas)
    {
        setNoreplyMaybe();
        if (tokenLength[1] > KEY_MAX_LENGTH)
        {
            return reply("CLIENT_ERROR bad command line format");
        }
        if (!strtoul(2))
        {
            return reply("CLIENT_ERROR bad command line format");
        }
        final int flags = (int)num.value;
        if (!strtol(3))
        {
            return reply("CLIENT_ERROR bad command line format");
        }
        final int exptime = (int)num.value;
        if (!strtol(4))
        {
            return reply("CLIENT_ERROR bad command line format");
        }
        final int vlen = (int)num.value;
        long compareCas = 0;
        if (handleCas)
        {
            if (!strtoull(5))
            {
                return reply("CLIENT_ERROR bad command line format");
            }
            compareCas = num.value;
        }
        if (vlen < 0 || vlen > Integer.MAX_VALUE - 2)
        {
            return reply("CLIENT_ERROR bad command line format");
        }
        final ByteBuffer key = key(1);
        if (server.detailEnabled())
        {
            server.recordSet(in, key.position(), key.remaining());
        }
        storeOptions.reset().mode(mode).compareCas(compareCas);
        if (leftoverCas != 0)
        {
            storeOptions.casIn(leftoverCas);
        }
        storeIsCas = mode == StoreMode.CAS;
        storeCompareCas = compareCas;
        metaSet = false;
        return beginValue(key, flags, exptime, vlen);
    }

    private Session.Status beginValue(final ByteBuffer key, final int flags, final int exptime, final int vlen)
    {
        // memcached's set prints its error reply and its move to conn_swallow, then the lookup that unlinks the old
        // value; ms prints the lookup first
        final boolean hold = !metaSet && server.logs.tracingLookups();
        if (hold)
        {
            server.logs.holdLookups();
        }
        storeBegins(key);
        if (!writer.begin(key, flags, exptime, vlen, storeOptions))
        {
            if (metaSet)
            {
                leaveMetaSetCas(metaSetCasGiven, metaSetCasIn);
            }
            final StoreResult failure = writer.failure();
            if (failure == StoreResult.TOO_LARGE)
            {
                outError("SERVER_ERROR object too large for cache", metaSet);
            }
            else
            {
                outError("SERVER_ERROR out of memory storing object", metaSet);
            }
            in.position(lineEnd);
            swallowRemaining = (long)vlen + 2;
            state = SWALLOW;
        valueAwaited = false;
            // memcached's error reply moves to conn_new_cmd, then it swallows the value
            session.states.to(ConnStates.NEW_CMD);
            session.states.to(ConnStates.SWALLOW);
            if (hold)
            {
                server.logs.releaseLookups();
            }
            return null;
        }
        if (hold)
        {
            server.logs.releaseLookups();
        }
        in.position(lineEnd);
        crlfSeen = 0;
        state = NREAD;
        valueAwaited = false;
        session.states.to(ConnStates.NREAD);
        return null;
    }

    private void outError(final String line, final boolean always)
    {
        if (always)
        {
            outError(line);
        }
        else
        {
            outString(line);
        }
    }

    private Session.Status nread()
    {
        if (writer.remaining() > 0)
        {
            writer.write(in);
            if (writer.remaining() > 0)
            {
                valueAwaited = true;
                return needInput();
            }
        }
        while (crlfSeen < 2)
        {
            if (!in.hasRemaining())
            {
                valueAwaited = true;
                return needInput();
            }
            final byte b = in.get();
            if (crlfSeen == 0)
            {
                crlfFirst = b;
            }
            else
            {
                crlfValid = crlfFirst == '\r' && b == '\n';
            }
            crlfSeen++;
        }
        if (!out.ensure(COMMAND_ROOM))
        {
            return needOutput();
        }
        if (!crlfValid)
        {
            if (metaSet)
            {
                leaveMetaSetCas(metaSetCasGiven, metaSetCasIn);
            }
            writer.discardBadData();
            outError("CLIENT_ERROR bad data chunk", metaSet);
            return valueDone();
        }
        final StoreResult result = writer.commit(info);
        storeEnded(result == StoreResult.STORED);
        leftoverCas = 0;
        if (result == StoreResult.EXISTS && storeIsCas && session.verbose())
        {
            // memcached's do_store_item: the item's CAS, then the one the client gave
            session.host().verbose("CAS:  failure: expected " + Long.toUnsignedString(info.cas()) + ", got " +
                Long.toUnsignedString(storeCompareCas));
        }
        if (metaSet)
        {
            finishMetaSet(result);
        }
        else
        {
            switch (result)
            {
                case STORED:
                    outString("STORED");
                    break;
                case EXISTS:
                    outString("EXISTS");
                    break;
                case NOT_FOUND:
                    outString("NOT_FOUND");
                    break;
                case NOT_STORED:
                    outString("NOT_STORED");
                    break;
                case TOO_LARGE:
                    outString("SERVER_ERROR object too large for cache");
                    break;
                default:
                    outString("SERVER_ERROR out of memory storing object");
                    break;
            }
        }
        return valueDone();
    }

    private Session.Status swallow()
    {
        final int n = (int)Math.min(swallowRemaining, in.remaining());
        in.position(in.position() + n);
        swallowRemaining -= n;
        if (swallowRemaining > 0)
        {
            valueAwaited = true;
            return needInput();
        }
        return valueDone();
    }

    /**
     * A value, stored or swallowed, is done. When it waited for bytes read after its command line, memcached read
     * them from the socket for it alone, never past its end, so its buffer is empty now: it sends the reply it queued
     * (which a later request can no longer take back) before it reads the next request.
     */
    private Session.Status valueDone()
    {
        if (!valueAwaited)
        {
            return commandDone();
        }
        valueAwaited = false;
        out.release();
        final Session.Status after = commandDone();
        session.states.sentAfterSwallow(in.hasRemaining());
        repliesSent();
        if (after == null)
        {
            // the next request comes in an event of its own: -R counts afresh
            eventStarted(settings.reqsPerEvent());
        }
        return after;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // get, gets, gat, gats
    // ---------------------------------------------------------------------------------------------------------------

    private Session.Status get(final boolean returnCas, final boolean touch, final int contentLength)
    {
        fetchOptions.reset();
        int first = 1;
        if (touch)
        {
            if (!strtol(1))
            {
                return reply("CLIENT_ERROR invalid exptime argument");
            }
            fetchOptions.touch((int)num.value);
            first = 2;
        }
        getReturnCas = returnCas;
        getTouch = touch;
        getStreaming = false;
        getCursor = tokenStart[first];
        getContentEnd = contentLength;
        getNewline = lineEnd - lineStart - 1;
        getKeysServed = 0;
        state = GET;
        return null;
    }

    /**
     * Serve the keys of a get line one after another, from {@link #getCursor} (relative to the input's position).
     */
    private Session.Status getKeys()
    {
        while (true)
        {
            final int base = in.position();
            final int avail = in.limit() - base;
            if (getNewline < 0)
            {
                findGetLineEnd(base, avail);
            }
            final int end = getContentEnd >= 0 ? getContentEnd : avail;
            int p = getCursor;
            while (p < end && in.get(base + p) == ' ')
            {
                p++;
            }
            getCursor = p;
            if (p >= end)
            {
                if (getContentEnd < 0)
                {
                    return streamMore(base);
                }
                if (!out.ensure(5))
                {
                    return needOutput();
                }
                if (session.verbose())
                {
                    session.host().verbose(">" + session.connectionId() + " END");
                }
                out.putAscii("END\r\n");
                if (getNewline < 0)
                {
                    in.position(base + end);
                    state = SKIP_LINE;
                    return null;
                }
                in.position(base + getNewline + 1);
                return commandDone();
            }
            int q = p;
            while (q < end && in.get(base + q) != ' ')
            {
                q++;
            }
            final int keyLength = q - p;
            if (keyLength > KEY_MAX_LENGTH)
            {
                return getFailed(base);
            }
            if (q == end && getContentEnd < 0)
            {
                // the key may go on in bytes not yet received
                return streamMore(base);
            }
            if (!out.ensure(HEADER_ROOM + keyLength + 2 + 5))
            {
                return needOutput();
            }
            keyView.clear().position(base + p).limit(base + q);
            getCursor = q;
            if (getKeysServed++ > 0)
            {
                // memcached gives every key after the first a response object of its own
                out.beginResponse();
            }
            final Session.Status status = getOne(base + p, keyLength);
            if (status != null || state != GET)
            {
                return status;
            }
        }
    }

    private void findGetLineEnd(final int base, final int avail)
    {
        for (int i = getCursor; i < avail; i++)
        {
            final byte b = in.get(base + i);
            if (b == '\n')
            {
                getNewline = i;
                int end = i;
                if (end > 0 && in.get(base + end - 1) == '\r')
                {
                    end--;
                }
                if (getContentEnd < 0)
                {
                    getContentEnd = end;
                }
                return;
            }
            if (b == 0 && getContentEnd < 0)
            {
                getContentEnd = i;
            }
        }
    }

    /**
     * A multi-get line without its newline yet: give up the bytes served and wait for the rest.
     */
    private Session.Status streamMore(final int base)
    {
        in.position(base + getCursor);
        if (getContentEnd >= 0)
        {
            getContentEnd -= getCursor;
        }
        getCursor = 0;
        return needInput();
    }

    private Session.Status getFailed(final int base)
    {
        out.discardUnreleased();
        if (!out.ensure(COMMAND_ROOM))
        {
            return needOutput();
        }
        if (session.verbose())
        {
            // memcached's get ends at its "stop" label, which echoes END before it replaces the replies
            session.host().verbose(">" + session.connectionId() + " END");
        }
        out.beginResponse();
        noreply = false;
        outString("CLIENT_ERROR bad command line format");
        if (getNewline >= 0)
        {
            in.position(base + getNewline + 1);
            return commandDone();
        }
        in.position(in.limit());
        state = SKIP_LINE;
        return null;
    }

    /**
     * One key of a get: look it up and write its {@code VALUE} block, or nothing on a miss.
     */
    private Session.Status getOne(final int keyAt, final int keyLength)
    {
        final int room = out.writable() - HEADER_ROOM - keyLength - 2;
        windowIndex = out.writeIndex() + HEADER_ROOM + keyLength;
        final ByteBuffer window = out.window(HEADER_ROOM + keyLength, Math.max(0, room));
        final int length = reader.open(keyView, fetchOptions, info, window);
        if (server.detailEnabled())
        {
            server.recordGet(in, keyAt, keyLength, length >= 0);
        }
        if (length < 0)
        {
            return null;
        }
        holdForReply(keyView);
        out.putAscii("VALUE ");
        out.putBytes(in, keyAt, keyLength);
        out.putByte((byte)' ');
        out.putUnsigned(info.flags() & 0xFFFF_FFFFL);
        out.putByte((byte)' ');
        out.putDecimal(length);
        if (getReturnCas)
        {
            out.putByte((byte)' ');
            out.putUnsigned(info.cas());
        }
        out.putCrLf();
        if (out.framed() && getContentEnd >= 0)
        {
            out.expectResponseEnd(length + 2L + (moreKeys() ? 0 : 5));
        }
        if (session.verbose())
        {
            session.host().verbose(">" + session.connectionId() + " sending key " + ascii(keyAt, keyLength));
        }
        return valueBody(length, GET);
    }

    /**
     * Whether the get line has a key after the one being served ({@code END} goes with the last key's response).
     */
    private boolean moreKeys()
    {
        final int base = in.position();
        for (int i = getCursor; i < getContentEnd; i++)
        {
            if (in.get(base + i) != ' ')
            {
                return true;
            }
        }
        return false;
    }

    /**
     * The value after its header line: either already in the output window (append it), or open in the reader
     * (stream it).
     */
    private Session.Status valueBody(final int length, final int after)
    {
        if (!reader.isOpen())
        {
            // the header was written at the write index, the value sits further ahead
            out.moveDown(windowIndex - out.writeIndex(), length);
            out.putCrLf();
            return null;
        }
        valueTail = after;
        state = VALUE_OUT;
        return null;
    }

    /** Where the output window of the current value starts, as an output index. */
    private int windowIndex;

    private Session.Status valueOut()
    {
        while (reader.remaining() > 0)
        {
            if (!out.ensure(1))
            {
                return needOutput();
            }
            final ByteBuffer window = out.window(0, Math.min(out.writable(), reader.remaining()));
            final int n = reader.read(window);
            out.advance(n);
        }
        reader.close();
        if (!out.ensure(2))
        {
            return needOutput();
        }
        out.putCrLf();
        if (valueTail == GET)
        {
            state = GET;
            return null;
        }
        return commandDone();
    }

    private Session.Status skipLine()
    {
        final int start = in.position();
        final int newline = indexOf(start, in.limit(), (byte)'\n');
        if (newline < 0)
        {
            in.position(in.limit());
            return needInput();
        }
        in.position(newline + 1);
        return commandDone();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // touch, incr, decr, delete
    // ---------------------------------------------------------------------------------------------------------------

    private Session.Status touch()
    {
        setNoreplyMaybe();
        if (tokenLength[1] > KEY_MAX_LENGTH)
        {
            return reply("CLIENT_ERROR bad command line format");
        }
        if (!strtol(2))
        {
            return reply("CLIENT_ERROR invalid exptime argument");
        }
        return reply(cache.touch(key(1), (int)num.value) ? "TOUCHED" : "NOT_FOUND");
    }

    private Session.Status arithmetic(final boolean incr)
    {
        setNoreplyMaybe();
        if (tokenLength[1] > KEY_MAX_LENGTH)
        {
            return reply("CLIENT_ERROR bad command line format");
        }
        if (!strtoull(2))
        {
            return reply("CLIENT_ERROR invalid numeric delta argument");
        }
        final long delta = num.value;
        final ByteBuffer key = key(1);
        final DeltaResult result;
        if (heldByReply(key))
        {
            result = cache.arithmetic(key, arithmeticOptions.reset().incr(incr).delta(delta).newItem(true), info);
            if (result == DeltaResult.OK)
            {
                itemReplaced(key);
            }
        }
        else
        {
            result = incr ? cache.incr(key, delta, info) : cache.decr(key, delta, info);
        }
        switch (result)
        {
            case OK:
                if (noreply)
                {
                    noreply = false;
                    out.skipResponse();
                    return finishLine();
                }
                if (session.verbose())
                {
                    session.host().verbose(">" + session.connectionId() + " " +
                        Long.toUnsignedString(info.numericValue()));
                }
                out.putUnsigned(info.numericValue());
                out.putCrLf();
                return finishLine();
            case NON_NUMERIC:
                return reply("CLIENT_ERROR cannot increment or decrement non-numeric value");
            case NOT_FOUND:
                return reply("NOT_FOUND");
            default:
                return reply("SERVER_ERROR out of memory");
        }
    }

    private Session.Status delete()
    {
        if (ntokens > 3)
        {
            final boolean holdIsZero = is(2, "0");
            setNoreplyMaybe();
            final boolean valid = (ntokens == 4 && (holdIsZero || noreply)) ||
                (ntokens == 5 && holdIsZero && noreply);
            if (!valid)
            {
                return reply("CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]");
            }
        }
        if (tokenLength[1] > KEY_MAX_LENGTH)
        {
            return reply("CLIENT_ERROR bad command line format");
        }
        final ByteBuffer key = key(1);
        if (server.detailEnabled())
        {
            server.recordDelete(in, key.position(), key.remaining());
        }
        if (!cache.delete(key))
        {
            return reply("NOT_FOUND");
        }
        itemReplaced(key);
        return reply("DELETED");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // meta commands
    // ---------------------------------------------------------------------------------------------------------------

    /** Parsed meta flags ({@code struct _meta_flags}). */
    private boolean mfError;
    private String mfErrorString;
    private boolean mfNoUpdate;
    private boolean mfVivify;
    private boolean mfValue;
    private boolean mfSetStale;
    private boolean mfNoReply;
    private boolean mfHasCas;
    private boolean mfHasCasIn;
    private boolean mfNewTtl;
    private boolean mfKeyBinary;
    private boolean mfRemoveValue;
    private boolean mfRecache;
    private byte mfMode;
    private int mfExptime;
    private int mfVivifyExptime;
    private int mfRecacheTime;
    private int mfClientFlags;
    private long mfCompareCas;
    private long mfCasIn;
    private long mfDelta;
    private long mfInitial;
    private final boolean[] seen = new boolean[127];
    /** The key to use after the flags were read: the token, or its base64 decoding. */
    private ByteBuffer metaKey;
    private int metaKeyLength;

    /**
     * memcached's {@code _meta_flag_preparse}.
     *
     * @return false on an error; {@link #mfErrorString} says which when the caller uses it.
     */
    private boolean metaFlags(final int start, final String defaultError)
    {
        mfError = false;
        mfErrorString = defaultError;
        mfNoUpdate = false;
        mfVivify = false;
        mfValue = false;
        mfSetStale = false;
        mfNoReply = false;
        mfHasCas = false;
        mfHasCasIn = false;
        mfNewTtl = false;
        mfKeyBinary = false;
        mfRemoveValue = false;
        mfRecache = false;
        mfMode = 0;
        mfExptime = 0;
        mfVivifyExptime = 0;
        mfRecacheTime = 0;
        mfClientFlags = 0;
        mfCompareCas = 0;
        mfCasIn = 0;
        mfDelta = 1;
        mfInitial = 0;
        java.util.Arrays.fill(seen, false);
        metaKey = key(1);
        metaKeyLength = tokenLength[1];
        for (int i = start; realToken(i); i++)
        {
            final int o = in.get(tokenAt(i)) & 0xFF;
            if (o >= 127 || seen[o])
            {
                mfErrorString = "CLIENT_ERROR duplicate flag";
                return false;
            }
            seen[o] = true;
            final int at = tokenAt(i) + 1;
            final int len = tokenLength[i] - 1;
            switch (o)
            {
                case 'b':
                    keyBuffer.clear();
                    metaKeyLength = base64Decode(tokenAt(1), tokenLength[1]);
                    if (metaKeyLength == 0)
                    {
                        mfErrorString = "CLIENT_ERROR error decoding key";
                        mfError = true;
                    }
                    metaKey = keyBuffer.clear().limit(metaKeyLength);
                    mfKeyBinary = true;
                    break;
                case 'N':
                    mfVivify = true;
                    if (!num.strtol(in, at, len))
                    {
                        mfErrorString = "CLIENT_ERROR bad token in command line format";
                        mfError = true;
                    }
                    else
                    {
                        mfVivifyExptime = (int)num.value;
                    }
                    break;
                case 'T':
                    if (!num.strtol(in, at, len))
                    {
                        mfErrorString = "CLIENT_ERROR bad token in command line format";
                        mfError = true;
                    }
                    else
                    {
                        mfExptime = (int)num.value;
                        mfNewTtl = true;
                    }
                    break;
                case 'R':
                    if (!num.strtol(in, at, len))
                    {
                        mfErrorString = "CLIENT_ERROR bad token in command line format";
                        mfError = true;
                    }
                    else
                    {
                        mfRecacheTime = (int)num.value;
                        mfRecache = true;
                    }
                    break;
                case 'l':
                case 'O':
                case 'P':
                case 'L':
                case 'k':
                case 's':
                case 't':
                case 'c':
                case 'f':
                case 'h':
                    break;
                case 'v':
                    mfValue = true;
                    break;
                case 'u':
                    mfNoUpdate = true;
                    break;
                case 'q':
                    mfNoReply = true;
                    break;
                case 'x':
                    mfRemoveValue = true;
                    break;
                case 'F':
                    if (!num.strtoul(in, at, len))
                    {
                        mfError = true;
                    }
                    else
                    {
                        mfClientFlags = (int)num.value;
                    }
                    break;
                case 'C':
                    if (!num.strtoull(in, at, len))
                    {
                        mfErrorString = "CLIENT_ERROR bad token in command line format";
                        mfError = true;
                    }
                    else
                    {
                        mfCompareCas = num.value;
                        mfHasCas = true;
                    }
                    break;
                case 'E':
                    if (!num.strtoull(in, at, len))
                    {
                        mfErrorString = "CLIENT_ERROR bad token in command line format";
                        mfError = true;
                    }
                    else
                    {
                        mfCasIn = num.value;
                        mfHasCasIn = true;
                    }
                    break;
                case 'M':
                    if (tokenLength[i] != 2)
                    {
                        mfErrorString = "CLIENT_ERROR incorrect length for M token";
                        mfError = true;
                    }
                    else
                    {
                        mfMode = in.get(at);
                    }
                    break;
                case 'J':
                    if (!num.strtoull(in, at, len))
                    {
                        mfErrorString = "CLIENT_ERROR invalid numeric initial value";
                        mfError = true;
                    }
                    else
                    {
                        mfInitial = num.value;
                    }
                    break;
                case 'D':
                    if (!num.strtoull(in, at, len))
                    {
                        mfErrorString = "CLIENT_ERROR invalid numeric delta value";
                        mfError = true;
                    }
                    else
                    {
                        mfDelta = num.value;
                    }
                    break;
                case 'I':
                    mfSetStale = true;
                    break;
                default:
                    mfErrorString = "CLIENT_ERROR invalid flag";
                    return false;
            }
        }
        return !mfError;
    }

    /**
     * memcached's {@code base64_decode} of a token into {@link #keyBuffer}: characters outside the alphabet are
     * skipped, padding ends the input.
     *
     * @return the decoded length, 0 on failure.
     */
    private int base64Decode(final int at, final int length)
    {
        int count = 0;
        for (int i = 0; i < length; i++)
        {
            if (BASE64_DECODE[in.get(at + i) & 0xFF] != (byte)0x80)
            {
                count++;
            }
        }
        if (count == 0 || count % 4 != 0)
        {
            return 0;
        }
        if (count / 4 * 3 > length)
        {
            return 0;
        }
        final int[] block = new int[4];
        int n = 0;
        int pos = 0;
        int pad = 0;
        for (int i = 0; i < length; i++)
        {
            final int c = in.get(at + i) & 0xFF;
            final byte d = BASE64_DECODE[c];
            if (d == (byte)0x80)
            {
                continue;
            }
            if (c == '=')
            {
                pad++;
            }
            block[n++] = d;
            if (n == 4)
            {
                keyBuffer.put(pos++, (byte)((block[0] << 2) | (block[1] >> 4)));
                keyBuffer.put(pos++, (byte)((block[1] << 4) | (block[2] >> 2)));
                keyBuffer.put(pos++, (byte)((block[2] << 6) | block[3]));
                n = 0;
                if (pad > 0)
                {
                    if (pad == 1)
                    {
                        pos--;
                    }
                    else if (pad == 2)
                    {
                        pos -= 2;
                    }
                    else
                    {
                        return 0;
                    }
                    break;
                }
            }
        }
        return pos;
    }

    /** Write a key as meta's {@code k} flag does: as is, or base64 and {@code b} when binary. */
    private void putMetaKey(final ByteBuffer src, final int at, final int length, final boolean binary)
    {
        out.putByte((byte)' ');
        out.putByte((byte)'k');
        if (!binary)
        {
            out.putBytes(src, at, length);
            return;
        }
        putBase64(src, at, length);
        out.putByte((byte)' ');
        out.putByte((byte)'b');
    }

    private void putBase64(final ByteBuffer src, final int at, final int length)
    {
        int i = 0;
        while (length - i >= 3)
        {
            final int b0 = src.get(at + i) & 0xFF;
            final int b1 = src.get(at + i + 1) & 0xFF;
            final int b2 = src.get(at + i + 2) & 0xFF;
            out.putByte(BASE64[b0 >> 2]);
            out.putByte(BASE64[((b0 & 0x03) << 4) | (b1 >> 4)]);
            out.putByte(BASE64[((b1 & 0x0f) << 2) | (b2 >> 6)]);
            out.putByte(BASE64[b2 & 0x3f]);
            i += 3;
        }
        if (length - i > 0)
        {
            final int b0 = src.get(at + i) & 0xFF;
            out.putByte(BASE64[b0 >> 2]);
            if (length - i == 1)
            {
                out.putByte(BASE64[(b0 & 0x03) << 4]);
                out.putByte((byte)'=');
            }
            else
            {
                final int b1 = src.get(at + i + 1) & 0xFF;
                out.putByte(BASE64[((b0 & 0x03) << 4) | (b1 >> 4)]);
                out.putByte(BASE64[(b1 & 0x0f) << 2]);
            }
            out.putByte((byte)'=');
        }
    }

    private void putOpaque(final int i)
    {
        out.putByte((byte)' ');
        out.putBytes(in, tokenAt(i), tokenLength[i]);
    }

    /**
     * Read the item before the command when its {@code t} flag comes before a {@code T}: memcached sets the new
     * expiry as it reaches {@code T} in the reply's flag loop, so a {@code t} before it shows the old one.
     *
     * @return whether {@link #infoBefore} holds the item as it was.
     */
    private boolean inspectBeforeTouch()
    {
        if (!mfNewTtl)
        {
            return false;
        }
        final int t = flagIndex('t');
        return t >= 0 && t < flagIndex('T') && cache.inspect(metaKey, infoBefore);
    }

    /**
     * Write the {@code t} flag at token {@code i} of a meta get or arithmetic reply as memcached writes it: the
     * expiry its item has at that point of the flag loop, where {@code T}, and {@code N} for an item the command
     * created (which starts with none), set it flag by flag; then {@code exptime - current_time} in 32 unsigned
     * bits (so an expiry already past prints as a number near 2^32), or -1 for none. A {@code T} before the
     * {@code t} is printed even where it does not last: an {@code ma} whose result needs a new item (a longer
     * number, or the old one still referenced) sets it on the old copy, and the new one keeps the old expiry.
     * {@link #info} holds the item after the command.
     *
     * @param haveBefore whether {@link #infoBefore} holds the item from before the command.
     */
    private void putMetaTtl(final int i, final boolean haveBefore)
    {
        out.putAscii(" t");
        final int t = mfNewTtl ? flagIndex('T') : -1;
        final int n = mfVivify && info.created() ? flagIndex('N') : -1;
        final boolean touchBefore = t >= 0 && t < i;
        final boolean vivifyBefore = n >= 0 && n < i;
        if (touchBefore && (!vivifyBefore || n < t))
        {
            putTtlOfToken(mfExptime);
        }
        else if (vivifyBefore)
        {
            putTtlOfToken(mfVivifyExptime);
        }
        else if (info.created())
        {
            out.putAscii("-1");
        }
        else
        {
            putTtl(t > i && haveBefore ? infoBefore : info);
        }
    }

    private void putTtl(final ItemInfo item)
    {
        if (item.expiresAt() == 0)
        {
            out.putAscii("-1");
        }
        else
        {
            out.putUnsigned(item.ttl() & 0xFFFF_FFFFL);
        }
    }

    /**
     * The {@code t} of an expiry token as the item would hold it: memcached's {@code realtime} of the token, less
     * the current time.
     */
    private void putTtlOfToken(final int token)
    {
        final long value = token < 0 ? CacheConfig.REALTIME_MAXDELTA + 1L : token;
        if (value == 0)
        {
            out.putAscii("-1");
            return;
        }
        final long now = cache.admin().currentTime();
        final long started = cache.config().clock().processStarted();
        final long exptime =
            value <= CacheConfig.REALTIME_MAXDELTA ? value + now : value <= started ? 1 : value - started;
        out.putUnsigned((exptime - now) & 0xFFFF_FFFFL);
    }

    /** Where a flag is among the meta command's tokens, or -1. */
    private int flagIndex(final char flag)
    {
        for (int i = 2; realToken(i); i++)
        {
            if (in.get(tokenAt(i)) == flag)
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * The token index of the first opaque longer than memcached accepts, or {@link Integer#MAX_VALUE} when none is.
     */
    private int longOpaqueIndex()
    {
        for (int i = 2; realToken(i); i++)
        {
            if (in.get(tokenAt(i)) == 'O' && tokenLength[i] > MFLAG_MAX_OPAQUE_LENGTH)
            {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }

    private boolean opaqueTooLong()
    {
        return longOpaqueIndex() != Integer.MAX_VALUE;
    }

    private void putMetaKeyOfRequest()
    {
        if (mfKeyBinary)
        {
            putMetaKey(keyBuffer, 0, metaKeyLength, true);
        }
        else
        {
            putMetaKey(in, tokenAt(1), tokenLength[1], false);
        }
    }

    private Session.Status metaGet()
    {
        if (ntokens < 3)
        {
            return reply("ERROR");
        }
        if (tokenLength[1] > KEY_MAX_LENGTH)
        {
            return metaError("CLIENT_ERROR bad command line format");
        }
        if (ntokens > MFLAG_MAX_OPT_LENGTH)
        {
            return metaError("CLIENT_ERROR options flags are too long");
        }
        if (!metaFlags(2, "CLIENT_ERROR bad command line format"))
        {
            return metaError(mfErrorString);
        }
        noreply = mfNoReply;
        fetchOptions.reset().meta(true).bump(!mfNoUpdate);
        if (mfNewTtl)
        {
            fetchOptions.touch(mfExptime);
        }
        if (mfVivify)
        {
            fetchOptions.vivify(mfVivifyExptime).vivifyAfterTouch(mfNewTtl && flagIndex('N') > flagIndex('T'));
        }
        if (mfRecache)
        {
            fetchOptions.recache(mfRecacheTime).recacheBeforeTouch(mfNewTtl && flagIndex('R') < flagIndex('T'));
        }
        if (mfHasCasIn)
        {
            fetchOptions.casIn(mfCasIn);
        }
        if (opaqueTooLong())
        {
            // memcached finds the long opaque while writing the reply: the item was fetched, created by N on a miss,
            // and the T and N flags before O were applied in order; no recache token was handed out. A hit fails
            // before memcached counts it; a miss is counted before its EN line fails
            final int o = flagIndex('O');
            final int t = mfNewTtl && flagIndex('T') < o ? flagIndex('T') : -1;
            if (cache.inspect(metaKey, infoBefore))
            {
                if (t >= 0)
                {
                    // T locks the item: the new TTL without the bump that only a successful mg makes
                    cache.fetch(metaKey, fetchOptions.reset().bump(false).touch(mfExptime).counted(false), null,
                        infoBefore);
                }
                else if (!mfNoUpdate && !mfVivify && !mfRecache && flagIndex('l') < 0 && flagIndex('h') < 0)
                {
                    // an unlocked fetch bumps the item (marks it fetched); a locked one bumps only on success
                    cache.fetch(metaKey, fetchOptions.reset().counted(false), null, infoBefore);
                }
            }
            else if (mfVivify)
            {
                final int n = flagIndex('N') < o ? flagIndex('N') : -1;
                final int exptime = n > t ? mfVivifyExptime : t >= 0 ? mfExptime : 0;
                storeOptions.reset().mode(StoreMode.ADD);
                if (mfHasCasIn)
                {
                    // E gives the created item its CAS value wherever it stands
                    storeOptions.casIn(mfCasIn);
                }
                cache.store(metaKey, EMPTY, 0, exptime, storeOptions, null);
            }
            else
            {
                // the miss: counted as memcached counts it (a get miss, whatever T says)
                cache.fetch(metaKey, fetchOptions.reset().meta(true).bump(false), null, infoBefore);
            }
            return metaError("CLIENT_ERROR opaque token too long");
        }
        final int keyLength = metaKeyLength;
        final boolean haveBefore = inspectBeforeTouch();
        final int length;
        final int windowOffset = HEADER_ROOM + keyLength;
        windowIndex = out.writeIndex() + windowOffset;
        if (mfValue)
        {
            final int room = out.writable() - windowOffset - 2;
            length = reader.open(metaKey, fetchOptions, info, out.window(windowOffset, Math.max(0, room)));
        }
        else
        {
            length = cache.fetch(metaKey, fetchOptions, null, info);
        }
        if (length < 0)
        {
            if (noreply)
            {
                noreply = false;
                out.skipResponse();
                return finishLine();
            }
            out.putAscii("EN");
            for (int i = 2; realToken(i); i++)
            {
                final byte flag = in.get(tokenAt(i));
                if (flag == 'O')
                {
                    putOpaque(i);
                }
                else if (flag == 'k')
                {
                    putMetaKeyOfRequest();
                }
            }
            out.putCrLf();
            return finishLine();
        }
        holdForReply(metaKey);
        if (mfValue)
        {
            out.putAscii("VA ");
            out.putDecimal(length);
        }
        else
        {
            out.putAscii("HD");
        }
        for (int i = 2; realToken(i); i++)
        {
            switch (in.get(tokenAt(i)))
            {
                case 's':
                    out.putAscii(" s");
                    out.putDecimal(info.valueLength());
                    break;
                case 't':
                    putMetaTtl(i, haveBefore);
                    break;
                case 'c':
                    out.putAscii(" c");
                    out.putUnsigned(info.cas());
                    break;
                case 'f':
                    out.putAscii(" f");
                    out.putUnsigned(info.flags() & 0xFFFF_FFFFL);
                    break;
                case 'l':
                    out.putAscii(" l");
                    out.putDecimal(info.secondsSinceAccess());
                    break;
                case 'h':
                    out.putAscii(info.fetchedBefore() ? " h1" : " h0");
                    break;
                case 'O':
                    putOpaque(i);
                    break;
                case 'k':
                    putMetaKey(metaKey, metaKey.position(), metaKeyLength, info.keyBinary());
                    break;
                default:
                    break;
            }
        }
        if (info.tokenAlreadySent())
        {
            out.putAscii(" Z");
        }
        if (info.stale())
        {
            out.putAscii(" X");
        }
        if (info.won())
        {
            out.putAscii(" W");
        }
        out.putCrLf();
        noreply = false;
        if (!mfValue)
        {
            return finishLine();
        }
        out.expectResponseEnd(length + 2L);
        if (!reader.isOpen())
        {
            out.moveDown(windowIndex - out.writeIndex(), length);
            out.putCrLf();
            return finishLine();
        }
        in.position(lineEnd);
        valueTail = PARSE;
        state = VALUE_OUT;
        return null;
    }

    private Session.Status metaError(final String message)
    {
        outError(message);
        return finishLine();
    }

    private Session.Status metaSet()
    {
        if (ntokens < 3)
        {
            return reply("ERROR");
        }
        if (tokenLength[1] > KEY_MAX_LENGTH || ntokens == 3)
        {
            return metaError("CLIENT_ERROR bad command line format");
        }
        if (ntokens > MFLAG_MAX_OPT_LENGTH)
        {
            return metaError("CLIENT_ERROR options flags too long");
        }
        if (!strtol(2))
        {
            return metaError("CLIENT_ERROR bad command line format");
        }
        final int vlen = (int)num.value;
        if (vlen < 0 || vlen > Integer.MAX_VALUE - 2)
        {
            return metaError("CLIENT_ERROR bad command line format");
        }
        if (!metaFlags(3, "CLIENT_ERROR bad command line format"))
        {
            return metaSetError(mfErrorString, vlen);
        }
        noreply = mfNoReply;
        String error = null;
        metaReturnCount = 0;
        for (int i = 3; realToken(i); i++)
        {
            final byte flag = in.get(tokenAt(i));
            switch (flag)
            {
                case 'O':
                    if (tokenLength[i] > MFLAG_MAX_OPAQUE_LENGTH)
                    {
                        error = "CLIENT_ERROR opaque token too long";
                        break;
                    }
                    opaqueLength[metaReturnCount] = tokenLength[i];
                    in.get(tokenAt(i), opaque, metaReturnCount * (MFLAG_MAX_OPAQUE_LENGTH + 1), tokenLength[i]);
                    metaReturn[metaReturnCount++] = flag;
                    break;
                case 'k':
                case 'c':
                case 's':
                    metaReturn[metaReturnCount++] = flag;
                    break;
                default:
                    break;
            }
        }
        StoreMode mode = StoreMode.SET;
        int exptime = mfExptime;
        switch (mfMode)
        {
            case 0:
            case 'S':
                break;
            case 'E':
                mode = StoreMode.ADD;
                break;
            case 'A':
                mode = StoreMode.APPEND;
                if (mfVivify)
                {
                    exptime = mfVivifyExptime;
                }
                break;
            case 'P':
                mode = StoreMode.PREPEND;
                if (mfVivify)
                {
                    exptime = mfVivifyExptime;
                }
                break;
            case 'R':
                mode = StoreMode.REPLACE;
                break;
            default:
                leaveMetaSetCas(mfHasCasIn, mfCasIn);
                return metaSetError("CLIENT_ERROR invalid mode for ms M token", vlen);
        }
        if (mfHasCas && (mode == StoreMode.SET || mode == StoreMode.REPLACE))
        {
            mode = StoreMode.CAS;
        }
        if (error != null)
        {
            leaveMetaSetCas(mfHasCasIn, mfCasIn);
            return metaSetError(error, vlen);
        }
        storeOptions.reset().mode(mode).deleteOnFailure(true).keyBinary(mfKeyBinary);
        storeIsCas = mode == StoreMode.CAS;
        storeCompareCas = mfCompareCas;
        if (mfHasCas)
        {
            storeOptions.compareCas(mfCompareCas);
        }
        if (mfHasCasIn)
        {
            storeOptions.casIn(mfCasIn);
        }
        if (mfVivify && (mode == StoreMode.APPEND || mode == StoreMode.PREPEND))
        {
            storeOptions.vivify(mfVivifyExptime);
        }
        if (mfSetStale && mode == StoreMode.CAS)
        {
            storeOptions.invalidate(true);
        }
        storeKeyLength = metaKeyLength;
        storeValueLength = vlen;
        storeKeyBinary = mfKeyBinary;
        metaKey.get(metaKey.position(), keyBytes, 0, metaKeyLength);
        metaSet = true;
        metaSetCasGiven = mfHasCasIn;
        metaSetCasIn = mfCasIn;
        return beginValue(metaKey, mfClientFlags, exptime, vlen);
    }

    /**
     * memcached's {@code ms} takes its CAS value while it parses the request, before anything can refuse it; the
     * engine takes one only when it stores, so a request refused in between takes one here, and leaves it (or the
     * one {@code E} gave) for the connection's next text store, as memcached's {@code c->cas} stays. An {@code E}
     * takes none, {@code E0} included (memcached tests {@code has_cas_in}, and a {@code c->cas} of 0 is no value).
     */
    private void leaveMetaSetCas(final boolean given, final long cas)
    {
        leftoverCas = given ? cas : cache.admin().takeCasValue();
    }

    private Session.Status metaSetError(final String message, final int vlen)
    {
        outError(message);
        in.position(lineEnd);
        swallowRemaining = (long)vlen + 2;
        state = SWALLOW;
        valueAwaited = false;
        session.states.to(ConnStates.NEW_CMD);
        session.states.to(ConnStates.SWALLOW);
        return null;
    }

    private void finishMetaSet(final StoreResult result)
    {
        switch (result)
        {
            case STORED:
                if (noreply)
                {
                    noreply = false;
                    out.skipResponse();
                    return;
                }
                out.putAscii("HD");
                break;
            case EXISTS:
                out.putAscii("EX");
                break;
            case NOT_FOUND:
                out.putAscii("NF");
                break;
            case NOT_STORED:
                out.putAscii("NS");
                break;
            case TOO_LARGE:
                outError("SERVER_ERROR object too large for cache");
                return;
            default:
                outError("SERVER_ERROR out of memory storing object");
                return;
        }
        for (int i = 0; i < metaReturnCount; i++)
        {
            switch (metaReturn[i])
            {
                case 'O':
                    out.putByte((byte)' ');
                    out.putBytes(opaque, i * (MFLAG_MAX_OPAQUE_LENGTH + 1), opaqueLength[i]);
                    break;
                case 'k':
                    keyBuffer.clear();
                    keyBuffer.put(0, keyBytes, 0, storeKeyLength);
                    putMetaKey(keyBuffer, 0, storeKeyLength, storeKeyBinary);
                    break;
                case 'c':
                    out.putAscii(" c");
                    out.putUnsigned(result == StoreResult.STORED ? info.cas() : 0);
                    break;
                case 's':
                    out.putAscii(" s");
                    out.putDecimal(result == StoreResult.STORED ? info.valueLength() : storeValueLength);
                    break;
                default:
                    break;
            }
        }
        out.putCrLf();
        noreply = false;
    }

    /** What {@link #metaRefused()} answered: the status of the finished error reply (null means go on reading). */
    private Session.Status refusal;

    /**
     * The checks {@code md} and {@code ma} make before they act, in memcached's order, and their flags. A reply
     * method returns null when the session goes on, so the refusal is reported apart from its status.
     *
     * @return true when the command was answered with an error; its status is in {@link #refusal}.
     */
    private boolean metaRefused()
    {
        if (ntokens < 3)
        {
            refusal = reply("ERROR");
            return true;
        }
        if (tokenLength[1] > KEY_MAX_LENGTH)
        {
            refusal = reply("CLIENT_ERROR bad command line format");
            return true;
        }
        if (ntokens > MFLAG_MAX_OPT_LENGTH)
        {
            refusal = reply("CLIENT_ERROR options flags too long");
            return true;
        }
        if (!metaFlags(2, "CLIENT_ERROR bad command line format"))
        {
            refusal = metaError("CLIENT_ERROR invalid or duplicate flag");
            return true;
        }
        noreply = mfNoReply;
        return false;
    }

    private Session.Status metaDelete()
    {
        if (metaRefused())
        {
            return refusal;
        }
        if (opaqueTooLong())
        {
            return metaError("CLIENT_ERROR opaque token too long");
        }
        deleteOptions.reset().meta(true).invalidate(mfSetStale).removeValue(mfRemoveValue).clientFlags(mfClientFlags);
        if (mfHasCas)
        {
            deleteOptions.compareCas(mfCompareCas);
        }
        if (mfHasCasIn)
        {
            deleteOptions.casIn(mfCasIn);
        }
        if (mfNewTtl)
        {
            deleteOptions.touch(mfExptime);
        }
        final DeleteResult result = cache.delete(metaKey, deleteOptions, info);
        if (result == DeleteResult.DELETED && (!mfSetStale || mfRemoveValue))
        {
            // unlinked, or replaced by an item without the value; marked stale, the item stays
            itemReplaced(metaKey);
        }
        final String status;
        switch (result)
        {
            case DELETED:
                if (noreply)
                {
                    noreply = false;
                    out.skipResponse();
                    return finishLine();
                }
                status = "HD";
                break;
            case NOT_FOUND:
                status = "NF";
                break;
            case EXISTS:
                status = "EX";
                break;
            case NOT_STORED:
                status = "NS";
                break;
            default:
                return metaError("SERVER_ERROR out of memory");
        }
        noreply = false;
        out.putAscii(status);
        putOpaqueAndKey();
        out.putCrLf();
        return finishLine();
    }

    private void putOpaqueAndKey()
    {
        for (int i = 2; realToken(i); i++)
        {
            final byte flag = in.get(tokenAt(i));
            if (flag == 'O')
            {
                putOpaque(i);
            }
            else if (flag == 'k')
            {
                putMetaKeyOfRequest();
            }
        }
    }

    private Session.Status metaArithmetic()
    {
        if (metaRefused())
        {
            return refusal;
        }
        final boolean incr;
        switch (mfMode)
        {
            case 0:
            case 'I':
            case '+':
                incr = true;
                break;
            case 'D':
            case '-':
                incr = false;
                break;
            default:
                return metaError("CLIENT_ERROR invalid mode for ma M token");
        }
        arithmeticOptions.reset().incr(incr).delta(mfDelta);
        // memcached sets T's and N's expiry while it writes the reply, flag by flag, and stops at an over-long opaque:
        // a T or N after it has no effect (a created item keeps the expiry 0 it was made with)
        final int cut = longOpaqueIndex();
        final boolean touchApplies = mfNewTtl && flagIndex('T') < cut;
        if (mfVivify)
        {
            final boolean vivifyApplies = flagIndex('N') < cut;
            arithmeticOptions.vivify(mfInitial, vivifyApplies ? mfVivifyExptime : 0)
                .vivifyAfterTouch(touchApplies && vivifyApplies && flagIndex('N') > flagIndex('T'));
        }
        if (mfHasCas)
        {
            arithmeticOptions.compareCas(mfCompareCas);
        }
        if (mfHasCasIn)
        {
            arithmeticOptions.casIn(mfCasIn);
        }
        if (touchApplies)
        {
            arithmeticOptions.touch(mfExptime);
        }
        final boolean held = heldByReply(metaKey);
        arithmeticOptions.newItem(held);
        final boolean haveBefore = touchApplies && inspectBeforeTouch();
        final DeltaResult result = cache.arithmetic(metaKey, arithmeticOptions, info);
        if (held && result == DeltaResult.OK)
        {
            itemReplaced(metaKey);
        }
        // memcached applies the change first and finds an over-long opaque while writing the reply
        if (result != DeltaResult.NON_NUMERIC && result != DeltaResult.NO_MEMORY && cut != Integer.MAX_VALUE)
        {
            return metaError("CLIENT_ERROR opaque token too long");
        }
        switch (result)
        {
            case OK:
                // q hides the nominal reply, not the one for an item created on a miss
                if (noreply && !info.created())
                {
                    noreply = false;
                    out.skipResponse();
                    return finishLine();
                }
                break;
            case NON_NUMERIC:
                return metaError("CLIENT_ERROR cannot increment or decrement non-numeric value");
            case NO_MEMORY:
                return metaError(mfVivify ? "SERVER_ERROR Out of memory allocating new item" :
                    "SERVER_ERROR out of memory");
            case NOT_FOUND:
                noreply = false;
                out.putAscii("NF");
                putOpaqueAndKey();
                out.putCrLf();
                return finishLine();
            case EXISTS:
                noreply = false;
                out.putAscii("EX");
                putOpaqueAndKey();
                out.putCrLf();
                return finishLine();
            default:
                noreply = false;
                out.putAscii("NS");
                putOpaqueAndKey();
                out.putCrLf();
                return finishLine();
        }
        noreply = false;
        final long value = info.numericValue();
        if (mfValue)
        {
            out.putAscii("VA ");
            out.putDecimal(unsignedDigits(value));
        }
        else
        {
            out.putAscii("HD");
        }
        for (int i = 2; realToken(i); i++)
        {
            switch (in.get(tokenAt(i)))
            {
                case 'c':
                    out.putAscii(" c");
                    out.putUnsigned(info.cas());
                    break;
                case 't':
                    putMetaTtl(i, haveBefore);
                    break;
                case 'O':
                    putOpaque(i);
                    break;
                case 'k':
                    putMetaKeyOfRequest();
                    break;
                default:
                    break;
            }
        }
        if (mfValue)
        {
            out.putCrLf();
            out.putUnsigned(value);
        }
        out.putCrLf();
        return finishLine();
    }

    private static int unsignedDigits(final long value)
    {
        // 2^63 and above read as negative and have 19 or 20 digits
        return value >= 0 ? Output.digits(value) : Long.toUnsignedString(value).length();
    }

    private Session.Status metaDebug()
    {
        if (ntokens < 3 || tokenLength[1] > KEY_MAX_LENGTH)
        {
            return reply("CLIENT_ERROR bad command line format");
        }
        ByteBuffer key = key(1);
        int keyLength = tokenLength[1];
        if (ntokens >= 4 && is(2, "b"))
        {
            keyBuffer.clear();
            keyLength = base64Decode(tokenAt(1), tokenLength[1]);
            if (keyLength == 0)
            {
                return reply("CLIENT_ERROR bad command line format");
            }
            key = keyBuffer.clear().limit(keyLength);
        }
        server.cmdMeta.increment();
        final boolean found = cache.inspect(key, info);
        logLookup(key, found);
        if (!found)
        {
            return reply("EN");
        }
        out.putAscii("ME ");
        if (info.keyBinary())
        {
            putBase64(key, key.position(), keyLength);
        }
        else
        {
            out.putBytes(key, key.position(), keyLength);
        }
        out.putAscii(" exp=");
        out.putDecimal(info.ttl());
        out.putAscii(" la=");
        out.putDecimal(info.secondsSinceAccess());
        out.putAscii(" cas=");
        out.putUnsigned(info.cas());
        out.putAscii(info.fetchedBefore() ? " fetch=yes" : " fetch=no");
        out.putAscii(" cls=");
        out.putDecimal(info.slabClass());
        out.putAscii(" size=");
        out.putDecimal(memcachedItemSize(keyLength, info.flags(), info.valueLength()));
        out.putCrLf();
        return finishLine();
    }

    /**
     * The size memcached reports for an item ({@code ITEM_ntotal}): its 48-byte header, CAS, key and NUL, client
     * flags when not zero, value and CRLF. {@code me} and {@code metadump} show it so that tools read the same figures
     * as from memcached; what the item really occupies here is in {@code stats slabs}.
     */
    private long memcachedItemSize(final int keyLength, final int flags, final int valueLength)
    {
        return memcachedItemSize(cache.config().casEnabled(), keyLength, flags, valueLength);
    }

    static long memcachedItemSize(final boolean cas, final int keyLength, final int flags, final int valueLength)
    {
        return 48L + (cas ? 8 : 0) + keyLength + 1 + (flags != 0 ? 4 : 0) + valueLength + 2;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // administration
    // ---------------------------------------------------------------------------------------------------------------

    private Session.Status verbosity()
    {
        setNoreplyMaybe();
        if (!strtoul(1))
        {
            return reply("CLIENT_ERROR bad command line format");
        }
        final long level = num.value;
        server.verbosity((int)Math.min(level, MAX_VERBOSITY_LEVEL));
        return reply("OK");
    }

    private Session.Status flushAll()
    {
        setNoreplyMaybe();
        if (!settings.flushEnabled())
        {
            server.flushNotRun.increment();
            return reply("CLIENT_ERROR flush_all not allowed");
        }
        int exptime = 0;
        if (ntokens != (noreply ? 3 : 2))
        {
            if (!strtol(1))
            {
                server.flushNotRun.increment();
                return reply("CLIENT_ERROR invalid exptime argument");
            }
            exptime = (int)num.value;
        }
        cache.flushAll(Math.max(exptime, 0));
        return reply("OK");
    }

    private Session.Status shutdown()
    {
        if (!settings.shutdownEnabled())
        {
            return reply("ERROR: shutdown not enabled");
        }
        if (ntokens == 2)
        {
            in.position(lineEnd);
            session.shutdownOnClose(false);
            session.closeReason(LogStreams.CLOSE_SHUTDOWN);
            return closeNow();
        }
        if (ntokens == 3 && is(1, "graceful"))
        {
            in.position(lineEnd);
            session.shutdownOnClose(true);
            session.closeReason(LogStreams.CLOSE_SHUTDOWN);
            return closeNow();
        }
        return reply("CLIENT_ERROR invalid shutdown mode");
    }

    private Session.Status memlimit()
    {
        setNoreplyMaybe();
        if (!strtoul(1))
        {
            return reply("ERROR");
        }
        final long megabytes = num.value;
        if (megabytes < 8)
        {
            return reply("MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m");
        }
        if (megabytes > 1_000_000_000L)
        {
            return reply("MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes");
        }
        if (cache.admin().adjustMemoryLimit(megabytes * 1024 * 1024))
        {
            if (server.verbosity() > 0)
            {
                session.host().verbose("maxbytes adjusted to " + megabytes + "m");
            }
            return reply("OK");
        }
        return reply("MEMLIMIT_ADJUST_FAILED out of bounds or unable to adjust");
    }

    private Session.Status slabs()
    {
        if (ntokens == 5 && is(1, "reassign"))
        {
            if (!cache.config().slabReassign())
            {
                return reply("CLIENT_ERROR slab reassignment disabled");
            }
            if (!strtol(2))
            {
                return reply("CLIENT_ERROR bad command line format");
            }
            final int src = (int)num.value;
            if (!strtol(3))
            {
                return reply("CLIENT_ERROR bad command line format");
            }
            final int dst = (int)num.value;
            switch (cache.admin().slabsReassign(src, dst))
            {
                case OK:
                    return reply("OK");
                case BUSY:
                    return reply("BUSY currently processing reassign request");
                case BADCLASS:
                    return reply("BADCLASS invalid src or dst class id");
                case NOSPARE:
                    return reply("NOSPARE source class has no spare pages");
                case SAME:
                    return reply("SAME src and dst class are identical");
                default:
                    return reply("CLIENT_ERROR slab reassignment disabled");
            }
        }
        if (ntokens >= 4 && is(1, "automove"))
        {
            return slabsAutomove();
        }
        return reply("ERROR");
    }

    /**
     * memcached's {@code extstore} command as a build with extstore answers it when started without
     * {@code ext_path}: it sets the tuning values {@code stats settings} shows (see {@link ExtstoreSettings}). A value
     * that does not parse leaves 0 behind, as memcached's parsers do.
     */
    private Session.Status extstore()
    {
        setNoreplyMaybe();
        final ExtstoreSettings x = server.extstore();
        boolean ok = true;
        if (ntokens < 4)
        {
            ok = false;
        }
        else if (is(1, "free_memchunks") && ntokens > 4)
        {
            // deprecated and ignored by memcached, but still checked
            ok = strtoul(2) && num.value < MAX_SLAB_CLASSES && strtoul(3);
        }
        else if (extstoreUnsigned() >= 0)
        {
            // memcached's parser leaves 0 behind when the value does not parse
            ok = strtoul(2);
            x.setUnsigned(extstoreUnsigned(), ok ? (int)num.value : 0);
        }
        else if (is(1, "max_frag"))
        {
            ok = strtod(2);
            x.maxFrag = ok ? num.doubleValue : 0;
        }
        else if (is(1, "drop_unread"))
        {
            ok = strtoul(2);
            if (ok)
            {
                x.dropUnread = (int)num.value != 0;
            }
        }
        else
        {
            ok = false;
        }
        return reply(ok ? "OK" : "ERROR");
    }

    /**
     * Which of {@link ExtstoreSettings#UNSIGNED_NAMES} the {@code extstore} command names, or -1.
     */
    private int extstoreUnsigned()
    {
        for (int i = 0; i < ExtstoreSettings.UNSIGNED_NAMES.length; i++)
        {
            if (is(1, ExtstoreSettings.UNSIGNED_NAMES[i]))
            {
                return i;
            }
        }
        return -1;
    }

    private Session.Status slabsAutomove()
    {
        setNoreplyMaybe();
        final CacheAdmin admin = cache.admin();
        if (is(2, "ratio") || is(2, "freeratio"))
        {
            if (ntokens < 5 || !strtod(3))
            {
                return reply("ERROR");
            }
            if (is(2, "ratio"))
            {
                admin.slabsAutomoveRatio(num.doubleValue);
            }
            else
            {
                // it steers extstore's page reserve, which this server does not have: stats settings shows it
                server.extstore().slabAutomoveFreeratio = num.doubleValue;
            }
        }
        else if (is(2, "window"))
        {
            if (ntokens < 5 || !strtoul(3))
            {
                return reply("CLIENT_ERROR bad command line format");
            }
            admin.slabsAutomoveWindow((int)num.value);
        }
        else
        {
            if (!strtoul(2))
            {
                return reply("CLIENT_ERROR bad command line format");
            }
            final long level = num.value;
            if (level > 2)
            {
                return reply("ERROR");
            }
            admin.slabsAutomove((int)level);
        }
        return reply("OK");
    }

    private Session.Status lru()
    {
        setNoreplyMaybe();
        final CacheAdmin admin = cache.admin();
        final boolean maintainer = cache.config().lruMaintainer();
        if (is(1, "tune") && ntokens >= 7)
        {
            if (!strtoul(2))
            {
                return reply("ERROR");
            }
            final long hot = num.value;
            if (!strtoul(3))
            {
                return reply("ERROR");
            }
            final long warm = num.value;
            if (!strtod(4))
            {
                return reply("ERROR");
            }
            final double hotFactor = num.doubleValue;
            if (!strtod(5))
            {
                return reply("ERROR");
            }
            final double warmFactor = num.doubleValue;
            if (((hot + warm) & 0xFFFF_FFFFL) > 80)
            {
                return reply("ERROR hot and warm pcts must not exceed 80");
            }
            if (warmFactor <= 0 || hotFactor <= 0)
            {
                return reply("ERROR hot/warm age factors must be greater than 0");
            }
            admin.lruTune((int)hot, (int)warm, hotFactor, warmFactor);
            return reply("OK");
        }
        if (is(1, "mode") && ntokens >= 4 && maintainer)
        {
            if (is(2, "flat"))
            {
                admin.lruMode(false);
                return reply("OK");
            }
            if (is(2, "segmented"))
            {
                admin.lruMode(true);
                return reply("OK");
            }
            return reply("ERROR");
        }
        if (is(1, "temp_ttl") && ntokens >= 4 && maintainer)
        {
            if (!strtol(2))
            {
                return reply("ERROR");
            }
            admin.lruTempTtl((int)num.value);
            return reply("OK");
        }
        return reply("ERROR");
    }

    private Session.Status lruCrawler()
    {
        final CacheAdmin admin = cache.admin();
        if (ntokens == 4 && is(1, "crawl"))
        {
            if (!admin.tunables().lruCrawler())
            {
                return reply("CLIENT_ERROR lru crawler disabled");
            }
            final int[] classes = crawlClasses(2);
            if (classes != null && classes.length == 1 && classes[0] < 0)
            {
                return reply("BADCLASS invalid class id");
            }
            return reply(crawlReply(admin.lruCrawlerCrawl(classes)));
        }
        if (ntokens == 4 && (is(1, "metadump") || is(1, "mgdump")))
        {
            final boolean keysOnly = is(1, "mgdump");
            if (!admin.tunables().lruCrawler())
            {
                return reply("CLIENT_ERROR lru crawler disabled");
            }
            if (!settings.dumpEnabled())
            {
                return reply(keysOnly ? "ERROR key dump not allowed" : "ERROR metadump not allowed");
            }
            if (out.hasUnsent())
            {
                return reply(keysOnly ? "ERROR cannot pipeline other commands before mgdump" :
                    "ERROR cannot pipeline other commands before metadump");
            }
            final boolean hash = is(2, "hash");
            final int[] classes = hash ? null : crawlClasses(2);
            if (classes != null && classes.length == 1 && classes[0] < 0)
            {
                return reply("BADCLASS invalid class id");
            }
            if (session.servesDatagrams())
            {
                // memcached's crawler writes a dump to the connection's socket, which over UDP reaches no one
                out.skipResponse();
                return finishLine();
            }
            final DumpSink sink = new DumpSink(keysOnly, cache.config().casEnabled());
            final CrawlResult result = admin.lruCrawlerDump(classes, hash, keysOnly, sink);
            if (result != CrawlResult.OK)
            {
                return reply(crawlReply(result));
            }
            dumpSink = sink;
            in.position(lineEnd);
            state = DUMP;
            session.states.sideThread();
            // memcached's crawler writes the dump itself: its bytes_written never counts them
            out.uncounted();
            return null;
        }
        if (ntokens == 4 && is(1, "tocrawl"))
        {
            if (!strtoul(2))
            {
                return reply("CLIENT_ERROR bad command line format");
            }
            admin.lruCrawlerTocrawl((int)num.value);
            return reply("OK");
        }
        if (ntokens == 4 && is(1, "sleep"))
        {
            if (!strtoul(2))
            {
                return reply("CLIENT_ERROR bad command line format");
            }
            if (num.value > 1_000_000)
            {
                return reply("CLIENT_ERROR sleep must be one second or less");
            }
            admin.lruCrawlerSleep((int)num.value);
            return reply("OK");
        }
        if (ntokens == 3)
        {
            if (is(1, "enable"))
            {
                if (admin.tunables().lruCrawler())
                {
                    return reply("ERROR failed to start lru crawler thread");
                }
                admin.lruCrawlerEnabled(true);
                return reply("OK");
            }
            if (is(1, "disable"))
            {
                admin.lruCrawlerEnabled(false);
                return reply("OK");
            }
            return reply("ERROR");
        }
        return reply("ERROR");
    }

    /**
     * The class list of {@code lru_crawler crawl}: {@code all} (null), or ids separated by commas.
     *
     * @return the ids, null for all, or {@code {-1}} when an id is invalid.
     */
    private int[] crawlClasses(final int i)
    {
        if (is(i, "all") || is(i, "hash"))
        {
            return null;
        }
        final String list = token(i);
        final java.util.List<Integer> ids = new java.util.ArrayList<>();
        for (final String part : list.split(","))
        {
            if (part.isEmpty())
            {
                continue;
            }
            final ByteBuffer b = ByteBuffer.wrap(part.getBytes(StandardCharsets.ISO_8859_1));
            if (!num.strtoul(b, 0, b.capacity()) || num.value < 1 || num.value >= MAX_SLAB_CLASSES)
            {
                return new int[] {-1};
            }
            ids.add((int)num.value);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private static String crawlReply(final CrawlResult result)
    {
        switch (result)
        {
            case OK:
                return "OK";
            case BUSY:
                return "BUSY currently processing crawler request";
            case BADCLASS:
                return "BADCLASS invalid class id";
            case NOTSTARTED:
                return "NOTSTARTED no items to crawl";
            default:
                return "ERROR an unknown error happened";
        }
    }

    /**
     * A lookup made through {@link MemcachedCache#inspect}, which reports no events: memcached's {@code me} and
     * {@code md} look the key up with {@code item_get}, which its fetchers stream shows.
     */
    /**
     * Report a lookup the engine made without its own report ({@code me}): the {@code fetchers} stream and the
     * {@code -vvv} lookup line, as memcached's {@code do_item_get} gives both.
     */
    private void logLookup(final ByteBuffer key, final boolean found)
    {
        if (!server.logs.watching(LogStreams.FETCHERS) && !server.logs.tracingLookups())
        {
            return;
        }
        final int length = key.remaining();
        key.get(key.position(), keyBytes, 0, length);
        server.logs.fetched(
            keyBytes, length, info.lookup(), found ? info.valueLength() : 0, found ? info.slabClass() : 0);
    }

    private Session.Status watch()
    {
        setNoreplyMaybe();
        if (!settings.watchEnabled())
        {
            return reply("CLIENT_ERROR watch commands not allowed");
        }
        if (out.hasUnsent())
        {
            return reply("ERROR cannot pipeline other commands before watch");
        }
        int streams = 0;
        for (int i = 1; realToken(i); i++)
        {
            final int stream = watchStream(i);
            if (stream == 0)
            {
                return reply("ERROR");
            }
            streams |= stream;
        }
        if (streams == 0)
        {
            streams = LogStreams.FETCHERS;
        }
        if (session.servesDatagrams())
        {
            // memcached hands its UDP connection to the logger thread, which cannot write to a socket that has no
            // peer: the client gets no reply, no watcher stays, and the rest of the datagram is not read. (memcached's
            // UDP connection of that worker then serves no more datagrams; here the next one is served.)
            noreply = true;
            outString("OK");
            in.position(in.limit());
            return commandDone();
        }
        final LogStreams.Watcher watcher;
        try
        {
            watcher = server.logs.add(session.host(), streams);
        }
        catch (final OutOfMemoryError | NegativeArraySizeException ex)
        {
            // a watcher_logbuf_size no array can have (2 GiB and more): memcached's answer when its buffer cannot be
            // allocated
            return reply("WATCHER_FAILED failed to add log watcher");
        }
        if (watcher == null)
        {
            return reply("WATCHER_TOO_MANY log watcher limit reached");
        }
        // the connection now only sends the watcher's lines, starting with the OK in its buffer; whatever the client
        // sent after the command, and sends from now on, is never read as a command
        session.watch(watcher);
        noreply = false;
        state = WATCH;
        session.states.sideThread();
        // memcached's logger thread writes the lines itself: its bytes_written counts the OK, never them
        out.uncounted();
        return watchOut();
    }

    /**
     * The streams {@code watch} takes, by name. memcached accepts {@code rawcmds} but logs raw commands only in its
     * proxy, and the {@code proxy*} streams with no proxy here: accepted as memcached accepts them, and silent.
     */
    private static final String[] WATCH_STREAM_NAMES = {"rawcmds", "evictions", "fetchers", "mutations", "sysevents",
        "connevents", "proxyreqs", "proxyevents", "proxyuser", "deletions"};
    private static final int[] WATCH_STREAMS = {LogStreams.RAWCMDS, LogStreams.EVICTIONS, LogStreams.FETCHERS,
        LogStreams.MUTATIONS, LogStreams.SYSEVENTS, LogStreams.CONNEVENTS, LogStreams.PROXYREQS,
        LogStreams.PROXYEVENTS, LogStreams.PROXYUSER, LogStreams.DELETIONS};

    private int watchStream(final int i)
    {
        for (int s = 0; s < WATCH_STREAM_NAMES.length; s++)
        {
            if (is(i, WATCH_STREAM_NAMES[s]))
            {
                return WATCH_STREAMS[s];
            }
        }
        return 0;
    }

    /**
     * A watching connection: move the watcher's lines to the output. Input is dropped unread, as memcached's logger
     * thread reads a watcher's socket only to notice that it closed.
     */
    private Session.Status watchOut()
    {
        in.position(in.limit());
        if (!session.watcher().drainTo(out))
        {
            return needOutput();
        }
        out.release();
        return needInput();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // stats
    // ---------------------------------------------------------------------------------------------------------------

    private Session.Status stats()
    {
        if (ntokens == 2)
        {
            return sendStats(sb -> server.general(statsSink(sb)));
        }
        if (is(1, "reset"))
        {
            server.resetStats();
            return reply("RESET");
        }
        if (is(1, "detail"))
        {
            if (!settings.dumpEnabled())
            {
                return reply("CLIENT_ERROR stats detail not allowed");
            }
            if (ntokens >= 4 && is(2, "on"))
            {
                server.detailEnabled(true);
                return reply("OK");
            }
            if (ntokens >= 4 && is(2, "off"))
            {
                server.detailEnabled(false);
                return reply("OK");
            }
            if (ntokens >= 4 && is(2, "dump"))
            {
                return sendPending(server.prefixDump().getBytes(StandardCharsets.ISO_8859_1));
            }
            return reply("CLIENT_ERROR usage: stats detail on|off|dump");
        }
        if (is(1, "settings"))
        {
            return sendStats(sb -> server.settings(statsSink(sb)));
        }
        if (is(1, "cachedump"))
        {
            return cachedump();
        }
        if (is(1, "conns"))
        {
            return sendStats(sb -> server.conns(statsSink(sb)));
        }
        if (is(1, "items"))
        {
            return sendStats(sb -> server.items(statsSink(sb)));
        }
        if (is(1, "slabs"))
        {
            return sendStats(sb -> server.slabs(statsSink(sb)));
        }
        if (is(1, "sizes"))
        {
            return sendStats(sb -> server.sizes(statsSink(sb)));
        }
        if (is(1, "extstore"))
        {
            // memcached's images have extstore compiled in; without ext_path it has no pages to list
            return sendStats(sb -> { });
        }
        return reply("ERROR");
    }

    private static ServerState.StatsSink statsSink(final StringBuilder sb)
    {
        return (name, value) -> sb.append("STAT ").append(name).append(' ')
            .append(value, 0, Math.min(value.length(), STAT_VALUE_MAX_LENGTH)).append("\r\n");
    }

    private Session.Status sendStats(final java.util.function.Consumer<StringBuilder> renderer)
    {
        final StringBuilder sb = new StringBuilder(4096);
        renderer.accept(sb);
        sb.append("END\r\n");
        return sendPending(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    private Session.Status sendPending(final byte[] bytes)
    {
        in.position(lineEnd);
        pending = bytes;
        pendingOffset = 0;
        out.expectResponseEnd(bytes.length);
        state = PENDING;
        return null;
    }

    private Session.Status pendingOut()
    {
        while (pendingOffset < pending.length)
        {
            if (!out.ensure(1))
            {
                return needOutput();
            }
            final int n = Math.min(out.writable(), pending.length - pendingOffset);
            out.putBytes(pending, pendingOffset, n);
            pendingOffset += n;
        }
        pending = null;
        return commandDone();
    }

    private Session.Status cachedump()
    {
        if (!settings.dumpEnabled())
        {
            return reply("CLIENT_ERROR stats cachedump not allowed");
        }
        if (ntokens < 5)
        {
            return reply("CLIENT_ERROR bad command line");
        }
        if (!strtoul(2))
        {
            return reply("CLIENT_ERROR bad command line format");
        }
        final long id = num.value;
        if (!strtoul(3))
        {
            return reply("CLIENT_ERROR bad command line format");
        }
        final long limit = num.value;
        if (id >= MAX_SLAB_CLASSES)
        {
            return reply("CLIENT_ERROR Illegal slab id");
        }
        final StringBuilder sb = new StringBuilder();
        final boolean[] full = new boolean[1];
        cache.admin().cachedump((int)id, (int)limit, (key, keyLength, valueLength, expiresAt) ->
        {
            if (full[0])
            {
                return;
            }
            final String line = "ITEM " + new String(key, 0, keyLength, StandardCharsets.ISO_8859_1) + " [" +
                valueLength + " b; " + expiresAt + " s]\r\n";
            if (sb.length() + line.length() + 6 > CACHEDUMP_LIMIT)
            {
                full[0] = true;
                return;
            }
            sb.append(line);
        });
        sb.append("END\r\n");
        return sendPending(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // lru_crawler metadump / mgdump
    // ---------------------------------------------------------------------------------------------------------------

    private Session.Status dump()
    {
        final DumpSink sink = dumpSink;
        while (true)
        {
            if (!out.ensure(1))
            {
                return needOutput();
            }
            final int n = sink.drain(out);
            if (n > 0)
            {
                continue;
            }
            if (sink.done())
            {
                if (!out.ensure(5))
                {
                    return needOutput();
                }
                out.putAscii(sink.keysOnly ? "EN\r\n" : "END\r\n");
                out.countedAgain();
                dumpSink = null;
                final Session.Status yielded = commandDone();
                session.holdInputUntilReadable(in.hasRemaining());
                return yielded != null ? yielded : parsedAll();
            }
            out.release();
            return Session.Status.YIELD;
        }
    }

    /**
     * Receives a dump crawl on the crawler thread and hands the lines to the session through a bounded buffer.
     */
    private static final class DumpSink implements io.memcached4j.core.CrawlSink
    {
        private static final int CAPACITY = 64 * 1024;
        private static final int LINE_MAX = 1024;

        final boolean keysOnly;
        private final boolean cas;
        private final byte[] buffer = new byte[CAPACITY];
        private int head;
        private int tail;
        private volatile boolean finished;
        private volatile boolean cancelled;

        DumpSink(final boolean keysOnly, final boolean cas)
        {
            this.keysOnly = keysOnly;
            this.cas = cas;
        }

        @Override
        public synchronized boolean ready()
        {
            return CAPACITY - (tail - head) >= LINE_MAX;
        }

        @Override
        public boolean alive()
        {
            return !cancelled;
        }

        @Override
        public synchronized void item(final byte[] key, final int keyLength, final ItemInfo item)
        {
            if (head == tail)
            {
                head = 0;
                tail = 0;
            }
            else if (CAPACITY - tail < LINE_MAX)
            {
                System.arraycopy(buffer, head, buffer, 0, tail - head);
                tail -= head;
                head = 0;
            }
            final StringBuilder sb = new StringBuilder(LINE_MAX);
            if (keysOnly)
            {
                sb.append("mg ");
                if (item.keyBinary())
                {
                    sb.append(java.util.Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(key, keyLength)));
                    sb.append(" b\r\n");
                }
                else
                {
                    sb.append(new String(key, 0, keyLength, StandardCharsets.ISO_8859_1)).append("\r\n");
                }
            }
            else
            {
                sb.append("key=");
                for (int i = 0; i < keyLength; i++)
                {
                    final int c = key[i] & 0xFF;
                    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
                        c == '.' || c == '_' || c == '~')
                    {
                        sb.append((char)c);
                    }
                    else
                    {
                        sb.append('%').append((char)HEX[c >> 4]).append((char)HEX[c & 0xF]);
                    }
                }
                sb.append(" exp=").append(item.expiresAt() == 0 ? -1 : item.expiresAt());
                sb.append(" la=").append(item.lastAccessAt());
                sb.append(" cas=").append(Long.toUnsignedString(item.cas()));
                sb.append(item.fetchedBefore() ? " fetch=yes" : " fetch=no");
                sb.append(" cls=").append(item.slabClass());
                sb.append(" size=")
                    .append(memcachedItemSize(cas, keyLength, item.flags(), item.valueLength()));
                sb.append(" flags=").append(Integer.toUnsignedString(item.flags()));
                sb.append(" \n");
            }
            for (int i = 0; i < sb.length(); i++)
            {
                buffer[tail++] = (byte)sb.charAt(i);
            }
        }

        @Override
        public void finished()
        {
            finished = true;
        }

        void cancel()
        {
            cancelled = true;
        }

        boolean done()
        {
            if (!finished)
            {
                return false;
            }
            synchronized (this)
            {
                return head == tail;
            }
        }

        synchronized int drain(final Output out)
        {
            final int n = Math.min(tail - head, out.writable());
            if (n > 0)
            {
                out.putBytes(buffer, head, n);
                head += n;
            }
            return n;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // ASCII authentication (-Y)
    // ---------------------------------------------------------------------------------------------------------------

    private Session.Status authLine()
    {
        final int start = in.position();
        final int limit = in.limit();
        if (limit - start < 2)
        {
            out.release();
            return needInput();
        }
        final int newline = indexOf(start, limit, (byte)'\n');
        if (newline < 0)
        {
            if (limit - start > LINE_LIMIT)
            {
                return closeNow();
            }
            out.release();
            return needInput();
        }
        if (!out.ensure(COMMAND_ROOM))
        {
            return needOutput();
        }
        lineStart = start;
        int end = newline;
        final int nul = indexOf(start, end, (byte)0);
        if (nul >= 0)
        {
            end = nul;
        }
        tokenize(start, end);
        in.position(newline + 1);
        lineEnd = newline + 1;
        noreply = false;
        final boolean rewound = authLineRewound;
        authLineRewound = false;
        if (rewound || ntokens < 6 || !is(0, "set") || !strtoul(4))
        {
            authReply("CLIENT_ERROR unauthenticated");
            return commandDone();
        }
        if ((int)(num.value + 2) < 0)
        {
            // memcached keeps the payload's length (size + 2) in an int: from 2147483646 to 4294967293 it is negative,
            // so the payload counts as read at once, its end is compared with the line's own bytes (no match), and
            // its read position moves back into the line, which makes the next line's start: whatever that line
            // is, it is no login (beyond a few bytes back memcached reads outside its buffer and may crash)
            authReply("CLIENT_ERROR bad command line termination");
            authLineRewound = true;
            return commandDone();
        }
        // memcached adds the 2 in 32 bits: 4294967294 and 4294967295 wrap to 0 and 1
        authPayloadLength = (num.value + 2) & 0xFFFF_FFFFL;
        state = AUTH_DATA;
        return null;
    }

    private Session.Status authData()
    {
        final int start = in.position();
        if (in.limit() - start < authPayloadLength)
        {
            // memcached sends what it holds while it waits for the rest. It reads the payload into its 16 KiB read
            // buffer; once that is full it still waits, and closes the connection when more bytes come (its read of
            // none reads as the end of input). The input buffer is this session's read buffer (the line is consumed),
            // and a transport closes a connection whose full buffer a session left unconsumed when more bytes come.
            out.release();
            return needInput();
        }
        if (!out.ensure(COMMAND_ROOM))
        {
            return needOutput();
        }
        final int length = (int)authPayloadLength;
        in.position(start + length);
        // a wrapped length of 0 or 1 has memcached compare the line's own end, whose newline it cut: no match
        if (length < 2 || in.get(start + length - 2) != '\r' || in.get(start + length - 1) != '\n')
        {
            authReply("CLIENT_ERROR bad command line termination");
            return commandDone();
        }
        lineStart = start;
        final int end = start + length - 2;
        final int nul = indexOf(start, end, (byte)0);
        tokenize(start, nul >= 0 ? nul : end);
        if (ntokens < 3)
        {
            authReply("CLIENT_ERROR bad authentication token format");
            return commandDone();
        }
        server.authCmds.increment();
        if (checkAuth())
        {
            authenticated = true;
            authReply("STORED");
            authReply = -1;
        }
        else
        {
            server.authErrors.increment();
            authReply("CLIENT_ERROR authentication failure");
        }
        return commandDone();
    }

    private boolean checkAuth()
    {
        final AsciiAuthFile users = settings.asciiAuth();
        return users != null && users.check(tokenBytes(0), tokenBytes(1));
    }

    private byte[] tokenBytes(final int i)
    {
        final byte[] bytes = new byte[tokenLength[i]];
        in.get(tokenAt(i), bytes);
        return bytes;
    }
}
