// What a failover costs (issue 5): one gateway, two mock upstreams. Mock "a" answers every model
// request 503 (a sticky fault); model `failover` tries a first, then b; model `direct` goes to b
// only. Requests to the two models alternate, one at a time, and for each the run records the
// wall time seen by the client and the gateway's own time (x-tollgate-overhead-us: total minus
// the waits on upstreams and on the client). The failed attempt's own cost is measured on its
// own: the same 503 asked of mock a directly.
//
//   node bench/failover.mjs [--requests 400]
//
// Added by a failover, beyond the failed attempt itself:
//   wall:     p50(failover) − p50(direct) − p50(503 from a, direct to the mock)
//   gateway:  p50(overhead failover) − p50(overhead direct)
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import http from "node:http";

const root = resolve(new URL("..", import.meta.url).pathname);
const argv = process.argv.slice(2);
const requests = Number(argv[argv.indexOf("--requests") + 1] || 400);
const work = mkdtempSync(join(tmpdir(), "tollgate-failover-"));
const bin = join(root, "build/bin");
const children = [];

function start(cmd, args) {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return new Promise((ok, fail) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening on (?:http:\/\/)?(\S+?):(\d+)/.exec(out);
      if (m) ok(Number(m[2]));
    });
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => fail(new Error(`${cmd} exited ${code}: ${out}`)));
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function post(port, path, body, headers) {
  return new Promise((ok, fail) => {
    const started = process.hrtime.bigint();
    const req = http.request({ host: "127.0.0.1", port, path, method: "POST", agent,
                               headers: { "content-type": "application/json", ...headers } }, (res) => {
      res.resume();
      res.on("end", () => ok({ status: res.statusCode, headers: res.headers,
                               wall_us: Number(process.hrtime.bigint() - started) / 1000 }));
    });
    req.on("error", fail);
    req.end(body);
  });
}

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

async function main() {
  const portA = await start(join(bin, "tollgate-mock"), ["--port", "0", "--quiet"]);
  const portB = await start(join(bin, "tollgate-mock"), ["--port", "0", "--quiet"]);
  execFileSync("curl", ["-s", "-X", "POST", "-H", "content-type: application/json", "-d", '{"fault":"503"}',
                        `http://127.0.0.1:${portA}/_mock/fault`]);
  const config = join(work, "tollgate.yaml");
  writeFileSync(config, `
server: { listen: "127.0.0.1:0", threads: 1, access_log: "off" }
store: { sqlite: "${work}/tollgate.db" }
routing:
  retries: { max_attempts: 2 }
  breaker: { failures: 1000 }
providers:
  - { name: a, type: openai, base_url: "http://127.0.0.1:${portA}/v1", api_key: "k" }
  - { name: b, type: openai, base_url: "http://127.0.0.1:${portB}/v1", api_key: "k" }
models:
  - id: failover
    pricing: { input_per_m: "1", output_per_m: "1" }
    deployments: [{ provider: a, upstream_model: m, priority: 0 }, { provider: b, upstream_model: m, priority: 1 }]
  - { id: direct, provider: b, upstream_model: m, pricing: { input_per_m: "1", output_per_m: "1" } }
`);
  const key = execFileSync(join(bin, "tollgate"), ["keys", "create", "--config", config, "--name", "bench"],
                           { encoding: "utf8" }).trim();
  const port = await start(join(bin, "tollgate"), ["serve", "--config", config]);
  const auth = { authorization: `Bearer ${key}` };
  const body = (model) => JSON.stringify({ model, max_tokens: 8, messages: [{ role: "user", content: "Hello there, gateway." }] });

  const runs = { failover: [], direct: [], a503: [] };
  const total = requests + 50;  // the first 50 of each warm pools and caches
  if (total > 950) throw new Error("--requests at most 900: the breaker opens after 1000 failures");
  for (let i = 0; i < total; i++) {
    const f = await post(port, "/v1/chat/completions", body("failover"), auth);
    const d = await post(port, "/v1/chat/completions", body("direct"), auth);
    const a = await post(portA, "/v1/chat/completions", body("m"), { authorization: "Bearer k" });
    if (f.status !== 200 || f.headers["x-tollgate-attempts"] !== "2" || d.status !== 200 || a.status !== 503) {
      throw new Error(`unexpected: failover ${f.status}/${f.headers["x-tollgate-attempts"]}, direct ${d.status}, a ${a.status}`);
    }
    if (i < 50) continue;
    runs.failover.push({ wall: f.wall_us, overhead: Number(f.headers["x-tollgate-overhead-us"]) });
    runs.direct.push({ wall: d.wall_us, overhead: Number(d.headers["x-tollgate-overhead-us"]) });
    runs.a503.push({ wall: a.wall_us });
  }
  const stat = (xs, field) => ({ p50: +pct(xs.map((x) => x[field]), 0.5).toFixed(1), p99: +pct(xs.map((x) => x[field]), 0.99).toFixed(1) });
  const result = {
    requests,
    failover: { wall_us: stat(runs.failover, "wall"), overhead_us: stat(runs.failover, "overhead") },
    direct: { wall_us: stat(runs.direct, "wall"), overhead_us: stat(runs.direct, "overhead") },
    failed_attempt_alone: { wall_us: stat(runs.a503, "wall") },
  };
  result.added_by_failover_us = {
    wall_p50_beyond_failed_attempt: +(result.failover.wall_us.p50 - result.direct.wall_us.p50 - result.failed_attempt_alone.wall_us.p50).toFixed(1),
    gateway_overhead_p50: +(result.failover.overhead_us.p50 - result.direct.overhead_us.p50).toFixed(1),
    gateway_overhead_p99: +(result.failover.overhead_us.p99 - result.direct.overhead_us.p99).toFixed(1),
  };
  console.log(JSON.stringify(result, null, 2));
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => {
    agent.destroy();
    for (const c of children) c.kill("SIGTERM");
  });
