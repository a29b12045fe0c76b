/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */

/**
 * End-to-end tests with real memcached clients (spymemcached, xmemcached, Folsom, pymemcache, libmemcached's
 * {@code memccapable}) against memcached4j and, side by side in the same run, against the real memcached; and the same
 * scenarios through the embedded cache's API.
 */
package io.memcached4j.server.clients;
