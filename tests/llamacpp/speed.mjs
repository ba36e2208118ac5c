// llama.cpp's prompt and generation speed on a model, for tools/bench_llm.sh:
// node-llama-cpp 3.21.1's prebuilt CPU llama.cpp (F32 KV cache as tn_llm's, no
// flash attention), the prompt in one evaluation (batch 64), then N greedy tokens
// one at a time. Prints one JSON line {"pp_tps", "tg_tps", "prompt", "gen"}.
// Usage: node speed.mjs MODEL.gguf PROMPT_FILE N THREADS
import fs from "node:fs";
import {getLlama} from "node-llama-cpp";

const [modelPath, promptFile, n, threads] = process.argv.slice(2);
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath, gpuLayers: 0});
const ids = Array.from(model.tokenize(fs.readFileSync(promptFile, "utf8"), false));
const context = await model.createContext({contextSize: ids.length + Number(n) + 64, batchSize: 64, threads: Number(threads), flashAttention: false,
                                           experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32"});
const seq = context.getSequence();
const want = {generateNext: {token: true}};
let t0 = performance.now();
let outs = await seq.controlledEvaluate(ids.map((t, i) => (i === ids.length - 1 ? [t, want] : t)));
const pp = (performance.now() - t0) / 1000;
let next = outs[outs.length - 1].next.token;
t0 = performance.now();
for (let k = 1; k < Number(n); k++) { outs = await seq.controlledEvaluate([[next, want]]); next = outs[0].next.token; }
const tg = (performance.now() - t0) / 1000;
console.log(JSON.stringify({pp_tps: ids.length / pp, tg_tps: (Number(n) - 1) / tg, prompt: ids.length, gen: Number(n)}));
await context.dispose();
await model.dispose();
