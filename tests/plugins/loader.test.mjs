// The `LSI` shim of partages-ls' Community loader (src/partages_ls/ls_plugin_loader/static/lsi.js), run
// over a stand-in LabelStudio instance: a plugin's handler keeps its answer, and a plugin that fails
// never blocks a save (run: node --test tests/plugins/).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

const here = dirname(fileURLToPath(import.meta.url));
const shimPath = join(here, "..", "..", "src", "partages_ls", "ls_plugin_loader", "static", "lsi.js");
const shimSource = readFileSync(shimPath, "utf8");

// Objects made in the vm's realm have other prototypes: compare their JSON.
const plain = (value) => JSON.parse(JSON.stringify(value));

const boundPage = () => {
  const bus = [];
  const logged = [];
  const window = {};
  const context = vm.createContext({
    window,
    console: { error: (...args) => logged.push(args.map(String).join(" ")) },
  });
  vm.runInContext(shimSource, context);
  const instance = { on: (event, handler) => bus.push([event, handler]) };
  const store = { task: { id: 12, dataObj: { text: "Endocardite." } } };
  window.PartagesLsShim.bind({ instance, store, project: 3, guide: "infectiologie" });
  return { LSI: window.LSI, bus, logged, window };
};

test("LSI.on puts the handler on the instance's own event bus and keeps its answer", () => {
  const { LSI, bus } = boundPage();
  LSI.on("beforeSaveAnnotation", (_store, annotation) => annotation.ok);
  assert.equal(bus.length, 1);
  const [event, handler] = bus[0];
  assert.equal(event, "beforeSaveAnnotation");
  assert.equal(handler({}, { ok: false }), false); // a blocked save stays blocked
  assert.equal(handler({}, { ok: true }), true);
  assert.deepEqual(plain(LSI.adapter.describe()), {
    injected: true,
    project: 3,
    guide: "infectiologie",
    handlers: ["beforeSaveAnnotation"],
  });
  assert.deepEqual(plain(LSI.task), { id: 12, data: { text: "Endocardite." } });
});

test("a plugin that throws does not block the save, and says so", () => {
  const { LSI, bus, logged } = boundPage();
  LSI.on("beforeSaveAnnotation", () => {
    throw new Error("boom");
  });
  assert.equal(bus[0][1]({}, {}), true);
  assert.equal(logged.length, 1);
  assert.match(logged[0], /the guide plugin failed in beforeSaveAnnotation; this save is not blocked/);
});

test("a plugin whose promise rejects does not block the save either", async () => {
  const { LSI, bus, logged } = boundPage();
  LSI.on("beforeSaveAnnotation", async () => {
    throw new Error("late boom");
  });
  assert.equal(await bus[0][1]({}, {}), true);
  assert.equal(await (async () => bus[0][1]({}, {}))(), true);
  assert.equal(logged.length, 2);
});

test("the shim defines nothing but PartagesLsShim until it is bound", () => {
  const window = {};
  vm.runInContext(shimSource, vm.createContext({ window, console }));
  assert.deepEqual(Object.keys(window), ["PartagesLsShim"]);
});
