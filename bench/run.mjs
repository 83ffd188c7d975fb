// The side-by-side benchmark driver (../shared/BENCH.md, issue 6). Every lane is measured in the
// same run, against the same mock upstreams, with the same load, so the figures that matter are
// ratios and differences. Phases (--phases, all by default):
//   latency     wrk at one connection: p50/p99 and what each lane adds to the direct lane's
//   throughput  wrk at --concurrency connections against a zero-latency mock: req/s, × nginx, × portkey
//   sustained   tollgate-loadgen open loop against a mock that waits 20 ms before each reply: the
//               highest rate held with p99 < 1 s and < 0.1 % failures
//   streaming   tollgate-loadgen stream at c=1 and c=16 against a mock pacing tokens 1 ms apart:
//               time to first frame and gaps between frames, and what each lane adds to direct's
//   hold        tollgate-loadgen hold: 1,000 then 10,000 concurrent streams through nginx and
//               Tollgate, with the resident memory of the proxy and of its mock at the peak
//
//   node bench/run.mjs [--lanes direct,nginx,tollgate[,tollgate-billing,tollgate-translate,portkey]]
//                      [--phases latency,throughput,sustained,streaming,hold] [--quick] [--pin]
//                      [--duration 10] [--repeats 3] [--concurrency 64]
//                      [--sustained-connections 2000] [--hold-streams 1000,10000]
//   node bench/run.mjs --render [--pin]   (the last run's report again, with memory.json and
//                                          callgrind.json as they are now; measures nothing)
//
// Writes bench/results/latest.{json,md} (latest-pinned.* with --pin) and, for an unpinned run,
// the generated block of docs/benchmarks.md; the figures of bench/memory.mjs and
// bench/callgrind.mjs are read from their own JSON files there, when present, and checked
// against the issue's targets with the rest.
import { billingGateway } from "./billing_gateway.mjs";
import { nginxConf } from "./nginx_proxy.mjs";
import { chatRequest } from "./chat_request.mjs";
import { freePort, waitForHttp, withChildren } from "./listening.mjs";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync, readdirSync, existsSync, statSync, copyFileSync, rmSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import http from "node:http";
import { join, resolve } from "node:path";

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
// --quick: every phase, shortened, to check the whole run works; its figures are not results.
const quick = args.quick !== undefined;
const duration = Number(args.duration ?? (quick ? 2 : 10));
const repeats = Number(args.repeats ?? (quick ? 1 : 3));
const concurrency = Number(args.concurrency ?? 64);
const lanes = (args.lanes ?? "direct,nginx,tollgate").split(",");
const allPhases = ["latency", "throughput", "sustained", "streaming", "hold"];
const phases = new Set((args.phases ?? allPhases.join(",")).split(","));
for (const p of phases) if (!allPhases.includes(p)) throw new Error(`unknown phase ${p} (${allPhases.join(", ")})`);
// sustained: each rate is held for step_s after a warm-up; rates double from 500 req/s
// until one fails, then the gap is bisected. Enough connections that the generator never waits
// for a free one below 100,000 req/s (2,000 in flight × 20 ms).
const sustained = { mock_ttft_ms: 20, start_rate: 500, max_rate: 256000, step_s: quick ? 2 : 5, warmup_s: quick ? 0.5 : 1,
                    bisections: quick ? 2 : 4, connections: Number(args["sustained-connections"] ?? 2000),
                    p99_limit_us: 1e6, failure_limit: 0.001, served_min: 0.97 };
// streaming: the ~1 KB request with "stream": true and max_tokens 16 → 19 frames per stream (role
// chunk, 16 tokens, finish chunk, [DONE]), 1 ms apart.
const streaming = { mock_itl_ms: 1, tokens: 16, connections: [1, 16], warmup_s: quick ? 0.5 : 1 };
// hold: 1,000 tokens 500 ms apart is a 500-second stream, longer than any run; the mock plans a
// whole reply when the request arrives, so a longer one would slow its accepts (docs/loadgen.md).
const hold = { mock_itl_ms: 500, tokens: 1000, streams: (args["hold-streams"] ?? "1000,10000").split(",").map(Number),
               ramp_per_second: 2000, hold_s: quick ? 3 : 10, stall_s: 5 };
// --pin: the load generators and the mocks on core 0, the proxy under test on core 1 (taskset),
// so the proxy does not compete with the load for a core. Every proxy runs as one process: nginx
// with one worker, Tollgate with one event loop, Portkey as one Node process (it is single-threaded).
const pin = args.pin !== undefined;
const onCore = (core, cmd, argv) => (pin ? ["taskset", ["-c", String(core), cmd, ...argv]] : [cmd, argv]);
const work = mkdtempSync(join(tmpdir(), "tollgate-bench-"));
const children = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// Every process gets at most the hard limit on open files (the gateway and the load generator
// raise their soft limit to it); 10,000 proxied streams need two descriptors each in the proxy.
// nginx allocates its connection table up front, so it gets that limit only up to 32,768.
const fdLimit = Number(execFileSync("sh", ["-c", "ulimit -Hn"], { encoding: "utf8" }).trim()) || Infinity;  // "unlimited"
const nginxConnections = Math.min(fdLimit, 32768);

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

