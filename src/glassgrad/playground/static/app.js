// The page's side of the playground: send the settings and buttons to the server, draw what it streams back.
// Training happens on the server in glassgrad; this file only draws (draw.js) and talks over the socket.
"use strict";

const FEATURES = ["x1", "x2", "x1sq", "x2sq", "x1x2", "sin1", "sin2"];
const FEATURE_LABELS = { x1: "x₁", x2: "x₂", x1sq: "x₁²", x2sq: "x₂²", x1x2: "x₁x₂", sin1: "sin x₁", sin2: "sin x₂" };
const NUMBERS = ["noise", "n_points", "train_percent", "batch_size", "learning_rate", "l1", "l2", "seed"];
const CHOICES = ["dataset", "activation", "optimizer", "init", "schedule"];
const $ = (id) => document.getElementById(id);

// What the tests (and a curious reader in the console) can look at.
const playground = {
  socket: null, frames: 0, lastFrame: null, lastStep: null, lastInspect: null, lastDigit: null,
  data: null, config: null, boxes: null, selected: null, closed: false,
};
window.playground = playground;

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

function send(message) {
  if (playground.socket && playground.socket.readyState === WebSocket.OPEN) {
    playground.socket.send(JSON.stringify(message));
  }
}

// ---- settings ----------------------------------------------------------------------------------------------
function buildFeatureBoxes() {
  const holder = $("features");
  for (const name of FEATURES) {
    const label = document.createElement("label");
    label.className = "check";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.id = `feature-${name}`;
    box.dataset.testid = `feature-${name}`;
    box.value = name;
    box.checked = name === "x1" || name === "x2";
    box.addEventListener("change", sendSettings);
    label.append(box, ` ${FEATURE_LABELS[name]}`);
    holder.append(label);
  }
}

// Numbers go as numbers when they parse and as the text typed otherwise: the server says what is wrong.
function readNumber(id) {
  const text = $(id).value.trim();
  const value = Number(text);
  return text !== "" && Number.isFinite(value) ? value : text;
}

function readLayers() {
  const text = $("layers").value.trim();
  if (text === "") return [];
  return text.split(",").map((part) => {
    const value = Number(part.trim());
    return part.trim() !== "" && Number.isInteger(value) ? value : part.trim();
  });
}

function settings() {
  const values = {};
  for (const id of CHOICES) values[id] = $(id).value;
  for (const id of NUMBERS) values[id] = readNumber(id);
  values.features = FEATURES.filter((name) => $(`feature-${name}`).checked);
  values.layers = readLayers();
  return values;
}

// The error box clears when the server accepts settings (a "data" message), not on sending: clearing it
// here would move the page under a click that is on its way.
function sendSettings() {
  send({ type: "config", config: settings() });
}

function showSettings(config) {
  for (const id of CHOICES) $(id).value = config[id];
  for (const id of NUMBERS) $(id).value = config[id];
  for (const name of FEATURES) $(`feature-${name}`).checked = config.features.includes(name);
  $("layers").value = config.layers.join(",");
}

// ---- what the server sends ---------------------------------------------------------------------------------
function onFrame(frame) {
  playground.frames += 1;
  playground.lastFrame = frame;
  $("steps").textContent = frame.step;
  $("lr-now").textContent = frame.lr.toPrecision(3);
  const fmt = (v) => (v === null ? "NaN" : v.toFixed(4));
  const loss = $("loss");
  loss.textContent = `train ${fmt(frame.train_loss)} · test ${fmt(frame.test_loss)}`;
  loss.dataset.train = frame.train_loss === null ? "NaN" : frame.train_loss;
  loss.dataset.test = frame.test_loss === null ? "NaN" : frame.test_loss;
  $("play").textContent = frame.running ? "❚❚ pause" : "▶ play";
  $("play").dataset.running = frame.running;
  redraw();
  showFindings(frame.findings);
}

function redraw() {
  const frame = playground.lastFrame;
  if (!frame || !playground.data) return;
  Draw.boundary($("boundary"), frame, playground.data);
  Draw.curve($("curve"), frame.curve);
  playground.boxes = Draw.network($("network"), frame, playground.config, $("edge-mode").value, playground.selected);
  const labels = frame.grad_norms.map((_, k) => (k === frame.grad_norms.length - 1 ? "output" : `layer ${k + 1}`));
  Draw.bars($("gradnorms"), frame.grad_norms, labels);
}

function showFindings(findings) {
  const list = $("findings");
  list.replaceChildren();
  if (!findings.length) {
    const li = document.createElement("li");
    li.className = "quiet";
    li.textContent = "none: the Monitor sees nothing wrong";
    list.append(li);
  }
  for (const f of findings) {
    const li = document.createElement("li");
    li.className = f.severity;
    const head = document.createElement("b");
    head.textContent = f.headline;
    li.append(head, ` ${f.message}`);
    list.append(li);
  }
}

