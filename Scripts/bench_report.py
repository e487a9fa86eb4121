#!/usr/bin/env python3
"""Inputs and summary for Scripts/bench.

  bench_report.py prepare MANIFEST WORKDIR   writes WORKDIR/domains.txt and WORKDIR/pairs.txt
  bench_report.py monitors MANIFEST OUT.yaml  a monitor file approving each domain's intended senders
  bench_report.py poll N TIMEFILE QUERIES SIZE RUN LAST   one summary line for a timed poll
  bench_report.py summarize RESULTS.json     ratios against the baselines, and the per-pair diff with pyspf
"""
import json
import os
import sys


def prepare(manifest_path, work):
    with open(manifest_path) as f:
        manifest = json.load(f)
    local = manifest.get("sender_localpart", "bench")
    with open(os.path.join(work, "domains.txt"), "w") as d, open(os.path.join(work, "pairs.txt"), "w") as p:
        for entry in manifest["domains"]:
            d.write(entry["domain"] + "\n")
            for sender in entry["ips"]:
                # the same sender and HELO that the pyspf wrapper uses
                p.write("%s %s %s@%s mail.%s\n" % (entry["domain"], sender["ip"], local, entry["domain"], entry["domain"]))


def monitors(manifest_path, out_path):
    """One monitor file for every generated domain, approving the addresses the generator meant to authorize."""
    with open(manifest_path) as f:
        manifest = json.load(f)
    with open(out_path, "w") as out:
        out.write("domains:\n")
        for entry in manifest["domains"]:
            approved = [x for x in entry["ips"] if x["intent"] == "authorized"]
            out.write("  - domain: %s\n    interval: 1h\n" % entry["domain"])
            if approved:
                out.write("    senders:\n")
            for sender in approved:
                out.write("      - { name: \"%s\", ip: \"%s\" }\n" % (sender.get("why", "sender").replace('"', "'"), sender["ip"]))


def poll(n, time_path, queries, size, run, last, results_path=None):
    """One line for a timed poll: rate, CPU per domain, RSS, queries per domain, database size, and its wall
    time against `check` on the same domains in the same session (results_path)."""
    wall, cpu, rss = time_file(time_path)
    n = int(n)
    versus = ""
    if results_path and os.path.exists(results_path):
        with open(results_path) as f:
            runs = full_check_runs(json.load(f)["runs"])
        check = median([r.get("wall_s") for r in runs])
        if check:
            versus = ", %.2fx the wall time of check (%.2f s)" % (wall / check, check)
    print("poll %s: %.2f s wall, %.0f domains/s, %.0f us CPU/domain (user+sys), peak RSS %.1f MiB, %.2f DNS queries/domain, database %.2f MiB%s"
          % (run, wall, n / wall, cpu * 1e6 / n, rss / 1024, int(queries or 0) / n, int(size) / 1048576, versus))
    print("  " + last)


def full_check_runs(runs):
    """The `check` runs a poll is measured against: the full audit (senderwatch-check-full, which reads what a
    poll reads), else senderwatch-check (from runs before --no-transport existed)."""
    full = [r for r in runs if r["tool"] == "senderwatch-check-full"]
    return full or [r for r in runs if r["tool"] == "senderwatch-check"]


def time_file(path):
    """Wall seconds, user+sys seconds and peak RSS (KiB) from a `/usr/bin/time -v` file."""
    wall, cpu, rss = None, 0.0, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("Elapsed (wall clock) time"):
                t = line.rsplit(" ", 1)[1].split(":")
                wall = sum(float(x) * 60 ** i for i, x in enumerate(reversed(t)))
            elif line.startswith("User time (seconds)") or line.startswith("System time (seconds)"):
                cpu += float(line.rsplit(" ", 1)[1])
            elif line.startswith("Maximum resident set size"):
                rss = int(line.rsplit(" ", 1)[1])
    return wall, cpu, rss


def steady(n, results_path, *time_files):
    """The median of the steady-state polls (every poll after the first) against check's median wall time."""
    n = int(n)
    runs = [time_file(p) for p in time_files]
    wall = median([w for w, _, _ in runs])
    cpu = median([c for _, c, _ in runs])
    with open(results_path) as f:
        check = median([r.get("wall_s") for r in full_check_runs(json.load(f)["runs"])])
    print("poll steady state (median of %d): %.2f s wall, %.0f us CPU/domain, %.2fx the wall time of check (median %.2f s)"
          % (len(runs), wall, cpu * 1e6 / n, wall / check if check else float("nan"), check or 0))


