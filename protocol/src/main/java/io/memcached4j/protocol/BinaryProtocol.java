/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.memcached4j.core.ArithmeticOptions;
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

import static io.memcached4j.protocol.SaslAuthenticator.SASL_BADPROT;
import static io.memcached4j.protocol.SaslAuthenticator.SASL_BUFOVER;
import static io.memcached4j.protocol.SaslAuthenticator.SASL_CONTINUE;
import static io.memcached4j.protocol.SaslAuthenticator.SASL_FAIL;
import static io.memcached4j.protocol.SaslAuthenticator.SASL_NOMECH;
import static io.memcached4j.protocol.SaslAuthenticator.SASL_OK;

/**
 * memcached's binary protocol, as memcached 1.6.39's {@code proto_bin.c} speaks it, including its quirks: what is
 * validated and in which order, which errors close the connection and which swallow the body (an unknown opcode
 * swallows {@code bodylen} bytes after its extras and key, misaligning the stream as memcached does), which replies
 * are sent at once and which wait until the input runs out.
 * <p>
 * A request is handled once its 24-byte header, extras and key are in the input; nothing is consumed before. Values
 * stream: a store reserves the item when its header arrives and copies the value into it as the bytes come in; a
 * fetched value is copied straight into the output buffer when it fits there and otherwise read from the item piece
 * by piece as the output drains. Statistics are rendered whole (they may allocate) and drained the same way.
 * <p>
 * Replies are released to the driver where memcached transmits them: when the input holds no complete request (but
 * not while a value is being read or swallowed), after a reply that memcached writes at once (errors without a
 * body to swallow, NOOP, QUIT, SASL continue), after {@code -R} requests, and, which memcached need not do, when the
 * output buffer is full. An invalid magic byte closes the connection without sending what was not released.
 * <p>
 * Not threadsafe: one per session.
 */
final class BinaryProtocol extends ProtocolHandler
{
    /** The magic byte of a request: a connection whose first byte is this speaks the binary protocol. */
    static final int REQUEST_MAGIC = 0x80;
    /** The magic byte of a response. */
    static final int RESPONSE_MAGIC = 0x81;
    /** Length of a request or response header. */
    static final int HEADER_LENGTH = 24;

    static final int CMD_GET = 0x00;
    static final int CMD_SET = 0x01;
    static final int CMD_ADD = 0x02;
    static final int CMD_REPLACE = 0x03;
    static final int CMD_DELETE = 0x04;
    static final int CMD_INCREMENT = 0x05;
    static final int CMD_DECREMENT = 0x06;
    static final int CMD_QUIT = 0x07;
    static final int CMD_FLUSH = 0x08;
    static final int CMD_GETQ = 0x09;
    static final int CMD_NOOP = 0x0a;
    static final int CMD_VERSION = 0x0b;
    static final int CMD_GETK = 0x0c;
    static final int CMD_GETKQ = 0x0d;
    static final int CMD_APPEND = 0x0e;
    static final int CMD_PREPEND = 0x0f;
    static final int CMD_STAT = 0x10;
    static final int CMD_SETQ = 0x11;
    static final int CMD_ADDQ = 0x12;
    static final int CMD_REPLACEQ = 0x13;
    static final int CMD_DELETEQ = 0x14;
    static final int CMD_INCREMENTQ = 0x15;
    static final int CMD_DECREMENTQ = 0x16;
    static final int CMD_QUITQ = 0x17;
    static final int CMD_FLUSHQ = 0x18;
    static final int CMD_APPENDQ = 0x19;
    static final int CMD_PREPENDQ = 0x1a;
    static final int CMD_TOUCH = 0x1c;
    static final int CMD_GAT = 0x1d;
    static final int CMD_GATQ = 0x1e;
    static final int CMD_SASL_LIST_MECHS = 0x20;
    static final int CMD_SASL_AUTH = 0x21;
    static final int CMD_SASL_STEP = 0x22;
    static final int CMD_GATK = 0x23;
    static final int CMD_GATKQ = 0x24;

    static final int STATUS_SUCCESS = 0x00;
    static final int STATUS_KEY_ENOENT = 0x01;
    static final int STATUS_KEY_EEXISTS = 0x02;
    static final int STATUS_E2BIG = 0x03;
    static final int STATUS_EINVAL = 0x04;
    static final int STATUS_NOT_STORED = 0x05;
    static final int STATUS_DELTA_BADVAL = 0x06;
    static final int STATUS_AUTH_ERROR = 0x20;
    static final int STATUS_AUTH_CONTINUE = 0x21;
    static final int STATUS_UNKNOWN_COMMAND = 0x81;
    static final int STATUS_ENOMEM = 0x82;

    /** memcached's KEY_MAX_LENGTH: longer keys are a protocol error. */
    private static final int KEY_MAX_LENGTH = 250;
    /** memcached's BIN_MAX_EXTLEN: extras beyond this are read but ignored. */
    private static final int MAX_EXTRAS = 20;
    /** memcached's READ_BUFFER_SIZE: a request whose header, extras and key exceed it can never be parsed. */
    private static final int READ_BUFFER_SIZE = 16384;
    /** memcached's MAX_SASL_MECH_LEN. */
    private static final int MAX_SASL_MECH_LEN = 32;
    /** memcached's {@code sizeof(item)} on a 64-bit build, for the SASL buffer's item-size rule. */
    private static final int MEMCACHED_ITEM_HEADER = 48;
    /** SASL data kept for the PLAIN check; longer data cannot pass memcached's password database. */
    private static final int SASL_KEEP = 1024;
    /** Enough of the end of longer SASL data for a user and password memcached's password database can accept. */
    private static final int SASL_TAIL = 256;
    /** Output space reserved before a request is consumed: the largest reply short of a value or statistics. */
    private static final int RESPONSE_ROOM = HEADER_LENGTH + 4 + KEY_MAX_LENGTH + 64;
    /** Smallest piece worth copying when streaming a value out. */
    private static final int STREAM_PIECE = 4096;

    private static final byte[] MSG_NOT_FOUND = ascii("Not found");
    private static final byte[] MSG_EXISTS = ascii("Data exists for key.");
    private static final byte[] MSG_TOO_LARGE = ascii("Too large.");
    private static final byte[] MSG_EINVAL = ascii("Invalid arguments");
    private static final byte[] MSG_NOT_STORED = ascii("Not stored.");
    private static final byte[] MSG_DELTA_BADVAL = ascii("Non-numeric server-side value for incr or decr");
    private static final byte[] MSG_AUTH_ERROR = ascii("Auth failure.");
    private static final byte[] MSG_UNKNOWN = ascii("Unknown command");
    private static final byte[] MSG_ENOMEM = ascii("Out of memory");
    private static final byte[] MSG_OOM_ITEM = ascii("Out of memory allocating item");
    private static final byte[] MSG_OOM_NEW_ITEM = ascii("Out of memory allocating new item");
    private static final byte[] MSG_OOM_INCR = ascii("Out of memory incrementing value");
    private static final byte[] MSG_AUTHENTICATED = ascii("Authenticated");
    private static final byte[] MECHANISMS = ascii(SaslAuthenticator.MECHANISMS);
    private static final byte[] VERSION = ascii(ServerSettings.PROTOCOL_VERSION);

