#!/usr/bin/env python3
"""The fleet job of Scripts/fleet/dask_report.py on a Dask LocalCluster of 2 workers gives
the report one process gives (SPEC §7): a generated log (lockscope-loggen) split into
per-agent files, routed to shards, summarised per shard and merged, compared with
`lockscope report` over the same files — counts, totals and maxima exactly, percentiles
within 1%, the same deadlocks, orphans and inversions (Scripts/fleet/compare_reports.py).

Needs .build/release/lockscope (LOCKSCOPE_BIN overrides) and lockscope-loggen beside it
(built if missing). Skipped, with the reason printed, only when Dask cannot be installed.

    python3 -m unittest discover -s Scripts/fleet -v
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import compare_reports  # noqa: E402
import dask_report  # noqa: E402


def have_dask():
    """Imports dask.distributed, installing it when missing; the reason when it cannot."""
    try:
        import dask.distributed  # noqa: F401
        return None
    except ImportError:
        pass
    for extra in ([], ["--break-system-packages"]):
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *extra, "dask[distributed]"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            import dask.distributed  # noqa: F401
            return None
        except ImportError:
            continue
    return "dask[distributed] could not be installed with pip"


MISSING_DASK = have_dask()
if MISSING_DASK:
    print("SKIP: %s" % MISSING_DASK, file=sys.stderr)


def binary(name):
    directory = os.path.dirname(os.environ.get("LOCKSCOPE_BIN", os.path.join(ROOT, ".build/release/lockscope")))
    path = os.path.join(directory, name)
    if not os.access(path, os.X_OK):
        subprocess.run(["swift", "build", "-c", "release", "--product", name], cwd=ROOT, check=True)
    return path


@unittest.skipIf(MISSING_DASK, MISSING_DASK or "")
class DaskFleetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from dask.distributed import Client, LocalCluster

        cls.lockscope = os.path.abspath(os.environ.get("LOCKSCOPE_BIN") or binary("lockscope"))
        cls.work = tempfile.TemporaryDirectory(prefix="lockscope-dask-test-")
        cls.agents_dir = os.path.join(cls.work.name, "agents")
        # Faults on: crashes (orphans), lapsed leases, nested locks (inversions, deadlocks).
        subprocess.run([binary("lockscope-loggen"), "--events", "40000", "--agents", "30", "--locks", "200",
                        "--fault-rate", "3", "--seed", "7", "--quiet", "--split-by-agent", cls.agents_dir], check=True)
        cls.inputs = sorted(os.path.join(cls.agents_dir, name) for name in os.listdir(cls.agents_dir))
        whole = subprocess.run([cls.lockscope, "report", "--format", "json", *cls.inputs], check=True,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        cls.whole = json.loads(whole.stdout)
        cls.client = Client(LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None))

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.work.cleanup()

    def fleet(self, shards, **options):
        output = dask_report.fleet_report(self.client, self.lockscope, self.inputs, shards, ["--format", "json"], **options)
        return json.loads(output)

    def assertSameReport(self, merged):
        problems = compare_reports.compare(merged, self.whole)
        self.assertEqual(problems, [], "\n".join(problems))

    def test_the_log_has_what_the_comparison_checks(self):
        kinds = {finding["kind"] for finding in self.whole["findings"]}
        self.assertIn("lock-order-inversion", kinds)
        self.assertIn("orphan", kinds)
        self.assertGreater(len(self.whole["locks"]), 50)

    def test_per_agent_files_on_four_shards_merge_to_the_single_process_report(self):
        self.assertSameReport(self.fleet(4))

    def test_one_shard_merges_to_the_single_process_report(self):
        self.assertSameReport(self.fleet(1))

    def test_byte_ranges_of_one_file_route_through_stdin(self):
        # The same simulation as one file, cut into ranges at line ends and piped to route's
        # standard input. An agent's events now span partitions (its lock-order edges are
        # not whole), so the lock rows and the totals are compared, not the inversions.
        single = os.path.join(self.work.name, "all.jsonl")
        subprocess.run([binary("lockscope-loggen"), "--events", "40000", "--agents", "30", "--locks", "200",
                        "--fault-rate", "3", "--seed", "7", "--quiet", "--out", single], check=True)
        whole = json.loads(subprocess.run([self.lockscope, "report", "--format", "json", single], check=True,
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout)
        merged = json.loads(dask_report.fleet_report(self.client, self.lockscope, [single], 3, ["--format", "json"],
                                                     split_bytes=200_000))
        self.assertEqual(merged["summary"]["events"], whole["summary"]["events"])
        problems = []
        compare_reports.compare_rows("lock", merged["locks"], whole["locks"], problems, lock_rows=True)
        self.assertEqual(problems, [], "\n".join(problems))

if __name__ == "__main__":
    unittest.main(verbosity=2)
