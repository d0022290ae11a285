// VHS's sync-workers build runs its transmuxer and decrypter in this thread: Discourse's CSP
// blocks the blob: Web Workers of the default build. It registers itself on the video.js that
// `video.js` resolves to (the core build, see vite.player.config.ts).
import "@videojs/http-streaming/dist/videojs-http-streaming-sync-workers.js";
