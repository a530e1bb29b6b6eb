// The JavaScript rule engine against the shared vectors (run: node --test tests/plugins/).
// The vectors' `expected` come from the Python engine; this file must find exactly the same.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

const here = dirname(fileURLToPath(import.meta.url));
const enginePath = join(here, "..", "..", "src", "partages_ls", "plugins", "js", "engine.js");
const engineSource = readFileSync(enginePath, "utf8");
const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));

// A plain script evaluated in this realm (deep equality compares prototypes, so no vm context here).
const partagesCheck = new Function(`${engineSource}\nreturn partagesCheck;`)();

const rules = new Map();
const rulesOf = (guide) => {
  if (!rules.has(guide)) rules.set(guide, readJson(join(here, "rules", `${guide}.json`)));
  return rules.get(guide);
};

const vectorFiles = readdirSync(join(here, "vectors"))
  .filter((name) => name.endsWith(".json"))
  .sort();

test("there are at least 25 vectors", () => {
  assert.ok(vectorFiles.length >= 25, `only ${vectorFiles.length} vectors`);
});

for (const file of vectorFiles) {
  const vector = readJson(join(here, "vectors", file));
  test(`vector ${vector.name}`, () => {
    const results = structuredClone(vector.results);
    assert.deepEqual(partagesCheck(rulesOf(vector.guide), vector.text, results), vector.expected);
    assert.deepEqual(results, vector.results, "the engine must not modify the results it checks");
  });
}

test("the engine is a plain script that defines one global, partagesCheck", () => {
  const context = vm.createContext({});
  const before = new Set(vm.runInContext("Object.getOwnPropertyNames(globalThis)", context));
  vm.runInContext(engineSource, context, { filename: "engine.js" });
  const added = vm.runInContext("Object.getOwnPropertyNames(globalThis)", context).filter((key) => !before.has(key));
  assert.deepEqual([...added], ["partagesCheck"]);
});

test("offsets count code points: an astral character before a span does not shift it", () => {
  const guide = rulesOf("infectiologie");
  const text = "🦠 E. coli";
  const region = (start, end) => ({
    id: "b",
    from_name: "LABEL",
    to_name: "text",
    type: "labels",
    value: { start, end, text: "E. coli", labels: ["Bacterie"] },
  });
  const negation = { id: "b", from_name: "NEGATION", value: { start: 2, end: 9, choices: ["Present"] } };
  assert.deepEqual(partagesCheck(guide, text, [region(2, 9), negation]), []);
  const utf16 = partagesCheck(guide, text, [region(3, 10), negation]);
  assert.deepEqual(
    utf16.map((v) => v.rule),
    ["offsets"],
    "UTF-16 offsets run one past the end of the text",
  );
});

test("levels and messages come from the compiled rules, not from the engine", () => {
  const vector = readJson(join(here, "vectors", "infectiologie-text-mismatch.json"));
  const edited = structuredClone(rulesOf(vector.guide));
  edited.checks["text-mismatch"] = { level: "error", message: "Autre texte : {stored}" };
  const found = partagesCheck(edited, vector.text, structuredClone(vector.results));
  assert.deepEqual(
    found.map((v) => [v.rule, v.level, v.message]),
    [["text-mismatch", "error", "Autre texte : Escherichia  coli"]],
  );
  const boundaries = readJson(join(here, "vectors", "infectiologie-span-boundaries.json"));
  for (const rule of edited.rules) {
    rule.level = "warning";
    rule.message = `${rule.id} : « {text} »`;
  }
  const flagged = partagesCheck(edited, boundaries.text, structuredClone(boundaries.results));
  assert.ok(flagged.length > 0);
  assert.deepEqual([...new Set(flagged.map((v) => v.level))], ["warning"]);
  assert.ok(flagged.every((v) => v.message.startsWith(`${v.rule} : « `)));
});
