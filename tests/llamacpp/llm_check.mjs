// llama.cpp's side of the tn_llm comparison (tests/llamacpp/llm.sh):
// node-llama-cpp's prebuilt CPU llama.cpp (F32 KV cache, no flash attention,
// 1 thread) tokenizes each prompt, evaluates it and continues it greedily,
// position by position as tn_llm_logits did; the two must give the same
// prompt tokens, the same greedy continuation, the same argmax at every
// position and every next-token probability within 1e-4, or differ only by
// int8 codes at rounding ties (ties.mjs, with tn_llm_logits --subsets). With
// CORPUS, the whole file is tokenized by both and the ids must be identical.
// Usage: node llm_check.mjs MODEL.gguf TN.jsonl LABEL TN_LLM_LOGITS [CORPUS TN_IDS]
import fs from "node:fs";
import {getLlama} from "node-llama-cpp";
import {makeExplain, judge} from "./ties.mjs";

const [modelPath, tnPath, label, tnLogits, corpus, tnIds] = process.argv.slice(2);
const explain = makeExplain(tnLogits, modelPath);
// random weights pass one moved code on further than a trained model does (up to
// 1.1e-2 seen): the bound on the difference before the codes are moved is 5e-2 here
const TIE_BOUND = 5e-2;
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
const ctxLen = Math.max(...runs.map((r) => r.ids.length));
const context = await model.createContext({contextSize: ctxLen + 64, batchSize: 64, threads: 1, flashAttention: false,
                                           experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32"});
const seq = context.getSequence();
const vocab = model.fileInfo.metadata.tokenizer.ggml.tokens.length;
const argmaxOf = (p) => { let i = 0; for (let v = 1; v < p.length; v++) if (p[v] > p[i]) i = v; return i; };
const show = (s) => s.replace(/\n/g, "\\n");
let worst = 0;
const ties = [];
for (const run of runs) {
    const promptIds = run.ids.slice(0, run.prompt_len), total = run.ids.length;
    const tok = Array.from(model.tokenize(run.prompt, false));
    if (tok.length !== promptIds.length || tok.some((t, i) => t !== promptIds[i])) {
        bad(`"${show(run.prompt)}": llama.cpp's tokens ${JSON.stringify(tok)}, ternary.h's ${JSON.stringify(promptIds)}`);
        continue;
    }
    await seq.clearHistory();
    const probsOf = (out) => { const p = new Float64Array(vocab); for (const [t, v] of out.next.probabilities) p[t] = v; return p; };
    const want = {generateNext: {probabilities: true}};
    let outs = await seq.controlledEvaluate(promptIds.map((t) => [t, want]));
    const probs = outs.map(probsOf);
    const gen = [];
    while (promptIds.length + gen.length < total) {
        gen.push(argmaxOf(probs[probs.length - 1]));
        outs = await seq.controlledEvaluate([[gen[gen.length - 1], want]]);
        probs.push(probsOf(outs[0]));
    }
    const text = (ids) => show(model.detokenize(ids));
    const r = judge({name: show(run.prompt), promptLen: promptIds.length, ids: run.ids, gen, probs, tnProbs: run.probs, explain, ok, bad, text, tieBound: TIE_BOUND});
    worst = Math.max(worst, r.maxd);
    ties.push(r.ties);
}
console.log(`${label}: worst max |dp| over the prompts ${worst.toExponential(2)}; codes llama.cpp rounded the other way, per prompt: ${ties.join(" ")}`);
if (corpus) {
    const text = fs.readFileSync(corpus, "utf8");
    const mine = fs.readFileSync(tnIds, "utf8").trim().split("\n").map(Number);
    const theirs = Array.from(model.tokenize(text, false));
    let first = -1;
    for (let i = 0; i < Math.max(mine.length, theirs.length); i++) if (mine[i] !== theirs[i]) { first = i; break; }
    if (first < 0) ok(`${corpus}: ${text.length} characters -> ${theirs.length} tokens, the same ids from both`);
    else bad(`${corpus}: the ids differ first at token ${first} (llama.cpp ${theirs[first]}, ternary.h ${mine[first]}; ${theirs.length} vs ${mine.length} tokens)`);
}
await context.dispose();
await model.dispose();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
