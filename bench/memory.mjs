// Resident memory of the gateway (BENCH.md figure 4): idle after start, under load, and across a
// soak, where it must stay flat (target: the last sample within ±5 % of the first).
//
//   node bench/memory.mjs [--load-seconds 10] [--warmup-seconds 120] [--soak-seconds 600]
//                         [--concurrency 64]
//
// One gateway as bench/run.mjs's tollgate lane runs it (threads: 1, access log off), with billing
// on so that the wallet, the ledger and the usage log all hold state, in front of the mock. The
// load is wrk with bench/request.lua (the ~1 KB non-streaming chat request) at --concurrency
// connections. Figures come from /proc/<pid>/status: VmRSS (resident now), VmHWM (the highest
// VmRSS so far) and RssAnon (the heap and stacks, without file pages such as SQLite's shared
// WAL index: a leak shows there).
//
// Phases: idle (1 s after the gateway is listening), load (--load-seconds; VmRSS sampled every
// second, the highest kept), warm-up (--warmup-seconds more of the same load, a sample every 10 s:
// the gateway's caches and allocator arenas fill up to their working size — on this machine in
// the first ~80 s — and what they took is reported, first and last sample), soak
// (--soak-seconds of constant load right after; a sample every 10 s: first, last, min, max, the
// drift last/first — the figure that must stay flat: BENCH.md warms up before measuring — and,
// as readings of the same samples that a late release does not count as drift, the band
// (max − min)/first and the trend, a least-squares line's rise over the soak / the mean).
// Each warm-up and soak sample also has the rate served since the sample before and the usage
// writer's backlog (from /metrics): memory in flight grows with both, so a step in VmRSS can be
// read against a change of rate or a backlog.
// Writes bench/results/memory.json (with the commit) and prints a markdown table.
import { billingGateway } from "./billing_gateway.mjs";
import { chatRequest } from "./chat_request.mjs";
import { startListening } from "./listening.mjs";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(new URL("..", import.meta.url).pathname);
const argv = process.argv.slice(2);
const option = (name, fallback) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
const loadSeconds = option("--load-seconds", 10);
const warmupSeconds = option("--warmup-seconds", 120);
const soakSeconds = option("--soak-seconds", 600);
const concurrency = option("--concurrency", 64);
const soakSampleSeconds = 10;
const bin = join(root, "build/bin");
const work = mkdtempSync(join(tmpdir(), "tollgate-memory-"));
const children = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const run = (cmd, args) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

const start = (cmd, args) => startListening(cmd, args, children);

// VmRSS, VmHWM and RssAnon of `pid`, in KiB.
function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)[1]);
  return { vm_rss_kb: field("VmRSS"), vm_hwm_kb: field("VmHWM"), rss_anon_kb: field("RssAnon") };
}

// wrk for `seconds` in the background; resolves with what it served.
function wrk(url, seconds, env) {
  const child = spawn("wrk", ["-t", "2", "-c", String(concurrency), "-d", `${seconds}s`,
                              "-s", join(root, "bench/request.lua"), url],
                      { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  return new Promise((ok, fail) => child.on("exit", (code) => {
    if (code !== 0) return fail(new Error(`wrk exited ${code}: ${out}`));
    ok({ requests: Number(/(\d+) requests in/.exec(out)[1]),
         rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]),
         non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
         socket_errors: /Socket errors: (.*)/.exec(out)?.[1] ?? "" });
  }));
}

// From the gateway's /metrics: requests answered so far, and usage submissions not yet written.
async function progress(metricsUrl) {
  const text = await (await fetch(metricsUrl)).text();
  let requests = 0;
  for (const m of text.matchAll(/^tollgate_requests_total\{[^}]*\} (\d+)/gm)) requests += Number(m[1]);
  return { requests, usage_backlog: Number(/^tollgate_usage_backlog (\d+)/m.exec(text)?.[1] ?? 0) };
}

