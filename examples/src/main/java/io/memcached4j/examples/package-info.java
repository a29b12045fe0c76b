/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */

/**
 * Runnable examples of memcached4j.
 */
package io.memcached4j.examples;
