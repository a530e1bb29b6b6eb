/**
 * partages-ls rule engine, JavaScript twin of `partages_ls/rules/engine.py`. Every rule it checks is
 * listed in `partages_ls/rules/table.py`, with the map of each rule's homes.
 *
 * `partagesCheck(rules, text, results)` takes the compiled rules of a guide (`rules/compile.py`), the
 * report text and one annotation's Label Studio result items, and returns every violation as
 * `{target, rule, level, message}`: same rule ids, levels, targets and French messages as the Python
 * engine, deduplicated and sorted the same way. Levels and messages are read from the compiled rules
 * (`checks` for the checks every guide gets, each item of `rules` for the guide's own), never written here. The shared vectors in tests/plugins/vectors/ hold
 * the two engines together; change both, then the vectors, never one alone.
 *
 * Python semantics this file reproduces on purpose:
 * - offsets are Unicode code points (Label Studio's), not UTF-16 units: the text is split once
 *   with `Array.from`, so an emoji before a span does not shift it;
 * - strings sort by code point (Python), not by UTF-16 unit (JavaScript's `<`);
 * - placeholders are filled one after the other with plain replacement (`str.replace`), and values
 *   are printed as Python's `str()` prints them (`None`, `True`);
 * - a boolean offset counts as an integer (`isinstance(True, int)` holds in Python).
 *
 * A plain script with one top-level function and no other global: the plugin build inlines it in
 * the plugin's closure, and the tests load it with `new Function`.
 */
