#!/usr/bin/env python3
"""Summarize benchmark raw files into markdown tables (python3 stdlib only).

usage: Benchmarks/summarize.py bench-results/raw-A.txt [raw-B.txt ...]   (pools all runs)

Input lines (written by Benchmarks/run.sh):
  # key: value                                     header, echoed at the top
  RESULT <impl> <workload> <metric>=<value> ...    one run
  SKIP <impl> <workload> ... / FAIL <impl> <workload> ...   a run without a result
  NOISY <impl> <workload> ...   a result discarded because other processes were busy
                                (run.sh repeated that run); counted, not used
"""
import statistics
import sys
from collections import defaultdict

# workload -> (label, primary metric, unit, lower_is_better)
WORKLOADS = {
    "tcp-pingpong": ("W1 tcp-pingpong", "rtt_per_s", "round trips/s", False),
    "tcp-stream": ("W2 tcp-stream", "gib_per_s", "GiB/s", False),
    "udp-pingpong": ("W3 udp-pingpong", "rtt_per_s", "round trips/s", False),
    "connect-accept": ("W4 connect-accept", "conn_per_s", "connections/s", False),
    "unix-pingpong": ("W5 unix-pingpong", "rtt_per_s", "round trips/s", False),
    "sockopt": ("W6 sockopt", "ns_per_pair", "ns per set+get", True),
    "many-idle": ("W7 many-idle", "rss_kib_per_pair", "user KiB per pair", True),
    "pingpong-concurrent": ("W8 pingpong-concurrent", "rtt_per_s", "round trips/s", False),
}
DRIVER_KEYS = ("rep", "bg_cpu_pct", "idle_wait_s", "_pair")  # appended by run.sh, not workload metrics
BASELINE = "c-block"
ABSOLUTE = ("many-idle",)  # judged by its own value (KiB per pair), not against C
DISTURBED_PCT = 25.0  # a run with bg_cpu_pct above this is marked in the table (run.sh MAX_BG)


def fmt(v):
    a = abs(v)
    if a >= 999.5:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def parse(paths):
    header, runs, other = [], defaultdict(list), defaultdict(list)
    impl_order = []
    for index, path in enumerate(paths):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if not parts:
                    continue
                if parts[0] == "#":
                    if len(paths) == 1 or not line.startswith("# date"):
                        header.append(line[2:].rstrip())
                    continue
                if parts[0] not in ("RESULT", "SKIP", "FAIL", "NOISY") or len(parts) < 3:
                    continue
                kind, impl, wl = parts[:3]
                if impl not in impl_order:
                    impl_order.append(impl)
                if kind != "RESULT":
                    other[(impl, wl)].append(kind)
                    continue
                metrics = {}
                for kv in parts[3:]:
                    k, _, v = kv.partition("=")
                    try:
                        metrics[k] = float(v)
                    except ValueError:
                        pass
                if "rep" in metrics:
                    metrics["_pair"] = (index, metrics["rep"])
                runs[(impl, wl)].append(metrics)
    # C first, then the others in order of appearance.
    impl_order.sort(key=lambda i: i != BASELINE)
    return header, runs, other, impl_order


def median_of(samples, key):
    vals = [m[key] for m in samples if key in m]
    return statistics.median(vals) if vals else None


def disturbed(samples):
    return sum(1 for m in samples if m.get("bg_cpu_pct", 0.0) > DISTURBED_PCT)


def paired_ratios(runs, workloads, impls):
    """Rows of the paired-ratio table: library run / C run of the same repetition."""
    others = [i for i in impls if i != BASELINE]
    rows = []
    for w in workloads:
        label, key, _, lower = WORKLOADS.get(w, (w, None, "", False))
        if key is None or w in ABSOLUTE:
            continue
        base = {m["_pair"]: m[key] for m in runs.get((BASELINE, w), []) if "_pair" in m and key in m}
        cells = []
        for impl in others:
            ratios = [m[key] / base[m["_pair"]] for m in runs.get((impl, w), [])
                      if "_pair" in m and key in m and base.get(m["_pair"])]
            if ratios:
                cells.append(f"{statistics.median(ratios):.2f} ({min(ratios):.2f}..{max(ratios):.2f})")
            else:
                cells.append("-")
        if any(c != "-" for c in cells):
            rows.append(f"| {label}" + (" (lower is better)" if lower else "") + " | " + " | ".join(cells) + " |")
    if not rows:
        return []
    return ["| workload | " + " | ".join(others) + " |", "|---|" + "---|" * len(others)] + rows


