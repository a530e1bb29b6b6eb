// Runs the JavaScript rule engine on cases given as JSON on stdin: {"rules": ..., "cases": [{"text", "results"}]}.
// Prints one list of violations per case, as JSON. Used by test_engines_agree_on_samples.py.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const engineSource = readFileSync(join(here, "..", "..", "src", "partages_ls", "plugins", "js", "engine.js"), "utf8");
const partagesCheck = new Function(`${engineSource}\nreturn partagesCheck;`)();

const input = JSON.parse(readFileSync(0, "utf8"));
const found = input.cases.map((item) => partagesCheck(input.rules, item.text, item.results));
process.stdout.write(JSON.stringify(found));
