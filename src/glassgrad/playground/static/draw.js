// Drawing on <canvas>: the colour scale, value grids as images, the network diagram, the loss curve, bars.
// Every function takes what to draw as arguments; app.js owns the state.
"use strict";

const Draw = (() => {
  // Playground's scale: orange for -1, white for 0, blue for +1.
  const NEG = [245, 147, 34];
  const POS = [8, 119, 189];
  const EXTENT = 6;

  function colour(v) {
    const t = Math.max(-1, Math.min(1, Number.isFinite(v) ? v : 0));
    const end = t < 0 ? NEG : POS;
    const a = Math.abs(t);
    return [0, 1, 2].map((k) => Math.round(255 + (end[k] - 255) * a));
  }

  function css(v, alpha = 1) {
    const [r, g, b] = colour(v);
    return `rgba(${r},${g},${b},${alpha})`;
  }

  // A size×size grid of values in [-1, 1] (row-major, top row first) into a rectangle of ctx.
  function grid(ctx, values, size, x, y, w, h) {
    const image = new ImageData(size, size);
    for (let i = 0; i < size * size; i++) {
      const [r, g, b] = colour(values[i]);
      image.data.set([r, g, b, 255], 4 * i);
    }
    const tmp = document.createElement("canvas");
    tmp.width = size;
    tmp.height = size;
    tmp.getContext("2d").putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(tmp, x, y, w, h);
  }

  // Values shown as colours: probabilities p -> 2p-1; anything larger than 1 in size is scaled to fit.
  function normalised(values, kind) {
    if (kind === "probability") return values.map((p) => 2 * p - 1);
    let top = 1;
    for (const v of values) if (Number.isFinite(v)) top = Math.max(top, Math.abs(v));
    return values.map((v) => v / top);
  }

  // A feature's values over the plane, computed here (they never change): features as in network.py.
  function featureGrid(name, size) {
    const out = [];
    for (let r = 0; r < size; r++) {
      const x2 = EXTENT - (2 * EXTENT * r) / (size - 1);
      for (let c = 0; c < size; c++) {
        const x1 = -EXTENT + (2 * EXTENT * c) / (size - 1);
        const f = { x1, x2, x1sq: x1 * x1, x2sq: x2 * x2, x1x2: x1 * x2, sin1: Math.sin(x1), sin2: Math.sin(x2) };
        out.push(f[name]);
      }
    }
    return normalised(out, "value");
  }

  // The boundary: the output over the plane, then the points (train: white ring, test: black ring).
  function boundary(canvas, frame, data) {
    const ctx = canvas.getContext("2d");
    const w = canvas.width;
    const h = canvas.height;
    const kind = data.task === "classification" ? "probability" : "value";
    grid(ctx, normalised(frame.boundary.values, kind), frame.boundary.size, 0, 0, w, h);
    const toX = (x) => ((x + EXTENT) / (2 * EXTENT)) * w;
    const toY = (y) => ((EXTENT - y) / (2 * EXTENT)) * h;
    for (const [set, ring] of [[data.train, "#fff"], [data.test, "#000"]]) {
      for (const [x1, x2, t] of set) {
        ctx.beginPath();
        ctx.arc(toX(x1), toY(x2), 3, 0, 2 * Math.PI);
        ctx.fillStyle = css(kind === "probability" ? 2 * t - 1 : t);
        ctx.fill();
        ctx.strokeStyle = ring;
        ctx.lineWidth = 1;
        ctx.stroke();
      }
    }
  }

  // Where each neuron sits: columns for the inputs, each hidden layer and the output.
  function layout(canvas, widths) {
    const box = 34;
    const columns = widths.length;
    const gap = (canvas.width - box) / Math.max(1, columns - 1);
    return widths.map((count, col) => {
      const step = Math.min(box + 10, (canvas.height - box) / Math.max(1, count));
      const top = (canvas.height - step * (count - 1) - box) / 2;
      return Array.from({ length: count }, (_, k) => ({ x: col * gap, y: top + k * step, size: box }));
    });
  }

  // Edges coloured by sign and thick by size (weights, or the loss's gradient), neurons as thumbnails.
  function network(canvas, frame, config, mode, selected) {
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const widths = [config.features.length, ...config.layers, 1];
    const boxes = layout(canvas, widths);
    const matrices = mode === "grads" ? frame.grads : frame.weights;
    let scale = 1;
    if (mode === "grads") {
      let top = 0;
      for (const m of matrices) if (m) for (const row of m) for (const g of row) top = Math.max(top, Math.abs(g || 0));
      scale = top > 0 ? 4 / top : 1;
    }
    for (let l = 1; l < widths.length; l++) {
      const m = matrices[l - 1];
      if (!m) continue;
      for (let j = 0; j < widths[l]; j++) {
        for (let i = 0; i < widths[l - 1]; i++) {
          const v = m[j][i] || 0;
          const from = boxes[l - 1][i];
          const to = boxes[l][j];
          ctx.beginPath();
          ctx.moveTo(from.x + from.size, from.y + from.size / 2);
          ctx.lineTo(to.x, to.y + to.size / 2);
          ctx.strokeStyle = css(Math.sign(v), 0.85);
          ctx.lineWidth = Math.max(0.5, Math.min(6, Math.abs(v) * scale));
          ctx.stroke();
        }
      }
    }
    config.features.forEach((name, i) => {
      const b = boxes[0][i];
      grid(ctx, featureGrid(name, 20), 20, b.x, b.y, b.size, b.size);
      ctx.fillStyle = "#333";
      ctx.font = "10px sans-serif";
      ctx.fillText(name, b.x, b.y - 2);
    });
    frame.neurons.forEach((layer, l) => {
      layer.forEach((values, k) => {
        const b = boxes[l + 1][k];
        grid(ctx, normalised(values, "value"), frame.neuron_grid, b.x, b.y, b.size, b.size);
      });
    });
    const out = boxes[widths.length - 1][0];
    const kind = config.dataset === "regression" ? "value" : "probability";
    grid(ctx, normalised(frame.boundary.values, kind), frame.boundary.size, out.x, out.y, out.size, out.size);
    for (let l = 1; l < widths.length; l++) {
      for (const b of boxes[l]) {
        ctx.strokeStyle = "#666";
        ctx.lineWidth = 1;
        ctx.strokeRect(b.x, b.y, b.size, b.size);
      }
    }
    if (selected && boxes[selected.layer] && boxes[selected.layer][selected.neuron]) {
      const b = boxes[selected.layer][selected.neuron];
      ctx.strokeStyle = "#d00";
      ctx.lineWidth = 3;
      ctx.strokeRect(b.x - 2, b.y - 2, b.size + 4, b.size + 4);
    }
    return boxes;
  }

  // Train (dark) and test (grey) losses against steps.
  function curve(canvas, points) {
    const ctx = canvas.getContext("2d");
    const w = canvas.width;
    const h = canvas.height;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);
    if (points.length < 1) return;
    let top = 1e-9;
    for (const [, a, b] of points) top = Math.max(top, a || 0, b || 0);
    const first = points[0][0];
    const span = Math.max(1, points[points.length - 1][0] - first);
    for (const [index, colourName] of [[1, "#222"], [2, "#999"]]) {
      ctx.beginPath();
      points.forEach((p, k) => {
        const x = ((p[0] - first) / span) * (w - 4) + 2;
        const y = h - 2 - ((p[index] || 0) / top) * (h - 8);
        if (k === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.strokeStyle = colourName;
      ctx.lineWidth = 1.5;
      ctx.stroke();
    }
    ctx.fillStyle = "#555";
    ctx.font = "10px sans-serif";
    ctx.fillText(top.toPrecision(3), 2, 10);
  }

  // One bar per layer on a log scale (gradient norms span decades), with its value written on it.
  function bars(canvas, values, labels) {
    const ctx = canvas.getContext("2d");
    const w = canvas.width;
    const h = canvas.height;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);
    const logs = values.map((v) => (v > 0 ? Math.log10(v) : null));
    const finite = logs.filter((v) => v !== null);
    if (!finite.length) return;
    const low = Math.min(-6, ...finite);
    const high = Math.max(1, ...finite);
    const width = w / values.length;
    values.forEach((v, k) => {
      const height = logs[k] === null ? 0 : ((logs[k] - low) / (high - low)) * (h - 28);
      ctx.fillStyle = "#0877bd";
      ctx.fillRect(k * width + 8, h - 16 - height, width - 16, height);
      ctx.fillStyle = "#222";
      ctx.font = "10px sans-serif";
      ctx.fillText(`${labels[k]}: ${v === null ? "–" : v.toExponential(2)}`, k * width + 8, h - 4);
    });
  }

  return { colour, css, grid, normalised, boundary, layout, network, curve, bars };
})();
