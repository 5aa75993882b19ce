/* perfxl web page: drag and drop, upload and check progress, live board. No framework, no CDN. */
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function show(el, on) { if (el) el.hidden = !on; }

/* ---------------------------------------------------------------- progress of a job */
function watchJob(jobId, onDone) {
  const box = document.getElementById("progress");
  const bar = document.getElementById("progress-bar");
  const count = document.getElementById("progress-count");
  const msg = document.getElementById("job-message");
  show(box, true);
  const tick = () => {
    fetch("/api/jobs/" + jobId, {credentials: "same-origin"}).then(r => r.json()).then(job => {
      if (job.total) { bar.max = job.total; bar.value = job.done; count.textContent = job.done + "/" + job.total; }
      else { bar.removeAttribute("value"); }
      if (job.state === "done" || job.state === "failed") {
        bar.max = 1; bar.value = 1;
        msg.textContent = job.message;
        msg.className = "message " + (job.state === "done" ? "ok" : "error");
        show(msg, true);
        document.body.dataset.jobState = job.state;
        if (onDone) onDone(job);
        return;
      }
      setTimeout(tick, 500);
    }).catch(() => setTimeout(tick, 1500));
  };
  tick();
}

/* ---------------------------------------------------------------- 收件: drop, pick, upload */
function readEntry(entry, path) {
  return new Promise(resolve => {
    if (entry.isFile) {
      entry.file(f => resolve([{file: f, name: path + f.name}]), () => resolve([]));
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      const all = [];
      const more = () => reader.readEntries(batch => {
        if (!batch.length) {
          Promise.all(all.map(e => readEntry(e, path + entry.name + "/"))).then(lists => resolve([].concat(...lists)));
          return;
        }
        all.push(...batch);
        more();
      }, () => resolve([]));
      more();
    } else { resolve([]); }
  });
}

function filesFromDrop(dt) {
  const entries = [];
  if (dt.items) {
    for (const item of dt.items) {
      const entry = item.kind === "file" && item.webkitGetAsEntry ? item.webkitGetAsEntry() : null;
      if (entry) entries.push(entry);
    }
  }
  if (entries.length) {
    return Promise.all(entries.map(e => readEntry(e, ""))).then(lists => [].concat(...lists));
  }
  return Promise.resolve(Array.from(dt.files || []).map(f => ({file: f, name: f.name})));
}

function upload(form, items) {
  if (!items.length) return;
  const box = document.getElementById("progress");
  const bar = document.getElementById("progress-bar");
  const label = document.getElementById("progress-label");
  const count = document.getElementById("progress-count");
  const msg = document.getElementById("job-message");
  show(msg, false);
  show(box, true);
  document.body.dataset.jobState = "uploading";
  label.textContent = form.dataset.tUploading + " " + items.length + form.dataset.tFiles;
  const data = new FormData();
  for (const it of items) data.append("files", it.file, it.name);
  const xhr = new XMLHttpRequest();
  xhr.open("POST", form.dataset.api);
  xhr.setRequestHeader("X-CSRF-Token", csrfToken());
  xhr.upload.onprogress = e => {
    if (e.lengthComputable) { bar.max = e.total; bar.value = e.loaded; count.textContent = Math.round(100 * e.loaded / e.total) + "%"; }
  };
  xhr.onload = () => {
    let body = {};
    try { body = JSON.parse(xhr.responseText); } catch (e) { body = {error: xhr.statusText}; }
    if (xhr.status !== 202) {
      msg.textContent = body.error || xhr.statusText; msg.className = "message error"; show(msg, true); show(box, false);
      document.body.dataset.jobState = "failed";
      return;
    }
    label.textContent = form.dataset.tChecking;
    count.textContent = "";
    watchJob(body.job.id, () => { setTimeout(() => { location.href = location.pathname + "?job=" + body.job.id; }, 600); });
  };
  xhr.onerror = () => { msg.textContent = form.dataset.tFailed; msg.className = "message error"; show(msg, true); };
  xhr.send(data);
}

function setupInbox() {
  const form = document.getElementById("upload");
  if (!form) return;
  const drop = document.getElementById("drop");
  ["dragenter", "dragover"].forEach(k => drop.addEventListener(k, e => { e.preventDefault(); drop.classList.add("over"); }));
  ["dragleave", "drop"].forEach(k => drop.addEventListener(k, e => { e.preventDefault(); drop.classList.remove("over"); }));
  drop.addEventListener("drop", e => {
    document.getElementById("progress-label").textContent = form.dataset.tReading;
    filesFromDrop(e.dataTransfer).then(items => upload(form, items));
  });
  for (const id of ["pick-files", "pick-folder"]) {
    const input = document.getElementById(id);
    input.addEventListener("change", () => {
      const items = Array.from(input.files).map(f => ({file: f, name: f.webkitRelativePath || f.name}));
      input.value = "";
      upload(form, items);
    });
  }
  const box = document.getElementById("progress");
  if (box && box.dataset.job && !box.hidden) watchJob(box.dataset.job, () => location.reload());
}

/* ---------------------------------------------------------------- 看板: reload when the round changes */
function setupLive() {
  const live = document.getElementById("live");
  if (!live) return;
  const poll = () => {
    fetch(live.dataset.status, {credentials: "same-origin"}).then(r => r.json()).then(s => {
      if (s.version !== live.dataset.version) { location.reload(); return; }
      setTimeout(poll, 1500);
    }).catch(() => setTimeout(poll, 3000));
  };
  setTimeout(poll, 1500);
}

/* ---------------------------------------------------------------- 汇总: build with progress */
function setupSummary() {
  const form = document.getElementById("build-summary");
  if (!form) return;
  form.addEventListener("submit", e => {
    e.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    document.body.dataset.jobState = "running";
    fetch(form.dataset.api, {method: "POST", credentials: "same-origin", headers: {"X-CSRF-Token": csrfToken()}})
      .then(r => r.json()).then(body => {
        if (!body.job) { button.disabled = false; return; }
        watchJob(body.job.id, () => { location.href = location.pathname + "?job=" + body.job.id; });
      });
  });
  const box = document.getElementById("progress");
  if (box && box.dataset.job && !box.hidden) watchJob(box.dataset.job, () => location.reload());
}

/* ---------------------------------------------------------------- long forms: say it is working */
function setupBusy() {
  for (const form of document.querySelectorAll("form[data-busy]")) {
    form.addEventListener("submit", () => {
      const button = form.querySelector("button[type=submit]");
      const busy = form.querySelector(".busy");
      if (busy) { busy.textContent = form.dataset.busy; busy.hidden = false; }
      setTimeout(() => { if (button) button.disabled = true; }, 0);
    });
  }
}

/* ---------------------------------------------------------------- file pickers: say what was chosen */
function setupPickers() {
  for (const input of document.querySelectorAll("input[type=file][data-shows]")) {
    input.addEventListener("change", () => {
      const shown = document.getElementById(input.dataset.shows);
      if (shown && input.files.length) shown.textContent = Array.from(input.files).map(f => f.name).join("、");
      const radio = input.dataset.checks && document.getElementById(input.dataset.checks);
      if (radio) radio.checked = true;
    });
  }
}

document.addEventListener("DOMContentLoaded", () => { setupInbox(); setupLive(); setupSummary(); setupBusy(); setupPickers(); });
