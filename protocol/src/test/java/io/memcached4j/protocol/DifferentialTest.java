/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Sends the same seeded random streams of text and meta commands to the real memcached ({@code /usr/bin/memcached},
 * Debian's 1.6.18) and to an in-memory {@link Session} with the same settings, and compares the replies byte for byte
 * after masking CAS values and times ({@link TranscriptReplayTest#normalize} with {@code cas,time}).
 * <p>
 * Commands come in batches that end in {@code mn}; both sides are read until {@code MN}. The stream mixes valid and
 * invalid commands on a small key space (hits, misses, EXISTS, NOT_STORED), bad data chunks, over-long keys, bad
 * numbers, extra tokens and unknown commands. It leaves out what differs between 1.6.18 and 1.6.39 (meta flags
 * {@code E}, {@code x}, {@code s} on ms, vivifying append, {@code me}), what depends on time (delayed flush_all,
 * stats, version) and what closes the connection. The CAS numbers themselves differ between the versions (1.6.39
 * takes uniques at other moments), so a {@code cas} or {@code C} that should match uses the unique each side last
 * reported for that key. Arithmetic starts a new batch: whether {@code decr} pads in place depends on whether a reply
 * still holds the item, and 1.6.18 sends a {@code get}'s reply at once while 1.6.39 holds it until the batch ends.
 * <p>
 * memcached runs with {@code -o no_lru_maintainer,no_lru_crawler}, as the session under test runs no background
 * work. Its maintainer holds an item while a queued LRU bump waits for it, and its crawler while it looks at it; an
 * arithmetic command that meets such a holder stores a new item instead of changing the number in place, and the
 * new item is unpadded, unfetched ({@code h0}) and without the binary-key mark: the same stream then answered
 * differently from run to run. Without those threads memcached's LRU is flat (bumps are not queued), which
 * changes nothing the stream can see (no eviction; {@code l} and {@code t} are masked as times).
 * <p>
 * Seed: {@code -Ddifferential.seed=<n>} (printed); commands: {@code -Ddifferential.commands=<n>} (default 25,000),
 * at most {@code -Ddifferential.seconds} (default 40); {@code -Ddifferential.log=<file>} writes every batch and
 * memcached's reply to a file. Without memcached the test is skipped, or fails when
 * {@code CI=true}.
 */
class DifferentialTest
{
    static final String MEMCACHED =
        java.util.Objects.requireNonNullElse(System.getenv("MEMCACHED_BIN"), "/usr/bin/memcached");
    private static final byte[] MN = "MN\r\n".getBytes(ISO_8859_1);
    private static final String CAS_MARK = "\u0001";
    private static final int MAX_MISMATCHES = 25;

    private final long seed = Long.getLong("differential.seed", System.nanoTime() ^ 0x5DEECE66DL);
    private final int targetCommands = Integer.getInteger("differential.commands", 25_000);
    private final long deadlineNanos = System.nanoTime() +
        TimeUnit.SECONDS.toNanos(Integer.getInteger("differential.seconds", 40));
    private final Random rnd = new Random(seed);
    private final Map<String, Long> realCas = new HashMap<>();
    private final Map<String, Long> ourCas = new HashMap<>();

    @Test
    void shouldAnswerLikeMemcached() throws Exception
    {
        System.out.println("DifferentialTest seed " + seed + " (-Ddifferential.seed=" + seed + ")");
        final int port = freePort();
        final Process memcached = startMemcached(port);
        final List<String> mismatches = new ArrayList<>();
        long commands = 0;
        long batches = 0;
        long reconnects = 0;
        final long start = System.nanoTime();
        final String logFile = System.getProperty("differential.log");
        try (SessionDriver driver = SessionDriver.create("");
            OutputStream log = logFile == null ? null : Files.newOutputStream(Paths.get(logFile)))
        {
            awaitListening(memcached, port);
            Socket socket = connect(port);
            SessionDriver.Connection ours = driver.connect();
            final List<String> batch = new ArrayList<>();
            while (commands < targetCommands && System.nanoTime() < deadlineNanos &&
                mismatches.size() < MAX_MISMATCHES)
            {
                nextBatch(batch);
                final byte[] toReal = render(batch, realCas);
                final byte[] toOurs = render(batch, ourCas);
                final Reply real = exchange(socket, toReal, 1 + (int)batch.stream().filter("mn"::equals).count());
                if (log != null)
                {
                    log.write(("#batch " + (batches + 1) + "\n").getBytes(ISO_8859_1));
                    log.write(toReal);
                    log.write("#memcached\n".getBytes(ISO_8859_1));
                    log.write(real.bytes);
                }
                ours.send(toOurs, SessionDriver.whole());
                final byte[] oursRaw = ours.takeReceived();
                final boolean oursClosed = ours.closedBySession();
                commands += batch.size();
                batches++;
                final byte[] expected = TranscriptReplayTest.normalize(real.bytes, "cas,time");
                final byte[] actual = TranscriptReplayTest.normalize(oursRaw, "cas,time");
                final boolean same = java.util.Arrays.equals(expected, actual) && real.closed == oursClosed;
                if (!same)
                {
                    final String report = "batch " + batches + " (" + batch.size() + " commands, memcached " +
                        (real.closed ? "closed" : "open") + ", session " + (oursClosed ? "closed" : "open") + ")\n" +
                        "commands (to memcached):\n" + summary(toReal) +
                        TranscriptReplayTest.diff(toReal, expected, actual);
                    System.out.println(report);
                    mismatches.add(report);
                }
                learnCas(real.bytes, realCas);
                learnCas(oursRaw, ourCas);
                if (real.closed || oursClosed || !same)
                {
                    // start both sides afresh: a new connection each, and the same (empty) store
                    socket.close();
                    ours.close();
                    socket = connect(port);
                    ours = driver.connect();
                    final byte[] reset = "flush_all\r\nmn\r\n".getBytes(ISO_8859_1);
                    exchange(socket, reset, 1);
                    ours.send(reset, SessionDriver.whole());
                    ours.takeReceived();
                    realCas.clear();
                    ourCas.clear();
                    reconnects++;
                }
            }
            socket.close();
        }
        finally
        {
            stop(memcached);
        }
        final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println("DifferentialTest seed " + seed + ": " + commands + " commands in " + batches +
            " batches compared in " + millis + " ms, " + mismatches.size() + " mismatching batches, " + reconnects +
            " reconnects");
        if (!mismatches.isEmpty())
        {
            throw new AssertionError("seed " + seed + " (-Ddifferential.seed=" + seed + "): " + mismatches.size() +
                " of " + batches + " batches differ from memcached (" + commands + " commands compared); the " +
                "first ones, with what was sent to memcached (CAS values per side):\n\n" +
                String.join("\n", mismatches.subList(0, Math.min(10, mismatches.size()))));
        }
        assertTrue(commands > 0);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // the command generator

    private static final String[] KEYS = {"k0", "k1", "k2", "k3", "k4", "k5", "n0", "n1", "n2"};
    private static final String[] UNKNOWN = {"foo", "bogus x y", "GET k0", "sett k0 0 0 1", "g", "m", "mz k0",
        "getz k0", "incrr k0 1", "Set k0 0 0 1", "deletee k0", "touchh k0 0", "ma", "mg", "ms", "md", "ms k0",
        "gat", "gats 10", "touch k0", "incr k0", "decr", "delete", "cas k0 0 0 1", "set k0 0 0", "get"};

    private void nextBatch(final List<String> batch)
    {
        batch.clear();
        final int size = 1 + rnd.nextInt(rnd.nextInt(4) == 0 ? 40 : 8);
        for (int i = 0; i < size; i++)
        {
            final String cmd = command();
            if ((isArithmetic(cmd) || isCullingGet(cmd)) && !batch.isEmpty())
            {
                // these start a batch (see the class comment and isCullingGet)
                break;
            }
            batch.add(cmd);
        }
        if (batch.isEmpty())
        {
            batch.add(command());
        }
    }

    /**
     * A retrieval with a key over 250 bytes culls every reply not yet sent (conn_release_items() in
     * process_get_command()). 1.6.18 sends a get's replies at once, 1.6.39 holds them until it runs out of input,
     * so what is culled differs between them unless the command is the first of its batch.
     */
    private static boolean isCullingGet(final String cmd)
    {
        return (cmd.startsWith("get") || cmd.startsWith("bget") || cmd.startsWith("gat")) &&
            cmd.contains("x".repeat(251));
    }

    private static boolean isArithmetic(final String cmd)
    {
        return cmd.startsWith("incr ") || cmd.startsWith("decr ") || cmd.startsWith("ma ");
    }

    private String command()
    {
        final int r = rnd.nextInt(1000);
        if (r < 180)
        {
            return storage(pick("set", "set", "set", "add", "replace", "append", "prepend"));
        }
        if (r < 230)
        {
            return cas();
        }
        if (r < 350)
        {
            return retrieval();
        }
        if (r < 390)
        {
            return "touch " + key() + " " + exptime() + noreply();
        }
        if (r < 440)
        {
            return delete();
        }
        if (r < 510)
        {
            return arithmetic();
        }
        if (r < 610)
        {
            return mg();
        }
        if (r < 700)
        {
            return ms();
        }
        if (r < 740)
        {
            return md();
        }
        if (r < 800)
        {
            return ma();
        }
        if (r < 815)
        {
            return "mn";
        }
        if (r < 820)
        {
            return pick("flush_all", "flush_all 0", "flush_all noreply");
        }
        if (r < 860)
        {
            return pick(UNKNOWN);
        }
        if (r < 870)
        {
            return pick("", "   ", "get k0 k1 " + "k2 ".repeat(rnd.nextInt(40)));
        }
        return storage("set");
    }

    private String key()
    {
        final int r = rnd.nextInt(100);
        if (r < 90)
        {
            return KEYS[rnd.nextInt(KEYS.length)];
        }
        if (r < 93)
        {
            return "x".repeat(250);
        }
        if (r < 96)
        {
            return "x".repeat(251 + rnd.nextInt(10));
        }
        if (r < 98)
        {
            // a control character other than the whitespace record.py's \\S+ would not mask a VALUE line's CAS past
            return "k\u0007" + rnd.nextInt(2);
        }
        return "k\u00e9" + rnd.nextInt(2);
    }

    private String noreply()
    {
        return rnd.nextInt(6) == 0 ? " noreply" : "";
    }

    private String flags()
    {
        final int r = rnd.nextInt(100);
        if (r < 60)
        {
            return "0";
        }
        if (r < 85)
        {
            return String.valueOf(rnd.nextInt(70000));
        }
        return pick("4294967295", "4294967296", "-1", "abc", "1.5", "0x10", "18446744073709551616");
    }

    private String exptime()
    {
        final int r = rnd.nextInt(100);
        if (r < 55)
        {
            return "0";
        }
        if (r < 80)
        {
            return pick("1000", "100000", "2592000");
        }
        if (r < 90)
        {
            return pick("-1", "-100", "1000000000");
        }
        return pick("abc", "99999999999", "1e3", "");
    }

    private String value(final String key)
    {
        if (key.startsWith("n") && rnd.nextInt(4) != 0)
        {
            // no value of 2^63 or more: 1.6.18's safe_strtoull() then looks for a '-' with strchr() past the end of
            // the value, into whatever follows it in memory (1.6.39 uses memchr() on the digits), so 1.6.18 may call
            // such a number non-numeric at random
            return pick("0", "1", "9", "10", "99", "100", "1000", "99999999999", "007",
                String.valueOf(rnd.nextInt(100_000)));
        }
        final int r = rnd.nextInt(100);
        final int length = r < 70 ? rnd.nextInt(20) : r < 95 ? rnd.nextInt(600) : rnd.nextInt(6000);
        final StringBuilder sb = new StringBuilder(length);
        final String alphabet = "0123456789xyz";
        for (int i = 0; i < length; i++)
        {
            sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    /**
     * The length and data block of a storage command: usually right; sometimes a bad data chunk (more bytes than
     * declared), or a length that is not a number.
     */
    private String[] lengthAndData(final String value)
    {
        final int r = rnd.nextInt(100);
        if (r < 88)
        {
            return new String[] {String.valueOf(value.length()), value};
        }
        if (r < 94)
        {
            return new String[] {String.valueOf(value.length()), value + "xyz".substring(rnd.nextInt(3))};
        }
        if (r < 99)
        {
            return new String[] {pick("-1", "abc", "4294967296", "2147483647", "1x"), value};
        }
        final int big = 1024 * 1024 + rnd.nextInt(1000);
        return new String[] {String.valueOf(big), "y".repeat(big)};
    }

    private String storage(final String verb)
    {
        String key = key();
        final String[] ld = lengthAndData(value(key));
        String flags = flags();
        String exptime = exptime();
        String extra = rnd.nextInt(40) == 0 ? pick(" extra", " a b c", " noreply noreply") : "";
        if (ld[1].length() > 1000)
        {
            // a long data block must be read as data: a command line memcached rejects before reading the block
            // would turn it into a line of over 2048 bytes, which memcached closes on or not depending on reads
            key = KEYS[rnd.nextInt(6)];
            flags = "0";
            exptime = "0";
            extra = "";
            ld[0] = ld[1].length() > 1024 * 1024 ? ld[0] : String.valueOf(ld[1].length());
        }
        return verb + " " + key + " " + flags + " " + exptime + " " + ld[0] + noreply() + extra + "\r\n" + ld[1];
    }

    private String cas()
    {
        String key = key();
        final String[] ld = lengthAndData(value(key));
        String flags = flags();
        String exptime = exptime();
        String unique = casToken(key);
        if (ld[1].length() > 1000)
        {
            key = KEYS[rnd.nextInt(6)];
            flags = "0";
            exptime = "0";
            unique = CAS_MARK + key + CAS_MARK;
            ld[0] = ld[1].length() > 1024 * 1024 ? ld[0] : String.valueOf(ld[1].length());
        }
        return "cas " + key + " " + flags + " " + exptime + " " + ld[0] + " " + unique + noreply() + "\r\n" + ld[1];
    }

    /**
     * A CAS unique: most often the one this side last saw for the key (a placeholder filled in per side), else one
     * that cannot match, or a bad number.
     */
    private String casToken(final String key)
    {
        final int r = rnd.nextInt(100);
        if (r < 60)
        {
            return CAS_MARK + key + CAS_MARK;
        }
        if (r < 85)
        {
            return pick("0", "999999999", "18446744073709551615");
        }
        return pick("-1", "abc", "18446744073709551616", "");
    }

    private String retrieval()
    {
        final String verb = pick("get", "get", "gets", "gets", "gat", "gats", "bget");
        final StringBuilder sb = new StringBuilder(verb);
        if (verb.startsWith("gat"))
        {
            sb.append(' ').append(exptime());
        }
        final int n = 1 + rnd.nextInt(rnd.nextInt(5) == 0 ? 8 : 3);
        for (int i = 0; i < n; i++)
        {
            sb.append(' ').append(key());
        }
        return sb.toString();
    }

    private String delete()
    {
        final String key = key();
        return "delete " + key + pick("", "", "", " 0", " 1", " noreply", " 0 noreply", " x y z");
    }

    private String arithmetic()
    {
        final String key = rnd.nextInt(3) == 0 ? key() : KEYS[6 + rnd.nextInt(3)];
        final String delta = rnd.nextInt(5) == 0 ?
            pick("18446744073709551616", "-1", "abc", "", "1 2", "0", "1000000000000") :
            String.valueOf(rnd.nextInt(200));
        return pick("incr ", "decr ") + key + " " + delta + noreply();
    }

    private String metaKey(final List<String> flags)
    {
        final String key = key();
        if (rnd.nextInt(12) == 0 && key.length() <= 250 && key.matches("[a-z0-9]+"))
        {
            flags.add("b");
            return Base64.getEncoder().encodeToString(key.getBytes(ISO_8859_1));
        }
        return key;
    }

    private String opaque()
    {
        return rnd.nextInt(30) == 0 ? "O" + "a".repeat(33) : "O" + Integer.toString(rnd.nextInt(100000), 36);
    }

    private String mg()
    {
        final List<String> flags = new ArrayList<>();
        final String key = metaKey(flags);
        final String[] choices = {"v", "k", "f", "s", "c", "t", "h", "l", "q", "u", "O", "T", "N"};
        final int n = rnd.nextInt(6);
        for (int i = 0; i < n; i++)
        {
            final String f = pick(choices);
            switch (f)
            {
                case "O":
                    flags.add(opaque());
                    break;
                case "T":
                    flags.add("T" + pick("0", "100", "-1", "x"));
                    break;
                case "N":
                    if (rnd.nextInt(4) == 0)
                    {
                        flags.add("N" + pick("100", "0"));
                    }
                    break;
                default:
                    flags.add(f);
            }
        }
        if (rnd.nextInt(40) == 0)
        {
            flags.add(pick("!", "zz", "@"));
        }
        return "mg " + key + join(flags);
    }

    private String ms()
    {
        final List<String> flags = new ArrayList<>();
        final String key = metaKey(flags);
        final String rawKey = flags.contains("b") ? new String(Base64.getDecoder().decode(key), ISO_8859_1) : key;
        String value = value(rawKey);
        if (value.length() > 1000 && (key.length() > 250 || rnd.nextInt(3) != 0))
        {
            // a too-long key is refused before the block is swallowed: keep the block short (see storage())
            value = value.substring(0, 100);
        }
        final String[] choices = {"T", "F", "C", "q", "O", "k", "c", "I", "M"};
        final int n = rnd.nextInt(5);
        for (int i = 0; i < n; i++)
        {
            final String f = pick(choices);
            switch (f)
            {
                case "T":
                    flags.add("T" + pick("0", "1000", "-1"));
                    break;
                case "F":
                    flags.add("F" + flags());
                    break;
                case "C":
                    flags.add("C" + casToken(rawKey));
                    break;
                case "O":
                    flags.add(opaque());
                    break;
                case "M":
                    flags.add("M" + pick("E", "A", "P", "R", "S", "s", "a", "X", "+"));
                    break;
                default:
                    flags.add(f);
            }
        }
        final int r = rnd.nextInt(100);
        final String length;
        String data = value;
        if (r < 90)
        {
            length = String.valueOf(value.length());
        }
        else if (r < 95)
        {
            length = String.valueOf(value.length());
            data = value + "xy";
        }
        else
        {
            length = pick("abc", "-1", "");
            data = value.substring(0, Math.min(100, value.length()));
        }
        return "ms " + key + (length.isEmpty() ? "" : " " + length) + join(flags) + "\r\n" + data;
    }

    private String md()
    {
        final List<String> flags = new ArrayList<>();
        final String key = metaKey(flags);
        final String rawKey = flags.contains("b") ? new String(Base64.getDecoder().decode(key), ISO_8859_1) : key;
        final int n = rnd.nextInt(4);
        for (int i = 0; i < n; i++)
        {
            final String f = pick("q", "O", "k", "C", "I", "T");
            switch (f)
            {
                case "O":
                    flags.add(opaque());
                    break;
                case "C":
                    flags.add("C" + casToken(rawKey));
                    break;
                case "T":
                    flags.add("T" + pick("30", "0"));
                    break;
                default:
                    flags.add(f);
            }
        }
        return "md " + key + join(flags);
    }

    private String ma()
    {
        final List<String> flags = new ArrayList<>();
        final String key = rnd.nextInt(3) == 0 ? metaKey(flags) : KEYS[6 + rnd.nextInt(3)];
        final int n = rnd.nextInt(5);
        for (int i = 0; i < n; i++)
        {
            final String f = pick("N", "J", "D", "T", "M", "q", "O", "k", "t", "c", "v", "C");
            switch (f)
            {
                case "N":
                    flags.add("N" + pick("0", "100"));
                    break;
                case "J":
                    flags.add("J" + pick("0", "5", "99999999999", "x"));
                    break;
                case "D":
                    flags.add("D" + pick("1", "7", "1000", "18446744073709551616", "-1", "x"));
                    break;
                case "T":
                    flags.add("T" + pick("0", "1000", "-1"));
                    break;
                case "M":
                    flags.add("M" + pick("I", "+", "D", "-", "i", "d", "x"));
                    break;
                case "O":
                    flags.add(opaque());
                    break;
                case "C":
                    flags.add("C" + casToken(key));
                    break;
                default:
                    flags.add(f);
            }
        }
        return "ma " + key + join(flags);
    }

    /**
     * The commands of a batch one per line, long runs of a repeated character and long data blocks shortened.
     */
    private static String summary(final byte[] batch)
    {
        final StringBuilder sb = new StringBuilder();
        for (final String line : new String(batch, ISO_8859_1).split("\r\n", -1))
        {
            final StringBuilder runs = new StringBuilder();
            final java.util.regex.Matcher m = java.util.regex.Pattern.compile("x{20,}").matcher(line);
            int last = 0;
            while (m.find())
            {
                runs.append(line, last, m.start()).append("x{").append(m.end() - m.start()).append('}');
                last = m.end();
            }
            runs.append(line.substring(last));
            final String text = runs.toString();
            sb.append("    ").append(SessionDriver.escape(
                (text.length() > 120 ? text.substring(0, 60) + "...<" + text.length() + " bytes>" : text)
                .getBytes(ISO_8859_1))).append('\n');
        }
        return sb.toString();
    }

    private static String join(final List<String> flags)
    {
        return flags.isEmpty() ? "" : " " + String.join(" ", flags);
    }

    private String pick(final String... choices)
    {
        return choices[rnd.nextInt(choices.length)];
    }

    /**
     * The batch's bytes for one side: the CAS placeholders become the unique that side last reported for the key
     * (or a number no item has, when it reported none), each command ends in CRLF and an {@code mn} closes the batch.
     */
    private static byte[] render(final List<String> batch, final Map<String, Long> cas)
    {
        final StringBuilder sb = new StringBuilder();
        for (final String cmd : batch)
        {
            String c = cmd;
            int at;
            while ((at = c.indexOf(CAS_MARK)) >= 0)
            {
                final int end = c.indexOf(CAS_MARK, at + 1);
                final String key = c.substring(at + 1, end);
                final Long unique = cas.get(key);
                c = c.substring(0, at) + (unique == null ? "77777777" : Long.toUnsignedString(unique)) +
                    c.substring(end + 1);
            }
            sb.append(c).append("\r\n");
        }
        sb.append("mn\r\n");
        return sb.toString().getBytes(ISO_8859_1);
    }

    /**
     * Remember the CAS uniques a side reported: {@code VALUE <key> <flags> <bytes> <cas>} lines, and meta result
     * lines that carry both {@code k<key>} and {@code c<cas>}.
     */
    private static void learnCas(final byte[] output, final Map<String, Long> cas)
    {
        final String text = new String(output, ISO_8859_1);
        for (final String line : text.split("\r\n"))
        {
            if (line.startsWith("VALUE "))
            {
                final String[] t = line.split(" ");
                if (t.length == 5)
                {
                    cas.put(t[1], Long.parseUnsignedLong(t[4]));
                }
            }
            else if (line.length() > 3 && (line.startsWith("HD ") || line.startsWith("VA ") ||
                line.startsWith("EX ") || line.startsWith("NS ") || line.startsWith("NF ") || line.startsWith("EN ")))
            {
                String key = null;
                Long unique = null;
                for (final String t : line.split(" "))
                {
                    if (t.length() > 1 && t.charAt(0) == 'k')
                    {
                        key = t.substring(1);
                    }
                    else if (t.length() > 1 && t.charAt(0) == 'c' && t.substring(1).matches("\\d+"))
                    {
                        unique = Long.parseUnsignedLong(t.substring(1));
                    }
                }
                if (key != null && unique != null && !line.contains(" b"))
                {
                    cas.put(key, unique);
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // the real memcached

    record Reply(byte[] bytes, boolean closed)
    {
    }

    /**
     * Send a request and read until its {@code expectedMn}-th {@code MN} line, or until memcached closes.
     */
    private static Reply exchange(final Socket socket, final byte[] request, final int expectedMn) throws IOException
    {
        return exchange(socket, request, new byte[0],
            got -> endsWith(got, MN) && countMn(got) >= expectedMn, "MN",
            bytes -> TranscriptReplayTest.clip(bytes, 0, bytes.length));
    }

    /**
     * Send a request from a thread of its own (memcached answers while it reads, and stops reading while its
     * replies are not read) and read until {@code done} holds for what came, or until memcached closes.
     *
     * @param before    bytes already received that count as the start of this reply.
     * @param done      whether the reply is whole.
     * @param waitedFor what {@code done} waits for, for the message of a timeout.
     * @param clip      how the message of a timeout shows bytes.
     */
    static Reply exchange(
        final Socket socket, final byte[] request, final byte[] before, final Predicate<byte[]> done,
        final String waitedFor, final Function<byte[], String> clip) throws IOException
    {
        final OutputStream out = socket.getOutputStream();
        final InputStream in = socket.getInputStream();
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        got.writeBytes(before);
        final byte[] buffer = new byte[65536];
        final Thread writer = new Thread(() ->
        {
            try
            {
                out.write(request);
                out.flush();
            }
            catch (final IOException ignored)
            {
                // memcached closed the connection: the reader sees it
            }
        }, "differential-writer");
        writer.start();
        try
        {
            while (true)
            {
                final int n;
                try
                {
                    n = in.read(buffer);
                }
                catch (final SocketTimeoutException ex)
                {
                    throw new AssertionError("memcached sent no " + waitedFor + " within 10 s; got " +
                        clip.apply(got.toByteArray()) + "\nfor " + clip.apply(request), ex);
                }
                catch (final IOException ex)
                {
                    return new Reply(got.toByteArray(), true);
                }
                if (n < 0)
                {
                    return new Reply(got.toByteArray(), true);
                }
                got.write(buffer, 0, n);
                if (done.test(got.toByteArray()))
                {
                    return new Reply(got.toByteArray(), false);
                }
            }
        }
        finally
        {
            try
            {
                writer.join(10_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static int countMn(final byte[] bytes)
    {
        int count = 0;
        for (int i = 0; i + MN.length <= bytes.length; i++)
        {
            if ((i == 0 || bytes[i - 1] == '\n') && bytes[i] == 'M' && bytes[i + 1] == 'N' && bytes[i + 2] == '\r' &&
                bytes[i + 3] == '\n')
            {
                count++;
            }
        }
        return count;
    }

    private static boolean endsWith(final byte[] all, final byte[] suffix)
    {
        if (all.length < suffix.length)
        {
            return false;
        }
        for (int i = 0; i < suffix.length; i++)
        {
            if (all[all.length - suffix.length + i] != suffix[i])
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Start the real memcached on the port, without its background threads (see the class comment), as root when
     * the tests run as root. Without it the calling test is skipped, or fails when {@code CI=true}.
     */
    static Process startMemcached(final int port) throws IOException
    {
        if (!new File(MEMCACHED).canExecute())
        {
            if ("true".equalsIgnoreCase(System.getenv("CI")))
            {
                throw new AssertionError(MEMCACHED + " is missing: CI needs the real memcached as the reference " +
                    "(apt-get install memcached)");
            }
            Assumptions.abort(MEMCACHED + " is not installed");
        }
        final List<String> command = new ArrayList<>(List.of(MEMCACHED, "-p", String.valueOf(port), "-U", "0", "-l",
            "127.0.0.1", "-o", "no_lru_maintainer,no_lru_crawler"));
        if ("root".equals(System.getProperty("user.name")))
        {
            command.add("-u");
            command.add("root");
        }
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    }

    static void stop(final Process memcached) throws InterruptedException
    {
        memcached.destroy();
        if (!memcached.waitFor(5, TimeUnit.SECONDS))
        {
            memcached.destroyForcibly();
        }
    }

    static Socket connect(final int port) throws IOException
    {
        final Socket socket = new Socket();
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(10_000);
        return socket;
    }

    static int freePort() throws IOException
    {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return s.getLocalPort();
        }
    }

    /**
     * Wait until memcached listens, as record.py does: in {@code /proc/net/tcp} when there is one, so that no probe
     * connection is made; otherwise by connecting.
     */
    static void awaitListening(final Process process, final int port) throws Exception
    {
        final String want = String.format(Locale.ROOT, ":%04X", port);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline)
        {
            if (!process.isAlive())
            {
                throw new AssertionError("memcached exited with " + process.exitValue());
            }
            if (Files.isReadable(Paths.get("/proc/net/tcp")))
            {
                for (final String line : Files.readAllLines(Paths.get("/proc/net/tcp")))
                {
                    final String[] f = line.trim().split("\\s+");
                    if (f.length > 3 && f[1].endsWith(want) && "0A".equals(f[3]))
                    {
                        return;
                    }
                }
            }
            else
            {
                try
                {
                    connect(port).close();
                    return;
                }
                catch (final IOException notYet)
                {
                    // not listening yet
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("memcached did not listen on port " + port + " within 10 s");
    }
}
