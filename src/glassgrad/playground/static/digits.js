// The digits tab: draw with the mouse on a 280×280 canvas; while drawing, the 28×28 downsample goes to the
// server (at most every 150 ms), which answers with the CNN's class probabilities and feature maps.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const canvas = $("digit-canvas");
  const ctx = canvas.getContext("2d");
  let drawing = false;
  let last = null;
  let timer = null;

  function clear() {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  }

  // The drawing as 784 values in [0, 1], row by row (the canvas scaled down with smoothing).
  function pixels() {
    const small = document.createElement("canvas");
    small.width = 28;
    small.height = 28;
    const sctx = small.getContext("2d");
    sctx.imageSmoothingEnabled = true;
    sctx.drawImage(canvas, 0, 0, 28, 28);
    const data = sctx.getImageData(0, 0, 28, 28).data;
    const out = [];
    for (let i = 0; i < 784; i++) out.push(Math.round((data[4 * i] / 255) * 1000) / 1000);
    return out;
  }

  function sendSoon() {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      send({ type: "digit", pixels: pixels() });
    }, 150);
  }

  function position(event) {
    const rect = canvas.getBoundingClientRect();
    return [((event.clientX - rect.left) * canvas.width) / rect.width,
      ((event.clientY - rect.top) * canvas.height) / rect.height];
  }

  function stroke(event) {
    const [x, y] = position(event);
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = 22;
    ctx.lineCap = "round";
    ctx.beginPath();
    ctx.moveTo(...(last || [x, y]));
    ctx.lineTo(x, y);
    ctx.stroke();
    last = [x, y];
    sendSoon();
  }

  canvas.addEventListener("pointerdown", (e) => { drawing = true; last = null; stroke(e); });
  canvas.addEventListener("pointermove", (e) => { if (drawing) stroke(e); });
  window.addEventListener("pointerup", () => { if (drawing) { drawing = false; sendSoon(); } });
  $("digit-clear").addEventListener("click", () => {
    clear();
    $("probs").replaceChildren();
    $("prediction").textContent = "–";
    $("feature-maps").replaceChildren();
  });

  function show(result) {
    $("prediction").textContent = result.prediction;
    const table = $("probs");
    table.replaceChildren();
    result.probabilities.forEach((p, k) => {
      const tr = document.createElement("tr");
      tr.dataset.class = k;
      tr.dataset.probability = p;
      const name = document.createElement("td");
      name.textContent = k;
      const value = document.createElement("td");
      value.textContent = p.toFixed(4);
      const bar = document.createElement("td");
      bar.className = "bar-cell";
      const fill = document.createElement("div");
      fill.className = "bar-fill";
      fill.style.width = `${Math.round(p * 100)}%`;
      bar.append(fill);
      tr.append(name, value, bar);
      table.append(tr);
    });
    const holder = $("feature-maps");
    holder.replaceChildren();
    for (const stage of result.maps) {
      const title = document.createElement("p");
      title.textContent = `stage ${stage.stage}: ${stage.channels} channels, ${stage.size}×${stage.size}`;
      holder.append(title);
      for (const values of stage.values) {
        const c = document.createElement("canvas");
        c.width = stage.size;
        c.height = stage.size;
        c.style.width = "56px";
        c.style.height = "56px";
        const image = new ImageData(stage.size, stage.size);
        values.forEach((v, i) => image.data.set([255 * v, 255 * v, 255 * v, 255], 4 * i));
        c.getContext("2d").putImageData(image, 0, 0);
        holder.append(c);
      }
    }
  }

  function status(digits) {
    $("digits-status").textContent = digits.message;
  }

  clear();
  window.Digits = { show, status, pixels };
})();
