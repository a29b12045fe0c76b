#!/usr/bin/env python3
"""A/B load test: the same load against two memcached-compatible servers, alternately.

Server A is the real memcached (default /usr/bin/memcached); server B is any command that takes memcached's flags
(for example server-optional/bin/memcached4j), given with --server-b or the LOADTEST_SERVER_B environment variable.
For every configuration (server -t, protocol, mix, pipeline depth) the script runs A B A B ... (--repeats pairs),
each run against a freshly started server (same -t, -m and -c, a free loopback port), with the Java load generator
io.memcached4j.benchmarks.load.LoadGenerator. It prints, per configuration, the median throughput of each server,
the ratio B/A, and the median p50/p99/p99.9 latency of each, and writes a markdown table (with the exact command
and the machine) that can be pasted into BENCHMARKS.md, plus every run's JSON summary.

Python 3 standard library only. See benchmarks/scripts/LOADTEST.md.

Examples (from the repository root):
  benchmarks/scripts/loadtest.py --server-b server-optional/bin/memcached4j
  benchmarks/scripts/loadtest.py --server-b /usr/bin/memcached --quick        # proves the script with two memcacheds
  LOADTEST_SERVER_B=server-optional/bin/memcached4j benchmarks/scripts/loadtest.py --threads 1 --protocols binary
"""
import argparse
import datetime
import glob
import json
import os
import platform
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import time

OTHER_LOAD = 0.2  # cores used by other processes above which a row is marked as disturbed
MIXES = {"get-heavy": "1:10", "set-heavy": "10:1", "balanced": "1:1"}
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
GENERATOR = "io.memcached4j.benchmarks.load.LoadGenerator"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="Mixes: " + ", ".join("%s=%s (set:get)" % kv for kv in MIXES.items()) +
                                "; or NAME=S:G. Lists are comma separated.")
    p.add_argument("--server-a", default="/usr/bin/memcached", help="command of server A (default %(default)s)")
    p.add_argument("--server-b", default=os.environ.get("LOADTEST_SERVER_B"),
                   help="command of server B (default $LOADTEST_SERVER_B)")
    p.add_argument("--name-a", default=None, help="label of server A (default: its version)")
    p.add_argument("--name-b", default=None, help="label of server B (default: its version)")
    p.add_argument("--threads", default="1,2", help="server -t values (default %(default)s)")
    p.add_argument("--protocols", default="binary,meta,text", help="text, meta, binary (default %(default)s)")
    p.add_argument("--pipelines", default="1,16", help="pipeline depths (default %(default)s)")
    p.add_argument("--mixes", default="get-heavy,set-heavy", help="mixes (default %(default)s)")
    p.add_argument("--value-size", default="100", help="value size, N or MIN-MAX (default %(default)s)")
    p.add_argument("--keys", default="100000", help="key count (default %(default)s)")
    p.add_argument("--key-size", default="16", help="key length (default %(default)s)")
    p.add_argument("--connections", default=None,
                   help="generator connections: one number, or P=N pairs per pipeline depth (default: 50 per "
                        "generator thread at pipeline 1, 8 per generator thread when pipelining)")
    p.add_argument("--gen-threads", default="auto",
                   help="generator event-loop threads, or auto = the server's -t (default %(default)s)")
    p.add_argument("--rate", default=None,
                   help="fixed rate in ops/s (open loop) instead of closed loop, the same for both servers")
    p.add_argument("--duration", default="10s", help="measured time per run (default %(default)s)")
    p.add_argument("--warmup", default="2s", help="warmup per run (default %(default)s)")
    p.add_argument("--repeats", type=int, default=3, help="A B pairs per configuration (default %(default)s)")
    p.add_argument("--memory", default="1024", help="server -m in MiB (default %(default)s)")
    p.add_argument("--max-conns", default="4096", help="server -c (default %(default)s)")
    p.add_argument("--server-args", default="", help="extra arguments for both servers")
    p.add_argument("--gen-args", default="", help="extra arguments for the generator")
    p.add_argument("--java", default=os.environ.get("JAVA", "java"), help="java for the generator")
    # AutoBoxCacheMax: the JDK's epoll selector boxes each ready file descriptor (Integer.valueOf); past 127
    # that would allocate per event.
    p.add_argument("--jvm-args", default="-XX:+UseSerialGC -Xms256m -Xmx256m -XX:AutoBoxCacheMax=65536",
                   help="generator JVM options (default %(default)s)")
    p.add_argument("--jar", default=os.path.join(ROOT, "benchmarks", "target", "benchmarks.jar"),
                   help="benchmarks jar (default %(default)s)")
    p.add_argument("--build", action="store_true", help="build the benchmarks jar first (./mvnw package)")
    p.add_argument("--nice", type=int, default=None,
                   help="run servers and generator under nice -n N (negative needs root), to shield the "
                        "measurement from other load on the machine")
    p.add_argument("--out", default=None, help="output prefix (default benchmarks/target/loadtest-<time>)")
    p.add_argument("--from-jsonl", default=None,
                   help="do not run anything: print the table again from a .jsonl written by an earlier run "
                        "(give the run's other options too: they describe it under the table)")
    p.add_argument("--quick", action="store_true",
                   help="a short smoke run; defaults become -t 1, binary and text, pipeline 1 and 16, get-heavy, 1 pair, "
                        "3 s (options given still apply)")
    if "--quick" in sys.argv[1:]:
        p.set_defaults(threads="1", protocols="binary,text", pipelines="1,16", mixes="get-heavy", repeats=1,
                       duration="3s", warmup="1s")
    a = p.parse_args()
    if not a.server_b and not a.from_jsonl:
        p.error("server B is required: --server-b CMD or LOADTEST_SERVER_B "
                "(e.g. server-optional/bin/memcached4j, or /usr/bin/memcached to check the script)")
    return a