// biome-ignore lint/correctness/noUnusedVariables: called by the plugin wrapper and the tests
function partagesCheck(rules, text, results) {
  const isDict = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
  const asDict = (value) => (isDict(value) ? value : {});
  const isKey = (object, key) => typeof key === "string" && Object.hasOwn(object, key);
  // `x or []` iterated as Python iterates it: a string gives its characters, a dict its keys.
  const seq = (value) => {
    if (Array.isArray(value)) return value;
    if (typeof value === "string") return Array.from(value);
    if (isDict(value)) return Object.keys(value);
    return [];
  };
  // JSON true/false are not offsets (Python's engine excludes bool explicitly).
  const isInteger = (value) => Number.isInteger(value);
  const offset = (value) => (isInteger(value) ? value : "?");

  const compare = (a, b) => {
    let i = 0;
    while (i < a.length && i < b.length) {
      const x = a.codePointAt(i);
      const y = b.codePointAt(i);
      if (x !== y) return x < y ? -1 : 1;
      i += x > 0xffff ? 2 : 1;
    }
    if (i < a.length) return 1;
    return i < b.length ? -1 : 0;
  };

  const pyRepr = (value) => {
    if (typeof value !== "string") return pyStr(value);
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    let out = "";
    for (const ch of value) {
      const code = ch.codePointAt(0);
      if (ch === "\\" || ch === quote) out += `\\${ch}`;
      else if (ch === "\n") out += "\\n";
      else if (ch === "\r") out += "\\r";
      else if (ch === "\t") out += "\\t";
      else if (code < 0x20 || (code >= 0x7f && code <= 0xa0) || code === 0xad) {
        out += `\\x${code.toString(16).padStart(2, "0")}`;
      } else out += ch;
    }
    return quote + out + quote;
  };
  function pyStr(value) {
    if (value === null || value === undefined) return "None";
    if (value === true) return "True";
    if (value === false) return "False";
    if (typeof value === "string") return value;
    if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
    if (isDict(value)) {
      return `{${Object.entries(value)
        .map(([key, item]) => `${pyRepr(key)}: ${pyRepr(item)}`)
        .join(", ")}}`;
    }
    return String(value);
  }

  // One pass: a value that itself contains "{x}" is left as written, unknown names stay too.
  const fill = (template, values) =>
    template.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, name) =>
      Object.hasOwn(values, name) ? pyStr(values[name]) : whole,
    );

  const chars = Array.from(text);
  const display = rules.label_display;
  const labelSets = rules.label_sets;
  const attributes = rules.attributes;
  const fields = rules.document_fields;
  const regions = new Map();
  const violations = [];

  const add = (target, rule, level, template, values) => {
    violations.push({ target, rule, level, message: fill(template, values) });
  };
  // A check every guide gets: its level and message come from the compiled rules' `checks`.
  const structural = (target, rule, values) => {
    const check = rules.checks[rule];
    add(target, rule, check.level, check.message, values);
  };
  const inBounds = (region) => region.start >= 0 && region.start < region.end && region.end <= chars.length;
  const shown = (region) => (inBounds(region) ? chars.slice(region.start, region.end).join("") : "");
  const resultId = (item) => (Object.hasOwn(item, "id") ? pyStr(item.id) : "");

  // --- reading the result items ---------------------------------------------------------
  const readRegion = (id, control, value) => {
    const labels = seq(value.labels);
    const { start, end } = value;
    if (regions.has(id)) {
      structural(id, "duplicate-id", { result_id: id });
      return;
    }
    if (!isInteger(start) || !isInteger(end)) {
      structural(id, "offsets", { start: offset(start), end: offset(end), length: chars.length });
      return;
    }
    const region = {
      id,
      control,
      start: Number(start),
      end: Number(end),
      label: labels.length === 1 ? labels[0] : null,
      stored: value.text ?? null,
      attributes: new Map(),
    };
    regions.set(id, region);
    if (labels.length !== 1) {
      structural(id, "label-count", { count: labels.length });
    } else if (!labelSets[control].includes(region.label)) {
      const controlShown = isKey(rules.control_display, control) ? rules.control_display[control] : control;
      structural(id, "unknown-label", { label: region.label, control: controlShown });
      region.label = null;
    }
    if (!inBounds(region)) {
      structural(id, "offsets", { start, end, length: chars.length });
    } else if (region.stored !== null && region.stored !== shown(region)) {
      structural(id, "text-mismatch", { stored: region.stored, actual: shown(region) });
    }
  };

  const perRegion = [];
  const documentItems = [];
  const relations = [];
  for (const item of results) {
    if (item.type === "relation") {
      relations.push(item);
      continue;
    }
    const control = item.from_name;
    const id = resultId(item);
    const value = asDict(item.value);
    if (isKey(labelSets, control)) readRegion(id, control, value);
    else if (isKey(attributes, control) && Object.hasOwn(value, "start")) perRegion.push(item);
    else if (isKey(fields, control) && !Object.hasOwn(value, "start")) documentItems.push(item);
    else structural(id, "unknown-control", { control });
  }
  for (const item of perRegion) {
    const id = resultId(item);
    const region = regions.get(id);
    const name = item.from_name;
    if (region === undefined) {
      structural(id, "orphan-attribute", { attribute: pyStr(attributes[name].display) });
      continue;
    }
    if (!region.attributes.has(name)) region.attributes.set(name, []);
    region.attributes.get(name).push(seq(asDict(item.value).choices));
  }

  // --- checks ---------------------------------------------------------------------------
  const checkAttributes = (region) => {
    for (const [name, spec] of Object.entries(attributes)) {
      if (spec.label_set !== region.control) continue;
      const items = region.attributes.get(name) ?? [];
      const applies = spec.applies_to.includes(region.label);
      if (items.length > 0 && region.label !== null && !applies) {
        structural(region.id, "attribute-not-applicable", {
          attribute: spec.display,
          label: display[region.label],
        });
        continue;
      }
      const chosen = items.flat();
      if (items.length > 1 || chosen.length > 1) {
        structural(region.id, "attribute-count", { attribute: spec.display, count: chosen.length });
      }
      for (const choice of chosen) {
        if (!spec.values.includes(choice)) {
          structural(region.id, "attribute-value", { value: choice, attribute: spec.display });
        }
      }
      if (applies && spec.required && chosen.length === 0 && region.label !== null) {
        structural(region.id, "required-attribute", {
          attribute: spec.display,
          text: shown(region),
          label: display[region.label],
        });
      }
    }
  };

  const seenRegions = new Set();
  for (const region of regions.values()) {
    const key = JSON.stringify([region.control, region.label, region.start, region.end]);
    if (seenRegions.has(key) && region.label !== null) {
      structural(region.id, "duplicate-region", { text: shown(region), label: display[region.label] });
    }
    seenRegions.add(key);
    checkAttributes(region);
  }

  const seenRelations = new Set();
  for (const item of relations) {
    const labels = seq(item.labels);
    const key = `relation:${pyStr(item.from_id)}->${pyStr(item.to_id)}:${labels.map(pyStr).join(",")}`;
    let source = regions.get(pyStr(item.from_id));
    let target = regions.get(pyStr(item.to_id));
    if (source === undefined || target === undefined) {
      const names = labels.map((name) => (isKey(rules.relations, name) ? rules.relations[name].display : pyStr(name)));
      structural(key, "relation-endpoint", { relation: names.join(",") || "?" });
      continue;
    }
    if (labels.length !== 1) {
      structural(key, "relation-label", { source: shown(source), target: shown(target) });
      continue;
    }
    const relation = labels[0];
    if (!isKey(rules.relations, relation)) {
      structural(key, "relation-unknown", { relation });
      continue;
    }
    const spec = rules.relations[relation];
    const direction = Object.hasOwn(item, "direction") ? item.direction : "right";
    if (direction === "left") [source, target] = [target, source];
    if (spec.directed && direction === "bi") {
      structural(key, "relation-direction", { relation: spec.display });
      continue;
    }
    let pairOk = spec.sources.includes(source.label) && spec.targets.includes(target.label);
    if (!spec.directed) {
      pairOk = pairOk || (spec.sources.includes(target.label) && spec.targets.includes(source.label));
    }
    if (!pairOk && source.label !== null && target.label !== null) {
      const allowed = spec.sources
        .flatMap((s) => spec.targets.map((t) => `${display[s]} → ${display[t]}`))
        .join(" ou ");
      structural(key, "relation-pair", {
        relation: spec.display,
        source_label: display[source.label],
        target_label: display[target.label],
        allowed,
      });
    }
    const ends = spec.directed ? [source.id, target.id] : [source.id, target.id].sort(compare);
    const signature = JSON.stringify([relation, ...ends]);
    if (seenRelations.has(signature)) {
      structural(key, "duplicate-relation", {
        relation: spec.display,
        source: shown(source),
        target: shown(target),
      });
    }
    seenRelations.add(signature);
  }

  for (const [name, spec] of Object.entries(fields)) {
    const chosen = documentItems
      .filter((item) => item.from_name === name)
      .flatMap((item) => seq(asDict(item.value).choices));
    const target = `field:${name}`;
    for (const choice of chosen) {
      if (!spec.values.includes(choice)) {
        structural(target, "document-field-value", { value: choice, field: spec.display });
      }
    }
    if (spec.required && chosen.length === 0) {
      structural(target, "document-field-missing", { field: spec.display });
    } else if (!spec.multiple && chosen.length > 1) {
      structural(target, "document-field-count", { field: spec.display, count: chosen.length });
    }
  }

  // The same word test as the Python engine (`leading_word`, `closes_initial`), on code points.
  const WORD_END = new Set([" ", "\t", "\r", "\n", "\u00a0", "\u202f"]);
  const APOSTROPHES = new Set(["'", "\u2019"]);
  const capitalised = (ch) => ch !== ch.toLowerCase();
  const leadingWord = (span, words) => {
    const ordered = [...words].sort((a, b) => Array.from(b).length - Array.from(a).length || compare(a, b));
    for (const candidate of ordered) {
      const letters = Array.from(candidate);
      const size = letters.length;
      const elided = APOSTROPHES.has(letters[size - 1]);
      let head = Array.from(span.slice(0, size).join("").toLowerCase());
      let word = letters;
      if (elided) {
        if (APOSTROPHES.has(head[head.length - 1])) head = [...head.slice(0, -1), "'"];
        word = [...letters.slice(0, -1), "'"];
      }
      if (span.length <= size || head.join("") !== word.join("")) continue;
      if (elided || WORD_END.has(span[size])) return span.slice(0, size).join("");
    }
    return null;
  };
  const closesInitial = (span) => {
    const n = span.length;
    if (n < 2 || span[n - 1] !== "." || !capitalised(span[n - 2])) return false;
    return n === 2 || [" ", "-", ".", "\u00a0"].includes(span[n - 3]);
  };

  for (const rule of rules.rules) {
    const labels = new Set(rule.labels);
    const selected = [...regions.values()]
      .filter((region) => labels.has(region.label) && inBounds(region))
      .sort((a, b) => a.start - b.start || a.end - b.end || compare(a.id, b.id));
    if (rule.kind === "span_boundaries") {
      const forbidden = new Set(Array.from(rule.forbidden));
      const initialDot = new Set(rule.initial_dot_labels || []);
      for (const region of selected) {
        const first = chars[region.start];
        const last = chars[region.end - 1];
        const lastOk = initialDot.has(region.label) && closesInitial(Array.from(shown(region)));
        if (forbidden.has(first) || (forbidden.has(last) && !lastOk)) {
          add(region.id, rule.id, rule.level, rule.message, { text: shown(region) });
        }
      }
    } else if (rule.kind === "leading_words") {
      const particles = new Set(rule.particle_labels);
      for (const region of selected) {
        const span = shown(region);
        const word = leadingWord(Array.from(span), rule.words);
        if (word === null || (particles.has(region.label) && capitalised(chars[region.start]))) continue;
        add(region.id, rule.id, rule.level, rule.message, { text: span, word });
      }
    } else if (rule.kind === "no_line_break") {
      for (const region of selected) {
        const span = shown(region);
        if (span.includes("\n") || span.includes("\r")) {
          add(region.id, rule.id, rule.level, rule.message, { text: span });
        }
      }
    } else if (rule.kind === "count") {
      const count = selected.length;
      const tooFew = rule.min !== null && rule.min !== undefined && count < rule.min;
      const tooMany = rule.max !== null && rule.max !== undefined && count > rule.max;
      if (tooFew || tooMany) add(`rule:${rule.id}`, rule.id, rule.level, rule.message, { count });
    } else if (rule.kind === "no_overlap") {
      for (const [index, region] of selected.entries()) {
        if (selected.slice(0, index).some((other) => other.end > region.start)) {
          add(region.id, rule.id, rule.level, rule.message, { text: shown(region) });
        }
      }
    }
  }

  const unique = new Map();
  for (const v of violations) unique.set(JSON.stringify([v.target, v.rule, v.level, v.message]), v);
  return [...unique.values()].sort(
    (a, b) =>
      compare(a.target, b.target) ||
      compare(a.rule, b.rule) ||
      compare(a.level, b.level) ||
      compare(a.message, b.message),
  );
}
