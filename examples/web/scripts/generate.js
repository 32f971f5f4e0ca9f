// Regenerates src/gen/ from the .proto files of the Java build with protoc-gen-es. The output is
// committed, so building or testing the client needs neither protoc nor this script.
//
// protoc: $PROTOC, else the binary Maven downloaded for the Java build.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(web, "..", "..");
const protoc =
  process.env.PROTOC ??
  join(homedir(), ".m2/repository/com/google/protobuf/protoc/4.36.2/protoc-4.36.2-linux-x86_64.exe");
if (!existsSync(protoc)) {
  console.error(`generate: no protoc at ${protoc}; set PROTOC, or build the Java modules once`);
  process.exit(1);
}
// Maven's repository keeps the binary without its execute bit: run a copy that has it.
const scratch = mkdtempSync(join(tmpdir(), "loudp2p-protoc-"));
const runnable = join(scratch, "protoc");
copyFileSync(protoc, runnable);
chmodSync(runnable, 0o755);
const core = join(root, "loudp2p-core/src/main/proto");
const grpc = join(root, "loudp2p-transport-grpc/src/main/proto");
const out = join(web, "src/gen");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
try {
  execFileSync(
  runnable,
  [
    `--plugin=protoc-gen-es=${join(web, "node_modules/.bin/protoc-gen-es")}`,
    `--es_out=${out}`,
    "--es_opt=target=js+dts,import_extension=js",
    `-I${core}`,
    `-I${grpc}`,
    "loudp2p/v1/wire.proto",
    "loudp2p/v1/service.proto",
  ],
  { stdio: "inherit" },
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`generate: wrote ${out}`);
