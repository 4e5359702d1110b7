#!/usr/bin/env python3
"""Combine several `modsim-bench --json` outputs into Markdown tables: per line, the median over the invocations.

Usage: python3 bench/summarize.py RUN1.json RUN2.json ...
"""
import json
import statistics
import sys


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=2):
    return "-" if v is None else f"{v:.{digits}f}"


def load(paths):
    runs = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            runs.append(json.load(f))
    return runs


def caller_table(runs, out):
    threads = runs[0]["settings"]["threads"]
    names = []
    for s in runs[0]["summary"]:
        key = (s["kind"], s["name"])
        if key not in names:
            names.append(key)
    head = "| kind | name |"
    rule = "|---|---|"
    for t in threads:
        head += f" ns/call {t}T | range {t}T | x bare {t}T |"
        rule += "---:|---:|---:|"
    head += " built-in x bare 1T |"
    rule += "---:|"
    out.append(head)
    out.append(rule)
    for kind, name in names:
        row = f"| {kind} | {name} |"
        for t in threads:
            lines = [s for r in runs for s in r["summary"]
                     if s["kind"] == kind and s["name"] == name and s["threads"] == t]
            ns = [s["ns_per_call"] for s in lines]
            row += f" {fmt(med(ns))} | {fmt(min(ns))}-{fmt(max(ns))} |" if ns else " - | - |"
            row += f" {fmt(med([s['ratio_bare'] for s in lines]))} |"
        bi = [s["builtin"]["ratio_bare"] for r in runs for s in r["summary"]
              if s["kind"] == "preset" and s["name"] == name and s["threads"] == threads[0]]
        row += f" {fmt(med(bi))} |" if bi else " |"
        out.append(row)


def unload_table(runs, out):
    keys = []
    for u in runs[0]["unload"]:
        keys.append((u["preset"], u["threads"]))
    out.append("| preset | threads | unload p50 us | worst max us | ok/samples | rmmod calls | refused calls | use-after-unload | call-after-exit | world stop p50 us | p99 us | max us |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, t in keys:
        us = [u for r in runs for u in r["unload"] if u["preset"] == name and u["threads"] == t]
        ok = sum(u["ok"] for u in us)
        samples = sum(u["samples"] for u in us)
        maxes = [u["max_us"] for u in us if u["max_us"] is not None]
        ws = [u["world_stop"] for u in us if u["world_stop"]["stops"]]
        err = next((u["error"] for u in us if u["error"]), "")
        out.append(
            f"| {name} | {t} | {fmt(med([u['p50_us'] for u in us]), 1)} | "
            f"{fmt(max(maxes) if maxes else None, 1)} | {ok}/{samples}{' ' + err if err else ''} | "
            f"{sum(u['attempts'] for u in us)} | {sum(u.get('refused_calls', 0) for u in us)} | "
            f"{sum(u['use_after_unload'] for u in us)} | {sum(u['call_after_exit'] for u in us)} | "
            f"{fmt(med([w['p50_us'] for w in ws]), 1) if ws else '-'} | "
            f"{fmt(med([w['p99_us'] for w in ws]), 1) if ws else '-'} | "
            f"{fmt(max(w['max_us'] for w in ws), 1) if ws else '-'} |")


def cycles_table(runs, out):
    out.append("| preset | cycles/s | slower than dlopen+dlclose |")
    out.append("|---|---:|---:|")
    bare = med([r["cycles"]["dlopen_per_s"] for r in runs])
    out.append(f"| bare dlopen/dlclose | {fmt(bare, 0)} | 1.0 |")
    for c0 in runs[0]["cycles"]["presets"]:
        cs = [c for r in runs for c in r["cycles"]["presets"] if c["preset"] == c0["preset"]]
        err = next((c["error"] for c in cs if c["error"]), "")
        out.append(f"| {c0['preset']} | {fmt(med([c['per_s'] for c in cs]), 0)}{' ' + err if err else ''} | "
                   f"{fmt(med([c['slower_than_dlopen'] for c in cs]), 2)} |")


def figure_key(f):
    """INFO lines come one per preset; verdicts one per figure and thread count."""
    if f["id"] in ("growth", "bounce"):
        return (f["id"], f["threads"], f["preset"])
    return (f["id"], f["threads"], None)


def figures_table(runs, out):
    out.append("| figure | threads | preset | values over the runs | verdicts |")
    out.append("|---|---:|---|---|---|")
    seen = []
    for r in runs:
        for f0 in r["figures"]:
            key = figure_key(f0)
            if key not in seen:
                seen.append(key)
    for key in seen:
        fs = [f for r in runs for f in r["figures"] if figure_key(f) == key]
        presets = ", ".join(sorted({f["preset"] for f in fs if f["preset"]}))
        vals = ", ".join(fmt(f["value"], 3) for f in fs)
        verdicts = {}
        for f in fs:
            verdicts[f["verdict"]] = verdicts.get(f["verdict"], 0) + 1
        v = ", ".join(f"{k} {n}/{len(fs)}" for k, n in verdicts.items())
        out.append(f"| {key[0]} | {key[1] or ''} | {presets} | {vals} | {v} |")


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    runs = load(argv[1:])
    m, s = runs[0]["machine"], runs[0]["settings"]
    out = [f"{len(runs)} invocations; {m['cpu']}, {m['cpus_online']} CPUs online, {m['kernel']}; "
           f"{m['compiler']} `{m['flags']}` ({m['build_type']}); loops={s['loops']}, runs={s['runs']}, "
           f"threads={','.join(map(str, s['threads']))}, pin={'on' if s['pin'] else 'off'}, "
           f"clock={s.get('clock', 'wall')}; "
           f"CPU share other processes used meanwhile: "
           f"{', '.join(fmt(r['machine'].get('others_cpu_share')) for r in runs)}", ""]
    caller_table(runs, out)
    out.append("")
    if runs[0]["unload"]:
        unload_table(runs, out)
        out.append("")
    if runs[0]["cycles"]["presets"]:
        cycles_table(runs, out)
        out.append("")
    figures_table(runs, out)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
