#!/usr/bin/env python3
"""How long from a line becoming readable to `lockscope watch` printing its alert.

    Scripts/watch-latency.sh            # builds release, then runs this
    python3 Scripts/watch-latency.py BINARY [ROUNDS]

Two ways in: a pipe (stdin) and a followed file (--follow). Each round writes the four
lines of a fresh two-agent deadlock; the clock starts when the closing line is written
(flushed to the pipe, or appended and closed for the file) and stops when the alert line
has been read back. Prints median, p99 and max per way, in milliseconds.
"""
import os, select, subprocess, sys, tempfile, time

def lines(round_number, base):
    a, b = f"a{round_number}", f"b{round_number}"
    l1, l2 = f"L{round_number}x", f"L{round_number}y"
    t = base + round_number
    ev = lambda dt, kind, agent, lock: '{"ts":%.3f,"event":"%s","agent":"%s","lock":"%s"}\n' % (t + dt, kind, agent, lock)
    return [ev(0, "acquire", a, l1), ev(0.1, "acquire", b, l2), ev(0.2, "request", a, l2)], ev(0.3, "request", b, l1)

def read_alert(out, deadline=10.0):
    buffer = b""
    end = time.monotonic() + deadline
    while b"\n" not in buffer:
        ready, _, _ = select.select([out], [], [], max(0, end - time.monotonic()))
        if not ready:
            raise SystemExit("no alert within %.0fs" % deadline)
        buffer += os.read(out.fileno(), 65536)
    return buffer

def measure(binary, rounds, follow):
    base = 1795341600
    path = None
    if follow:
        fd, path = tempfile.mkstemp(suffix=".jsonl")
        os.close(fd)
        proc = subprocess.Popen([binary, "watch", "--format", "json", "--long-hold", "10000h", "--follow", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    else:
        proc = subprocess.Popen([binary, "watch", "--format", "json", "--long-hold", "10000h"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    latencies = []
    for r in range(rounds):
        setup, closing = lines(r, base)
        if follow:
            with open(path, "a") as f:
                f.writelines(setup)
        else:
            proc.stdin.write("".join(setup).encode()); proc.stdin.flush()
        time.sleep(0.05)  # the setup lines raise nothing; let them be read
        if follow:
            start = time.monotonic()
            with open(path, "a") as f:
                f.write(closing)
        else:
            start = time.monotonic()
            proc.stdin.write(closing.encode()); proc.stdin.flush()
        alert = read_alert(proc.stdout)
        latencies.append((time.monotonic() - start) * 1000)
        assert b'"kind":"deadlock"' in alert, alert
    proc.terminate(); proc.communicate()  # drain: the final report may not fit a pipe buffer
    if path: os.unlink(path)
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    return pick(0.5), pick(0.99), latencies[-1]

def main():
    binary = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    print("| input | rounds | median | p99 | max |")
    print("|---|---|---|---|---|")
    for follow in (False, True):
        median, p99, worst = measure(binary, rounds, follow)
        name = "followed file (--follow)" if follow else "pipe (stdin)"
        print(f"| {name} | {rounds} | {median:.2f} ms | {p99:.2f} ms | {worst:.2f} ms |")

main()
