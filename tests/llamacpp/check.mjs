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
import os from "node:os";
import {execFileSync} from "node:child_process";
import {getLlama} from "node-llama-cpp";

const [modelPath, tnPath, label, tnLogits] = process.argv.slice(2);
const TOL = 1e-4;       // next-token probabilities, every position
const MAX_ROUNDS = 8;
const TIE_BOUND = 1e-2; // what codes at rounding ties may move a probability by before they are moved back
const maxdp = (A, B, n) => { let d = 0; for (let t = 0; t < n; t++) for (let v = 0; v < A[t].length; v++) d = Math.max(d, Math.abs(A[t][v] - B[t][v])); return d; };
const NOISE = 1e-5;     // float rounding alone stays near 1e-6
const firstOver = (A, B, n, tol = TOL) => { for (let t = 0; t < n; t++) for (let v = 0; v < A[t].length; v++) if (Math.abs(A[t][v] - B[t][v]) > tol) return t; return -1; };
// codes moved across their ties that make ternary.h match llama.cpp (probs)
// over n positions: at the first position that differs (above the float
// noise, else above TOL), the subset of its closest ties (within 1e-3 codes,
// up to 12) that brings it nearest to llama.cpp (tn_logits --subsets); each
// round must at least halve the difference there; then on to the next
const dpAt = (A, B, t) => { let d = 0; for (let v = 0; v < A[t].length; v++) d = Math.max(d, Math.abs(A[t][v] - B[t][v])); return d; };
const tmpTarget = `${os.tmpdir()}/tn-llamacpp-target-${process.pid}.txt`;
function explain(ids, n, probs, mine) {
    const flips = [];
    let cur = mine;
    const seq = ids.slice(0, n).join(",");
    for (let iter = 0; ; iter++) {
        const fo = firstOver(probs, cur, n);
        if (fo < 0) return {flips, d: maxdp(probs, cur, n), probs: cur};
        if (iter === MAX_ROUNDS) return null;
        // where the event starts: the first position above the float noise (its effect there may be
        // under TOL and grow later through the K/V of that position), else the first one over TOL
        const at = [firstOver(probs, cur, n, NOISE), fo].filter((p, i, a) => p >= 0 && a.indexOf(p) === i);
        let took = null;
        for (const p of at) {
            fs.writeFileSync(tmpTarget, Array.from(probs[p]).join(" "));
            const r = JSON.parse(execFileSync(tnLogits, [modelPath, "--subsets", seq, flips.length ? flips.map((f) => f.flip).join(",") : "-", String(p), tmpTarget]).toString());
            fs.unlinkSync(tmpTarget);
            if (process.env.TN_DEBUG) console.log(`explain: at ${p} (${dpAt(probs, cur, p).toExponential(2)}), ${r.tried} subsets, best ${r.flips.map((f) => f.flip).join(" ")} -> ${r.dp.toExponential(2)}`);
            if (r.flips.length && r.dp <= 0.5 * dpAt(probs, cur, p)) { took = r; break; }
        }
        if (!took) return null;
        flips.push(...took.flips);
        cur = JSON.parse(execFileSync(tnLogits, [modelPath, "--probe", seq, flips.map((f) => f.flip).join(","), "-1"], {maxBuffer: 1 << 30}).toString()).base;
    }
}
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
    const tnGen = run.ids.slice(run.prompt_len);
    const text = (ids) => Buffer.from(ids).toString("latin1").replace(/\n/g, "\\n");
    const same = gen.every((t, i) => t === tnGen[i]);
    // every position's argmax and probabilities (up to the first divergence of the continuations)
    let n = promptIds.length;
    while (n < total && gen[n - promptIds.length] === tnGen[n - promptIds.length]) n++;
    let maxd = 0, at = -1;
    const m = Math.min(n, total), argmaxOf = (p) => { let i = 0; for (let v = 1; v < vocab; v++) if (p[v] > p[i]) i = v; return i; }, differ = [];
    for (let t = 0; t < m; t++) {
        const a = probs[t], b = run.probs[t];
        let d = 0;
        for (let v = 0; v < vocab; v++) d = Math.max(d, Math.abs(a[v] - b[v]));
        if (argmaxOf(a) !== argmaxOf(b)) differ.push(t);
        if (d > maxd) { maxd = d; at = t; }
    }
    worst = Math.max(worst, maxd);
    const ex = maxd > TOL ? explain(run.ids, m, probs.slice(0, m), run.probs.slice(0, m)) : null;
    // a different argmax (and so a different greedy token) passes only where llama.cpp's
    // rounding ties explain the probabilities and, with its codes, ternary.h picks its token too
    const tieArgmax = ex && maxd <= TIE_BOUND && differ.every((t) => argmaxOf(ex.probs[t]) === argmaxOf(probs[t]));
    if (same) ok(`"${text(promptIds)}" -> "${text(gen)}": greedy continuation of ${gen.length} tokens identical`);
    else if (tieArgmax && differ.includes(m - 1))
        ok(`"${text(promptIds)}": greedy continuations identical for ${m - promptIds.length} tokens, then "${text(gen.slice(m - promptIds.length))}" (llama.cpp) vs ` +
           `"${text(tnGen.slice(m - promptIds.length))}" (ternary.h): ROUNDING TIE, with llama.cpp's codes ternary.h picks its token`);
    else bad(`"${text(promptIds)}": llama.cpp continues "${text(gen)}", ternary.h "${text(tnGen)}"`);
    if (!differ.length) ok(`"${text(promptIds)}": argmax agrees at all ${m} positions`);
    else if (tieArgmax) ok(`"${text(promptIds)}": argmax differs at position(s) ${differ.join(", ")} only by rounding ties: with llama.cpp's codes ternary.h's agrees`);
    else for (const t of differ) bad(`"${text(promptIds)}" position ${t}: argmax ${argmaxOf(probs[t])} (llama.cpp) vs ${argmaxOf(run.probs[t])} (ternary.h)`);
    if (maxd <= TOL) { ok(`"${text(promptIds)}": max |dp| ${maxd.toExponential(2)} <= ${TOL} over every position`); ties.push(0); continue; }
    if (ex && maxd > TIE_BOUND) {
        bad(`"${text(promptIds)}": max |dp| ${maxd.toExponential(2)} at position ${at} exceeds ${TIE_BOUND}, though ${ex.flips.length} codes at rounding ties explain it`);
    } else if (ex) {
        ties.push(ex.flips.length);
        ok(`"${text(promptIds)}": ROUNDING TIE: max |dp| ${maxd.toExponential(2)} (position ${at}); llama.cpp rounded ${ex.flips.length} int8 code(s) the other way ` +
           `(${ex.flips.map((f) => `pass ${f.flip.split(":")[0]}, position ${f.flip.split(":")[1]}, element ${f.flip.split(":")[2]}, ${f.margin.toExponential(1)} codes from the tie`).join("; ")}): ` +
           `with ternary.h's moved across, max |dp| ${ex.d.toExponential(2)} <= ${TOL}`);
    } else {
        bad(`"${text(promptIds)}": max |dp| ${maxd.toExponential(2)} at position ${at} > ${TOL}, not explained by codes at rounding ties in ${MAX_ROUNDS} rounds (llama.cpp computes something else)`);
    }
}
console.log(`${label}: worst max |dp| over the prompts ${worst.toExponential(2)}; codes llama.cpp rounded the other way, per prompt: ${ties.join(" ")}`);
await context.dispose();
await model.dispose();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
