#!/usr/bin/env python3
"""lockscope over a fleet's logs on Dask (SPEC §7): map, shuffle, reduce.

1. map, one task per input partition (a per-process file, or a byte range of one big file
   cut at line ends): `lockscope route --shards N` writes each event to its lock's shard
   (FNV-1a of the lock name mod N) and a partition summary of its lock-order edges. The
   task returns its shard files gzipped (lockscope reads gzip by its magic bytes): the
   shuffle is Dask moving those bytes by shard.
2. reduce, one task per shard: `lockscope report --format summary` over that shard's files
   from every partition, merged by time.
3. `lockscope merge` over the shard and partition summaries: the report of the whole log.

    python3 Scripts/fleet/dask_report.py --shards 4 logs/*.jsonl             # LocalCluster, 2 workers
    python3 Scripts/fleet/dask_report.py --scheduler tcp://sched:8786 ...     # a real cluster
    python3 Scripts/fleet/dask_report.py --split-bytes 256M big.jsonl         # byte ranges of one file

The lockscope binary (--lockscope, default: on PATH) must be at the same path on every
worker. Everything after `--` goes to `lockscope merge` (--format json, …).
"""
import argparse
import gzip
import os
import shutil
import subprocess
import sys
import tempfile


def line_ranges(path, size):
    """Byte ranges of `path` of about `size` bytes, each ending at a line end."""
    total = os.path.getsize(path)
    ranges, start = [], 0
    with open(path, "rb") as f:
        while start < total:
            end = min(total, start + size)
            if end < total:
                f.seek(end)
                f.readline()  # run on to the end of the line the cut fell in
                end = f.tell()
            ranges.append((path, start, end))
            start = end
    return ranges


def route_partition(lockscope, partition, shards, extra):
    """Map task: route one partition; returns (partition summary, {shard: gzipped lines})."""
    work = tempfile.mkdtemp(prefix="lockscope-route-")
    try:
        out = os.path.join(work, "out")
        if isinstance(partition, tuple):  # a byte range of one file, piped in on stdin
            path, start, end = partition
            with open(path, "rb") as f:
                f.seek(start)
                data = f.read(end - start)
            run([lockscope, "route", "--shards", str(shards), "--out", out, *extra, "-"], data)
        else:
            run([lockscope, "route", "--shards", str(shards), "--out", out, *extra, partition])
        with open(os.path.join(out, "partition.summary.json"), "rb") as f:
            summary = f.read()
        files = {}
        for shard in range(shards):
            with open(os.path.join(out, "shard-%04d.jsonl" % shard), "rb") as f:
                files[shard] = gzip.compress(f.read(), compresslevel=1)
        return summary, files
    finally:
        shutil.rmtree(work, ignore_errors=True)


def summarize_shard(lockscope, shard, parts, extra):
    """Reduce task: one shard's files from every partition -> its summary."""
    work = tempfile.mkdtemp(prefix="lockscope-shard-")
    try:
        paths = []
        for index, data in enumerate(parts):
            path = os.path.join(work, "part-%05d-shard-%04d.jsonl.gz" % (index, shard))
            with open(path, "wb") as f:
                f.write(data)
            paths.append(path)
        return run([lockscope, "report", "--format", "summary", *extra, *paths])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(command, data=None):
    done = subprocess.run(command, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if done.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(command[:2]), done.returncode, done.stderr.decode(errors="replace").strip()))
    return done.stdout


def fleet_report(client, lockscope, inputs, shards, merge_args=(), split_bytes=None, read_args=()):
    """Runs the three steps on `client`; returns `lockscope merge`'s output (bytes)."""
    partitions = []
    for path in inputs:
        partitions += line_ranges(path, split_bytes) if split_bytes else [path]
    routed = client.gather(client.map(route_partition, [lockscope] * len(partitions), partitions,
                                      [shards] * len(partitions), [list(read_args)] * len(partitions), pure=False))
    by_shard = [[files[shard] for _, files in routed] for shard in range(shards)]
    summaries = client.gather(client.map(summarize_shard, [lockscope] * shards, list(range(shards)), by_shard,
                                         [list(read_args)] * shards, pure=False))
    work = tempfile.mkdtemp(prefix="lockscope-merge-")
    try:
        paths = []
        for index, data in enumerate(summaries):
            paths.append(os.path.join(work, "shard-%04d.summary.json" % index))
            with open(paths[-1], "wb") as f:
                f.write(data)
        for index, (data, _) in enumerate(routed):
            paths.append(os.path.join(work, "partition-%05d.summary.json" % index))
            with open(paths[-1], "wb") as f:
                f.write(data)
        return run([lockscope, "merge", *merge_args, *paths])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def parse_size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(text[:-1]) * units[text[-1].upper()] if text[-1].upper() in units else int(text)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    merge_args = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="+", help="per-process log files (or one big file with --split-bytes)")
    parser.add_argument("--lockscope", default=shutil.which("lockscope") or "lockscope")
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster workers (without --scheduler)")
    parser.add_argument("--scheduler", help="address of a running Dask scheduler")
    parser.add_argument("--split-bytes", type=parse_size, help="cut each input into byte ranges of about this size")
    args = parser.parse_args(argv)
    from dask.distributed import Client, LocalCluster

    if args.scheduler:
        client = Client(args.scheduler)
    else:
        client = Client(LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None))
    try:
        output = fleet_report(client, os.path.abspath(args.lockscope), [os.path.abspath(p) for p in args.inputs],
                              args.shards, merge_args, args.split_bytes)
    finally:
        client.close()
    sys.stdout.buffer.write(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
