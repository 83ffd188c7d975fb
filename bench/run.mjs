// The side-by-side benchmark driver. Every lane is measured in the same run, against the same
// mock upstream, with the same wrk load, so the figures that matter are ratios and differences.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import net from "node:net";

const root = resolve(new URL("..", import.meta.url).pathname);
const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith("--")) {
      const next = all[i + 1];
      pairs.push([arg.slice(2), next === undefined || next.startsWith("--") ? "true" : next]);
    }
    return pairs;
  }, []),
);
const duration = Number(args.duration ?? 10);
const repeats = Number(args.repeats ?? 3);
const concurrency = Number(args.concurrency ?? 64);
const lanes = (args.lanes ?? "direct,nginx,tollgate").split(",");
// --pin: wrk and the mock on core 0, the proxy under test on core 1 (taskset), so the proxy does
// not compete with the load for a core. Every proxy runs as one process: nginx with one worker,
// Tollgate with one event loop, Portkey as one Node process (it is single-threaded).
const pin = args.pin !== undefined;
const onCore = (core, cmd, argv) => (pin ? ["taskset", ["-c", String(core), cmd, ...argv]] : [cmd, argv]);
const work = mkdtempSync(join(tmpdir(), "tollgate-bench-"));
const children = [];

function freePort() {
  return new Promise((ok) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

function start(cmd, argv, { waitFor, core } = {}) {
  if (core !== undefined) [cmd, argv] = onCore(core, cmd, argv);
  const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${cmd} did not start: ${out}`)), 15000);
    const watch = (data) => {
      out += data;
      if (!waitFor || waitFor.test(out)) {
        clearTimeout(timer);
        ok(child);
      }
    };
    child.stdout.on("data", watch);
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => fail(new Error(`${cmd} exited ${code}: ${out}`)));
    if (!waitFor) setTimeout(() => { clearTimeout(timer); ok(child); }, 500);
  });
}

async function waitForHttp(url, tries = 100) {
  for (let i = 0; i < tries; i++) {
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no answer from ${url}`);
}

function parseDuration(text) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  const value = Number(m[1]);
  return m[2] === "us" ? value : m[2] === "ms" ? value * 1000 : value * 1e6;
}

