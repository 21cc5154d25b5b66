// Preloaded (node -r) into Learning Locker's statements service by tests that need its record ids to wrap on demand.
//
// Its in-memory repository gives each statement a UUID-v1 `_id`, sorts a query by (stored, _id) and follows `more`
// with `_id > cursor`, comparing ids as text. A v1 id starts with the low 32 bits of its clock (in 100 ns), so that
// text order wraps from ffffffff... to 00000000... every 2^32 x 100 ns: 7 min 9.5 s. Here the clock behind the ids
// runs fast instead: the n-th id made reads (n - LL_IDS_FIRST_WRAP) x (2^32 / LL_IDS_PER_WRAP) on it, so the id
// order wraps at the LL_IDS_FIRST_WRAP-th id and every LL_IDS_PER_WRAP ids after. Everything else is the service's
// own code (uuid's v1 still builds each id); only the instants it is given differ.
"use strict";

const path = require("path");

const uuid = require(require.resolve("uuid", { paths: [path.dirname(process.argv[1])] }));
const v1 = uuid.v1;
const CIRCLE = 2 ** 32; // 100 ns ticks before the low 32 bits wrap
const TICKS_PER_MS = 10000;
const GREGORIAN_MS = 12219292800000; // uuid's v1 adds this to the Unix milliseconds it is given
const MS_PER_CIRCLE = 2 ** 28; // CIRCLE / TICKS_PER_MS, in whole powers: 10000 = 16 x 625
const perWrap = Number(process.env.LL_IDS_PER_WRAP);
const firstWrap = Number(process.env.LL_IDS_FIRST_WRAP || 0);
const step = Math.floor(CIRCLE / perWrap);
// Unix milliseconds at which the low 32 bits of v1's clock read 0 (and whose Gregorian count is a whole circle).
const zero = Math.floor((Date.now() + GREGORIAN_MS) / MS_PER_CIRCLE) * MS_PER_CIRCLE - GREGORIAN_MS;
let made = 0;

uuid.v1 = function fastClockV1(options, buf, offset) {
  const low = (((made - firstWrap) * step) % CIRCLE + CIRCLE) % CIRCLE;
  made += 1;
  const at = { msecs: zero + Math.floor(low / TICKS_PER_MS), nsecs: low % TICKS_PER_MS };
  return v1(Object.assign({}, options, at), buf, offset);
};