def main(paths):
    header, runs, other, impls = parse(paths)
    workloads = [w for w in WORKLOADS if any((i, w) in runs or (i, w) in other for i in impls)]
    workloads += sorted({w for (_, w) in list(runs) + list(other)} - set(workloads))
    out = []
    out.append("## otp-socket benchmark: medians")
    out.append("")
    for h in header:
        out.append(f"- {h}")
    out.append("")
    out.append(
        f"Cells: median over runs; in parentheses the ratio to {BASELINE} (library / C). "
        "Higher is better except where the row says lower is better (W6, W7): "
        "there a ratio above 1 means the library is slower / uses more memory. "
        f"`*`: some of the runs were disturbed (other processes used > {DISTURBED_PCT:.0f} % "
        "of the machine during the run; see bg cpu below)."
    )
    out.append("")
    out.append("| workload | " + " | ".join(impls) + " |")
    out.append("|---|" + "---|" * len(impls))
    for w in workloads:
        label, key, unit, lower = WORKLOADS.get(w, (w, None, "", False))
        if key is None:
            continue
        base = median_of(runs.get((BASELINE, w), []), key)
        row = f"| {label}, {unit}" + (" (lower is better)" if lower else "") + " |"
        for impl in impls:
            samples = runs.get((impl, w), [])
            med = median_of(samples, key)
            mark = "*" if disturbed(samples) else ""
            if med is None:
                kinds = sorted({k.lower() for k in other.get((impl, w), []) if k != "NOISY"})
                row += f" {'/'.join(kinds) if kinds else '-'} |"
            elif impl == BASELINE or base is None:
                row += f" {fmt(med)}{mark} |"
            elif base == 0:
                row += f" {fmt(med)}{mark} (n/a) |"
            else:
                row += f" {fmt(med)}{mark} ({med / base:.2f}) |"
        out.append(row)

    paired = paired_ratios(runs, workloads, impls)
    if paired:
        out.append("")
        out.append("### Paired ratios")
        out.append("")
        out.append(
            f"Each library run divided by the {BASELINE} run of the same repetition, which ran "
            "next to it (a slow stretch of the machine weighs on both): the median of those "
            "ratios and their min..max. Less sensitive to the machine's drift than the ratio "
            "of medians above. (W7 is judged by its own value, KiB per pair.)"
        )
        out.append("")
        out.extend(paired)

    out.append("")
    out.append("### All metrics (medians), spread of the primary metric, background CPU")
    out.append("")
    out.append(f"| workload | impl | runs | primary min..max | medians | bg cpu % max (runs > {DISTURBED_PCT:.0f} %) |")
    out.append("|---|---|---|---|---|---|")
    for w in workloads:
        label, key, _, _ = WORKLOADS.get(w, (w, None, "", False))
        for impl in impls:
            samples = runs.get((impl, w), [])
            notes = other.get((impl, w), [])
            if not samples and not notes:
                continue
            n = f"{len(samples)}" + "".join(f" +{notes.count(k)} {k.lower()}" for k in sorted(set(notes)))
            if not samples:
                out.append(f"| {label} | {impl} | {n} | - | - | - |")
                continue
            keys = [k for k in samples[0] if k not in DRIVER_KEYS]
            meds = " ".join(f"{k}={fmt(median_of(samples, k))}" for k in keys)
            prim = [m[key] for m in samples if key in m]
            spread = f"{fmt(min(prim))}..{fmt(max(prim))}" if prim else "-"
            bgs = [m["bg_cpu_pct"] for m in samples if "bg_cpu_pct" in m]
            bg = f"{max(bgs):.1f} ({disturbed(samples)})" if bgs else "-"
            out.append(f"| {label} | {impl} | {n} | {spread} | {meds} | {bg} |")
    print("\n".join(out))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
