// check.mjs FILE.gguf OURS.json
// Parses FILE.gguf with @huggingface/gguf (an independent reader) and checks
// that it finds exactly the keys, types, values, tensor shapes, types and
// offsets that ternary.h's tn-inspect --json reports. Exit 0 when they agree.
import { gguf } from "@huggingface/gguf";
import { readFileSync } from "node:fs";

const [file, jsonPath] = process.argv.slice(2);
const ours = JSON.parse(readFileSync(jsonPath, "utf8"), (k, v, ctx) => v);
// keep integer texts exact: re-read numbers as strings
const raw = readFileSync(jsonPath, "utf8");
const exact = JSON.parse(raw.replace(/(:\s*|\[\s*|,\s*)(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?=\s*[,\]}])/g, '$1"$2"'));
const theirs = await gguf(file, { allowLocalFile: true, typedMetadata: true });
const vt = ["u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "str", "arr", "u64", "i64", "f64"];
let errors = 0;
const fail = (msg) => { errors++; console.log(`  mismatch: ${msg}`); };

function same(type, text, value) {
  if (type === "f32") return Math.fround(Number(text)) === Number(value);
  if (type === "f64") return Number(text) === Number(value);
  if (type === "bool") return (text === true || text === "true") === Boolean(value);
  if (type === "str") return text === value;
  return BigInt(text) === BigInt(value);
}

const skip = new Set(["version", "tensor_count", "kv_count"]);
const keys = Object.keys(theirs.typedMetadata).filter((k) => !skip.has(k));
if (keys.length !== exact.kv.length) fail(`${keys.length} keys, tn-inspect saw ${exact.kv.length}`);
exact.kv.forEach((kv, i) => {
  if (keys[i] !== kv.key) return fail(`key ${i}: ${keys[i]} vs ${kv.key}`);
  const t = theirs.typedMetadata[kv.key];
  if (vt[t.type] !== kv.type) return fail(`${kv.key}: type ${vt[t.type]} vs ${kv.type}`);
  if (kv.type === "arr") {
    if (vt[t.subType] !== kv.elem_type) return fail(`${kv.key}: element type ${vt[t.subType]} vs ${kv.elem_type}`);
    if (t.value.length !== Number(kv.n)) return fail(`${kv.key}: ${t.value.length} elements vs ${kv.n}`);
    kv.value.forEach((x, j) => { if (!same(kv.elem_type, x, t.value[j])) fail(`${kv.key}[${j}]: ${t.value[j]} vs ${x}`); });
  } else if (!same(kv.type, kv.value, t.value)) fail(`${kv.key}: ${t.value} vs ${kv.value}`);
});
if (BigInt(exact.data_offset) !== theirs.tensorDataOffset) fail(`data offset ${theirs.tensorDataOffset} vs ${exact.data_offset}`);
if (theirs.tensorInfos.length !== exact.tensors.length) fail(`${theirs.tensorInfos.length} tensors vs ${exact.tensors.length}`);
exact.tensors.forEach((t, i) => {
  const h = theirs.tensorInfos[i];
  if (!h) return;
  if (h.name !== t.name) fail(`tensor ${i}: name ${h.name} vs ${t.name}`);
  if (h.n_dims !== Number(t.n_dims)) fail(`${t.name}: n_dims ${h.n_dims} vs ${t.n_dims}`);
  if (h.shape.map(String).join(",") !== t.ne.map(String).join(",")) fail(`${t.name}: shape ${h.shape} vs ${t.ne}`);
  if (h.dtype !== Number(t.type_id)) fail(`${t.name}: type ${h.dtype} vs ${t.type_id}`);
  if (h.offset !== BigInt(t.offset)) fail(`${t.name}: offset ${h.offset} vs ${t.offset}`);
});
console.log(`${file}: @huggingface/gguf read ${keys.length} keys and ${theirs.tensorInfos.length} tensors: ${errors ? errors + " mismatches" : "all agree"}`);
process.exit(errors ? 1 : 0);