def split_list(text):
    return [x.strip() for x in text.split(",") if x.strip()]


def mix_ratio(name):
    if "=" in name:
        name, ratio = name.split("=", 1)
        return name, ratio
    if name not in MIXES:
        sys.exit("unknown mix %r (known: %s, or NAME=S:G)" % (name, ", ".join(MIXES)))
    return name, MIXES[name]


def gen_threads_for(spec, server_threads):
    return server_threads if spec == "auto" else int(spec)


def connections_for(spec, pipeline, gen_threads):
    table = {1: 50 * gen_threads}
    default = 8 * gen_threads
    if spec:
        if "=" not in spec:
            return int(spec)
        table = {}
        for pair in split_list(spec):
            k, v = pair.split("=")
            table[int(k)] = int(v)
    return table.get(pipeline, default)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_pid(port):
    """The pid of the process listening on 127.0.0.1:port (the JVM behind a launcher script, for example)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if int(fields[1].split(":")[1], 16) == port and fields[3] == "0A":
                        inodes.add(fields[9])
        except OSError:
            pass
    for fd_dir in glob.glob("/proc/[0-9]*/fd"):
        try:
            for fd in os.listdir(fd_dir):
                try:
                    link = os.readlink(os.path.join(fd_dir, fd))
                except OSError:
                    continue
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(fd_dir.split("/")[2])
        except OSError:
            continue
    return None


class Server:
    """A server started in its own session; stopped by signalling that process group."""

    def __init__(self, command, threads, args, nice, log):
        self.port = free_port()
        argv = shlex.split(command) + ["-p", str(self.port), "-U", "0", "-l", "127.0.0.1", "-t", str(threads),
                                       "-m", args.memory, "-c", args.max_conns] + shlex.split(args.server_args)
        if os.geteuid() == 0:
            argv += ["-u", "root"]
        if nice is not None:
            argv = ["nice", "-n", str(nice)] + argv
        self.argv = argv
        self.log = open(log, "ab")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.version = self._wait_ready()
        self.pid = listening_pid(self.port) or self.proc.pid

    def _wait_ready(self, timeout=30.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited with %s: %s" % (self.proc.returncode, " ".join(self.argv)))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"version\r\n")
                    data = b""
                    while not data.endswith(b"\r\n"):
                        chunk = s.recv(256)
                        if not chunk:
                            break
                        data += chunk
                    if data.startswith(b"VERSION "):
                        return data[8:].strip().decode("ascii", "replace")
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not answer on port %d: %s" % (self.port, " ".join(self.argv)))

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass
        self.log.close()


def run_generator(args, server, threads, protocol, ratio, pipeline, log, label):
    gen_threads = gen_threads_for(args.gen_threads, threads)
    cmd = []
    if args.nice is not None:
        cmd += ["nice", "-n", str(args.nice)]
    cmd += [args.java] + shlex.split(args.jvm_args) + ["-cp", args.jar, GENERATOR,
                                                       "--port", str(server.port), "--protocol", protocol,
                                                       "--connections",
                                                       str(connections_for(args.connections, pipeline, gen_threads)),
                                                       "--threads", str(gen_threads), "--pipeline", str(pipeline),
                                                       "--ratio", ratio, "--value-size", args.value_size,
                                                       "--keys", args.keys, "--key-size", args.key_size,
                                                       "--duration", args.duration, "--warmup", args.warmup,
                                                       "--server-pid", str(server.pid), "--label", label]
    if args.rate:
        cmd += ["--rate", args.rate]
    cmd += shlex.split(args.gen_args)
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with open(log, "a") as f:
        f.write("$ " + " ".join(shlex.quote(c) for c in cmd) + "\n" + out.stdout + "\n")
    summary = None
    for line in out.stdout.splitlines():
        if line.startswith("{"):
            summary = json.loads(line)
    if summary is None or summary.get("failed"):
        raise RuntimeError("generator failed (exit %d):\n%s" % (out.returncode, out.stdout[-2000:]))
    return summary


def machine():
    def first(cmd):
        try:
            return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
        except OSError:
            return ""
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
            "jdk": (first([args_java(), "-version"]).splitlines() or ["?"])[0:2],
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30, 1)}


_JAVA = ["java"]


def args_java():
    return _JAVA[0]


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt_ops(v):
    return "-" if v is None else "{:,.0f}".format(v)


def fmt_us(v):
    if v is None:
        return "-"
    return "%.0f" % v if v >= 100 else "%.1f" % v


def cpu_per_request(r):
    """Microseconds of the server's CPU per request in one run, or None."""
    if r.get("server_cpu") is None or not r["ops_per_sec"]:
        return None
    return 1e6 * r["server_cpu"] / r["ops_per_sec"]


