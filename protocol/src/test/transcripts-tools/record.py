#!/usr/bin/env python3
"""Record golden protocol transcripts from a real memcached binary.

Each case directory under ../resources/transcripts/ holds

    input.bin        the exact bytes a client sends (one write)
    expected.bin     the exact bytes memcached answered (written by this script)
    case.properties  args, source, closes, masks, description

For every recorded case (source = memcached-*) this script starts a fresh
memcached with the case's args on a free 127.0.0.1 port (plus -U 0, and
-u root when running as root), connects, sends input.bin in one write, and
waits until the server either closes the connection or stays silent for
--settle seconds.  If the server closed first, the case gets closes=true.
Otherwise the client half-closes (shutdown(SHUT_WR)) and keeps reading until
EOF or --drain seconds of silence; closes=false.  The bytes read are written
to expected.bin.

With --check nothing is written: every recorded case is replayed against a
fresh server and compared, after applying the case's masks (see normalize()),
with the expected.bin on disk.  This is how determinism is verified.

Python 3 standard library only.

Usage:
    record.py [--check] [--memcached PATH] [CASE_DIR_OR_PARENT ...]

Without paths it processes every case under ../resources/transcripts/.
"""

import argparse
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_ROOT = os.path.normpath(
    os.path.join(HERE, "..", "resources", "transcripts"))


# --------------------------------------------------------------------------
# case.properties (a small subset of java.util.Properties: key=value lines,
# '#' comments, backslash escapes; we only ever write ASCII)

