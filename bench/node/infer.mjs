// The peer in bench/: node-llama-cpp on the same GGUF, thread count and workload as ChatBot.Bench's inference
// run. Prints one JSON line. Usage: node infer.mjs MODEL THREADS
import { getLlama } from "node-llama-cpp";
import { readFileSync } from "node:fs";

const [modelPath, threadsArg] = process.argv.slice(2);
const threads = Number(threadsArg ?? 2);
const here = new URL("../workload/", import.meta.url);
const system = readFileSync(new URL("system-prompt.txt", here), "utf8").trim();
const users = readFileSync(new URL("user-prompts.txt", here), "utf8").trim().split("\n");
const now = () => performance.now() / 1000;

const loadStart = now();
const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
// contextSize is per sequence in node-llama-cpp: 2048 each, as ChatBot's Inference:ContextSize.
const context = await model.createContext({ contextSize: 2048, sequences: 4, threads, batchSize: 512 });
const loadSeconds = now() - loadStart;

// Warm-up, as llama-bench and ChatBot.Bench do: 64 tokens generated and thrown away.
{
  const warm = context.getSequence();
  let n = 0;
  for await (const token of warm.evaluate(model.tokenize("Warm up"), { temperature: 0 })) if (++n >= 64) break;
  warm.dispose();
}

// pp512: 512 prompt tokens evaluated, nothing generated.
const filler = model.tokenize((system + " ").repeat(8)).slice(0, 512);
const s0 = context.getSequence();
let t = now();
await s0.evaluateWithoutGeneratingNewTokens(filler);
const pp = 512 / (now() - t);
await s0.clearHistory();

// tg128: 128 tokens generated after a short prompt, end-of-generation ignored (as llama-bench does).
const short = model.tokenize("Hello");
let first = 0, count = 0;
t = now();
for await (const token of s0.evaluate(short, { temperature: 0 })) {
  if (count === 0) first = now();
  if (++count >= 128) break;
}
const tg = (count - 1) / (now() - first);
s0.dispose();

// 4 concurrent chats sharing one ~300-token system prompt, 128 tokens each; rounds 2+ are warm.
const sequences = [0, 1, 2, 3].map(() => context.getSequence());
const chatml = (u) => `<|im_start|>system\n${system}<|im_end|>\n<|im_start|>user\n${u}<|im_end|>\n<|im_start|>assistant\n`;
const rounds = [];
for (let round = 0; round < 3; round++) {
  const start = now();
  const results = await Promise.all(sequences.map(async (seq, i) => {
    const tokens = model.tokenize(chatml(users[(i + round) % users.length] + ` (round ${round})`), true);
    // Warm rounds are warm: keep what this sequence already holds of the prompt (the system part), erase the
    // last round's turn and evaluate only the rest, as ChatBot's prefix cache and a pinned llama-server slot do.
    // Without this, evaluate() would append the whole prompt after the previous round's tokens.
    const { firstDifferentIndex } = seq.compareContextTokens(tokens);
    const keep = Math.min(firstDifferentIndex, tokens.length - 1);
    if (keep < seq.nextTokenIndex) await seq.eraseContextTokenRanges([{ start: keep, end: seq.nextTokenIndex }]);
    let ttft = 0, n = 0;
    const times = [];
    for await (const token of seq.evaluate(tokens.slice(keep), { temperature: 0 })) {
      times.push(now() - start);
      if (n === 0) ttft = times[0];
      if (++n >= 128) break;
    }
    return { ttft, n, times };
  }));
  const wall = now() - start;
  const total = results.reduce((a, r) => a + r.n, 0);
  const ttfts = results.map((r) => r.ttft).sort((a, b) => a - b);
  // As ChatBot.Bench: generation aggregate while all four generate (last first token to first last token);
  // end to end over the whole round, prompt evaluation included.
  const from = ttfts[ttfts.length - 1];
  const to = Math.min(...results.map((r) => r.times[r.times.length - 1]));
  const within = results.reduce((a, r) => a + r.times.filter((x) => x > from && x <= to).length, 0);
  const generation = within / (to - from);
  rounds.push({ aggregate: generation, endToEnd: total / wall, ttft: (ttfts[1] + ttfts[2]) / 2, systemTokens: model.tokenize(system).length });
}

const rssMb = process.memoryUsage().rss / 1e6;
console.log(JSON.stringify({ peer: "node-llama-cpp 3.22.1", loadSeconds, pp, tg, rounds, rssMb }));
await context.dispose();
await model.dispose();
