// Runs in the benchmark page (plain browser JS, also loaded in Node by clock-check.ts).
// Mounts the player, decodes the clock barcode of every presented frame, records latency.
(function (global) {
  "use strict";
  var COLS = 16, ROWS = 4, BLOCK = 40, WIDTH = 640, HEIGHT = 360;

  function crc16(hi, lo) {
    // hi: top 16 bits, lo: low 32 bits of the 48-bit value
    var bytes = [(hi >>> 8) & 255, hi & 255, (lo >>> 24) & 255, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255];
    var crc = 0xffff;
    for (var k = 0; k < 6; k++) {
      crc ^= bytes[k] << 8;
      for (var b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    return crc;
  }

  /** rgba: pixels of the whole frame scaled to width x height. Returns the clock (ms) or null. */
  function decodeClockBarcode(rgba, width, height) {
    var sx = width / WIDTH, sy = height / HEIGHT;
    var bits = [];
    for (var i = 0; i < COLS * ROWS; i++) {
      var cx = ((i % COLS) + 0.5) * BLOCK * sx, cy = (Math.floor(i / COLS) + 0.5) * BLOCK * sy;
      var r = Math.max(1, Math.floor(BLOCK * sx * 0.2)), sum = 0, n = 0;
      for (var y = Math.floor(cy - r); y <= Math.floor(cy + r); y++) {
        for (var x = Math.floor(cx - r); x <= Math.floor(cx + r); x++) {
          var o = (y * width + x) * 4;
          sum += (rgba[o] + rgba[o + 1] + rgba[o + 2]) / 3;
          n++;
        }
      }
      bits.push(sum / n > 128 ? 1 : 0);
    }
    var hi = 0, lo = 0, crc = 0;
    for (var j = 0; j < 16; j++) hi = hi * 2 + bits[j];
    for (var k = 16; k < 48; k++) lo = lo * 2 + bits[k];
    for (var m = 48; m < 64; m++) crc = crc * 2 + bits[m];
    if (crc16(hi, lo >>> 0) !== crc) return null;
    return hi * 4294967296 + lo;
  }

  function mountStockVideoJs(element, options) {
    // Fallback for comparing against stock video.js 8 + VHS (no bundle fixes).
    var v = document.createElement("video-js");
    v.className = "vjs-default-skin";
    v.setAttribute("muted", "");
    element.appendChild(v);
    var player = global.videojs(v, { autoplay: "muted", muted: true, liveui: true, html5: { vhs: { llhls: true } } });
    // A pinned rendition (--quality) is its own media playlist; otherwise VHS picks from index.m3u8.
    var path = options.quality ? options.stream + "/" + options.quality : options.stream;
    player.src({ src: options.baseUrl + "/" + path + "/index.m3u8", type: "application/x-mpegURL" });
    return { destroy: function () { player.dispose(); } };
  }

  function start(options) {
    var s = {
      mountAt: performance.now(), firstFrameAt: null, latencies: [], bufferAhead: [], badFrames: 0, callbacks: 0,
      waitingBeforeFirst: 0, stalls: 0, stallMs: 0, stallStart: null, missedCallbacks: 0, lastPresented: null,
      errors: [], video: null,
    };
    global.__benchState = s;
    // The bundle's quality menu remembers a viewer's choice in sessionStorage: pin the rendition the same way.
    if (options.quality) global.sessionStorage.setItem("live-shows-player:quality", options.quality);
    var canvas = document.createElement("canvas");
    canvas.width = 160;
    canvas.height = 90;
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    var element = document.getElementById("player");
    var mountOptions = {
      baseUrl: options.baseUrl, stream: options.stream, autoplay: true, lowLatency: true, showViewers: false,
      onStateChange: function () {},
    };
    global.__benchPlayer = global.LiveShowsPlayer
      ? global.LiveShowsPlayer.mount(element, mountOptions)
      : mountStockVideoJs(element, mountOptions);

    function onFrame(now, meta) {
      s.callbacks++;
      if (s.lastPresented !== null && meta.presentedFrames > s.lastPresented + 1) {
        s.missedCallbacks += meta.presentedFrames - s.lastPresented - 1;
      }
      s.lastPresented = meta.presentedFrames;
      if (s.firstFrameAt === null) s.firstFrameAt = now;
      ctx.drawImage(s.video, 0, 0, 160, 90);
      var clock = decodeClockBarcode(ctx.getImageData(0, 0, 160, 90).data, 160, 90);
      if (clock === null) s.badFrames++;
      else s.latencies.push(performance.timeOrigin + now - clock);
      // Media buffered ahead of the playhead: the part of the latency the player itself holds back.
      var b = s.video.buffered;
      if (b.length) s.bufferAhead.push((b.end(b.length - 1) - s.video.currentTime) * 1000);
      s.video.requestVideoFrameCallback(onFrame);
    }
    function attach(video) {
      s.video = video;
      video.muted = true;
      video.addEventListener("waiting", function () {
        if (s.firstFrameAt === null) { s.waitingBeforeFirst++; return; }
        s.stalls++;
        s.stallStart = performance.now();
      });
      video.addEventListener("playing", function () {
        if (s.stallStart !== null) s.stallMs += performance.now() - s.stallStart;
        s.stallStart = null;
      });
      video.addEventListener("error", function () { s.errors.push(String(video.error && video.error.message)); });
      video.requestVideoFrameCallback(onFrame);
    }
    var poll = setInterval(function () {
      var video = element.querySelector("video");
      if (video && video !== s.video) attach(video);
    }, 50);
    s.stopPolling = function () { clearInterval(poll); };
  }

  function results() {
    var s = global.__benchState;
    s.stopPolling();
    var q = s.video && s.video.getVideoPlaybackQuality ? s.video.getVideoPlaybackQuality() : null;
    return {
      timeToFirstFrameMs: s.firstFrameAt === null ? null : s.firstFrameAt - s.mountAt,
      latenciesMs: s.latencies, bufferAheadMs: s.bufferAhead, badFrames: s.badFrames, callbacks: s.callbacks, missedCallbacks: s.missedCallbacks,
      stalls: s.stalls, stallMs: s.stallMs, waitingBeforeFirstFrame: s.waitingBeforeFirst,
      framesDecoded: q ? q.totalVideoFrames : null, framesDropped: q ? q.droppedVideoFrames : null,
      errors: s.errors,
      videoHeight: s.video ? s.video.videoHeight : null,
      // The publisher stamps Date.now(); latencies use the page's monotonic clock: their offset, for the record.
      clockOffsetMs: Date.now() - (performance.timeOrigin + performance.now()),
    };
  }

  global.decodeClockBarcode = decodeClockBarcode;
  global.LatencyProbe = { start: start, results: results };
})(typeof window !== "undefined" ? window : globalThis);
