// The browser side of the performers' preview page, served as-is (no build step) at /live/preview.js.
// Polls status.json next to the page, keeps one card per stream, mounts the player bundle for live
// streams and destroys it when a stream ends or goes away. Every string from the server is set with
// textContent: nothing from status.json ever becomes HTML.
(() => {
  "use strict";

  const REFRESH_MS = 3_000;
  const RECORDINGS_REFRESH_MS = 30_000;
  const MAX_RECORDINGS = 10;
  const HIDDEN_REFRESH_MS = 10_000;
  const TIMEOUT_MS = 8_000;

  const STATES = {
    offline: { badge: "Starting", hint: "OBS is connected; waiting for its first video." },
    live: { badge: "Live", hint: "" },
    reconnecting: { badge: "Reconnecting", hint: "OBS disconnected. Viewers keep the last picture while it reconnects." },
    ended: { badge: "Ended", hint: "The stream has ended. Start streaming in OBS again to go live." },
    idle: { badge: "Not live", hint: "Not streaming now. Recordings of its shows are below." },
  };
  const STATS = [
    ["resolution", "Resolution"],
    ["fps", "Frame rate"],
    ["keyframes", "Keyframe interval"],
    ["videoBitrate", "Video bitrate"],
    ["audioBitrate", "Audio bitrate"],
    ["videoCodec", "Video"],
    ["audio", "Audio"],
    ["viewers", "Viewers"],
  ];
  // The performer's checklist: what to fix first, each from the ingest's measurements and warning
  // codes; the warnings' messages carry the OBS setting that fixes them. Other warnings stay a list.
  const WAITING = "waiting for OBS…";
  const CHECKS = [
    { key: "keyframes", label: "Keyframe interval 1–2 s", codes: ["keyframe-interval-long", "segments-cut-without-keyframe"] },
    { key: "bitrate", label: "Bitrate viewers' connections carry", codes: ["bitrate-high"] },
    { key: "audio", label: "Audio present", codes: ["no-audio"] },
    { key: "framerate", label: "Frame rate steady", codes: ["frame-rate-low", "frames-dropped"] },
  ];
  const CHECKED_CODES = new Set(CHECKS.flatMap((check) => check.codes));
  const CHECK_STATUS = { ok: "OK", fix: "Fix", waiting: WAITING };
  // Transcoded renditions (status.json `renditions`, after the source): one line each.
  const RENDITION_STATES = {
    waiting: "waiting for a transcoder slot",
    starting: "starting",
    running: "running",
    restarting: "restarting",
    dropped: "dropped",
  };
  const REAL_TIME = { true: "keeps up with real time", false: "falling behind real time" };
  const H264_PROFILES = { 66: "Baseline", 77: "Main", 88: "Extended", 100: "High" };
  const AAC_TYPES = { 2: "AAC-LC", 5: "HE-AAC", 29: "HE-AAC v2" };

  const pageUrl = new URL(location.href);
  const statusUrl = new URL("status.json", pageUrl);
  const baseUrl = new URL(".", pageUrl).href;
  const list = document.getElementById("streams");
  // Streams with recordings keep a card (and their recordings) while they are not live.
  const recorded = (list.dataset.recorded || "").split(" ").filter(Boolean);
  const notice = document.getElementById("notice");
  /** name -> card */
  const cards = new Map();
  let timer = 0;
  let running = false;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function createCard(name) {
    const root = el("section", "card");
    root.dataset.stream = name;
    const head = el("header", "card-head");
    const badge = el("span", "badge");
    const since = el("span", "since");
    head.append(el("h2", "", name), badge, since);
    const hint = el("p", "hint");
    const checklist = createChecklist();
    const warnings = el("ul", "warnings");
    warnings.setAttribute("aria-live", "polite");
    const player = el("div", "player");
    const stats = el("dl", "stats");
    const fields = {};
    for (const [key, label] of STATS) {
      const value = el("dd");
      value.dataset.stat = key;
      stats.append(el("dt", "", label), value);
      fields[key] = value;
    }
    const link = el("a");
    const playlist = el("p", "playlist", "Playlist for VLC or ffplay: ");
    playlist.append(link);
    const note = el("p", "note", "This preview counts as a viewer while it plays.");
    const renditions = el("div", "renditions");
    const renditionList = el("ul");
    renditions.append(el("h3", "", "Renditions for weak connections"), renditionList);
    renditions.hidden = true;
    const side = el("div");
    side.append(stats, renditions, note, playlist);
    const body = el("div", "card-body");
    body.append(player, side);
    const recordings = el("section", "recordings");
    const recordingList = el("ul", "recording-list");
    const replay = el("div", "player replay");
    replay.hidden = true;
    recordings.append(el("h3", "", "Recordings"), recordingList, replay);
    root.append(head, hint, checklist.root, warnings, body, recordings);
    return {
      name, root, badge, since, hint, checklist, warnings, warningText: null, player, fields, link, handle: null,
      renditions, renditionList, renditionText: null,
      recordingList, replay, replayHandle: null, recordingsAt: 0, recordingsKey: null, lastState: null,
    };
  }

  function createChecklist() {
    const root = el("div", "checklist");
    const list = el("ul");
    const items = {};
    for (const check of CHECKS) {
      const item = el("li", "check");
      item.dataset.check = check.key;
      item.dataset.status = "waiting";
      const mark = el("span", "check-mark");
      mark.setAttribute("aria-hidden", "true");
      const label = el("span", "check-label", check.label);
      const value = el("span", "check-value");
      const status = el("span", "check-status", WAITING);
      const fix = el("p", "check-fix");
      fix.hidden = true;
      item.append(mark, label, value, status, fix);
      list.append(item);
      items[check.key] = { item, value, status, fix };
    }
    root.append(el("h3", "", "Checklist"), list);
    return { root, items };
  }

  /** What each check shows: measured value, status, and the fix (the warnings' messages). */
  function evaluateChecks(state, status) {
    const video = status.video || null;
    const audio = status.audio || null;
    const warnings = Array.isArray(status.warnings) ? status.warnings : [];
    const measuring = state !== "offline" && (video !== null || audio !== null);
    const values = {
      keyframes: video && isNumber(video.keyframeIntervalS) ? `${video.keyframeIntervalS.toFixed(1)} s` : "",
      bitrate: video && isNumber(video.bitrateKbps) ? kbps(video.bitrateKbps + (audio && isNumber(audio.bitrateKbps) ? audio.bitrateKbps : 0)) : "",
      audio: audio ? audioText(audio) : measuring ? "none" : "",
      framerate: video && isNumber(video.fps) ? framerateText(video) : "",
    };
    const result = {};
    for (const check of CHECKS) {
      const messages = warnings.filter((w) => w && check.codes.includes(w.code)).map((w) => String(w.message));
      const value = measuring ? values[check.key] : "";
      const status = !measuring ? "waiting" : messages.length > 0 ? "fix" : value ? "ok" : "waiting";
      result[check.key] = { status, value, fix: status === "fix" ? messages.join(" ") : "" };
    }
    return result;
  }

  function renderChecklist(checklist, results) {
    for (const check of CHECKS) {
      const { item, value, status, fix } = checklist.items[check.key];
      const next = results ? results[check.key] : { status: "waiting", value: "", fix: "" };
      item.dataset.status = next.status;
      setText(value, next.value);
      setText(status, CHECK_STATUS[next.status]);
      setText(fix, next.fix);
      fix.hidden = next.fix === "";
    }
  }

  // Unchanged text is left alone: no needless DOM churn every 3 s.
  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  function framerateText(video) {
    const fps = `${round(video.fps, 1)} fps`;
    return isNumber(video.droppedFrames) && video.droppedFrames > 0 ? `${fps}, ${video.droppedFrames} dropped` : fps;
  }

  function render(live) {
    const known = new Set(live.map((s) => s && s.name));
    const idle = recorded.filter((name) => !known.has(name)).map((name) => ({ name, state: "idle", live: false, warnings: [], playlist: `${name}/index.m3u8` }));
    const streams = [...live, ...idle];
    const seen = new Set();
    for (const status of streams) {
      if (!status || typeof status.name !== "string") continue;
      seen.add(status.name);
      let card = cards.get(status.name);
      if (!card) {
        card = createCard(status.name);
        cards.set(status.name, card);
        insertSorted(card);
      }
      update(card, status);
    }
    for (const [name, card] of cards) {
      if (seen.has(name)) continue;
      unmount(card);
      closeReplay(card);
      card.root.remove();
      cards.delete(name);
    }
    if (cards.size === 0) {
      if (!list.querySelector(":scope > .empty .checklist")) {
        // Before going live: what the page will check once OBS is streaming.
        const empty = el("div", "empty");
        const checklist = createChecklist();
        renderChecklist(checklist, null);
        empty.append(el("p", "", "No stream yet. Start streaming in OBS: your stream shows up here within a few seconds."), checklist.root);
        list.replaceChildren(empty);
      }
    } else {
      for (const stale of list.querySelectorAll(":scope > .empty")) stale.remove();
    }
  }

  // Cards are never moved once placed: moving a playing <video> in the DOM may pause it.
  function insertSorted(card) {
    const after = [...cards.values()].filter((c) => c !== card && c.root.isConnected && c.name > card.name);
    const next = after.sort((a, b) => (a.name < b.name ? -1 : 1))[0];
    list.insertBefore(card.root, next ? next.root : null);
  }

  function update(card, status) {
    const state = STATES[status.state] ? status.state : status.live ? "live" : "offline";
    card.root.dataset.state = state;
    card.badge.dataset.state = state;
    card.badge.textContent = STATES[state].badge;
    card.since.textContent = startedText(state, status.startedAt);
    card.hint.textContent = STATES[state].hint;
    card.hint.hidden = STATES[state].hint === "";

    renderChecklist(card.checklist, evaluateChecks(state, status));
    const messages = Array.isArray(status.warnings)
      ? status.warnings.filter((w) => !(w && CHECKED_CODES.has(w.code))).map((w) => String(w && w.message))
      : [];
    const warningText = messages.join("\n");
    if (warningText !== card.warningText) {
      card.warningText = warningText;
      card.warnings.replaceChildren(...messages.map((m) => el("li", "", m)));
    }

    const video = status.video || {};
    const audio = status.audio;
    const f = card.fields;
    f.resolution.textContent = video.width && video.height ? `${video.width}×${video.height}` : "—";
    f.fps.textContent = isNumber(video.fps) ? `${round(video.fps, 1)} fps` : "—";
    f.keyframes.textContent = isNumber(video.keyframeIntervalS) ? `${video.keyframeIntervalS.toFixed(1)} s` : "—";
    f.videoBitrate.textContent = kbps(video.bitrateKbps);
    f.audioBitrate.textContent = kbps(audio && audio.bitrateKbps);
    f.videoCodec.textContent = typeof video.codec === "string" ? videoCodecText(video.codec) : "—";
    f.audio.textContent = audio ? audioText(audio) : "—";
    f.viewers.textContent = isNumber(status.viewers) ? String(status.viewers) : "—";
    renderRenditions(card, Array.isArray(status.renditions) ? status.renditions.filter((r) => r && r.state !== "source") : []);

    const playlist = new URL(typeof status.playlist === "string" ? status.playlist : "", statusUrl);
    if (playlist.origin === statusUrl.origin) {
      card.link.href = playlist.href;
      card.link.textContent = playlist.href;
    } else {
      card.link.removeAttribute("href");
      card.link.textContent = "—";
    }

    if (state === "live" || state === "reconnecting") mount(card);
    else unmount(card);

    // A show that ends becomes a recording: look again at once, else every 30 s.
    if (state !== card.lastState || Date.now() - card.recordingsAt > RECORDINGS_REFRESH_MS) {
      card.lastState = state;
      card.recordingsAt = Date.now();
      refreshRecordings(card);
    }
  }

  async function refreshRecordings(card) {
    const url = new URL(`${encodeURIComponent(card.name)}/recordings.json`, pageUrl);
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = await response.json();
      renderRecordings(card, url, Array.isArray(body && body.recordings) ? body.recordings : []);
    } catch {
      // the next refresh tries again; the live preview does not depend on it
    }
  }

  function renderRecordings(card, listUrl, recordings) {
    const shown = recordings.filter((r) => r && typeof r.id === "string" && typeof r.playlist === "string").slice(0, MAX_RECORDINGS);
    const key = JSON.stringify(shown.map((r) => [r.id, r.endedAt, r.durationS]));
    if (key === card.recordingsKey) return;
    card.recordingsKey = key;
    if (shown.length === 0) {
      card.recordingList.replaceChildren(el("li", "empty", "No recordings of this stream yet."));
      return;
    }
    card.recordingList.replaceChildren(
      ...shown.map((r) => {
        const item = el("li");
        item.dataset.recording = r.id;
        const at = new Date(r.startedAt);
        const when = Number.isNaN(at.getTime()) ? r.id : at.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
        item.append(el("span", "when", when), el("span", "length", lengthText(r.durationS)));
        if (r.live === true) {
          item.append(el("span", "recording-now", "recording now"));
        } else {
          const play = el("button", "play-recording", "Play");
          play.type = "button";
          play.addEventListener("click", () => openReplay(card, new URL(r.playlist, listUrl).href));
          item.append(play);
          if (typeof r.download === "string") {
            const download = el("a", "download", "Download MP4");
            download.href = new URL(r.download, listUrl).href;
            download.setAttribute("download", "");
            item.append(download);
          }
        }
        return item;
      }),
    );
  }

  function openReplay(card, playlistUrl) {
    closeReplay(card);
    const api = window.LiveShowsPlayer;
    if (!api || typeof api.mountReplay !== "function") {
      card.replay.hidden = false;
      card.replay.textContent = "The player did not load, so the recording cannot be played here.";
      return;
    }
    card.replay.hidden = false;
    card.replay.classList.add("mounted");
    card.replayHandle = api.mountReplay(card.replay, { playlistUrl, autoplay: true });
  }

  function closeReplay(card) {
    if (card.replayHandle) card.replayHandle.destroy();
    card.replayHandle = null;
    card.replay.classList.remove("mounted");
    card.replay.replaceChildren();
    card.replay.hidden = true;
  }

  function lengthText(seconds) {
    if (!isNumber(seconds)) return "";
    const s = Math.round(seconds);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const sec = String(s % 60).padStart(2, "0");
    return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
  }

  function mount(card) {
    if (card.handle) return;
    const api = window.LiveShowsPlayer;
    if (!api) {
      card.player.textContent = "The player did not load, so the picture cannot be shown here.";
      return;
    }
    card.player.replaceChildren();
    card.player.classList.add("mounted");
    try {
      card.handle = api.mount(card.player, {
        baseUrl,
        stream: card.name,
        autoplay: true,
        lowLatency: true,
        showViewers: false,
        onStateChange: (state) => (card.root.dataset.player = state),
      });
    } catch (error) {
      card.player.classList.remove("mounted");
      card.player.textContent = `The player failed to start: ${error && error.message ? error.message : error}`;
    }
  }

  function unmount(card) {
    if (card.handle) {
      card.handle.destroy();
      card.handle = null;
      delete card.root.dataset.player;
    }
    card.player.classList.remove("mounted");
    card.player.replaceChildren();
  }

  function renderRenditions(card, renditions) {
    const lines = renditions.map(renditionText);
    const text = lines.join("\n");
    if (text === card.renditionText) return;
    card.renditionText = text;
    card.renditions.hidden = lines.length === 0;
    card.renditionList.replaceChildren(
      ...lines.map((line, i) => {
        const item = el("li", "", line);
        item.dataset.state = String(renditions[i].state);
        return item;
      }),
    );
  }

  function renditionText(r) {
    const size = isNumber(r.width) && isNumber(r.height) ? `${r.width}×${r.height}` : "—";
    const state = RENDITION_STATES[r.state] || String(r.state);
    const parts = [`${String(r.name)}: ${size}, ${kbps(r.bitrateKbps)}, ${state}`];
    if (r.state === "running" && typeof r.realTime === "boolean") parts.push(REAL_TIME[r.realTime]);
    if (r.state !== "running" && typeof r.reason === "string") parts.push(r.reason);
    return parts.join(" — ");
  }

  function startedText(state, startedAt) {
    const at = typeof startedAt === "string" ? new Date(startedAt) : null;
    if (!at || Number.isNaN(at.getTime())) return "";
    const time = at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    return state === "ended" ? `started ${time}` : `since ${time}`;
  }

  function kbps(value) {
    return isNumber(value) ? `${Math.round(value)} kbps` : "—";
  }

  // "avc1.64001f" -> "H.264 High (avc1.64001f)": the names OBS's encoder settings use.
  function videoCodecText(codec) {
    const avc = /^avc[13]\.([0-9a-f]{2})/i.exec(codec);
    const profile = avc && H264_PROFILES[parseInt(avc[1], 16)];
    return avc ? `H.264${profile ? ` ${profile}` : ""} (${codec})` : codec;
  }

  function audioText(audio) {
    const parts = [];
    if (typeof audio.codec === "string") {
      const aac = /^mp4a\.40\.(\d+)$/.exec(audio.codec);
      parts.push((aac && AAC_TYPES[aac[1]]) || audio.codec);
    }
    if (isNumber(audio.sampleRate)) parts.push(`${round(audio.sampleRate / 1000, 1)} kHz`);
    if (isNumber(audio.channels)) parts.push(audio.channels === 1 ? "mono" : audio.channels === 2 ? "stereo" : `${audio.channels} channels`);
    return parts.join(", ") || "—";
  }

  function isNumber(value) {
    return typeof value === "number" && Number.isFinite(value);
  }

  function round(value, digits) {
    const scale = 10 ** digits;
    return Math.round(value * scale) / scale;
  }

  function showNotice(text) {
    notice.textContent = text;
    notice.hidden = text === "";
  }

  async function refresh() {
    if (running) return;
    running = true;
    clearTimeout(timer);
    const abort = new AbortController();
    const deadline = setTimeout(() => abort.abort(), TIMEOUT_MS);
    try {
      const response = await fetch(statusUrl, { credentials: "same-origin", signal: abort.signal });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = await response.json();
      render(Array.isArray(body && body.streams) ? body.streams : []);
      showNotice("");
    } catch (error) {
      const reason = abort.signal.aborted ? "no answer" : error && error.message ? error.message : "unreachable";
      showNotice(`Can't reach the server (${reason}). Retrying…`);
    } finally {
      clearTimeout(deadline);
      running = false;
      timer = setTimeout(refresh, document.hidden ? HIDDEN_REFRESH_MS : REFRESH_MS);
    }
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) refresh();
  });
  refresh();
})();
