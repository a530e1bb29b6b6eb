/**
 * partages-ls `LSI` shim: the part of Label Studio Enterprise's plugin API that the generated guide
 * plugins use, over the labeling interface of a Label Studio Community page. Loaded by boot.js only
 * once a labeling interface is shown; it defines `window.PartagesLsShim`, whose `bind` sets
 * `window.LSI` for one LabelStudio instance just before the guide's plugin.js runs.
 *
 * - `LSI.on(event, handler)` registers the handler on that instance's own event bus, which Label
 *   Studio's submit/update actions call (`beforeSaveAnnotation`) before any request; a handler that
 *   answers `false` stops the save there. Nothing else is wrapped, and nothing touches the annotation.
 * - The handler is guarded: if it throws (or its promise rejects), the failure is logged and the save
 *   goes on, so a fault of the plugin itself never blocks an annotator.
 * - `LSI.task` is `{id, data}` of the task shown.
 * Unlike Enterprise, the handlers stay for the life of the instance (switching tasks in the same
 * labeling stream keeps them); a new instance (another project, the page reloaded) is bound again.
 */
(() => {
  if (window.PartagesLsShim !== undefined) return;
  const TAG = "partages-ls:";

  const failed = (event, error) => {
    console.error(`${TAG} the guide plugin failed in ${event}; this save is not blocked`, error);
    return true;
  };

  const guarded = (event, handler) =>
    function partagesLsGuarded(...args) {
      try {
        const answer = handler.apply(this, args);
        if (answer !== null && typeof answer?.then === "function") {
          return answer.then(
            (value) => value,
            (error) => failed(event, error),
          );
        }
        return answer;
      } catch (error) {
        return failed(event, error);
      }
    };

  window.PartagesLsShim = {
    bind({ instance, store, project, guide }) {
      const handlers = [];
      window.LSI = {
        on(event, handler) {
          if (typeof handler !== "function") throw new Error(`${TAG} LSI.on("${event}"): not a function`);
          instance.on(event, guarded(event, handler));
          handlers.push(event);
        },
        get task() {
          const task = store.task;
          return task ? { id: task.id, data: task.dataObj } : undefined;
        },
        adapter: {
          describe: () => ({ injected: true, project, guide, handlers: [...handlers] }),
        },
      };
    },
  };
})();
