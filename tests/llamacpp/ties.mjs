// The rounding-tie explanation shared by check.mjs (tn_transformer's files)
// and llm_check.mjs (tn_llm): where ternary.h and llama.cpp differ by more
// than TOL, int8 codes within 1e-3 of a rounding tie are moved to the other
// side (the subset that matches best, TN_LOGITS --subsets), position after
// position (up to MAX_ROUNDS), and with them ternary.h must agree with
// llama.cpp within TOL everywhere. TN_LOGITS is tn_logits or tn_llm_logits:
//   TN_LOGITS MODEL --subsets IDS FLIPS POS TARGET -> {"dp", "tried", "flips": [{"flip", "margin"}]}
//   TN_LOGITS MODEL --probe IDS FLIPS -1           -> {"base": probabilities per position}
import fs from "node:fs";
import os from "node:os";
import {execFileSync} from "node:child_process";

export const TOL = 1e-4;       // next-token probabilities, every position
export const MAX_ROUNDS = 8;
export const TIE_BOUND = 1e-2; // what codes at rounding ties may move a probability by before they are moved back
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
export const makeExplain = (tnLogits, modelPath) => function explain(ids, n, probs, mine) {
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
};

// one prompt's verdicts: the greedy continuations, every position's argmax and
// probabilities, with the tie explanation where they differ by more than TOL
export function judge({name, promptLen, ids, gen, probs, tnProbs, explain, ok, bad, text, tieBound = TIE_BOUND}) {
    const tnGen = ids.slice(promptLen), total = ids.length, vocab = probs[0].length;
    const same = gen.every((t, i) => t === tnGen[i]);
    // every position's argmax and probabilities (up to the first divergence of the continuations)
    let n = promptLen;
    while (n < total && gen[n - promptLen] === tnGen[n - promptLen]) n++;
    let maxd = 0, at = -1;
    const m = Math.min(n, total), argmaxOf = (p) => { let i = 0; for (let v = 1; v < vocab; v++) if (p[v] > p[i]) i = v; return i; }, differ = [];
    for (let t = 0; t < m; t++) {
        const a = probs[t], b = tnProbs[t];
        let d = 0;
        for (let v = 0; v < vocab; v++) d = Math.max(d, Math.abs(a[v] - b[v]));
        if (argmaxOf(a) !== argmaxOf(b)) differ.push(t);
        if (d > maxd) { maxd = d; at = t; }
    }
    const ex = maxd > TOL ? explain(ids, m, probs.slice(0, m), tnProbs.slice(0, m)) : null;
    // a different argmax (and so a different greedy token) passes only where llama.cpp's
    // rounding ties explain the probabilities and, with its codes, ternary.h picks its token too
    const tieArgmax = ex && maxd <= tieBound && differ.every((t) => argmaxOf(ex.probs[t]) === argmaxOf(probs[t]));
    if (same) ok(`"${name}" -> "${text(gen)}": greedy continuation of ${gen.length} tokens identical`);
    else if (tieArgmax && differ.includes(m - 1))
        ok(`"${name}": greedy continuations identical for ${m - promptLen} tokens, then "${text(gen.slice(m - promptLen))}" (llama.cpp) vs ` +
           `"${text(tnGen.slice(m - promptLen))}" (ternary.h): ROUNDING TIE, with llama.cpp's codes ternary.h picks its token`);
    else bad(`"${name}": llama.cpp continues "${text(gen)}", ternary.h "${text(tnGen)}"`);
    if (!differ.length) ok(`"${name}": argmax agrees at all ${m} positions`);
    else if (tieArgmax) ok(`"${name}": argmax differs at position(s) ${differ.join(", ")} only by rounding ties: with llama.cpp's codes ternary.h's agrees`);
    else for (const t of differ) bad(`"${name}" position ${t}: argmax ${argmaxOf(probs[t])} (llama.cpp) vs ${argmaxOf(tnProbs[t])} (ternary.h)`);
    if (maxd <= TOL) { ok(`"${name}": max |dp| ${maxd.toExponential(2)} <= ${TOL} over every position`); return {maxd, ties: 0}; }
    if (ex && maxd > tieBound) {
        bad(`"${name}": max |dp| ${maxd.toExponential(2)} at position ${at} exceeds ${tieBound}, though ${ex.flips.length} codes at rounding ties explain it`);
    } else if (ex) {
        ok(`"${name}": ROUNDING TIE: max |dp| ${maxd.toExponential(2)} (position ${at}); llama.cpp rounded ${ex.flips.length} int8 code(s) the other way ` +
           `(${ex.flips.map((f) => `pass ${f.flip.split(":")[0]}, position ${f.flip.split(":")[1]}, element ${f.flip.split(":")[2]}, ${f.margin.toExponential(1)} codes from the tie`).join("; ")}): ` +
           `with ternary.h's moved across, max |dp| ${ex.d.toExponential(2)} <= ${TOL}`);
    } else {
        bad(`"${name}": max |dp| ${maxd.toExponential(2)} at position ${at} > ${TOL}, not explained by codes at rounding ties in ${MAX_ROUNDS} rounds (llama.cpp computes something else)`);
    }
    return {maxd, ties: ex && maxd <= tieBound ? ex.flips.length : -1};
}
