// The toonmoji page: a photo -> faces, emotions, emoji (and a cartoon when the server has toon
// models); the camera -> live emotions over a WebSocket. Plain JS, no libraries, nothing fetched
// from other sites.
"use strict";

const $ = (id) => document.getElementById(id);
const FACES = { angry: "😠", disgust: "🤢", fear: "😨", happy: "😄", sad: "😢", surprise: "😲", neutral: "😐" };
const state = { config: null, colours: {}, file: null, job: null };

async function api(path, options = {}) {
  const response = await fetch(path, options);
  const json = (response.headers.get("content-type") || "").includes("json") ? await response.json() : null;
  if (!response.ok) throw new Error((json && json.detail) || `${response.status} ${response.statusText}`);
  return json;
}

function setStatus(el, text, kind = "") {
  el.className = `status ${kind}`;
  el.textContent = "";
  if (kind === "busy") {
    const spinner = document.createElement("span");
    spinner.className = "spinner";
    el.append(spinner);
  }
  el.append(text);
}

// Text with `commands` shown as code.
function withCode(el, text) {
  el.replaceChildren(...text.split("`").map((part, i) => {
    if (i % 2 === 0) return document.createTextNode(part);
    const code = document.createElement("code");
    code.textContent = part;
    return code;
  }));
}

const pct = (p) => `${Math.round(p * 100)}%`;
const colour = (name) => state.colours[name] || "#6c5ce7";
const titled = (label) => `${FACES[label] || ""} ${label}`.trim();

function fillBars(ul, probabilities) {
  const names = Object.keys(probabilities);
  if (ul.children.length !== names.length) {
    ul.replaceChildren(...names.map((name) => {
      const li = document.createElement("li");
      li.dataset.emotion = name;
      li.innerHTML = '<span class="name"></span><span class="track"><span class="fill"></span></span><span class="num"></span>';
      li.querySelector(".name").textContent = name;
      li.querySelector(".fill").style.background = colour(name);
      return li;
    }));
  }
  names.forEach((name, i) => {
    const li = ul.children[i];
    li.querySelector(".fill").style.width = pct(probabilities[name]);
    li.querySelector(".num").textContent = pct(probabilities[name]);
  });
}

// Boxes with labels (and, with `bars`, a probability bar per emotion beside each box) on a canvas
// already holding the picture; `scale` maps API pixels to canvas pixels.
function drawFaces(ctx, faces, scale, bars = false) {
  const w = ctx.canvas.width;
  const line = Math.max(2, Math.round(w / 260));
  const size = Math.max(12, Math.round(w / 40));
  ctx.font = `600 ${size}px system-ui, sans-serif`;
  ctx.textBaseline = "bottom";
  for (const face of faces) {
    const [x0, y0, x1, y1] = face.box.map((v) => v * scale);
    const c = colour(face.label);
    ctx.lineWidth = line;
    ctx.strokeStyle = c;
    ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
    const text = `${face.label} ${pct(face.probabilities[face.label])}`;
    const tw = ctx.measureText(text).width + 10;
    const ty = y0 - size - 8 >= 0 ? y0 : y1 + size + 8;
    ctx.fillStyle = c;
    ctx.fillRect(x0 - line / 2, ty - size - 8, tw, size + 8);
    ctx.fillStyle = "#1f1d33";
    ctx.fillText(text, x0 + 5 - line / 2, ty - 3);
    if (bars) drawBars(ctx, face, [x0, y0, x1, y1], size);
  }
}

