// Runs `loudp2p share` from the Java build's jar, serving gRPC-Web, for the interop test.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The CLI jar the examples module builds. */
export const JAR = join(dirname(fileURLToPath(import.meta.url)), "../../../target/loudp2p.jar");

/**
 * A class path to run the command line from instead of the jar (the Java build's tests set it, to
 * run this before the jar is packaged), or undefined.
 */
const CLASS_PATH = process.env.LOUDP2P_CLASS_PATH;

/** @returns {string | false} why the interop test cannot run here, or false when it can */
export function skipReason() {
  if (!CLASS_PATH && !existsSync(JAR)) {
    return `no ${JAR}: build it once with 'mvn -o -q -B -DskipTests package -pl examples -am'`
      + " at the repository root";
  }
  const java = spawnSync("java", ["-version"], { stdio: "ignore" });
  if (java.error || java.status !== 0) return "no 'java' on the PATH";
  return false;
}

/** @returns {Promise<number>} a port free on 127.0.0.1 a moment ago */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts `java -jar loudp2p.jar share DIR --identity ID --listen 127.0.0.1:0 --web 127.0.0.1:PORT`
 * and waits until it printed its peer ID, its gRPC-Web address and that it indexed its folder.
 * @param {{music: string, identity: string, timeoutMs?: number}} options
 * @returns {Promise<{peerId: string, webUrl: string, stop: () => Promise<void>, output: () => string}>}
 */
export async function startSharePeer({ music, identity, timeoutMs = 120_000 }) {
  const port = await freePort();
  const launch = CLASS_PATH ? ["-cp", CLASS_PATH, "io.loudp2p.examples.Main"] : ["-jar", JAR];
  const child = spawn("java", [
    ...launch, "share", music,
    "--identity", identity,
    "--listen", "127.0.0.1:0",
    "--web", `127.0.0.1:${port}`,
    "--rescan", "0",
    "--status", "0",
  ], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (d) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d) => (err += d));
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(killer);
  };
  // Should the test runner itself go down, take the JVM with it.
  const onExit = () => child.kill("SIGKILL");
  process.once("exit", onExit);
  exited.then(() => process.removeListener("exit", onExit));
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const peerId = /^peer {5}(\S+)$/m.exec(out)?.[1];
      const webUrl = /^web {6}(http:\/\/\S+?)\/? /m.exec(out)?.[1];
      if (peerId && webUrl && /^shares {3}/m.test(out)) {
        return { peerId, webUrl, stop, output: () => out + err };
      }
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`loudp2p share exited early:\n${out}${err}`);
      }
      if (Date.now() > deadline) throw new Error(`loudp2p share did not start in time:\n${out}${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (e) {
    await stop();
    throw e;
  }
}
