// Starting the processes a measurement needs (bench/memory.mjs, bench/ab.mjs).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

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

// A loopback port nothing listens on now.
export function freePort() {
  return new Promise((ok) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

// Resolves once `url` answers with a status below 500 (polled every 100 ms), for a server that
// prints no line to wait for (nginx).
export async function waitForHttp(url, tries = 100) {
  for (let i = 0; i < tries; i++) {
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no answer from ${url}`);
}

// A process and its children (nginx: the master and its worker).
export const withChildren = (pid) => [pid, ...readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number)];
