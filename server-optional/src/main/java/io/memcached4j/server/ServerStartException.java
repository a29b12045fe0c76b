/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.server;

/**
 * The server could not start (a port in use, an address that does not resolve, {@code -c} too low): memcached's
 * message and exit status.
 */
public final class ServerStartException extends Exception
{
    private static final long serialVersionUID = 1L;

    /** The exit status. */
    private final int exitCode;

    /**
     * A failure to start.
     *
     * @param message  what memcached prints.
     * @param exitCode memcached's exit status.
     */
    public ServerStartException(final String message, final int exitCode)
    {
        super(message);
        this.exitCode = exitCode;
    }

    /**
     * The exit status.
     *
     * @return memcached's status.
     */
    public int exitCode()
    {
        return exitCode;
    }
}