function drawBars(ctx, face, [x0, y0, x1], size) {
  const names = Object.keys(face.probabilities);
  const row = Math.round(size * 0.95);
  const small = Math.round(size * 0.7);
  const nameW = small * 4.6;
  const barW = small * 6;
  const width = nameW + barW + 16;
  const left = x1 + 8 + width <= ctx.canvas.width ? x1 + 8 : Math.max(0, x0 - 8 - width);
  const top = Math.min(Math.max(0, y0), Math.max(0, ctx.canvas.height - row * names.length - 8));
  ctx.fillStyle = "rgba(31, 29, 51, 0.62)";
  ctx.fillRect(left, top, width, row * names.length + 8);
  ctx.font = `500 ${small}px system-ui, sans-serif`;
  ctx.textBaseline = "middle";
  names.forEach((name, i) => {
    const y = top + 4 + row * i + row / 2;
    ctx.fillStyle = "#ffffff";
    ctx.fillText(name, left + 6, y);
    ctx.fillStyle = "rgba(255, 255, 255, 0.18)";
    ctx.fillRect(left + 6 + nameW, y - row * 0.22, barW, row * 0.44);
    ctx.fillStyle = colour(name);
    ctx.fillRect(left + 6 + nameW, y - row * 0.22, barW * face.probabilities[name], row * 0.44);
  });
  ctx.textBaseline = "bottom";
}

// ---- photo -------------------------------------------------------------------------------------

async function analyse(file) {
  await state.configLoaded;
  if (!state.config) return;
  const limit = state.config.max_upload_mb;
  if (file.size > limit * 2 ** 20) {
    setStatus($("status"), `${file.name} is ${(file.size / 2 ** 20).toFixed(1)} MB; the limit is ${limit} MB`, "error");
    return;
  }
  stopJob();
  setStatus($("status"), `Looking for faces in ${file.name}…`, "busy");
  const form = new FormData();
  form.append("photo", file);
  let result;
  try {
    result = await api("/api/analyze", { method: "POST", body: form });
  } catch (error) {
    $("results").hidden = true;
    setStatus($("status"), error.message, "error");
    return;
  }
  state.file = file;
  const n = result.faces.length;
  setStatus($("status"), `${n} face${n === 1 ? "" : "s"} found in ${file.name}.`);
  await showPhoto(result);
  showFaces(result.faces);
  showEmoji(result.emoji, result.emoji_error, "emoji-img", "download-png", "download-webp", "emoji-error");
  resetToonify();
  $("results").hidden = false;
  showAvatar(file);
}

// ---- avatar: fitted after the analysis; its expressions follow the live emotion ----------------

async function showAvatar(file) {
  const form = new FormData();
  form.append("photo", file);
  $("avatar-img").hidden = true;
  $("avatar-error").hidden = true;
  try {
    const a = await api("/api/avatar", { method: "POST", body: form });
    showAvatarPayload(a, a.doubts);
  } catch (error) {
    $("avatar-error").textContent = error.message;
    $("avatar-error").hidden = false;
  }
}

function showAvatarPayload(a, doubts) {
  state.avatar = a;
  $("avatar-img").src = a.png;
  $("avatar-img").hidden = false;
  $("avatar-svg").href = URL.createObjectURL(new Blob([a.svg], { type: "image/svg+xml" }));
  $("avatar-png").href = a.png;
  $("avatar-webp").href = a.sticker;
  $("avatar-zip").href = a.zip;
  showDoubts(doubts);
}

// A choice the fit was unsure of, e.g. "beard? full / stubble": one click redraws the other one.
// The doubts of the first fit stay listed, so a second click goes back.
function showDoubts(doubts) {
  const box = $("avatar-doubts");
  box.replaceChildren(...doubts.map((d) => {
    const row = document.createElement("div");
    row.className = "doubt";
    const name = document.createElement("span");
    name.textContent = `${d.key.split(".")[0]}?`;
    row.append(name);
    const current = d.key.split(".").reduce((o, k) => o[k], state.avatar.avatar);
    for (const value of [d.value, d.alternative]) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "choice";
      b.textContent = value.replace("_", " ");
      b.setAttribute("aria-pressed", String(value === current));
      b.addEventListener("click", () => editAvatar(`${d.key}=${value}`, doubts));
      row.append(b);
    }
    return row;
  }));
  box.hidden = doubts.length === 0;
}

async function editAvatar(assignment, doubts) {
  $("avatar-error").hidden = true;
  try {
    const a = await api("/api/avatar/edit", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ avatar: state.avatar.avatar, set: [assignment] }),
    });
    showAvatarPayload(a, doubts);
  } catch (error) {
    $("avatar-error").textContent = error.message;
    $("avatar-error").hidden = false;
  }
}

