#!/usr/bin/env python3
"""Define the golden transcript cases and write their input side.

For every case below this script writes <root>/<case>/input.bin and
<root>/<case>/case.properties (description, source, args, closes, masks).
expected.bin is produced afterwards by record.py, from memcached 1.6.18 or,
for cases with source = memcached-1.6.39, from a 1.6.39 build (--memcached).

An existing closes= value of a recorded case is kept (record.py owns it).

Usage:
    cases.py [--root DIR] [--only NAME_PREFIX]

Python 3 standard library only.
"""

import argparse
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # keep the tools directory free of __pycache__
import record  # noqa: E402  (read_props / write_props)

DEFAULT_ROOT = os.path.normpath(os.path.join(HERE, "..", "resources", "transcripts"))

REC = "memcached-1.6.18"
# recorded from memcached 1.6.39 built from its release tag: cases whose bytes differ between the two versions
REC_1639 = "memcached-1.6.39"

CASES = []


def case(name, data, description, args="", masks="", source=REC,
         expected=None, closes=None):
    assert name not in {c["name"] for c in CASES}, name
    if isinstance(data, (list, tuple)):
        data = b"".join(data)
    CASES.append(dict(name=name, data=data, description=description, args=args,
                      masks=masks, source=source, expected=expected, closes=closes))


# --------------------------------------------------------------------------
# helpers for building input

def st(cmd, key, value, flags=0, exp=0, extra=b"", nbytes=None):
    """ASCII storage command with its data block."""
    if isinstance(key, str):
        key = key.encode()
    n = len(value) if nbytes is None else nbytes
    line = b"%s %s %s %s %d" % (cmd.encode(), key, str(flags).encode(), str(exp).encode(), n)
    if extra:
        line += b" " + extra
    return line + b"\r\n" + value + b"\r\n"


def L(*lines):
    """Join command lines, each terminated by \\r\\n."""
    return b"".join((l.encode() if isinstance(l, str) else l) + b"\r\n" for l in lines)


# binary protocol -----------------------------------------------------------

OP = dict(GET=0x00, SET=0x01, ADD=0x02, REPLACE=0x03, DELETE=0x04, INCR=0x05,
          DECR=0x06, QUIT=0x07, FLUSH=0x08, GETQ=0x09, NOOP=0x0a, VERSION=0x0b,
          GETK=0x0c, GETKQ=0x0d, APPEND=0x0e, PREPEND=0x0f, STAT=0x10, SETQ=0x11,
          ADDQ=0x12, REPLACEQ=0x13, DELETEQ=0x14, INCRQ=0x15, DECRQ=0x16,
          QUITQ=0x17, FLUSHQ=0x18, APPENDQ=0x19, PREPENDQ=0x1a, VERBOSITY=0x1b,
          TOUCH=0x1c, GAT=0x1d, GATQ=0x1e, GATK=0x23, GATKQ=0x24)


def breq(op, key=b"", extras=b"", value=b"", opaque=0, cas=0, magic=0x80,
         keylen=None, extlen=None, bodylen=None):
    """One binary request frame: 24-byte big-endian header + extras + key + value."""
    if isinstance(op, str):
        op = OP[op]
    if isinstance(key, str):
        key = key.encode()
    if keylen is None:
        keylen = len(key)
    if extlen is None:
        extlen = len(extras)
    if bodylen is None:
        bodylen = len(extras) + len(key) + len(value)
    hdr = struct.pack(">BBHBBHIIQ", magic, op, keylen, extlen, 0, 0, bodylen, opaque, cas)
    return hdr + extras + key + value


def bset(op, key, value, flags=0, exp=0, opaque=0, cas=0):
    return breq(op, key, struct.pack(">II", flags, exp), value, opaque, cas)


def bincr(op, key, delta, initial=0, exp=0, opaque=0, cas=0):
    return breq(op, key, struct.pack(">QQI", delta, initial, exp), b"", opaque, cas)


def btouch(op, key, exp, opaque=0):
    return breq(op, key, struct.pack(">I", exp), b"", opaque)


# ==========================================================================
# ASCII storage commands

case("storage-set-get",
     [st("set", "foo", b"bar", flags=5), L("get foo")],
     "set stores and get returns the value with its flags")
case("storage-set-noreply",
     [st("set", "foo", b"bar", extra=b"noreply"), L("get foo")],
     "set noreply stores silently")
case("storage-add",
     [st("add", "k", b"first"), st("add", "k", b"second"), L("get k")],
     "add stores a new key; add on an existing key is NOT_STORED and keeps the old value")
case("storage-add-noreply-hides-not-stored",
     [st("set", "k", b"v"), st("add", "k", b"w", extra=b"noreply"), L("get k")],
     "noreply also hides NOT_STORED from a failing add")
case("storage-replace",
     [st("replace", "k", b"x"), st("set", "k", b"old"), st("replace", "k", b"new", flags=3), L("get k")],
     "replace on a missing key is NOT_STORED; on an existing key it stores")
case("storage-append-prepend",
     [st("append", "k", b"x"), st("prepend", "k", b"x"),
      st("set", "k", b"mid", flags=5), st("append", "k", b"-end", flags=9, exp=100),
      st("prepend", "k", b"start-", flags=7), L("get k")],
     "append/prepend on a missing key are NOT_STORED; on a hit they keep the item's flags")
case("storage-append-prepend-noreply",
     [st("set", "k", b"b"), st("append", "k", b"c", extra=b"noreply"),
      st("prepend", "k", b"a", extra=b"noreply"), st("append", "nokey", b"z", extra=b"noreply"),
      L("get k")],
     "append/prepend noreply, including a hidden NOT_STORED")
case("storage-cas",
     [st("set", "k", b"v1"), L("gets k"), st("cas", "k", b"v2", extra=b"2"),
      st("cas", "k", b"v3", extra=b"2"), st("cas", "missing", b"x", extra=b"1"), L("gets k")],
     "cas: STORED on matching unique, EXISTS on a stale one, NOT_FOUND on a missing key",
     masks="cas", source=REC_1639)
case("storage-cas-noreply",
     [st("set", "k", b"v1"), st("cas", "k", b"v2", extra=b"99 noreply"),
      st("cas", "k", b"v3", extra=b"2 noreply"), L("gets k")],
     "cas noreply hides EXISTS and STORED",
     masks="cas", source=REC_1639)
case("storage-cas-zero-unique",
     [st("set", "k", b"v"), st("cas", "k", b"w", extra=b"0"), L("get k")],
     "cas with unique 0 never matches: EXISTS")
case("storage-cas-bad-unique",
     st("cas", "k", b"x", extra=b"abc"),
     "a non-numeric cas unique is CLIENT_ERROR and the data line is then parsed as a command")
case("storage-cas-too-few-tokens",
     st("cas", "k", b"xy"),
     "cas without the unique has the wrong token count: ERROR, then ERROR for the data line")
case("storage-flags-max",
     [st("set", "k", b"v", flags=4294967295), L("get k")],
     "flags 4294967295 (2^32-1) round-trip")
case("storage-flags-truncated",
     [st("set", "a", b"v", flags=4294967296), st("set", "b", b"v", flags=4294967297), L("get a b")],
     "flags >= 2^32 are accepted and truncated modulo 2^32 (4294967296 -> 0, 4294967297 -> 1)")
case("storage-flags-negative",
     st("set", "k", b"ab", flags=-1),
     "negative flags: CLIENT_ERROR bad command line format, data line not swallowed (ERROR)")
case("storage-flags-non-numeric",
     st("set", "k", b"ab", flags="abc"),
     "non-numeric flags: CLIENT_ERROR bad command line format, then ERROR for the data line")
case("storage-exptime-negative",
     [st("set", "k", b"v", exp=-1), L("get k")],
     "a negative exptime stores (STORED) but the item is already expired")
case("storage-exptime-absolute-past",
     [st("set", "k", b"v", exp=2592001), L("get k")],
     "exptime > 30 days is an absolute Unix time; 2592001 is in 1970, so the item is expired")
