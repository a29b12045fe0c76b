/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import io.memcached4j.protocol.ServerSettings;

/**
 * memcached 1.6.39's reading of {@code -l}, one item at a time, as its {@code server_sockets} reads it between the
 * sockets it opens. The items are split at commas and semicolons as {@code strtok} splits them (empty items skipped,
 * nothing trimmed), and each is {@code [prefix:]host[:port]}:
 * <ul>
 * <li>{@code notls}, {@code btls} and {@code mtls} are refused: they choose a listener's TLS mode, which needs TLS
 * ({@code -Z}), and memcached refuses them without it.</li>
 * <li>{@code proto[ascii]:}, {@code proto[binary]:}, {@code proto[negotiating]:} choose the listener's protocol instead
 * of {@code -B}'s; a name is any beginning of these ({@code proto[a]:}, {@code proto[]:} for ascii), another name
 * leaves {@code -B}'s protocol, and {@code proto[proxy]:} is refused, as memcached built without its proxy refuses it.
 * </li>
 * <li>{@code tag[name]:} or {@code tag_name_:} names the listener for memcached's proxy; the name must have 1 to 8
 * characters, and has no use without the proxy.</li>
 * <li>The host is an IPv6 address in brackets, or anything up to a colon that is followed by a port; a bare IPv6
 * address has more than one colon and no port. {@code *} is every address.</li>
 * </ul>
 * memcached reads the text in place: it ends the text of a prefix, an address in brackets or a host followed by a port
 * where it read it, and skips the one character it expects after a prefix's closing bracket, whatever it is. A prefix
 * that ends an item takes it to the text of the next item, which is then read (and split) as memcached reads it; the
 * text memcached prints when it refuses {@code proto[proxy]} is the first item as far as it was left. This class
 * reads the same way, over a copy of the text.
 * <p>
 * Not threadsafe.
 */
final class ListenList
{
    private static final char END = '\0';
    /** NULs after the text: memcached reads one character past an item that ends with a prefix. */
    private static final int PADDING = 4;
    private static final int MAX_TAG = 8;

    private final char[] text;
    private final int defaultPort;
    private final ServerSettings.BindingProtocol defaultProtocol;
    /** Where the next item starts, as {@code strtok_r} keeps it. */
    private int next;

    /**
     * @param inter           the {@code -l} text.
     * @param defaultPort     the port of an item without one ({@code -p}, or {@code -U}).
     * @param defaultProtocol the protocol of a listener without {@code proto[...]} ({@code -B}).
     */
    ListenList(final String inter, final int defaultPort, final ServerSettings.BindingProtocol defaultProtocol)
    {
        this.text = new char[inter.length() + PADDING];
        inter.getChars(0, inter.length(), text, 0);
        this.defaultPort = defaultPort;
        this.defaultProtocol = defaultProtocol;
    }

    /**
     * A listener to open: the host to look up (null for every address), the port and the protocol of its connections.
     *
     * @param host     the host, null for every address.
     * @param port     the port, as memcached passes it on (-1 is any free port).
     * @param protocol the protocol of the connections it accepts.
     */
    record Interface(String host, int port, ServerSettings.BindingProtocol protocol)
    {
    }

