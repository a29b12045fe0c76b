/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */
package io.memcached4j.protocol;

/**
 * The state a connection would be in in memcached's state machine ({@code drive_machine}): what {@code stats conns}
 * shows, and what {@code -vvv} prints as memcached's {@code "N: going from conn_x to conn_y"} lines. The session and
 * its driver report the points where memcached changes state: data read, a request parsed, a value to read or
 * swallow, a request done, the end of what was read, replies sent, the close.
 * <p>
 * Printed when the server started at {@code -vvv} (the {@code verbosity} command cannot raise the level that high),
 * while the level stays there. Written by the session's thread only; {@code stats conns} reads the state from
 * other threads, as memcached does, without a lock.
 */
final class ConnStates
{
    static final String NEW_CMD = "conn_new_cmd";
    static final String WAITING = "conn_waiting";
    static final String READ = "conn_read";
    static final String PARSE_CMD = "conn_parse_cmd";
    static final String NREAD = "conn_nread";
    static final String SWALLOW = "conn_swallow";
    static final String MWRITE = "conn_mwrite";
    static final String WATCH = "conn_watch";
    static final String CLOSING = "conn_closing";
    static final String CLOSED = "conn_closed";

    private final Session session;
    private final boolean printed;
    /** Whether the driver reports reads ({@link #dataRead()}): a session driven in memory does not. */
    private boolean driven;
    private String state;
    /** Whether replies were queued since the last write: memcached's {@code resp_head}. */
    private boolean responded;
    /** Whether the request being finished had its reply sent at once ({@link #sentAtOnce()}). */
    private boolean sentNow;
    /** Whether memcached yields once the queued replies are sent ({@code -R} spent), staying in conn_new_cmd. */
    private boolean yieldAfterSend;
    /** Whether another thread of memcached's serves the connection ({@code watch}, crawler dumps). */
    private boolean sideThread;
    /**
     * Whether the connection came back from a crawler dump: memcached's worker sets it to conn_new_cmd and goes on
     * only at its next read event ({@code conn_worker_readd}), so it stays there until then.
     */
    private boolean resumeOnRead;

    ConnStates(final Session session, final boolean printed, final String initial)
    {
        this.session = session;
        this.printed = printed;
        this.state = initial;
    }

    /**
     * memcached's state, once the driver reports its reads.
     *
     * @return the state's name, or null for a session driven in memory.
     */
    String state()
    {
        return driven ? state : null;
    }

    /**
     * Whether the driver reports its reads ({@link #dataRead()}): a socket's driver does, a session driven in memory
     * does not.
     *
     * @return true once a read was reported.
     */
    boolean driven()
    {
        return driven;
    }

    /**
     * memcached's state, whether or not the driver reports its reads.
     *
     * @return the state's name.
     */
    String current()
    {
        return state;
    }

    /**
     * Move to a state, printing the change.
     *
     * @param next the state.
     */
    void to(final String next)
    {
        if (next.equals(state))
        {
            return;
        }
        if (printed && session.server.verbosity() > 2)
        {
            session.host().verbose(session.connectionId() + ": going from " + state + " to " + next);
        }
        state = next;
    }

    /**
     * Bytes arrived: a new connection waits, then reads; one that waited for a request parses it. A value being read
     * or swallowed goes on.
     */
    void dataRead()
    {
        driven = true;
        if (resumeOnRead)
        {
            resume(false);
        }
        if (state.equals(NEW_CMD))
        {
            to(WAITING);
            to(READ);
        }
        if (state.equals(READ))
        {
            to(PARSE_CMD);
        }
    }

    /**
     * The protocol looks for the next request: after one is done, memcached parses again when bytes are left.
     *
     * @param bytesLeft whether unparsed bytes are in the buffer.
     */
    void parsing(final boolean bytesLeft)
    {
        if (bytesLeft && state.equals(NEW_CMD))
        {
            to(PARSE_CMD);
        }
    }

    /**
     * The connection is handed to another of memcached's threads: its logger ({@code watch}) or its LRU crawler
     * (dumps).
     */
    void sideThread()
    {
        sideThread = true;
        to(WATCH);
    }

    /**
     * Whether a close now comes from the thread that serves the connection instead of its worker.
     *
     * @return true while handed to another thread.
     */
    boolean closingFromSideThread()
    {
        return sideThread;
    }

