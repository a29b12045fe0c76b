/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import static io.memcached4j.protocol.BinaryProtocol.CMD_ADD;
import static io.memcached4j.protocol.BinaryProtocol.CMD_ADDQ;
import static io.memcached4j.protocol.BinaryProtocol.CMD_APPEND;
import static io.memcached4j.protocol.BinaryProtocol.CMD_APPENDQ;
import static io.memcached4j.protocol.BinaryProtocol.CMD_DECREMENT;
import static io.memcached4j.protocol.BinaryProtocol.CMD_DECREMENTQ;
import static io.memcached4j.protocol.BinaryProtocol.CMD_DELETE;
import static io.memcached4j.protocol.BinaryProtocol.CMD_DELETEQ;
import static io.memcached4j.protocol.BinaryProtocol.CMD_FLUSH;
import static io.memcached4j.protocol.BinaryProtocol.CMD_FLUSHQ;
import static io.memcached4j.protocol.BinaryProtocol.CMD_GAT;
import static io.memcached4j.protocol.BinaryProtocol.CMD_GATK;
import static io.memcached4j.protocol.BinaryProtocol.CMD_GATKQ;
import static io.memcached4j.protocol.BinaryProtocol.CMD_GATQ;
import static io.memcached4j.protocol.BinaryProtocol.CMD_GET;
import static io.memcached4j.protocol.BinaryProtocol.CMD_GETK;
import static io.memcached4j.protocol.BinaryProtocol.CMD_GETKQ;
import static io.memcached4j.protocol.BinaryProtocol.CMD_GETQ;
import static io.memcached4j.protocol.BinaryProtocol.CMD_INCREMENT;
import static io.memcached4j.protocol.BinaryProtocol.CMD_INCREMENTQ;
import static io.memcached4j.protocol.BinaryProtocol.CMD_NOOP;
import static io.memcached4j.protocol.BinaryProtocol.CMD_PREPEND;
import static io.memcached4j.protocol.BinaryProtocol.CMD_PREPENDQ;
import static io.memcached4j.protocol.BinaryProtocol.CMD_QUIT;
import static io.memcached4j.protocol.BinaryProtocol.CMD_QUITQ;
import static io.memcached4j.protocol.BinaryProtocol.CMD_REPLACE;
import static io.memcached4j.protocol.BinaryProtocol.CMD_REPLACEQ;
import static io.memcached4j.protocol.BinaryProtocol.CMD_SET;
import static io.memcached4j.protocol.BinaryProtocol.CMD_SETQ;
import static io.memcached4j.protocol.BinaryProtocol.CMD_TOUCH;
import static io.memcached4j.protocol.BinaryProtocol.CMD_VERSION;
import static io.memcached4j.protocol.BinaryProtocol.HEADER_LENGTH;
import static io.memcached4j.protocol.BinaryProtocol.REQUEST_MAGIC;
import static io.memcached4j.protocol.BinaryProtocol.RESPONSE_MAGIC;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The binary protocol's counterpart of {@link DifferentialTest}: sends the same seeded random streams of binary
 * requests to the real memcached ({@code /usr/bin/memcached}, Debian's 1.6.18, or {@code $MEMCACHED_BIN}) and to an
 * in-memory {@link Session} with the same settings, and compares the replies byte for byte.
 * <p>
 * Requests come in batches that end in a NOOP with an opaque of its own; both sides are read until its reply. A
 * batch may also send, after that NOOP, the start of a request whose rest begins the next batch, so that memcached
 * reads the rest of a header, key, value or swallowed body from the socket; what a side answers after the NOOP
 * reply counts for the next batch. A request that closes the connection ends its batch instead of the NOOP
 * (nothing may follow it: bytes memcached has not read when it closes turn its FIN into a reset), and both sides
 * are then read until they close. After a close or a mismatch both sides start afresh: a new connection each, then
 * a flush.
 * <p>
 * The stream: get, getq, getk, getkq; set, add and replace and their quiet forms (flags, expirations that never
 * pass during the test: none, relative, absolute after 2038 or past 2^31 unsigned; expirations in the past:
 * absolute before the server started; a CAS); append and prepend and their quiet forms; delete and deleteq; incr and
 * decr and their quiet forms (initial values, the no-create expiration {@code 0xffffffff}, deltas that floor at 0,
 * a CAS; numbers with signs, blanks, leading zeros, of 25 to 530,000 digits, not numbers); touch, gat, gatq, gatk,
 * gatkq (one whose body goes on past its key: memcached reads the rest as the next request); noop; version; flush
 * and flushq without delay; unknown opcodes, their body swallowed (with a key and extras, of up to 255 bytes, the
 * body length is swallowed after them: the stream sends that many bytes more); values of binary bytes, of chunked
 * items, about the 1 MiB item size limit and over it (swallowed); keys with blanks, CR, LF and NUL, of 250 bytes;
 * opaques to echo; datatype and vbucket bytes, which are ignored; a set or append whose body length is 2 GiB or more
 * (memcached's int value length is negative: "too large", nothing swallowed). Requests that close: extras of a
 * wrong length, keys of 0 or over 250 bytes (also for an unknown opcode), a body length shorter than the key and
 * extras, a body longer than the opcode takes, quit, quitq, and a bad magic (after a NOOP: memcached drops the
 * replies it has not sent when it meets one).
 * <p>
 * Masked: the CAS field of every response header is renamed, per side, to the order in which that side first
 * returned the value (0 stays 0), so that a reply must carry a CAS exactly where memcached's does, and the same one
 * where memcached repeats one; the text of a version reply. A CAS that should match is the unique that side last
 * returned for the key ({@link DifferentialTest} does the same); one that should not is a number no item has.
 * <p>
 * Left out: stat (time-dependent), SASL, flush with a delay (time-dependent), expirations a few seconds away, and
 * arithmetic after a get, getk, gat or touch of the same key in the same batch: whether that reply still holds the
 * item, which makes memcached store a new unpadded number instead of changing it in place, depends on whether
 * memcached ran out of input between the two (where the stream is split into reads), in 1.6.18 and 1.6.39 alike.
 * Values that are all white space: memcached's {@code strtoull()} then skips the CRLF after the value too and reads
 * a number from the memory after the item. A body length that makes the value length a small negative int:
 * memcached then allocates an item of a few bytes and reads into it. A key too long for memcached's 16 KiB read
 * buffer (it closes when the next byte comes), and memory pressure (eviction: memcached4j's items are smaller and
 * its memory never goes past {@code -m}, see the README).
 * <p>
 * Only with memcached 1.6.39 or later (its version reply decides): values, initial values and results of 2^63 or
 * more, and deltas that wrap past 2^64. 1.6.18's {@code safe_strtoull()} looks for a '-' in such a number with
 * {@code strchr()}, past the end of the value into whatever follows it in memory, so 1.6.18 may call such a number
 * non-numeric at random (1.6.39 uses {@code memchr()} on the digits).
 * <p>
 * memcached runs with {@code -o no_lru_maintainer,no_lru_crawler}, as in {@link DifferentialTest}.
 * <p>
 * Seed: {@code -Ddifferential.binary.seed=<n>} (printed; {@code -Ddifferential.seed} is taken when it is absent);
 * requests: {@code -Ddifferential.binary.commands=<n>} (default 120,000, about 15 s), at most
 * {@code -Ddifferential.binary.seconds} (default 30); {@code -Ddifferential.binary.log=<file>} writes every batch
 * and memcached's reply, in hex, to a file. Without memcached the test is skipped, or fails when {@code CI=true}.
 */
class BinaryDifferentialTest
{
    private static final byte[] NONE = new byte[0];
    private static final int MAX_MISMATCHES = 25;
    /** A CAS no item has on either side. */
    private static final long NO_ITEM_CAS = 77_777_777L;
    private static final int ITEM_SIZE_MAX = 1024 * 1024;
    private static final int CMD_BAD_MAGIC = -1;

    private final long seed = Long.getLong("differential.binary.seed",
        Long.getLong("differential.seed", System.nanoTime() ^ 0x5DEECE66DL));
    private final int targetCommands = Integer.getInteger("differential.binary.commands", 120_000);
    private final long deadlineNanos = System.nanoTime() +
        TimeUnit.SECONDS.toNanos(Integer.getInteger("differential.binary.seconds", 30));
    private final Random rnd = new Random(seed);
    private final Map<String, Long> realCas = new HashMap<>();
    private final Map<String, Long> ourCas = new HashMap<>();
    private final Map<Long, Long> realCasNames = new HashMap<>();
    private final Map<Long, Long> ourCasNames = new HashMap<>();
    private final Set<Integer> opaques = new HashSet<>();
    /** A request the last batch sent the start of. */
    private Request carry;
    private int carrySplit;
    /** Whether the oracle is memcached 1.6.39 or later: the requests 1.6.18 answers at random are sent too. */
    private boolean modern;

    @Test
    void shouldAnswerLikeMemcached() throws Exception
    {
        System.out.println("BinaryDifferentialTest seed " + seed + " (-Ddifferential.binary.seed=" + seed + ")");
        final int port = DifferentialTest.freePort();
        final Process memcached = DifferentialTest.startMemcached(port);
        final List<String> mismatches = new ArrayList<>();
        long commands = 0;
        long batches = 0;
        long reconnects = 0;
        final long start = System.nanoTime();
        final String logFile = System.getProperty("differential.binary.log");
        try (SessionDriver driver = SessionDriver.create("");
            OutputStream log = logFile == null ? null : Files.newOutputStream(Paths.get(logFile)))
        {
            DifferentialTest.awaitListening(memcached, port);
            Socket socket = DifferentialTest.connect(port);
            final String version = version(socket);
            modern = atLeast(version, 1, 6, 39);
            System.out.println("BinaryDifferentialTest: memcached " + version + (modern ? "" :
                ", without the requests 1.6.18 answers at random"));
            SessionDriver.Connection ours = driver.connect();
            final List<Piece> batch = new ArrayList<>();
            byte[] realAfter = NONE;
            byte[] oursAfter = NONE;
            while (commands < targetCommands && System.nanoTime() < deadlineNanos &&
                mismatches.size() < MAX_MISMATCHES)
            {
                final int terminator = nextBatch(batch);
                final boolean closes = batch.get(batch.size() - 1).request.closes;
                final byte[] toReal = render(batch, realCas);
                final byte[] toOurs = render(batch, ourCas);
                // what followed the last batch's NOOP reply belongs to this batch (the request split across both)
                final DifferentialTest.Reply reply = exchange(socket, toReal, closes ? null : terminator, realAfter);
                final int realEnd = closes ? reply.bytes().length : endOfNoop(reply.bytes(), terminator);
                final DifferentialTest.Reply real =
                    new DifferentialTest.Reply(Arrays.copyOf(reply.bytes(), realEnd), reply.closed());
                realAfter = Arrays.copyOfRange(reply.bytes(), realEnd, reply.bytes().length);
                if (log != null)
                {
                    final java.util.HexFormat hex = java.util.HexFormat.of();
                    log.write(("#batch " + (batches + 1) + "\n" + hex.formatHex(toReal) + "\n#memcached\n" +
                        hex.formatHex(real.bytes()) + "\n").getBytes(ISO_8859_1));
                }
                ours.send(toOurs, SessionDriver.whole());
                final byte[] oursAll = BinaryProtocolTest.concat(oursAfter, ours.takeReceived());
                final int ourEnd = closes ? -1 : endOfNoop(oursAll, terminator);
                final byte[] oursRaw = ourEnd < 0 ? oursAll : Arrays.copyOf(oursAll, ourEnd);
                oursAfter = ourEnd < 0 ? NONE : Arrays.copyOfRange(oursAll, ourEnd, oursAll.length);
                final boolean oursClosed = ours.closedBySession();
                commands += batch.size();
                batches++;
                final byte[] expected = normalize(real.bytes(), realCasNames);
                final byte[] actual = normalize(oursRaw, ourCasNames);
                final boolean same = Arrays.equals(expected, actual) && real.closed() == oursClosed;
                if (!same)
                {
                    final String report = "batch " + batches + " (" + batch.size() + " requests, memcached " +
                        (real.closed() ? "closed" : "open") + ", session " + (oursClosed ? "closed" : "open") + ")\n" +
                        "requests (to memcached):\n" + describe(batch, toReal) + "replies (CAS renamed per side):\n" +
                        diff(expected, actual) + "request bytes to memcached:\n" + hexClipped(toReal) +
                        "\nmemcached's reply bytes:\n" + hexClipped(real.bytes()) + "\nour reply bytes:\n" +
                        hexClipped(oursRaw) + "\n";
                    System.out.println(report);
                    mismatches.add(report);
                }
                learnCas(batch, real.bytes(), realCas);
                learnCas(batch, oursRaw, ourCas);
                if (real.closed() || oursClosed || !same)
                {
                    // start both sides afresh: a new connection each, and the same (empty) store
                    socket.close();
                    ours.close();
                    socket = DifferentialTest.connect(port);
                    ours = driver.connect();
                    final byte[] reset = BinaryProtocolTest.concat(
                        BinaryProtocolTest.req(CMD_FLUSH, "", NONE, NONE, 1, 0),
                        BinaryProtocolTest.req(CMD_NOOP, "", NONE, NONE, 2, 0));
                    exchange(socket, reset, 2, NONE);
                    ours.send(reset, SessionDriver.whole());
                    ours.takeReceived();
                    realAfter = NONE;
                    oursAfter = NONE;
                    carry = null;
                    realCas.clear();
                    ourCas.clear();
                    realCasNames.clear();
                    ourCasNames.clear();
                    reconnects++;
                }
            }
            socket.close();
        }
        finally
        {
            DifferentialTest.stop(memcached);
        }
        final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println("BinaryDifferentialTest seed " + seed + ": " + commands + " requests in " + batches +
            " batches compared in " + millis + " ms, " + mismatches.size() + " mismatching batches, " + reconnects +
            " reconnects");
        if (!mismatches.isEmpty())
        {
            throw new AssertionError("seed " + seed + " (-Ddifferential.binary.seed=" + seed + "): " +
                mismatches.size() + " of " + batches + " batches differ from memcached (" + commands +
                " requests compared); the first ones, with what was sent to memcached (CAS values per side):\n\n" +
                String.join("\n", mismatches.subList(0, Math.min(10, mismatches.size()))));
        }
        assertTrue(commands > 0);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // requests

    /**
     * One request: its fields, what its header claims when that differs from them, and where its CAS comes from.
     */
    private static final class Request
    {
        private int magic = REQUEST_MAGIC;
        private int opcode;
        private int datatype;
        private int vbucket;
        private byte[] extras = NONE;
        private byte[] key = NONE;
        private byte[] value = NONE;
        private int opaque;
        /** The CAS, unless {@link #casKey} is set. */
        private long cas;
        /** The key whose last CAS (per side) this request carries. */
        private String casKey;
        private int keyLength = -1;
        private int extrasLength = -1;
        private long bodyLength = -1;
        /** Bytes sent of the frame, or -1 for all of it. */
        private int sendLength = -1;
        /** Bytes after the frame (an unknown opcode swallows its body length after its key). */
        private byte[] trailer = NONE;
        private boolean closes;
        private String note = "";

        private Request(final int opcode)
        {
            this.opcode = opcode;
        }

        private byte[] render(final Map<String, Long> casByKey)
        {
            long c = cas;
            if (casKey != null)
            {
                c = casByKey.getOrDefault(casKey, NO_ITEM_CAS);
            }
            final int k = keyLength >= 0 ? keyLength : key.length;
            final int e = extrasLength >= 0 ? extrasLength : extras.length;
            final long b = bodyLength >= 0 ? bodyLength : extras.length + key.length + value.length;
            final ByteBuffer buf = ByteBuffer.allocate(HEADER_LENGTH + extras.length + key.length + value.length +
                trailer.length);
            buf.put((byte)magic).put((byte)opcode).putShort((short)k).put((byte)e).put((byte)datatype)
                .putShort((short)vbucket).putInt((int)b).putInt(opaque).putLong(c);
            buf.put(extras).put(key).put(value);
            final int length = sendLength >= 0 ? sendLength : buf.position();
            buf.put(trailer);
            final byte[] all = buf.array();
            return sendLength >= 0 ? Arrays.copyOf(all, length) : all;
        }
    }

    /**
     * A request, or the part of it a batch sends.
     *
     * @param request the request.
     * @param from    its first byte sent.
     * @param to      the byte after its last byte sent, or -1 for its end.
     */
    private record Piece(Request request, int from, int to)
    {
        private byte[] render(final Map<String, Long> casByKey)
        {
            final byte[] all = request.render(casByKey);
            return from == 0 && to < 0 ? all : Arrays.copyOfRange(all, from, to < 0 ? all.length : to);
        }
    }

    private static byte[] render(final List<Piece> batch, final Map<String, Long> casByKey)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final Piece p : batch)
        {
            out.writeBytes(p.render(casByKey));
        }
        return out.toByteArray();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // the request generator

    private static final String[] KEYS = {"k0", "k1", "k2", "k3", "k4", "n0", "n1", "n2", "a b", "x\r\ny",
        "\u0000\u00ff\n", "k".repeat(250)};
    private static final int[] UNKNOWN = {0x1b, 0x1f, 0x25, 0x30, 0x3c, 0x3d, 0x40, 0x7f, 0x80, 0xfe, 0xff};

    /**
     * The next batch: the rest of a request the last batch began, requests, a NOOP with an opaque no other request
     * of the batch has, and sometimes the start of a request the next batch ends (memcached reads its rest from the
     * socket, not from its buffer). A request that closes ends the batch instead of the NOOP.
     *
     * @return the NOOP's opaque.
     */
    private int nextBatch(final List<Piece> batch)
    {
        batch.clear();
        opaques.clear();
        if (carry != null)
        {
            batch.add(new Piece(carry, carrySplit, -1));
            opaques.add(carry.opaque);
            carry = null;
        }
        final int size = 1 + rnd.nextInt(rnd.nextInt(4) == 0 ? 40 : 8);
        final Set<String> retrieved = new HashSet<>();
        for (int i = 0; i < size; i++)
        {
            final Request r = request();
            if (isArithmetic(r.opcode) && retrieved.contains(new String(r.key, ISO_8859_1)))
            {
                // see the class comment
                break;
            }
            if (r.opcode == CMD_BAD_MAGIC)
            {
                // memcached drops the replies it has not sent: a NOOP sends them first
                batch.add(new Piece(noop(), 0, -1));
                r.opcode = CMD_NOOP;
                r.magic = pick(0x00, 0x81, 0x42, 0xff, 0x7f);
            }
            batch.add(new Piece(r, 0, -1));
            if (r.closes)
            {
                return 0;
            }
            if (isRetrieval(r.opcode))
            {
                retrieved.add(new String(r.key, ISO_8859_1));
            }
        }
        final Request end = noop();
        batch.add(new Piece(end, 0, -1));
        if (rnd.nextInt(8) == 0)
        {
            Request next = request();
            while (next.closes || next.opcode == CMD_BAD_MAGIC)
            {
                next = request();
            }
            final int length = next.render(Map.of()).length;
            carry = next;
            carrySplit = 1 + rnd.nextInt(length - 1);
            batch.add(new Piece(carry, 0, carrySplit));
        }
        return end.opaque;
    }

    private static boolean isArithmetic(final int opcode)
    {
        return opcode == CMD_INCREMENT || opcode == CMD_DECREMENT || opcode == CMD_INCREMENTQ ||
            opcode == CMD_DECREMENTQ;
    }

    private static boolean isRetrieval(final int opcode)
    {
        return opcode == CMD_GET || opcode == CMD_GETQ || opcode == CMD_GETK || opcode == CMD_GETKQ ||
            opcode == CMD_TOUCH || opcode == CMD_GAT || opcode == CMD_GATQ || opcode == CMD_GATK ||
            opcode == CMD_GATKQ;
    }

    private Request request()
    {
        final int r = rnd.nextInt(1000);
        final Request req;
        if (r < 230)
        {
            req = storage(pick(CMD_SET, CMD_SET, CMD_SET, CMD_ADD, CMD_REPLACE, CMD_SETQ, CMD_ADDQ, CMD_REPLACEQ));
        }
        else if (r < 290)
        {
            req = appendPrepend(pick(CMD_APPEND, CMD_PREPEND, CMD_APPENDQ, CMD_PREPENDQ));
        }
        else if (r < 480)
        {
            req = keyed(pick(CMD_GET, CMD_GETQ, CMD_GETK, CMD_GETKQ), NONE);
            if (rnd.nextInt(10) == 0)
            {
                // ignored by retrievals
                req.cas = pick(NO_ITEM_CAS, 1L);
            }
        }
        else if (r < 530)
        {
            req = keyed(pick(CMD_DELETE, CMD_DELETEQ), NONE);
            cas(req);
        }
        else if (r < 610)
        {
            req = arithmetic();
        }
        else if (r < 690)
        {
            req = keyed(pick(CMD_TOUCH, CMD_GAT, CMD_GATQ, CMD_GATK, CMD_GATKQ), ints(exptime()));
            if (rnd.nextInt(30) == 0)
            {
                // memcached does not check a touch's body length: what follows its key is the next request
                final Request next = rnd.nextBoolean() ? noop() : keyed(CMD_GETK, NONE);
                next.opaque = opaque();
                req.value = next.render(Map.of());
                req.note = "body: " + NAMES[next.opcode] + " opaque=" + Integer.toHexString(next.opaque);
            }
        }
        else if (r < 705)
        {
            req = noop();
        }
        else if (r < 712)
        {
            req = new Request(CMD_VERSION);
        }
        else if (r < 720)
        {
            req = new Request(pick(CMD_FLUSH, CMD_FLUSHQ));
            if (rnd.nextBoolean())
            {
                req.extras = ints(0);
            }
        }
        else if (r < 740)
        {
            req = unknown();
        }
        else if (r < 748)
        {
            req = negativeValueLength();
        }
        else if (r < 760)
        {
            req = malformed();
        }
        else if (r < 763)
        {
            req = new Request(pick(CMD_QUIT, CMD_QUITQ));
            req.closes = true;
        }
        else if (r < 766)
        {
            req = noop();
            req.opcode = CMD_BAD_MAGIC;
            req.closes = true;
        }
        else
        {
            req = storage(CMD_SET);
        }
        req.opaque = opaque();
        if (rnd.nextInt(40) == 0)
        {
            // neither is looked at
            req.datatype = rnd.nextInt(256);
            req.vbucket = rnd.nextInt(65536);
        }
        return req;
    }

    private Request noop()
    {
        final Request r = new Request(CMD_NOOP);
        r.opaque = opaque();
        return r;
    }

    private int opaque()
    {
        while (true)
        {
            final int r = rnd.nextInt(4);
            final int o = r == 0 ? rnd.nextInt(16) : r == 1 ? pick(0, -1, Integer.MIN_VALUE) : rnd.nextInt();
            if (opaques.add(o))
            {
                return o;
            }
        }
    }

    private Request keyed(final int opcode, final byte[] extras)
    {
        final Request r = new Request(opcode);
        r.key = key().getBytes(ISO_8859_1);
        r.extras = extras;
        return r;
    }

    private String key()
    {
        return KEYS[rnd.nextInt(rnd.nextInt(10) == 0 ? KEYS.length : KEYS.length - 1)];
    }

    /**
     * A CAS: usually none, else the one this side last saw for the key, or one no item has.
     */
    private void cas(final Request r)
    {
        final int c = rnd.nextInt(100);
        if (c < 20)
        {
            r.casKey = new String(r.key, ISO_8859_1);
        }
        else if (c < 28)
        {
            r.cas = pick(NO_ITEM_CAS, -1L);
        }
    }

    private Request storage(final int opcode)
    {
        final Request r = keyed(opcode, NONE);
        r.extras = ints(flags(), exptime());
        r.value = value(new String(r.key, ISO_8859_1));
        cas(r);
        return r;
    }

    private Request appendPrepend(final int opcode)
    {
        final Request r = keyed(opcode, NONE);
        r.value = rnd.nextInt(3) == 0 ? digits() : value(new String(r.key, ISO_8859_1));
        cas(r);
        return r;
    }

    private Request arithmetic()
    {
        final Request r = keyed(pick(CMD_INCREMENT, CMD_DECREMENT, CMD_INCREMENTQ, CMD_DECREMENTQ), NONE);
        if (rnd.nextInt(3) != 0)
        {
            r.key = KEYS[5 + rnd.nextInt(3)].getBytes(ISO_8859_1);
        }
        long delta = rnd.nextInt(5) == 0 ? pick(0L, 1_000_000_000_000L, 0xFFFF_FFFFL) : rnd.nextInt(200);
        long initial = rnd.nextInt(3) == 0 ? pick(0L, 7L, 10_000_000_000L) : rnd.nextInt(100);
        if (modern && rnd.nextInt(10) == 0)
        {
            // results of 2^63 or more (see the class comment), and wrapping past 2^64
            delta = pick(-1L, Long.MIN_VALUE, Long.MAX_VALUE);
            initial = pick(-1L, Long.MIN_VALUE);
        }
        final int exptime = rnd.nextInt(3) == 0 ? -1 : exptime();
        r.extras = ByteBuffer.allocate(20).putLong(delta).putLong(initial).putInt(exptime).array();
        cas(r);
        return r;
    }

    private Request unknown()
    {
        final Request r = new Request(UNKNOWN[rnd.nextInt(UNKNOWN.length)]);
        r.value = bytes(rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(rnd.nextInt(20) == 0 ? 40_000 : 50));
        if (rnd.nextInt(3) == 0)
        {
            // the body length is swallowed after the key and extras: send that many bytes more
            r.key = key().getBytes(ISO_8859_1);
            r.extras = bytes(rnd.nextInt(8) == 0 ? 21 + rnd.nextInt(235) : rnd.nextInt(3) * 4);
            r.trailer = bytes(r.key.length + r.extras.length);
        }
        return r;
    }

    /**
     * A set or append whose body length makes memcached's int value length negative (and far from 0): "too large",
     * nothing swallowed, the next request follows the key.
     */
    private Request negativeValueLength()
    {
        final Request r = rnd.nextBoolean() ? storage(pick(CMD_SET, CMD_SETQ, CMD_ADD, CMD_REPLACEQ)) :
            appendPrepend(pick(CMD_APPEND, CMD_PREPENDQ));
        r.value = NONE;
        r.casKey = null;
        r.cas = 0;
        r.bodyLength = 0x8000_0000L + r.key.length + r.extras.length + rnd.nextInt(1 << 20);
        return r;
    }

    /**
     * A request memcached answers with an error and a close.
     */
    private Request malformed()
    {
        final int kind = rnd.nextInt(6);
        final int opcode = pick(CMD_GET, CMD_GETKQ, CMD_SET, CMD_ADDQ, CMD_DELETE, CMD_INCREMENT, CMD_DECREMENTQ,
            CMD_APPEND, CMD_PREPENDQ, CMD_TOUCH, CMD_GAT, CMD_GATKQ, CMD_FLUSH, CMD_FLUSHQ, CMD_NOOP, CMD_VERSION,
            CMD_QUIT, CMD_QUITQ);
        final Request r = wellFormed(opcode);
        r.closes = true;
        if (r.value.length > 100)
        {
            // memcached closes before reading the value: keep what it leaves unread small
            r.value = Arrays.copyOf(r.value, 100);
        }
        switch (kind)
        {
            case 0:
                // extras of a length the opcode does not take
                r.extras = bytes(wrongExtras(opcode));
                r.note = "wrong extras length";
                break;
            case 1:
                // no key where one is needed, a key where none is allowed
                r.key = r.key.length == 0 ? key().getBytes(ISO_8859_1) : NONE;
                r.note = "wrong key length";
                break;
            case 2:
                r.key = "x".repeat(251 + rnd.nextInt(200)).getBytes(ISO_8859_1);
                if (rnd.nextInt(4) == 0)
                {
                    r.opcode = UNKNOWN[rnd.nextInt(UNKNOWN.length)];
                }
                r.note = "key over 250 bytes";
                break;
            case 3:
                // a body length shorter than the key and extras
                if (r.key.length + r.extras.length == 0 || rnd.nextInt(5) == 0)
                {
                    r.key = (rnd.nextBoolean() ? key() : "z".repeat(251 + rnd.nextInt(100))).getBytes(ISO_8859_1);
                }
                r.bodyLength = rnd.nextInt(r.key.length + r.extras.length);
                r.sendLength = HEADER_LENGTH + r.extras.length + r.key.length;
                r.note = "body length shorter than key and extras";
                break;
            case 4:
                // a body where the opcode takes none beyond its key and extras (touch and gat do not check)
                if (opcode == CMD_SET || opcode == CMD_ADDQ || opcode == CMD_APPEND || opcode == CMD_PREPENDQ ||
                    opcode == CMD_TOUCH || opcode == CMD_GAT || opcode == CMD_GATKQ)
                {
                    r.opcode = CMD_GET;
                    r.extras = NONE;
                    if (r.key.length == 0)
                    {
                        r.key = key().getBytes(ISO_8859_1);
                    }
                }
                r.value = bytes(1 + rnd.nextInt(10));
                r.note = "body longer than the opcode takes";
                break;
            default:
                // an unknown opcode with a key over 250 bytes is refused before its opcode is looked at
                r.opcode = UNKNOWN[rnd.nextInt(UNKNOWN.length)];
                r.key = "y".repeat(251 + rnd.nextInt(100)).getBytes(ISO_8859_1);
                r.note = "unknown opcode, key over 250 bytes";
                break;
        }
        return r;
    }

    /**
     * A well-formed request for the opcode.
     */
    private Request wellFormed(final int opcode)
    {
        switch (opcode)
        {
            case CMD_SET:
            case CMD_ADDQ:
                return storage(opcode);
            case CMD_APPEND:
            case CMD_PREPENDQ:
                return appendPrepend(opcode);
            case CMD_INCREMENT:
            case CMD_DECREMENTQ:
                final Request a = arithmetic();
                a.opcode = opcode;
                return a;
            case CMD_TOUCH:
            case CMD_GAT:
            case CMD_GATKQ:
                return keyed(opcode, ints(0));
            case CMD_GET:
            case CMD_GETKQ:
            case CMD_DELETE:
                return keyed(opcode, NONE);
            default:
                return new Request(opcode);
        }
    }

    private int wrongExtras(final int opcode)
    {
        switch (opcode)
        {
            case CMD_SET:
            case CMD_ADDQ:
                return pick(0, 4, 12, 20);
            case CMD_INCREMENT:
            case CMD_DECREMENTQ:
                return pick(0, 8, 16, 24);
            case CMD_TOUCH:
            case CMD_GAT:
            case CMD_GATKQ:
                return pick(0, 8, 1);
            case CMD_FLUSH:
            case CMD_FLUSHQ:
                return pick(1, 8);
            default:
                return pick(4, 8, 1);
        }
    }

    private int flags()
    {
        final int r = rnd.nextInt(100);
        return r < 60 ? 0 : r < 90 ? rnd.nextInt(70000) : pick(-1, Integer.MIN_VALUE, rnd.nextInt());
    }

    /**
     * An expiration that does not pass during the test (none, relative, absolute after 2038 or unsigned past
     * 2^31), or one in the past (absolute before now: memcached's {@code realtime()} gives 1).
     */
    private int exptime()
    {
        final int r = rnd.nextInt(100);
        if (r < 55)
        {
            return 0;
        }
        if (r < 78)
        {
            return pick(1000, 100_000, 2_592_000);
        }
        if (r < 88)
        {
            return pick(Integer.MAX_VALUE, Integer.MIN_VALUE, -2, 0xF000_0000);
        }
        return pick(2_592_001, 1_000_000_000, 1_500_000_000);
    }

    private byte[] value(final String key)
    {
        if (key.startsWith("n") && rnd.nextInt(4) != 0)
        {
            return digits();
        }
        final int r = rnd.nextInt(1000);
        final int length;
        if (r < 700)
        {
            length = rnd.nextInt(20);
        }
        else if (r < 950)
        {
            length = rnd.nextInt(600);
        }
        else if (r < 990)
        {
            length = rnd.nextInt(6000);
        }
        else if (r < 997)
        {
            // chunked items
            length = 16_000 + rnd.nextInt(600_000);
        }
        else if (r < 999)
        {
            // about the item size limit
            length = ITEM_SIZE_MAX - 400 + rnd.nextInt(800);
        }
        else
        {
            // too large: swallowed
            length = ITEM_SIZE_MAX + rnd.nextInt(ITEM_SIZE_MAX);
        }
        return bytes(length);
    }

    private byte[] digits()
    {
        if (modern && rnd.nextInt(10) == 0)
        {
            // 2^63 or more: see the class comment
            return pick("18446744073709551615", "9223372036854775808", "18446744073709551600")
                .getBytes(ISO_8859_1);
        }
        if (rnd.nextInt(40) == 0)
        {
            // long numbers: in place, padded with spaces; past 512 KiB a chunked item, which is never a number
            final int length = pick(25, 2000, 530_000);
            return (pick("0", " ", "5").repeat(length - 1) + "5").getBytes(ISO_8859_1);
        }
        return pick("0", "1", "9", "10", "99", "100", "1000", "99999999999", "007", " 5", "5 ", "\t7", "12abc", "",
            "-0", "+5", "-5", "-1", "0x10", "1e3", "-18446744073709551615", "18446744073709551616",
            "18446744073709551615x", String.valueOf(rnd.nextInt(100_000))).getBytes(ISO_8859_1);
    }

    /**
     * Random bytes, never all white space: memcached's {@code strtoull()} would skip the value's CRLF too and read
     * a number from the memory after the item.
     */
    private byte[] bytes(final int length)
    {
        final byte[] b = new byte[length];
        if (rnd.nextInt(3) == 0)
        {
            rnd.nextBytes(b);
        }
        else
        {
            final String alphabet = "0123456789xyz \r\n";
            for (int i = 0; i < length; i++)
            {
                b[i] = (byte)alphabet.charAt(rnd.nextInt(alphabet.length()));
            }
        }
        boolean blank = length > 0;
        for (int i = 0; i < length && blank; i++)
        {
            blank = b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r');
        }
        if (blank)
        {
            b[rnd.nextInt(length)] = (byte)'x';
        }
        return b;
    }

    private static byte[] ints(final int... values)
    {
        final ByteBuffer b = ByteBuffer.allocate(4 * values.length);
        for (final int v : values)
        {
            b.putInt(v);
        }
        return b.array();
    }

    private int pick(final int... choices)
    {
        return choices[rnd.nextInt(choices.length)];
    }

    private long pick(final long... choices)
    {
        return choices[rnd.nextInt(choices.length)];
    }

    private String pick(final String... choices)
    {
        return choices[rnd.nextInt(choices.length)];
    }

    // ---------------------------------------------------------------------------------------------------------------
    // replies

    /**
     * The response frames with each CAS renamed to the order in which this side first returned it, and the text of
     * a version reply masked; what does not parse as frames is kept as is.
     */
    private static byte[] normalize(final byte[] data, final Map<Long, Long> names)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pos = 0;
        while (pos + HEADER_LENGTH <= data.length && (data[pos] & 0xFF) == RESPONSE_MAGIC)
        {
            final ByteBuffer header = ByteBuffer.wrap(Arrays.copyOfRange(data, pos, pos + HEADER_LENGTH));
            final long bodyLength = header.getInt(8) & 0xFFFF_FFFFL;
            if (pos + HEADER_LENGTH + bodyLength > data.length)
            {
                break;
            }
            byte[] body = Arrays.copyOfRange(data, pos + HEADER_LENGTH, pos + HEADER_LENGTH + (int)bodyLength);
            final long cas = header.getLong(16);
            if (cas != 0)
            {
                header.putLong(16, names.computeIfAbsent(cas, c -> names.size() + 1L));
            }
            if ((header.get(1) & 0xFF) == CMD_VERSION && header.getShort(6) == 0)
            {
                body = "<version>".getBytes(ISO_8859_1);
                header.putInt(8, body.length);
            }
            out.writeBytes(header.array());
            out.writeBytes(body);
            pos += HEADER_LENGTH + (int)bodyLength;
        }
        out.write(data, pos, data.length - pos);
        return out.toByteArray();
    }

    /**
     * Remember the CAS each successful reply returned for its request's key, the request found by its opaque.
     */
    private static void learnCas(final List<Piece> batch, final byte[] output, final Map<String, Long> cas)
    {
        final Map<Integer, Request> byOpaque = new HashMap<>();
        for (final Piece p : batch)
        {
            byOpaque.put(p.request.opaque, p.request);
        }
        int pos = 0;
        while (pos + HEADER_LENGTH <= output.length && (output[pos] & 0xFF) == RESPONSE_MAGIC)
        {
            final ByteBuffer header = ByteBuffer.wrap(output, pos, HEADER_LENGTH).slice();
            final Request r = byOpaque.get(header.getInt(12));
            if (r != null && header.getShort(6) == 0 && header.getLong(16) != 0 && r.key.length > 0)
            {
                cas.put(new String(r.key, ISO_8859_1), header.getLong(16));
            }
            pos += HEADER_LENGTH + header.getInt(8);
        }
    }

    /**
     * The position after the frame with the NOOP reply of this opaque, or -1.
     */
    private static int endOfNoop(final byte[] data, final int opaque)
    {
        int pos = 0;
        while (pos + HEADER_LENGTH <= data.length && (data[pos] & 0xFF) == RESPONSE_MAGIC)
        {
            final ByteBuffer header = ByteBuffer.wrap(data, pos, HEADER_LENGTH).slice();
            final long next = pos + HEADER_LENGTH + (header.getInt(8) & 0xFFFF_FFFFL);
            if (next > data.length)
            {
                return -1;
            }
            if ((header.get(1) & 0xFF) == CMD_NOOP && header.getInt(12) == opaque)
            {
                return (int)next;
            }
            pos = (int)next;
        }
        return -1;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // reports

    private static final String[] NAMES = new String[256];

    static
    {
        final String[] names = {"GET", "SET", "ADD", "REPLACE", "DELETE", "INCREMENT", "DECREMENT", "QUIT", "FLUSH",
            "GETQ", "NOOP", "VERSION", "GETK", "GETKQ", "APPEND", "PREPEND", "STAT", "SETQ", "ADDQ", "REPLACEQ",
            "DELETEQ", "INCREMENTQ", "DECREMENTQ", "QUITQ", "FLUSHQ", "APPENDQ", "PREPENDQ", null, "TOUCH", "GAT",
            "GATQ", null, "SASL_LIST_MECHS", "SASL_AUTH", "SASL_STEP", "GATK", "GATKQ"};
        for (int i = 0; i < NAMES.length; i++)
        {
            NAMES[i] = i < names.length && names[i] != null ? names[i] : String.format("0x%02x", i);
        }
    }

    private static String describe(final List<Piece> batch, final byte[] rendered)
    {
        final StringBuilder sb = new StringBuilder();
        int at = 0;
        for (final Piece p : batch)
        {
            final Request r = p.request;
            final int length = p.render(Map.of()).length;
            // the header as sent to memcached, for the CAS it got
            final byte[] source = p.from == 0 && at + HEADER_LENGTH <= rendered.length ? rendered : r.render(Map.of());
            final int offset = source == rendered ? at : 0;
            final ByteBuffer h = source.length - offset >= HEADER_LENGTH ?
                ByteBuffer.wrap(source, offset, HEADER_LENGTH).slice() : ByteBuffer.allocate(HEADER_LENGTH);
            if (p.from > 0 || p.to >= 0)
            {
                sb.append("    bytes ").append(p.from).append(" to ").append(p.to < 0 ? "end" : p.to).append(" of:\n");
            }
            sb.append("    ").append(r.magic == REQUEST_MAGIC ? "" : String.format("magic=%02x ", r.magic))
                .append(NAMES[r.opcode & 0xFF]).append(" opaque=").append(Integer.toHexString(r.opaque));
            if (r.key.length > 0)
            {
                sb.append(" key=").append(clip(r.key));
            }
            if (r.extras.length > 0)
            {
                sb.append(" extras=").append(BinaryProtocolTest.hex(r.extras));
            }
            if (r.value.length > 0)
            {
                sb.append(" value(").append(r.value.length).append(")=").append(clip(r.value));
            }
            if (h.getLong(16) != 0)
            {
                sb.append(" cas=").append(Long.toUnsignedString(h.getLong(16)))
                    .append(r.casKey != null ? " (last seen)" : "");
            }
            if (r.keyLength >= 0 || r.extrasLength >= 0 || r.bodyLength >= 0)
            {
                sb.append(" header: keylen=").append(h.getShort(2) & 0xFFFF).append(" extlen=")
                    .append(h.get(4) & 0xFF).append(" bodylen=").append(h.getInt(8) & 0xFFFF_FFFFL);
            }
            if (r.sendLength >= 0)
            {
                sb.append(" (").append(r.sendLength).append(" bytes sent)");
            }
            if (r.trailer.length > 0)
            {
                sb.append(" +").append(r.trailer.length).append(" bytes");
            }
            if (!r.note.isEmpty())
            {
                sb.append(" [").append(r.note).append(']');
            }
            sb.append('\n');
            at += length;
        }
        return sb.toString();
    }

    /**
     * The replies of both sides frame by frame, from the first that differs.
     */
    private static String diff(final byte[] expected, final byte[] actual)
    {
        final List<String> want = frames(expected);
        final List<String> got = frames(actual);
        int first = 0;
        while (first < want.size() && first < got.size() && want.get(first).equals(got.get(first)))
        {
            first++;
        }
        final StringBuilder sb = new StringBuilder();
        sb.append("  ").append(first).append(" equal frames, then\n  memcached:\n");
        for (int i = first; i < want.size(); i++)
        {
            sb.append("    ").append(want.get(i)).append('\n');
        }
        sb.append("  ours:\n");
        for (int i = first; i < got.size(); i++)
        {
            sb.append("    ").append(got.get(i)).append('\n');
        }
        return sb.toString();
    }

    private static List<String> frames(final byte[] data)
    {
        final List<String> list = new ArrayList<>();
        int pos = 0;
        while (pos + HEADER_LENGTH <= data.length && (data[pos] & 0xFF) == RESPONSE_MAGIC)
        {
            final ByteBuffer h = ByteBuffer.wrap(data, pos, HEADER_LENGTH).slice();
            final int keyLength = h.getShort(2) & 0xFFFF;
            final int extrasLength = h.get(4) & 0xFF;
            final long bodyLength = h.getInt(8) & 0xFFFF_FFFFL;
            if (pos + HEADER_LENGTH + bodyLength > data.length)
            {
                break;
            }
            final int body = pos + HEADER_LENGTH;
            final StringBuilder sb = new StringBuilder();
            sb.append(NAMES[h.get(1) & 0xFF]).append(String.format(" status=%04x opaque=%s cas=#%d",
                h.getShort(6) & 0xFFFF, Integer.toHexString(h.getInt(12)), h.getLong(16)));
            if (h.get(5) != 0)
            {
                sb.append(" datatype=").append(h.get(5) & 0xFF);
            }
            if (extrasLength > 0)
            {
                sb.append(" extras=").append(BinaryProtocolTest.hex(Arrays.copyOfRange(data, body,
                    Math.min(body + extrasLength, data.length))));
            }
            if (keyLength > 0)
            {
                sb.append(" key=").append(clip(Arrays.copyOfRange(data, body + extrasLength,
                    Math.min(body + extrasLength + keyLength, data.length))));
            }
            final int valueAt = body + extrasLength + keyLength;
            final int valueEnd = (int)(body + bodyLength);
            if (valueEnd > valueAt)
            {
                sb.append(" value(").append(valueEnd - valueAt).append(")=")
                    .append(clip(Arrays.copyOfRange(data, valueAt, valueEnd)));
            }
            list.add(sb.toString());
            pos = valueEnd;
        }
        if (pos < data.length)
        {
            list.add("<" + (data.length - pos) + " more bytes> " + clip(Arrays.copyOfRange(data, pos, data.length)));
        }
        return list;
    }

    private static String clip(final byte[] bytes)
    {
        if (bytes.length <= 60)
        {
            return '"' + SessionDriver.escape(bytes) + '"';
        }
        return '"' + SessionDriver.escape(bytes, 0, 40) + "\"...<" + bytes.length + " bytes>";
    }

    private static String hexClipped(final byte[] bytes)
    {
        if (bytes.length <= 2400)
        {
            return BinaryProtocolTest.hex(bytes);
        }
        return BinaryProtocolTest.hex(Arrays.copyOf(bytes, 1200)) + "\n...<" + bytes.length + " bytes>";
    }

    // ---------------------------------------------------------------------------------------------------------------
    // the real memcached

    /**
     * Send a request and read until the reply to the NOOP with opaque {@code terminator}, or until memcached closes
     * (which {@code terminator} null expects).
     */
    private static DifferentialTest.Reply exchange(final Socket socket, final byte[] request, final Integer terminator,
        final byte[] before) throws IOException
    {
        return DifferentialTest.exchange(socket, request, before,
            got -> terminator != null && endOfNoop(got, terminator) > 0,
            terminator == null ? "close" : "NOOP reply (opaque " + Integer.toHexString(terminator) + ")",
            BinaryDifferentialTest::hexClipped);
    }

    /**
     * The version memcached reports.
     */
    private static String version(final Socket socket) throws IOException
    {
        final byte[] reply = exchange(socket, BinaryProtocolTest.concat(
            BinaryProtocolTest.req(CMD_VERSION, "", NONE, NONE, 1, 0),
            BinaryProtocolTest.req(CMD_NOOP, "", NONE, NONE, 2, 0)), 2, NONE).bytes();
        final int length = ByteBuffer.wrap(reply).getInt(8);
        return new String(reply, HEADER_LENGTH, length, ISO_8859_1);
    }

    private static boolean atLeast(final String version, final int... wanted)
    {
        final String[] parts = version.split("[^0-9]+");
        for (int i = 0; i < wanted.length; i++)
        {
            final int have = i < parts.length && !parts[i].isEmpty() ? Integer.parseInt(parts[i]) : 0;
            if (have != wanted[i])
            {
                return have > wanted[i];
            }
        }
        return true;
    }
}
