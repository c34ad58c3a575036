// Offline schema check of Kubernetes manifests, no cluster needed.
//   node tests/k8s/validate.mjs [--json] FILE.yaml...
// 1. every YAML document parses;
// 2. every object validates against the Kubernetes OpenAPI schema of its apiVersion/kind
//    (kubernetes-models' bundled validators: required fields, types, enums, formats);
// 3. no object has a field its type does not define (the schemas allow unknown fields, so a typo
//    such as "readinesProbe" would pass 2.; the field lists come from the same package's typings).
// Kustomization files are parsed but not schema-checked. Exit 0: all valid; 1: problems (one line
// each: FILE doc N (Kind/name): path: message); 2: usage or setup error.
// --json prints {"problems":[...],"documents":[{"file","index","object"}]} for the C# rules.
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = path.join(here, "node_modules");
const args = process.argv.slice(2);
const json = args.includes("--json");
const files = args.filter((a) => a !== "--json");
if (files.length === 0) {
  console.error("usage: node validate.mjs [--json] FILE.yaml...");
  process.exit(2);
}
if (!existsSync(path.join(modules, "kubernetes-models"))) {
  console.error(`kubernetes-models is not installed in ${here}: run 'npm ci' there (scripts/test does)`);
  process.exit(2);
}

const typeCache = new Map();
await main();

async function main() {
const problems = [];
const documents = [];

for (const file of files) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    problems.push(`${file}: cannot read: ${e.message}`);
    continue;
  }
  const docs = parseAllDocuments(text, { prettyErrors: true });
  let index = 0;
  for (const doc of docs) {
    index++;
    const where = `${file} doc ${index}`;
    if (doc.errors.length > 0) {
      for (const e of doc.errors) problems.push(`${where}: YAML: ${e.message.split("\n")[0]}`);
      continue;
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue; // an empty document (comments only)
    documents.push({ file, index, object: obj });
    for (const p of await check(obj)) problems.push(`${where} (${obj?.kind ?? "?"}/${obj?.metadata?.name ?? "?"}): ${p}`);
  }
}

if (json) {
  process.stdout.write(JSON.stringify({ problems, documents }));
} else {
  for (const p of problems) console.log(p);
  console.log(`${documents.length} documents in ${files.length} files, ${problems.length} problems`);
}
process.exit(problems.length === 0 ? 0 : 1);
}

async function check(obj) {
  if (typeof obj !== "object" || Array.isArray(obj)) return ["not a mapping"];
  const { apiVersion, kind } = obj;
  if (typeof apiVersion !== "string" || typeof kind !== "string") return ["apiVersion and kind must be strings"];
  if (kind === "Kustomization" && apiVersion.startsWith("kustomize.config.k8s.io/")) return [];
  if (!/^[a-z0-9.\-]+(\/[a-z0-9]+)?$/.test(apiVersion) || !/^[A-Za-z]+$/.test(kind)) return [`unknown apiVersion/kind ${apiVersion} ${kind}`];
  const dts = path.join(modules, "kubernetes-models", apiVersion, `${kind}.d.ts`);
  if (!existsSync(dts)) return [`unknown apiVersion/kind ${apiVersion} ${kind} (not in the Kubernetes API)`];
  const found = [];
  const mod = await import(`kubernetes-models/${apiVersion}/${kind}`);
  const Model = mod[kind];
  try {
    new Model(obj).validate();
  } catch (e) {
    for (const line of String(e.message).split("\n")) if (line.trim()) found.push(`schema: ${line.trim()}`);
  }
  unknownFields(obj, dts, "", found);
  return found;
}

// --- unknown fields, from the typings (interface I<Type> { "field"?: Type; ... }) ---

function typeInfo(dtsFile) {
  if (typeCache.has(dtsFile)) return typeCache.get(dtsFile);
  const text = readFileSync(dtsFile, "utf8");
  const imports = new Map();
  for (const m of text.matchAll(/^import \{ (\w+) \} from "([^"]+)";$/gm)) {
    const [, name, from] = m;
    if (from.startsWith("@kubernetes-models/base")) continue;
    const target = from.startsWith(".")
      ? path.resolve(path.dirname(dtsFile), from.replace(/\.js$/, ".d.ts"))
      : path.join(modules, from.endsWith(".js") ? from.replace(/\.js$/, ".d.ts") : `${from}.d.ts`);
    imports.set(name, target);
  }
  let fields = null; // null: not an object type (alias of string, number, IntOrString...)
  const start = text.search(/^export interface \w+( extends [\w, ]+)? \{$/m);
  if (start >= 0) {
    fields = new Map();
    if (/^export interface \w+ extends TypeMeta/m.test(text)) {
      fields.set("apiVersion", { kind: "value", target: null });
      fields.set("kind", { kind: "value", target: null });
    }
    const body = text.slice(start).split("\n");
    for (let i = 1; i < body.length && body[i] !== "}"; i++) {
      const m = /^ {4}"([^"]+)"\??: (.*)$/.exec(body[i]);
      if (!m) continue;
      const [, name, rawType] = m;
      let type = rawType.replace(/;$/, "").trim();
      let kind = "value";
      if (type === "{") {
        // a map { [key: string]: T } on the following lines
        const inner = /^\s+\[key: string\]: (.*);$/.exec(body[i + 1] ?? "");
        type = inner ? inner[1].trim() : "any";
        kind = "map";
      } else {
        const arr = /^Array<(.+)>$/.exec(type);
        if (arr) { type = arr[1]; kind = "array"; }
      }
      const mapArr = /^Array<(.+)>$/.exec(type);
      if (mapArr) { type = mapArr[1]; kind = kind === "map" ? "map-of-arrays" : kind; }
      fields.set(name, { kind, target: imports.get(type) ?? null });
    }
  }
  const info = { fields };
  typeCache.set(dtsFile, info);
  return info;
}

function unknownFields(value, dtsFile, at, found) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return;
  const { fields } = typeInfo(dtsFile);
  if (fields === null) return;
  for (const [key, child] of Object.entries(value)) {
    const field = fields.get(key);
    const here = `${at}/${key}`;
    if (!field) {
      found.push(`unknown field ${here}`);
      continue;
    }
    if (!field.target || child === null || typeof child !== "object") continue;
    if (field.kind === "array" && Array.isArray(child)) child.forEach((c, i) => unknownFields(c, field.target, `${here}/${i}`, found));
    else if (field.kind === "map") for (const [k, v] of Object.entries(child)) unknownFields(v, field.target, `${here}/${k}`, found);
    else if (field.kind === "value") unknownFields(child, field.target, here, found);
  }
}