def pair_ratios(runs_a, runs_b):
    """B/A of each A B pair, in the order the pairs ran."""
    return [b["ops_per_sec"] / a["ops_per_sec"] for a, b in zip(runs_a, runs_b) if a["ops_per_sec"]]


def summarize(runs):
    lat = lambda p: med([r["latency_us"][p] for r in runs])
    return {"ops": med([r["ops_per_sec"] for r in runs]), "all_ops": [r["ops_per_sec"] for r in runs],
            "cpu_us": med([cpu_per_request(r) for r in runs]),
            "p50": lat("p50"), "p99": lat("p99"), "p999": lat("p99.9"),
            "server_cpu": med([r.get("server_cpu") for r in runs]),
            "gen_cpu": med([r.get("generator_cpu") for r in runs]),
            "other_cpu": max([max(0.0, r["machine_cpu"] - (r.get("server_cpu") or 0) - r["generator_cpu"])
                              for r in runs if r.get("machine_cpu") is not None] or [None]),
            "errors": sum(r["errors"] + r["timeouts"] + r["failed_connections"] + r["preload_errors"]
                          for r in runs),
            "misses": sum(r["misses"] for r in runs)}


def rerender(args):
    groups, names, cmd = {}, {}, None
    with open(args.from_jsonl) as f:
        for line in f:
            r = json.loads(line)
            cmd = r.get("command", cmd)
            key = (r["server_threads"], r["protocol"], r["mix"], r["ratio"], r["pipeline"])
            groups.setdefault(key, {"A": [], "B": []})[r["server"]].append(r)
            names[r["server"]] = r.get("server_name", r["server"])
    results = []
    for key, runs in groups.items():
        a, b = summarize(runs["A"]), summarize(runs["B"])
        b["pairs"] = pair_ratios(runs["A"], runs["B"])
        results.append((key, a, b, b["ops"] / a["ops"] if a["ops"] and b["ops"] else None))
    args.repeats = max(len(v["A"]) for v in groups.values())
    print(render(args, names, results, machine(), cmd))