    /**
     * A request is done and its reply queued (a dump: the connection is back from the crawler).
     */
    void requestDone()
    {
        resumeOnRead = sideThread && driven;
        sideThread = false;
        to(NEW_CMD);
        responded = !sentNow;
        sentNow = false;
    }

    /**
     * The read event that a connection back from a crawler dump waited for: with bytes the client sent after the
     * dump already in its buffer memcached parses them; otherwise it sends what it queued, waits and reads.
     *
     * @param held whether input was held in the buffer.
     */
    void resume(final boolean held)
    {
        if (!resumeOnRead)
        {
            return;
        }
        resumeOnRead = false;
        if (held)
        {
            to(PARSE_CMD);
            return;
        }
        if (responded)
        {
            to(MWRITE);
            to(NEW_CMD);
            responded = false;
        }
        to(WAITING);
        to(READ);
    }

    /**
     * A binary reply memcached sends at once with what is queued (an error, mostly), before the next request.
     */
    void sentAtOnce()
    {
        to(MWRITE);
        to(NEW_CMD);
        responded = false;
        sentNow = true;
    }

    /**
     * A body swallowed from bytes memcached read for it alone is done: with nothing left in its buffer, memcached
     * sends what it queued, then waits for and reads the next request (the bytes this buffer already holds).
     *
     * @param bytesLeft whether bytes after the swallowed body are in the buffer.
     */
    void sentAfterSwallow(final boolean bytesLeft)
    {
        if (responded)
        {
            to(MWRITE);
            to(NEW_CMD);
        }
        responded = false;
        sentNow = false;
        if (bytesLeft)
        {
            to(WAITING);
            to(READ);
            to(PARSE_CMD);
        }
    }

    /**
     * No complete request is left in what was read: memcached sends what it queued, or waits for more.
     */
    void inputConsumed()
    {
        if (resumeOnRead)
        {
            return;
        }
        if (state.equals(NEW_CMD) || state.equals(PARSE_CMD))
        {
            if (responded)
            {
                to(MWRITE);
            }
            else
            {
                to(WAITING);
                to(READ);
            }
        }
    }

    /**
     * The connection yields after {@code -R} requests: memcached sends what it queued first.
     */
    void yielding()
    {
        if (state.equals(NEW_CMD) && responded)
        {
            to(MWRITE);
        }
    }

    /**
     * Everything queued was sent before a yield: memcached comes back to {@code conn_new_cmd} and parses the rest
     * when the connection's turn comes again.
     */
    void sentOnYield()
    {
        if (state.equals(MWRITE))
        {
            responded = false;
            to(NEW_CMD);
        }
    }

    /**
     * memcached yields once the queued replies are sent: {@code -R} is spent.
     */
    void yieldOnceSent()
    {
        yieldAfterSend = true;
    }

    /**
     * Everything queued was sent.
     *
     * @param bytesLeft whether an incomplete request is left in the buffer.
     */
    void sent(final boolean bytesLeft)
    {
        if (resumeOnRead || !state.equals(MWRITE))
        {
            return;
        }
        responded = false;
        to(NEW_CMD);
        final boolean yielding = yieldAfterSend;
        yieldAfterSend = false;
        if (yielding && !bytesLeft)
        {
            // it stays in conn_new_cmd until bytes arrive, then waits and reads as a new connection does
            return;
        }
        if (bytesLeft)
        {
            to(PARSE_CMD);
        }
        to(WAITING);
        to(READ);
    }

    /**
     * The client closed its side. memcached learns it from a read that returns nothing: a connection in
     * {@code conn_new_cmd} (one that never sent a request, or is back from a yield with nothing left to parse) first
     * waits and reads, as it would for a request.
     */
    void endOfInput()
    {
        if (resumeOnRead)
        {
            resume(false);
            return;
        }
        if (!sideThread && state.equals(NEW_CMD) && !responded)
        {
            to(WAITING);
            to(READ);
        }
    }

    /**
     * The connection closes: what memcached prints before its {@code "connection closed."} line.
     */
    void closing()
    {
        if (sideThread)
        {
            // the other thread sets the state without printing it
            state = CLOSING;
            return;
        }
        if (state.equals(NEW_CMD) && responded)
        {
            to(MWRITE);
        }
        if (state.equals(MWRITE))
        {
            to(NEW_CMD);
        }
        to(CLOSING);
    }

    /**
     * The connection is closed: what memcached prints after its {@code "connection closed."} line.
     */
    void closed()
    {
        to(CLOSED);
    }
}
