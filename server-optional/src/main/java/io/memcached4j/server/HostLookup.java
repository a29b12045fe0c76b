/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The addresses of a {@code -l} host as memcached gets them from glibc's {@code getaddrinfo}, which differs from the
 * JDK's {@link InetAddress#getAllByName} on numbers:
 * <ul>
 * <li>An IPv4 address in any form {@code inet_aton} reads: one to four parts separated by dots, each decimal, octal
 * (a leading {@code 0}) or hexadecimal ({@code 0x}), the last part filling the bytes left ({@code 127.1},
 * {@code 0x7f.1}, {@code 2130706433}, {@code 0177.0.0.1}, {@code 127.0.0.01}). The JDK reads only decimal parts,
 * {@code 0127.0.0.1} as 127.0.0.1 where {@code inet_aton} reads octal 87.0.0.1, and refuses hexadecimal.</li>
 * <li>A name of digits and dots that {@code inet_aton} does not read, such as {@code 08.0.0.1} (8 is no octal
 * digit), is a host name to glibc, which it looks up and finds nowhere but in a hosts file listing that very name;
 * the JDK reads it as the decimal address 8.0.0.1. Here it has no address.</li>
 * <li>An IPv4-mapped IPv6 address ({@code ::ffff:127.0.0.1}) stays an IPv6 address, which memcached's IPv6-only
 * socket cannot bind ({@code EINVAL}); the JDK makes an IPv4 address of it.</li>
 * </ul>
 * Other IPv6 addresses and names are looked up by the JDK, which asks {@code getaddrinfo} for names. Stateless.
 */
final class HostLookup
{
    /** gai_strerror's text for EAI_NONAME. */
    static final String NOT_KNOWN = "Name or service not known";
    /** strerror's text for EMSGSIZE. */
    static final String MESSAGE_TOO_LONG = "Message too long";
    /** The longest label of a DNS name. */
    private static final int MAX_LABEL = 63;
    /** The longest DNS name, encoded: each label after its length byte, then a 0 byte. */
    private static final int MAX_ENCODED_NAME = 255;
    /** The largest value of the last part of an address of 1, 2, 3 and 4 parts. */
    private static final long[] LAST_PART_MAX = {0xFFFF_FFFFL, 0xFF_FFFFL, 0xFFFFL, 0xFFL};

    private HostLookup()
    {
    }

    /**
     * A host that has no address: the text of {@code getaddrinfo}'s error, and the {@code errno} text it leaves.
     */
    static final class NoAddress extends Exception
    {
        private static final long serialVersionUID = 1L;

        private final String errno;

        NoAddress(final String error, final String errno)
        {
            super(error);
            this.errno = errno;
        }

        /**
         * What {@code errno} holds after the failed lookup, which memcached's "failed to listen" line prints.
         *
         * @return e.g. {@code Success}.
         */
        String errno()
        {
            return errno;
        }
    }

    /**
     * The addresses of a host, in the order the system gives them.
     *
     * @param host a numeric address or a name, not null.
     * @return the addresses; an IPv4-mapped IPv6 address is an {@link Inet6Address} of 16 bytes.
     * @throws NoAddress when the host has none, with {@code getaddrinfo}'s message.
     */
    static InetAddress[] lookUp(final String host) throws NoAddress
    {
        // the JDK would take an empty name for the loopback address; getaddrinfo has no address for it
        if (host.isEmpty())
        {
            throw notFound(host);
        }
        final byte[] ipv4 = inetAton(host);
        if (ipv4 != null)
        {
            try
            {
                return new InetAddress[] {InetAddress.getByAddress(ipv4)};
            }
            catch (final UnknownHostException ex)
            {
                throw new IllegalStateException(ex);
            }
        }
        if (isDigitsAndDots(host))
        {
            // a name to glibc, which the JDK would read as a decimal address
            throw notFound(host);
        }
        final InetAddress[] all;
        try
        {
            all = InetAddress.getAllByName(host);
        }
        catch (final UnknownHostException ex)
        {
            // the JDK's message is the host, ": " and getaddrinfo's text, when getaddrinfo was asked
            final String message = ex.getMessage();
            if (message != null && message.startsWith(host + ": ") &&
                !message.endsWith("invalid IPv6 address literal"))
            {
                throw new NoAddress(message.substring(host.length() + 2), errnoAfterLookup(host));
            }
            throw notFound(host);
        }
        if (host.indexOf(':') >= 0 && all.length == 1 && all[0] instanceof Inet4Address)
        {
            // an IPv4-mapped IPv6 address, which the JDK hands out as the IPv4 address it maps
            return new InetAddress[] {ipv4Mapped((Inet4Address)all[0])};
        }
        return all;
    }