case("storage-exptime-non-numeric",
     st("set", "k", b"ab", exp="soon"),
     "non-numeric exptime: CLIENT_ERROR bad command line format, then ERROR for the data line")
case("storage-length-negative",
     st("set", "k", b"ab", nbytes=-1),
     "negative length: CLIENT_ERROR bad command line format, then ERROR for the data line")
case("storage-length-non-numeric",
     L("set k 0 0 abc", "ab"),
     "non-numeric length: CLIENT_ERROR, then ERROR for the data line")
case("storage-length-out-of-int-range",
     L("set k 0 0 4294967296", "ab"),
     "length 4294967296 is truncated to 32 bits (0): the 2 data bytes are a bad data chunk, the CRLF left over is an empty line (ERROR)")
case("storage-length-int-max",
     L("set k 0 0 2147483647", "ab"),
     "length INT_MAX is above INT_MAX-2: CLIENT_ERROR bad command line format")
case("storage-length-huge-swallows",
     [L("set k 0 0 2000000000"), L("get k", "version")],
     "a huge length: SERVER_ERROR object too large is queued but never sent, because memcached keeps swallowing the announced 2000000002 bytes (the following commands included) until EOF")
case("storage-key-250",
     [st("set", "k" * 250, b"v"), L("get " + "k" * 250)],
     "a 250-byte key is accepted")
case("storage-key-251",
     [st("set", "k" * 251, b"ab"), L("get a")],
     "a 251-byte key is CLIENT_ERROR; the data line is not swallowed (ERROR)")
case("storage-too-many-tokens",
     [st("set", "k", b"x", extra=b"noreply extra"), L("get k")],
     "7 arguments to set is the wrong token count: ERROR, then ERROR for the one-byte data line")
case("storage-too-few-tokens",
     [L("set k 0 0"), L("get k")],
     "set with only 3 arguments: ERROR")
case("storage-bad-data-chunk",
     [L("set k 0 0 3"), b"abcd\r\n", L("get k")],
     "data block longer than declared: CLIENT_ERROR bad data chunk after <bytes>+2 bytes, the leftover \\n is an empty line (ERROR)")
case("storage-bad-data-chunk-short",
     [L("set k 0 0 5"), b"abc\r\n", L("get k")],
     "data block shorter than declared: the next command line is read as data and the chunk is bad")
case("storage-bad-data-chunk-noreply",
     [L("set k 0 0 3 noreply"), b"abcd\r\n", L("get k")],
     "noreply hides CLIENT_ERROR bad data chunk (the leftover empty line still answers ERROR)")
case("storage-data-missing-cr",
     [L("set k 0 0 3"), b"abc\n", L("get k")],
     "data terminated by a bare \\n: bad data chunk and the rest of the stream is misparsed")
case("storage-value-max-size",
     [st("set", "k", b"x" * 1048516), L("mg k s")],
     "with -I 1m the largest value for key k and flags 0 is 1048516 bytes")
case("storage-value-too-large",
     [st("set", "k", b"old"), st("set", "k", b"x" * 1048517), L("get k")],
     "1048517 bytes is SERVER_ERROR object too large for cache; data swallowed and the old value removed")
case("storage-append-too-large-keeps",
     [st("set", "k", b"old"), st("append", "k", b"x" * 1048517), L("get k")],
     "a too-large append is rejected and swallowed but leaves the existing item alone")
case("storage-empty-value",
     [st("set", "k", b""), L("get k")],
     "a zero-length value")
case("storage-binary-bytes",
     [st("set", "bin", b"\x00\xff\r\n\r\x01"), L("get bin")],
     "value bytes are opaque: NUL, 0xff, CR, LF inside the data block")
case("storage-key-control-chars",
     [st("set", b"a\tb\x01c", b"v"), L(b"get a\tb\x01c")],
     "tab and control characters are not separators; they are part of the key")
case("storage-bare-lf",
     [b"set k 0 0 2\nhi\r\nget k\n"],
     "command lines may end with a bare \\n (data blocks still need \\r\\n)")
case("storage-multiple-spaces",
     [b"set   k  3   0    2\r\nhi\r\nget    k  \r\n"],
     "runs of spaces between tokens are collapsed, trailing spaces ignored")

# ==========================================================================
# retrieval

case("retrieval-get-hit-miss",
     [st("set", "a", b"1"), L("get a", "get b")],
     "get: a hit returns VALUE and END, a miss only END")
case("retrieval-get-multi",
     [st("set", "a", b"1"), st("set", "c", b"333", flags=3), L("get a b c")],
     "multi-key get returns the hits in request order")
case("retrieval-get-duplicate-keys",
     [st("set", "a", b"1"), st("set", "b", b"2"), L("get a a b a")],
     "duplicate keys are answered once per occurrence")
case("retrieval-gets",
     [st("set", "a", b"1"), st("set", "b", b"2"), L("gets a b x")],
     "gets adds the cas unique (first items on a fresh server get 1, 2)",
     masks="cas")
case("retrieval-bget",
     [st("set", "a", b"1"), L("bget a b")],
     "bget is an undocumented alias of get")
case("retrieval-get-key-too-long-in-multi",
     [st("set", "a", b"1"), L("get a " + "x" * 251 + " a")],
     "one 251-byte key in a multi-get replaces the whole reply with CLIENT_ERROR")
case("retrieval-get-no-key",
     L("get", "gets", "get "),
     "get/gets without a key: ERROR")
case("retrieval-get-many-keys",
     [st("set", "k3", b"three"), st("set", "k29", b"twentynine"),
      L("get " + " ".join("k%d" % i for i in range(40)))],
     "a get with 40 keys (more than 24 tokens) is processed in batches")
case("retrieval-get-long-line",
     [st("set", "key0042", b"v"), L("get " + " ".join("key%04d" % i for i in range(300)))],
     "a get line of 2400 bytes (over the 2048-byte line limit) is accepted")
case("retrieval-get-leading-spaces-long",
     [st("set", "k", b"v"), L("get " + " " * 2100 + "k")],
     "get followed by 2100 spaces and a key is accepted")
case("retrieval-gat",
     [st("set", "a", b"1", flags=2), st("set", "b", b"22"), L("gat 100 a b c", "gats 0 a")],
     "gat/gats return the values (gats with cas) and update the TTL",
     masks="cas")
case("retrieval-gat-negative-expires",
     [st("set", "a", b"1"), L("gat -1 a", "get a")],
     "gat with a negative exptime returns the value and then expires it")
case("retrieval-gat-invalid-exptime",
     [st("set", "a", b"1"), L("gat abc a", "gats x a")],
     "gat/gats with a non-numeric exptime: CLIENT_ERROR invalid exptime argument")
case("retrieval-gat-no-key",
     L("gat 10", "gat"),
     "gat with an exptime but no key answers END; gat alone is ERROR")
case("retrieval-unknown-g-command",
     L("getx a", "g"),
     "unknown commands starting with g: ERROR")

# touch
case("touch-hit-miss",
     [st("set", "a", b"1"), L("touch a 100", "touch b 100", "gets a")],
     "touch: TOUCHED / NOT_FOUND; touch does not change the cas unique",
     masks="cas")
case("touch-invalid-exptime",
     [st("set", "a", b"1"), L("touch a abc")],
     "touch with a non-numeric exptime: CLIENT_ERROR invalid exptime argument")
case("touch-noreply",
     [st("set", "a", b"1"), L("touch a 10 noreply", "touch b 10 noreply", "get a")],
     "touch noreply hides TOUCHED and NOT_FOUND")
case("touch-negative-expires",
     [st("set", "a", b"1"), L("touch a -1", "get a")],
     "touch with a negative exptime expires the item")
case("touch-wrong-token-count",
     L("touch a", "touch a 1 2 3"),
     "touch with the wrong number of tokens: ERROR")

# ==========================================================================
# delete

case("delete-hit-miss",
     [st("set", "a", b"1"), L("delete a", "delete a", "get a")],
     "delete: DELETED then NOT_FOUND")
case("delete-hold-zero",
     [st("set", "a", b"1"), L("delete a 0", "get a")],
     "delete <key> 0 is accepted")