    // what a request handler leaves the connection to do next (memcached's conn_set_state after a command)
    private static final int NEXT_NEW_CMD = 0;
    private static final int NEXT_MWRITE = 1;
    private static final int NEXT_CLOSE_AFTER_WRITE = 2;
    private static final int NEXT_STATE = 3;

    // states
    private static final int PARSE = 0;
    private static final int NREAD = 1;
    private static final int NREAD_SASL = 2;
    private static final int SWALLOW = 3;
    private static final int VALUE_OUT = 4;
    private static final int BYTES_OUT = 5;
    private static final int DISCARD = 6;
    private static final int CLOSED = 7;

    private final Session session;
    private final ServerState server;
    /** Whether the header at the input's position was logged at -vv already (it may be parsed again). */
    private boolean headerLogged;
    /** The server's verbosity, read as the current request's header is parsed. */
    private int verbosity;
    private final ServerSettings settings;
    private final MemcachedCache cache;
    private final Output out;
    private final SaslAuthenticator sasl;
    private final boolean casEnabled;
    private final ItemWriter writer;
    private final ItemReader reader;
    private final FetchOptions fetchOptions = new FetchOptions();
    private final StoreOptions storeOptions = new StoreOptions();
    private final DeleteOptions deleteOptions = new DeleteOptions();
    private final ArithmeticOptions arithmeticOptions = new ArithmeticOptions();
    private final ItemInfo info = new ItemInfo();
    private final ByteBuffer key = ByteBuffer.allocate(KEY_MAX_LENGTH);
    private final byte[] extras = new byte[MAX_EXTRAS];

    private int state = PARSE;

    // the request being served
    private int opcode;
    private int cmd;
    private int keyLength;
    private int extrasLength;
    private long bodyLength;
    private int opaque;
    private long requestCas;
    private boolean noreply;
    private int storeCommand;
    private long storeCas;

    private long swallowRemaining;
    /** Whether the body being swallowed ran past what had been read: memcached then reads it from the socket. */
    private boolean swallowRead;
    /** Whether the value being read ran past what had been read: memcached then reads it from the socket. */
    private boolean valueRead;
    private long discardTotal;
    private long discardDone;

    private byte[] pending;
    private int pendingOffset;

    private boolean authenticated;
    private boolean saslStarted;
    private byte[] saslData;
    private int saslLength;
    /** The last {@link #SASL_TAIL} bytes of SASL data longer than {@link #SASL_KEEP}: its user and password. */
    private byte[] saslTail;
    /** NULs in the SASL data, and where the first three are. */
    private int saslNuls;
    private final int[] saslNulAt = new int[3];
    /** Whether the last SASL exchange succeeded: the SASL library refuses the next start once. */
    private boolean saslDone;
    private int saslRemaining;

    private ByteBuffer outBase;
    private ByteBuffer outView;

    BinaryProtocol(final Session session)
    {
        this.session = session;
        this.server = session.server;
        this.settings = server.settings();
        this.cache = session.cache;
        this.out = session.out;
        this.sasl = settings.sasl();
        this.casEnabled = cache.config().casEnabled();
        this.writer = cache.newWriter();
        this.reader = cache.newReader();
    }