def load_lines(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    return rows


def median(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def summarize(results_path):
    with open(results_path) as f:
        results = json.load(f)
    n = results["meta"]["domains"]
    pairs = results["meta"]["ip_pairs"]
    by_tool = {}
    for run in results["runs"]:
        by_tool.setdefault(run["tool"], []).append(run)

    def stat(tool, key):
        return median([r.get(key) for r in by_tool.get(tool, [])])

    def dns(tool):
        return median([r.get("dns", {}).get("per_domain") for r in by_tool.get(tool, [])])

    def rate_checkdmarc():
        return median([r.get("self", {}).get("domains_per_s") for r in by_tool.get("checkdmarc-spf-dmarc", [])])

    def rate_pyspf():
        return median([r.get("self", {}).get("evals_per_s") for r in by_tool.get("pyspf", [])])

    ours_check_wall = stat("senderwatch-check", "wall_s")
    ours_batch_wall = stat("senderwatch-spf-batch", "wall_s")
    ours_check = n / ours_check_wall if ours_check_wall else None
    ours_batch = pairs / ours_batch_wall if ours_batch_wall else None
    cd_wall = stat("checkdmarc-spf-dmarc", "wall_s")
    ps_wall = stat("pyspf", "wall_s")
    cd = n / cd_wall if cd_wall else None
    ps = pairs / ps_wall if ps_wall else None

    def fmt(x, digits=1):
        return "-" if x is None else ("%.*f" % (digits, x))

    def rss(tool):
        v = stat(tool, "max_rss_kib")
        return None if v is None else v / 1024

    print("| measure (%d domains, %d (domain, IP) pairs) | senderwatch | baseline | ratio |" % (n, pairs))
    print("|---|---|---|---|")
    print("| check: domains/s, wall incl. start-up (vs checkdmarc spf+dmarc) | %s | %s | %sx |"
          % (fmt(ours_check), fmt(cd), fmt(ours_check / cd if ours_check and cd else None)))
    print("| check: DNS queries per domain | %s | %s | |" % (fmt(dns("senderwatch-check"), 2), fmt(dns("checkdmarc-spf-dmarc"), 2)))
    full_wall = stat("senderwatch-check-full", "wall_s")
    if full_wall:
        # The whole audit (MX, MTA-STS, TLS-RPT, BIMI too), which checkdmarc's spf+dmarc mode does not do.
        cdf_wall = stat("checkdmarc-full", "wall_s")
        print("| check without --no-transport: domains/s (vs checkdmarc full); DNS queries per domain | %s; %s | %s; %s | %s |"
              % (fmt(n / full_wall), fmt(dns("senderwatch-check-full"), 2),
                 fmt(n / cdf_wall if cdf_wall else None), fmt(dns("checkdmarc-full"), 2),
                 (fmt(cdf_wall / full_wall) + "x") if cdf_wall else ""))
    print("| check: peak RSS MiB | %s | %s | |" % (fmt(rss("senderwatch-check")), fmt(rss("checkdmarc-spf-dmarc"))))
    print("| spf --batch: evaluations/s, wall (vs pyspf check2) | %s | %s | %sx |"
          % (fmt(ours_batch), fmt(ps), fmt(ours_batch / ps if ours_batch and ps else None)))
    print("| spf --batch: peak RSS MiB | %s | %s | |" % (fmt(rss("senderwatch-spf-batch")), fmt(rss("pyspf"))))
    print("| checkdmarc in-process domains/s; pyspf in-process evals/s | | %s; %s | |" % (fmt(rate_checkdmarc()), fmt(rate_pyspf())))

    def cpu_us(tool, count):
        runs = by_tool.get(tool, [])
        v = median([(r.get("user_s") or 0) + (r.get("sys_s") or 0) for r in runs]) if runs else None
        return None if v is None else v * 1e6 / count

    ours_cpu, cd_cpu = cpu_us("senderwatch-check", n), cpu_us("checkdmarc-spf-dmarc", n)
    print("| check: CPU us/domain, user+sys | %s | %s | %sx less |"
          % (fmt(ours_cpu, 0), fmt(cd_cpu, 0), fmt(cd_cpu / ours_cpu if ours_cpu and cd_cpu else None)))
    if by_tool.get("senderwatch-check-full"):
        print("| check without --no-transport: CPU us/domain, user+sys | %s | | |" % fmt(cpu_us("senderwatch-check-full", n), 0))
    ours_cpu, ps_cpu = cpu_us("senderwatch-spf-batch", pairs), cpu_us("pyspf", pairs)
    print("| spf --batch: CPU us/evaluation, user+sys | %s | %s | %sx less |"
          % (fmt(ours_cpu, 0), fmt(ps_cpu, 0), fmt(ps_cpu / ours_cpu if ours_cpu and ps_cpu else None)))

    logdir = None
    # The harness names its log folder after the layout, the domain count and the time; take the newest
    # folder of this run's domain count by modification time (names sort "3000" after "10000").
    work = os.path.dirname(results_path)
    candidates = sorted((d for d in os.listdir(work) if d.startswith("logs-") and ("-%d-" % n) in d),
                        key=lambda d: os.path.getmtime(os.path.join(work, d)), reverse=True)
    for d in candidates:
        full = os.path.join(work, d)
        if os.path.exists(os.path.join(full, "pyspf.run1.jsonl")) and os.path.exists(os.path.join(full, "senderwatch-spf-batch.run1.out")):
            logdir = full
            break
    if not logdir:
        print("\nno pyspf / senderwatch per-pair outputs found to compare")
        return
    theirs = {(r["domain"], r["ip"]): r["result"] for r in load_lines(os.path.join(logdir, "pyspf.run1.jsonl"))}
    ours = {(r["domain"], r["ip"]): r for r in load_lines(os.path.join(logdir, "senderwatch-spf-batch.run1.out")) if "result" in r}
    same = sum(1 for k, v in theirs.items() if k in ours and ours[k]["result"] == v)
    diffs = [(k, theirs[k], ours[k]["result"] if k in ours else "(missing)") for k in theirs if k not in ours or ours[k]["result"] != theirs[k]]
    print("\nspf results identical to pyspf on %d of %d pairs" % (same, len(theirs)))
    kinds = {}
    for (domain, ip), a, b in diffs:
        kinds.setdefault((a, b), []).append("%s %s" % (domain, ip))
    for (a, b), items in sorted(kinds.items(), key=lambda kv: -len(kv[1])):
        print("  pyspf %s, senderwatch %s: %d pairs, e.g. %s" % (a, b, len(items), ", ".join(items[:3])))


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 2 and sys.argv[1] == "monitors":
        monitors(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 2 and sys.argv[1] == "poll":
        poll(*sys.argv[2:9])
    elif len(sys.argv) >= 2 and sys.argv[1] == "steady":
        steady(*sys.argv[2:])
    elif len(sys.argv) >= 2 and sys.argv[1] == "summarize":
        summarize(sys.argv[2])
    else:
        sys.exit(__doc__)
