// llama.cpp's side of the comparison (tests/llamacpp/run.sh): node-llama-cpp's
// prebuilt CPU llama.cpp evaluates the prompts ternary.h evaluated (tn_logits'
// JSON lines) and the two are compared position by position.
// Where the probabilities differ by more than TOL, the difference must be
// explained: int8 codes within 1e-3 of a rounding tie at the first position
// that differs are moved to the other side (the subset that matches best,
// tn_logits --subsets), position after position (up to 8 rounds), and with
// them ternary.h must agree with llama.cpp within TOL everywhere; before
// they are moved the difference must stay within TIE_BOUND. A position whose
// argmax differs (and the greedy token it picks) passes only if ternary.h,
// with those codes moved, picks llama.cpp's token there.
// Usage: node check.mjs MODEL.gguf TN.jsonl LABEL TN_LOGITS
import fs from "node:fs";
import {getLlama} from "node-llama-cpp";
import {makeExplain, judge} from "./ties.mjs";

const [modelPath, tnPath, label, tnLogits] = process.argv.slice(2);
const explain = makeExplain(tnLogits, modelPath);
const runs = fs.readFileSync(tnPath, "utf8").trim().split("\n").map((l) => JSON.parse(l));
let passed = 0, failed = 0;
const ok = (m) => { console.log(`${label}: ${m}`); passed++; };
const bad = (m) => { console.log(`${label}: FAIL ${m}`); failed++; };

const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
let model;
try {
    model = await llama.loadModel({modelPath, gpuLayers: 0, useMmap: false});
} catch (e) {
    bad(`llama.cpp refused the file: ${e.message}`);
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(1);
}
ok(`node-llama-cpp 3.21.1's llama.cpp loads it as ${model.fileInfo.metadata.general.architecture}`);
const context = await model.createContext({contextSize: 64, batchSize: 64, threads: 1, flashAttention: false,
                                           experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32"});
const seq = context.getSequence();
const vocab = model.fileInfo.metadata.tokenizer.ggml.tokens.length;
let worst = 0;
const ties = [];
for (const run of runs) {
    const promptIds = run.ids.slice(0, run.prompt_len), total = run.ids.length;
    const prompt = Buffer.from(promptIds).toString("latin1");
    const tok = model.tokenize(prompt, true);
    if (tok.length !== promptIds.length || tok.some((t, i) => t !== promptIds[i])) {
        bad(`"${prompt}": llama.cpp's tokens ${JSON.stringify(tok)} are not the prompt's bytes`);
        continue;
    }
    await seq.clearHistory();
    const probsOf = (out) => { const p = new Float64Array(vocab); for (const [t, v] of out.next.probabilities) p[t] = v; return p; };
    const want = {generateNext: {probabilities: true}};
    let outs = await seq.controlledEvaluate(promptIds.map((t) => [t, want]));
    const probs = outs.map(probsOf);
    const gen = [];
    while (promptIds.length + gen.length < total) { // greedy: the most probable next token, then evaluate it
        const p = probs[probs.length - 1];
        let best = 0;
        for (let v = 1; v < vocab; v++) if (p[v] > p[best]) best = v;
        gen.push(best);
        outs = await seq.controlledEvaluate([[best, want]]);
        probs.push(probsOf(outs[0]));
    }
    const text = (ids) => Buffer.from(ids).toString("latin1").replace(/\n/g, "\\n");
    const r = judge({name: text(promptIds), promptLen: promptIds.length, ids: run.ids, gen, probs, tnProbs: run.probs, explain, ok, bad, text});
    worst = Math.max(worst, r.maxd);
    ties.push(r.ties);
}
console.log(`${label}: worst max |dp| over the prompts ${worst.toExponential(2)}; codes llama.cpp rounded the other way, per prompt: ${ties.join(" ")}`);
await context.dispose();
await model.dispose();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
