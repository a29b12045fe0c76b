#!/usr/bin/env python3
"""Turn JMH JSON results of the engine benchmarks into the markdown tables of BENCHMARKS.md.

Usage: summarize.py RESULT.json [RESULT.json ...]

For each benchmark (getHit, getMiss, set, mix90) and key distribution it prints the throughput of every class with
its 99.9% error, the ratio of each engine path to each anchor, and the allocation per operation as the median of
the measurement iterations (JMH's gc profiler counts the trial teardown, which reads the cache's statistics, in the
last iteration; the median is not affected by it).
"""
import json
import statistics
import sys

CLASSES = ["EngineVarHandleBenchmark", "EngineUnsafeBenchmark", "CaffeineBenchmark", "CaffeineBenchmark:shared",
           "CaffeineBenchmark:distinct", "CaffeineBenchmark:shared:read", "CaffeineBenchmark:distinct:read",
           "CaffeineBytesBenchmark", "OhcBenchmark"]
SHORT = {"EngineVarHandleBenchmark": "engine, VarHandle", "EngineUnsafeBenchmark": "engine, Unsafe",
         "CaffeineBenchmark": "Caffeine (String keys)",
         "CaffeineBenchmark:shared": "Caffeine (String keys, one shared value array)",
         "CaffeineBenchmark:distinct": "Caffeine (String keys, an array per entry)",
         "CaffeineBenchmark:shared:read": "Caffeine, value copied out (shared array)",
         "CaffeineBenchmark:distinct:read": "Caffeine, value copied out (array per entry)",
         "CaffeineBytesBenchmark": "Caffeine (byte keys)",
         "OhcBenchmark": "OHC"}


def load(paths):
    rows = {}
    for path in paths:
        for r in json.load(open(path)):
            cls, method = r["benchmark"].split(".")[-2:]
            arrays = r["params"].get("valueArrays")
            if arrays:
                cls = f"{cls}:{arrays}"
            if method.endswith("Read"):
                # a Caffeine get followed by a copy of the value: compared with the engine's get (which copies)
                method = method[:-len("Read")]
                cls = f"{cls}:read"
            key = (r["threads"], method, r["params"].get("distribution", ""), cls)
            alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
            median_alloc = None
            if alloc:
                values = [v for fork in alloc["rawData"] for v in fork]
                median_alloc = statistics.median(values)
            rows[key] = (r["primaryMetric"]["score"], r["primaryMetric"]["scoreError"], median_alloc)
    return rows


def main():
    rows = load(sys.argv[1:])
    for threads in sorted({k[0] for k in rows}):
        for method in ["getHit", "getMiss", "set", "mix90"]:
            for dist in ["uniform", "zipf"]:
                present = [c for c in CLASSES if (threads, method, dist, c) in rows]
                if not present:
                    continue
                print(f"\n**{method}, {dist}, {threads} thread{'s' if threads > 1 else ''}**\n")
                print("| implementation | ops/s | ± (99.9%) | B/op (median) | vs Caffeine (String) | vs Caffeine (byte) "
                      "| vs OHC | vs Caffeine, value copied out (array per entry) |")
                print("|---|---:|---:|---:|---:|---:|---:|---:|")
                for c in present:
                    score, err, alloc = rows[(threads, method, dist, c)]
                    ratios = []
                    for anchor in ["CaffeineBenchmark", "CaffeineBytesBenchmark", "OhcBenchmark",
                                   "CaffeineBenchmark:distinct:read"]:
                        a = rows.get((threads, method, dist, anchor)) or \
                            rows.get((threads, method, dist, anchor + ":shared"))
                        ratios.append(f"{score / a[0]:.2f}" if a and c.startswith("Engine") else "")
                    a_text = "" if alloc is None else f"{alloc:.3f}"
                    print(f"| {SHORT[c]} | {score:,.0f} | {err:,.0f} | {a_text} | " + " | ".join(ratios) + " |")


if __name__ == "__main__":
    main()
