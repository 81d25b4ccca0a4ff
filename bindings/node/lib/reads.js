'use strict';

// What `get` returned, per session id, for the save (or touch) that ends
// the same request. express-session reads a session with get and writes it
// with set (or touch) in the same process, but hands set a copy of the
// object get returned, so the read cannot travel with the object: it is
// kept here, briefly. A versioned save needs it as its base: the version
// and the JSON text exactly as read.
//
// Several requests of one user may be in flight at once, each with its own
// read; set gets only (sid, session). The read whose top-level keys differ
// least from the session being saved is that request's (a request changes
// a few keys of what it read; reads of other versions differ by others'
// changes too); on a tie, the oldest, since a base older than the truth
// can only re-apply a change, while a newer one would undo another
// request's. Each read is used once. Reads are dropped after `maxAgeMs`
// (a request that takes longer saves as if it had not read: see store.js)
// and the oldest first beyond `maxEntries`, so memory stays bounded.

const MAX_ENTRIES = 10000;
const MAX_AGE_MS = 60 * 1000;

class RecentReads {
  #bySid = new Map(); // sid -> [{json, version, expires, keys, at}], oldest first
  #count = 0;
  #maxEntries;
  #maxAgeMs;
  #now;

  constructor({ maxEntries = MAX_ENTRIES, maxAgeMs = MAX_AGE_MS, now = Date.now } = {}) {
    this.#maxEntries = maxEntries;
    this.#maxAgeMs = maxAgeMs;
    this.#now = now;
  }

  get size() {
    return this.#count;
  }

  // Keeps what get returned: the JSON text (`session` parsed from it), its
  // version and expiry. The session's top-level values, which pick a read
  // when a session has several, are taken from the text only then: most
  // sessions have one read in flight, and get should not pay for it.
  remember(sid, json, version, expires, session) {
    if (session === null || typeof session !== 'object') return;
    let reads = this.#bySid.get(sid);
    if (reads === undefined) {
      reads = [];
    } else {
      this.#bySid.delete(sid); // re-inserted last: the map stays oldest-first
    }
    this.#bySid.set(sid, reads);
    reads.push({ json, version, expires, keys: null, at: this.#now() });
    this.#count += 1;
    while (this.#count > this.#maxEntries) this.#evictOldest();
  }

  // The read `session` came from, removed; null when none is known.
  take(sid, session) {
    const reads = this.#bySid.get(sid);
    if (reads === undefined) return null;
    const limit = this.#now() - this.#maxAgeMs;
    while (reads.length > 0 && reads[0].at < limit) {
      reads.shift();
      this.#count -= 1;
    }
    let best = reads.length > 0 ? 0 : -1;
    if (reads.length > 1) {
      let bestDistance = Infinity;
      const keys = topLevel(session) ?? new Map();
      reads.forEach((read, index) => {
        // The text parses: get parsed it before remembering it.
        read.keys ??= topLevel(JSON.parse(read.json));
        const d = distance(read.keys, keys);
        if (d < bestDistance) {
          best = index;
          bestDistance = d;
        }
      });
    }
    const [chosen] = best >= 0 ? reads.splice(best, 1) : [null];
    if (chosen) this.#count -= 1;
    if (reads.length === 0) this.#bySid.delete(sid);
    return chosen;
  }

  #evictOldest() {
    const [sid, reads] = this.#bySid.entries().next().value;
    reads.shift();
    this.#count -= 1;
    if (reads.length === 0) this.#bySid.delete(sid);
  }
}

// key -> JSON text of each top-level value; null for a non-object.
function topLevel(session) {
  if (session === null || typeof session !== 'object') return null;
  const keys = new Map();
  for (const [key, value] of Object.entries(session)) {
    const text = JSON.stringify(value);
    if (text !== undefined) keys.set(key, text);
  }
  return keys;
}

// How many top-level keys differ (added, removed or changed).
function distance(a, b) {
  let d = 0;
  for (const [key, text] of a) if (b.get(key) !== text) d += 1;
  for (const key of b.keys()) if (!a.has(key)) d += 1;
  return d;
}

module.exports = { RecentReads, MAX_ENTRIES, MAX_AGE_MS };