    /**
     * glibc's {@code inet_aton} of the whole text: one to four parts separated by dots, each a number as
     * {@code strtoul} reads it in base 0 (decimal, octal after a leading {@code 0}, hexadecimal after {@code 0x}),
     * every part but the last a byte, the last filling the bytes left.
     *
     * @param text the host.
     * @return the four bytes of the address, or null when it is no such address.
     */
    static byte[] inetAton(final String text)
    {
        final long[] parts = new long[4];
        int count = 0;
        int at = 0;
        final int end = text.length();
        while (true)
        {
            if (at >= end || !isDigit(text.charAt(at)))
            {
                return null;
            }
            int base = 10;
            if (text.charAt(at) == '0')
            {
                base = 8;
                // strtoul reads "0x" as a prefix only when a hexadecimal digit follows it
                if (at + 2 < end && (text.charAt(at + 1) == 'x' || text.charAt(at + 1) == 'X') &&
                    isAscii(text.charAt(at + 2)) && Character.digit(text.charAt(at + 2), 16) >= 0)
                {
                    base = 16;
                    at += 2;
                }
            }
            long value = 0;
            while (at < end && isAscii(text.charAt(at)) && Character.digit(text.charAt(at), base) >= 0)
            {
                value = value * base + Character.digit(text.charAt(at), base);
                if (value > 0xFFFF_FFFFL)
                {
                    // more than a part can hold (strtoul's own overflow comes later, with the same answer)
                    return null;
                }
                at++;
            }
            parts[count] = value;
            if (at < end && text.charAt(at) == '.')
            {
                if (count == 3 || value > 0xFF)
                {
                    return null;
                }
                count++;
                at++;
                continue;
            }
            break;
        }
        if (at != end || parts[count] > LAST_PART_MAX[count])
        {
            return null;
        }
        long address = parts[count];
        for (int i = 0; i < count; i++)
        {
            address |= parts[i] << (24 - 8 * i);
        }
        return new byte[] {(byte)(address >>> 24), (byte)(address >>> 16), (byte)(address >>> 8), (byte)address};
    }

    /**
     * What {@code errno} holds after glibc looked a name up and found nothing: a name that cannot be put in a DNS
     * query (an empty label, a label over 63 bytes, more than 255 bytes encoded) fails to be encoded with
     * {@code EMSGSIZE}, which stays; otherwise it is 0.
     *
     * @param name the name looked up.
     * @return {@code Success} or {@code Message too long}.
     */
    static String errnoAfterLookup(final String name)
    {
        if (name.isEmpty() || ".".equals(name))
        {
            // no name, which is not looked up, and the root
            return MemcachedServer.NO_ERROR;
        }
        final String relative = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        int encoded = 1;
        int label = 0;
        for (int i = 0; i <= relative.length(); i++)
        {
            if (i == relative.length() || relative.charAt(i) == '.')
            {
                if (label == 0 || label > MAX_LABEL)
                {
                    return MESSAGE_TOO_LONG;
                }
                encoded += label + 1;
                label = 0;
            }
            else
            {
                label++;
            }
        }
        return encoded > MAX_ENCODED_NAME ? MESSAGE_TOO_LONG : MemcachedServer.NO_ERROR;
    }

    private static NoAddress notFound(final String host)
    {
        return new NoAddress(NOT_KNOWN, errnoAfterLookup(host));
    }

    private static InetAddress ipv4Mapped(final Inet4Address address)
    {
        final byte[] v4 = address.getAddress();
        final byte[] v6 = new byte[16];
        v6[10] = (byte)0xFF;
        v6[11] = (byte)0xFF;
        System.arraycopy(v4, 0, v6, 12, 4);
        try
        {
            // getByAddress would turn the mapped address back into the IPv4 one
            return Inet6Address.getByAddress(null, v6, null);
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static boolean isDigitsAndDots(final String text)
    {
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c != '.' && !isDigit(c))
            {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigit(final char c)
    {
        return c >= '0' && c <= '9';
    }

    private static boolean isAscii(final char c)
    {
        return c < 128;
    }
}
