/**
 * partages-ls boot script: loads a project's guide plugin into the labeling interface of a Label
 * Studio Community server. Added as a static `<script src>` to the web app's HTML shell by
 * partages_ls.ls_plugin_loader.middleware; it carries no data of its own.
 *
 * The web app opens a task without reloading the page, so this script waits (a check every 500 ms)
 * for a labeling interface of a project (`/projects/<id>/…` with `window.Htx`, the labeling store,
 * owned by a `LabelStudio` instance). Then, and only then, it asks the server which guide the
 * project's marker names (`projects/<id>/plugin.json`) and loads two static scripts: `lsi.js` (the
 * `LSI` global over that instance's event bus) and the guide's generated `plugin.js`. On any other
 * page it loads nothing and defines no global.
 *
 * It stays off, and says why in the console, when the server's guard is off (`status.json`) or when
 * the page lacks what the plugins rely on: `Htx.showModal`, the instance's event bus (`on`) and the
 * feature flag under which Label Studio calls `beforeSaveAnnotation` handlers before a save. A
 * failure never blocks a save: the plugin is then simply not there (the export check still applies).
 */
(() => {
  const TAG = "partages-ls:";
  const FLAG = "fflag_feat_all_leap_883_custom_script_270524_short";
  const HOOK = "beforeSaveAnnotation";
  const LATER = "saves are not checked while annotating; `partages-ls validate` checks every rule on export";
  const base = new URL("../", document.currentScript.src); // …/partages-ls/
  const equipped = new WeakSet();
  let busy = false;

  const getJson = async (path) => {
    const response = await fetch(new URL(path, base), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return response.json();
  };

  const loadScript = (path, what) =>
    new Promise((resolve, reject) => {
      const element = document.createElement("script");
      element.src = new URL(path, base).href;
      element.async = false;
      element.dataset.partagesLs = what;
      element.onload = resolve;
      element.onerror = () => reject(new Error(`cannot load ${path}`));
      document.head.appendChild(element);
    });

  const flagIsOn = () =>
    typeof window.isFF === "function" ? window.isFF(FLAG) : window.APP_SETTINGS?.feature_flags?.[FLAG] === true;

  const missingHook = (store, instance) => {
    const missing = [];
    if (typeof store.showModal !== "function") missing.push("Htx.showModal");
    if (typeof instance.on !== "function") missing.push("the LabelStudio event bus (instance.on)");
    if (!flagIsOn()) missing.push(`the feature flag ${FLAG} (it gates the ${HOOK} hook)`);
    return missing;
  };

  const equip = async (status, projectId, store, instance) => {
    const missing = missingHook(store, instance);
    if (missing.length > 0) {
      console.warn(`${TAG} guide plugin off: this Label Studio page lacks ${missing.join(", ")}; ${LATER}`);
      return;
    }
    const plugin = await getJson(`projects/${projectId}/plugin.json`);
    if (!plugin.guide) {
      console.info(`${TAG} project ${projectId}: no guide plugin (${plugin.reason})`);
      return;
    }
    await loadScript(status.scripts["lsi.js"], "lsi");
    window.PartagesLsShim.bind({ instance, store, project: projectId, guide: plugin.guide });
    await loadScript(plugin.src, `plugin:${plugin.guide}`);
    const handlers = window.LSI.adapter.describe().handlers;
    if (!handlers.includes(HOOK)) throw new Error(`the plugin of the guide ${plugin.guide} registered no ${HOOK}`);
    console.info(`${TAG} plugin of the guide ${plugin.guide} active for project ${projectId}`);
  };

  const tick = async (status) => {
    if (busy) return;
    const match = /\/projects\/(\d+)(\/|$)/.exec(window.location.pathname);
    const store = window.Htx;
    if (!match || !store?.annotationStore) return;
    const instance = [...(window.LabelStudio?.instances ?? [])].find((candidate) => candidate.store === store);
    if (!instance || equipped.has(instance)) return;
    equipped.add(instance);
    busy = true;
    try {
      await equip(status, Number(match[1]), store, instance);
    } catch (error) {
      console.warn(`${TAG} guide plugin not active (${error.message}); ${LATER}`);
    } finally {
      busy = false;
    }
  };

  const start = async () => {
    let status;
    try {
      status = await getJson("status.json");
    } catch (error) {
      console.warn(`${TAG} cannot read the plugin status (${error.message}); ${LATER}`);
      return;
    }
    if (status.plugins !== "on") {
      console.warn(`${TAG} guide plugins are off on this server: ${status.reasons.join("; ")}; ${LATER}`);
      return;
    }
    tick(status);
    window.setInterval(() => tick(status), 500);
  };

  start();
})();