function wrk(url, connections, seconds, env) {
  const out = execFileSync(
    ...onCore(0, "wrk",
    ["-t", connections > 1 ? "2" : "1", "-c", String(connections), "-d", `${seconds}s`, "--latency",
     "-s", join(root, "bench/request.lua"), url]),
    { env: { ...process.env, ...env }, encoding: "utf8" },
  );
  const pct = (p) => parseDuration(new RegExp(`^\\s+${p}%\\s+(\\S+)`, "m").exec(out)[1]);
  const requests = Number(/(\d+) requests in/.exec(out)[1]);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socketErrors = /Socket errors: (.*)/.exec(out)?.[1] ?? "";
  return { p50_us: pct(50), p99_us: pct(99), rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]),
           requests, non2xx, socketErrors };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const bin = join(root, "build/bin");
  const mockPort = await freePort();
  await start(join(bin, "tollgate-mock"), ["--port", String(mockPort), "--quiet", "--threads", "1"],
              { waitFor: /listening/, core: 0 });
  const mockUrl = `http://127.0.0.1:${mockPort}`;

  // A ~1 KB request: a system prompt and a short conversation.
  const body = JSON.stringify({
    model: "gpt-4o-mini",
    messages: [
      { role: "system", content: "You are a concise assistant. ".repeat(12) },
      { role: "user", content: "Summarise the benefits of connection pooling in two sentences. ".repeat(6) },
      { role: "assistant", content: "Pooling reuses TCP and TLS sessions, cutting handshakes. ".repeat(3) },
      { role: "user", content: "And the drawbacks?" },
    ],
    max_tokens: 16,
    temperature: 0,
  });
  const bodyFile = join(work, "body.json");
  writeFileSync(bodyFile, body);

  const targets = {};
  targets.direct = { url: `${mockUrl}/v1/chat/completions`, key: "bench" };

  if (lanes.includes("nginx")) {
    const port = await freePort();
    const conf = join(work, "nginx.conf");
    writeFileSync(conf, `
worker_processes 1;
daemon off;
error_log ${work}/nginx-error.log warn;
pid ${work}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${work}/nginx-body;
  proxy_temp_path ${work}/nginx-proxy;
  upstream mock { server 127.0.0.1:${mockPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${port} reuseport;
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}`);
    await start("nginx", ["-c", conf, "-p", work], { core: 1 });
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    targets.nginx = { url: `http://127.0.0.1:${port}/v1/chat/completions`, key: "bench" };
  }

  // One gateway serves both Tollgate lanes: "tollgate" (OpenAI client → OpenAI-compatible
  // upstream, the passthrough) and "tollgate-translate" (OpenAI client → Anthropic-format
  // upstream: decode, encode, and the response translated back).
  if (lanes.includes("tollgate") || lanes.includes("tollgate-translate")) {
    const port = await freePort();
    const config = join(work, "tollgate.yaml");
    writeFileSync(config, `
server: { listen: "127.0.0.1:${port}", threads: 1, access_log: "off" }
store: { sqlite: "${work}/tollgate.db" }
providers:
  - { name: mock, type: openai, base_url: "${mockUrl}/v1", api_key: "bench-upstream" }
  - { name: mock-anthropic, type: anthropic, base_url: "${mockUrl}/v1", api_key: "bench-upstream" }
models:
  - { id: gpt-4o-mini, provider: mock, upstream_model: gpt-4o-mini-2024-07-18, pricing: { input_per_m: "0.15", output_per_m: "0.60" } }
  - { id: claude-bench, provider: mock-anthropic, upstream_model: claude-sonnet-4-5, pricing: { input_per_m: "3", output_per_m: "15" } }
`);
    const key = execFileSync(join(bin, "tollgate"), ["keys", "create", "--config", config, "--name", "bench"],
                             { encoding: "utf8" }).trim();
    await start(join(bin, "tollgate"), ["serve", "--config", config], { waitFor: /listening/, core: 1 });
    const url = `http://127.0.0.1:${port}/v1/chat/completions`;
    if (lanes.includes("tollgate")) {
      targets.tollgate = { url, key, metrics: `http://127.0.0.1:${port}/metrics` };
    }
    if (lanes.includes("tollgate-translate")) {
      const translateBody = join(work, "body-translate.json");
      writeFileSync(translateBody, JSON.stringify({ ...JSON.parse(body), model: "claude-bench" }));
      targets["tollgate-translate"] = { url, key, body: translateBody };
    }
  }

  // "tollgate-billing": the same gateway set-up with billing on (wallet reservation before
  // dispatch, exact charge, ledger entries through the group-commit writer), beside "tollgate"
  // (billing off: metering and the usage log only).
  if (lanes.includes("tollgate-billing")) {
    const port = await freePort();
    const config = join(work, "tollgate-billing.yaml");
    writeFileSync(config, `
server: { listen: "127.0.0.1:${port}", threads: 1, access_log: "off" }
store: { sqlite: "${work}/tollgate-billing.db" }
billing: { enabled: true, durability: batched }
providers:
  - { name: mock, type: openai, base_url: "${mockUrl}/v1", api_key: "bench-upstream" }
models:
  - { id: gpt-4o-mini, provider: mock, upstream_model: gpt-4o-mini-2024-07-18, pricing: { input_per_m: "0.15", output_per_m: "0.60" } }
`);
    const tollgate = join(bin, "tollgate");
    const key = execFileSync(tollgate, ["keys", "create", "--config", config, "--name", "bench"],
                             { encoding: "utf8" }).trim();
    execFileSync(tollgate, ["credits", "topup", "--config", config, "--account", "default",
                            "--usd", "1000000", "--idempotency-key", "bench"], { encoding: "utf8" });
    await start(tollgate, ["serve", "--config", config], { waitFor: /listening/, core: 1 });
    targets["tollgate-billing"] = { url: `http://127.0.0.1:${port}/v1/chat/completions`, key };
  }

  // "portkey": Portkey's OSS gateway (@portkey-ai/gateway 1.15.2, installed from npm in
  // bench/portkey by scripts/install-deps.sh bench), told by headers to use its OpenAI provider
  // with the mock as custom host (shared/reference/peers.md §6). It listens before it spends ~1 s
  // on a spinner and writes no readiness line worth matching (console.clear, escape codes), so
  // readiness is its "/" route answering.
  if (lanes.includes("portkey")) {
    const port = await freePort();
    await start("node", [join(root, "bench/portkey/node_modules/@portkey-ai/gateway/build/start-server.js"),
                         `--port=${port}`, "--headless"], { core: 1 });
    await waitForHttp(`http://127.0.0.1:${port}/`, 300);  // up to 30 s: Node loads a 0.5 MB bundle and its modules
    targets.portkey = { url: `http://127.0.0.1:${port}/v1/chat/completions`, key: "bench",
                        headers: `x-portkey-provider: openai\nx-portkey-custom-host: ${mockUrl}/v1` };
  }

  const results = {};
  for (const lane of ["direct", ...lanes.filter((l) => l !== "direct")]) {
    const t = targets[lane];
    const env = { BENCH_BODY: t.body ?? bodyFile, BENCH_KEY: t.key, BENCH_HEADERS: t.headers ?? "" };
    wrk(t.url, 8, 2, env); // warm up pools and caches
    results[lane] = { c1: [], cN: [] };
  }
  // Interleave lanes in each repeat so drifts in machine speed hit every lane alike.
  for (let r = 0; r < repeats; r++) {
    for (const lane of Object.keys(results)) {
      const t = targets[lane];
      const env = { BENCH_BODY: t.body ?? bodyFile, BENCH_KEY: t.key, BENCH_HEADERS: t.headers ?? "" };
      results[lane].c1.push(wrk(t.url, 1, duration, env));
      results[lane].cN.push(wrk(t.url, concurrency, duration, env));
    }
  }

  const summary = {};
  for (const [lane, runs] of Object.entries(results)) {
    summary[lane] = {
      p50_us: median(runs.c1.map((x) => x.p50_us)),
      p99_us: median(runs.c1.map((x) => x.p99_us)),
      rps: median(runs.cN.map((x) => x.rps)),
      non2xx: runs.c1.concat(runs.cN).reduce((s, x) => s + x.non2xx, 0),
      socket_errors: runs.c1.concat(runs.cN).map((x) => x.socketErrors).filter(Boolean),
    };
  }
  const direct = summary.direct;
  for (const lane of Object.keys(summary)) {
    const s = summary[lane];
    s.added_p50_us = +(s.p50_us - direct.p50_us).toFixed(1);
    s.added_p99_us = +(s.p99_us - direct.p99_us).toFixed(1);
  }
  if (summary.nginx) {
    for (const lane of Object.keys(summary)) {
      summary[lane].rps_vs_nginx = +(summary[lane].rps / summary.nginx.rps).toFixed(3);
    }
  }
  // Throughput against Portkey, the peer gateway (issue 6's target: Tollgate ≥ 20×).
  if (summary.portkey) {
    for (const lane of Object.keys(summary)) {
      summary[lane].rps_vs_portkey = +(summary[lane].rps / summary.portkey.rps).toFixed(2);
    }
  }

  // The gateway's own time per request, as it measures it (x-tollgate-overhead-us): total time
  // minus time waiting on the upstream and on the client's socket, over every request of the run.
  if (targets.tollgate) {
    const text = await (await fetch(targets.tollgate.metrics)).text();
    const series = (name) => [...text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, "gm"))]
      .filter((m) => m[1].includes('surface="openai.chat"'));
    const sum = Number(series("tollgate_gateway_overhead_seconds_sum")[0][2]);
    const count = Number(series("tollgate_gateway_overhead_seconds_count")[0][2]);
    const buckets = series("tollgate_gateway_overhead_seconds_bucket")
      .map((m) => ({ le: Number(/le="([^"]+)"/.exec(m[1])[1]), n: Number(m[2]) }))
      .sort((a, b) => a.le - b.le);
    const quantile = (q) => (buckets.find((b) => b.n >= q * count)?.le ?? Infinity) * 1e6;
    summary.tollgate.self_overhead_us = {
      mean: +((sum / count) * 1e6).toFixed(1), p50_le: quantile(0.5), p99_le: quantile(0.99), requests: count,
    };
  }

  const commit = execFileSync("git", ["-C", root, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  const meta = { commit, date: new Date().toISOString(), duration_s: duration, repeats, concurrency,
                 cpus: (await import("node:os")).cpus().length,
                 request_bytes: body.length, pinned: pin, note: "median of repeats; lanes interleaved" };
  mkdirSync(join(root, "bench/results"), { recursive: true });
  const stem = pin ? "latest-pinned" : "latest";
  writeFileSync(join(root, `bench/results/${stem}.json`), JSON.stringify({ meta, summary, raw: results }, null, 2));

  const vsPortkey = summary.portkey !== undefined;
  const rows = Object.entries(summary).map(([lane, s]) =>
    `| ${lane} | ${s.p50_us.toFixed(0)} | ${s.p99_us.toFixed(0)} | ${lane === "direct" ? "—" : s.added_p50_us.toFixed(0)} | ${lane === "direct" ? "—" : s.added_p99_us.toFixed(0)} | ${s.rps.toFixed(0)} | ${s.rps_vs_nginx ?? "—"} |${vsPortkey ? ` ${s.rps_vs_portkey} |` : ""} ${s.non2xx} |`);
  const table = [
    `Commit \`${commit}\`, ${meta.date}, ${meta.cpus} cores, ${body.length}-byte request, ${duration} s per measurement, median of ${repeats} interleaved repeats${pin ? ", wrk and mock pinned to core 0, proxy to core 1" : ""}.`,
    "",
    `| lane | p50 µs (c=1) | p99 µs (c=1) | added p50 µs | added p99 µs | req/s (c=${concurrency}) | × nginx |${vsPortkey ? " × portkey |" : ""} non-2xx |`,
    `|---|---|---|---|---|---|---|${vsPortkey ? "---|" : ""}---|`,
    ...rows,
    ...(summary.tollgate?.self_overhead_us ? ["",
      `Tollgate's own time per request (its overhead histogram over all ${summary.tollgate.self_overhead_us.requests} requests of the run): ` +
      `mean ${summary.tollgate.self_overhead_us.mean} µs, p50 ≤ ${summary.tollgate.self_overhead_us.p50_le} µs, p99 ≤ ${summary.tollgate.self_overhead_us.p99_le} µs (bucket bounds).`] : []),
  ].join("\n");
  console.log(table);
  writeFileSync(join(root, `bench/results/${stem}.md`), table + "\n");
}

try {
  await main();
} finally {
  for (const c of children) c.kill("SIGTERM");
}
