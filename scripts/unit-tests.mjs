// `npm run test:unit [-- AREA…]`: every test/unit/**/*.test.ts (or those of the named areas) under node's test
// runner. Node 20's --test takes no globs, so the files are listed here.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith(".test.ts") ? [join(dir, e.name)] : [],
  );
}

const areas = process.argv.slice(2);
const files = testFiles("test/unit")
  .filter((f) => areas.length === 0 || areas.some((a) => f.startsWith(join("test/unit", a))))
  .sort();
if (files.length === 0) {
  console.error(`No unit tests found${areas.length ? ` for ${areas.join(", ")}` : ""}.`);
  process.exit(1);
}
// Two files at a time: the machine has two cores, and many tests run llama.cpp with one thread each.
const r = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", ...files], { stdio: "inherit" });
process.exit(r.status ?? 1);