    private static byte[] ascii(final String s)
    {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // the state machine
    // ---------------------------------------------------------------------------------------------------------------

    @Override
    Session.Status process(final ByteBuffer in)
    {
        eventStarted(settings.reqsPerEvent());
        while (true)
        {
            final Session.Status status;
            switch (state)
            {
                case PARSE:
                    status = parse(in);
                    break;
                case NREAD:
                    status = nread(in);
                    break;
                case NREAD_SASL:
                    status = nreadSasl(in);
                    break;
                case SWALLOW:
                    status = swallow(in);
                    break;
                case VALUE_OUT:
                    status = valueOut();
                    break;
                case BYTES_OUT:
                    status = bytesOut();
                    break;
                case DISCARD:
                    status = discard(in);
                    break;
                default:
                    return Session.Status.CLOSE;
            }
            if (status != null)
            {
                return status;
            }
        }
    }

    @Override
    String stateName()
    {
        switch (state)
        {
            case NREAD:
            case NREAD_SASL:
                return "conn_nread";
            case SWALLOW:
                return "conn_swallow";
            case VALUE_OUT:
            case BYTES_OUT:
                return "conn_mwrite";
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
        if (reader.isOpen())
        {
            reader.close();
        }
        pending = null;
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
        noreply = false;
        state = PARSE;
    }

    /**
     * A command finished: memcached's {@code conn_new_cmd}, which counts it against {@code -R}.
     */
    private Session.Status commandDone()
    {
        state = PARSE;
        session.states.requestDone();
        if (requestDone(server))
        {
            out.release();
            return Session.Status.YIELD;
        }
        return null;
    }

    private Session.Status finish(final int next)
    {
        switch (next)
        {
            case NEXT_NEW_CMD:
                return commandDone();
            case NEXT_MWRITE:
                out.release();
                // memcached sends what is queued at once, then takes the next request
                session.states.sentAtOnce();
                final Session.Status after = commandDone();
                repliesSent();
                return after;
            case NEXT_CLOSE_AFTER_WRITE:
                out.release();
                session.states.to(ConnStates.MWRITE);
                state = CLOSED;
                return Session.Status.CLOSE;
            default:
                return null;
        }
    }

    /**
     * No complete request is left in the input.
     */
    private Session.Status parsedAll()
    {
        inputConsumed(server, session.states);
        out.release();
        return Session.Status.NEED_INPUT;
    }

    private Session.Status needOutput()
    {
        out.releaseForSpace();
        return Session.Status.NEED_OUTPUT;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // reading a request
    // ---------------------------------------------------------------------------------------------------------------

    private Session.Status parse(final ByteBuffer in)
    {
        final int start = in.position();
        final int available = in.limit() - start;
        session.states.parsing(available > 0);
        if (available < HEADER_LENGTH)
        {
            return parsedAll();
        }
        // read once per request: every -v/-vv line of the request follows it
        verbosity = server.verbosity();
        if (!headerLogged && verbosity > 1)
        {
            logHeader(in, start, '<', " Read binary protocol data:", "   ", false);
            headerLogged = true;
        }
        if ((in.get(start) & 0xFF) != REQUEST_MAGIC)
        {
            if (verbosity > 0)
            {
                log("Invalid magic:  " + Integer.toHexString(in.get(start) & 0xFF));
            }
            // memcached goes straight to conn_closing: what it had not transmitted is never sent
            out.discardUnreleased();
            state = CLOSED;
            return Session.Status.CLOSE;
        }
        opcode = in.get(start + 1) & 0xFF;
        keyLength = getShort(in, start + 2);
        extrasLength = in.get(start + 4) & 0xFF;
        bodyLength = getInt(in, start + 8) & 0xFFFF_FFFFL;
        opaque = getInt(in, start + 12);
        requestCas = ((long)getInt(in, start + 16) << 32) | (getInt(in, start + 20) & 0xFFFF_FFFFL);
        if (keyLength > KEY_MAX_LENGTH)
        {
            // memcached waits for the whole key in its 16 KiB read buffer before it rejects it; count, do not keep
            in.position(start + HEADER_LENGTH);
            headerLogged = false;
            discardTotal = HEADER_LENGTH + keyLength + extrasLength;
            discardDone = HEADER_LENGTH;
            state = DISCARD;
            return null;
        }
        final int need = HEADER_LENGTH + extrasLength + keyLength;
        if (available < need)
        {
            // memcached dumps the header again each time it looks at it
            headerLogged = false;
            return parsedAll();
        }
        if (!out.ensure(RESPONSE_ROOM))
        {
            return needOutput();
        }
        out.beginResponse();
        final int extrasAt = start + HEADER_LENGTH;
        in.get(extrasAt, extras, 0, Math.min(extrasLength, MAX_EXTRAS));
        key.clear();
        in.get(extrasAt + extrasLength, key.array(), 0, keyLength);
        key.limit(keyLength);
        in.position(start + need);
        headerLogged = false;
        session.commandStarted();
        return finish(dispatch());
    }

    private Session.Status discard(final ByteBuffer in)
    {
        final long cap = Math.min(discardTotal, READ_BUFFER_SIZE);
        final int take = (int)Math.min(in.remaining(), cap - discardDone);
        in.position(in.position() + take);
        discardDone += take;
        if (discardDone < cap)
        {
            out.release();
            return Session.Status.NEED_INPUT;
        }
        if (discardTotal > READ_BUFFER_SIZE)
        {
            // memcached's read buffer is full and cannot grow for the binary protocol: the next read returns 0
            // bytes, which it takes for the end of the stream
            out.release();
            if (!in.hasRemaining())
            {
                return Session.Status.NEED_INPUT;
            }
            state = CLOSED;
            return Session.Status.CLOSE;
        }
        if (!out.ensure(RESPONSE_ROOM))
        {
            return needOutput();
        }
        out.beginResponse();
        session.commandStarted();
        if (keyLength + extrasLength > bodyLength)
        {
            writeError(STATUS_UNKNOWN_COMMAND, MSG_UNKNOWN);
        }
        else if (!authenticated())
        {
            writeError(STATUS_AUTH_ERROR, MSG_AUTH_ERROR);
        }
        else
        {
            protocolError();
        }
        return finish(NEXT_CLOSE_AFTER_WRITE);
    }

    private Session.Status swallow(final ByteBuffer in)
    {
        final int take = (int)Math.min(in.remaining(), swallowRemaining);
        in.position(in.position() + take);
        swallowRemaining -= take;
        if (swallowRemaining > 0)
        {
            swallowRead = true;
            return Session.Status.NEED_INPUT;
        }
        if (!swallowRead)
        {
            return commandDone();
        }
        swallowRead = false;
        return sentBeforeNextRead(in, NEXT_NEW_CMD);
    }

    /**
     * A body that waited for bytes read after its header is done. memcached read them from the socket for it alone,
     * never past its end, so its buffer is empty now: it sends what it queued (which a bad magic can then no longer
     * take back) before it reads the next request.
     */
    private Session.Status sentBeforeNextRead(final ByteBuffer in, final int next)
    {
        out.release();
        final Session.Status after = finish(next);
        session.states.sentAfterSwallow(in.hasRemaining());
        repliesSent();
        if (after == null)
        {
            // the next request comes in an event of its own: -R counts afresh
            eventStarted(settings.reqsPerEvent());
        }
        return after;
    }

    private int swallowOrDone(final int bytes)
    {
        // write_bin_error only swallows a positive int count; otherwise the connection goes straight on
        if (bytes > 0)
        {
            swallowRemaining = bytes;
            swallowRead = false;
            state = SWALLOW;
            session.states.to(ConnStates.SWALLOW);
            return NEXT_STATE;
        }
        return NEXT_NEW_CMD;
    }

    private static int getShort(final ByteBuffer in, final int index)
    {
        return ((in.get(index) & 0xFF) << 8) | (in.get(index + 1) & 0xFF);
    }

    private static int getInt(final ByteBuffer in, final int index)
    {
        return ((in.get(index) & 0xFF) << 24) | ((in.get(index + 1) & 0xFF) << 16) |
            ((in.get(index + 2) & 0xFF) << 8) | (in.get(index + 3) & 0xFF);
    }

    private int extrasInt(final int offset)
    {
        return ((extras[offset] & 0xFF) << 24) | ((extras[offset + 1] & 0xFF) << 16) |
            ((extras[offset + 2] & 0xFF) << 8) | (extras[offset + 3] & 0xFF);
    }

    private long extrasLong(final int offset)
    {
        return ((long)extrasInt(offset) << 32) | (extrasInt(offset + 4) & 0xFFFF_FFFFL);
    }

    /**
     * A binary exptime is unsigned: values from 2^31 are Unix times after 2038, which the engine's signed exptime
     * cannot name; they become its latest time.
     */
    private static int exptime(final int raw)
    {
        return raw < 0 ? Integer.MAX_VALUE : raw;
    }

    private boolean mayRun(final int op)
    {
        switch (op)
        {
            case CMD_SASL_LIST_MECHS:
            case CMD_SASL_AUTH:
            case CMD_SASL_STEP:
            case CMD_VERSION:
                return true;
            default:
                return authenticated;
        }
    }

    private static int loud(final int op)
    {
        switch (op)
        {
            case CMD_SETQ:
                return CMD_SET;
            case CMD_ADDQ:
                return CMD_ADD;
            case CMD_REPLACEQ:
                return CMD_REPLACE;
            case CMD_DELETEQ:
                return CMD_DELETE;
            case CMD_INCREMENTQ:
                return CMD_INCREMENT;
            case CMD_DECREMENTQ:
                return CMD_DECREMENT;
            case CMD_QUITQ:
                return CMD_QUIT;
            case CMD_FLUSHQ:
                return CMD_FLUSH;
            case CMD_APPENDQ:
                return CMD_APPEND;
            case CMD_PREPENDQ:
                return CMD_PREPEND;
            case CMD_GETQ:
                return CMD_GET;
            case CMD_GETKQ:
                return CMD_GETK;
            case CMD_GATQ:
                return CMD_GAT;
            case CMD_GATKQ:
                return CMD_GATK;
            default:
                return -1;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // dispatch: memcached's dispatch_bin_command
    // ---------------------------------------------------------------------------------------------------------------

    private int dispatch()
    {
        if (keyLength > bodyLength || keyLength + extrasLength > bodyLength)
        {
            writeError(STATUS_UNKNOWN_COMMAND, MSG_UNKNOWN);
            return NEXT_CLOSE_AFTER_WRITE;
        }
        if (!authenticated())
        {
            writeError(STATUS_AUTH_ERROR, MSG_AUTH_ERROR);
            return NEXT_CLOSE_AFTER_WRITE;
        }
        final int mapped = loud(opcode);
        noreply = mapped >= 0;
        cmd = noreply ? mapped : opcode;
        final boolean noKey = keyLength == 0;
        final boolean noExtras = extrasLength == 0;
        switch (cmd)
        {
            case CMD_VERSION:
                if (noExtras && noKey && bodyLength == 0)
                {
                    respond(VERSION);
                    return NEXT_NEW_CMD;
                }
                break;
            case CMD_FLUSH:
                if (noKey && bodyLength == extrasLength && (extrasLength == 0 || extrasLength == 4))
                {
                    return flush();
                }
                break;
            case CMD_NOOP:
                if (noExtras && noKey && bodyLength == 0)
                {
                    writeHeader(STATUS_SUCCESS, 0, 0, 0, 0);
                    // memcached's write_bin_response moves to conn_new_cmd before NOOP forces the flush
                    session.states.requestDone();
                    return NEXT_MWRITE;
                }
                break;
            case CMD_SET:
            case CMD_ADD:
            case CMD_REPLACE:
                if (extrasLength == 8 && !noKey && bodyLength >= keyLength + 8)
                {
                    return update();
                }
                break;
            case CMD_GET:
            case CMD_GETK:
                if (noExtras && bodyLength == keyLength && !noKey)
                {
                    return getOrTouch();
                }
                break;
            case CMD_DELETE:
                if (!noKey && noExtras && bodyLength == keyLength)
                {
                    return delete();
                }
                break;
            case CMD_INCREMENT:
            case CMD_DECREMENT:
                if (!noKey && extrasLength == 20 && bodyLength == keyLength + 20)
                {
                    return arithmetic();
                }
                break;
            case CMD_APPEND:
            case CMD_PREPEND:
                if (!noKey && noExtras)
                {
                    return appendPrepend();
                }
                break;
            case CMD_STAT:
                if (noExtras)
                {
                    return stat();
                }
                break;
            case CMD_QUIT:
                if (noKey && noExtras && bodyLength == 0)
                {
                    if (!noreply)
                    {
                        writeHeader(STATUS_SUCCESS, 0, 0, 0, 0);
                    }
                    session.states.requestDone();
                    session.closeReason(LogStreams.CLOSE_NORMAL);
                    return NEXT_CLOSE_AFTER_WRITE;
                }
                break;
            case CMD_SASL_LIST_MECHS:
                if (noExtras && noKey && bodyLength == 0)
                {
                    return listMechanisms();
                }
                break;
            case CMD_SASL_AUTH:
            case CMD_SASL_STEP:
                if (noExtras && !noKey)
                {
                    return saslAuth();
                }
                break;
            case CMD_TOUCH:
            case CMD_GAT:
            case CMD_GATK:
                if (extrasLength == 4 && !noKey)
                {
                    return getOrTouch();
                }
                break;
            default:
                writeError(STATUS_UNKNOWN_COMMAND, MSG_UNKNOWN);
                return swallowOrDone((int)bodyLength) == NEXT_STATE ? NEXT_STATE : NEXT_MWRITE;
        }
        protocolError();
        return NEXT_CLOSE_AFTER_WRITE;
    }

    /**
     * memcached's {@code authenticated()} under {@code -S}: whether the command may run, logged at {@code -vv}.
     */
    private boolean authenticated()
    {
        if (sasl == null)
        {
            return true;
        }
        final boolean ok = mayRun(opcode);
        if (verbosity > 1)
        {
            log("authenticated() in cmd 0x" + hex2(opcode) + " is " + ok);
        }
        return ok;
    }

    /**
     * memcached's {@code handle_binary_protocol_error}: invalid arguments, then the connection closes.
     */
    private void protocolError()
    {
        writeError(STATUS_EINVAL, MSG_EINVAL);
        // memcached's error write moves the connection to conn_mwrite (a -vvv line) before it logs the error
        session.states.to(ConnStates.MWRITE);
        if (verbosity > 0)
        {
            log("Protocol error (opcode " + hex2(opcode) + "), close connection " + session.connectionId());
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // commands
    // ---------------------------------------------------------------------------------------------------------------

    private int getOrTouch()
    {
        final boolean touch = cmd == CMD_TOUCH || cmd == CMD_GAT || cmd == CMD_GATK;
        final boolean returnKey = cmd == CMD_GETK || cmd == CMD_GATK;
        if (verbosity > 1)
        {
            log("<" + session.connectionId() + (touch ? " TOUCH " : " GET ") + keyText());
        }
        fetchOptions.reset();
        if (touch)
        {
            fetchOptions.touch(exptime(extrasInt(0)));
        }
        key.position(0).limit(keyLength);
        if (cmd == CMD_TOUCH)
        {
            final int length = cache.fetch(key, fetchOptions, null, info);
            recordGet(length != MemcachedCache.MISS);
            if (length == MemcachedCache.MISS)
            {
                return miss(false);
            }
            holdForReply(key);
            writeHeader(STATUS_SUCCESS, 4, 0, 4, info.cas(), true);
            putInt(info.flags());
            return NEXT_NEW_CMD;
        }
        final int keyOut = returnKey ? keyLength : 0;
        final int valueAt = out.writeIndex() + HEADER_LENGTH + 4 + keyOut;
        final ByteBuffer view = outView();
        view.limit(Output.CAPACITY).position(valueAt);
        final int length = reader.open(key, fetchOptions, info, view);
        recordGet(length != MemcachedCache.MISS);
        if (length == MemcachedCache.MISS)
        {
            return miss(returnKey);
        }
        key.position(0).limit(keyLength);
        holdForReply(key);
        writeHeader(STATUS_SUCCESS, 4, keyOut, 4 + keyOut + length, info.cas(), true);
        putInt(info.flags());
        if (returnKey)
        {
            out.putBytes(key.array(), 0, keyLength);
        }
        if (!reader.isOpen())
        {
            out.advance(length);
            return NEXT_NEW_CMD;
        }
        out.expectResponseEnd(reader.remaining());
        state = VALUE_OUT;
        return NEXT_STATE;
    }

    private int miss(final boolean returnKey)
    {
        if (noreply)
        {
            return NEXT_NEW_CMD;
        }
        if (returnKey)
        {
            // write_bin_miss_response with a key does not force a write
            writeHeader(STATUS_KEY_ENOENT, 0, keyLength, keyLength, 0);
            out.putBytes(key.array(), 0, keyLength);
            return NEXT_NEW_CMD;
        }
        writeError(STATUS_KEY_ENOENT, MSG_NOT_FOUND);
        return NEXT_MWRITE;
    }

    private void recordGet(final boolean hit)
    {
        if (server.detailEnabled())
        {
            server.recordGet(key, 0, keyLength, hit);
        }
    }

    private Session.Status valueOut()
    {
        while (reader.remaining() > 0)
        {
            final int remaining = reader.remaining();
            final int free = out.free();
            if (free < Math.min(remaining, STREAM_PIECE))
            {
                return needOutput();
            }
            final int piece = Math.min(remaining, free);
            out.ensure(piece);
            final ByteBuffer view = outView();
            final int at = out.writeIndex();
            view.limit(at + piece).position(at);
            final int read = reader.read(view);
            if (read <= 0)
            {
                break;
            }
            out.advance(read);
        }
        reader.close();
        return commandDone();
    }

    private Session.Status bytesOut()
    {
        final byte[] bytes = pending;
        while (pendingOffset < bytes.length)
        {
            final int remaining = bytes.length - pendingOffset;
            final int free = out.free();
            if (free < Math.min(remaining, STREAM_PIECE))
            {
                return needOutput();
            }
            final int piece = Math.min(remaining, free);
            out.ensure(piece);
            out.putBytes(bytes, pendingOffset, piece);
            pendingOffset += piece;
        }
        pending = null;
        return commandDone();
    }

    private ByteBuffer outView()
    {
        final ByteBuffer base = out.buffer();
        if (base != outBase)
        {
            outBase = base;
            outView = base.duplicate();
        }
        return outView;
    }

    private int update()
    {
        final int valueLength = (int)(bodyLength - keyLength - extrasLength);
        if (verbosity > 1)
        {
            log("<" + session.connectionId() + (cmd == CMD_ADD ? " ADD " : cmd == CMD_SET ? " SET " : " REPLACE ") +
                keyText() + " Value len is " + valueLength);
        }
        if (server.detailEnabled())
        {
            server.recordSet(key, 0, keyLength);
        }
        final int flags = extrasInt(0);
        final int exptime = exptime(extrasInt(4));
        // with -C memcached's ITEM_set_cas does nothing: the header CAS is never compared by a store
        storeCas = casEnabled ? requestCas : 0;
        // memcached's binary stores count no store_too_large or store_no_memory
        storeOptions.reset().compareCas(storeCas).countFailure(false);
        storeCommand = cmd;
        switch (cmd)
        {
            case CMD_ADD:
                // a header CAS turns add into a cas (NREAD_CAS), as it does set and replace
                storeOptions.mode(storeCas != 0 ? StoreMode.CAS : StoreMode.ADD);
                break;
            case CMD_REPLACE:
                storeOptions.mode(StoreMode.REPLACE);
                break;
            default:
                storeOptions.mode(StoreMode.SET);
                break;
        }
        return beginStore(flags, exptime, valueLength);
    }

    private int appendPrepend()
    {
        final int valueLength = (int)(bodyLength - keyLength);
        if (verbosity > 1)
        {
            log("Value len is " + valueLength);
        }
        if (server.detailEnabled())
        {
            server.recordSet(key, 0, keyLength);
        }
        storeCommand = cmd;
        storeCas = casEnabled ? requestCas : 0;
        storeOptions.reset().mode(cmd == CMD_APPEND ? StoreMode.APPEND : StoreMode.PREPEND).compareCas(storeCas)
            .countFailure(false);
        return beginStore(0, 0, valueLength);
    }

    private int beginStore(final int flags, final int exptime, final int valueLength)
    {
        key.position(0).limit(keyLength);
        if (valueLength < 0)
        {
            // a body length of 2 GiB or more: memcached's int value length is negative, the item is "too large",
            // and the negative swallow count swallows nothing
            if (storeCommand == CMD_SET && writer.begin(key, flags, exptime, Integer.MAX_VALUE, storeOptions))
            {
                writer.abort();
            }
            writeError(STATUS_E2BIG, MSG_TOO_LARGE);
            return NEXT_NEW_CMD;
        }
        // memcached prints the error reply of a set and its move to conn_swallow, then the lookup that unlinks the
        // old value
        final boolean hold = server.logs.tracingLookups();
        if (hold)
        {
            server.logs.holdLookups();
        }
        storeBegins(key);
        final boolean begun = writer.begin(key, flags, exptime, valueLength, storeOptions);
        if (!begun)
        {
            if (writer.failure() == StoreResult.TOO_LARGE)
            {
                writeError(STATUS_E2BIG, MSG_TOO_LARGE);
            }
            else
            {
                writeError(STATUS_ENOMEM, MSG_OOM_ITEM);
            }
            final int next = swallowOrDone(valueLength);
            if (hold)
            {
                server.logs.releaseLookups();
            }
            return next;
        }
        if (hold)
        {
            server.logs.releaseLookups();
        }
        state = NREAD;
        valueRead = false;
        session.states.to(ConnStates.NREAD);
        return NEXT_STATE;
    }

    private Session.Status nread(final ByteBuffer in)
    {
        if (writer.remaining() > 0)
        {
            if (in.hasRemaining())
            {
                writer.write(in);
            }
            if (writer.remaining() > 0)
            {
                valueRead = true;
                return Session.Status.NEED_INPUT;
            }
        }
        if (!out.ensure(RESPONSE_ROOM))
        {
            return needOutput();
        }
        state = PARSE;
        final StoreResult result = writer.commit(info);
        storeEnded(result == StoreResult.STORED);
        final int next;
        switch (result)
        {
            case STORED:
                if (!noreply)
                {
                    writeHeader(STATUS_SUCCESS, 0, 0, 0, info.cas());
                }
                next = NEXT_NEW_CMD;
                break;
            case EXISTS:
                if (verbosity > 1 && storeCas != 0 && storeCommand != CMD_APPEND &&
                    storeCommand != CMD_PREPEND)
                {
                    // memcached's do_store_item: the item's CAS, then the one the client gave
                    log("CAS:  failure: expected " + Long.toUnsignedString(info.cas()) + ", got " +
                        Long.toUnsignedString(storeCas));
                }
                writeError(STATUS_KEY_EEXISTS, MSG_EXISTS);
                next = NEXT_MWRITE;
                break;
            case NOT_FOUND:
                writeError(STATUS_KEY_ENOENT, MSG_NOT_FOUND);
                next = NEXT_MWRITE;
                break;
            default:
                final boolean cas = storeCas != 0 && storeCommand != CMD_APPEND && storeCommand != CMD_PREPEND;
                if (!cas && storeCommand == CMD_ADD)
                {
                    writeError(STATUS_KEY_EEXISTS, MSG_EXISTS);
                }
                else if (!cas && storeCommand == CMD_REPLACE)
                {
                    writeError(STATUS_KEY_ENOENT, MSG_NOT_FOUND);
                }
                else
                {
                    writeError(STATUS_NOT_STORED, MSG_NOT_STORED);
                }
                next = NEXT_MWRITE;
                break;
        }
        if (valueRead)
        {
            valueRead = false;
            return sentBeforeNextRead(in, next);
        }
        return finish(next);
    }

    private int delete()
    {
        if (verbosity > 1)
        {
            log("Deleting " + keyText());
        }
        if (server.detailEnabled())
        {
            server.recordDelete(key, 0, keyLength);
        }
        key.position(0).limit(keyLength);
        deleteOptions.reset();
        if (requestCas != 0)
        {
            deleteOptions.compareCas(requestCas);
        }
        final DeleteResult result = cache.delete(key, deleteOptions, null);
        if (result == DeleteResult.DELETED)
        {
            itemReplaced(key);
            if (!noreply)
            {
                writeHeader(STATUS_SUCCESS, 0, 0, 0, 0);
            }
            return NEXT_NEW_CMD;
        }
        if (result == DeleteResult.EXISTS)
        {
            writeError(STATUS_KEY_EEXISTS, MSG_EXISTS);
        }
        else
        {
            writeError(STATUS_KEY_ENOENT, MSG_NOT_FOUND);
        }
        return NEXT_MWRITE;
    }

    private int arithmetic()
    {
        final long delta = extrasLong(0);
        final long initial = extrasLong(8);
        final int expiration = extrasInt(16);
        if (verbosity > 1)
        {
            // decr too, as memcached logs it
            log("incr " + keyText() + " " + delta + ", " + Long.toUnsignedString(initial) + ", " + expiration);
        }
        arithmeticOptions.reset().incr(cmd == CMD_INCREMENT).delta(delta).compareCas(requestCas);
        if (expiration != -1)
        {
            arithmeticOptions.vivify(initial, exptime(expiration));
        }
        key.position(0).limit(keyLength);
        final boolean held = heldByReply(key);
        arithmeticOptions.newItem(held);
        final DeltaResult result = cache.arithmetic(key, arithmeticOptions, info);
        if (held && result == DeltaResult.OK)
        {
            itemReplaced(key);
        }
        switch (result)
        {
            case OK:
                if (!noreply)
                {
                    writeHeader(STATUS_SUCCESS, 0, 0, 8, info.cas());
                    putLong(info.numericValue());
                }
                return NEXT_NEW_CMD;
            case NON_NUMERIC:
                writeError(STATUS_DELTA_BADVAL, MSG_DELTA_BADVAL);
                return NEXT_MWRITE;
            case NOT_FOUND:
                writeError(STATUS_KEY_ENOENT, MSG_NOT_FOUND);
                return NEXT_MWRITE;
            case EXISTS:
                writeError(STATUS_KEY_EEXISTS, MSG_EXISTS);
                return NEXT_MWRITE;
            case NOT_STORED:
                writeError(STATUS_NOT_STORED, MSG_NOT_STORED);
                return NEXT_MWRITE;
            default:
                // which allocation failed: the new item on a miss, or the longer value of an existing one
                key.position(0).limit(keyLength);
                final boolean exists = cache.inspect(key, info);
                writeError(STATUS_ENOMEM, exists ? MSG_OOM_INCR : MSG_OOM_NEW_ITEM);
                return NEXT_MWRITE;
        }
    }

    private int flush()
    {
        if (!settings.flushEnabled())
        {
            writeError(STATUS_AUTH_ERROR, MSG_AUTH_ERROR);
            return NEXT_MWRITE;
        }
        final int delay = extrasLength == 4 ? extrasInt(0) : 0;
        if (delay != 0)
        {
            cache.flushAll(exptime(delay));
        }
        else
        {
            cache.flushAll();
        }
        if (!noreply)
        {
            writeHeader(STATUS_SUCCESS, 0, 0, 0, 0);
        }
        return NEXT_NEW_CMD;
    }

    private void respond(final byte[] value)
    {
        if (!noreply)
        {
            writeHeader(STATUS_SUCCESS, 0, 0, value.length, 0);
            out.putBytes(value);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // stats
    // ---------------------------------------------------------------------------------------------------------------

    private int stat()
    {
        if (verbosity > 1)
        {
            log("<" + session.connectionId() + " STATS " + keyText());
        }
        final StatsWriter stats = new StatsWriter(opaque);
        if (keyLength == 0)
        {
            server.general(stats);
        }
        else if (keyStartsWith("reset"))
        {
            server.resetStats();
        }
        else if (keyStartsWith("settings"))
        {
            server.settings(stats);
        }
        else if (keyStartsWith("detail"))
        {
            if (keyStartsWith("detail dump"))
            {
                stats.stat("detailed", server.prefixDump());
            }
            else if (keyStartsWith("detail on"))
            {
                server.detailEnabled(true);
            }
            else if (keyStartsWith("detail off"))
            {
                server.detailEnabled(false);
            }
            else
            {
                writeError(STATUS_KEY_ENOENT, MSG_NOT_FOUND);
                return NEXT_MWRITE;
            }
        }
        else if (keyEquals("items"))
        {
            server.items(stats);
        }
        else if (keyEquals("slabs"))
        {
            server.slabs(stats);
        }
        else if (keyEquals("sizes"))
        {
            server.sizes(stats);
        }
        else
        {
            writeError(STATUS_KEY_ENOENT, MSG_NOT_FOUND);
            return NEXT_MWRITE;
        }
        stats.stat(null, null);
        pending = stats.toByteArray();
        pendingOffset = 0;
        out.expectResponseEnd(pending.length);
        state = BYTES_OUT;
        return NEXT_STATE;
    }

    /**
     * memcached compares the group with {@code strncmp} over the prefix's length; bytes past the key are not part of
     * the request here (memcached would read whatever follows the key in its buffer).
     */
    private boolean keyStartsWith(final String prefix)
    {
        final int length = prefix.length();
        if (keyLength < length)
        {
            return false;
        }
        final byte[] k = key.array();
        for (int i = 0; i < length; i++)
        {
            if (k[i] != (byte)prefix.charAt(i))
            {
                return false;
            }
        }
        return true;
    }

    private boolean keyEquals(final String name)
    {
        return keyLength == name.length() && keyStartsWith(name);
    }

    /**
     * Renders statistics as binary STAT responses, ended by the empty one.
     */
    private static final class StatsWriter extends java.io.ByteArrayOutputStream implements ServerState.StatsSink
    {
        private final int opaque;

        StatsWriter(final int opaque)
        {
            super(4096);
            this.opaque = opaque;
        }

        @Override
        public void stat(final String name, final String value)
        {
            final byte[] k = name == null ? new byte[0] : name.getBytes(StandardCharsets.ISO_8859_1);
            final byte[] v = value == null ? new byte[0] : value.getBytes(StandardCharsets.ISO_8859_1);
            final int bodyLength = k.length + v.length;
            final byte[] header = new byte[HEADER_LENGTH];
            header[0] = (byte)RESPONSE_MAGIC;
            header[1] = (byte)CMD_STAT;
            header[2] = (byte)(k.length >>> 8);
            header[3] = (byte)k.length;
            putIntBE(header, 8, bodyLength);
            putIntBE(header, 12, opaque);
            write(header, 0, HEADER_LENGTH);
            write(k, 0, k.length);
            write(v, 0, v.length);
        }

        private static void putIntBE(final byte[] b, final int at, final int value)
        {
            b[at] = (byte)(value >>> 24);
            b[at + 1] = (byte)(value >>> 16);
            b[at + 2] = (byte)(value >>> 8);
            b[at + 3] = (byte)value;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // SASL
    // ---------------------------------------------------------------------------------------------------------------

    private int listMechanisms()
    {
        if (sasl == null)
        {
            writeError(STATUS_UNKNOWN_COMMAND, MSG_UNKNOWN);
            return swallowOrDone((int)(bodyLength - keyLength)) == NEXT_STATE ? NEXT_STATE : NEXT_MWRITE;
        }
        // memcached's init_sasl_conn forgets an earlier authentication
        authenticated = false;
        respond(MECHANISMS);
        return NEXT_NEW_CMD;
    }

    private int saslAuth()
    {
        final int valueLength = (int)(bodyLength - keyLength);
        if (sasl == null)
        {
            writeError(STATUS_UNKNOWN_COMMAND, MSG_UNKNOWN);
            return swallowOrDone(valueLength) == NEXT_STATE ? NEXT_STATE : NEXT_MWRITE;
        }
        if (keyLength > MAX_SASL_MECH_LEN)
        {
            writeError(STATUS_EINVAL, MSG_EINVAL);
            return swallowOrDone(valueLength);
        }
        // memcached reads the data into an item, which must be allocatable and not chunked
        final long itemSize = (long)MEMCACHED_ITEM_HEADER + keyLength + 1 + valueLength + 2 +
            (cache.config().casEnabled() ? 8 : 0);
        if (valueLength < 0 || itemSize > cache.config().slabChunkMax())
        {
            writeError(STATUS_ENOMEM, MSG_ENOMEM);
            return swallowOrDone(valueLength);
        }
        if (saslData == null)
        {
            saslData = new byte[SASL_KEEP];
            saslTail = new byte[SASL_TAIL];
        }
        saslLength = 0;
        saslNuls = 0;
        saslRemaining = valueLength;
        state = NREAD_SASL;
        session.states.to(ConnStates.NREAD);
        return NEXT_STATE;
    }

    private Session.Status nreadSasl(final ByteBuffer in)
    {
        if (saslRemaining > 0)
        {
            final int take = Math.min(in.remaining(), saslRemaining);
            final int at = in.position();
            final int keep = Math.min(take, SASL_KEEP - Math.min(saslLength, SASL_KEEP));
            in.get(at, saslData, Math.min(saslLength, SASL_KEEP), keep);
            for (int i = 0; i < take; i++)
            {
                if (in.get(at + i) == 0)
                {
                    if (saslNuls < saslNulAt.length)
                    {
                        saslNulAt[saslNuls] = saslLength + i;
                    }
                    saslNuls++;
                }
            }
            // keep the last SASL_TAIL bytes: what was kept of them, shifted, then the end of this piece
            final int fresh = Math.min(take, SASL_TAIL);
            System.arraycopy(saslTail, fresh, saslTail, 0, SASL_TAIL - fresh);
            in.get(at + take - fresh, saslTail, SASL_TAIL - fresh, fresh);
            in.position(at + take);
            saslLength += take;
            saslRemaining -= take;
            if (saslRemaining > 0)
            {
                return Session.Status.NEED_INPUT;
            }
        }
        if (!out.ensure(RESPONSE_ROOM))
        {
            return needOutput();
        }
        state = PARSE;
        return finish(completeSasl());
    }

    private int completeSasl()
    {
        authenticated = false;
        // memcached copies the mechanism's name as a C string: it ends at a NUL
        final int mechLength = mechanismLength();
        final boolean plain = mechLength == 5 && keyStartsWithIgnoreCase("PLAIN");
        if (verbosity > 0)
        {
            log("mech:  ``" + mechanismText(mechLength) + "'' with " + saslLength + " bytes of data");
        }
        // the result code memcached's SASL library would give, which memcached logs at -v
        final int code;
        // as the SASL library (Cyrus) does: a successful exchange sets its "done" flag, which fails a step, or a start
        // with data, until such a start or any other failure of the library clears it
        if (cmd == CMD_SASL_AUTH)
        {
            if (!plain)
            {
                saslLog("Couldn't find mech " + mechanismText(mechLength));
                code = SASL_NOMECH;
                saslDone = false;
            }
            else if (saslLength == 0)
            {
                code = SASL_CONTINUE;
            }
            else if (saslDone)
            {
                code = doneFlag();
                saslDone = false;
            }
            else
            {
                code = checkPlain();
                saslDone = code == SASL_OK;
            }
            saslStarted = code == SASL_OK || code == SASL_CONTINUE;
        }
        else if (!saslStarted)
        {
            if (verbosity > 0)
            {
                log(session.connectionId() + ": SASL_STEP called but sasl_server_start not called for this " +
                    "connection!");
            }
            code = SASL_FAIL;
        }
        else if (saslDone)
        {
            code = doneFlag();
        }
        else
        {
            code = checkPlain();
            saslDone = code == SASL_OK;
        }
        if (verbosity > 0)
        {
            log("sasl result code:  " + code);
        }
        switch (code)
        {
            case SASL_OK:
                authenticated = true;
                server.authCmds.increment();
                respond(MSG_AUTHENTICATED);
                return NEXT_NEW_CMD;
            case SASL_CONTINUE:
                writeHeader(STATUS_AUTH_CONTINUE, 0, 0, 0, 0);
                return NEXT_MWRITE;
            default:
                if (verbosity > 0)
                {
                    log("Unknown sasl response:  " + code);
                }
                server.authCmds.increment();
                server.authErrors.increment();
                writeError(STATUS_AUTH_ERROR, MSG_AUTH_ERROR);
                return NEXT_MWRITE;
        }
    }

    private boolean keyStartsWithIgnoreCase(final String prefix)
    {
        final byte[] k = key.array();
        for (int i = 0; i < prefix.length(); i++)
        {
            if (Character.toUpperCase((char)(k[i] & 0xFF)) != prefix.charAt(i))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Check a PLAIN response ({@code authzid NUL authcid NUL password}) against the password file, as memcached's
     * SASL library does, with its {@code -v} lines.
     *
     * @return {@code SASL_OK}, {@code SASL_BADPROT} for a response that is not PLAIN's, or the result of
     * {@link SaslAuthenticator#check} and {@link SaslAuthenticator#authorize} (codes of {@link SaslAuthenticator}).
     */
    private int checkPlain()
    {
        if (saslNuls < 2 || saslNuls > 2)
        {
            saslLog(saslNuls == 0 ? "Can only find author (no password)" :
                saslNuls == 1 ? "Can only find author/en (no password)" :
                "Got more data than we were expecting in the PLAIN plugin\n");
            return SASL_BADPROT;
        }
        final int first = saslNulAt[0];
        final int second = saslNulAt[1];
        final byte[] authz = saslBytes(0, first);
        final byte[] user = saslBytes(first + 1, second);
        final byte[] password = saslBytes(second + 1, saslLength);
        final int userLength = second - first - 1;
        final int passwordLength = saslLength - second - 1;
        if (user == null && userLength > SaslAuthenticator.CANON_MAX)
        {
            return SASL_BUFOVER;
        }
        if (user == null || password == null)
        {
            // only a user and password too long for the password database are not kept whole
            final byte[] name = user != null ? user : Arrays.copyOfRange(saslData, first + 1, SASL_KEEP);
            final byte[] response = Arrays.copyOf(name, name.length + 1);
            return sasl.check(response, 0, name.length, name.length, Math.max(passwordLength,
                SaslAuthenticator.MAX_USER_AND_PASSWORD + 1 - name.length), verbosity > 0, this::log);
        }
        final byte[] response = new byte[userLength + passwordLength];
        System.arraycopy(user, 0, response, 0, userLength);
        System.arraycopy(password, 0, response, userLength, passwordLength);
        final int checked = sasl.check(response, 0, userLength, userLength, passwordLength, verbosity > 0, this::log);
        if (checked != SASL_OK)
        {
            return checked;
        }
        // the password is checked first; then an authorization identity that is not the user is refused
        if (first == 0)
        {
            return SASL_OK;
        }
        return authz == null ? SASL_BUFOVER : sasl.authorize(authz, user, verbosity > 0, this::log);
    }

    /**
     * Bytes {@code from} to {@code to} of the SASL data, from what was kept of it.
     *
     * @return the bytes, or null when they were not kept.
     */
    private byte[] saslBytes(final int from, final int to)
    {
        if (to <= SASL_KEEP)
        {
            return Arrays.copyOfRange(saslData, from, to);
        }
        final int tailStart = saslLength - SASL_TAIL;
        if (saslLength > SASL_KEEP && from >= tailStart)
        {
            return Arrays.copyOfRange(saslTail, from - tailStart, to - tailStart);
        }
        return null;
    }

    private int doneFlag()
    {
        // the library's severity 1 (an error): memcached's log callback prints it at every verbosity
        log("SASL (severity 1): attempting server step after doneflag");
        return SASL_FAIL;
    }

    /** A line of memcached's SASL library at {@code -v} (its severity 2, "fail"). */
    private void saslLog(final String message)
    {
        if (verbosity > 0)
        {
            log("SASL (severity 2): " + message);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // writing replies; the caller has made RESPONSE_ROOM bytes available
    // ---------------------------------------------------------------------------------------------------------------

    private void writeHeader(
        final int status, final int extrasOut, final int keyOut, final int bodyOut, final long cas)
    {
        writeHeader(status, extrasOut, keyOut, bodyOut, cas, false);
    }

    /**
     * @param casAfterLog whether memcached fills in the CAS after it logs the header (a get's hit), so that its
     *                    {@code -vv} dump shows 0 there.
     */
    private void writeHeader(
        final int status, final int extrasOut, final int keyOut, final int bodyOut, final long cas,
        final boolean casAfterLog)
    {
        final ByteBuffer b = out.buffer();
        final int at = out.writeIndex();
        b.put(at, (byte)RESPONSE_MAGIC);
        b.put(at + 1, (byte)opcode);
        b.put(at + 2, (byte)(keyOut >>> 8));
        b.put(at + 3, (byte)keyOut);
        b.put(at + 4, (byte)extrasOut);
        b.put(at + 5, (byte)0);
        b.put(at + 6, (byte)(status >>> 8));
        b.put(at + 7, (byte)status);
        out.advance(8);
        putInt(bodyOut);
        putInt(opaque);
        putLong(cas);
        if (verbosity > 1)
        {
            logHeader(b, at, '>', " Writing bin response:", "  ", casAfterLog);
        }
    }

    private void writeError(final int status, final byte[] message)
    {
        if (verbosity > 1)
        {
            log(">" + session.connectionId() + " Writing an error: " +
                new String(message, StandardCharsets.ISO_8859_1));
        }
        writeHeader(status, 0, 0, message.length, 0);
        out.putBytes(message);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // -v and -vv lines, as memcached writes them to stderr
    // ---------------------------------------------------------------------------------------------------------------

    private void log(final String line)
    {
        session.host().verbose(line);
    }

    /**
     * A request or response header as memcached dumps it: a title line, then the 24 bytes four to a line.
     */
    private void logHeader(
        final ByteBuffer b, final int at, final char direction, final String title, final String indent,
        final boolean zeroCas)
    {
        final String prefix = direction + Long.toString(session.connectionId());
        final StringBuilder sb = new StringBuilder(prefix).append(title);
        for (int i = 0; i < HEADER_LENGTH; i++)
        {
            if (i % 4 == 0)
            {
                sb.append('\n').append(prefix).append(indent);
            }
            sb.append(" 0x").append(hex2(zeroCas && i >= 16 ? 0 : b.get(at + i) & 0xFF));
        }
        log(sb.toString());
    }

    private static String hex2(final int value)
    {
        final String hex = Integer.toHexString(value);
        return hex.length() == 1 ? "0" + hex : hex;
    }

    /** The request's key as memcached prints it, byte for byte. */
    /** The length of the key as the C string memcached makes of a SASL mechanism's name. */
    private int mechanismLength()
    {
        final byte[] bytes = key.array();
        for (int i = 0; i < keyLength; i++)
        {
            if (bytes[i] == 0)
            {
                return i;
            }
        }
        return keyLength;
    }

    private String mechanismText(final int length)
    {
        return new String(key.array(), 0, length, StandardCharsets.ISO_8859_1);
    }

    private String keyText()
    {
        return new String(key.array(), 0, keyLength, StandardCharsets.ISO_8859_1);
    }

    private void putInt(final int value)
    {
        final ByteBuffer b = out.buffer();
        final int at = out.writeIndex();
        b.put(at, (byte)(value >>> 24));
        b.put(at + 1, (byte)(value >>> 16));
        b.put(at + 2, (byte)(value >>> 8));
        b.put(at + 3, (byte)value);
        out.advance(4);
    }

    private void putLong(final long value)
    {
        putInt((int)(value >>> 32));
        putInt((int)value);
    }
}
