// Builds the player page: page/app.js bundled with its imports into one minified ES module,
// page/sw.js into one minified worker script, and page/index.html as it is, written to
// ../src/main/resources/io/loudp2p/examples/web/ (where a loudp2p peer serves them from), or to
// the folder given as the first argument. The output depends only on the sources: no
// timestamps, no absolute paths, so a rebuild gives the same bytes (test/page-bundle.test.js
// holds the committed files to that).
import { existsSync } from "node:fs";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_OUT = resolve(root, "../src/main/resources/io/loudp2p/examples/web");
/** The files a build writes, in the order written. */
export const OUTPUTS = ["index.html", "app.js", "sw.js"];

/**
 * Until src/session.js exists, the page is built with a stand-in that refuses to play, so that
 * the rest of the page can be built and served; the bundle test then says the build is stale
 * once the real session is there.
 * @type {esbuild.Plugin}
 */
function sessionModule(replacement) {
  return {
    name: "session-module",
    setup(build) {
      build.onResolve({ filter: /\/session\.js$/ }, (args) => {
        const path = resolve(args.resolveDir, args.path);
        if (path !== join(root, "src/session.js")) return undefined;
        if (replacement) return { path: resolve(replacement) };
        return existsSync(path) ? undefined : { path: join(root, "page/session-unavailable.js") };
      });
    },
  };
}

/**
 * @param {string} [out] the folder to write to
 * @param {{session?: string}} [options] `session`: a module to build in place of src/session.js
 *   (the browser test's fake swarm)
 * @returns {Promise<string[]>} the paths written
 */
export async function build(out = DEFAULT_OUT, { session } = {}) {
  await mkdir(out, { recursive: true });
  const common = {
    absWorkingDir: root,
    bundle: true,
    minify: true,
    write: false,
    charset: "utf8",
    legalComments: "none",
    target: ["es2022"],
    platform: "browser",
    logLevel: "warning",
    plugins: [sessionModule(session)],
  };
  const app = await esbuild.build({ ...common, entryPoints: ["page/app.js"], format: "esm" });
  const sw = await esbuild.build({ ...common, entryPoints: ["page/sw.js"], format: "iife" });
  await writeFile(join(out, "app.js"), app.outputFiles[0].contents);
  await writeFile(join(out, "sw.js"), sw.outputFiles[0].contents);
  await copyFile(join(root, "page/index.html"), join(out, "index.html"));
  return OUTPUTS.map((name) => join(out, name));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const written = await build(process.argv[2] ? resolve(process.argv[2]) : DEFAULT_OUT);
  for (const path of written) console.log(path);
}
