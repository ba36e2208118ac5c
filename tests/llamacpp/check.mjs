// llama.cpp's side of the comparison (tests/llamacpp/run.sh): node-llama-cpp's
// prebuilt CPU llama.cpp evaluates the prompts ternary.h evaluated (tn_logits'
// JSON lines) and the two are compared position by position.
// Usage: node check.mjs MODEL.gguf TN.jsonl LABEL
import fs from "node:fs";
import {getLlama} from "node-llama-cpp";

const [modelPath, tnPath, label] = process.argv.slice(2);
const TOL = 1e-4;       // next-token probabilities, every position
const TIE = 5e-5;       // an activation this close (in int8 codes) to a rounding tie may round the other way in llama.cpp
const TIE_BOUND = 1e-2; // what one such flip may move a probability by
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
    const tnGen = run.ids.slice(run.prompt_len);
    const text = (ids) => Buffer.from(ids).toString("latin1").replace(/\n/g, "\\n");
    if (gen.every((t, i) => t === tnGen[i])) ok(`"${text(promptIds)}" -> "${text(gen)}": greedy continuation of ${gen.length} tokens identical`);
    else bad(`"${text(promptIds)}": llama.cpp continues "${text(gen)}", ternary.h "${text(tnGen)}"`);
    // every position's argmax and probabilities (up to the first divergence of the continuations)
    let n = promptIds.length;
    while (n < total && gen[n - promptIds.length] === tnGen[n - promptIds.length]) n++;
    let maxd = 0, at = -1, argmaxOk = true, firstTie = -1, firstOver = -1, nOver = 0;
    for (let t = 0; t < Math.min(n, total); t++) {
        const a = probs[t], b = run.probs[t];
        let d = 0, ia = 0, ib = 0;
        for (let v = 0; v < vocab; v++) { d = Math.max(d, Math.abs(a[v] - b[v])); if (a[v] > a[ia]) ia = v; if (b[v] > b[ib]) ib = v; }
        if (ia !== ib) { argmaxOk = false; bad(`"${text(promptIds)}" position ${t}: argmax ${ia} (llama.cpp) vs ${ib} (ternary.h)`); }
        if (run.margin[t] < TIE && firstTie < 0) firstTie = t;
        if (d > TOL) { nOver++; if (firstOver < 0) firstOver = t; }
        if (d > maxd) { maxd = d; at = t; }
    }
    worst = Math.max(worst, maxd);
    if (argmaxOk) ok(`"${text(promptIds)}": argmax agrees at all ${Math.min(n, total)} positions`);
    if (maxd <= TOL) ok(`"${text(promptIds)}": max |dp| ${maxd.toExponential(2)} <= ${TOL} over every position`);
    else if (firstTie >= 0 && firstTie <= firstOver && maxd <= TIE_BOUND)
        ok(`"${text(promptIds)}": ROUNDING TIE: an activation ${run.margin[firstTie].toExponential(1)} codes from a tie at position ${firstTie} (llama.cpp may round it one code ` +
           `the other way); from position ${firstOver}, ${nOver} positions over ${TOL}, max |dp| ${maxd.toExponential(2)} at ${at}, within the bound ${TIE_BOUND}`);
    else bad(`"${text(promptIds)}": max |dp| ${maxd.toExponential(2)} at position ${at}, first over ${TOL} at ${firstOver}, with no rounding tie up to it ` +
             `(closest ${Math.min(...run.margin.slice(0, firstOver + 1)).toExponential(1)} codes)`);
}
console.log(`${label}: worst max |dp| over the prompts ${worst.toExponential(2)}`);
await context.dispose();
await model.dispose();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
