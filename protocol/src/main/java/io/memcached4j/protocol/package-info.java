/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */

/**
 * memcached's ASCII, meta and binary protocols over the engine. A {@link io.memcached4j.protocol.Session} is one
 * connection: it is given the bytes that arrived, consumes what it can, and appends memcached's replies to an output
 * buffer of fixed size; it has no socket and no thread of its own, so the network server and the tests drive it the
 * same way. {@link io.memcached4j.protocol.ServerSettings} carries memcached's command-line settings that the protocol
 * reads, {@link io.memcached4j.protocol.ServerState} what all connections of one server share.
 */
package io.memcached4j.protocol;