function showLiveAvatar(main, puppet) {
  const img = $("live-avatar");
  if (puppet) {  // the avatar moved by the face, drawn by the server as SVG
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(puppet.svg)}`;
    img.dataset.label = main ? main.label : "";
    img.hidden = false;
    return;
  }
  if (!state.avatar || !main) { img.hidden = true; return; }
  const src = state.avatar.expressions[main.label];
  if (img.getAttribute("src") !== src) img.src = src;
  img.dataset.label = main.label;
  img.hidden = false;
}

function showPhoto(result) {
  return new Promise((resolve) => {
    const img = new Image();
    img.onload = () => {
      const canvas = $("photo-canvas");
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const ctx = canvas.getContext("2d");
      ctx.drawImage(img, 0, 0);
      drawFaces(ctx, result.faces, img.naturalWidth / result.width);
      resolve();
    };
    img.onerror = () => resolve();
    img.src = result.preview;
  });
}

function showFaces(faces) {
  $("faces-caption").textContent = faces.length > 1 ? `${faces.length} faces, largest first` : "1 face";
  $("faces").replaceChildren(...faces.map((face, i) => {
    const card = document.createElement("article");
    card.className = "card face";
    card.innerHTML = '<img class="aligned" width="128" height="128"><div class="info"><p class="emotion-label"></p><ul class="bars"></ul></div>';
    const img = card.querySelector("img");
    img.src = face.aligned;
    img.alt = `Face ${i + 1}, aligned`;
    const label = card.querySelector(".emotion-label");
    label.textContent = `${titled(face.label)} `;
    const p = document.createElement("span");
    p.className = "pct";
    p.textContent = pct(face.probabilities[face.label]);
    label.append(p);
    fillBars(card.querySelector(".bars"), face.probabilities);
    return card;
  }));
}

function showEmoji(emoji, error, imgId, pngId, webpId, errorId) {
  const img = $(imgId);
  for (const [id, key] of [[pngId, "png"], [webpId, "webp"]]) {
    const a = $(id);
    if (emoji) a.href = emoji[key];
    else a.removeAttribute("href");
    a.setAttribute("aria-disabled", emoji ? "false" : "true");
  }
  img.hidden = !emoji;
  if (emoji) img.src = emoji.png;
  if (errorId) {
    $(errorId).hidden = !!emoji;
    $(errorId).textContent = emoji ? "" : `No emoji: ${error}`;
  }
}

// ---- toonify job -------------------------------------------------------------------------------

function resetToonify() {
  const t = state.config.toonify;
  $("toonify-off").hidden = t.available;
  $("toonify-on").hidden = !t.available;
  withCode($("toonify-message"), t.message || "");
  $("toonify-progress").hidden = true;
  $("toonify-result").hidden = true;
  $("toonify-start").disabled = false;
  $("toonify-cancel").hidden = true;
}

async function startToonify() {
  if (!state.file) return;
  const form = new FormData();
  form.append("photo", state.file);
  form.append("steps", $("toonify-steps").value || state.config.toonify.steps);
  $("toonify-start").disabled = true;
  $("toonify-result").hidden = true;
  $("toonify-progress").hidden = false;
  $("toonify-bar").value = 0;
  $("toonify-text").textContent = "starting…";
  try {
    const job = await api("/api/toonify", { method: "POST", body: form });
    state.job = job.id;
    $("toonify-cancel").hidden = false;
    $("toonify-cancel").disabled = false;
    pollJob(job.id);
  } catch (error) {
    $("toonify-text").textContent = error.message;
    $("toonify-start").disabled = false;
  }
}

async function pollJob(id) {
  while (state.job === id) {
    let job;
    try {
      job = await api(`/api/jobs/${id}`);
    } catch (error) {
      $("toonify-text").textContent = error.message;
      break;
    }
    if (state.job !== id) return;
    const p = job.progress;
    $("toonify-bar").value = p.fraction || 0;
    if (job.status === "queued") $("toonify-text").textContent = "waiting for the job before it…";
    else if (job.status === "running") {
      const face = p.faces > 1 ? `face ${p.face + 1} of ${p.faces} · ` : "";
      const loss = p.loss !== undefined ? ` · loss ${Number(p.loss).toFixed(3)}` : "";
      $("toonify-text").textContent = p.steps ? `${face}step ${p.step} of ${p.steps}${loss}` : "finding faces…";
    } else {
      finishJob(job);
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

// dlib's face embedding: distance of the reconstruction and the toon to the photo's face (< 0.6: same person).
function likenessText(identity) {
  if (!identity) return "";
  const rec = identity.reconstruction, toon = identity.toon;
  const verdict = rec.same_person ? "same person" : "likeness lost";
  return ` · identity: reconstruction ${rec.distance.toFixed(2)} (${verdict}), toon ${toon.distance.toFixed(2)}`;
}

function finishJob(job) {
  state.job = null;
  $("toonify-cancel").hidden = true;
  $("toonify-start").disabled = false;
  const p = job.progress;
  if (job.status === "done") {
    $("toonify-text").textContent = `done: ${job.result.faces.length} face${job.result.faces.length === 1 ? "" : "s"}`;
    $("toon-faces").replaceChildren(...job.result.faces.map((face, i) => {
      const fig = document.createElement("figure");
      fig.innerHTML = "<img><figcaption></figcaption>";
      fig.querySelector("img").src = face.toon;
      fig.querySelector("img").alt = `Face ${i + 1} as a cartoon`;
      fig.querySelector("figcaption").textContent = (face.from_cache ? "cartoon (cached latent)" : "cartoon") + likenessText(face.identity);
      return fig;
    }));
    $("toon-pasted").src = job.result.pasted;
    showEmoji(job.result.emoji, job.result.emoji_error, "toon-emoji-img", "toon-download-png", "toon-download-webp", null);
    $("toonify-result").hidden = false;
    fetch(`/api/jobs/${job.id}`, { method: "DELETE" });  // the server need not keep the result
  } else if (job.status === "cancelled") {
    $("toonify-text").textContent = p.step !== undefined ? `cancelled at step ${p.step} of ${p.steps}` : "cancelled";
  } else {
    $("toonify-text").textContent = `failed: ${job.error}`;
  }
}

async function cancelToonify() {
  if (!state.job) return;
  $("toonify-cancel").disabled = true;
  $("toonify-text").textContent = "cancelling…";
  try {
    await api(`/api/jobs/${state.job}/cancel`, { method: "POST" });
  } catch (error) {
    $("toonify-text").textContent = error.message;
  }
}

function stopJob() {
  if (state.job) fetch(`/api/jobs/${state.job}`, { method: "DELETE" });
  state.job = null;
}

// ---- live camera -------------------------------------------------------------------------------

const live = { running: false, ws: null, stream: null, last: null, stamps: [], grab: document.createElement("canvas") };

async function startLive() {
  const status = $("live-status");
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    status.textContent = "This browser offers no camera here (the page must be opened as localhost or https).";
    return;
  }
  $("live-start").disabled = true;
  status.textContent = "asking for the camera…";
  try {
    live.stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });  // phones: the selfie camera
  } catch (error) {
    status.textContent = `No camera: ${error.message || error.name}`;
    $("live-start").disabled = false;
    return;
  }
  const video = $("live-video");
  video.srcObject = live.stream;
  await video.play();
  const canvas = $("live-canvas");
  canvas.width = video.videoWidth || 640;
  canvas.height = video.videoHeight || 480;
  const scale = Math.min(1, 640 / canvas.width);
  live.grab.width = Math.round(canvas.width * scale);
  live.grab.height = Math.round(canvas.height * scale);
  live.running = true;
  live.last = null;
  live.stamps = [];
  $("live-stop").disabled = false;
  status.textContent = "connecting…";
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/live`);
  ws.binaryType = "arraybuffer";
  ws.onopen = () => {
    status.textContent = "live";
    if (state.avatar) ws.send(JSON.stringify({ avatar: state.avatar.avatar }));  // the puppet follows the face
    sendFrame();
  };
  ws.onmessage = (event) => onLiveReply(JSON.parse(event.data));
  ws.onclose = () => { if (live.running) { status.textContent = "the server closed the connection"; stopLive(false); } };
  live.ws = ws;
  requestAnimationFrame(drawLive);
}