def main():
    args = parse_args()
    _JAVA[0] = args.java
    if args.from_jsonl:
        rerender(args)
        return
    if args.build or not os.path.exists(args.jar):
        print("building %s ..." % args.jar, flush=True)
        subprocess.run([os.path.join(ROOT, "mvnw"), "-B", "-q", "package", "-pl", "benchmarks", "-am",
                        "-DskipTests"], cwd=ROOT, check=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = args.out or os.path.join(ROOT, "benchmarks", "target", "loadtest-" + stamp)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    log = out + ".log"
    jsonl = open(out + ".jsonl", "w")
    servers = [("A", args.server_a), ("B", args.server_b)]
    names = {"A": args.name_a, "B": args.name_b}

    configs = []
    for t in split_list(args.threads):
        for proto in split_list(args.protocols):
            for mix in split_list(args.mixes):
                for pipe in split_list(args.pipelines):
                    configs.append((int(t), proto, mix_ratio(mix), int(pipe)))
    per_run = (parse_seconds(args.duration) + parse_seconds(args.warmup) + 3)
    print("%d configurations x %d pairs = %d runs, about %.0f minutes; log %s" %
          (len(configs), args.repeats, 2 * len(configs) * args.repeats,
           2 * len(configs) * args.repeats * per_run / 60, log), flush=True)

    results = []
    for (t, proto, (mix, ratio), pipe) in configs:
        runs = {"A": [], "B": []}
        for rep in range(args.repeats):
            for tag, command in servers:
                server = Server(command, t, args, args.nice, log)
                try:
                    names[tag] = names[tag] or (os.path.basename(shlex.split(command)[0]) + " " + server.version)
                    label = "%s t%d %s %s p%d #%d" % (tag, t, proto, mix, pipe, rep + 1)
                    r = run_generator(args, server, t, proto, ratio, pipe, log, label)
                finally:
                    server.stop()
                r["server"] = tag
                r["server_name"] = names[tag]
                r["server_threads"] = t
                r["mix"] = mix
                r["command"] = command_line()
                runs[tag].append(r)
                jsonl.write(json.dumps(r) + "\n")
                jsonl.flush()
                print("  %-34s %12s ops/s  p50 %7s  p99 %7s  p99.9 %7s us  server cpu %s  errors %d" %
                      (label, fmt_ops(r["ops_per_sec"]), fmt_us(r["latency_us"]["p50"]),
                       fmt_us(r["latency_us"]["p99"]), fmt_us(r["latency_us"]["p99.9"]),
                       "-" if r.get("server_cpu") is None else "%.0f%%" % (100 * r["server_cpu"]),
                       r["errors"] + r["timeouts"]), flush=True)
        a, b = summarize(runs["A"]), summarize(runs["B"])
        b["pairs"] = pair_ratios(runs["A"], runs["B"])
        ratio_ba = b["ops"] / a["ops"] if a["ops"] else None
        results.append(((t, proto, mix, ratio, pipe), a, b, ratio_ba))
        print("=> -t %d %s %s pipeline %d: A %s  B %s ops/s  B/A %s" %
              (t, proto, mix, pipe, fmt_ops(a["ops"]), fmt_ops(b["ops"]),
               "-" if ratio_ba is None else "%.2f" % ratio_ba), flush=True)
    jsonl.close()

    md = render(args, names, results, machine())
    with open(out + ".md", "w") as f:
        f.write(md)
    print()
    print(md)
    print("written: %s.md, %s.jsonl, %s" % (out, out, log))


def parse_seconds(text):
    m = re.fullmatch(r"([0-9.]+)(ms|s|m)?", text.strip())
    if not m:
        return 10
    v = float(m.group(1))
    return {"ms": v / 1000, "s": v, "m": v * 60, None: v}[m.group(2)]


def command_line():
    return " ".join(shlex.quote(a) for a in [os.path.relpath(sys.argv[0], ROOT)] + sys.argv[1:])


def render(args, names, results, mach, cmd=None):
    cmd = cmd or command_line()
    lines = []
    lines.append("### Load test: %s (A) vs %s (B)" % (names["A"], names["B"]))
    lines.append("")
    lines.append("Measured %s with `%s` (from the repository root)." %
                 (datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), cmd))
    lines.append("")
    jdk = " ".join(x.strip() for x in mach["jdk"])
    lines.append("Machine: %s CPUs (`nproc`), %s, %s GiB, Linux %s, %s." %
                 (mach["nproc"], mach["cpu"], mach["memory_gib"], mach["kernel"], jdk))
    lines.append("")
    conns = "; ".join("-t %d: %s" % (t, ", ".join(
        "pipeline %d: %d" % (p, connections_for(args.connections, p, gen_threads_for(args.gen_threads, t)))
        for p in sorted({r[0][4] for r in results}))) for t in sorted({r[0][0] for r in results}))
    gthreads = ", ".join("%d with -t %d" % (gen_threads_for(args.gen_threads, t), t)
                         for t in sorted({r[0][0] for r in results}))
    lines.append("Servers started fresh for every run on a free loopback port with `-U 0 -l 127.0.0.1 -t T -m %s "
                 "-c %s%s%s`; runs alternate A B A B (%d pairs per row); each figure is the median of its runs. "
                 "Generator: `LoadGenerator`, %s, event-loop threads %s, connections %s, %s keys of %s B "
                 "preloaded, uniform random keys, values of %s B, warmup %s, measured %s%s." %
                 (args.memory, args.max_conns, " -u root" if os.geteuid() == 0 else "",
                  (" " + args.server_args) if args.server_args else "", args.repeats,
                  "fixed rate %s ops/s" % args.rate if args.rate else "closed loop", gthreads, conns,
                  args.keys, args.key_size, args.value_size, args.warmup, args.duration,
                  (", nice %d" % args.nice) if args.nice is not None else ""))
    lines.append("")
    lines.append("| -t | protocol | mix (set:get) | pipeline | A ops/s | B ops/s | B/A | B/A of the pairs "
                 "| A p50 / p99 / p99.9 us | B p50 / p99 / p99.9 us | CPU A / B / generator "
                 "| server CPU us per request A / B | errors A / B |")
    lines.append("|---:|---|---|---:|---:|---:|---:|---|---|---|---|---|---|")
    disturbed = 0
    for (t, proto, mix, ratio, pipe), a, b, r in results:
        busy = max([x for x in (a["other_cpu"], b["other_cpu"]) if x is not None] or [0.0]) > OTHER_LOAD
        disturbed += busy
        cpu = "%s / %s / %s" % (pct(a["server_cpu"]), pct(b["server_cpu"]), pct(med([a["gen_cpu"], b["gen_cpu"]])))
        pairs = " ".join("%.2f" % x for x in sorted(b.get("pairs") or [])) or "-"
        lines.append("| %d | %s | %s (%s) | %d | %s | %s | %s | %s | %s / %s / %s | %s / %s / %s | %s | %s / %s "
                     "| %d / %d |" %
                     (t, proto, mix, ratio, pipe, fmt_ops(a["ops"]), fmt_ops(b["ops"]),
                      ("-" if r is None else "%.2f" % r) + (" *" if busy else ""), pairs,
                      fmt_us(a["p50"]), fmt_us(a["p99"]), fmt_us(a["p999"]),
                      fmt_us(b["p50"]), fmt_us(b["p99"]), fmt_us(b["p999"]), cpu,
                      fmt_cpu(a["cpu_us"]), fmt_cpu(b["cpu_us"]), a["errors"], b["errors"]))
    lines.append("")
    other = max([x for _, a, b, _ in results for x in (a["other_cpu"], b["other_cpu"]) if x is not None] or [None])
    lines.append("B/A of the pairs: each pair's ratio, sorted. CPU is in cores (100%% = one core) over the measured "
                 "window: the server's from /proc/PID/stat, the generator's from its JVM; per request, the server's "
                 "CPU time over the requests of the window (median of the runs). Other processes used at most %s of the machine during a run%s. "
                 "Errors count error replies, wrong values, timeouts and lost connections (should be 0); "
                 "misses: A %d, B %d." %
                 (pct(other), "; rows marked * had runs where they took more than %s, and their figures are "
                  "disturbed (%d rows)" % (pct(OTHER_LOAD), disturbed) if disturbed else "",
                  sum(a["misses"] for _, a, _, _ in results), sum(b["misses"] for _, _, b, _ in results)))
    lines.append("")
    return "\n".join(lines)


def fmt_cpu(v):
    return "-" if v is None else "%.2f" % v


def pct(v):
    return "-" if v is None else "%.0f%%" % (100 * v)


if __name__ == "__main__":
    main()
