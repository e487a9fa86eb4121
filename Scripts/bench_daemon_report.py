#!/usr/bin/env python3
"""Summary of a `Scripts/bench daemon` run, from the daemon's JSON log (debug level: one "poll" line per poll).

  bench_daemon_report.py LOG N INTERVAL STARTED STOP_SENT STOPPED EXIT PEAK_RSS_KIB CPU_SECONDS METRICS

Reports polls per minute, the first round (every domain polled once), the steady state after it (polls per
10-second bucket against the ideal N / interval, and the spread of start times inside the interval), poll
durations, peak RSS, CPU time, and how the SIGTERM stop went.
"""
import json
import statistics
import sys


def seconds(text):
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if text[-1] in units:
        return int(text[:-1]) * units[text[-1]]
    return int(text)


def main(log, n, interval, started, stop_sent, stopped, exit_status, hwm_kib, cpu, metrics_path):
    n, interval = int(n), seconds(interval)
    started, stop_sent, stopped = float(started), float(stop_sent), float(stopped)
    polls, messages = [], {}
    with open(log) as f:
        for line in f:
            try:
                o = json.loads(line)
            except ValueError:
                continue
            messages[o.get("message")] = o
            if o.get("message") == "poll":
                polls.append((float(o["started"]), float(o["seconds"]), o["domain"], o["status"]))
    polls.sort()
    if not polls:
        sys.exit("no poll lines in %s" % log)
    t0 = polls[0][0]
    wall = stop_sent - started
    print("== daemon benchmark: %d domains at a %d s interval, %.0f s of running" % (n, interval, wall))
    print("polls: %d in all (%d ok, %d temperror, %d other), %.0f per minute on average"
          % (len(polls), sum(p[3] == "ok" for p in polls), sum(p[3] == "temperror" for p in polls),
             sum(p[3] not in ("ok", "temperror") for p in polls), len(polls) / wall * 60))
    per_minute = {}
    for p in polls:
        per_minute[int((p[0] - t0) // 60)] = per_minute.get(int((p[0] - t0) // 60), 0) + 1
    print("polls per minute, minute by minute: " + ", ".join(str(per_minute.get(m, 0)) for m in range(max(per_minute) + 1)))

    seen, first_round_end = set(), None
    for p in polls:
        seen.add(p[2])
        if len(seen) == n:
            first_round_end = p[0]
            break
    if first_round_end is None:
        print("first round: only %d of %d domains polled" % (len(seen), n))
        return
    print("start-up before the first poll (apply of the monitor file, open): %.1f s" % (t0 - started))
    print("first round (every domain once, the catch-up of never-polled domains): %.1f s, %.0f polls/s"
          % (first_round_end - t0, n / max(first_round_end - t0, 0.001)))

    # Steady state: from half an interval after the first round to the stop. A domain polled at t next polls
    # at its first slot at or after t + interval/2 and at every slot after that, so from then on every domain
    # is polled exactly once per interval, at its own offset.
    steady_from = first_round_end + interval / 2
    steady = [p for p in polls if p[0] >= steady_from]
    span = stop_sent - steady_from
    if span < 20 or not steady:
        print("steady state: run too short to measure (needs the first round plus half an interval, and 20 s)")
    else:
        buckets = [0] * int(span // 10)
        for p in steady:
            i = int((p[0] - steady_from) // 10)
            if i < len(buckets):
                buckets[i] += 1
        ideal = n / interval * 10
        mean = statistics.mean(buckets)
        print("steady state over %.0f s: %.0f polls/minute (ideal %.0f); per 10 s: mean %.1f, min %d, max %d, "
              "stdev %.1f (ideal %.1f each)" % (span, len(steady) / span * 60, n / interval * 60, mean, min(buckets),
                                               max(buckets), statistics.pstdev(buckets), ideal))
        # Start times folded into the interval: with the per-domain phase they should cover it evenly.
        # Only whole intervals of the window, so every slice is covered equally often.
        whole = steady_from + (span // interval) * interval
        folded = [0] * 12
        for p in steady:
            if p[0] < whole:
                folded[int((p[0] % interval) / interval * 12)] += 1
        print("start times folded into the interval, 12 slices: %s (max/min %.2f)"
              % (", ".join(map(str, folded)), max(folded) / max(min(folded), 1)))
        repeats = {}
        for p in steady:
            repeats[p[2]] = repeats.get(p[2], 0) + 1
        expected = span / interval
        print("polls per domain in the steady window: mean %.2f (expected %.2f), max %d"
              % (statistics.mean(repeats.values()), expected, max(repeats.values())))
    durations = sorted(p[1] for p in polls)
    print("poll duration: median %.1f ms, p95 %.1f ms, max %.0f ms"
          % (durations[len(durations) // 2] * 1000, durations[int(len(durations) * 0.95)] * 1000, durations[-1] * 1000))
    print("peak RSS %.1f MiB; CPU %.1f s user+system over %.0f s (%.1f%% of one core)"
          % (int(hwm_kib) / 1024, float(cpu), wall, float(cpu) / wall * 100))
    shutdown = messages.get("shutting down: no new polls", {})
    print("SIGTERM: exit %s after %.2f s, %s poll(s) in flight at the signal"
          % (exit_status, stopped - stop_sent, shutdown.get("in_flight", "?")))
    try:
        with open(metrics_path) as f:
            wanted = ("senderwatch_domains_polled_total", "senderwatch_dns_queries_total", "senderwatch_dns_failures_total",
                      "senderwatch_domains_due", "senderwatch_poll_duration_seconds_count")
            lines = [l.strip() for l in f if l.startswith(wanted)]
        print("metrics at the end: " + "; ".join(lines))
    except OSError:
        pass


if __name__ == "__main__":
    if len(sys.argv) != 11:
        sys.exit(__doc__)
    main(*sys.argv[1:])
