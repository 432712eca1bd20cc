// A stand-in for the notebook widget model, for pages without a kernel.
//
// It keeps the same fields as the widget (picture, values, history, collapsed, selected,
// explanation, want_steps, steps, error) and calls `kernel(name, model)` for every field
// the view changes and saves, where the notebook would call Python. An exported page
// answers from tables saved in it (`tableKernel`); a test answers from Python.

function tinygradLiteModel(fields, kernel) {
  const state = Object.assign({}, fields);
  const handlers = {};
  const dirty = new Set();
  const model = {
    get(name) { return state[name]; },
    set(name, value) { state[name] = value; dirty.add(name); },
    save_changes() {
      const names = [...dirty];
      dirty.clear();
      for (const name of names) kernel(name, model);
    },
    on(event, callback) { (handlers[event] = handlers[event] || []).push(callback); },
    off(event, callback) {
      handlers[event] = (handlers[event] || []).filter((c) => c !== callback);
    },
    send() {},
    // what the kernel does: change fields and tell the view, as a comm message would
    answer(changes) {
      for (const [name, value] of Object.entries(changes)) state[name] = value;
      for (const name of Object.keys(changes)) {
        for (const callback of [...(handlers["change:" + name] || [])]) callback();
      }
    },
  };
  return model;
}

// Answers from the tables of an exported page: one entry per saved layout (which
// clusters are collapsed), each with its picture, values and explanations.
function tinygradLiteTableKernel(saved) {
  let current = saved.layouts[saved.current];
  return function kernel(name, model) {
    if (name === "collapsed") {
      const key = [...model.get("collapsed")].sort().join("|");
      const found = saved.layouts[key];
      if (!found) {
        model.answer({
          collapsed: current.picture.collapsed,
          error: "this page was saved without that layout (export with a larger max_layouts)",
        });
        return;
      }
      current = found;
      model.answer({ picture: found.picture, values: found.values, selected: "", explanation: {}, error: "" });
    } else if (name === "selected") {
      const id = model.get("selected");
      const ex = id ? current.explanations[id] : {};
      model.answer({
        explanation: ex || { id, text: "this page was saved without the paths of this box", edges: [], nodes: [] },
      });
    } else if (name === "want_steps") {
      model.answer({ steps: saved.steps || {} });
    }
  };
}
