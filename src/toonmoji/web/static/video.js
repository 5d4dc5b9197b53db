// The Video tab: upload a video -> the emotion report of every face in it (a job with progress and
// cancel), shown here and downloadable as the same files `toonmoji emotion report` writes.
// Uses app.js's helpers ($, api, setStatus, fillBars, titled, showTab, state).
"use strict";

const video = { job: null, urls: [] };

const mmss = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

function showVideoTab() {
  showTab("video");  // app.js hides the photo and live views (and stops the camera)
  $("tab-video").setAttribute("aria-selected", "true");
  $("video-view").hidden = false;
}

function hideVideoTab() {
  $("tab-video").setAttribute("aria-selected", "false");
  $("video-view").hidden = true;
}

function download(id, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  video.urls.push(url);
  $(id).href = url;
}

async function startVideo(file) {
  await state.configLoaded;
  if (!state.config) return;
  const limit = state.config.max_upload_mb;
  $("video-result").hidden = true;
  if (file.size > limit * 2 ** 20) {
    setStatus($("video-status"), `${file.name} is ${(file.size / 2 ** 20).toFixed(1)} MB; the limit is ${limit} MB`, "error");
    return;
  }
  if (video.job) fetch(`/api/jobs/${video.job}`, { method: "DELETE" });
  setStatus($("video-status"), `Uploading ${file.name}…`, "busy");
  const form = new FormData();
  form.append("video", file);
  let job;
  try {
    job = await api("/api/video-report", { method: "POST", body: form });
  } catch (error) {
    setStatus($("video-status"), error.message, "error");
    return;
  }
  video.job = job.id;
  setStatus($("video-status"), `Reading ${file.name}…`, "busy");
  $("video-progress").hidden = false;
  $("video-cancel").disabled = false;
  pollVideo(job.id);
}

async function pollVideo(id) {
  while (video.job === id) {
    let job;
    try {
      job = await api(`/api/jobs/${id}`);
    } catch (error) {
      setStatus($("video-status"), error.message, "error");
      break;
    }
    if (video.job !== id) return;
    const p = job.progress;
    $("video-bar").value = p.fraction || 0;
    if (job.status === "queued") $("video-text").textContent = "waiting for the job before it…";
    else if (job.status === "running") $("video-text").textContent = p.frames ? `frame ${p.frame} of ${p.frames}` : `frame ${p.frame || 0}`;
    else {
      finishVideo(job);
      return;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

function finishVideo(job) {
  video.job = null;
  $("video-progress").hidden = true;
  if (job.status === "cancelled") setStatus($("video-status"), "Cancelled.");
  else if (job.status === "failed") setStatus($("video-status"), `Failed: ${job.error}`, "error");
  else {
    showReport(job.result);
    fetch(`/api/jobs/${job.id}`, { method: "DELETE" });  // the server need not keep the result
  }
}

function showReport(result) {
  const s = result.summary;
  const n = s.tracks.length;
  setStatus($("video-status"), `${n} face${n === 1 ? "" : "s"} in ${s.source} (${mmss(s.duration)}, ${s.frames} frames).`);
  $("video-notes").textContent = s.notes.join(" ");
  $("video-timeline").src = result.timeline;
  for (const url of video.urls.splice(0)) URL.revokeObjectURL(url);
  download("video-html", result.html, "text/html");
  download("video-csv", result.csv, "text/csv");
  download("video-json", JSON.stringify(s, null, 2), "application/json");
  $("video-tracks").replaceChildren(...s.tracks.map((t) => {
    const card = document.createElement("article");
    card.className = "card face";
    card.innerHTML = '<img class="aligned" width="128" height="128"><div class="info"><p class="emotion-label"></p>' +
      '<p class="muted small when"></p><ul class="bars"></ul><div class="moments"></div></div>';
    card.querySelector("img").src = result.thumbs[t.thumbnail];
    card.querySelector("img").alt = `Face ${t.track}`;
    card.querySelector(".emotion-label").textContent = `Face ${t.track}: mostly ${titled(t.dominant)}`;
    card.querySelector(".when").textContent =
      `on screen ${mmss(t.seconds_on_screen)} (${t.frames_seen} frames), ${mmss(t.first_seen)}–${mmss(t.last_seen)}`;
    fillBars(card.querySelector(".bars"), t.shares);
    const strong = Object.entries(t.strongest).filter(([, m]) => m.probability >= 0.2)
      .sort((a, b) => b[1].probability - a[1].probability);
    card.querySelector(".moments").replaceChildren(...strong.map(([name, m]) => {
      const fig = document.createElement("figure");
      fig.innerHTML = "<img><figcaption></figcaption>";
      fig.querySelector("img").src = result.thumbs[m.thumbnail];
      fig.querySelector("img").alt = `Face ${t.track} at its most ${name}`;
      fig.querySelector("img").style.borderColor = colour(name);
      fig.querySelector("figcaption").textContent = `${name} ${pct(m.probability)} at ${mmss(m.time)}`;
      return fig;
    }));
    return card;
  }));
  $("video-result").hidden = false;
}

async function cancelVideo() {
  if (!video.job) return;
  $("video-cancel").disabled = true;
  $("video-text").textContent = "cancelling…";
  try {
    await api(`/api/jobs/${video.job}/cancel`, { method: "POST" });
  } catch (error) {
    $("video-text").textContent = error.message;
  }
}

function wireVideo() {
  const drop = $("video-drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files.length) startVideo(e.dataTransfer.files[0]);
  });
  $("video-file").addEventListener("change", (e) => { if (e.target.files.length) startVideo(e.target.files[0]); e.target.value = ""; });
  $("video-cancel").addEventListener("click", cancelVideo);
  $("tab-video").addEventListener("click", showVideoTab);
  $("tab-photo").addEventListener("click", hideVideoTab);
  $("tab-live").addEventListener("click", hideVideoTab);
  state.configLoaded.then(() => { if (state.config) $("video-max-mb").textContent = String(state.config.max_upload_mb); });
}

wireVideo();