def _unescape(value):
    out = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append({"t": "\t", "n": "\n", "r": "\r", "f": "\f"}.get(nxt, nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _escape(value):
    value = value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
    if value.startswith(" "):
        value = "\\" + value
    return value


def read_props(path):
    props = {}
    with open(path, "r", encoding="latin-1") as f:
        for raw in f:
            line = raw.strip("\r\n").lstrip()
            if not line or line[0] in "#!":
                continue
            m = re.match(r"([^=:\s]+)\s*[=:]?\s*(.*)$", line)
            if m:
                props[m.group(1)] = _unescape(m.group(2))
    return props


def write_props(path, props):
    order = ["description", "source", "args", "closes", "masks"]
    keys = [k for k in order if k in props] + sorted(k for k in props if k not in order)
    with open(path, "w", encoding="latin-1", newline="\n") as f:
        for k in keys:
            f.write("%s=%s\n" % (k, _escape(str(props[k]))))


# --------------------------------------------------------------------------
# memcached process handling

def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _listening(port):
    """True once a TCP socket listens on 127.0.0.1:port (Linux /proc check,
    so that no probe connection shows up in the server's stats)."""
    want = ":%04X" % port
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                fields = line.split()
                if fields[1].endswith(want) and fields[3] == "0A":
                    return True
        return False
    except OSError:
        # No /proc: fall back to a probe connection.
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            return False


def start_memcached(binary, args, port):
    cmd = [binary, "-p", str(port), "-U", "0", "-l", "127.0.0.1"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd += ["-u", "root"]
    cmd += args
    # stderr goes to a temporary file (not a pipe nobody drains: a case that
    # raises the verbosity must not be able to block the server).
    errf = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=errf)
    proc.errfile = errf
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            errf.seek(0)
            err = errf.read().decode("latin-1", "replace")
            errf.close()
            raise RuntimeError("memcached exited (%s): %s" % (proc.returncode, err.strip()))
        if _listening(port):
            return proc
        time.sleep(0.02)
    stop_memcached(proc)
    raise RuntimeError("memcached did not start listening on port %d" % port)


def stop_memcached(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    proc.errfile.close()


# --------------------------------------------------------------------------
# one client exchange

def exchange(port, payload, settle=1.0, drain=2.0):
    """Send payload in one write; return (response bytes, closes)."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    cond = threading.Condition()
    state = {"buf": bytearray(), "eof": False, "last": time.monotonic()}

    def reader():
        while True:
            try:
                chunk = sock.recv(1 << 16)
            except OSError:          # ECONNRESET and friends count as EOF
                chunk = b""
            with cond:
                if not chunk:
                    state["eof"] = True
                    cond.notify_all()
                    return
                state["buf"] += chunk
                state["last"] = time.monotonic()
                cond.notify_all()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    try:
        sock.sendall(payload)
    except OSError:
        pass                         # server closed on us mid-send
    sent_at = time.monotonic()

    def wait_quiet(quiet, since):
        with cond:
            while not state["eof"]:
                idle = time.monotonic() - max(state["last"], since)
                if idle >= quiet:
                    break
                cond.wait(quiet - idle)
            return state["eof"]

    closes = wait_quiet(settle, sent_at)
    if not closes:
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        if not wait_quiet(drain, time.monotonic()):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
    t.join(5)
    sock.close()
    with cond:
        return bytes(state["buf"]), closes


# --------------------------------------------------------------------------
# masks (the reference definition; a replaying test must do the same)

MASK = b"<MASKED>"


def _is_binary_stream(data):
    return len(data) > 0 and data[0] == 0x81


def _normalize_binary(data, masks):
    out = bytearray()
    pos = 0
    in_stats = False
    while pos + 24 <= len(data) and data[pos] == 0x81:
        hdr = bytearray(data[pos:pos + 24])
        opcode = hdr[1]
        keylen = int.from_bytes(hdr[2:4], "big")
        extlen = hdr[4]
        bodylen = int.from_bytes(hdr[8:12], "big")
        body = bytes(data[pos + 24:pos + 24 + bodylen])
        pos += 24 + bodylen
        if "stats" in masks and opcode == 0x10:
            if keylen > 0:
                if not in_stats:
                    out += b"<STATS>"
                    in_stats = True
                continue
            in_stats = False
            hdr[16:24] = b"\0" * 8
            out += hdr + body
            continue
        in_stats = False
        if "cas" in masks:
            hdr[16:24] = b"\0" * 8
        if "version" in masks and opcode == 0x0b and hdr[6:8] == b"\0\0":
            hdr[8:12] = b"\0\0\0\0"
            body = MASK
        out += hdr + body
    out += data[pos:]
    return bytes(out)


_STAT_RUN = re.compile(rb"(?:STAT [^\r\n]*\r\n)+")
_VALUE_CAS = re.compile(rb"^(VALUE \S+ \d+ \d+) \d+\r$", re.M)
_META_LINE = re.compile(rb"^(?:HD|VA|EN|NF|NS|EX)(?: [^\r\n]*)?\r$", re.M)
_ME_LINE = re.compile(rb"^(ME |key=)[^\r\n]*\r?$", re.M)
_CACHEDUMP = re.compile(rb"^(ITEM \S+ \[\d+ b; )\d+( s\]\r)$", re.M)


def _mask_meta_flags(line, letters):
    toks = line.split(b" ")
    for i in range(1, len(toks)):
        tok = toks[i]
        if len(tok) >= 2 and tok[0:1] in letters and re.fullmatch(rb"-?\d+\r?", tok[1:]):
            cr = b"\r" if tok.endswith(b"\r") else b""
            toks[i] = tok[0:1] + MASK + cr
    return b" ".join(toks)


def _normalize_ascii(data, masks):
    if "stats" in masks:
        data = _STAT_RUN.sub(b"<STATS>\r\n", data)
    if "version" in masks:
        data = re.sub(rb"^VERSION [^\r\n]*\r$", b"VERSION " + MASK + b"\r", data, flags=re.M)
    if "cas" in masks:
        data = _VALUE_CAS.sub(rb"\1 " + MASK + rb"\r", data)
        data = _META_LINE.sub(lambda m: _mask_meta_flags(m.group(0), (b"c",)), data)
        data = _ME_LINE.sub(lambda m: re.sub(rb"\bcas=\d+", b"cas=" + MASK, m.group(0)), data)
    if "time" in masks:
        data = _META_LINE.sub(lambda m: _mask_meta_flags(m.group(0), (b"t", b"l")), data)
        data = _ME_LINE.sub(
            lambda m: re.sub(rb"\b(exp|la)=-?\d+", rb"\1=" + MASK, m.group(0)), data)
        data = _CACHEDUMP.sub(rb"\1" + MASK + rb"\2", data)
    return data


def normalize(data, masks):
    """Apply the masks named in case.properties to a response stream."""
    masks = {m.strip() for m in masks.split(",") if m.strip()} if isinstance(masks, str) else set(masks)
    if not masks:
        return data
    if _is_binary_stream(data):
        return _normalize_binary(data, masks)
    return _normalize_ascii(data, masks)


# --------------------------------------------------------------------------

def find_cases(paths):
    cases = []
    for p in paths:
        p = os.path.abspath(p)
        if os.path.isfile(os.path.join(p, "input.bin")):
            cases.append(p)
            continue
        for name in sorted(os.listdir(p)):
            d = os.path.join(p, name)
            if os.path.isfile(os.path.join(d, "input.bin")):
                cases.append(d)
    return cases


def record_one(case_dir, binary, settle, drain, check):
    props_path = os.path.join(case_dir, "case.properties")
    props = read_props(props_path)
    source = props.get("source", "")
    if not source.startswith("memcached-"):
        return "skip"
    with open(os.path.join(case_dir, "input.bin"), "rb") as f:
        payload = f.read()
    args = shlex.split(props.get("args", ""))
    last_err = None
    for _attempt in range(3):      # retry only if the chosen port was taken
        port = free_port()
        try:
            proc = start_memcached(binary, args, port)
        except RuntimeError as e:
            last_err = e
            continue
        try:
            got, closes = exchange(port, payload, settle, drain)
        finally:
            stop_memcached(proc)
        break
    else:
        raise last_err
    closes_s = "true" if closes else "false"
    exp_path = os.path.join(case_dir, "expected.bin")
    if check:
        with open(exp_path, "rb") as f:
            old = f.read()
        masks = props.get("masks", "")
        same = normalize(old, masks) == normalize(got, masks)
        if same and props.get("closes") == closes_s:
            return "same" if old == got else "same-masked"
        with open(exp_path + ".rerun", "wb") as f:
            f.write(got)
        return "DIFF (closes %s -> %s; see expected.bin.rerun)" % (props.get("closes"), closes_s)
    with open(exp_path, "wb") as f:
        f.write(got)
    props["closes"] = closes_s
    write_props(props_path, props)
    return "recorded %d bytes, closes=%s" % (len(got), closes_s)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", default=[DEFAULT_ROOT],
                    help="case directories, or directories containing cases")
    ap.add_argument("--memcached", default=os.environ.get("MEMCACHED", "/usr/bin/memcached"))
    ap.add_argument("--check", action="store_true",
                    help="re-record and compare with expected.bin (masked); write nothing")
    ap.add_argument("--settle", type=float, default=1.0,
                    help="silence (s) after the write before the client half-closes")
    ap.add_argument("--drain", type=float, default=2.0,
                    help="silence (s) after the half-close before giving up on EOF")
    a = ap.parse_args()
    failures = 0
    for case in find_cases(a.paths):
        name = os.path.basename(case)
        try:
            res = record_one(case, a.memcached, a.settle, a.drain, a.check)
        except Exception as e:    # report and go on with the other cases
            res = "ERROR %s" % e
        if res.startswith(("DIFF", "ERROR")):
            failures += 1
        if res != "skip":
            print("%-50s %s" % (name, res), flush=True)
    if failures:
        print("%d case(s) failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
