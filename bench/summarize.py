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
        print(f"\nknowledge retrieval on {r.get('set', 'the set')}, medians over {len(r['knowledge']) // len(peers)} rounds"
              f" (hit@3 of answerable; refused: answerable wrongly / unanswerable rightly; not answered: refused or 'not sure'):")
        for peer in peers:
            runs = [x for x in r["knowledge"] if x["peer"] == peer]
            x0 = runs[0]
            print(f"  {peer:32}: hit@3 {med(x['hitAt3'] for x in runs):.0f}/{x0['answerable']}  MRR {med(x['mrr'] for x in runs):.2f}"
                  f"  answerable refused {med(x['wronglyRefused'] for x in runs):.0f}  unanswerable refused {med(x['refused'] for x in runs):.0f}/{x0['unanswerable']}"
                  f" not answered {med(x['notAnswered'] for x in runs):.0f}/{x0['unanswerable']}"
                  f"  index {med(x['indexMs'] for x in runs):6.1f} ms  query p50 {med(x['p50'] for x in runs):.2f} ms  p99 {med(x['p99'] for x in runs):.2f} ms")
        print(f"  1,000 generated pages: {r['pagesChunks']} passages indexed in {r['pagesIndexMs']:.0f} ms")

starts = [r for r in rows if "startup" in r]
if starts:
    bot, bare = [x["botReadySeconds"] for x in starts], [x["bareKestrelSeconds"] for x in starts]
    print(f"\nstartup, medians of {len(starts)} interleaved rounds: bot ready (first /readyz 200) {med(bot):.2f} s | bare Kestrel first answer {med(bare):.2f} s"
          f" | paired difference {med([a - b for a, b in zip(bot, bare)]):.2f} s")

crowds = [r for r in rows if "crowd" in r]
for r in crowds:
    print(f"crowd of {r['crowd']:2} on {r['parallel']:2} sequences, {r['kv']:4} KV: ready {r['readySeconds']:.2f} s, first words mean {r['ttftMean']:.2f} s"
          f" p95 {r['ttftP95']:.2f} s, all answered {r['allAnsweredSeconds']:.1f} s, RSS peak {r['rssPeakMb']:.0f} MB")

