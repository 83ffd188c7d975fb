// CPU per request (BENCH.md figure 5): instructions the gateway executes for one request of each
// kind, counted by valgrind's callgrind. Wall-clock time on this 2-core shared machine varies
// from run to run; an instruction count does not, so this is the figure to compare across commits.
//
//   node bench/callgrind.mjs [--requests 200] [--warmup 50] [--itl-ms 2] [--usage-batch-ms 5000] [--no-nginx]
//
// One gateway (threads: 1, billing on, a usage row and ledger entries per request) runs under
// `valgrind --tool=callgrind --instr-atstart=no --separate-threads=yes`; the mock runs natively.
// After a warm-up of every kind with instrumentation off, each kind is measured on its own:
// instrumentation on, a dump to zero the counters, N requests one at a time, a wait until the
// usage writer has committed all of them (its work is part of a request's cost), a dump,
// instrumentation off. Every thread is counted (one dump file per thread, its `summary:` line),
// and each is put in one of three groups by the functions it ran: the usage writer (its two
// threads, UsageWriter::run_background and ::run_catch_up), the pollers (WalletSync::run,
// KeyCacheRefresher::run: they read SQLite every 200 ms, and more after the writer commits), and
// the rest (the event loop and the other gateway threads).
//
// The event loop's watchdog and the pollers also work while idle: they would charge each request
// with however long it took under valgrind. So each group's idle rate (instructions per second
// with no requests) is measured first, with the same procedure, and subtracted for each kind's
// duration. Counts are user-space instructions only: the kernel's socket work is not in them.
//
// For reference, nginx as bench/run.mjs's nginx lane runs it (one process here, master_process
// off, so that the process is the worker) is measured the same way for the passthrough JSON
// request, in front of the same mock: what a plain proxy executes for the request the gateway
// authenticates, validates, meters and logs. --no-nginx leaves it out.
//
// Writes bench/results/callgrind.json (with the commit) and prints a markdown table.
import { billingGateway } from "./billing_gateway.mjs";
import { chatRequest } from "./chat_request.mjs";
import { freePort, waitForHttp } from "./listening.mjs";
import { nginxConf } from "./nginx_proxy.mjs";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import http from "node:http";

