/*
 * Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
 */

/**
 * A load generator for memcached-compatible servers, {@link io.memcached4j.benchmarks.load.LoadGenerator}: N
 * connections over a few NIO event-loop threads, a pipelining depth, a key space that is preloaded before measuring,
 * a set:get mix, the text, meta or binary protocol, and two modes: closed loop (maximum throughput) and fixed rate
 * (open loop, latency measured from each request's scheduled send time, so free of coordinated omission).
 * Latencies go into HdrHistograms; every reply is parsed completely and checked (key, length and bytes of each
 * value), and anything unexpected counts as an error.
 * <p>
 * The steady state allocates nothing per request: connections own direct buffers, requests are encoded in place,
 * replies are decoded in place, and the per-request bookkeeping lives in preallocated rings.
 * {@code benchmarks/scripts/LOADTEST.md} describes usage and {@code benchmarks/scripts/loadtest.py} runs the
 * generator against two servers alternately.
 */
package io.memcached4j.benchmarks.load;
