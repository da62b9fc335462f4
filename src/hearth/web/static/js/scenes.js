// The scene and automation builder: pickers fed by the home's devices and their specs.
// It reads the page's JSON (#scene-data), builds the rule the API speaks, and shows the
// API's answer: on success it opens the saved item, on a refusal it names the field.
(() => {
  const data = JSON.parse(document.getElementById("scene-data").textContent);
  const form = document.getElementById("builder");
  const problem = document.getElementById("builder-problem");
  const byId = Object.fromEntries(data.devices.map((d) => [d.id, d]));
  const OPS = ["changes", "=", "!=", "<", "<=", ">", ">=", "between"];
  // How each comparison reads after the property's name (picker.OP_WORDS on the server).
  const OP_WORDS = {
    changes: "changes", "=": "is", "!=": "is not", "<": "is below", "<=": "is at most",
    ">": "is above", ">=": "is at least", between: "is between",
  };
  const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "text") node.textContent = v; else node.setAttribute(k, v);
    }
    node.append(...children.filter((c) => c !== null));
    return node;
  };
  let ids = 0;
  const labelled = (text, control) => {
    control.id = control.id || `f${++ids}`;
    return el("div", { class: "field" }, el("label", { for: control.id, text }), control);
  };
  const select = (name, options, chosen) => {
    const node = el("select", { "data-f": name });
    for (const [value, text] of options) {
      const option = el("option", { value: JSON.stringify(value), text });
      if (JSON.stringify(value) === JSON.stringify(chosen)) option.selected = true;
      node.append(option);
    }
    return node;
  };
  const input = (name, type, value, extra = {}) =>
    el("input", { "data-f": name, type, value: value ?? "", ...extra });
  const read = (row, name) => {
    const node = row.querySelector(`[data-f="${name}"]`);
    if (!node) return undefined;
    if (node.tagName === "SELECT") return JSON.parse(node.value);
    if (node.type === "number") return node.value === "" ? null : Number(node.value);
    return node.value;
  };

  // A value picker that fits the property: on/off, its value list, a number, or text. A new
  // one starts at what the device reports now, not at the bottom of the spec's range.
  const valueInput = (name, prop, value) => {
    const start = value ?? prop.current;
    if (prop.bool) return select(name, [[true, "On"], [false, "Off"]], start ?? true);
    if (prop.values.length) return select(name, prop.values.map((v) => [v.value, v.label]), start);
    if (prop.numeric) {
      const r = prop.range || {};
      return input(name, "number", start ?? r.min ?? 0,
        { min: r.min ?? "", max: r.max ?? "", step: r.step ?? "any" });
    }
    return input(name, "text", start ?? "");
  };
  const devicesWith = (test) => data.devices.filter(test).map((d) => [d.id, d.name]);
  const deviceSelect = (test, chosen) => select("device_id", devicesWith(test), chosen);

  // -- one renderer per kind: (fields container, initial values, row) ---------------------
  const comparison = (box, init, watch, allowChanges) => {
    const device = byId[read(box, "device_id")];
    const props = device.properties.filter((p) => (watch ? p.watch : p.write));
    const key = init.key && props.some((p) => p.key === init.key) ? init.key : props[0]?.key;
    const prop = props.find((p) => p.key === key);
    const keySel = select("key", props.map((p) => [p.key, p.label]), key);
    keySel.addEventListener("change", () => { init.key = read(box, "key"); redraw(box, init); });
    box.append(labelled("Property", keySel));
    if (!prop) return;
    const ops = OPS.filter((op) => (allowChanges || op !== "changes")
      && (prop.numeric || ["changes", "=", "!="].includes(op)));
    const op = ops.includes(init.op) ? init.op : ops[0];
    const opSel = select("op", ops.map((o) => [o, OP_WORDS[o]]), op);
    opSel.addEventListener("change", () => { init.op = read(box, "op"); redraw(box, init); });
    box.append(labelled("When it", opSel));
    const unit = prop.unit ? ` (${prop.unit})` : "";
    if (op !== "changes") box.append(labelled(`Value${unit}`, valueInput("value", prop, init.value)));
    if (op === "between") box.append(labelled(`and${unit}`, valueInput("upper", prop, init.upper)));
    if (allowChanges && op !== "changes") {
      box.append(labelled("For how many minutes (0: at once)",
        input("for_minutes", "number", init.for_minutes ?? 0, { min: 0, max: 1440, step: 1 })));
    }
  };
  const withDevice = (test, then) => (box, init) => {
    const options = devicesWith(test);
    if (!options.length) { box.append(el("p", { class: "muted", text: "No device in this home offers that." })); return; }
    const chosen = options.some(([id]) => id === init.device_id) ? init.device_id : options[0][0];
    const sel = deviceSelect(test, chosen);
    sel.addEventListener("change", () => { redraw(box, { device_id: read(box, "device_id") }); });
    box.append(labelled("Device", sel));
    then(box, init, byId[chosen]);
  };
  const days = (box, init) => {
    const group = el("fieldset", { class: "days", "data-f-days": "" }, el("legend", { text: "Days" }));
    DAYS.forEach((name, i) => {
      const box_ = el("input", { type: "checkbox", value: String(i) });
      box_.checked = (init.days ?? [0, 1, 2, 3, 4]).includes(i);
      group.append(el("label", { class: "day" }, box_, name));
    });
    box.append(group);
  };
  const readDays = (row) =>
    [...row.querySelectorAll("[data-f-days] input:checked")].map((n) => Number(n.value));

  const TRIGGERS = {
    property: ["A property changes or crosses a value",
      withDevice((d) => d.properties.some((p) => p.watch), (box, init) => comparison(box, init, true, true))],
    event: ["A device event", withDevice((d) => d.events.length, (box, init, device) => {
      const key = device.events.some((e) => e.key === init.event) ? init.event : device.events[0].key;
      const sel = select("event", device.events.map((e) => [e.key, e.label]), key);
      sel.addEventListener("change", () => redraw(box, { ...init, event: read(box, "event"), args: {} }));
      box.append(labelled("Event", sel));
      for (const arg of device.events.find((e) => e.key === key).args) {
        const options = [[null, "any"], ...(arg.bool ? [[true, "On"], [false, "Off"]]
          : arg.values.map((v) => [v.value, v.label]))];
        if (options.length > 1) {
          const argSel = select(`arg:${arg.key}`, options, (init.args || {})[arg.key] ?? null);
          box.append(labelled(`Only when ${arg.label}`, argSel));
        }
      }
    })],
    availability: ["A device goes offline or online", withDevice(() => true, (box, init) => {
      box.append(labelled("Goes", select("to", [["offline", "offline"], ["online", "online"]], init.to)));
    })],
    schedule: ["At set times", (box, init) => {
      const useCron = Boolean(init.cron);
      const how = select("how", [["weekly", "Weekly times"], ["cron", "Cron expression"]], useCron ? "cron" : "weekly");
      how.addEventListener("change", () => redraw(box, read(box, "how") === "cron" ? { cron: "0 7 * * *" } : {}));
      box.append(labelled("Repeat", how));
      if (useCron) { box.append(labelled("Cron (min hour day month weekday)", input("cron", "text", init.cron))); return; }
      days(box, init);
      box.append(labelled("Time", input("time", "time", (init.times || ["07:00"])[0])));
    }],
    sun: ["Sunrise or sunset", (box, init) => {
      if (!data.located) box.append(el("p", { class: "alert", text: "Set the home's location on the Scenes page first." }));
      box.append(labelled("At", select("event", [["sunset", "Sunset"], ["sunrise", "Sunrise"]], init.event)));
      box.append(labelled("Offset (minutes, minus is before)", input("offset_minutes", "number", init.offset_minutes ?? 0, { step: 1 })));
    }],
  };
  const CONDITIONS = {
    property: ["A property's state",
      withDevice((d) => d.properties.some((p) => p.watch), (box, init) => comparison(box, init, true, false))],
    time: ["A time window", (box, init) => {
      box.append(labelled("From", input("after", "time", init.after ?? "22:00")));
      box.append(labelled("Until", input("before", "time", init.before ?? "06:00")));
    }],
    weekdays: ["Weekdays", (box, init) => days(box, init)],
  };
  const ACTIONS = {
    set: ["Set a property", withDevice((d) => d.properties.some((p) => p.write), (box, init, device) => {
      const props = device.properties.filter((p) => p.write);
      const current = Object.keys(init.props || {})[0];
      const key = props.some((p) => p.key === current) ? current : props[0].key;
      const sel = select("key", props.map((p) => [p.key, p.label]), key);
      sel.addEventListener("change", () => redraw(box, { device_id: device.id, props: { [read(box, "key")]: undefined } }));
      box.append(labelled("Property", sel));
      box.append(labelled("To", valueInput("value", props.find((p) => p.key === key), (init.props || {})[key])));
    })],
    action: ["Run a device action", withDevice((d) => d.actions.length, (box, init, device) => {
      const key = device.actions.some((a) => a.key === init.action) ? init.action : device.actions[0].key;
      const sel = select("action", device.actions.map((a) => [a.key, a.label]), key);
      sel.addEventListener("change", () => redraw(box, { device_id: device.id, action: read(box, "action") }));
      box.append(labelled("Action", sel));
      for (const arg of device.actions.find((a) => a.key === key).inputs) {
        box.append(labelled(arg.label, valueInput(`arg:${arg.key}`, arg, (init.args || {})[arg.key])));
      }
    })],
    delay: ["Wait", (box, init) => box.append(labelled("Seconds", input("seconds", "number", init.seconds ?? 30, { min: 1, step: "any" })))],
    scene: ["Run a scene", (box, init) => box.append(labelled("Scene", select("scene_id", data.scenes.map((s) => [s.id, s.name]), init.scene_id)))],
    automation: ["Enable or disable an automation", (box, init) => {
      box.append(labelled("Automation", select("automation_id", data.automations.map((a) => [a.id, a.name]), init.automation_id)));
      box.append(labelled("Make it", select("enabled", [[false, "disabled"], [true, "enabled"]], init.enabled ?? false)));
    }],
    notify: ["Notify the home", (box, init) => {
      box.append(labelled("Title", input("title", "text", init.title ?? "", { maxlength: 200 })));
      box.append(labelled("Message", input("body", "text", init.body ?? "", { maxlength: 1000 })));
    }],
  };
  if (data.kind === "scene") { delete ACTIONS.scene; delete ACTIONS.automation; }
  if (!data.scenes.length) delete ACTIONS.scene;
  if (!data.automations.length) delete ACTIONS.automation;

  function redraw(box, init) {
    const kinds = box.closest(".rule-row").kinds;
    const kind = box.closest(".rule-row").querySelector("[data-f=kind]");
    box.replaceChildren();
    kinds[JSON.parse(kind.value)][1](box, init);
  }

  const readers = {
    property: (row) => {
      const op = read(row, "op");
      const item = { device_id: read(row, "device_id"), key: read(row, "key"), op };
      if (op !== "changes") item.value = read(row, "value");
      if (op === "between") item.upper = read(row, "upper");
      const held = read(row, "for_minutes");
      if (held) item.for_minutes = held;
      return item;
    },
    event: (row) => {
      const args = {};
      row.querySelectorAll("[data-f^='arg:']").forEach((n) => {
        const v = JSON.parse(n.value); if (v !== null) args[n.dataset.f.slice(4)] = v;
      });
      return { device_id: read(row, "device_id"), event: read(row, "event"), args };
    },
    availability: (row) => ({ device_id: read(row, "device_id"), to: read(row, "to") }),
    schedule: (row) => (read(row, "how") === "cron" ? { cron: read(row, "cron") }
      : { days: readDays(row), times: [read(row, "time")] }),
    sun: (row) => ({ event: read(row, "event"), offset_minutes: read(row, "offset_minutes") ?? 0 }),
    time: (row) => ({ after: read(row, "after"), before: read(row, "before") }),
    weekdays: (row) => ({ days: readDays(row) }),
    set: (row) => ({ device_id: read(row, "device_id"), props: { [read(row, "key")]: read(row, "value") } }),
    action: (row) => {
      const args = {};
      row.querySelectorAll("[data-f^='arg:']").forEach((n) => {
        args[n.dataset.f.slice(4)] = n.tagName === "SELECT" ? JSON.parse(n.value)
          : n.type === "number" ? Number(n.value) : n.value;
      });
      return { device_id: read(row, "device_id"), action: read(row, "action"), args };
    },
    delay: (row) => ({ seconds: read(row, "seconds") }),
    scene: (row) => ({ scene_id: read(row, "scene_id") }),
    automation: (row) => ({ automation_id: read(row, "automation_id"), enabled: read(row, "enabled") }),
    notify: (row) => ({ title: read(row, "title"), body: read(row, "body") }),
  };

  function addRow(list, kinds, init = {}) {
    const first = Object.keys(kinds)[0];
    const kindSel = select("kind", Object.entries(kinds).map(([k, v]) => [k, v[0]]), init.kind ?? first);
    const box = el("div", { class: "rule-fields" });
    const remove = el("button", { type: "button", class: "link", text: "Remove", "aria-label": "Remove" });
    const row = el("li", { class: "rule-row card" }, labelled("Kind", kindSel), box, remove);
    row.kinds = kinds;
    list.append(row);
    kindSel.addEventListener("change", () => redraw(box, {}));
    remove.addEventListener("click", () => row.remove());
    redraw(box, init);
  }
  const lists = {};
  for (const [name, kinds] of [["triggers", TRIGGERS], ["conditions", CONDITIONS], ["actions", ACTIONS]]) {
    const list = document.getElementById(`${name}-list`);
    if (!list) continue;
    lists[name] = list;
    document.getElementById(`add-${name}`).addEventListener("click", () => addRow(list, kinds));
    for (const item of (data.initial || {})[name === "conditions" ? "condition_items" : name] || []) {
      addRow(list, kinds, item);
    }
    if (name !== "conditions" && !list.children.length) addRow(list, kinds);
  }
  const collect = (name) => [...(lists[name]?.children || [])].map((row) => {
    const kind = read(row, "kind");
    return { kind, ...readers[kind](row) };
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    problem.hidden = true;
    const body = { name: form.elements.name.value, actions: collect("actions") };
    if (data.kind === "automation") {
      body.triggers = collect("triggers");
      body.conditions = { match: form.elements.match.value, items: collect("conditions") };
      body.mode = form.elements.mode.value;
      body.cooldown_minutes = Number(form.elements.cooldown_minutes.value) || 0;
    }
    const token = document.querySelector('meta[name="csrf-token"]').content;
    const response = await fetch(data.save_url, {
      method: data.method, body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
    });
    const answer = await response.json().catch(() => ({}));
    if (response.ok) { window.location = data.done_url.replace("{id}", answer.id); return; }
    // A rule the home cannot run names its place (errors[0].field) beside its reason.
    const where = answer.reason && answer.errors && answer.errors.length && answer.errors[0].field;
    problem.textContent = (answer.detail || "Could not save.") + (where ? ` (${where})` : "");
    problem.hidden = false;
    problem.focus();
  });
})();
