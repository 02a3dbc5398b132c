#!/usr/bin/env python3
"""The DuckDB comparison of Scripts/bench.sh: per-lock hold-time percentiles from a lock
event log, with DuckDB limited to 2 threads. Only a slice of what `lockscope report` does
(no waits, leases, crashes, deadlocks or findings): each acquire is paired with the next
event of the same agent on the same lock when that is a release.

    python3 Scripts/bench/duckdb-holds.py FILE
"""
import sys

import duckdb

con = duckdb.connect()
con.execute("SET threads = 2")
rows = con.execute(
    """
    WITH events AS (
      SELECT CAST(ts AS TIMESTAMP) AS t, event, agent, lock
      FROM read_json(?, format = 'newline_delimited',
                     columns = {ts: 'VARCHAR', event: 'VARCHAR', agent: 'VARCHAR', lock: 'VARCHAR'})
      WHERE event IN ('acquire', 'release') AND lock IS NOT NULL
    ),
    paired AS (
      SELECT lock, event, t,
             lead(event) OVER w AS next_event, lead(t) OVER w AS next_t
      FROM events
      WINDOW w AS (PARTITION BY lock, agent ORDER BY t)
    )
    SELECT lock, count(*) AS holds,
           quantile_cont(epoch_us(next_t - t), [0.5, 0.95, 0.99]) AS p50_p95_p99_us
    FROM paired
    WHERE event = 'acquire' AND next_event = 'release'
    GROUP BY lock
    ORDER BY holds DESC
    """,
    [sys.argv[1]],
).fetchall()
print(f"duckdb: {len(rows)} locks", file=sys.stderr)
