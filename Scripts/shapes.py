#!/usr/bin/env python3
"""Hostile-but-ordinary log shapes for Scripts/scale.sh (issue: linear at any shape).

  shapes.py transactions TXNS ROWS KEYS   each transaction takes ROWS row locks out of KEYS
                                          in sorted order, then releases them (a database's shape)
  shapes.py nesting DEPTH                 one agent holds DEPTH locks at once, then lets go
  shapes.py pairs USES LOCKS              agents nest random pairs of locks (A then B) USES times
  shapes.py readers N                     N agents hold one shared lock at once, then release
  shapes.py semaphore N                   a semaphore of N slots, N holders and N waiters
  shapes.py queue N                       one lock, N waiters queued behind one holder
  shapes.py long-queue N DAYS             N agents queued DAYS days on one lock (sums past Int64)

Writes JSON lines to standard output; timestamps are integer microseconds.
"""
import random
import sys

T0 = 1_795_341_600_000_000  # µs


def line(t, event, agent, lock, extra=""):
    return '{"ts":%d,"event":"%s","agent":"%s","lock":"%s"%s}\n' % (t, event, agent, lock, extra)


def transactions(out, txns, rows, keys):
    rng = random.Random(1)
    t = T0
    for n in range(txns):
        agent = "tx%d" % (n % 16)
        taken = sorted(rng.sample(range(keys), rows))
        for key in taken:
            t += 1
            out.write(line(t, "acquire", agent, "row:%d" % key))
        for key in taken:
            t += 1
            out.write(line(t, "release", agent, "row:%d" % key))


def nesting(out, depth):
    t = T0
    for i in range(depth):
        t += 1
        out.write(line(t, "acquire", "deep", "L%d" % i))
    for i in reversed(range(depth)):
        t += 1
        out.write(line(t, "release", "deep", "L%d" % i))


def pairs(out, uses, locks):
    rng = random.Random(2)
    t = T0
    for n in range(uses):
        agent = "a%d" % (n % 50)
        a, b = rng.sample(range(locks), 2)
        for event, lock in (("acquire", a), ("acquire", b), ("release", b), ("release", a)):
            t += 1
            out.write(line(t, event, agent, "L%d" % lock))


def readers(out, n):
    t = T0
    shared = ',"mode":"shared"'
    for i in range(n):
        t += 1
        out.write(line(t, "acquire", "r%d" % i, "config", shared))
    for i in range(n):
        t += 1
        out.write(line(t, "release", "r%d" % i, "config", shared))


def semaphore(out, n):
    t = T0
    cap = ',"capacity":%d' % n
    for i in range(n):
        t += 1
        out.write(line(t, "acquire", "h%d" % i, "pool", cap))
    for i in range(n):
        t += 1
        out.write(line(t, "request", "w%d" % i, "pool", cap))
    for i in range(n):
        t += 1
        out.write(line(t, "release", "h%d" % i, "pool", cap))
        out.write(line(t, "acquire", "w%d" % i, "pool", cap))
    for i in range(n):
        t += 1
        out.write(line(t, "release", "w%d" % i, "pool", cap))


def queue(out, n):
    t = T0
    out.write(line(t, "acquire", "holder", "L"))
    for i in range(n):
        t += 1
        out.write(line(t, "request", "w%d" % i, "L"))
    t += 1
    out.write(line(t, "release", "holder", "L"))
    for i in range(n):
        out.write(line(t, "acquire", "w%d" % i, "L"))
        t += 1
        out.write(line(t, "release", "w%d" % i, "L"))


def long_queue(out, n, days):
    t = T0
    out.write(line(t, "acquire", "holder", "L"))
    for i in range(n):
        out.write(line(t, "request", "w%d" % i, "L"))
    t += int(days * 86400 * 1_000_000)
    out.write(line(t, "release", "holder", "L"))
    for i in range(n):
        out.write(line(t, "acquire", "w%d" % i, "L"))
        out.write(line(t, "release", "w%d" % i, "L"))


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    shape, args = argv[1], [float(a) if "." in a else int(a) for a in argv[2:]]
    out = sys.stdout
    table = {
        "transactions": transactions, "nesting": nesting, "pairs": pairs, "readers": readers,
        "semaphore": semaphore, "queue": queue, "long-queue": long_queue,
    }
    if shape not in table:
        sys.stderr.write("unknown shape %r\n%s" % (shape, __doc__))
        return 2
    table[shape](out, *args)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
