/**
 * partages-ls test adapter: the `LSI` plugin API of Label Studio Enterprise, over the labeling
 * interface of a Community server, so that the generated plugins (plugins/<guide>/plugin.js) run in
 * a real browser. Test code only: injected with Playwright's `page.evaluate` once a task is open,
 * before the plugin itself.
 *
 * What the Community frontend (Label Studio 1.23) already has, and this adapter uses as it is:
 * - `window.Htx`: the page's own root store (set by the store's `afterCreate`), with
 *   `Htx.annotationStore.selected` (the annotation shown: `serializeAnnotation()`, `regions`,
 *   `selectArea()`) and `Htx.showModal(message, type)` (Label Studio's own antd `Modal.error` /
 *   `Modal.warning`: the test reads `.ant-modal-confirm-error` / `.ant-modal-confirm-warning`).
 *   The adapter replaces none of them.
 * - The save hook itself: the store's `submitAnnotation`, `updateAnnotation`, `acceptAnnotation`
 *   and `rejectAnnotation` actions run `validate()` (the config's `required`), then
 *   `await events.invoke("beforeSaveAnnotation", store, annotation, {event})`, and return before
 *   any request when one handler answered `false` — when the feature flag
 *   `fflag_feat_all_leap_883_custom_script_270524_short` is on (it is on by default in 1.23.2).
 *   `events` is the event bus of the `LabelStudio` instance (`window.LabelStudio.instances`).
 *
 * What the adapter adds: `window.LSI` with `on(event, handler)`, which registers the handler on
 * that same event bus (the store calls it with `(store, annotation, {event})`), and `LSI.task`
 * (`{id, data}` of the task shown). It turns the flag on in the page only if the server sent it off,
 * and says so in `LSI.adapter.describe().flagWasOn`. No action is wrapped, no click is intercepted,
 * no request is filtered: a blocked save is stopped by Label Studio's own code, before its POST
 * (`/api/tasks/<id>/annotations`) or PATCH (`/api/annotations/<id>`).
 *
 * Limits, against real Enterprise plugins:
 * - Enterprise loads the project's `custom_script` itself and runs it again each time an
 *   annotation is shown, removing the handlers the previous run registered. Here the test injects
 *   the script once, into the page as loaded: the handlers stay for the life of this LabelStudio
 *   instance (switching annotations or tasks neither removes nor re-runs them).
 * - Only `LSI.on` and `LSI.task` exist (what the partages-ls plugins use); any other member of
 *   Enterprise's `LSI` is absent.
 * - The message is shown by Community's `Htx.showModal`, an antd modal that folds the plugin's line
 *   breaks into one paragraph; Enterprise's rendering may differ.
 * - The instance is found in `LabelStudio.instances`, which Label Studio fills only when it renders
 *   with React 17 (the case in 1.23); otherwise the adapter fails loudly rather than check nothing.
 * - Not a limit of the adapter but of the hook, in Community as in Enterprise: only submit, update,
 *   accept and reject call `beforeSaveAnnotation`; drafts (autosave) and skip are saved without it.
 */
(() => {
  const FLAG = "fflag_feat_all_leap_883_custom_script_270524_short";
  const fail = (what) => {
    throw new Error(`partages-ls LSI adapter: ${what}`);
  };

  if (window.LSI?.adapter !== undefined) return window.LSI.adapter.describe();

  const store = window.Htx;
  if (!store?.annotationStore) fail("window.Htx (the labeling store) is missing: open a task first");
  if (typeof store.showModal !== "function") fail("Htx.showModal is missing in this Label Studio build");
  const instance = [...(window.LabelStudio?.instances ?? [])].find((candidate) => candidate.store === store);
  if (typeof instance?.on !== "function") fail("no LabelStudio instance owns window.Htx: cannot reach its event bus");

  const flags = window.APP_SETTINGS?.feature_flags;
  const flagWasOn = typeof window.isFF === "function" ? window.isFF(FLAG) : flags?.[FLAG] === true;
  if (!flagWasOn) {
    if (flags === undefined) fail("window.APP_SETTINGS.feature_flags is missing: cannot enable the save hook");
    flags[FLAG] = true;
  }

  const registered = [];
  const describe = () => ({
    flagWasOn,
    handlers: registered.map(([event]) => event),
  });

  window.LSI = {
    on(event, handler) {
      if (typeof handler !== "function") fail(`LSI.on("${event}"): the handler is not a function`);
      instance.on(event, handler);
      registered.push([event, handler]);
    },
    get task() {
      const task = store.task;
      return task ? { id: task.id, data: task.dataObj } : undefined;
    },
    adapter: { describe },
  };
  return describe();
})();
