// llama.cpp's side of the tokenizer comparison (tests/llamacpp/run.sh):
// node-llama-cpp's llama.cpp loads MODEL.gguf's vocabulary only, tokenizes
// CORPUS (no special tokens parsed, no BOS) and its ids must be those
// ternary.h wrote to TN_IDS, one per line; each id's text (llama.cpp's
// detokenize, one token at a time) must be the bytes TN_PIECES holds for it
// (hex, one line per id).
// Usage: node tok_check.mjs MODEL.gguf LABEL CORPUS TN_IDS TN_PIECES
import fs from "node:fs";
import {getLlama} from "node-llama-cpp";

const [modelPath, label, corpus, tnIds, tnPieces] = process.argv.slice(2);
let passed = 0, failed = 0;
const ok = (m) => { console.log(`${label}: ${m}`); passed++; };
const bad = (m) => { console.log(`${label}: FAIL ${m}`); failed++; };
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
let model;
try {
    model = await llama.loadModel({modelPath, vocabOnly: true, useMmap: false});
} catch (e) {
    bad(`llama.cpp refused the file: ${e.message}`);
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(1);
}
const text = fs.readFileSync(corpus, "utf8");
const mine = fs.readFileSync(tnIds, "utf8").trim().split("\n").map(Number);
const theirs = Array.from(model.tokenize(text, false));
let first = -1;
for (let i = 0; i < Math.max(mine.length, theirs.length); i++) if (mine[i] !== theirs[i]) { first = i; break; }
if (first < 0) ok(`${corpus}: ${text.length} characters -> ${theirs.length} tokens, the same ids from both`);
else bad(`${corpus}: the ids differ first at token ${first} (llama.cpp ${theirs[first]}, ternary.h ${mine[first]}; ${theirs.length} vs ${mine.length} tokens; ` +
         `llama.cpp's around it ${JSON.stringify(theirs.slice(Math.max(0, first - 3), first + 3))}, ternary.h's ${JSON.stringify(mine.slice(Math.max(0, first - 3), first + 3))})`);
// every token's bytes (llama.cpp decodes a token's text to bytes; as a JS
// string only valid UTF-8 survives, so compare where ternary.h's bytes are valid UTF-8)
const pieces = fs.readFileSync(tnPieces, "utf8").split("\n");
const n = model.fileInfo.metadata.tokenizer.ggml.tokens.length;
const dec = new TextDecoder("utf-8", {fatal: true});
let same = 0, skipped = 0, diff = [];
for (let id = 0; id < n; id++) {
    let want;
    try { want = dec.decode(Buffer.from(pieces[id] || "", "hex")); } catch { skipped++; continue; }
    const got = model.detokenize([id], true);
    if (got === want) same++; else diff.push(`${id}: llama.cpp ${JSON.stringify(got)} ternary.h ${JSON.stringify(want)}`);
}
if (diff.length === 0) ok(`${same} token texts the same (${skipped} are not UTF-8 alone)`);
else bad(`${diff.length} token texts differ: ${diff.slice(0, 5).join("; ")}`);
await model.dispose();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