// The binaries are copied into the work directory before anything starts: build/bin may be
// rebuilt while a run goes on (a link removes and rewrites a file), and every measurement of a
// run must use the same build. A file younger than 5 s may still be being written: wait.
async function snapshotBinaries(names) {
  const dir = join(work, "bin");
  mkdirSync(dir);
  for (const name of names) {
    const source = join(root, "build/bin", name);
    for (let tries = 0; !existsSync(source) || Date.now() - statSync(source).mtimeMs < 5000; tries++) {
      if (tries === 120) throw new Error(`${source} missing or still being written after 2 minutes`);
      await sleep(1000);
    }
    copyFileSync(source, join(dir, name));
  }
  return dir;
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

// One tollgate-loadgen run (docs/loadgen.md) against a target ({ url, key, body, headers });
// resolves with its JSON report, plus its stderr (the failures summed by kind, with the first
// cause) when it wrote more than its note about the descriptor limit.
let loadgenBin;
function loadgen(mode, target, flags) {
  const argv = [mode, "--url", target.url, "--body", target.body, "--header", `Authorization: Bearer ${target.key}`,
                ...target.headers.split("\n").filter(Boolean).flatMap((h) => ["--header", h]),
                ...Object.entries(flags).flatMap(([name, value]) => [`--${name}`, String(value)])];
  const child = spawn(...onCore(0, loadgenBin, argv), { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  return new Promise((ok, fail) => child.on("exit", (code) => {
    if (code !== 0) return fail(new Error(`tollgate-loadgen ${mode} ${target.url} exited ${code}: ${err}`));
    const failures = err.split("\n").filter((line) => line && !/open-file limit raised/.test(line)).join("; ");
    ok({ ...JSON.parse(out), ...(failures ? { stderr: failures } : {}) });
  }));
}

// VmRSS in KiB of the given processes together (0 for one that has gone).
function rssKb(pids) {
  return pids.reduce((sum, pid) => {
    try {
      return sum + Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
    } catch {
      return sum;
    }
  }, 0);
}

// Open descriptors of the busiest of the given processes (each has its own limit).
function maxFds(pids) {
  return Math.max(0, ...pids.map((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).length;
    } catch {
      return 0;
    }
  }));
}

// CPU time (user, kernel) the processes have used so far, in clock ticks (USER_HZ, 100 a second):
// fields 14 and 15 of /proc/<pid>/stat, which count every thread of the process.
function cpuTicks(pids) {
  return pids.reduce((sum, pid) => {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return { user: sum.user + Number(fields[11]), sys: sum.sys + Number(fields[12]) };
  }, { user: 0, sys: 0 });
}
const ticksPerSecond = 100;

// Tollgate's overhead histogram (tollgate_gateway_overhead_seconds, chat surface) as it stands:
// { sum (s), count, buckets: { le (s): cumulative count } }; null for a lane without /metrics.
// Read before and after a measurement, the difference is that measurement's requests alone.
async function overheadHistogram(target) {
  if (!target.metrics) return null;
  const text = await getText(target.metrics);
  const series = (name) => [...text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, "gm"))]
    .filter((m) => m[1].includes('surface="openai.chat"'));
  const buckets = {};
  for (const m of series("tollgate_gateway_overhead_seconds_bucket")) buckets[/le="([^"]+)"/.exec(m[1])[1]] = Number(m[2]);
  return { sum: Number(series("tollgate_gateway_overhead_seconds_sum")[0]?.[2] ?? 0),
           count: Number(series("tollgate_gateway_overhead_seconds_count")[0]?.[2] ?? 0), buckets };
}
// GET on a connection of its own: a pooled one (fetch's) may have been closed by the gateway's
// keep-alive timeout during the 10 s measurement between two reads, and the next read fail.
function getText(url) {
  return new Promise((ok, fail) => {
    http.get(url, { agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => ok(text));
    }).on("error", fail);
  });
}
const emptyOverhead = () => ({ sum: 0, count: 0, buckets: {} });
function addOverhead(total, before, after) {
  if (!before || !after) return;
  total.sum += after.sum - before.sum;
  total.count += after.count - before.count;
  for (const [le, n] of Object.entries(after.buckets)) total.buckets[le] = (total.buckets[le] ?? 0) + n - (before.buckets[le] ?? 0);
}
// Mean, and the bucket bounds p50 and p99 fall under, in µs.
function overheadSummary({ sum, count, buckets }) {
  if (!count) return null;
  const bounds = Object.entries(buckets).map(([le, n]) => ({ le: Number(le), n })).sort((a, b) => a.le - b.le);
  const quantile = (q) => (bounds.find((b) => b.n >= q * count)?.le ?? Infinity) * 1e6;
  return { mean: +((sum / count) * 1e6).toFixed(1), p50_le: quantile(0.5), p99_le: quantile(0.99), requests: count };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const MB = (kb) => kb * 1024 / 1e6;

async function main() {
  const bin = await snapshotBinaries(["tollgate", "tollgate-mock", "tollgate-loadgen"]);
  loadgenBin = join(bin, "tollgate-loadgen");

  // One mock per kind of upstream a phase needs, each its own process: "fast" answers at once
  // (latency, throughput), "slow" waits 20 ms before each JSON reply (sustained), "stream"
  // paces tokens 1 ms apart (streaming), and each hold lane gets its own "hold-<lane>" mock, so
  // that its memory and its open-stream count belong to that lane alone.
  const holdLanes = ["nginx", "tollgate"].filter((l) => lanes.includes(l) && phases.has("hold"));
  const mockFlags = { fast: [] };
  if (phases.has("sustained")) mockFlags.slow = ["--ttft-ms", String(sustained.mock_ttft_ms)];
  if (phases.has("streaming")) mockFlags.stream = ["--itl-ms", String(streaming.mock_itl_ms), "--tokens", String(streaming.tokens)];
  for (const lane of holdLanes) mockFlags[`hold-${lane}`] = ["--itl-ms", String(hold.mock_itl_ms), "--tokens", String(hold.tokens)];
  const mocks = {};
  for (const [kind, flags] of Object.entries(mockFlags)) {
    const port = await freePort();
    const child = await start(join(bin, "tollgate-mock"), ["--port", String(port), "--quiet", "--threads", "1", ...flags],
                              { waitFor: /listening/, core: 0 });
    mocks[kind] = { url: `http://127.0.0.1:${port}`, pid: child.pid };
  }
  const mockUrl = mocks.fast.url;

  const request = chatRequest();
  const body = JSON.stringify(request);
  const bodyFile = join(work, "body.json");
  writeFileSync(bodyFile, body);
  // The same request for each kind of upstream: streamed for "stream" and "hold" (long enough
  // for the hold mock's 1,000 tokens), and naming `model` (Tollgate picks the upstream by it).
  const bodyFor = (kind, model) => {
    const file = join(work, `body-${kind}-${model}.json`);
    const extra = kind === "stream" ? { stream: true } : kind.startsWith("hold") ? { stream: true, max_tokens: hold.tokens } : {};
    writeFileSync(file, JSON.stringify({ ...request, model, ...extra }));
    return file;
  };
  // A lane's target for each of its other kinds of upstream (those that run): { url, key, body, headers }.
  const via = (kinds, key, urlFor, modelFor = () => "gpt-4o-mini", headersFor = () => "") => Object.fromEntries(
    kinds.filter((kind) => mocks[kind])
      .map((kind) => [kind, { url: urlFor(kind), key, body: bodyFor(kind, modelFor(kind)), headers: headersFor(kind) }]));

  const targets = {};
  targets.direct = { url: `${mockUrl}/v1/chat/completions`, key: "bench", cpuPids: () => [mocks.fast.pid],
                     via: via(["slow", "stream"], "bench", (kind) => `${mocks[kind].url}/v1/chat/completions`) };

  // nginx reaches each mock under a path prefix (/slow/, /stream/, /hold-nginx/), which
  // proxy_pass strips. The slow upstream keeps as many idle connections as the sustained phase
  // has in flight, as Tollgate's slow provider does: with the default pools (nginx 128, Tollgate
  // 64 per loop) both would open a connection per request once more than that are in flight
  // (above 3,000–6,000 req/s at 20 ms) and soon run out of loopback ports.
  // worker_connections counts client and upstream sockets: the hold phase needs two per stream.
  if (lanes.includes("nginx")) {
    const port = await freePort();
    const conf = join(work, "nginx.conf");
    const extra = ["slow", "stream", "hold-nginx"].filter((k) => mocks[k]);
    const upstreams = [{ prefix: "/", name: "mock", port: new URL(mockUrl).port, keepalive: 128 },
                       ...extra.map((k) => ({ prefix: `/${k}/`, name: `mock_${k.replace("-", "_")}`, port: new URL(mocks[k].url).port,
                                              keepalive: k === "slow" ? sustained.connections : 128 }))];
    writeFileSync(conf, nginxConf({ work, port, connections: nginxConnections, upstreams }));
    // The spawned process is the master (daemon off; taskset execs it in place).
    const master = await start("nginx", ["-c", conf, "-p", work], { core: 1 });
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    const base = `http://127.0.0.1:${port}`;
    targets.nginx = { url: `${base}/v1/chat/completions`, key: "bench", pid: master.pid, cpuPids: () => withChildren(master.pid),
                      via: via(extra, "bench", (kind) => `${base}/${kind}/v1/chat/completions`) };
  }

  // One gateway serves both Tollgate lanes: "tollgate" (OpenAI client → OpenAI-compatible
  // upstream, the passthrough) and "tollgate-translate" (OpenAI client → Anthropic-format
  // upstream: decode, encode, and the response translated back). The other phases reach their
  // mocks through models of their own on the same gateway (gpt-4o-mini-slow, -stream, -hold),
  // each on a provider pointing at that mock.
  if (lanes.includes("tollgate") || lanes.includes("tollgate-translate")) {
    const port = await freePort();
    const config = join(work, "tollgate.yaml");
    const tgKinds = ["slow", "stream", "hold-tollgate"].filter((k) => mocks[k]);
    const modelOf = (kind) => `gpt-4o-mini-${kind.replace("-tollgate", "")}`;
    const pricing = `pricing: { input_per_m: "0.15", output_per_m: "0.60" }`;
    writeFileSync(config, `
server: { listen: "127.0.0.1:${port}", threads: 1, access_log: "off" }
store: { sqlite: "${work}/tollgate.db" }
providers:
  - { name: mock, type: openai, base_url: "${mockUrl}/v1", api_key: "bench-upstream" }
  - { name: mock-anthropic, type: anthropic, base_url: "${mockUrl}/v1", api_key: "bench-upstream" }
${tgKinds.map((k) => `  - { name: mock-${k}, type: openai, base_url: "${mocks[k].url}/v1", api_key: "bench-upstream"${k === "slow" ? `, max_idle_connections: ${sustained.connections}` : ""} }`).join("\n")}
models:
  - { id: gpt-4o-mini, provider: mock, upstream_model: gpt-4o-mini-2024-07-18, ${pricing} }
  - { id: claude-bench, provider: mock-anthropic, upstream_model: claude-sonnet-4-5, pricing: { input_per_m: "3", output_per_m: "15" } }
${tgKinds.map((k) => `  - { id: ${modelOf(k)}, provider: mock-${k}, upstream_model: gpt-4o-mini-2024-07-18, ${pricing} }`).join("\n")}
`);
    const key = execFileSync(join(bin, "tollgate"), ["keys", "create", "--config", config, "--name", "bench"],
                             { encoding: "utf8" }).trim();
    const gateway = await start(join(bin, "tollgate"), ["serve", "--config", config], { waitFor: /listening/, core: 1 });
    const url = `http://127.0.0.1:${port}/v1/chat/completions`;
    if (lanes.includes("tollgate")) {
      targets.tollgate = { url, key, metrics: `http://127.0.0.1:${port}/metrics`, pid: gateway.pid, cpuPids: () => [gateway.pid],
                           via: via(tgKinds, key, () => url, modelOf) };
    }
    if (lanes.includes("tollgate-translate")) {
      const translateBody = join(work, "body-translate.json");
      writeFileSync(translateBody, JSON.stringify({ ...request, model: "claude-bench" }));
      targets["tollgate-translate"] = { url, key, body: translateBody, cpuPids: () => [gateway.pid] };
    }
  }

  // "tollgate-billing": the same gateway set-up with billing on (wallet reservation before
  // dispatch, exact charge, ledger entries through the group-commit writer), beside "tollgate"
  // (billing off: metering and the usage log only). Latency and throughput only.
  if (lanes.includes("tollgate-billing")) {
    const port = await freePort();
    const { config, key: billingKey } = billingGateway({ bin, work, mockUrl, name: "tollgate-billing", listen: `127.0.0.1:${port}` });
    const tollgate = join(bin, "tollgate");
    const gateway = await start(tollgate, ["serve", "--config", config], { waitFor: /listening/, core: 1 });
    targets["tollgate-billing"] = { url: `http://127.0.0.1:${port}/v1/chat/completions`, key: billingKey,
                                    cpuPids: () => [gateway.pid] };
  }

  // "portkey": Portkey's OSS gateway (@portkey-ai/gateway 1.15.2, installed from npm in
  // bench/portkey by scripts/install-deps.sh bench), told by headers to use its OpenAI provider
  // with the mock as custom host (shared/reference/peers.md §6); each phase names its own mock.
  // It listens before it spends ~1 s on a spinner and writes no readiness line worth matching
  // (console.clear, escape codes), so readiness is its "/" route answering.
  if (lanes.includes("portkey")) {
    const port = await freePort();
    const portkey = await start("node", [join(root, "bench/portkey/node_modules/@portkey-ai/gateway/build/start-server.js"),
                                         `--port=${port}`, "--headless"], { core: 1 });
    await waitForHttp(`http://127.0.0.1:${port}/`, 300);  // up to 30 s: Node loads a 0.5 MB bundle and its modules
    const url = `http://127.0.0.1:${port}/v1/chat/completions`;
    const headers = (upstream) => `x-portkey-provider: openai\nx-portkey-custom-host: ${upstream}/v1`;
    targets.portkey = { url, key: "bench", headers: headers(mockUrl), cpuPids: () => [portkey.pid],
                        via: via(["slow", "stream"], "bench", () => url, undefined, (kind) => headers(mocks[kind].url)) };
  }
  for (const t of Object.values(targets)) {
    t.body ??= bodyFile;
    t.headers ??= "";
  }

  const laneOrder = ["direct", ...lanes.filter((l) => l !== "direct" && targets[l])];
  let raw = null;  // every wrk measurement, as before issue 6 (the loadgen phases keep theirs in their results)
  const summary = {};

  // Latency and throughput: wrk, as before issue 6, so these figures compare with earlier runs.
  const c1 = phases.has("latency");
  const cN = phases.has("throughput");
  if (c1 || cN) {
    const results = {};
    const selfOverhead = { c1: emptyOverhead(), cN: emptyOverhead() };
    for (const lane of laneOrder) {
      const t = targets[lane];
      const env = { BENCH_BODY: t.body, BENCH_KEY: t.key, BENCH_HEADERS: t.headers };
      wrk(t.url, 8, 2, env); // warm up pools and caches
      results[lane] = { c1: [], cN: [] };
    }
    // Interleave lanes in each repeat so drifts in machine speed hit every lane alike.
    for (let r = 0; r < repeats; r++) {
      for (const lane of Object.keys(results)) {
        const t = targets[lane];
        const env = { BENCH_BODY: t.body, BENCH_KEY: t.key, BENCH_HEADERS: t.headers };
        if (c1) {
          const before = await overheadHistogram(t);
          results[lane].c1.push(wrk(t.url, 1, duration, env));
          addOverhead(selfOverhead.c1, before, await overheadHistogram(t));
        }
        if (cN) {
          // The server's CPU time per request (the proxy's, or the mock's in the direct lane):
          // what its throughput costs, user space and kernel apart.
          const overheadBefore = await overheadHistogram(t);
          const before = cpuTicks(t.cpuPids());
          const run = wrk(t.url, concurrency, duration, env);
          const after = cpuTicks(t.cpuPids());
          addOverhead(selfOverhead.cN, overheadBefore, await overheadHistogram(t));
          const perRequest = (ticks) => (ticks / ticksPerSecond) * 1e6 / run.requests;
          run.cpu_user_us = +perRequest(after.user - before.user).toFixed(2);
          run.cpu_sys_us = +perRequest(after.sys - before.sys).toFixed(2);
          results[lane].cN.push(run);
        }
      }
    }
    raw = results;

    for (const [lane, runs] of Object.entries(results)) {
      summary[lane] = {
        p50_us: c1 ? median(runs.c1.map((x) => x.p50_us)) : null,
        p99_us: c1 ? median(runs.c1.map((x) => x.p99_us)) : null,
        rps: cN ? median(runs.cN.map((x) => x.rps)) : null,
        cpu_user_us: cN ? median(runs.cN.map((x) => x.cpu_user_us)) : null,
        cpu_sys_us: cN ? median(runs.cN.map((x) => x.cpu_sys_us)) : null,
        non2xx: runs.c1.concat(runs.cN).reduce((s, x) => s + x.non2xx, 0),
        socket_errors: runs.c1.concat(runs.cN).map((x) => x.socketErrors).filter(Boolean),
      };
    }
    const direct = summary.direct;
    for (const s of Object.values(summary)) {
      s.added_p50_us = c1 ? +(s.p50_us - direct.p50_us).toFixed(1) : null;
      s.added_p99_us = c1 ? +(s.p99_us - direct.p99_us).toFixed(1) : null;
    }
    if (cN && summary.nginx) {
      for (const s of Object.values(summary)) s.rps_vs_nginx = +(s.rps / summary.nginx.rps).toFixed(3);
    }
    // Throughput against Portkey, the peer gateway (issue 6's target: Tollgate ≥ 20×).
    if (cN && summary.portkey) {
      for (const s of Object.values(summary)) s.rps_vs_portkey = +(s.rps / summary.portkey.rps).toFixed(2);
    }

    // The gateway's own time per request, as it measures it (x-tollgate-overhead-us): total time
    // minus time waiting on the upstream and on the client's socket; at c=1 and at c=N apart,
    // from the tollgate lane's own measurements (the translate lane shares its gateway).
    if (targets.tollgate) {
      summary.tollgate.self_overhead_us = {
        ...(c1 ? { c1: overheadSummary(selfOverhead.c1) } : {}),
        ...(cN ? { cN: overheadSummary(selfOverhead.cN) } : {}),
      };
    }
  }

  // The lanes of the loadgen phases: the three proxies and the direct reference (the billing and
  // translation variants are Tollgate lanes of the first two phases only).
  const phaseLanes = laneOrder.filter((l) => targets[l].via);
  const result = {};
  // sustained comes last: it leaves up to --sustained-connections idle upstream connections in
  // each proxy's pool, descriptors the hold phase's 10,000 streams need; and its overloaded steps
  // leave backlogs that nothing after it should meet.
  if (phases.has("streaming")) result.streaming = await runStreaming(phaseLanes, targets);
  if (phases.has("hold")) result.hold = await runHold(holdLanes, targets, mocks);
  if (phases.has("sustained")) result.sustained = await runSustained(phaseLanes, targets);

  const commit = execFileSync("git", ["-C", root, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  const meta = { commit, date: new Date().toISOString(), quick, phases: allPhases.filter((p) => phases.has(p)), lanes: laneOrder,
                 duration_s: duration, repeats, concurrency, cpus: cpus().length, request_bytes: body.length, pinned: pin,
                 fd_limit: fdLimit, sustained, streaming, hold,
                 note: "latency, throughput and streaming: median of repeats, lanes interleaved; sustained: one search per lane" };
  publish(meta, summary, result, raw);
}

function resultFile(name) {
  const file = join(root, "bench/results", name);
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : null;
}

// Writes a run's results (bench/results/latest.{json,md}, docs/benchmarks.md's block) with the
// figures of bench/memory.mjs and bench/callgrind.mjs as their JSON files hold them now.
function publish(meta, summary, result, raw) {
  const memory = resultFile("memory.json");
  const callgrind = resultFile("callgrind.json");
  const targetsMet = checkTargets(summary, result, memory, meta.concurrency, raw);

  mkdirSync(join(root, "bench/results"), { recursive: true });
  const stem = meta.pinned ? "latest-pinned" : "latest";
  writeFileSync(join(root, `bench/results/${stem}.json`), JSON.stringify({
    meta, targets: targetsMet, summary, ...result,
    memory: memory && { commit: memory.meta.commit, soak_seconds: memory.meta.soak_seconds, idle: memory.idle,
                        load_peak_vm_rss_kb: memory.load.peak_vm_rss_kb, soak_drift_pct: memory.soak.drift_pct },
    callgrind: callgrind && { commit: callgrind.meta.commit, instructions_per_request: Object.fromEntries(
      Object.entries(callgrind.results).map(([k, r]) => [k, r.instructions_per_request])) },
    raw,
  }, null, 2) + "\n");

  const markdown = report(meta, summary, result, memory, callgrind, targetsMet, meta.request_bytes);
  console.log(markdown);
  writeFileSync(join(root, `bench/results/${stem}.md`), markdown + "\n");
  if (!meta.pinned) writeDocs(markdown);
}

// --render: measures nothing; writes the last run's report again (bench/results/latest.json, or
// latest-pinned.json with --pin) with the memory and callgrind figures as they are now, after
// bench/memory.mjs or bench/callgrind.mjs ran on a later commit than the run.
function render() {
  const saved = resultFile(pin ? "latest-pinned.json" : "latest.json");
  if (!saved) throw new Error("--render: no saved run in bench/results");
  const { meta, summary, raw, targets: _targets, memory: _memory, callgrind: _callgrind, ...result } = saved;
  publish(meta, summary, result, raw);
}

// The highest open-loop rate each lane holds against the 20 ms mock. A rate passes when the
// latency p99 (timed from each scheduled send, so queueing counts) is < 1 s, transport errors
// plus non-2xx answers are < 0.1 % of the attempts, and the lane kept up: it completed at least
// 97 % of what was scheduled in the window, less the requests still in flight at its end (about
// the median latency's worth). Without that last check, a lane serving 90 % of the rate would
// pass a 5-second window with a p99 below 1 s although its queue grows without bound.
async function runSustained(laneNames, targets) {
  const out = {};
  for (const lane of laneNames) {
    const target = targets[lane].via.slow;
    const trials = [];
    const attempt = async (rate) => {
      const r = await loadgen("open", target, { rate, connections: sustained.connections, duration: sustained.step_s,
                                                warmup: sustained.warmup_s });
      const attempts = r.requests + r.errors;
      const failureShare = attempts ? (r.errors + r.non_2xx) / attempts : 1;
      const expected = rate * Math.max(sustained.step_s - (r.latency_us.p50 ?? 0) / 1e6, 0);
      const trial = { rate, passed: false, p99_us: r.latency_us.p99, p50_us: r.latency_us.p50,
                      failure_share: +failureShare.toFixed(5), served_share: +(r.requests / expected).toFixed(3),
                      achieved_rate: r.achieved_rate, requests: r.requests, errors: r.errors, non_2xx: r.non_2xx,
                      ...(r.stderr ? { stderr: r.stderr } : {}) };
      trial.passed = r.latency_us.p99 !== null && r.latency_us.p99 < sustained.p99_limit_us &&
                     failureShare < sustained.failure_limit && trial.served_share >= sustained.served_min;
      trials.push(trial);
      console.error(`sustained ${lane} ${rate} req/s: ${trial.passed ? "held" : "not held"} (p99 ${trial.p99_us} µs, ` +
                    `failures ${(failureShare * 100).toFixed(3)} %, served ${trial.served_share})`);
      // A failed step leaves a backlog in the proxy; let it drain before the next one.
      if (!trial.passed) await sleep(2000);
      return trial.passed;
    };
    let held = 0;
    let failed = null;
    for (let rate = sustained.start_rate; rate <= sustained.max_rate && failed === null; rate *= 2) {
      if (await attempt(rate)) held = rate; else failed = rate;
    }
    for (let i = 0; failed !== null && i < sustained.bisections && failed - held > Math.max(held * 0.05, 50); i++) {
      const rate = Math.round((held + failed) / 2);
      if (await attempt(rate)) held = rate; else failed = rate;
    }
    out[lane] = { highest_rate: held, lowest_failed_rate: failed, at_highest: trials.find((t) => t.rate === held) ?? null, trials };
  }
  if (out.nginx) for (const s of Object.values(out)) s.vs_nginx = out.nginx.highest_rate ? +(s.highest_rate / out.nginx.highest_rate).toFixed(3) : null;
  if (out.portkey) for (const s of Object.values(out)) s.vs_portkey = out.portkey.highest_rate ? +(s.highest_rate / out.portkey.highest_rate).toFixed(2) : null;
  return out;
}

// Time to first frame and gaps between frames, closed loop at each concurrency; lanes
// interleaved in each repeat, medians reported, and each lane's p50/p99 minus direct's.
async function runStreaming(laneNames, targets) {
  const runs = {};
  for (let r = 0; r < repeats; r++) {
    for (const lane of laneNames) {
      for (const c of streaming.connections) {
        ((runs[lane] ??= {})[c] ??= []).push(await loadgen("stream", targets[lane].via.stream,
          { connections: c, duration, warmup: streaming.warmup_s }));
      }
    }
  }
  const out = {};
  for (const lane of laneNames) {
    out[lane] = {};
    for (const c of streaming.connections) {
      const list = runs[lane][c];
      const m = (pick) => median(list.map(pick));
      const streams = list.reduce((s, x) => s + x.streams, 0);
      out[lane][c] = {
        ttft_p50_us: m((x) => x.ttft_us.p50), ttft_p99_us: m((x) => x.ttft_us.p99),
        gap_p50_us: m((x) => x.frame_gap_us.p50), gap_p99_us: m((x) => x.frame_gap_us.p99),
        streams, frames_per_stream: streams ? +(list.reduce((s, x) => s + x.frames, 0) / streams).toFixed(2) : null,
        non_2xx: list.reduce((s, x) => s + x.non_2xx, 0), errors: list.reduce((s, x) => s + x.errors, 0),
        runs: list,
      };
    }
  }
  for (const lane of laneNames) {
    for (const c of streaming.connections) {
      const s = out[lane][c];
      const d = out.direct[c];
      s.added_ttft_p50_us = +(s.ttft_p50_us - d.ttft_p50_us).toFixed(1);
      s.added_ttft_p99_us = +(s.ttft_p99_us - d.ttft_p99_us).toFixed(1);
      s.added_gap_p50_us = +(s.gap_p50_us - d.gap_p50_us).toFixed(1);
      s.added_gap_p99_us = +(s.gap_p99_us - d.gap_p99_us).toFixed(1);
    }
  }
  return out;
}

// Concurrent streams through each proxy, one socket each. The proxy's and its mock's VmRSS, and
// the proxy's open descriptors, are sampled every 200 ms while the streams ramp up and are held;
// the highest sample is the peak.
// Between runs the proxy must have let go of every stream: the mock's open-stream gauge is polled
// until it reads 0 (the proxy notices a client gone at its next write, within one 500 ms token).
async function runHold(laneNames, targets, mocks) {
  const out = {};
  for (const lane of laneNames) {
    const t = targets[lane];
    const mock = mocks[`hold-${lane}`];
    const proxyPids = () => (lane === "nginx" ? withChildren(t.pid) : [t.pid]);
    out[lane] = [];
    for (const streams of hold.streams) {
      const before = { proxy_kb: rssKb(proxyPids()), mock_kb: rssKb([mock.pid]) };
      const peak = { proxy_kb: 0, mock_kb: 0, proxy_fds: 0 };
      const sampler = setInterval(() => {
        const pids = proxyPids();
        peak.proxy_kb = Math.max(peak.proxy_kb, rssKb(pids));
        peak.mock_kb = Math.max(peak.mock_kb, rssKb([mock.pid]));
        peak.proxy_fds = Math.max(peak.proxy_fds, maxFds(pids));
      }, 200);
      let r;
      try {
        r = await loadgen("hold", t.via[`hold-${lane}`], { streams, "ramp-per-second": hold.ramp_per_second,
                                                           duration: hold.hold_s, stall: hold.stall_s });
      } finally {
        clearInterval(sampler);
      }
      console.error(`hold ${lane} ${streams}: opened ${r.opened}, held ${r.held}, ${lane} VmRSS peak ${MB(peak.proxy_kb).toFixed(1)} MB, ${peak.proxy_fds} descriptors`);
      out[lane].push({ ...r, rss_before: before, rss_peak: peak });
      for (let i = 0; i < 300; i++) {
        const stats = await (await fetch(`${mock.url}/_mock/stats`)).json();
        if (stats.open_streams === 0) break;
        await sleep(100);
      }
      await sleep(1000);
    }
  }
  return out;
}

// Issue 6's targets, each with what this run (or memory.json) measured and whether it is met:
// met is null when the figure was not measured (a phase or lane not run, or no memory.json), and
// "undecided" when the medians pass but the repeats do not agree (on this shared machine one
// repeat can differ from the next by more than the margin): the figures of every repeat then go
// in the note.
function checkTargets(summary, result, memory, conc, raw) {
  const tg = summary.tollgate;
  const st = result.streaming?.tollgate?.[1];
  const tenK = result.hold?.tollgate?.find((h) => h.streams === 10000);
  const check = (target, measured, met, note) => ({ target, measured: measured ?? "not measured", met: measured == null ? null : met, ...(note ? { note } : {}) });
  const soakNote = memory && memory.meta.soak_seconds < 600 ? `memory.json's soak lasted ${memory.meta.soak_seconds} s, not 600: run node bench/memory.mjs` : undefined;
  // Repeat by repeat (the lanes are interleaved within a repeat): `value(tollgate, other)`.
  const repeats = (kind, other, value) => {
    const mine = raw?.tollgate?.[kind], theirs = raw?.[other]?.[kind];
    return mine && theirs ? mine.map((m, i) => (theirs[i] ? value(m, theirs[i]) : null)).filter((v) => v != null) : [];
  };
  const withRepeats = (target, measured, met, each, ok, describe) => {
    const verdict = check(target, measured, met);
    if (verdict.met && !each.every(ok)) {
      verdict.met = "undecided";
      verdict.note = `repeat by repeat ${each.map(describe).join(", ")}: not every repeat meets it`;
    }
    return verdict;
  };
  const addedP99 = repeats("c1", "direct", (m, d) => m.p99_us - d.p99_us);
  const vsNginx = repeats("cN", "nginx", (m, n) => m.rps / n.rps);
  // What of the added time at c=1 is Tollgate's own work, by its overhead histogram.
  const ownC1 = tg?.self_overhead_us?.c1;
  const latency = withRepeats("added p99 at c=1 ≤ 50 µs over direct", tg?.added_p99_us != null ? `${tg.added_p99_us} µs` : null,
                              tg?.added_p99_us <= 50, addedP99, (v) => v <= 50, (v) => `${Math.round(v)} µs`);
  if (ownC1 && latency.met !== true) {
    latency.note = [latency.note, `Tollgate's own time per request at c=1: p99 ≤ ${ownC1.p99_le} µs, mean ${ownC1.mean} µs`].filter(Boolean).join("; ");
  }
  return [
    latency,
    withRepeats(`c=${conc} throughput ≥ 1.0× nginx`, tg?.rps_vs_nginx != null ? `${tg.rps_vs_nginx}×` : null,
                tg?.rps_vs_nginx >= 1, vsNginx, (v) => v >= 1, (v) => `${v.toFixed(3)}×`),
    check(`c=${conc} throughput ≥ 20× portkey`, tg?.rps_vs_portkey != null ? `${tg.rps_vs_portkey}×` : null, tg?.rps_vs_portkey >= 20),
    check("streaming added TTFT p99 ≤ 200 µs (c=1)", st ? `${st.added_ttft_p99_us} µs` : null, st?.added_ttft_p99_us <= 200),
    check("streaming added per-frame p99 ≤ 10 µs (c=1)", st ? `${st.added_gap_p99_us} µs` : null, st?.added_gap_p99_us <= 10),
    check("10,000 concurrent streams, gateway RSS ≤ 300 MB", tenK ? `${tenK.held.toLocaleString("en")} held, ${MB(tenK.rss_peak.proxy_kb).toFixed(1)} MB` : null,
          tenK?.held >= 10000 && MB(tenK.rss_peak.proxy_kb) <= 300,
          tenK && tenK.held < 10000 ? `the open-file limit is ${fdLimit.toLocaleString("en")} per process and each proxied stream takes two` : undefined),
    check("idle RSS ≤ 30 MB (bench/memory.mjs)", memory ? `${MB(memory.idle.vm_rss_kb).toFixed(1)} MB (commit ${memory.meta.commit})` : null,
          memory && MB(memory.idle.vm_rss_kb) <= 30),
    // A soak shorter than the 10 minutes asked for cannot meet the target, whatever its drift.
    check("RSS flat ±5 % across a 10-minute soak (bench/memory.mjs)",
          memory ? `${memory.soak.drift_pct} % over ${memory.meta.soak_seconds} s` +
                   (memory.meta.warmup_seconds ? ` after a ${memory.meta.warmup_seconds} s warm-up` : "") +
                   `, samples ${MB(memory.soak.min_kb).toFixed(1)}–${MB(memory.soak.max_kb).toFixed(1)} MB` +
                   (memory.soak.trend_pct !== undefined ? `, trend ${memory.soak.trend_pct} %` : "") +
                   ` (commit ${memory.meta.commit})` : null,
          memory ? (soakNote ? null : Math.abs(memory.soak.drift_pct) <= 5) : null, soakNote),
  ];
}

// The markdown of bench/results/latest.md and of docs/benchmarks.md's generated block.
function report(meta, summary, result, memory, callgrind, targetsMet, requestBytes) {
  const n = (x, digits = 0) => (x == null ? "—" : Number(x).toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: digits }));
  const mb = (kb) => n(MB(kb), 1);
  const lines = [
    `Commit \`${meta.commit}\`, ${meta.date}, ${meta.cpus} cores, \`node bench/run.mjs${meta.quick ? " --quick" : ""}\`, ` +
    `phases ${meta.phases.join(", ")}, lanes ${meta.lanes.join(", ")}${meta.pinned ? "; load generators and mocks pinned to core 0, proxies to core 1" : ""}.` +
    (meta.quick ? " **Quick run: shortened measurements, a check that the benchmark works, not results.**" : ""),
  ];
  if (Object.keys(summary).length) {
    const vsPortkey = summary.portkey?.rps_vs_portkey !== undefined;
    lines.push("", `**Latency and throughput** (wrk, ${requestBytes}-byte request, ${meta.duration_s} s per measurement, ` +
      `median of ${meta.repeats} interleaved repeats):`, "",
      `| lane | p50 µs (c=1) | p99 µs (c=1) | added p50 µs | added p99 µs | req/s (c=${meta.concurrency}) | × nginx |${vsPortkey ? " × portkey |" : ""} server CPU µs/request, user + kernel (c=${meta.concurrency}) | non-2xx |`,
      `|---|---|---|---|---|---|---|${vsPortkey ? "---|" : ""}---|---|`,
      ...Object.entries(summary).map(([lane, s]) =>
        `| ${lane} | ${n(s.p50_us)} | ${n(s.p99_us)} | ${lane === "direct" ? "—" : n(s.added_p50_us)} | ${lane === "direct" ? "—" : n(s.added_p99_us)} | ` +
        `${n(s.rps)} | ${s.rps_vs_nginx ?? "—"} |${vsPortkey ? ` ${s.rps_vs_portkey} |` : ""} ` +
        `${s.cpu_user_us != null ? `${n(s.cpu_user_us, 1)} + ${n(s.cpu_sys_us, 1)}` : "—"} | ${s.non2xx}${s.socket_errors.length ? ` (socket errors: ${s.socket_errors.join("; ")})` : ""} |`));
    if (meta.phases.includes("throughput")) {
      lines.push("", "Server CPU: the CPU time the proxy's processes (nginx: master and worker; the mock in the direct lane) " +
        "used during the c=" + meta.concurrency + " measurement, per request served, from /proc (median of the repeats); " +
        "Tollgate's includes its usage writer thread.");
    }
    const o = summary.tollgate?.self_overhead_us;
    const own = (x) => `mean ${x.mean} µs, p50 ≤ ${x.p50_le} µs, p99 ≤ ${x.p99_le} µs over ${n(x.requests)} requests`;
    if (o?.mean !== undefined) {  // a run before the thirteenth session: both phases together
      lines.push("", `Tollgate's own time per request (its overhead histogram, both phases together): ${own(o)} (bucket bounds).`);
    } else if (o && (o.c1 || o.cN)) {
      lines.push("", "Tollgate's own time per request (its overhead histogram, x-tollgate-overhead-us: the time it spent on " +
        "the request, less the waits on the upstream and on the client's socket; bucket bounds, tollgate lane only): " +
        [o.c1 && `at c=1 ${own(o.c1)}`, o.cN && `at c=${meta.concurrency} ${own(o.cN)}`].filter(Boolean).join("; ") + ".");
    }
  }
  if (result.sustained) {
    const s = meta.sustained;
    lines.push("", `**Sustained rate** (tollgate-loadgen open loop, ${s.connections} connections, mock waiting ${s.mock_ttft_ms} ms before each reply; ` +
      `${s.step_s} s per rate after ${s.warmup_s} s of warm-up, rates doubled from ${s.start_rate} req/s then bisected ${s.bisections} times; ` +
      `held: p99 < 1 s, failures < 0.1 %, ≥ ${s.served_min * 100} % of the schedule served):`, "",
      "| lane | highest rate held, req/s | p99 ms at it | failures at it | lowest rate not held | × nginx | rates tried (✓ held) |",
      "|---|---|---|---|---|---|---|",
      ...Object.entries(result.sustained).map(([lane, r]) =>
        `| ${lane} | ${n(r.highest_rate)} | ${r.at_highest ? n(r.at_highest.p99_us / 1000, 1) : "—"} | ${r.at_highest ? `${n(r.at_highest.failure_share * 100, 3)} %` : "—"} | ` +
        `${n(r.lowest_failed_rate)} | ${r.vs_nginx ?? "—"} | ${r.trials.map((t) => `${t.rate}${t.passed ? "✓" : ""}`).join(", ")} |`));
  }
  if (result.streaming) {
    const s = meta.streaming;
    lines.push("", `**Streaming** (tollgate-loadgen stream, ${s.tokens} tokens ${s.mock_itl_ms} ms apart = ${s.tokens + 3} frames per stream; ` +
      `${meta.duration_s} s per measurement after ${s.warmup_s} s of warm-up, median of ${meta.repeats} interleaved repeats; ` +
      "the mock sends its role chunk with the response head, so TTFT is the time to that first frame):", "",
      "| lane | c | TTFT p50 µs | TTFT p99 µs | added TTFT p99 µs | frame gap p50 µs | frame gap p99 µs | added gap p99 µs | frames/stream | streams | non-2xx + errors |",
      "|---|---|---|---|---|---|---|---|---|---|---|",
      ...Object.entries(result.streaming).flatMap(([lane, byC]) => Object.entries(byC).map(([c, r]) =>
        `| ${lane} | ${c} | ${n(r.ttft_p50_us, 1)} | ${n(r.ttft_p99_us, 1)} | ${lane === "direct" ? "—" : n(r.added_ttft_p99_us, 1)} | ` +
        `${n(r.gap_p50_us, 1)} | ${n(r.gap_p99_us, 1)} | ${lane === "direct" ? "—" : n(r.added_gap_p99_us, 1)} | ${r.frames_per_stream ?? "—"} | ${n(r.streams)} | ${r.non_2xx + r.errors} |`)));
  }
  if (result.hold) {
    const h = meta.hold;
    lines.push("", `**Concurrent streams** (tollgate-loadgen hold, one socket per stream, started at ${n(h.ramp_per_second)}/s and held ${h.hold_s} s ` +
      `after the last started; a mock per proxy streaming ${n(h.tokens)} tokens ${h.mock_itl_ms} ms apart; VmRSS sampled every 200 ms, ` +
      `MB = 10⁶ bytes; the open-file limit is ${n(meta.fd_limit)} per process):`, "",
      "| lane | streams | opened | held | peak concurrent | waiting | non-2xx + errors | proxy VmRSS before → peak, MB | proxy's open descriptors, peak | its mock's VmRSS peak, MB |",
      "|---|---|---|---|---|---|---|---|---|---|",
      ...Object.entries(result.hold).flatMap(([lane, list]) => list.map((r) =>
        `| ${lane}${lane === "nginx" ? " (master + worker)" : ""} | ${n(r.streams)} | ${n(r.opened)} | ${n(r.held)} | ${n(r.peak_concurrent)} | ${n(r.waiting)} | ` +
        `${r.non_2xx + r.errors}${r.stderr ? ` (${r.stderr.replace(/\|/g, "/")})` : ""} | ${mb(r.rss_before.proxy_kb)} → ${mb(r.rss_peak.proxy_kb)} | ${n(r.rss_peak.proxy_fds)} | ${mb(r.rss_peak.mock_kb)} |`)));
  }
  if (memory) {
    lines.push("", `**Memory** (\`node bench/memory.mjs\`, bench/results/memory.json, commit \`${memory.meta.commit}\`, ${memory.meta.date}; ` +
      `gateway with billing on, wrk c=${memory.meta.concurrency}): idle VmRSS ${mb(memory.idle.vm_rss_kb)} MB; ` +
      `under load (${memory.meta.load_seconds} s) peak ${mb(memory.load.peak_vm_rss_kb)} MB; ` +
      (memory.warmup ? `warm-up ${memory.meta.warmup_seconds} s under the same load: ${mb(memory.warmup.first_kb)} → ${mb(memory.warmup.last_kb)} MB; ` : "") +
      `soak ${memory.meta.soak_seconds} s: ` +
      `${mb(memory.soak.first_kb)} → ${mb(memory.soak.last_kb)} MB, drift ${memory.soak.drift_pct} % (RssAnon ${memory.soak.rss_anon_drift_pct} %)` +
      (memory.soak.trend_pct !== undefined
        ? `, band ${memory.soak.band_pct} %, trend ${memory.soak.trend_pct} % (RssAnon ${memory.soak.rss_anon_trend_pct} %).`
        : "."));
  }
  if (callgrind) {
    lines.push("", `**CPU per request** (\`node bench/callgrind.mjs\`, bench/results/callgrind.json, commit \`${callgrind.meta.commit}\`, ` +
      `${callgrind.meta.date}; user-space instructions of every gateway thread, idle rate subtracted` +
      (callgrind.meta.usage_batch_ms ? `; usage rows batched for ${callgrind.meta.usage_batch_ms} ms, as under load` : "") + "):", "",
      "| kind | instructions per request | event loop | usage writer | pollers |",
      "|---|---|---|---|---|",
      ...Object.values(callgrind.results).map((r) => `| ${r.kind} | ${n(r.instructions_per_request)} | ` +
        `${n(r.per_request_by_group.event_loop)} | ${n(r.per_request_by_group.usage_writer)} | ${n(r.per_request_by_group.pollers)} |`),
      ...(callgrind.reference?.nginx ? [`| ${callgrind.reference.nginx.kind} | ${n(callgrind.reference.nginx.instructions_per_request)} | — | — | — |`] : []));
  }
  lines.push("", "**Issue 6's targets** (Tollgate lane):", "", "| target | measured | met |", "|---|---|---|",
    ...targetsMet.map((t) => `| ${t.target} | ${t.measured} | ${t.met === null ? "—" : t.met === "undecided" ? "undecided" : t.met ? "yes" : "**no**"}${t.note ? ` (${t.note})` : ""} |`));
  return lines.join("\n");
}

// docs/benchmarks.md keeps the latest results between two marker lines in its Results section;
// only what lies between them is replaced.
function writeDocs(markdown) {
  const file = join(root, "docs/benchmarks.md");
  const begin = "<!-- bench/run.mjs: generated results begin -->";
  const end = "<!-- bench/run.mjs: generated results end -->";
  const text = readFileSync(file, "utf8");
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) {
    console.error(`docs/benchmarks.md: no generated block (${begin} … ${end}); left as it is`);
    return;
  }
  writeFileSync(file, `${text.slice(0, from + begin.length)}\n${markdown}\n${text.slice(to)}`);
}

try {
  if (args.render !== undefined) render();
  else await main();
} finally {
  for (const c of children) c.kill("SIGTERM");
  // The work directory goes too: its database grows by ~300 bytes a request (gigabytes a run).
  rmSync(work, { recursive: true, force: true });
}
