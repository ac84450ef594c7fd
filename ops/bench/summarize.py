"""Merges the per-run JSON files of ops/bench.sh into bench.json, prints one line per run and the
ratios the acceptance criteria of issue #11 are stated in (herald / mosquitto, herald / relay)."""
import argparse
import glob
import json
import os
import platform

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--load-before", default="")
ap.add_argument("--load-after", default="")
ap.add_argument("--nofile", type=int, default=0)
ap.add_argument("--quick", type=int, default=0)
ap.add_argument("--markdown", default="", help="also write the tables as Markdown here (for docs/performance.md)")
a = ap.parse_args()

runs = {}
for path in sorted(glob.glob(os.path.join(a.out, "*.json"))):
    name = os.path.basename(path)[:-5]
    if name == "bench":
        continue
    with open(path) as f:
        runs[name] = json.load(f)


def get(name, *keys):
    v = runs.get(name)
    for k in keys:
        if not isinstance(v, dict) or k not in v:
            return None
        v = v[k]
    return v


def rounded(x):
    return round(x) if x is not None else None


def ratio(x, y):
    return round(x / y, 3) if x is not None and y else None


def cpu_us(r):
    """Server CPU time per unit of work, in µs: per delivery for fan-out and group runs (one message is
    many deliveries there), per message otherwise. Less noisy than msgs/s on a shared machine, and
    what bounds the rate once the cores are full."""
    if not r:
        return None
    pct = r.get("server", {}).get("cpu_pct")
    per = r["deliveries_per_s"] if r["scenario"] in ("fanout", "group") else r["msgs_per_s"]
    return round(pct / 100 * 1e6 / per, 1) if pct and per else None


print()
print("(reconnect runs: msgs/s = reconnects/s, latency = connect start to ready)")
print(f"{'run':22} {'msgs/s':>9} {'deliv/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'p999 ms':>8} {'err':>4} {'lost':>5} "
      f"{'srv CPU':>7} {'us/msg':>7} {'srv RSS MB':>10}")
for name, r in runs.items():
    lat = r.get("latency_us", {})
    srv = r.get("server", {})
    if r["scenario"] == "idle":
        print(f"{name:22} {r['connected']:>9} connections held, {srv.get('rss_per_connection_b', 0):.0f} B RSS each "
              f"(server RSS {srv.get('rss_kb', 0) / 1024:.0f} MB), errors {r['errors']}")
        continue
    print(f"{name:22} {r['msgs_per_s']:>9.0f} {r['deliveries_per_s']:>9.0f} {lat.get('p50', 0) / 1000:>7.2f} "
          f"{lat.get('p99', 0) / 1000:>7.2f} {lat.get('p999', 0) / 1000:>8.2f} {r['errors']:>4} {r['lost']:>5} "
          f"{srv.get('cpu_pct', 0):>6.0f}% {cpu_us(r) or 0:>7.1f} {srv.get('rss_kb', 0) / 1024:>10.0f}")