    /**
     * Read the next item.
     *
     * @return the item, or null when there is none left.
     * @throws MemcachedServer.ListenFailure memcached's message for an item it refuses; memcached reads no more items
     *                                       then.
     */
    Interface next() throws MemcachedServer.ListenFailure
    {
        int p = token();
        if (p < 0)
        {
            return null;
        }
        // memcached checks these before anything else, and each only as the item's first characters
        if (startsWith(p, "notls"))
        {
            throw refused("'notls' option is valid only when SSL is enabled\n");
        }
        if (startsWith(p, "btls"))
        {
            throw refused("'btls' option is valid only when SSL is enabled\n");
        }
        if (startsWith(p, "mtls"))
        {
            // memcached's message names it otls
            throw refused("'otls' option is valid only when SSL is enabled\n");
        }
        ServerSettings.BindingProtocol protocol = defaultProtocol;
        if (startsWith(p, "proto"))
        {
            p += "proto".length();
            if (text[p] == '[')
            {
                final int close = find(p, ']');
                if (close < 0)
                {
                    throw refused("Invalid protocol spec: \"" + string(p) + "\"\n");
                }
                final String name = new String(text, p + 1, close - p - 1);
                text[close] = END;
                // past the bracket and the colon memcached expects after it
                p = close + 2;
                if ("ascii".startsWith(name))
                {
                    protocol = ServerSettings.BindingProtocol.ASCII;
                }
                else if ("binary".startsWith(name))
                {
                    protocol = ServerSettings.BindingProtocol.BINARY;
                }
                else if ("negotiating".startsWith(name))
                {
                    protocol = ServerSettings.BindingProtocol.AUTO;
                }
                else if ("proxy".startsWith(name))
                {
                    throw refused("Server not built with proxy: \"" + string(0) + "\"\n");
                }
            }
        }
        if (startsWith(p, "tag"))
        {
            p += "tag".length();
            if (text[p] == '[' || text[p] == '_')
            {
                int close = find(p, ']');
                if (close < 0)
                {
                    close = find(p + 1, '_');
                }
                if (close < 0)
                {
                    throw refused("Invalid tag in socket config: \"" + string(p) + "\"\n");
                }
                final int start = p + 1;
                text[close] = END;
                p = close + 2;
                if (close - start < 1 || close - start > MAX_TAG)
                {
                    throw refused("Listener tags must be between 1 and 8 characters: \"" + string(start) + "\"\n");
                }
                // the tag names the listener for memcached's proxy, which memcached4j does not have
            }
        }
        int bracketed = -1;
        if (text[p] == '[')
        {
            final int close = find(p, ']');
            if (close < 0)
            {
                // memcached ends this message without a line end
                throw refused("Invalid IPV6 address: \"" + string(p) + "\"");
            }
            bracketed = p + 1;
            text[close] = END;
            p = close + 1;
        }
        int port = defaultPort;
        final int colon = find(p, ':');
        if (colon >= 0 && (find(colon + 1, ':') < 0 || bracketed >= 0))
        {
            text[colon] = END;
            final String number = string(colon + 1);
            final long parsed = CommandLine.safeStrtol(number);
            if (parsed == Long.MIN_VALUE)
            {
                throw refused("Invalid port number: \"" + number + "\"\n");
            }
            port = (int)parsed;
        }
        final String host = string(bracketed >= 0 ? bracketed : p);
        return new Interface("*".equals(host) ? null : host, port, protocol);
    }

    /**
     * {@code strtok_r} over the text: skip commas and semicolons, end the item at the next one.
     *
     * @return where the item starts, or -1 when none is left.
     */
    private int token()
    {
        int start = next;
        while (text[start] == ',' || text[start] == ';')
        {
            start++;
        }
        if (text[start] == END)
        {
            next = start;
            return -1;
        }
        int end = start;
        while (text[end] != END && text[end] != ',' && text[end] != ';')
        {
            end++;
        }
        if (text[end] == END)
        {
            next = end;
        }
        else
        {
            text[end] = END;
            next = end + 1;
        }
        return start;
    }

    private boolean startsWith(final int at, final String prefix)
    {
        for (int i = 0; i < prefix.length(); i++)
        {
            if (text[at + i] != prefix.charAt(i))
            {
                return false;
            }
        }
        return true;
    }

    /** {@code strchr}: the first {@code c} from {@code at} before the text's end there, or -1. */
    private int find(final int at, final char c)
    {
        for (int i = at; text[i] != END; i++)
        {
            if (text[i] == c)
            {
                return i;
            }
        }
        return -1;
    }

    /** The text from {@code at} to its end there. */
    private String string(final int at)
    {
        int end = at;
        while (text[end] != END)
        {
            end++;
        }
        return new String(text, at, end - at);
    }

    private static MemcachedServer.ListenFailure refused(final String lines)
    {
        return new MemcachedServer.ListenFailure(lines, MemcachedServer.NO_ERROR);
    }
}
