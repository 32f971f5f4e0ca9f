// The built page committed under examples/src/main/resources is what the sources build to:
// a rebuild into a temporary folder gives the same bytes, so a page changed without
// `npm run build` fails here. Also reports the page's size as served gzipped.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { build, DEFAULT_OUT, OUTPUTS } from "../scripts/build.js";

/** The most the page (all its files, gzipped) may weigh. */
const BUDGET_GZIP = 150 * 1024;

test("the committed page is the build of its sources", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "loudp2p-page-"));
  try {
    await build(dir);
    let gzipped = 0;
    for (const name of OUTPUTS) {
      const fresh = await readFile(join(dir, name));
      const committed = await readFile(join(DEFAULT_OUT, name)).catch(() => null);
      assert.ok(committed, `${name} is not built: run npm run build and commit the result`);
      assert.ok(fresh.equals(committed), `${name} is stale: run npm run build and commit the result`);
      const size = gzipSync(fresh, { level: 9 }).length;
      gzipped += size;
      t.diagnostic(`${name}: ${fresh.length} bytes, ${size} gzipped`);
    }
    t.diagnostic(`the page: ${gzipped} bytes gzipped (budget ${BUDGET_GZIP})`);
    assert.ok(gzipped < BUDGET_GZIP, `the page weighs ${gzipped} bytes gzipped, over ${BUDGET_GZIP}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a rebuild gives the same bytes", async () => {
  const a = await mkdtemp(join(tmpdir(), "loudp2p-page-"));
  const b = await mkdtemp(join(tmpdir(), "loudp2p-page-"));
  try {
    await build(a);
    await build(b);
    for (const name of OUTPUTS) {
      assert.ok((await readFile(join(a, name))).equals(await readFile(join(b, name))), name);
    }
  } finally {
    await rm(a, { recursive: true, force: true });
    await rm(b, { recursive: true, force: true });
  }
});
