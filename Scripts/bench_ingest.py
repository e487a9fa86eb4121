#!/usr/bin/env python3
"""Summarizes Scripts/bench-ingest's raw files as a markdown table (records/s, ratio, peak RSS)."""
import json
import os
import re
import sys


def timing(path):
    if not os.path.exists(path):
        return None
    text = open(path).read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    seconds = 0.0
    if wall:
        for part in wall.group(1).split(":"):
            seconds = seconds * 60 + float(part)
    return {"wall": seconds, "rss_mib": int(rss.group(1)) / 1024 if rss else None}


def senderwatch(work, name):
    t = timing(os.path.join(work, name + ".time"))
    lines = [json.loads(l) for l in open(os.path.join(work, name + ".jsonl")) if l.strip()]
    status = {}
    for l in lines:
        status[l["status"]] = status.get(l["status"], 0) + 1
    records = sum(l["records"] or 0 for l in lines if l["status"] == "ingested")
    return t, records, status


def parsedmarc(work, name):
    t = timing(os.path.join(work, name + ".time"))
    path = os.path.join(work, name + ".out")
    result = None
    if os.path.exists(path):
        for line in open(path):
            if line.startswith("BENCH-RESULT"):
                result = json.loads(line.split(" ", 1)[1])
    return t, result


def main():
    work, reports, records, big = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    rows = []
    st, srec, sstat = senderwatch(work, "sw-small")
    lt, lrec, lstat = senderwatch(work, "sw-large")
    at, arec, astat = senderwatch(work, "sw-small-again")
    pt, pres = parsedmarc(work, "pd-api-small")
    ct, _ = parsedmarc(work, "pd-cli-small")
    bt, bres = parsedmarc(work, "pd-api-large")
    sw_rate = srec / st["wall"] if st and st["wall"] else 0
    pd_rate = pres["records_per_s"] if pres else 0
    pd_wall_rate = (pres["records"] / pt["wall"]) if pres and pt and pt["wall"] else 0
    cli_rate = (reports * records / ct["wall"]) if ct and ct["wall"] else 0
    print(f"## DMARC report ingestion ({reports} reports x {records} records; one report of {big:,} records)")
    print()
    print("| run | records | wall s | records/s | peak RSS MiB | notes |")
    print("|---|---|---|---|---|---|")
    print(f"| senderwatch ingest, {reports}x{records} | {srec} | {st['wall']:.2f} | {sw_rate:,.0f} | {st['rss_mib']:.0f} | {sstat} |")
    print(f"| senderwatch ingest again (all duplicates) | {arec} | {at['wall']:.2f} | - | {at['rss_mib']:.0f} | {astat} |")
    if pres:
        print(f"| parsedmarc {pres.get('version')} library, {reports}x{records} | {pres['records']} | {pt['wall']:.2f} | "
              f"{pd_rate:,.0f} in-process ({pd_wall_rate:,.0f} whole process) | {pt['rss_mib']:.0f} | errors {pres['errors']} |")
    if ct:
        print(f"| parsedmarc CLI --offline, {reports}x{records} | {reports * records} | {ct['wall']:.2f} | {cli_rate:,.0f} | {ct['rss_mib']:.0f} | |")
    lrate = lrec / lt["wall"] if lt and lt["wall"] else 0
    print(f"| senderwatch ingest, 1 x {big:,} | {lrec} | {lt['wall']:.2f} | {lrate:,.0f} | {lt['rss_mib']:.0f} | {lstat} |")
    if bres:
        print(f"| parsedmarc library, 1 x {big:,} | {bres['records']} | {bt['wall']:.2f} | {bres['records_per_s']:,.0f} | {bt['rss_mib']:.0f} | |")
    print()
    if pd_rate:
        print(f"ratio (senderwatch whole process / parsedmarc library in-process), {reports}x{records}: {sw_rate / pd_rate:.1f}x (target >= 50x)")
        print(f"ratio against parsedmarc's CLI: {sw_rate / cli_rate:.1f}x" if cli_rate else "")
        print(f"ratio for the 1M-record report against parsedmarc's {reports}x{records} rate: {lrate / pd_rate:.1f}x")
    print(f"peak RSS for the {big:,}-record report: {lt['rss_mib']:.0f} MiB (target < 100 MB)")


if __name__ == "__main__":
    main()