function sendFrame() {
  if (!live.running || !live.ws || live.ws.readyState !== WebSocket.OPEN) return;
  live.grab.getContext("2d").drawImage($("live-video"), 0, 0, live.grab.width, live.grab.height);
  live.grab.toBlob((blob) => { if (blob && live.running && live.ws.readyState === WebSocket.OPEN) live.ws.send(blob); }, "image/jpeg", 0.8);
}

function onLiveReply(reply) {
  if ("configured" in reply) {  // the answer to the avatar sent, not to a frame
    if (reply.error) $("live-status").textContent = reply.error;
    return;
  }
  if (reply.error) {
    $("live-status").textContent = reply.error;
  } else {
    live.last = reply;
    const now = performance.now();
    live.stamps.push(now);
    while (live.stamps.length > 2 && now - live.stamps[0] > 2000) live.stamps.shift();
    if (live.stamps.length > 1) {
      const fps = (live.stamps.length - 1) / ((now - live.stamps[0]) / 1000);
      $("live-fps").textContent = fps.toFixed(fps < 10 ? 1 : 0);
    }
    const main = reply.faces[0];
    $("live-label").textContent = main ? `${titled(main.label)} ${pct(main.probabilities[main.label])}` : "no face";
    $("live-label").dataset.label = main ? main.label : "";
    showLiveAvatar(main, reply.puppet);
    if (main) fillBars($("live-bars"), main.probabilities);
  }
  sendFrame();
}