case("delete-hold-nonzero",
     [st("set", "a", b"1"), L("delete a 5", "get a")],
     "delete <key> 5: CLIENT_ERROR with the usage text (two spaces after the period); nothing deleted")
case("delete-noreply",
     [st("set", "a", b"1"), L("delete a noreply", "delete a noreply", "delete a 0 noreply", "get a")],
     "delete noreply and delete 0 noreply are silent")
case("delete-extra-token",
     [st("set", "a", b"1"), L("delete a b c", "delete a 0 noreply extra", "delete")],
     "delete with a bad middle token is the usage CLIENT_ERROR; too many or too few tokens is ERROR")
case("delete-key-too-long",
     L("delete " + "d" * 251),
     "delete with a 251-byte key: CLIENT_ERROR bad command line format")

# ==========================================================================
# incr / decr

case("arith-incr-decr",
     [st("set", "n", b"10"), L("incr n 5", "decr n 3", "get n")],
     "incr/decr return the new value")
case("arith-miss",
     L("incr nope 1", "decr nope 1"),
     "incr/decr on a missing key: NOT_FOUND")
case("arith-incr-wrap",
     [st("set", "n", b"18446744073709551615"), L("incr n 1", "incr n 18446744073709551615")],
     "incr wraps modulo 2^64")
case("arith-decr-floor",
     [st("set", "n", b"5"), L("decr n 10", "get n")],
     "decr below zero stops at 0")
case("arith-non-numeric",
     [st("set", "s", b"abc"), st("set", "e", b""), st("set", "m", b"12a"), L("incr s 1", "decr e 1", "incr m 1")],
     "incr/decr on non-numeric or empty values: CLIENT_ERROR cannot increment or decrement non-numeric value")
case("arith-invalid-delta",
     [st("set", "n", b"1"), L("incr n -1", "incr n abc", "decr n 18446744073709551616", "incr n 18446744073709551615")],
     "delta must be an unsigned 64-bit decimal: -1, abc and 2^64 are CLIENT_ERROR invalid numeric delta argument")
case("arith-decr-space-padding",
     [st("set", "d", b"10"), L("decr d 1", "get d")],
     "a result shorter than the stored value is written in place and right-padded with spaces ('9 ')")
case("arith-incr-growth",
     [st("set", "g", b"99", flags=7), L("incr g 1", "get g")],
     "a result longer than the stored value allocates a new item; flags kept")
case("arith-leading-spaces-value",
     [st("set", "n", b"  7"), L("incr n 1", "get n")],
     "a stored value with leading spaces is still numeric")
case("arith-noreply",
     [st("set", "n", b"1"), L("incr n 5 noreply", "decr n 1 noreply", "incr nope 1 noreply", "get n")],
     "incr/decr noreply are silent, including NOT_FOUND")
case("arith-changes-cas",
     [st("set", "n", b"1"), L("incr n 1", "gets n")],
     "incr assigns a new cas unique",
     masks="cas")
case("arith-wrong-token-count",
     L("incr n", "decr n 1 2 3"),
     "incr/decr with the wrong number of tokens: ERROR")

# ==========================================================================
# flush_all

case("flush-all",
     [st("set", "a", b"1"), L("flush_all", "get a")],
     "flush_all invalidates existing items")
case("flush-all-zero",
     [st("set", "a", b"1"), L("flush_all 0", "get a")],
     "flush_all 0 is the same as flush_all")
case("flush-all-noreply",
     [st("set", "a", b"1"), L("flush_all noreply", "get a")],
     "flush_all noreply is silent")
case("flush-all-invalid",
     L("flush_all abc", "flush_all 1 2 3"),
     "flush_all abc: CLIENT_ERROR invalid exptime argument; too many tokens: ERROR")
case("flush-all-delay",
     L("flush_all 600"),
     "flush_all with a delay answers OK at once (the delayed effect is not recorded)")
case("flush-all-then-set",
     [st("set", "a", b"1"), L("flush_all"), st("set", "b", b"2"), L("gets a b")],
     "items stored after flush_all in the same second survive (1.6.18's flush_all also consumes a cas unique, 1.6.39's does not: masked)",
     masks="cas")

# ==========================================================================
# misc commands

case("misc-version",
     L("version"),
     "version", masks="version")
case("misc-verbosity",
     L("verbosity 1", "verbosity 5", "verbosity 0 noreply", "verbosity 0"),
     "verbosity <n>: OK (noreply silent)")
case("misc-verbosity-errors",
     L("verbosity", "verbosity abc", "verbosity noreply", "verbosity 1 2 3"),
     "verbosity without argument or with too many: ERROR; non-numeric: CLIENT_ERROR; 'verbosity noreply' errors silently")
case("misc-quit",
     L("quit", "version"),
     "quit closes the connection; later commands are not answered")
case("misc-quit-pipelined",
     [st("set", "a", b"1"), L("get a", "quit", "get a")],
     "responses before quit are flushed, then the connection closes")
case("misc-shutdown-disabled",
     L("shutdown", "shutdown graceful", "version"),
     "shutdown without -A: 'ERROR: shutdown not enabled' and the connection stays open",
     masks="version")
case("misc-unknown-command",
     L("foo", "foo bar baz", "x", "SET a 0 0 1"),
     "unknown commands, one-letter commands and upper-case commands: ERROR")
case("misc-empty-line",
     [b"\r\n", b"\n", b"   \r\n", L("version")],
     "empty lines (CRLF, bare LF, only spaces): ERROR each",
     masks="version")
