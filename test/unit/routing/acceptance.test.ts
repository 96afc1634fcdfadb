import assert from "node:assert/strict";
import { test } from "node:test";
import type { Feedback } from "../../../src/core/collab/api/api-collab";
import { ApiCollab } from "../../../src/core/collab/api/api-collab";
import { AcceptanceTracker, keptFraction } from "../../../src/core/completion/acceptance";

void test("keptFraction: all, some, none of an accepted completion still in the document", () => {
  const doc = "const total = items.reduce((a, b) => a + b, 0);\n";
  const at = "const total = ".length;
  assert.equal(keptFraction("items.reduce((a, b) => a + b, 0);", doc, at), 1);
  const edited = "const total = items.length;\n";
  const f = keptFraction("items.reduce((a, b) => a + b, 0);", edited, at);
  assert.ok(f > 0.1 && f < 0.6, `partly kept: ${f}`);
  assert.ok(keptFraction("items.reduce((a, b) => a + b, 0);", "const total = 0;\n", at) < 0.3);
});

void test("tracker: typing on past an offer rejects it, typing it out is not a rejection, Tab accepts and later reports what was kept", () => {
  const got: [string, Feedback][] = [];
  let fire: (() => void) | undefined;
  let now = 0;
  const t = new AcceptanceTracker({
    onFeedback: (id, fb) => got.push([id, fb]),
    setTimer: (fn) => ((fire = fn), { dispose() {} }),
    now: () => now,
    minSeenMs: 1000,
  });
  t.offered("ed", "d0", "x = ", "compute();");
  now = 300;
  t.nextRequest("ed", "x = foo"); // typed past it at once: hardly seen, no verdict
  assert.equal(got.length, 0);
  t.offered("ed", "d1", "x = ", "compute();");
  now = 2000;
  t.nextRequest("ed", "x = comp"); // typing the suggestion out
  assert.equal(got.length, 0);
  t.nextRequest("ed", "x = foo"); // typed something else
  assert.deepEqual(got.slice(), [["d1", { kind: "rejected" }]]);
  t.offered("ed", "d2", "y = ", "42;");
  t.accepted("ed", "d2", "42;", 4, () => "y = 4;\n");
  assert.deepEqual(got[1], ["d2", { kind: "accepted" }]);
  fire?.();
  const kept = got[2];
  assert.equal(kept?.[0], "d2");
  assert.equal(kept?.[1].kind, "kept");
  assert.ok(kept?.[1].kind === "kept" && kept[1].fraction > 0.3 && kept[1].fraction < 0.7);
});

void test("a completion accepted then mostly deleted teaches the router less than one that was kept", () => {
  const req = { text: "const total = ", surface: "completion" as const, cursor: { atLineEnd: true, multiline: false, prefixChars: 14, suffixChars: 1 } };
  const run = (fraction: number): number => {
    const c = new ApiCollab(undefined);
    const s = c.router.score(req);
    const id = c.remember({ kind: "route", features: s.features, prior: s.prior, served: "cheap" });
    c.feedback(id, { kind: "accepted" });
    c.feedback(id, { kind: "kept", fraction });
    return c.router.score(req).p;
  };
  assert.ok(run(0.05) > run(1) + 0.01, "deleting the accepted text pushes towards the strong model");
});
