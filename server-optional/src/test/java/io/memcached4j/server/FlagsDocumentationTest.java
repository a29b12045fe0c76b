/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FLAGS.md has a row for every flag and {@code -o} key the parser knows, with the disposition the parser applies and
 * the help text of {@code -h}; {@code -h} names every key.
 */
class FlagsDocumentationTest
{
    private static final String[] WORDS = {"applied", "ignored with notice", "refused"};

    @Test
    void shouldListEveryFlagAndSubOption() throws Exception
    {
        final List<String> rows = rows();
        final List<String> missing = new ArrayList<>();
        for (final Flags.Flag f : Flags.FLAGS)
        {
            final String expected = "| `-" + f.shortName() + "` | " +
                (f.longName() == null ? "" : "`--" + f.longName() + "`") + " | " + WORDS[f.disposition().ordinal()] +
                " |";
            if (rows.stream().noneMatch(r -> r.startsWith(expected)))
            {
                missing.add(expected);
            }
        }
        for (final Flags.SubOption s : Flags.SUB_OPTIONS)
        {
            final String expected = "| `" + s.key() + "` | " + WORDS[s.disposition().ordinal()] + " |";
            if (rows.stream().noneMatch(r -> r.startsWith(expected)))
            {
                missing.add(expected);
            }
        }
        assertTrue(missing.isEmpty(), () -> "FLAGS.md lacks:\n" + String.join("\n", missing));
        assertTrue(rows.size() == Flags.FLAGS.size() + Flags.SUB_OPTIONS.size(),
            "FLAGS.md has rows for flags the parser does not know");
    }

    /**
     * Every row is a whole table row, and its notes start with the line {@code -h} prints, so that the two say the
     * same.
     */
    @Test
    void shouldStartEveryRowsNotesWithTheHelpLine() throws Exception
    {
        final List<String> wrong = new ArrayList<>();
        for (final String row : rows())
        {
            if (!row.endsWith(" |"))
            {
                wrong.add("not closed: " + row);
            }
        }
        for (final Flags.Flag f : Flags.FLAGS)
        {
            final String start = "| `-" + f.shortName() + "` | " +
                (f.longName() == null ? "" : "`--" + f.longName() + "`") + " | " + WORDS[f.disposition().ordinal()] +
                " | " + f.help();
            if (rows().stream().noneMatch(r -> r.startsWith(start)))
            {
                wrong.add("-" + f.shortName() + "'s notes do not start with: " + f.help());
            }
        }
        for (final Flags.SubOption s : Flags.SUB_OPTIONS)
        {
            final String start = "| `" + s.key() + "` | " + WORDS[s.disposition().ordinal()] + " | " +
                (s.help() == null ? "" : s.help());
            if (rows().stream().noneMatch(r -> r.startsWith(start)))
            {
                wrong.add(s.key() + "'s notes do not start with: " + s.help());
            }
        }
        assertTrue(wrong.isEmpty(), () -> "FLAGS.md:\n" + String.join("\n", wrong));
    }

    /**
     * {@code -h} names every {@code -o} key: on a line of its own, in the list of keys read as memcached reads them,
     * or, for the refused ones, by their prefix ({@code ext_*}).
     */
    @Test
    void shouldNameEveryKeyInTheHelpText()
    {
        final String help = Usage.help();
        final List<String> missing = new ArrayList<>();
        for (final Flags.SubOption s : Flags.SUB_OPTIONS)
        {
            final String named = s.disposition() == Flags.Disposition.REFUSED ?
                java.util.regex.Pattern.quote(s.key().substring(0, s.key().indexOf('_') + 1) + "*") :
                java.util.regex.Pattern.quote(s.key());
            if (!java.util.regex.Pattern.compile("(?<![A-Za-z_])" + named + "(?![A-Za-z_])").matcher(help).find())
            {
                missing.add(s.key());
            }
        }
        assertTrue(missing.isEmpty(), () -> "-h does not name " + missing + ":\n" + help);
    }

    private static List<String> rows() throws java.io.IOException
    {
        final Path doc = Path.of(System.getProperty("memcached4j.test.moduleDir", "."), "FLAGS.md");
        final List<String> rows = new ArrayList<>();
        for (final String line : Files.readAllLines(doc, StandardCharsets.UTF_8))
        {
            if (line.startsWith("| `"))
            {
                rows.add(line);
            }
        }
        return rows;
    }

    @Test
    void shouldParseEveryAppliedOrIgnoredSubOption()
    {
        for (final Flags.SubOption s : Flags.SUB_OPTIONS)
        {
            final String value = switch (s.key())
            {
                case "hashpower" -> "=16";
                case "tail_repair_time" -> "=30";
                case "hash_algorithm" -> "=murmur3";
                case "slab_sizes" -> "=96-192";
                case "slab_chunk_max" -> "=512";
                case "slab_automove_ratio" -> "=0.5";
                case "slab_automove_window" -> "=10";
                case "hot_lru_pct", "warm_lru_pct" -> "=20";
                case "hot_max_factor", "warm_max_factor" -> "=0.5";
                case "lru_crawler_sleep", "lru_crawler_tocrawl", "idle_timeout", "temporary_ttl",
                    "watcher_logbuf_size", "worker_logbuf_size", "read_buf_mem_limit", "slab_automove",
                    "sock_cookie_id", "slab_automove_freeratio" -> "=1";
                default -> "";
            };
            try
            {
                CommandLine.parse("-o", s.key() + value);
                assertTrue(s.disposition() != Flags.Disposition.REFUSED, s.key() + " should be refused");
            }
            catch (final CommandLineException ex)
            {
                assertTrue(s.disposition() == Flags.Disposition.REFUSED, s.key() + ": " + ex.getMessage());
            }
        }
    }
}
