// Starting the processes a measurement needs (bench/memory.mjs, bench/ab.mjs).
import { spawn } from "node:child_process";

// Starts `cmd` and resolves with { child, port }, the port from its "listening on …:PORT" line;
// rejects if it exits first. The child is added to `children` (to be stopped at the end).
export function startListening(cmd, args, children, env = {}) {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  children.push(child);
  let out = "";
  return new Promise((ok, fail) => {
    child.stdout.on("data", (data) => {
      out += data;
      const m = /listening on (?:http:\/\/)?\S+?:(\d+)/.exec(out);
      if (m) ok({ child, port: Number(m[1]) });
    });
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => fail(new Error(`${cmd} exited ${code}: ${out}`)));
  });
}