function onInspect(result) {
  playground.lastInspect = result;
  const z = result.zoom;
  const last = result.layer === playground.config.layers.length + 1;
  $("inspector").hidden = false;
  $("inspect-title").textContent = last ? "output neuron" : `layer ${result.layer}, neuron ${result.neuron + 1}`;
  $("neuron-value").textContent = result.value.toPrecision(6);
  $("neuron-grad").textContent = result.grad.toPrecision(6);
  $("inspect-note").textContent =
    `for the batch's first example (${result.point.map((v) => v.toFixed(2)).join(", ")}); ` +
    `the loss is the mean over ${result.batch_size} examples`;
  const table = $("zoom");
  table.replaceChildren();
  const row = (cells, head = false) => {
    const tr = document.createElement("tr");
    for (const cell of cells) {
      const td = document.createElement(head ? "th" : "td");
      td.textContent = typeof cell === "number" ? cell.toPrecision(5) : cell;
      tr.append(td);
    }
    table.append(tr);
  };
  row(["term", "w", "input a", "w·a", "dL/dw"], true);
  for (const t of z.terms) row([`w·${t.input}`, t.w, t.a, t.product, t.dL_dw]);
  row(["bias b", z.bias, "", z.bias, z.dL_db]);
  row(["z = Σ w·a + b", "", "", z.z, ""]);
  row([`a = ${z.activation}(z)`, "", "", z.a, ""]);
  row(["da/dz (local)", "", "", z.da_dz, ""]);
  row(["dL/da", "", "", z.dL_da, ""]);
  row(["dL/dz = dL/da · da/dz", "", "", z.dL_dz, ""]);
}

function onMessage(event) {
  const message = JSON.parse(event.data);
  if (message.type === "hello") {
    playground.hello = message;
    $("status").textContent = `session ${message.session}`;
    if (window.Digits) window.Digits.status(message.digits);
  } else if (message.type === "data") {
    playground.data = message;
    playground.config = message.config;
    playground.selected = null;
    playground.lastStep = null;
    $("inspector").hidden = true;
    showError("");
    // Only the first settings fill the inputs: later ones answer what the inputs already say, and writing an
    // older answer back would undo a click made while it was on its way.
    if (!playground.shown) showSettings(message.config);
    playground.shown = true;
  } else if (message.type === "frame") {
    onFrame(message);
  } else if (message.type === "stepped") {
    playground.lastStep = message;
  } else if (message.type === "inspect") {
    onInspect(message);
  } else if (message.type === "digit") {
    playground.lastDigit = message;
    if (window.Digits) window.Digits.show(message);
  } else if (message.type === "error") {
    showError(message.message);
  } else if (message.type === "fatal") {
    showError(message.message);
    playground.closed = true;
  }
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws`);
  playground.socket = socket;
  socket.addEventListener("message", onMessage);
  socket.addEventListener("close", () => {
    $("status").textContent = "disconnected: reload the page for a new session";
  });
}

// ---- clicks ------------------------------------------------------------------------------------------------
function neuronAt(x, y) {
  if (!playground.boxes) return null;
  for (let layer = 1; layer < playground.boxes.length; layer++) {
    const column = playground.boxes[layer];
    for (let neuron = 0; neuron < column.length; neuron++) {
      const b = column[neuron];
      if (x >= b.x && x <= b.x + b.size && y >= b.y && y <= b.y + b.size) return { layer, neuron };
    }
  }
  return null;
}

// The centre of a neuron in page coordinates (tests click there).
playground.neuronCentre = (layer, neuron) => {
  const canvas = $("network");
  const rect = canvas.getBoundingClientRect();
  const b = playground.boxes[layer][neuron];
  const sx = rect.width / canvas.width;
  const sy = rect.height / canvas.height;
  return { x: rect.left + (b.x + b.size / 2) * sx, y: rect.top + (b.y + b.size / 2) * sy };
};

function onNetworkClick(event) {
  const canvas = $("network");
  const rect = canvas.getBoundingClientRect();
  const x = ((event.clientX - rect.left) * canvas.width) / rect.width;
  const y = ((event.clientY - rect.top) * canvas.height) / rect.height;
  const hit = neuronAt(x, y);
  if (!hit) return;
  playground.selected = hit;
  redraw();
  send({ type: "inspect", layer: hit.layer, neuron: hit.neuron });
}

function showTab(name) {
  $("network-view").hidden = name !== "network";
  $("digits-view").hidden = name !== "digits";
  $("tab-network").classList.toggle("active", name === "network");
  $("tab-digits").classList.toggle("active", name === "digits");
  // the model may have finished loading (or training on the spot) since the page opened
  if (name === "digits") fetch("/digits").then((r) => r.json()).then((s) => window.Digits.status(s));
}

function start() {
  buildFeatureBoxes();
  $("play").addEventListener("click", () => {
    send({ type: playground.lastFrame && playground.lastFrame.running ? "pause" : "play" });
  });
  $("step").addEventListener("click", () => send({ type: "step" }));
  $("reset").addEventListener("click", () => send({ type: "reset" }));
  for (const id of [...CHOICES, ...NUMBERS, "layers"]) $(id).addEventListener("change", sendSettings);
  $("edge-mode").addEventListener("change", redraw);
  $("network").addEventListener("click", onNetworkClick);
  $("tab-network").addEventListener("click", () => showTab("network"));
  $("tab-digits").addEventListener("click", () => showTab("digits"));
  connect();
}

start();
