"""Prints the medians of a bench/run results file side by side."""
import json
import statistics
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
med = statistics.median

for r in rows:
    if "oursMBps" in r:
        print(f"\nscreening ({r['entries']} entries, {r['megabytes']:.2f} MB): ChatBot {r['oursMBps']:.1f} MB/s | compiled Regex alternation {r['regexMBps']:.2f} MB/s")
        if "streamedMs" in r:
            print(f"streamed answer of {r['streamAnswerChars']:,} chars in 3-char pieces: {r['streamedMs']:.1f} ms | the whole answer screened and masked once: {r['wholeMs']:.1f} ms")
    if "quotaChecksPerSecond" in r:
        print(f"\nquota on Redis: ChatBot Lua check+INCR+expiry {r['quotaChecksPerSecond']:,.0f}/s | plain INCR {r['plainIncrPerSecond']:,.0f}/s")
    if "topology" in r:
        for target in ("ChatBot", "bare Kestrel"):
            runs = [x for x in r["rounds"] if x["target"] == target]
            print(f"ack {r['topology']:10} {target:12}: p50 {med(x['P50'] for x in runs):6.2f} ms  p99 {med(x['P99'] for x in runs):7.2f} ms  "
                  f"{med(x['Throughput'] for x in runs):5.0f}/s  errors {sum(x['Errors'] for x in runs)}  ({len(runs)} rounds)")

    if "burst" in r:
        print(f"\nburst of {r['burst']:,} callbacks from one user at once (daily limit {r['limit']}), medians over {len(r['rounds']) // 2} rounds:")
        for target in ("ChatBot x2", "bare Kestrel"):
            runs = [x for x in r["rounds"] if x["target"] == target]
            extra = ""
            if target != "bare Kestrel":
                extra = (f"  answered {[x['answered'] for x in runs]}  notices {[x['notices'] for x in runs]}"
                         f"  doubled {sum(x['doubled'] for x in runs)}  lost {sum(x['lost'] for x in runs)}")
            print(f"  {target:12}: first-attempt ack p50 {med(x['P50'] for x in runs):6.0f} ms  p99 {med(x['P99'] for x in runs):6.0f} ms  "
                  f"503s {med(x['FirstAttempt503'] for x in runs):4.0f}  all acked in {med(x['SecondsToAckAll'] for x in runs):5.1f} s{extra}")
        bots = [x for x in r["rounds"] if x["target"] == "ChatBot x2"]
        bares = [x for x in r["rounds"] if x["target"] == "bare Kestrel"]
        ratios = [b["P99"] / k["P99"] for b, k in zip(bots, bares) if k["P99"] > 0]
        if ratios:
            print(f"  p99 ratio ChatBot / bare Kestrel, paired by round: {', '.join(f'{x:.1f}x' for x in ratios)} (median {med(ratios):.1f}x)")

    if "streamAck" in r:
        runs = r["streamAck"][2:]  # round 0 is the JIT's
        print(f"\nDingTalk ack at {r['rate']}/s, medians of rounds 1+ (round 0 warms the JIT):")
        for mode in ("Stream (one socket)", "HTTP callback"):
            xs = [x for x in runs if x["mode"] == mode]
            print(f"  {mode:22}: p50 {med(x['P50'] for x in xs):.2f} ms  p99 {med(x['P99'] for x in xs):.2f} ms  missing {sum(x['Missing'] for x in xs)}")
        pairs = [a["P99"] / b["P99"] for a, b in zip(runs[0::2], runs[1::2])]
        print(f"  p99 ratio Stream / HTTP, paired by round: {', '.join(f'{x:.2f}x' for x in pairs)} (median {med(pairs):.2f}x)")

    if "knowledge" in r:
        peers = list(dict.fromkeys(x["peer"] for x in r["knowledge"]))
        print(f"\nknowledge retrieval on the sample, medians over {len(r['knowledge']) // len(peers)} rounds:")
        for peer in peers:
            runs = [x for x in r["knowledge"] if x["peer"] == peer]
            print(f"  {peer:32}: hit@3 {med(x['hitAt3'] for x in runs):.2f}  MRR {med(x['mrr'] for x in runs):.2f}  refusal {med(x['refusalAccuracy'] for x in runs):.2f}"
                  f"  index {med(x['indexMs'] for x in runs):6.1f} ms  query p50 {med(x['p50'] for x in runs):.2f} ms  p99 {med(x['p99'] for x in runs):.2f} ms")
        print(f"  1,000 generated pages: {r['pagesChunks']} passages indexed in {r['pagesIndexMs']:.0f} ms")

inference = [r for r in rows if "peer" in r]
if inference:
    print("\ninference, medians over processes (rounds 2-3 of the 4-chat test are warm):")
    print(f"{'':34}{'ChatBot':>14}{'node-llama-cpp':>16}")
    def col(peer, f):
        xs = [f(r) for r in inference if r["peer"].startswith(peer)]
        return med(xs) if xs else float("nan")
    lines = [
        ("load (s)", lambda r: r["loadSeconds"]),
        ("prompt eval pp512 (t/s)", lambda r: r["pp"]),
        ("generation tg128 (t/s)", lambda r: r["tg"]),
        ("4 chats aggregate, warm (t/s)", lambda r: med([x["aggregate"] for x in r["rounds"][1:]])),
        ("4 chats end to end, warm (t/s)", lambda r: med([x.get("endToEnd", float("nan")) for x in r["rounds"][1:]])),
        ("4 chats TTFT median, warm (s)", lambda r: med([x["ttft"] for x in r["rounds"][1:]])),
        ("4 chats TTFT median, cold (s)", lambda r: r["rounds"][0]["ttft"]),
        ("resident memory (MB)", lambda r: r["rssMb"]),
    ]
    for name, f in lines:
        print(f"{name:34}{col('ChatBot', f):14.2f}{col('node', f):16.2f}")
    tg = col("ChatBot", lambda r: r["tg"])
    agg = col("ChatBot", lambda r: med([x["aggregate"] for x in r["rounds"][1:]]))
    e2e = col("ChatBot", lambda r: med([x.get("endToEnd", float("nan")) for x in r["rounds"][1:]]))
    print(f"4-chat aggregate / single stream (ChatBot): {agg / tg:.2f}x generation, {e2e / tg:.2f}x end to end")
    print("  generation: tokens per second while all four chats generate, from the last chat's first token to the")
    print("  first chat's last (prompt evaluation is what TTFT reports; tg128 likewise starts at its first token);")
    print("  end to end: every token over the whole round, the 4 prompts' evaluation included")
