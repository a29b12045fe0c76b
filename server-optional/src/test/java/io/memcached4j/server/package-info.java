/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */

/**
 * Tests of the network server: the command line against memcached's, and end-to-end tests over sockets against a
 * server started in-process or as a separate {@code java} process on a free loopback port.
 */
package io.memcached4j.server;