inference = [r for r in rows if "peer" in r]
if inference:
    def warm(key):
        return lambda r: med([x[key] for x in r["rounds"][1:]]) if "rounds" in r else None
    figures = [
        ("load (s)", lambda r: r.get("loadSeconds")),
        ("prompt eval pp512 (t/s)", lambda r: r.get("pp")),
        ("generation tg128 (t/s)", lambda r: r.get("tg")),
        ("4 sequences generating, raw loop (t/s)", lambda r: r.get("gen4")),
        ("4 chats generating, warm (t/s)", warm("aggregate")),
        ("4 chats end to end, warm (t/s)", warm("endToEnd")),
        ("4 chats TTFT median, warm (s)", warm("ttft")),
        ("4 chats TTFT median, cold (s)", lambda r: r["rounds"][0]["ttft"] if "rounds" in r else None),
        ("resident memory (MB)", lambda r: r.get("rssMb")),
    ]
    peers = list(dict.fromkeys(r["peer"] for r in inference))
    short = {p: p.replace(" (npm libraries)", " npm").replace(" (huge pages)", " THP").replace(" (own bindings)", "").replace(" (native build)", " native").replace("own bindings, raw loop", "own raw loop")
             .replace(", native build", " nat").replace("node-llama-cpp", "node") for p in peers}
    n = len({r.get("round", 0) for r in inference})
    print(f"\ninference, medians over {n} interleaved rounds (a round runs every peer once, each in its own process):")
    print(f"{'':40}" + "".join(f"{short[p]:>21}" for p in peers))
    def value(peer, f):
        xs = [v for v in (f(r) for r in inference if r["peer"] == peer) if v is not None]
        return med(xs) if xs else None
    for name, f in figures:
        cells = [value(p, f) for p in peers]
        if any(c is not None for c in cells):
            print(f"{name:40}" + "".join(f"{c:21.2f}" if c is not None else f"{'–':>21}" for c in cells))

    def paired(a, b, f, label):
        by = {}
        for r in inference:
            if r["peer"] in (a, b):
                by.setdefault(r.get("round", 0), {})[r["peer"]] = f(r)
        ratios = [x[a] / x[b] for x in by.values() if x.get(a) and x.get(b)]
        if ratios:
            print(f"  {label:58}: {' '.join(f'{x:.2f}' for x in ratios)}  median {med(ratios):.2f}x")
    print("paired ratios, round by round (ChatBot / peer; > 1 is faster for rates, < 1 is faster for times):")
    new, bot, native = "ChatBot (LLamaSharp)", "ChatBot (own bindings)", "ChatBot (native build)"
    npm_tools = " (npm libraries)"
    print(" THE ENGINE ON LLAMASHARP / THE ENGINE BEFORE IT (own bindings, bench/run's baseline commit), same engine code:")
    for old, label in ((bot, "npm libraries"), (native, "native build")):
        print(f"  against the engine before it on the {label}:")
        paired(new, old, lambda r: r.get("tg"), "tg128 (bar >= 0.97)")
        paired(new, old, warm("aggregate"), "4 chats generating, warm (bar >= 0.97)")
        paired(new, old, warm("ttft"), "4 chats TTFT, warm (bar <= 1.05)")
        paired(new, old, lambda r: r.get("pp"), "pp512 (bar >= 0.90)")
        paired(new, old, lambda r: r.get("rssMb"), "resident memory")
        paired(new, old, lambda r: r.get("loadSeconds"), "load")
    paired(new, "LLamaSharp 0.30.0", lambda r: r.get("tg"), "tg128 engine / LLamaSharp's raw loop (the scheduler's cost)")
    paired(new, "LLamaSharp 0.30.0", lambda r: r.get("pp"), "pp512 engine / LLamaSharp's raw loop")
    print(" LIKE FOR LIKE: the engine before it and llama.cpp's tools on the same libraries")
    for engine, suffix, libraries in ((bot, npm_tools, "npm libraries"), (native, "", "native build")):
        print(f"  on the {libraries}:")
        paired(engine, "llama-bench" + suffix, lambda r: r.get("tg"), "tg128 ChatBot / llama-bench")
        paired(engine, "llama-bench" + suffix, lambda r: r.get("pp"), "pp512 ChatBot / llama-bench")
        paired(engine, "llama-server" + suffix, warm("aggregate"), "4 chats generating ChatBot / llama-server --parallel 4")
        paired(engine, "llama-server" + suffix, warm("ttft"), "4 chats warm TTFT ChatBot / llama-server")
    print(" ACROSS builds: the engine on LLamaSharp's libraries (c0c7e147) / llama.cpp's tools on the npm source's native build")
    paired(new, "llama-bench", lambda r: r.get("tg"), "tg128 ChatBot (LLamaSharp) / llama-bench (native)")
    paired(new, "llama-bench", lambda r: r.get("pp"), "pp512 ChatBot (LLamaSharp) / llama-bench (native)")
    paired(new, "llama-server", warm("aggregate"), "4 chats generating ChatBot (LLamaSharp) / llama-server (native)")
    print(" the build alone, same tool (native build / npm libraries):")
    paired("llama-bench", "llama-bench" + npm_tools, lambda r: r.get("tg"), "tg128 llama-bench")
    paired("llama-server", "llama-server" + npm_tools, warm("aggregate"), "4 chats generating llama-server")
    paired(new, "node-llama-cpp 3.22.1", warm("aggregate"), "4 chats generating ChatBot (LLamaSharp) / node-llama-cpp")
    paired(new, "node-llama-cpp 3.22.1", warm("ttft"), "4 chats warm TTFT ChatBot (LLamaSharp) / node-llama-cpp")
    print("  4 chats generating: tokens per second while all four generate, from the last chat's first token to the")
    print("  first chat's last; TTFT: the median chat's time to first token; warm rounds reuse only the system prompt")
    print("  (llama-server: chat i pinned to slot i; node: the sequence keeps its system prompt, the last turn erased)")
