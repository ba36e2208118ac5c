// Greedy completion by a real llama.cpp (node-llama-cpp 3.21.1's prebuilt CPU
// build, installed by tests/llamacpp/run.sh): what
//   llama-completion -m MODEL -p PROMPT -n N --temp 0 -ctk f32 -ctv f32 -fa off
// prints, for machines without a llama.cpp build.
// Usage: node tests/llamacpp/complete.mjs MODEL.gguf PROMPT N
import {getLlama} from "node-llama-cpp";

const [modelPath, prompt, n] = [process.argv[2], process.argv[3] ?? "The ", Number(process.argv[4] ?? 60)];
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath, gpuLayers: 0});
const context = await model.createContext({contextSize: model.trainContextSize, threads: 1, flashAttention: false,
                                           experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32"});
const seq = context.getSequence();
const want = {generateNext: {probabilities: true}};
const argmax = (out) => { let b = -1, bp = -1; for (const [t, p] of out.next.probabilities) if (p > bp) { b = t; bp = p; } return b; };
let outs = await seq.controlledEvaluate(model.tokenize(prompt, true).map((t) => [t, want]));
const gen = [];
for (let k = 0; k < n; k++) {
    gen.push(argmax(outs[outs.length - 1]));
    if (k + 1 < n) outs = await seq.controlledEvaluate([[gen[k], want]]);
}
process.stdout.write(prompt + Buffer.from(model.detokenize(gen), "utf8").toString() + "\n");
await context.dispose();
await model.dispose();
