// live.js: a console's one connection to the live event stream
// (GET /api/v1/events, server-sent events).
//
// The server sends a "snapshot" first, then named events ("agent.state",
// "call.bridged", …) each with an id. EventSource reconnects by itself and
// sends Last-Event-ID, so the server can replay what was missed or send a
// fresh snapshot; pages must treat a snapshot as "replace everything".
//
// Nothing here polls or runs on timers: browsers throttle timers in hidden
// tabs, but they keep delivering an open stream's events.

export class Live {
  /**
   * @param {string} url the event stream
   * @param {(status: "connecting"|"open"|"reconnecting"|"closed") => void} [onStatus]
   */
  constructor(url, onStatus) {
    this.url = url;
    this.onStatus = onStatus || (() => {});
    this.handlers = new Map();
    this.offsetMs = 0;
    this.source = null;
  }

  /** on registers fn for events named name; call it before start. */
  on(name, fn) {
    if (!this.handlers.has(name)) this.handlers.set(name, []);
    this.handlers.get(name).push(fn);
    return this;
  }

  /** start opens the stream. */
  start() {
    const es = new EventSource(this.url);
    this.source = es;
    this.onStatus("connecting");
    es.addEventListener("open", () => this.onStatus("open"));
    // CONNECTING after an error: EventSource is retrying on its own.
    // CLOSED: the server refused (signed out, forbidden); only a reload helps.
    es.addEventListener("error", () =>
      this.onStatus(es.readyState === EventSource.CLOSED ? "closed" : "reconnecting"));
    for (const name of this.handlers.keys()) {
      es.addEventListener(name, (ev) => this.dispatch(name, ev));
    }
  }

  dispatch(name, ev) {
    let data;
    try {
      data = JSON.parse(ev.data);
    } catch (err) {
      console.warn("live: event", name, "is not JSON", err);
      return;
    }
    if (name === "snapshot" && data && data.server_time) {
      // Counters are computed from server timestamps; this corrects for a
      // browser clock that is off.
      this.offsetMs = Date.parse(data.server_time) - Date.now();
    }
    for (const fn of this.handlers.get(name) || []) {
      try {
        fn(data, ev);
      } catch (err) {
        console.error("live: handler of", name, err);
      }
    }
  }

  /** now is the server's clock as best known, in ms since the epoch. */
  now() {
    return Date.now() + this.offsetMs;
  }

  close() {
    if (this.source) this.source.close();
  }
}