// Samples the gateway's memory every `everySeconds` for `seconds` under a wrk load; wrk runs one
// second longer, so that the last sample is taken under load too. Each sample also has the rate
// served since the one before and the usage writer's backlog: memory in flight grows with both,
// so a step in VmRSS can be read against them.
async function underLoad(pid, url, env, seconds, everySeconds) {
  const metricsUrl = new URL("/metrics", url).href;
  const started = Date.now();
  let before = await progress(metricsUrl);
  const load = wrk(url, seconds + 1, env);
  const samples = [];
  for (let next = everySeconds; next <= seconds; next += everySeconds) {
    await sleep(started + next * 1000 - Date.now());
    const now = await progress(metricsUrl);
    samples.push({ t_s: next, ...memory(pid), rps: Math.round((now.requests - before.requests) / everySeconds),
                   usage_backlog: now.usage_backlog });
    before = now;
  }
  return { samples, served: await load };
}

const mib = (kb) => +(kb / 1024).toFixed(1);

async function main() {
  const { port: mockPort } = await start(join(bin, "tollgate-mock"), ["--port", "0", "--quiet", "--threads", "1"]);
  const mockUrl = `http://127.0.0.1:${mockPort}`;
  const { config, key } = billingGateway({ bin, work, mockUrl });
  const tollgate = join(bin, "tollgate");
  const { child, port } = await start(tollgate, ["serve", "--config", config]);
  const pid = child.pid;

  const body = JSON.stringify(chatRequest());
  const bodyFile = join(work, "body.json");
  writeFileSync(bodyFile, body);
  const url = `http://127.0.0.1:${port}/v1/chat/completions`;
  const env = { BENCH_BODY: bodyFile, BENCH_KEY: key, BENCH_HEADERS: "" };

  await sleep(1000);
  const idle = memory(pid);

  const load = await underLoad(pid, url, env, loadSeconds, 1);
  const loadPeak = Math.max(...load.samples.map((s) => s.vm_rss_kb));
  const afterLoad = memory(pid);

  const warmup = warmupSeconds > 0
    ? await underLoad(pid, url, env, warmupSeconds, soakSampleSeconds)
    : { samples: [afterLoad], served: load.served };
  const warmupSummary = { first_kb: warmup.samples[0].vm_rss_kb, last_kb: warmup.samples.at(-1).vm_rss_kb };

  const soak = await underLoad(pid, url, env, soakSeconds, soakSampleSeconds);
  const rss = soak.samples.map((s) => s.vm_rss_kb);
  const anon = soak.samples.map((s) => s.rss_anon_kb);
  const drift = (xs) => +((xs.at(-1) / xs[0] - 1) * 100).toFixed(2);
  // Two readings of "flat" besides last/first (which counts a release late in the soak as
  // drift): the band, (max − min) / first, and the trend, a least-squares line through every
  // sample, its rise over the whole soak / its mean — growth shows as a positive trend.
  const band = (xs) => +(((Math.max(...xs) - Math.min(...xs)) / xs[0]) * 100).toFixed(2);
  const trend = (xs) => {
    const ts = soak.samples.map((sample) => sample.t_s);
    const mean = (vs) => vs.reduce((a, b) => a + b, 0) / vs.length;
    const tMean = mean(ts), xMean = mean(xs);
    const slope = ts.reduce((sum, t, i) => sum + (t - tMean) * (xs[i] - xMean), 0) /
                  ts.reduce((sum, t) => sum + (t - tMean) ** 2, 0);
    return +(((slope * (ts.at(-1) - ts[0])) / xMean) * 100).toFixed(2);
  };
  const soakSummary = {
    first_kb: rss[0], last_kb: rss.at(-1), min_kb: Math.min(...rss), max_kb: Math.max(...rss),
    drift_pct: drift(rss), rss_anon_drift_pct: drift(anon), band_pct: band(rss),
    trend_pct: trend(rss), rss_anon_trend_pct: trend(anon), vm_hwm_kb: memory(pid).vm_hwm_kb,
  };

  const commit = run("git", ["-C", root, "rev-parse", "--short", "HEAD"]).trim();
  const meta = { commit, date: new Date().toISOString(), concurrency, load_seconds: loadSeconds,
                 warmup_seconds: warmupSeconds, soak_seconds: soakSeconds,
                 soak_sample_seconds: soakSampleSeconds, request_bytes: body.length,
                 gateway: "threads: 1, billing on (batched), access log off" };
  const result = {
    meta,
    idle,
    load: { peak_vm_rss_kb: loadPeak, after: afterLoad, served: load.served, samples: load.samples },
    warmup: { ...warmupSummary, served: warmup.served, samples: warmup.samples },
    soak: { ...soakSummary, served: soak.served, samples: soak.samples },
  };
  mkdirSync(join(root, "bench/results"), { recursive: true });
  writeFileSync(join(root, "bench/results/memory.json"), JSON.stringify(result, null, 2) + "\n");

  const errors = (s) => `${s.non2xx} non-2xx${s.socket_errors ? `, socket errors: ${s.socket_errors}` : ""}`;
  console.log([
    `Commit \`${commit}\`, ${meta.date}, gateway \`threads: 1\` with billing on, wrk c=${concurrency} with the ${body.length}-byte chat request.`,
    "",
    "| phase | VmRSS MiB | VmHWM MiB | RssAnon MiB | load |",
    "|---|---|---|---|---|",
    `| idle, 1 s after start | ${mib(idle.vm_rss_kb)} | ${mib(idle.vm_hwm_kb)} | ${mib(idle.rss_anon_kb)} | — |`,
    `| under load (${loadSeconds} s): highest sample / at the end | ${mib(loadPeak)} / ${mib(afterLoad.vm_rss_kb)} | ${mib(afterLoad.vm_hwm_kb)} | ${mib(afterLoad.rss_anon_kb)} | ${load.served.rps.toFixed(0)} req/s, ${errors(load.served)} |`,
    `| warm-up (${warmupSeconds} s): first / last sample | ${mib(warmupSummary.first_kb)} / ${mib(warmupSummary.last_kb)} | — | ${mib(warmup.samples.at(-1).rss_anon_kb)} | ${warmup.served.rps.toFixed(0)} req/s, ${errors(warmup.served)} |`,
    `| soak (${soakSeconds} s): last sample | ${mib(soakSummary.last_kb)} | ${mib(soakSummary.vm_hwm_kb)} | ${mib(soak.samples.at(-1).rss_anon_kb)} | ${soak.served.rps.toFixed(0)} req/s, ${soak.served.requests} requests, ${errors(soak.served)} |`,
    "",
    `Soak, VmRSS every ${soakSampleSeconds} s: first ${mib(soakSummary.first_kb)} MiB, last ${mib(soakSummary.last_kb)} MiB, ` +
    `min ${mib(soakSummary.min_kb)} MiB, max ${mib(soakSummary.max_kb)} MiB; drift last/first **${soakSummary.drift_pct} %** ` +
    `(RssAnon ${soakSummary.rss_anon_drift_pct} %; target within ±5 %), band (max − min)/first ${soakSummary.band_pct} %, ` +
    `trend over the soak ${soakSummary.trend_pct} % (RssAnon ${soakSummary.rss_anon_trend_pct} %).`,
    "",
    `Warm-up and soak samples, VmRSS MiB @ req/s since the sample before (usage backlog): ` +
    [...warmup.samples, ...soak.samples].map((x) => `${mib(x.vm_rss_kb)} @ ${x.rps} (${x.usage_backlog})`).join(", ") + ".",
  ].join("\n"));
}

try {
  await main();
} finally {
  for (const c of children) c.kill("SIGTERM");
  // The work directory goes too: its database grows by ~300 bytes a request (gigabytes a run).
  rmSync(work, { recursive: true, force: true });
}