function drawLive() {
  if (!live.running) return;
  const canvas = $("live-canvas");
  const ctx = canvas.getContext("2d");
  ctx.drawImage($("live-video"), 0, 0, canvas.width, canvas.height);
  if (live.last) drawFaces(ctx, live.last.faces, canvas.width / live.last.width, true);
  requestAnimationFrame(drawLive);
}

function stopLive(closeSocket = true) {
  live.running = false;
  if (closeSocket && live.ws) live.ws.close();
  if (live.stream) live.stream.getTracks().forEach((t) => t.stop());
  live.ws = live.stream = null;
  $("live-start").disabled = false;
  $("live-stop").disabled = true;
  $("live-fps").textContent = "–";
  if (closeSocket) $("live-status").textContent = "stopped";
}

// ---- wiring ------------------------------------------------------------------------------------

function showTab(name) {
  for (const tab of ["photo", "live"]) {
    $(`tab-${tab}`).setAttribute("aria-selected", String(tab === name));
    $(`${tab}-view`).hidden = tab !== name;
  }
  if (name !== "live" && live.running) stopLive();
}

function wire() {
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files.length) analyse(e.dataTransfer.files[0]);
  });
  $("file").addEventListener("change", (e) => { if (e.target.files.length) analyse(e.target.files[0]); e.target.value = ""; });
  $("toonify-start").addEventListener("click", startToonify);
  $("toonify-cancel").addEventListener("click", cancelToonify);
  $("tab-photo").addEventListener("click", () => showTab("photo"));
  $("tab-live").addEventListener("click", () => showTab("live"));
  $("live-start").addEventListener("click", startLive);
  $("live-stop").addEventListener("click", () => stopLive());
}

async function loadConfig() {
  try {
    state.config = await api("/api/config");
  } catch (error) {
    setStatus($("status"), `The server does not answer: ${error.message}`, "error");
    return;
  }
  for (const e of state.config.emotions) state.colours[e.name] = e.colour;
  $("formats").textContent = state.config.formats;
  $("max-mb").textContent = String(state.config.max_upload_mb);
  $("toonify-steps").value = state.config.toonify.steps;
  $("origin").textContent = location.origin;
  if (state.config.keeps_uploads) $("keep-note").textContent = "This server keeps a copy of every photo (started with --keep-uploads).";
  document.body.dataset.ready = "true";
}

// Opened as the printed address with ?token=: the server has put the token in a cookie, so take
// it out of the address bar (and the history) at once.
if (new URLSearchParams(location.search).has("token")) history.replaceState(null, "", location.pathname);
wire();
state.configLoaded = loadConfig();
