/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays every golden transcript under {@code src/test/resources/transcripts/} (recorded from memcached 1.6.18 or
 * 1.6.39; format in {@code src/test/transcripts-tools/README.md}) against a fresh in-memory
 * session configured with the case's {@code args}: the input in one write, then in five seeded random splits (random
 * output sends too), then byte by byte. Each run compares the normalized output ({@link #normalize}, a port of
 * {@code record.py}'s) with the normalized {@code expected.bin}, and checks {@code closes}: whether the session
 * closed on its own before the client half-closed.
 * <p>
 * Seeds: the random splits of case {@code c} use {@code base ^ c.hashCode() + i}, {@code base} from
 * {@code -Dtranscripts.seed} (default 0x6d656d63), and are printed in the test names.
 */
class TranscriptReplayTest
{
    private static final long BASE_SEED = Long.getLong("transcripts.seed", 0x6d656d63L);
    private static final int RANDOM_SPLITS = 5;

    /**
     * Cases whose output in memcached itself depends on how the input is split into reads; they are replayed whole
     * only (as recorded), since a split run would expect a different transcript.
     */
    private static final Map<String, String> WHOLE_ONLY = Map.of(
        // A non-get line longer than 2048 bytes is only accepted when its newline arrives in the same read:
        // try_read_command_ascii() closes the connection when more than 2048 bytes sit in the read buffer without a
        // newline and the line is not "get "/"gets " (proto_text.c).
        "misc-long-line-with-newline", "an incr line of 2108 bytes: split, memcached closes at 2049 bytes",
        // The same check skips at most 100 leading spaces before looking for "get ": 2100 spaces close when split.
        "retrieval-get-leading-spaces-long", "2100 spaces before get: split, memcached closes at 2049 bytes",
        // memcached sends queued replies whenever it runs out of complete commands (conn_parse_cmd -> conn_mwrite);
        // recorded in one read, the VERSION reply was still queued when the HTTP line closed the connection and was
        // discarded. Split after the first line, VERSION is sent before the HTTP line arrives.
        "misc-http-after-command", "split, the VERSION reply is sent before the HTTP line arrives",
        // Same: the queued reply of the first frame is discarded by the close only if the bad magic byte arrives
        // in the same read; split, it is flushed first.
        "binary-unknown-opcode-misaligns-stream", "split, the first frame's reply is sent before the bad magic",
        // A too-long key in a multi-get culls every unsent reply (conn_release_items() in process_get_command()),
        // the STORED of the set before it included, but only while that STORED is still queued: split between the
        // two commands, memcached sends STORED first.
        "retrieval-get-key-too-long-in-multi", "split after the set, STORED is sent before the get fails",
        // 1.6.18 refuses the dump only while other replies are queued (resp_has_stack()): "in the same read".
        "misc-metadump-pipelined", "split after the set, STORED is sent and the dump runs",
        // The mg reply holds the item only while it is queued: split after it, it is sent, the ma increments in
        // place and its T lasts.
        "meta-ma-t-held-item", "split after the mg, its reply is sent and ma's T lasts");

    @TestFactory
    Stream<DynamicNode> shouldReplayEveryTranscript() throws IOException
    {
        final List<TranscriptCase> cases = cases();
        assertTrue(cases.size() >= 200, "expected the 220 transcript cases, found " + cases.size());
        final Set<String> names = cases.stream().map(TranscriptCase::name).collect(Collectors.toSet());
        assertTrue(names.containsAll(WHOLE_ONLY.keySet()), "WHOLE_ONLY names a case that does not exist");
        return cases.stream().map((c) ->
        {
            final List<DynamicNode> runs = new ArrayList<>();
            runs.add(dynamicTest("whole", () -> replay(c, "whole", SessionDriver.whole(), null)));
            if (!WHOLE_ONLY.containsKey(c.name()))
            {
                for (int i = 0; i < RANDOM_SPLITS; i++)
                {
                    final long seed = (BASE_SEED ^ c.name().hashCode()) + i;
                    final String mode = "random split, seed " + seed;
                    runs.add(dynamicTest(mode, () -> replay(
                        c, mode, SessionDriver.random(seed), SessionDriver.random(~seed))));
                }
                runs.add(dynamicTest("byte by byte", () -> replay(
                    c, "byte by byte", SessionDriver.byteByByte(), null)));
            }
            return dynamicContainer(c.name(), runs);
        });
    }

    private static void replay(
        final TranscriptCase c, final String mode, final SessionDriver.Chunker chunker,
        final SessionDriver.Chunker output)
    {
        final SessionDriver.Result result;
        try (SessionDriver driver = SessionDriver.create(c.args()))
        {
            result = driver.converse(c.input(), chunker, output);
            assertTrue(driver.outputBuffersAllocated() <= 1, c.name() + " (" + mode + "): one session took " +
                driver.outputBuffersAllocated() + " output buffers from the pool");
        }
        final byte[] expected = normalizeAsDocumented(c.expected(), c.masks());
        final byte[] actual = normalizeAsDocumented(result.output(), c.masks());
        if (!Arrays.equals(expected, actual))
        {
            throw new AssertionError(c.name() + " (" + mode + ", args \"" + c.args() + "\", masks \"" + c.masks() +
                "\"): output differs\n" + c.description() + "\n" + diff(c.input(), expected, actual));
        }
        assertEquals(c.closes(), result.closedBySession(), () -> c.name() + " (" + mode + "): memcached " +
            (c.closes() ? "closes the connection by itself" : "keeps the connection open until the client " +
            "half-closes") + " but the session " + (result.closedBySession() ? "closed it" : "did not close it") +
            "\ninput: " + clip(c.input(), 0, c.input().length));
    }

    /**
     * A readable account of where two outputs part: the common prefix's length, then each side from a little before
     * the first difference, escaped; the input too, clipped.
     */
    static String diff(final byte[] input, final byte[] expected, final byte[] actual)
    {
        int first = 0;
        while (first < expected.length && first < actual.length && expected[first] == actual[first])
        {
            first++;
        }
        int lineStart = first;
        while (lineStart > 0 && expected[lineStart - 1] != '\n')
        {
            lineStart--;
        }
        final int from = Math.max(0, Math.min(lineStart, first - 200));
        final StringBuilder sb = new StringBuilder();
        sb.append("first difference at byte ").append(first).append(" (expected ").append(expected.length)
            .append(" bytes, actual ").append(actual.length).append(")\n");
        sb.append("input    : ").append(clip(input, 0, input.length)).append('\n');
        sb.append("expected : ").append(from > 0 ? "..." : "").append(clip(expected, from, expected.length))
            .append('\n');
        sb.append("actual   : ").append(from > 0 ? "..." : "").append(clip(actual, from, actual.length))
            .append('\n');
        return sb.toString();
    }

    static String clip(final byte[] bytes, final int from, final int to)
    {
        final int max = 1200;
        if (to - from <= max)
        {
            return SessionDriver.escape(bytes, from, to);
        }
        return SessionDriver.escape(bytes, from, from + max * 2 / 3) + "...<" + (to - from - max) + " bytes>..." +
            SessionDriver.escape(bytes, to - max / 3, to);
    }

    static List<TranscriptCase> cases() throws IOException
    {
        final URL root = TranscriptReplayTest.class.getResource("/transcripts");
        final Path dir;
        try
        {
            dir = root != null ? Paths.get(root.toURI()) : Paths.get("src", "test", "resources", "transcripts");
        }
        catch (final URISyntaxException ex)
        {
            throw new IOException(ex);
        }
        final List<TranscriptCase> cases = new ArrayList<>();
        try (Stream<Path> list = Files.list(dir))
        {
            for (final Path p : list.sorted().collect(Collectors.toList()))
            {
                if (Files.isRegularFile(p.resolve("input.bin")))
                {
                    cases.add(TranscriptCase.load(p));
                }
            }
        }
        return cases;
    }

    /**
     * One transcript.
     *
     * @param name        the directory name.
     * @param input       input.bin.
     * @param expected    expected.bin.
     * @param args        memcached arguments.
     * @param closes      whether memcached closed by itself.
     * @param masks       the masks, comma separated.
     * @param description what the case shows.
     */
    record TranscriptCase(String name, byte[] input, byte[] expected, String args, boolean closes, String masks,
        String description)
    {
        static TranscriptCase load(final Path dir) throws IOException
        {
            final Properties p = new Properties();
            try (InputStream in = Files.newInputStream(dir.resolve("case.properties")))
            {
                p.load(in);
            }
            final String closes = p.getProperty("closes");
            if (!"true".equals(closes) && !"false".equals(closes))
            {
                throw new IOException(dir + ": closes=" + closes);
            }
            return new TranscriptCase(dir.getFileName().toString(), Files.readAllBytes(dir.resolve("input.bin")),
                Files.readAllBytes(dir.resolve("expected.bin")), p.getProperty("args", ""),
                Boolean.parseBoolean(closes), p.getProperty("masks", ""), p.getProperty("description", ""));
        }

        @Override
        public String toString()
        {
            return name;
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // normalize(): a port of record.py's, the reference definition of the masks. Bytes map 1:1 onto ISO-8859-1 chars,
    // and the patterns use UNIX_LINES so that ^ and $ see only \n as a line end, as Python's re.M does. Python's \b
    // on bytes knows only ASCII word characters; Java 17's \b does not, so it is spelt out as a look-behind.

    private static final byte[] MASK = "<MASKED>".getBytes(ISO_8859_1);
    private static final String MASK_TEXT = "<MASKED>";
    private static final int FLAGS = Pattern.MULTILINE | Pattern.UNIX_LINES;
    private static final Pattern STAT_RUN = Pattern.compile("(?:STAT [^\r\n]*\r\n)+", FLAGS);
    private static final Pattern VERSION = Pattern.compile("^VERSION [^\r\n]*\r$", FLAGS);
    private static final Pattern VALUE_CAS = Pattern.compile("^(VALUE \\S+ \\d+ \\d+) \\d+\r$", FLAGS);
    private static final Pattern META_LINE = Pattern.compile("^(?:HD|VA|EN|NF|NS|EX)(?: [^\r\n]*)?\r$", FLAGS);
    private static final Pattern ME_LINE = Pattern.compile("^(ME |key=)[^\r\n]*\r?$", FLAGS);
    private static final Pattern ME_LINE_CRLF = Pattern.compile("^(ME |key=)[^\r\n]*(?=\r\n)", FLAGS);
    private static final Pattern CACHEDUMP = Pattern.compile("^(ITEM \\S+ \\[\\d+ b; )\\d+( s\\]\r)$", FLAGS);
    private static final Pattern ME_CAS = Pattern.compile("(?<![A-Za-z0-9_])cas=\\d+");
    private static final Pattern ME_TIMES = Pattern.compile("(?<![A-Za-z0-9_])(exp|la)=-?\\d+");
    private static final Pattern FLAG_NUMBER = Pattern.compile("-?\\d+\r?");

    /**
     * Apply the masks named in case.properties to a response stream, exactly as {@code record.py}'s
     * {@code normalize()} does.
     *
     * @param data  the response bytes.
     * @param masks comma separated: {@code cas}, {@code time}, {@code stats}, {@code version}.
     * @return the normalized bytes.
     */
    static byte[] normalize(final byte[] data, final String masks)
    {
        return normalize(data, masks, ME_LINE);
    }

    /**
     * {@link #normalize} with the ME-line mask spelled out for CRLF line ends: {@code exp=}, {@code la=} and
     * {@code cas=} are masked on {@code ME} replies as the README says (record.py once missed them, and
     * {@code meta-me-ttl} compared 1.6.18's negated TTL, {@code exp=-100}, with 1.6.39's {@code exp=100}).
     *
     * @param data  the response bytes.
     * @param masks the masks.
     * @return the normalized bytes.
     */
    static byte[] normalizeAsDocumented(final byte[] data, final String masks)
    {
        return normalize(data, masks, ME_LINE_CRLF);
    }

    /**
     * @param meLine {@link #ME_LINE} for record.py's behaviour, or a pattern for the ME lines masked in addition.
     */
    private static byte[] normalize(final byte[] data, final String masks, final Pattern meLine)
    {
        final Set<String> set = new HashSet<>();
        for (final String m : masks.split(","))
        {
            if (!m.strip().isEmpty())
            {
                set.add(m.strip());
            }
        }
        if (set.isEmpty())
        {
            return data;
        }
        if (data.length > 0 && (data[0] & 0xFF) == 0x81)
        {
            return normalizeBinary(data, set);
        }
        return normalizeAscii(new String(data, ISO_8859_1), set, meLine).getBytes(ISO_8859_1);
    }

    private static byte[] normalizeBinary(final byte[] data, final Set<String> masks)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pos = 0;
        boolean inStats = false;
        while (pos + 24 <= data.length && (data[pos] & 0xFF) == 0x81)
        {
            final byte[] hdr = Arrays.copyOfRange(data, pos, pos + 24);
            final int opcode = hdr[1] & 0xFF;
            final int keylen = ((hdr[2] & 0xFF) << 8) | (hdr[3] & 0xFF);
            final long bodylen = ((hdr[8] & 0xFFL) << 24) | ((hdr[9] & 0xFF) << 16) | ((hdr[10] & 0xFF) << 8) |
                (hdr[11] & 0xFF);
            final int bodyEnd = (int)Math.min(data.length, pos + 24 + bodylen);
            byte[] body = Arrays.copyOfRange(data, Math.min(pos + 24, data.length), bodyEnd);
            final long next = pos + 24 + bodylen;
            pos = (int)Math.min(next, Integer.MAX_VALUE);
            if (masks.contains("stats") && opcode == 0x10)
            {
                if (keylen > 0)
                {
                    if (!inStats)
                    {
                        out.writeBytes("<STATS>".getBytes(ISO_8859_1));
                        inStats = true;
                    }
                    continue;
                }
                inStats = false;
                Arrays.fill(hdr, 16, 24, (byte)0);
                out.writeBytes(hdr);
                out.writeBytes(body);
                continue;
            }
            inStats = false;
            if (masks.contains("cas"))
            {
                Arrays.fill(hdr, 16, 24, (byte)0);
            }
            if (masks.contains("version") && opcode == 0x0b && hdr[6] == 0 && hdr[7] == 0)
            {
                Arrays.fill(hdr, 8, 12, (byte)0);
                body = MASK;
            }
            out.writeBytes(hdr);
            out.writeBytes(body);
        }
        if (pos < data.length)
        {
            out.write(data, pos, data.length - pos);
        }
        return out.toByteArray();
    }

    private static String normalizeAscii(final String input, final Set<String> masks, final Pattern meLine)
    {
        String data = input;
        if (masks.contains("stats"))
        {
            data = STAT_RUN.matcher(data).replaceAll("<STATS>\r\n");
        }
        if (masks.contains("version"))
        {
            data = VERSION.matcher(data).replaceAll("VERSION " + MASK_TEXT + "\r");
        }
        if (masks.contains("cas"))
        {
            data = VALUE_CAS.matcher(data).replaceAll("$1 " + MASK_TEXT + "\r");
            data = replace(META_LINE, data, (line) -> maskMetaFlags(line, "c"));
            data = replace(ME_LINE, data, (line) -> ME_CAS.matcher(line).replaceAll("cas=" + MASK_TEXT));
            data = meLine == ME_LINE ? data :
                replace(meLine, data, (line) -> ME_CAS.matcher(line).replaceAll("cas=" + MASK_TEXT));
        }
        if (masks.contains("time"))
        {
            data = replace(META_LINE, data, (line) -> maskMetaFlags(line, "tl"));
            data = replace(ME_LINE, data, (line) -> ME_TIMES.matcher(line).replaceAll("$1=" + MASK_TEXT));
            data = meLine == ME_LINE ? data :
                replace(meLine, data, (line) -> ME_TIMES.matcher(line).replaceAll("$1=" + MASK_TEXT));
            data = CACHEDUMP.matcher(data).replaceAll("$1" + MASK_TEXT + "$2");
        }
        return data;
    }

    private static String replace(final Pattern pattern, final String data, final Function<String, String> f)
    {
        final Matcher m = pattern.matcher(data);
        final StringBuilder sb = new StringBuilder();
        while (m.find())
        {
            m.appendReplacement(sb, Matcher.quoteReplacement(f.apply(m.group())));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static String maskMetaFlags(final String line, final String letters)
    {
        final String[] toks = line.split(" ", -1);
        for (int i = 1; i < toks.length; i++)
        {
            final String tok = toks[i];
            if (tok.length() >= 2 && letters.indexOf(tok.charAt(0)) >= 0 &&
                FLAG_NUMBER.matcher(tok.substring(1)).matches())
            {
                toks[i] = tok.charAt(0) + MASK_TEXT + (tok.endsWith("\r") ? "\r" : "");
            }
        }
        return String.join(" ", toks);
    }

    /**
     * The port agrees with record.py on samples whose normalized form was computed with record.py itself.
     */
    @Test
    void shouldNormalizeAsRecordPyDoes()
    {
        final String sample = "VALUE k 0 1 5\r\nx\r\nEND\r\nHD c12 t-1 l3 kfoo\r\nVA 2 c7\r\nhi\r\n" +
            "ME k exp=-1 la=2 cas=3 fetch=no\r\nME k exp=5 la=2 cas=3\nSTAT pid 1\r\nSTAT x y\r\nEND\r\n" +
            "VERSION 1.6.18\r\nITEM k [1 b; 1234 s]\r\nEN\r\nHD c-5\r\nNF  c1\r\n";
        // python3 -c 'import record; print(record.normalize(sample, "cas,time,stats,version"))'; ME lines are masked
        // whether they end in \r\n (replies) or \n (metadump).
        assertEquals("VALUE k 0 1 <MASKED>\r\nx\r\nEND\r\nHD c<MASKED> t<MASKED> l<MASKED> kfoo\r\nVA 2 c<MASKED>\r\n" +
            "hi\r\nME k exp=<MASKED> la=<MASKED> cas=<MASKED> fetch=no\r\n" +
            "ME k exp=<MASKED> la=<MASKED> cas=<MASKED>\n<STATS>\r\n" +
            "END\r\nVERSION <MASKED>\r\nITEM k [1 b; <MASKED> s]\r\nEN\r\nHD c<MASKED>\r\nNF  c<MASKED>\r\n",
            new String(normalize(sample.getBytes(ISO_8859_1), "cas,time,stats,version"), ISO_8859_1));
        assertEquals("HD c<MASKED> t-1 l3\r\n",
            new String(normalize("HD c12 t-1 l3\r\n".getBytes(ISO_8859_1), "cas"), ISO_8859_1));
        assertEquals("HD c12 t<MASKED> l<MASKED>\r\n",
            new String(normalize("HD c12 t-1 l3\r\n".getBytes(ISO_8859_1), " time "), ISO_8859_1));
        final byte[] binary = hex("810b00000000000000000006000000010000000000000009312e362e3138" +
            "81100003000000000000000400000000000000000000000170696437" +
            "81100000000000000000000000000000000000000000000581000000");
        assertEquals("810b000000000000000000000000000100000000000000003c4d41534b45443e3c53544154533e8110000000000000" +
            "0000000000000000000000000000000081000000", toHex(normalize(binary, "cas,version,stats")));
        assertEquals("810b000000000000000000000000000100000000000000093c4d41534b45443e811000030000000000000004000000" +
            "0000000000000000017069643781100000000000000000000000000000000000000000000581000000",
            toHex(normalize(binary, "version")));
        assertEquals("ME k exp=<MASKED> la=<MASKED> cas=<MASKED> fetch=no\r\n", new String(normalizeAsDocumented(
            "ME k exp=-100 la=0 cas=1 fetch=no\r\n".getBytes(ISO_8859_1), "time,cas"), ISO_8859_1));
    }

    private static byte[] hex(final String s)
    {
        final byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++)
        {
            b[i] = (byte)Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    private static String toHex(final byte[] b)
    {
        final StringBuilder sb = new StringBuilder();
        for (final byte x : b)
        {
            sb.append(String.format("%02x", x & 0xFF));
        }
        return sb.toString();
    }
}
