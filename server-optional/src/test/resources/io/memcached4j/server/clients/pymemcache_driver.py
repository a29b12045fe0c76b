#!/usr/bin/python3
# Copyright 2026 The memcached4j authors. SPDX-License-Identifier: Apache-2.0
"""Runs pymemcache calls for the Java scenarios: usage pymemcache_driver.py HOST PORT.

Each line on stdin is "ID OP ARG...", each line on stdout "ID RESULT...", in the order the calls finish. Keys and
values travel as "x" and their bytes in hex. Calls run on a small thread pool, one pymemcache client per thread, so
that calls sent together run at once. A failure answers "ID E <exception class> <message as hex>".
"""

import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from pymemcache.client.base import Client

HOST = sys.argv[1]
PORT = int(sys.argv[2])
LOCAL = threading.local()
OUT = threading.Lock()


def client():
    c = getattr(LOCAL, "client", None)
    if c is None:
        c = Client((HOST, PORT), connect_timeout=5, timeout=10, no_delay=True, default_noreply=False)
        LOCAL.client = c
    return c


def h(data):
    return "x" + data.hex()


def b(text):
    return bytes.fromhex(text[1:])


def flag(ok):
    return "T" if ok else "F"


def number(value):
    return "N" if value is None else "L " + str(int(value))


def run(op, args):
    c = client()
    if op in ("set", "add", "replace"):
        return flag(getattr(c, op)(b(args[0]), b(args[1]), expire=int(args[2]), noreply=False))
    if op in ("append", "prepend"):
        return flag(getattr(c, op)(b(args[0]), b(args[1]), noreply=False))
    if op == "get":
        value = c.get(b(args[0]))
        return "N" if value is None else "V " + h(value)
    if op == "getm":
        hits = c.get_many([b(k) for k in args])
        return " ".join(["M"] + [h(k) + ":" + h(v) for k, v in hits.items()])
    if op == "gets":
        value, cas = c.gets(b(args[0]))
        return "N" if value is None else "C " + h(value) + " " + str(int(cas))
    if op == "cas":
        result = c.cas(b(args[0]), b(args[1]), int(args[2]), noreply=False)
        return {True: "STORED", False: "EXISTS", None: "NOT_FOUND"}[result]
    if op == "delete":
        return flag(c.delete(b(args[0]), noreply=False))
    if op == "incr":
        return number(c.incr(b(args[0]), int(args[1]), noreply=False))
    if op == "decr":
        return number(c.decr(b(args[0]), int(args[1]), noreply=False))
    if op == "touch":
        return flag(c.touch(b(args[0]), expire=int(args[1]), noreply=False))
    if op == "flush":
        return flag(c.flush_all(noreply=False))
    raise ValueError("unknown op " + op)


def answer(call_id, op, args):
    try:
        result = run(op, args)
    except Exception as ex:  # reported to the Java side, which decides
        result = "E " + type(ex).__name__ + " " + h(str(ex).encode())
    with OUT:
        sys.stdout.write(call_id + " " + result + "\n")
        sys.stdout.flush()


def main():
    with ThreadPoolExecutor(max_workers=8) as pool:
        for line in sys.stdin:
            parts = line.split()
            if parts:
                pool.submit(answer, parts[0], parts[1], parts[2:])


if __name__ == "__main__":
    main()