case("misc-http-request",
     [b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"],
     "a line whose last token starts with HTTP/ closes the connection without a reply")
case("misc-http-after-command",
     [L("version"), b"PUT /x HTTP/1.0\r\n", L("version")],
     "an HTTP line mid-stream closes the connection and discards the replies still queued for earlier commands")
case("misc-long-line-closes",
     [b"incr " + b" " * 2100],
     "more than 2048 bytes without a newline, not a get: the connection is closed")
case("misc-long-line-with-newline",
     [b"incr " + b"a" * 2100 + b" 1\r\n", L("version")],
     "a long non-get line that does end in a newline is processed (key too long)",
     masks="version")
case("misc-partial-line-no-newline",
     [b"version"],
     "a command without newline is never executed (client half-closes)")
case("misc-watch-bogus",
     L("watch bogus"),
     "watch with an unknown argument: ERROR")
case("misc-metadump-pipelined",
     [st("set", "a", b"1"), L("lru_crawler metadump all")],
     "lru_crawler metadump refuses to run after other commands in the same read")

# ==========================================================================
# admin commands

case("admin-cache-memlimit",
     L("cache_memlimit 100", "cache_memlimit 64 noreply", "cache_memlimit 7",
       "cache_memlimit 2000000000", "cache_memlimit abc", "cache_memlimit"),
     "cache_memlimit: OK, noreply, MEMLIMIT_TOO_SMALL, MEMLIMIT_ADJUST_FAILED, non-numeric ERROR, missing ERROR")
case("admin-slabs-automove",
     L("slabs automove 0", "slabs automove 1", "slabs automove 2", "slabs automove 3",
       "slabs automove x", "slabs automove ratio 0.5", "slabs automove ratio"),
     "slabs automove 0|1|2 OK, 3 ERROR, x CLIENT_ERROR, ratio <r> OK")
case("admin-slabs-reassign",
     L("slabs reassign 1 1", "slabs reassign 99 1", "slabs reassign 1 99",
       "slabs reassign 1 2", "slabs reassign x 1", "slabs reassign 1", "slabs bogus"),
     "slabs reassign: SAME, BADCLASS, NOSPARE, CLIENT_ERROR for non-numeric ids, ERROR for wrong arity")
case("admin-lru",
     L("lru tune 10 40 0.1 2", "lru tune 50 50 0.1 2", "lru tune 10 40 0 2",
       "lru tune a b c d", "lru tune 10 40", "lru mode flat", "lru mode segmented",
       "lru mode bogus", "lru temp_ttl 30", "lru temp_ttl -1", "lru temp_ttl x", "lru bogus", "lru"),
     "lru tune/mode/temp_ttl valid and invalid")
case("admin-lru-crawler-settings",
     L("lru_crawler sleep 100", "lru_crawler sleep 2000000", "lru_crawler sleep x",
       "lru_crawler tocrawl 10", "lru_crawler tocrawl x", "lru_crawler bogus", "lru_crawler"),
     "lru_crawler sleep/tocrawl valid and invalid")
case("admin-lru-crawler-enable-disable",
     L("lru_crawler enable", "lru_crawler disable"),
     "lru_crawler enable while the crawler runs (default) fails; disable answers OK (the thread stops asynchronously, so nothing racing with it is recorded)")
case("admin-lru-crawler-crawl",
     [st("set", "a", b"1"), L("lru_crawler crawl 1")],
     "lru_crawler crawl <class>: OK")
case("admin-lru-crawler-crawl-bad-class",
     L("lru_crawler crawl 99", "lru_crawler crawl x", "lru_crawler crawl 0"),
     "lru_crawler crawl with invalid class ids: BADCLASS")
case("admin-extstore",
     L("extstore", "extstore x", "extstore item_size", "extstore item_size 7", "extstore item_size x",
       "extstore item_age 9 noreply", "extstore max_frag 0.5", "extstore drop_unread 3", "extstore low_ttl -5",
       "extstore recache_rate 5x", "extstore max_sleep 4294967297", "extstore drop_under 12 noreply",
       "extstore compact_under 0x1", "extstore bogus 1", "stats extstore"),
     "extstore tuning commands of a build with extstore started without ext_path: OK, ERROR for a missing or "
     "unparsable value or an unknown key, noreply; stats extstore lists nothing")
case("admin-refresh-certs",
     L("refresh_certs", "refresh_certs noreply", "version"),
     "refresh_certs on a build with TLS started without -Z: an error line even with noreply", masks="version")

# ==========================================================================
# stats

case("stats-general",
     L("stats"),
     "plain stats", masks="stats")
case("stats-settings",
     L("stats settings"),
     "stats settings", masks="stats")
case("stats-items",
     [st("set", "a", b"1"), L("stats items")],
     "stats items after storing one key", masks="stats")
case("stats-slabs",
     [st("set", "a", b"1"), L("stats slabs")],
     "stats slabs after storing one key", masks="stats")
case("stats-sizes",
     L("stats sizes"),
     "stats sizes without -o track_sizes", masks="stats")
case("stats-reset",
     L("stats reset"),
     "stats reset: RESET")
case("stats-bogus",
     L("stats bogus", "stats 1"),
     "unknown stats group: ERROR")
case("stats-detail",
     [L("stats detail on"), st("set", "p:a", b"1"), L("get p:a", "get p:b", "delete p:a", "stats detail dump", "stats detail off", "stats detail bogus", "stats detail")],
     "stats detail on/off/dump (one PREFIX line, deterministic) and the usage error")
_PREFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789_-"
# 60 prefixes of 1 to 11 bytes (every tail length of the hash), then "a1u" and "a": they share a chain, and
# memcached files "a" under "a1u", whose first byte it equals
_PREFIXES = ["".join(_PREFIX_ALPHABET[(i * 7 + j * 13) % len(_PREFIX_ALPHABET)] for j in range(1 + i % 11))
             for i in range(60)] + ["a1u", "a"]
case("stats-detail-many-prefixes",
     [L("stats detail on")] +
     [L("get %s:k" % p, "set %s:v 0 0 1 noreply" % p, "x", "delete %s:zz noreply" % p) for p in _PREFIXES] +
     [L("get :x", "get nodelim", "stats detail dump")],
     "stats detail dump lists prefixes in memcached's order (chain murmur3(prefix) % 256, newest first), "
     "with a shorter prefix counted under a longer one it begins in the same chain")
case("option-stats-detail-jenkins",
     [L("stats detail on")] +
     [L("get %s:k" % p, "set %s:v 0 0 1 noreply" % p, "x", "delete %s:zz noreply" % p) for p in _PREFIXES] +
     [L("get :x", "get nodelim", "stats detail dump")],
     "-o hash_algorithm=jenkins: stats detail dump lists prefixes in chain jenkins(prefix) % 256, newest first",
     args="-o hash_algorithm=jenkins")
# prefixes of 12 to 249 bytes (the key then ends in ":k", 250 bytes at most): every length path of the three hashes
_LONG_LENGTHS = [12, 13, 16, 17, 24, 25, 31, 32, 33, 48, 64, 65, 96, 100, 127, 128, 129, 130, 160, 200, 239, 240, 241,
                 242, 248]
_LONG_PREFIXES = ["".join(_PREFIX_ALPHABET[(n * 11 + j * 17 + j * j) % len(_PREFIX_ALPHABET)] for j in range(n))
                  for n in _LONG_LENGTHS]
for _name, _args, _what in [("stats-detail-long-prefixes", "", "murmur3"),
                            ("option-stats-detail-jenkins-long", "-o hash_algorithm=jenkins", "jenkins"),
                            ("option-stats-detail-xxh3", "-o hash_algorithm=xxh3", "xxh3")]:
    case(_name,
         [L("stats detail on")] + [L("get %s:k" % p) for p in _PREFIXES + _LONG_PREFIXES] + [L("stats detail dump")],
         "stats detail dump of prefixes of 1 to 248 bytes: chain %s(prefix) %% 256, newest first" % _what,
         args=_args)
case("stats-cachedump",
     [L("lru mode flat"), st("set", "a", b"1"), st("set", "b", b"22", exp=1000), L("stats cachedump 1 0")],
     "stats cachedump 1 0 lists the COLD LRU of class 1, newest first (lru mode flat first, so new items are in COLD at once)", masks="time")
case("stats-cachedump-errors",
     L("stats cachedump", "stats cachedump x 0", "stats cachedump 200 0", "stats cachedump 5 0"),
     "stats cachedump argument errors and an empty class")

# ==========================================================================
# pipelining

case("pipeline-error-in-middle",
     [st("set", "a", b"1"), L("get a", "bogus", "incr a x", "incr a 2"), st("set", "b", b"2", flags=-3), L("get a b")],
     "several commands in one write with errors in the middle; replies stay in order")
case("pipeline-many-sets",
     [b"".join(st("set", "k%d" % i, b"v%d" % i) for i in range(30)), L("get k0 k15 k29")],
     "30 sets and a get in one write (more than -R 20 requests per event)")

# ==========================================================================
# meta commands (1.6.18 flag set)

case("meta-mg-miss-hit",
     [L("mg k"), st("set", "k", b"v"), L("mg k")],
     "mg without flags: EN on a miss, HD on a hit")
case("meta-mg-value",
     [st("set", "k", b"hello", flags=3), L("mg k v", "mg k v f")],
     "mg v returns VA <size> and the data")
case("meta-mg-many-flags",
     [L("ms mk 2 T0 F5 c"), b"hi\r\n", L("mg mk v f t s k c Oxy")],
     "flags are returned in request order: f t s k c O", masks="cas")
case("meta-mg-ttl",
     [L("ms k 1 T100"), b"x\r\n", L("mg k t", "mg k T200 t", "mg k t v")],
     "mg t shows the remaining TTL; T updates it", masks="time")
case("meta-mg-quiet",
     [st("set", "a", b"1"), L("mg a v q", "mg miss v q", "mg miss2 q k", "mg a q", "mn")],
     "q suppresses EN (and nothing else); mn terminates the pipeline")
case("meta-mg-hit-last-access",
     [st("set", "k", b"v"), L("mg k h", "mg k h", "mg k l")],
     "h shows whether the item was fetched before; l seconds since last access", masks="time")
case("meta-mg-no-update",
     [st("set", "k", b"v"), L("mg k u h", "mg k h", "mg k h")],
     "u avoids marking the item fetched")
case("meta-mg-miss-key-opaque",
     L("mg nope k Oabc v"),
     "EN carries k and O on a miss")
case("meta-mg-vivify",
     L("mg nope N30 v c t", "mg nope N30 v c t", "mg nope v"),
     "N vivifies a miss: empty value with W for the first client, Z afterwards", masks="cas,time")
case("meta-mg-recache",
     [L("ms k 1 T30"), b"x\r\n", L("mg k R60 v c", "mg k R60 v c", "mg k R10 v")],
     "R<ttl>: remaining TTL below the token wins W once, then Z", masks="cas")
case("meta-mg-base64-key",
     [L("ms Zm9v 3 b"), b"bar\r\n", L("mg Zm9v b k v", "get foo", "mg Zm9v b k v", "mg Zm9vYmFy b k")],
     "b: the key is base64; k returns it encoded and echoes b")
case("meta-mg-base64-invalid",
     L("mg !!!! b v"),
     "b with a key that is not valid base64")
case("meta-mg-duplicate-flag",
     [st("set", "k", b"v"), L("mg k v v", "mg k s s")],
     "a flag given twice: CLIENT_ERROR duplicate flag")
case("meta-mg-invalid-flag",
     [st("set", "k", b"v"), L("mg k !", "mg k v %")],
     "unknown flags: CLIENT_ERROR invalid flag")
case("meta-mg-opaque-too-long",
     [st("set", "k", b"v"), L("mg k O" + "o" * 32, "mg k O" + "o" * 31, "mg miss O" + "o" * 32)],
     "an opaque token longer than 32 bytes (33 with the O) is CLIENT_ERROR opaque token too long")
case("meta-mg-key-too-long",
     L("mg " + "k" * 251 + " v", "mg " + "k" * 250 + " v"),
     "mg with a 251-byte key: CLIENT_ERROR bad command line format")
case("meta-mg-too-many-flags",
     [st("set", "k", b"v"), L("mg k v s f t c k h l O1 q u P L", "mg k v s f t c k h l O1 u P L x1 x2 x3 x4 x5 x6 x7")],
     "more than 18 flag tokens: CLIENT_ERROR options flags are too long", masks="cas,time")
case("meta-mg-no-key",
     L("mg"),
     "mg without a key: ERROR")
case("meta-unknown-m-command",
     L("mx k", "mz"),
     "unknown two-letter m commands: ERROR")

case("meta-ms-plain",
     [L("ms k 2"), b"hi\r\n", L("mg k v")],
     "ms stores: HD")
case("meta-ms-flags-ttl-cas",
     [L("ms k 2 T100 F7 c k Oq1"), b"hi\r\n", L("mg k f t v")],
     "ms with T, F, returning c, k and O", masks="cas,time")
case("meta-ms-compare-cas",
     [L("ms k 1 c"), b"a\r\n", L("ms k 1 C2 c"), b"b\r\n", L("ms k 1 C2"), b"c\r\n",
      L("ms miss 1 C5"), b"d\r\n", L("mg k v c")],
     "ms C<cas>: HD on match, EX on mismatch, NF on a missing key", masks="cas", source=REC_1639)
case("meta-ms-invalidate",
     [L("ms k 1"), b"a\r\n", L("ms k 1"), b"b\r\n", L("ms k 1 I C99"), b"x\r\n", L("ms k 1 I C1 c"), b"c\r\n",
      L("mg k v c", "mg k v c")],
     "ms I with C: a CAS above the item's is EX; a lower one stores the value but marks it stale (X W, then Z X)", masks="cas")
case("meta-ms-modes",
     [L("ms k 1 ME"), b"a\r\n", L("ms k 1 ME"), b"b\r\n", L("ms k 1 MA"), b"c\r\n",
      L("ms k 1 MP"), b"d\r\n", L("ms r 1 MR"), b"e\r\n", L("ms k 2 MS"), b"ff\r\n",
      L("ms k 1 MR"), b"g\r\n", L("ms x 1 MA"), b"h\r\n", L("ms x 1 MP"), b"i\r\n", L("mg k v", "mg x v")],
     "ms M modes: E add, A append, P prepend, R replace, S set")
case("meta-ms-invalid-mode",
     [L("ms k 1 MX"), b"a\r\n", L("ms k 1 Mset"), b"b\r\n", L("mg k")],
     "invalid M mode: CLIENT_ERROR and the data block is swallowed")
case("meta-ms-quiet",
     [L("ms k 1 q"), b"a\r\n", L("ms k 1 q ME"), b"b\r\n", L("ms k 1 q C99"), b"c\r\n", L("mn")],
     "q suppresses HD but not NS/EX")
case("meta-ms-base64",
     [L("ms Zm9v 3 b k"), b"bar\r\n", L("get foo", "mg Zm9v b v")],
     "ms with a base64 key")
case("meta-ms-too-large",
     [L("ms k 2"), b"ok\r\n", L("ms k 1048517"), b"x" * 1048517 + b"\r\n", L("mg k v")],
     "ms too large: SERVER_ERROR object too large for cache, data swallowed, old value removed")
case("meta-ms-missing-datalen",
     [L("ms k", "mg k")],
     "ms without a data length: CLIENT_ERROR bad command line format")
case("meta-ms-bad-datalen",
     [L("ms k abc"), b"hi\r\n", L("ms k -1"), b"hi\r\n"],
     "ms with a non-numeric or negative length: CLIENT_ERROR, data not swallowed (ERROR)")
case("meta-ms-bad-data-chunk",
     [L("ms k 2"), b"abc\r\n", L("mg k")],
     "ms with a data block longer than declared: CLIENT_ERROR bad data chunk")
case("meta-ms-invalid-flag-swallows",
     [L("ms k 2 !"), b"hi\r\n", L("ms k 2 T1 T2"), b"hi\r\n", L("mg k")],
     "ms with an invalid or duplicate flag: CLIENT_ERROR and the data block is swallowed")
case("meta-ms-key-too-long",
     [L("ms " + "k" * 251 + " 2"), b"hi\r\n"],
     "ms with a 251-byte key: CLIENT_ERROR, data not swallowed")
case("meta-ms-opaque-too-long",
     [L("ms k 2 O" + "o" * 32), b"hi\r\n", L("mg k")],
     "ms with a too-long opaque: CLIENT_ERROR opaque token too long, data swallowed")
case("meta-ms-bad-flags-token",
     [L("ms k 2 Fabc"), b"hi\r\n", L("ms k 2 Tabc"), b"hi\r\n", L("mg k")],
     "ms with non-numeric F or T tokens")

case("meta-md",
     [st("set", "k", b"v"), L("md k", "md k", "mg k")],
     "md: HD then NF")
case("meta-md-quiet",
     [st("set", "k", b"v"), L("md k q", "md k q", "mn")],
     "md q suppresses HD but not NF")
case("meta-md-cas",
     [st("set", "k", b"v"), L("md k C99", "md k C2", "mg k")],
     "md C<cas>: EX on mismatch, HD on match", source=REC_1639)
case("meta-md-invalidate",
     [st("set", "k", b"v"), L("md k I T30", "mg k v c", "mg k v c", "md k I", "mg k v c")],
     "md I marks the item stale with a new cas; mg then shows X and W, then X and Z", masks="cas")
case("meta-md-key-opaque-base64",
     [L("ms Zm9v 1 b"), b"x\r\n", L("md Zm9v b k Oab", "md Zm9v b k Oab")],
     "md with b, k and O")
case("meta-md-invalid-flag",
     [st("set", "k", b"v"), L("md k !", "md k q q", "mg k")],
     "md with an unknown or a duplicate flag: CLIENT_ERROR invalid or duplicate flag")

case("meta-ma",
     [L("ma n"), st("set", "n", b"5"), L("ma n", "mg n v")],
     "ma: NF on a miss, HD on a hit (increment by 1)")
case("meta-ma-vivify",
     L("ma nope N0 J10 v", "ma nope N0 J10 v", "ma other N0 v"),
     "ma N<ttl> J<initial> creates a missing counter")
case("meta-ma-decr-delta",
     [st("set", "n", b"10"), L("ma n MD v", "ma n D5 v", "ma n MD D100 v", "ma n M- v", "ma n M+ D3 v", "ma n MI v")],
     "ma modes D/-, I/+ and D<delta>; decr floors at 0")
case("meta-ma-ttl-cas",
     [L("ma n N100 J1 t c v", "ma n t c v", "ma n T0 t v")],
     "ma t and c flags; T updates the TTL", masks="cas,time")
case("meta-ma-quiet",
     [st("set", "n", b"1"), L("ma n q", "ma nope q", "ma n q v", "mn", "mg n v")],
     "ma q suppresses HD (not NF, not VA)")
case("meta-ma-cas",
     [st("set", "n", b"1"), L("ma n C99", "ma n C2 c")],
     "ma C<cas>: EX on mismatch, HD on match", masks="cas", source=REC_1639)
case("meta-ma-invalid",
     [st("set", "n", b"1"), st("set", "s", b"abc"), L("ma n MX", "ma n Dabc", "ma n J-1 N0", "ma s", "ma n k Oo v")],
     "ma invalid mode, bad delta (reported as invalid or duplicate flag), non-numeric value")
case("meta-ma-base64",
     [L("ma Y250 b N0 J5 k v", "ma Y250 b k")],
     "ma with a base64 key")

case("meta-mn",
     L("mn", "mn extra"),
     "mn answers MN")
case("meta-me",
     [st("set", "k", b"val", flags=1), L("me k", "me nope", "mg k v", "me k")],
     "me shows item metadata (1.6.18: exp=-1 for no TTL, fetch)", masks="time,cas")
case("meta-me-ttl",
     [st("set", "k", b"val", exp=100), L("me k")],
     "me on an item with a TTL (1.6.18 prints exp as the negated remaining TTL)", masks="time,cas")
case("meta-me-base64",
     [L("ms Zm9v 1 b"), b"x\r\n", L("me Zm9v b", "me foo")],
     "me with a base64 key prints the key base64-encoded", masks="time,cas")
case("meta-me-errors",
     L("me", "me " + "k" * 251),
     "me without a key or with a 251-byte key: CLIENT_ERROR bad command line format")

# ==========================================================================
# binary protocol

def bhdr_only(op, opaque=0):
    return breq(op, opaque=opaque)


case("binary-get-hit-miss",
     [bset("SET", "k", b"val", flags=0xdeadbeef, opaque=1), breq("GET", "k", opaque=2),
      breq("GET", "nope", opaque=3)],
     "binary SET, GET hit (flags in extras), GET miss (0x0001 Not found)", masks="cas")
case("binary-getk",
     [bset("SET", "k", b"val", opaque=1), breq("GETK", "k", opaque=2), breq("GETK", "nope", opaque=3)],
     "GETK returns the key on a hit and on a miss", masks="cas")
case("binary-getq-multiget",
     [bset("SETQ", "a", b"1", opaque=1), bset("SETQ", "c", b"3", flags=3, opaque=2),
      breq("GETQ", "a", opaque=10), breq("GETQ", "b", opaque=11),
      breq("GETKQ", "c", opaque=12), breq("GETKQ", "d", opaque=13), breq("NOOP", opaque=14)],
     "quiet multi-get: GETQ/GETKQ answer only hits, NOOP ends the batch", masks="cas")
case("binary-set-add-replace",
     [bset("ADD", "k", b"1", opaque=1), bset("ADD", "k", b"2", opaque=2),
      bset("REPLACE", "nope", b"3", opaque=3), bset("REPLACE", "k", b"4", opaque=4),
      breq("GET", "k", opaque=5)],
     "ADD on an existing key is 0x0002, REPLACE on a missing key 0x0001", masks="cas")
case("binary-set-cas",
     [bset("SET", "k", b"1", opaque=1), bset("SET", "k", b"2", opaque=2, cas=2),
      bset("SET", "k", b"3", opaque=3, cas=99), bset("SET", "nope", b"4", opaque=4, cas=5),
      bset("REPLACE", "k", b"5", opaque=5, cas=3), breq("GET", "k", opaque=6)],
     "SET/REPLACE with a CAS in the header: ok on match, 0x0002 on mismatch, 0x0001 on a missing key", masks="cas", source=REC_1639)
case("binary-append-prepend",
     [breq("APPEND", "k", value=b"x", opaque=1), breq("PREPEND", "k", value=b"x", opaque=2),
      bset("SET", "k", b"mid", flags=5, opaque=3), breq("APPEND", "k", value=b"-end", opaque=4),
      breq("PREPEND", "k", value=b"start-", opaque=5), breq("GET", "k", opaque=6)],
     "APPEND/PREPEND on a missing key are 0x0005 Not stored", masks="cas")
case("binary-delete",
     [bset("SET", "k", b"v", opaque=1), breq("DELETE", "k", opaque=2), breq("DELETE", "k", opaque=3),
      bset("SET", "j", b"v", opaque=4), breq("DELETE", "j", opaque=5, cas=99)],
     "DELETE hit, miss, and with a mismatching CAS", masks="cas")
case("binary-incr-decr",
     [bset("SET", "n", b"10", opaque=1), bincr("INCR", "n", 5, opaque=2), bincr("DECR", "n", 20, opaque=3),
      bset("SET", "s", b"abc", opaque=4), bincr("INCR", "s", 1, opaque=5), breq("GET", "n", opaque=6)],
     "INCREMENT/DECREMENT return the 8-byte new value; non-numeric is 0x0006", masks="cas")
case("binary-incr-miss-create",
     [bincr("INCR", "n", 5, initial=42, opaque=1), bincr("INCR", "n", 5, initial=42, opaque=2),
      bincr("DECR", "m", 5, initial=7, opaque=3), breq("GET", "n", opaque=4)],
     "INCREMENT/DECREMENT on a miss creates the item with the initial value", masks="cas")
case("binary-incr-miss-no-create",
     [bincr("INCR", "n", 5, initial=42, exp=0xffffffff, opaque=1), breq("GET", "n", opaque=2)],
     "exptime 0xffffffff on a miss: 0x0001 Not found, nothing created")
case("binary-quiet-mutations",
     [bset("SETQ", "k", b"1", opaque=1), bset("ADDQ", "k", b"2", opaque=2),
      bset("REPLACEQ", "nope", b"3", opaque=3), breq("APPENDQ", "k", value=b"a", opaque=4),
      breq("PREPENDQ", "nope", value=b"b", opaque=5), bincr("INCRQ", "n", 1, initial=9, opaque=6),
      bincr("DECRQ", "k", 1, opaque=7), breq("DELETEQ", "k", opaque=8), breq("DELETEQ", "k", opaque=9),
      breq("NOOP", opaque=10)],
     "quiet variants are silent on success but answer errors")
case("binary-quit",
     [breq("QUIT", opaque=7), breq("NOOP", opaque=8)],
     "QUIT answers and closes")
case("binary-quitq",
     [breq("NOOP", opaque=1), breq("QUITQ", opaque=2), breq("NOOP", opaque=3)],
     "QUITQ closes silently")
case("binary-flush",
     [bset("SET", "k", b"v", opaque=1), breq("FLUSH", opaque=2), breq("GET", "k", opaque=3),
      breq("FLUSH", extras=struct.pack(">I", 600), opaque=4), breq("FLUSHQ", opaque=5), breq("NOOP", opaque=6)],
     "FLUSH with and without a delay; FLUSHQ is silent", masks="cas")
case("binary-noop-version",
     [breq("NOOP", opaque=1), breq("VERSION", opaque=2)],
     "NOOP and VERSION", masks="version")
case("binary-stat-general",
     [breq("STAT", opaque=5)],
     "STAT with an empty key: one response per stat and an empty terminator", masks="stats")
case("binary-stat-settings",
     [breq("STAT", "settings", opaque=5)],
     "STAT settings", masks="stats")
case("binary-stat-unknown",
     [breq("STAT", "bogus", opaque=5), breq("STAT", "reset", opaque=6)],
     "STAT with an unknown group: 0x0001 Not found; reset: one empty response")
case("binary-touch-gat",
     [bset("SET", "k", b"val", flags=9, opaque=1), btouch("TOUCH", "k", 100, opaque=2),
      btouch("TOUCH", "nope", 100, opaque=3), btouch("GAT", "k", 100, opaque=4),
      btouch("GAT", "nope", 100, opaque=5), btouch("GATK", "k", 100, opaque=6),
      btouch("GATK", "nope", 100, opaque=7)],
     "TOUCH, GAT and GATK hits and misses", masks="cas")
case("binary-gatq",
     [bset("SET", "k", b"val", opaque=1), btouch("GATQ", "k", 100, opaque=2),
      btouch("GATQ", "nope", 100, opaque=3), btouch("GATKQ", "k", 100, opaque=4),
      btouch("GATKQ", "nope", 100, opaque=5), breq("NOOP", opaque=6)],
     "GATQ/GATKQ are silent on a miss", masks="cas")
case("binary-unknown-opcode",
     [breq(0x40, value=b"body", opaque=1), breq(0x1b, opaque=2), breq("NOOP", opaque=3)],
     "opcodes 0x40 and 0x1b (VERBOSITY) are unknown commands (0x0081); a body without extras/key is swallowed and the connection kept")
case("binary-unknown-opcode-extras-overswallow",
     [breq(0x1b, extras=struct.pack(">I", 1), opaque=1), breq("NOOP", opaque=2)],
     "VERBOSITY with 4 bytes of extras: 0x0081, but memcached swallows bodylen bytes after the extras, eating 4 bytes of the next frame (then it waits for a full header)")
case("binary-unknown-opcode-misaligns-stream",
     [breq(0x1b, extras=struct.pack(">I", 1), opaque=1), breq(0x40, "key", value=b"body", opaque=2),
      breq("NOOP", opaque=3)],
     "the over-swallow after an unknown opcode with extras misaligns the stream: bad magic, connection closed, the queued 0x0081 is never sent")
case("binary-get-with-extras",
     [breq("GET", "k", extras=b"\0\0\0\0", opaque=1), breq("NOOP", opaque=2)],
     "GET with extras: 0x0004 Invalid arguments, then the connection is closed")
case("binary-set-without-extras",
     [breq("SET", "k", value=b"v", opaque=1), breq("NOOP", opaque=2)],
     "SET without its 8 bytes of extras: 0x0004 and close")
case("binary-incr-wrong-extras",
     [breq("INCR", "k", extras=b"\0" * 8, opaque=1), breq("NOOP", opaque=2)],
     "INCREMENT with 8 bytes of extras instead of 20: 0x0004 and close")
case("binary-key-too-long",
     [breq("GET", "k" * 251, opaque=1), breq("NOOP", opaque=2)],
     "a 251-byte key: 0x0004 Invalid arguments and close")
case("binary-keylen-exceeds-body",
     [breq("GET", "abc", bodylen=2, opaque=1), breq("NOOP", opaque=2)],
     "keylen larger than bodylen: 0x0081 Unknown command and close")
case("binary-bad-magic-mid-stream",
     [breq("NOOP", opaque=1), breq("NOOP", opaque=2, magic=0x81), breq("NOOP", opaque=3)],
     "a frame with magic 0x81 in the middle of a stream closes the connection after earlier replies")
case("binary-too-large",
     [bset("SET", "k", b"old", opaque=1), bset("SET", "k", b"x" * 1048517, opaque=2),
      breq("GET", "k", opaque=3)],
     "SET of a too large value: 0x0003 Too large, body swallowed, old value removed", masks="cas")
case("binary-only-rejects-ascii",
     L("version", "version", "version"),
     "with -B binary an ASCII command is an invalid magic byte: connection closed", args="-B binary")
case("binary-only-set-get",
     [bset("SET", "k", b"v", opaque=1), breq("GET", "k", opaque=2)],
     "the same frames against -B binary", args="-B binary", masks="cas")

# ==========================================================================
# server options

case("option-cas-disabled",
     [st("set", "k", b"v"), L("gets k"), st("cas", "k", b"w", extra=b"0"), L("gets k"), L("mg k c")],
     "-C: gets and mg c show 0; cas with unique 0 is EXISTS (cas can never succeed)", args="-C")
case("option-cas-disabled-max-size",
     [st("set", "k", b"x" * 1048524), L("mg k s"), st("set", "k", b"x" * 1048525), L("mg k s")],
     "-C: items are 8 bytes smaller, so 1048524 bytes fit for key k", args="-C")
case("option-out-of-memory",
     [b"".join(st("set", "k%d" % i, b"x" * 200000) for i in range(11)), L("mg k0 s", "mg k9 s", "mg k10 s")],
     "-M -m 2: the 11th 200000-byte value fails with SERVER_ERROR out of memory storing object",
     args="-M -m 2")
case("option-flush-disabled",
     [st("set", "k", b"v"), L("flush_all", "flush_all 0", "flush_all noreply", "get k")],
     "-F: flush_all is CLIENT_ERROR flush_all not allowed (even with noreply)", args="-F")
case("option-item-size-2m",
     [st("set", "k", b"x" * 1572864), L("mg k s")],
     "-I 2m: a 1.5 MiB value is stored", args="-I 2m")
case("option-shutdown-enabled-bad-mode",
     L("shutdown bogus", "shutdown a b"),
     "-A: shutdown with an unknown mode is CLIENT_ERROR invalid shutdown mode", args="-A")


# ==========================================================================
# memcached 1.6.39 behaviour that 1.6.18 lacks, recorded from memcached 1.6.39
# built from its release tag (record.py --memcached PATH).  Each description
# names the code in 1.6.39 that produces the bytes.

def v1639(name, data, description, masks=""):
    case(name, data, description, masks=masks, source=REC_1639)


v1639("v1639-slabs-reassign-bounds",
      L("slabs reassign 0 1", "slabs reassign 1 50", "slabs reassign -1 -1", "slabs reassign 2 63",
        "slabs reassign 1 65", "slabs reassign -2 1", "slabs reassign 0 0", "slabs reassign 63 1",
        "slabs reassign 65 1"),
      "slabs reassign on an empty cache, in 1.6.39's order of checks: SAME on equal ids (-1 -1 too), BADCLASS "
      "outside 0..64, NOSPARE for any id within (the global pool 0, classes without pages); 1.6.18 bounds the ids "
      "by its largest class instead. Not recorded: id 64 and -1 (which may pick 64), which read past 1.6.39's class "
      "table")
v1639("v1639-extstore-free-memchunks",
      L("extstore free_memchunks 1 2", "extstore free_memchunks 1", "extstore free_memchunks 99 2",
        "extstore free_memchunks 63 -1", "slabs automove freeratio 0.25", "slabs automove freeratio x"),
      "extstore free_memchunks (deprecated, still checked: two numbers and a class below 64 are OK) and slabs automove "
      "freeratio, which 1.6.18 refuses")

v1639("v1639-ms-size-flag",
      [L("ms k 2 s"), b"hi\r\n", L("ms k 3 MA s"), b"abc\r\n", L("ms nope 1 MA s"), b"x\r\n",
       L("ms k 2 s q"), b"zz\r\n", L("mn")],
      "ms s returns the item's value size (1.6.20): the final size after an append; on NS the size of the rejected "
      "value (proto_text.c _finalize_mset: nbytes is only set by a successful append/prepend, else c->item's nbytes); "
      "q still hides HD")
v1639("v1639-ms-E-cas",
      [L("ms k 2 E973 c"), b"hi\r\n", L("mg k c v"), L("ms k 1 E5 C973 c"), b"x\r\n", L("ms k 2 Exyz"), b"hi\r\n",
       L("mg k c v")],
      "ms E<cas> sets the new item's CAS (1.6.27; process_mset_command: c->cas = E value, passed to store_item as "
      "cas_in); a bad E token is CLIENT_ERROR bad token in command line format and the data block is swallowed")
v1639("v1639-mg-E-vivify",
      [L("mg k N30 E77 c v", "mg k c v", "mg j Exyz v")],
      "mg N with E<cas>: the vivified item is linked with that CAS (1.6.27; process_mget_command do_item_link(..., "
      "cas_id_in)); a bad E token fails in _meta_flag_preparse")
v1639("v1639-md-E-invalidate",
      [st("set", "k", b"v"), L("md k I E55", "mg k c v", "md k E9 C1")],
      "md I E<cas>: the stale item gets the given CAS instead of a new one (1.6.27; process_mdelete_command "
      "ITEM_set_cas(it, cas_id_in)); C still compares against the current CAS (55), so C1 is EX")
v1639("v1639-md-x",
      [st("set", "k", b"abc", flags=5), L("md k x", "mg k s f v", "md k x E9 F3", "mg k c f v", "md nope x")],
      "md x (1.6.27) replaces the item by an empty value instead of deleting it; the new item takes F (default 0), "
      "T (default none) and the old CAS unless E is given (process_mdelete_command remove_val: item_alloc(key, F, T, 2) "
      "+ do_store_item NREAD_SET)")
v1639("v1639-ma-E",
      [L("ma n N0 J5 E42 c v", "ma n E43 c v", "mg n c v", "ma n Exyz")],
      "ma E<cas> (1.6.27): vivify stores with the given CAS; an in-place increment gets it via ITEM_set_cas; "
      "a bad E token is reported as invalid or duplicate flag (ma ignores the preparse errstr)")
v1639("v1639-meta-E0",
      [st("set", "a", b"x"), L("md a I E0", "mg a c"), L("ms zz 1 c"), b"x\r\n", st("set", "n", b"1"),
       L("ma n E0 c", "mg n c"), st("set", "n9", b"9"), L("ma n9 E0 c", "mg n9 c", "mg q N30 E0 c", "md q x E0",
                                                       "mg q c", "ma v N0 E0 c", "mg v c"),
       L("ms b 1 E0 c"), b"y\r\n", L("ms zz 1 c"), b"x\r\n"],
      "E0 gives CAS 0 where memcached tests has_cas_in (md I, md x, mg N, ma N, ma in place, which still takes a "
      "unique first in do_add_delta; ma into a new item reports 0 while the new item keeps its unique) and takes no "
      "unique for it; ms tests the value (c->cas ? c->cas : get_cas_id()), so there E0 is no E")
v1639("v1639-ms-E0-refused",
      [L("ms zz 1 c"), b"x\r\n", L("ms n2 2 E0 MX"), b"99\r\n", L("ms zz 1 c"), b"x\r\n", L("ms n2 2 E0"),
       b"999\r\n", L("ms zz 1 c"), b"x\r\n", L("ms n2 2 E7 MX"), b"99\r\n", st("set", "q", b"x"), L("gets q"),
       L("ms zz 1 c"), b"x\r\n", L("ms n2 2 E0 MX"), b"99\r\n", st("set", "q", b"x"), L("gets q")],
      "an ms refused after parsing (bad mode, bad data chunk) takes a cas unique only without E: "
      "process_mset_command sets c->cas = has_cas_in ? cas_id_in : get_cas_id(), so E0 takes none and leaves "
      "c->cas 0 for the next set, while E7 leaves 7 for it")
v1639("v1639-me-exp-seconds-left",
      [st("set", "k", b"val", exp=100), st("set", "n", b"v", flags=1), L("me k", "me n")],
      "me in 1.6.39 prints exp= as the seconds left (it->exptime - current_time; 1.6.18 printed the negation), "
      "-1 without TTL",
      masks="time,cas")
v1639("v1639-flush-keeps-cas-counter",
      [st("set", "a", b"1"), L("flush_all"), st("set", "b", b"2"), L("gets a b")],
      "1.6.39 flush_all sets oldest_live = now-1 and unlinks recent items (item_flush_expired) without taking a cas "
      "unique (1.6.18 called get_cas_id() here); its cas counter starts at 1 (items.c), so a gets 2 and b, stored "
      "right after the flush, survives with 3")
v1639("v1639-cas-consumed-by-failed-add",
      [st("set", "a", b"1"), st("add", "a", b"2"), st("set", "b", b"3"), L("gets b")],
      "1.6.39 takes the new cas unique before storing (complete_nread_ascii: store_item(..., get_cas_id())), "
      "so a failed add still consumes one: a gets 2, the add 3, b 4 (1.6.18 assigned it on link and printed 2)")


case("meta-t-flag-order",
     [L("mg a t N30", "mg b N30 t", "mg c t N30 T20", "mg e T20 t N30", "mg f N30 t T20", "mg i T0 t N30",
        "mg g N0 t v"),
      st("set", "x", b"5", exp=100),
      L("mg x t T50", "mg x t", "ma x t T30", "ma x T40 t", "ma y t N30", "ma v T20 t N30", "ma u N30 t T20")],
     "mg and ma print t as they walk the flags (proto_text.c process_mget_command and process_marithmetic_command "
     "set it->exptime at T, and at N only for the item they created, which starts with none): a t before a later T "
     "or N shows the expiry from before it, -1 for a created item",
     source=REC_1639)
case("meta-ma-t-new-item",
     [st("set", "z", b"9", exp=100), L("ma z T40 t", "mg z t")],
     "ma T when the result is longer (9 -> 10) and so needs a new item: do_add_delta returns the old, unlinked copy, "
     "T sets that copy's expiry and t prints it, while the linked new item keeps the old expiry (mg shows t100)",
     source=REC_1639)
case("meta-ma-t-held-item",
     [st("set", "y", b"5", exp=100), L("mg y v", "ma y T40 t", "mg y t")],
     "ma T while the queued mg reply still holds the item (refcount > 2): do_add_delta makes a new item, T sets the "
     "old copy's expiry and t prints it, the new item keeps t100",
     source=REC_1639)
case("meta-mg-R-before-T",
     [st("set", "a", b"x"), L("mg a R30 T2592001"), st("set", "b", b"x"), L("mg b T2592001 R30"),
      st("set", "e", b"x", exp=100), L("mg e R30 T10"), st("set", "f", b"x", exp=100), L("mg f T10 R30"),
      st("set", "g", b"x", exp=10), L("mg g R30 T100", "mg g R30 T100")],
     "mg R compares the expiry the item has when the flag loop reaches it (process_mget_command): an R before a T "
     "sees the old expiry (none, or 100 s), an R after it the new one (already past, or 10 s)",
     source=REC_1639)
case("meta-t-flag-past-expiry",
     [st("set", "c", b"x"), L("mg c T-1 t"), st("set", "d", b"x"), L("mg d T3000000 t", "mg e T2592001 t N30",
                                                                      "ma s T-1 t N5")],
     "t of an item whose expiry T or N just set in the past (T-1, or a Unix time before the server started) is "
     "it->exptime - current_time in 32 unsigned bits: realtime() makes that expiry 1, so t is 2^32 + 1 - "
     "current_time",
     source=REC_1639)


# --------------------------------------------------------------------------

def write_case(root, c):
    d = os.path.join(root, c["name"])
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "input.bin"), "wb") as f:
        f.write(c["data"])
    pp = os.path.join(d, "case.properties")
    old = record.read_props(pp) if os.path.exists(pp) else {}
    props = {"description": c["description"], "source": c["source"], "args": c["args"]}
    if c["expected"] is not None:
        with open(os.path.join(d, "expected.bin"), "wb") as f:
            f.write(c["expected"])
        props["closes"] = "true" if c["closes"] else "false"
    else:
        props["closes"] = old.get("closes", "false")
    if c["masks"]:
        props["masks"] = c["masks"]
    record.write_props(pp, props)


def main():
    ap = argparse.ArgumentParser(description="write the transcript case inputs")
    ap.add_argument("--root", default=DEFAULT_ROOT)
    ap.add_argument("--only", default="", help="only cases whose name starts with this")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    n = 0
    for c in CASES:
        if not c["name"].startswith(a.only):
            continue
        if a.list:
            print(c["name"])
        else:
            write_case(a.root, c)
        n += 1
    print("%d case(s)" % n, file=sys.stderr)


if __name__ == "__main__":
    main()