ratios = {
    "p2p_im_herald_over_mosquitto": ratio(get("p2p-herald-im", "msgs_per_s"), get("p2p-mosquitto", "msgs_per_s")),
    "p2p_plain_herald_over_mosquitto": ratio(get("p2p-herald-plain", "msgs_per_s"), get("p2p-mosquitto", "msgs_per_s")),
    "p2p_half_rate_p99_herald_im_over_mosquitto": ratio(get("p2p-half-herald-im", "latency_us", "p99"),
                                                        get("p2p-half-mosquitto", "latency_us", "p99")),
    "fanout_deliveries_herald_over_mosquitto": ratio(get("fanout-herald", "deliveries_per_s"),
                                                     get("fanout-mosquitto", "deliveries_per_s")),
    "fanout_room_binary_herald_over_mosquitto": ratio(get("fanout-herald-room", "deliveries_per_s"),
                                                      get("fanout-mosquitto", "deliveries_per_s")),
    "binary_p2p_herald_over_relay": ratio(get("binary-herald", "msgs_per_s"), get("binary-relay", "msgs_per_s")),
    "p2p_cpu_per_msg_herald_im_over_mosquitto": ratio(cpu_us(runs.get("p2p-herald-im")), cpu_us(runs.get("p2p-mosquitto"))),
    "reconnect_herald_im_over_mosquitto": ratio(get("reconnect-herald-im", "msgs_per_s"),
                                                get("reconnect-mosquitto", "msgs_per_s")),
    "idle_rss_per_connection_herald_b": rounded(get("idle-herald", "server", "rss_per_connection_b")),
    "idle_rss_per_connection_mosquitto_b": rounded(get("idle-mosquitto", "server", "rss_per_connection_b")),
    "idle_connections_held": get("idle-herald", "connected"),
}
targets = {  # (acceptance, target, higher is better)
    "p2p_im_herald_over_mosquitto": (1.0, 1.5, True),
    "p2p_half_rate_p99_herald_im_over_mosquitto": (1.0, 1.0, False),
    "fanout_deliveries_herald_over_mosquitto": (1.0, 1.5, True),
    "binary_p2p_herald_over_relay": (0.3, 0.5, True),
    "idle_rss_per_connection_herald_b": (4096, 2048, False),
}
print()
for k, v in ratios.items():
    verdict = ""
    if k in targets and v is not None:
        acc, tgt, up = targets[k]
        ok = (lambda x, t: x >= t) if up else (lambda x, t: x <= t)
        verdict = "target met" if ok(v, tgt) else ("acceptance met, target missed" if ok(v, acc) else "MISSED")
    print(f"  {k:48} {v if v is not None else 'n/a':>10}  {verdict}")
errors = sum(r.get("errors", 0) for r in runs.values())
lost = sum(r.get("lost", 0) for r in runs.values())
print(f"  errors {errors}, lost {lost}; load average {a.load_before} before, {a.load_after} after")

summary = {
    "machine": {"cores": os.cpu_count(), "kernel": platform.release(), "nofile": a.nofile,
                "load_before": a.load_before, "load_after": a.load_after},
    "quick": bool(a.quick),
    "ratios": ratios,
    "runs": runs,
}
with open(os.path.join(a.out, "bench.json"), "w") as f:
    json.dump(summary, f, indent=2)
print(f"  wrote {os.path.join(a.out, 'bench.json')}")

if a.markdown:
    md = ["| run | connections | msgs/s | deliveries/s | p50 ms | p90 ms | p99 ms | p999 ms | errors | lost | server CPU | server µs per msg | server RSS MB |",
          "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, r in runs.items():
        lat, srv, us = r.get("latency_us", {}), r.get("server", {}), cpu_us(r)
        if r["scenario"] == "idle":
            md.append(f"| {name} | {r['connected']} | | | | | | | {r['errors']} | | | | {srv.get('rss_kb', 0) / 1024:.0f} "
                      f"({srv.get('rss_per_connection_b', 0):.0f} B per connection) |")
            continue
        md.append(f"| {name} | {r['connections']} | {r['msgs_per_s']:.0f} | {r['deliveries_per_s']:.0f} | "
                  f"{lat.get('p50', 0) / 1000:.2f} | {lat.get('p90', 0) / 1000:.2f} | {lat.get('p99', 0) / 1000:.2f} | "
                  f"{lat.get('p999', 0) / 1000:.2f} | {r['errors']} | {r['lost']} | {srv.get('cpu_pct', 0):.0f} % | "
                  f"{us if us is not None else ''} | "
                  f"{srv.get('rss_kb', 0) / 1024:.0f} |")
    md += ["", "| ratio | value |", "| --- | --- |"]
    for k, v in ratios.items():
        md.append(f"| {k} | {v if v is not None else 'n/a'} |")
    md.append("")
    md.append(f"Load average (1, 5, 15 min): {a.load_before} before, {a.load_after} after.")
    with open(a.markdown, "w") as f:
        f.write("\n".join(md) + "\n")
    print(f"  wrote {a.markdown}")
