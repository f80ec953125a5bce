// Follows the fleet with one long-poll (GET /api/v1/watch?since=REV&wait=25): the coordinator
// holds it until anything changes, and the page showing then re-reads what it shows. Re-reads
// are spaced (at most one per `minGapMs`) so that a busy fleet cannot make the console read the
// whole list in a loop; a slow timer (a minute) also refreshes what changes without a store
// write (liveness, "3 min ago").
import { api } from './api.js';

const WAIT_S = 25;

export class Watch {
  constructor(onChange, { minGapMs = 1000, refreshMs = 60000 } = {}) {
    this.onChange = onChange;
    this.minGapMs = minGapMs;
    this.refreshMs = refreshMs;
    this.revision = 0;
    this.running = false;
    this.pending = null;
    this.lastRun = 0;
    this.busy = false;
    this.again = false;
    this.abort = null;
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.timer = setInterval(() => this.fire(), this.refreshMs);
    this.loop();
  }

  stop() {
    this.running = false;
    clearInterval(this.timer);
    clearTimeout(this.pending);
    if (this.abort) this.abort.abort();
  }

  async loop() {
    let failures = 0;
    while (this.running) {
      try {
        const r = await api('GET', `/api/v1/watch?since=${this.revision}&wait=${WAIT_S}`,
          undefined, { signal: this.abort.signal });
        failures = 0;
        if (r.revision !== this.revision) {
          // The first answer only learns the revision: the page was read when it was shown.
          const first = this.revision === 0;
          this.revision = r.revision;
          if (!first) this.fire();
        }
        this.status(`live · revision ${r.revision}`);
      } catch (e) {
        if (!this.running || e.status === 401) return;
        failures += 1;
        this.status('reconnecting…');
        await new Promise((ok) => { setTimeout(ok, Math.min(30000, 1000 * 2 ** failures)); });
      }
    }
  }

  status(text) {
    const live = document.getElementById('live');
    if (live && live.textContent !== text) live.textContent = text;
  }

  // Runs onChange now, or once the gap since the last run has passed; never two at once: a
  // change during a run runs it once more when it ends.
  fire() {
    if (this.busy) {
      this.again = true;
      return;
    }
    if (this.pending) return;
    const wait = Math.max(0, this.lastRun + this.minGapMs - Date.now());
    this.pending = setTimeout(async () => {
      this.pending = null;
      this.busy = true;
      this.again = false;
      this.lastRun = Date.now();
      try {
        await this.onChange();
      } catch (e) {
        if (e.status !== 401) this.status(`cannot refresh: ${e.message}`);
      } finally {
        this.busy = false;
        if (this.again) this.fire();
      }
    }, wait);
  }
}
