/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */

/**
 * The memcached-compatible network server. {@link io.memcached4j.server.CommandLine} reads memcached 1.6.39's command
 * line into {@link io.memcached4j.server.ServerOptions}; {@link io.memcached4j.server.MemcachedServer} listens on TCP
 * and unix domain sockets with one acceptor thread and {@code -t} worker event loops, each connection driven through a
 * {@link io.memcached4j.protocol.Session}; {@link io.memcached4j.server.Main} is what {@code java -jar} runs,
 * {@link io.memcached4j.server.ImageMain} what the container image runs, and {@link io.memcached4j.server.HealthProbe}
 * its health check.
 */
package io.memcached4j.server;