const root = resolve(new URL("..", import.meta.url).pathname);
const argv = process.argv.slice(2);
const option = (name, fallback) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
const requests = option("--requests", 200);
const warmup = option("--warmup", 50);
// The mock paces stream tokens (--itl-ms) so that each frame reaches the gateway in a read of
// its own, as a model's tokens do; unpaced, how many frames one read picks up depends on timing
// and the stream counts vary by several percent from run to run.
const itlMs = option("--itl-ms", 2);
const idleSeconds = 3;
// The usage writer gathers rows for this long before a commit (store.usage_batch_ms): a kind's
// rows are then written in a few large commits, as under load (at 20,000 requests/s its default
// 20 ms gathers 400), and not one commit per request when requests take longer than 20 ms each
// under valgrind, as streams do (a whole commit was charged to every stream until the tenth
// session: 135,000 of its 303,000 instructions).
const usageBatchMs = option("--usage-batch-ms", 5000);
const withNginx = !argv.includes("--no-nginx");
const bin = join(root, "build/bin");
const work = mkdtempSync(join(tmpdir(), "tollgate-callgrind-"));
const children = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Starts a process and resolves with the port from its "listening on …:PORT" line (valgrind
// writes its banner to stderr, the gateway its line to stdout: both are watched).
function start(cmd, args, timeoutMs) {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${cmd} did not start: ${out}`)), timeoutMs);
    const watch = (data) => {
      out += data;
      const m = /listening on (?:http:\/\/)?\S+?:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok({ child, port: Number(m[1]) });
      }
    };
    child.stdout.on("data", watch);
    child.stderr.on("data", watch);
    child.on("exit", (code) => fail(new Error(`${cmd} exited ${code}: ${out}`)));
  });
}

const body = (model, stream) => JSON.stringify(chatRequest(model, stream));
const kinds = [
  { name: "chat JSON, passthrough", key: "passthrough_json", body: body("gpt-4o-mini", false) },
  { name: "chat stream, passthrough", key: "passthrough_stream", body: body("gpt-4o-mini", true) },
  { name: "chat → Anthropic format, JSON", key: "translate_json", body: body("claude-bench", false) },
  { name: "chat → Anthropic format, stream", key: "translate_stream", body: body("claude-bench", true) },
];

// One connection, one request at a time: the count is for one request, not for contention.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function post(port, key, payload, agentFor = agent) {
  return new Promise((ok, fail) => {
    const req = http.request({ host: "127.0.0.1", port, path: "/v1/chat/completions", method: "POST", agent: agentFor,
                               headers: { "content-type": "application/json", authorization: `Bearer ${key}` } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => {
        // A count is only worth something if every request was served whole.
        const whole = res.statusCode === 200 &&
          (payload.includes('"stream":true') ? text.includes("data: [DONE]") : text.includes('"choices"'));
        whole ? ok() : fail(new Error(`bad answer ${res.statusCode}: ${text.slice(0, 300)}`));
      });
    });
    req.on("error", fail);
    req.end(payload);
  });
}

// Output captured, not echoed: callgrind_control reports every command it sends on stderr.
const run = (cmd, args) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const control = (pid, ...args) => run("callgrind_control", [...args, String(pid)]);

const groups = ["event_loop", "usage_writer", "pollers"];
const groupOf = (text) => (/UsageWriter::run_(background|catch_up)\(\)/.test(text) ? "usage_writer"
  : /WalletSync::run\(\)|KeyCacheRefresher::run\(\)/.test(text) ? "pollers" : "event_loop");

// Asks for a dump labelled `label` and returns each group's instructions since the last dump
// (a dump also zeroes the counters, so it starts the next interval). callgrind_control returns
// once valgrind has written the files: one per thread, callgrind.out.<pid>.<part>-<thread>.
function dump(pid, label) {
  control(pid, `--dump=${label}`);
  const counts = Object.fromEntries(groups.map((g) => [g, 0]));
  let files = 0;
  for (const file of readdirSync(work).filter((f) => f.startsWith("callgrind.out."))) {
    const text = readFileSync(join(work, file), "utf8");
    if (!text.includes(`\ndesc: Trigger: dump ${label}\n`)) continue;
    counts[groupOf(text)] += Number(/^summary: (\d+)/m.exec(text)[1]);
    files++;
  }
  if (files === 0) throw new Error(`callgrind dump ${label} not found in ${work}`);
  return counts;
}

// nginx's instructions per passthrough JSON request, measured as the gateway's are (its idle
// rate subtracted too; nginx has no other thread).
async function nginxReference(mockPort, payload) {
  const port = await freePort();
  const conf = join(work, "nginx.conf");
  writeFileSync(conf, nginxConf({ work, port, connections: 1024,
                                  upstreams: [{ prefix: "/", name: "mock", port: mockPort, keepalive: 64 }] })
    .replace("daemon off;", "daemon off;\nmaster_process off;"));
  const child = spawn("valgrind", ["--tool=callgrind", "--instr-atstart=no",
    `--callgrind-out-file=${join(work, "nginx.out.%p")}`, "nginx", "-c", conf, "-p", work],
    { stdio: ["ignore", "ignore", "ignore"] });
  children.push(child);
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, 600);
  const nginxAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const send = async (n) => { for (let i = 0; i < n; i++) await post(port, "bench-upstream", payload, nginxAgent); };
  const count = (label) => {
    control(child.pid, `--dump=${label}`);
    let total = 0;
    for (const file of readdirSync(work).filter((f) => f.startsWith("nginx.out."))) {
      const text = readFileSync(join(work, file), "utf8");
      if (text.includes(`\ndesc: Trigger: dump ${label}\n`)) total += Number(/^summary: (\d+)/m.exec(text)[1]);
    }
    return total;
  };
  const around = async (label, task) => {
    control(child.pid, "--instr=on");
    count(`${label}-start`);
    const started = process.hrtime.bigint();
    await task();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const instructions = count(label);
    control(child.pid, "--instr=off");
    return { instructions, seconds };
  };
  await send(warmup);
  const idle = await around("nginx-idle", () => sleep(idleSeconds * 1000));
  const measured = await around("nginx", () => send(requests));
  nginxAgent.destroy();
  child.kill("SIGTERM");
  return {
    kind: "chat JSON through nginx (proxy_pass, keepalive pool; reference)",
    instructions_per_request: Math.round((measured.instructions - idle.instructions / idle.seconds * measured.seconds) / requests),
    counted: measured.instructions,
    seconds: +measured.seconds.toFixed(2),
  };
}

// Waits until the usage writer has committed `expected` rows: until then, part of the measured
// requests' cost has not been paid yet.
async function usageCommitted(db, expected) {
  for (let i = 0; i < 600; i++) {
    // .timeout: a reader can meet SQLITE_BUSY while the writer checkpoints the WAL.
    const rows = Number(run("sqlite3", ["-cmd", ".timeout 2000", db, "SELECT count(*) FROM usage_log"]));
    if (rows >= expected) return;
    await sleep(50);
  }
  throw new Error(`usage log never reached ${expected} rows`);
}

// Instructions per group counted around `task`, and the seconds it took (for the idle correction).
async function measure(pid, label, task) {
  control(pid, "--instr=on");
  dump(pid, `${label}-start`);
  const started = process.hrtime.bigint();
  await task();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const counts = dump(pid, label);
  control(pid, "--instr=off");
  return { counts, seconds };
}

async function main() {
  const { port: mockPort } = await start(join(bin, "tollgate-mock"), ["--port", "0", "--quiet", "--threads", "1",
                                                                      "--itl-ms", String(itlMs)], 15000);
  const mockUrl = `http://127.0.0.1:${mockPort}`;
  const db = join(work, "tollgate.db");
  const { config, key } = billingGateway({ bin, work, mockUrl, translate: true, usageBatchMs });
  const tollgate = join(bin, "tollgate");
  const { child, port } = await start("valgrind", ["--tool=callgrind", "--instr-atstart=no", "--separate-threads=yes",
    `--callgrind-out-file=${join(work, "callgrind.out.%p")}`, tollgate, "serve", "--config", config], 180000);
  const pid = child.pid;  // valgrind execs the tool in place: the gateway keeps this pid

  let sent = 0;
  const send = async (kind, n) => {
    for (let i = 0; i < n; i++) await post(port, key, kind.body);
    sent += n;
    await usageCommitted(db, sent);
  };
  for (const kind of kinds) await send(kind, warmup);

  const idle = await measure(pid, "idle", () => sleep(idleSeconds * 1000));
  const idlePerSecond = Object.fromEntries(groups.map((g) => [g, Math.round(idle.counts[g] / idle.seconds)]));
  const results = {};
  for (const kind of kinds) {
    const m = await measure(pid, kind.key, () => send(kind, requests));
    const perRequest = Object.fromEntries(groups.map((g) =>
      [g, Math.round((m.counts[g] - idlePerSecond[g] * m.seconds) / requests)]));
    results[kind.key] = {
      kind: kind.name,
      instructions_per_request: groups.reduce((sum, g) => sum + perRequest[g], 0),
      per_request_by_group: perRequest,
      counted: m.counts,
      seconds: +m.seconds.toFixed(2),
    };
  }

  const reference = withNginx ? { nginx: await nginxReference(mockPort, kinds[0].body) } : undefined;

  const commit = run("git", ["-C", root, "rev-parse", "--short", "HEAD"]).trim();
  const valgrind = run("valgrind", ["--version"]).trim();
  const meta = { commit, date: new Date().toISOString(), requests_per_kind: requests, warmup_per_kind: warmup, valgrind,
                 mock_itl_ms: itlMs, usage_batch_ms: usageBatchMs,
                 idle_instructions_per_second: idlePerSecond,
                 request_bytes: kinds[0].body.length,
                 note: "callgrind Ir of every thread, each group's idle rate × duration subtracted; user space only" };
  mkdirSync(join(root, "bench/results"), { recursive: true });
  writeFileSync(join(root, "bench/results/callgrind.json"), JSON.stringify({ meta, results, reference }, null, 2) + "\n");

  const n = (x) => x.toLocaleString("en");
  console.log([
    `Commit \`${commit}\`, ${meta.date}, ${valgrind}: ${requests} requests per kind one at a time after ${warmup} of each kind, ` +
    `gateway with \`threads: 1\`, billing on and usage rows batched for ${usageBatchMs} ms, mock stream tokens ${itlMs} ms apart; every thread counted, minus each group's idle rate ` +
    `(event loop ${n(idlePerSecond.event_loop)}, usage writer ${n(idlePerSecond.usage_writer)}, pollers ${n(idlePerSecond.pollers)} instructions/s) × the kind's duration. Dumps: ${work}`,
    "",
    "| kind | instructions per request | event loop | usage writer | pollers |",
    "|---|---|---|---|---|",
    ...Object.values(results).map((r) => `| ${r.kind} | **${n(r.instructions_per_request)}** | ` +
      groups.map((g) => n(r.per_request_by_group[g])).join(" | ") + " |"),
    ...(reference ? [`| ${reference.nginx.kind} | **${n(reference.nginx.instructions_per_request)}** | — | — | — |`] : []),
  ].join("\n"));
}

try {
  await main();
} finally {
  for (const c of children) c.kill("SIGTERM");
}
