// Two builds of the gateway compared at the same time (BENCH.md: side by side, one run).
//
//   node bench/ab.mjs --a <bin dir | nginx> --b <bin dir | nginx> [--seconds 8] [--rounds 4]
//                     [--concurrency 32] [--billing] [--threads 1] [--a-env K=V,...] [--b-env K=V,...]
//
// On this shared 2-core machine one build measured alone after the other moves by ±25 % from
// one run to the next (the machine's own speed changes by the minute), more than most changes
// are worth. Here both gateways run together, each behind its own wrk at --concurrency
// connections, both in front of one mock, for the same seconds: whatever slows the machine slows
// both. The figure to read is the CPU each side spent per request served (the event-loop thread,
// and the whole process with its usage writer), paired round by round: how much more or less B
// costs than A, and in how many rounds it was lower. The throughput ratio B/A is printed too but
// is a weak signal: the two loops share the cores with both wrk and the mock, so a loop that
// costs 5 % more per request serves only 1–2 % fewer (checked with a 2 µs busy-wait per request).
// The same build on both sides measures the method: its CPU difference stays within about
// ±1.5 µs per request (±3 %) in a round, its throughput ratio within about ±4 %, and one side
// may be favoured by that much round after round: run a comparison both ways (--a and --b
// swapped) and trust a difference that keeps its sign.
//
// Each gateway is set up as bench/run.mjs's tollgate lane (threads: 1, access log off, billing
// off; --billing turns it on, as the tollgate-billing lane). A side given as `nginx` instead of a
// bin directory is run.mjs's nginx lane (one worker, a keepalive pool to the mock): both proxies
// then serve at the same moment, and their CPU per request (nginx: its worker as the "loop", with
// the master as the process) is compared free of the machine's changes of speed, which move a
// run's sequential lanes by ±25 %. Its throughput ratio says little here: the scheduler shares
// the cores among threads, and Tollgate has two busy ones (event loop, usage writer) to nginx's
// one. A round is one such run; the sides
// start their load in turn order, alternating. Per round and side: requests/s, the event-loop
// thread's CPU per request (user + kernel, /proc) and the whole process's. --threads N gives each
// gateway N event loops (nginx N workers), all counted as the "loop": with N > 1 the loops share
// the key cache, the wallet and the usage queue, which is what it measures. --a-env / --b-env set
// environment variables for one side only (an allocator through LD_PRELOAD, say). Prints the
// rounds, then B/A and the paired CPU differences; writes nothing.
import { billingGateway } from "./billing_gateway.mjs";
import { chatRequest } from "./chat_request.mjs";
import { nginxConf } from "./nginx_proxy.mjs";
import { freePort, startListening, waitForHttp, withChildren } from "./listening.mjs";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(new URL("..", import.meta.url).pathname);
const argv = process.argv.slice(2);
const text = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const number = (name, fallback) => Number(text(name, fallback));
const seconds = number("--seconds", 8);
const rounds = number("--rounds", 4);
const concurrency = number("--concurrency", 32);
const billing = argv.includes("--billing");
const threads = number("--threads", 1);
const envOf = (list) => Object.fromEntries((list ? list.split(",") : []).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
const side = (name, given) => (given === "nginx" ? { name, nginx: true, bin: "nginx" }
                                                   : { name, bin: resolve(given ?? join(root, "build/bin")) });
const sides = [
  { ...side("A", text("--a")), env: envOf(text("--a-env")) },
  { ...side("B", text("--b")), env: envOf(text("--b-env")) },
];
const tollgateBin = sides.find((s) => !s.nginx)?.bin ?? join(root, "build/bin");  // for the mock
const children = [];
const works = [];  // each side's work directory, removed at the end
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const start = (cmd, args, env) => startListening(cmd, args, children, env);

// CPU ticks (user, kernel) of the process and of its event-loop threads; for nginx, of the master
// and its workers together, and of the workers.
function cpu(side) {
  const ticks = (stat) => {
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { user: Number(fields[11]), kernel: Number(fields[12]) };
  };
  const sum = (list) => list.reduce((a, b) => ({ user: a.user + b.user, kernel: a.kernel + b.kernel }),
                                    { user: 0, kernel: 0 });
  const pid = side.pid;
  if (side.nginx) {
    const [, ...workers] = withChildren(pid);
    const master = ticks(readFileSync(`/proc/${pid}/stat`, "utf8"));
    const loop = sum(workers.map((worker) => ticks(readFileSync(`/proc/${worker}/stat`, "utf8"))));
    return { process: sum([master, loop]), loop };
  }
  const loopTasks = readdirSync(`/proc/${pid}/task`).filter((t) =>
    readFileSync(`/proc/${pid}/task/${t}/comm`, "utf8").trim().startsWith("tg-loop-"));
  return { process: ticks(readFileSync(`/proc/${pid}/stat`, "utf8")),
           loop: sum(loopTasks.map((t) => ticks(readFileSync(`/proc/${pid}/task/${t}/stat`, "utf8")))) };
}

// nginx (the master; daemon off) in front of the mock, once it answers.
async function startNginx(work, mockPort) {
  const port = await freePort();
  const conf = join(work, "nginx.conf");
  writeFileSync(conf, nginxConf({ work, port, connections: 4096, workers: threads,
                                  upstreams: [{ prefix: "/", name: "mock", port: mockPort, keepalive: 128 }] }));
  const child = spawn("nginx", ["-c", conf, "-p", work], { stdio: "ignore" });
  children.push(child);
  await waitForHttp(`http://127.0.0.1:${port}/healthz`);
  return { child, port };
}

function wrk(side) {
  const child = spawn("wrk", ["-t", "1", "-c", String(concurrency), "-d", `${seconds}s`, "-s", join(root, "bench/request.lua"),
                              `http://127.0.0.1:${side.port}/v1/chat/completions`],
                      { env: { ...process.env, BENCH_BODY: side.body, BENCH_KEY: side.key, BENCH_HEADERS: "" },
                        stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  return new Promise((ok, fail) => child.on("close", (code, signal) => {  // "close": stdout read to its end
    const served = /(\d+) requests in/.exec(out);
    if (code !== 0 || !served) return fail(new Error(`wrk against ${side.name} failed (${code ?? signal}): ${out}`));
    if (/Non-2xx/.test(out)) return fail(new Error(`${side.name} answered with errors: ${out}`));
    ok(Number(served[1]));
  }));
}

async function main() {
  const { port: mockPort } = await start(join(tollgateBin, "tollgate-mock"), ["--port", "0", "--quiet", "--threads", "1"]);
  for (const side of sides) {
    const work = mkdtempSync(join(tmpdir(), `tollgate-ab-${side.name}-`));
    works.push(work);
    side.body = join(work, "body.json");
    writeFileSync(side.body, JSON.stringify(chatRequest()));
    if (side.nginx) {
      const { child, port } = await startNginx(work, mockPort);
      Object.assign(side, { pid: child.pid, port, key: "bench", rates: [], cpu: [] });
      continue;
    }
    const { config, key } = billingGateway({ bin: side.bin, work, mockUrl: `http://127.0.0.1:${mockPort}`, threads });
    if (!billing) writeFileSync(config, readFileSync(config, "utf8").replace("enabled: true", "enabled: false"));
    const { child, port } = await start(join(side.bin, "tollgate"), ["serve", "--config", config], side.env);
    Object.assign(side, { pid: child.pid, port, key, rates: [], cpu: [] });
  }
  await sleep(500);
  console.log(`A: ${sides[0].bin} ${JSON.stringify(sides[0].env)}\nB: ${sides[1].bin} ${JSON.stringify(sides[1].env)}`);
  console.log(`${rounds} rounds of ${seconds} s, wrk c=${concurrency} on each side, billing ${billing ? "on" : "off"}, ${threads} event loop(s) or worker(s) each\n`);
  for (let round = 0; round < rounds; round++) {
    const before = sides.map((s) => cpu(s));
    const order = round % 2 ? [sides[1], sides[0]] : sides;
    const served = new Map(order.map((s) => [s, wrk(s)]));
    const line = [];
    for (const [i, side] of sides.entries()) {
      const requests = await served.get(side);
      const after = cpu(side);
      const perRequest = (ticks) => ((ticks * 1e6) / 100 / requests).toFixed(1);  // 100 ticks a second
      const loop = `${perRequest(after.loop.user - before[i].loop.user)} + ${perRequest(after.loop.kernel - before[i].loop.kernel)}`;
      const all = perRequest(after.process.user + after.process.kernel - before[i].process.user - before[i].process.kernel);
      side.rates.push(requests / seconds);
      side.cpu.push({ loop: Number(perRequest(after.loop.user + after.loop.kernel - before[i].loop.user - before[i].loop.kernel)),
                      process: Number(all) });
      line.push(`${side.name} ${Math.round(requests / seconds)} req/s, loop ${loop} µs, process ${all} µs`);
    }
    console.log(`round ${round + 1}: ${line.join(" | ")} | B/A ${(sides[1].rates[round] / sides[0].rates[round]).toFixed(3)}`);
  }
  const total = (side) => side.rates.reduce((a, b) => a + b, 0);
  console.log(`\nB/A over all rounds: ${(total(sides[1]) / total(sides[0])).toFixed(3)} ` +
              `(per round: ${sides[1].rates.map((b, i) => (b / sides[0].rates[i]).toFixed(3)).join(", ")})`);
  // CPU per request, paired by round: both sides ran on the same machine at the same moment.
  for (const what of ["loop", "process"]) {
    const a = sides[0].cpu.map((c) => c[what]), b = sides[1].cpu.map((c) => c[what]);
    const mean = (list) => list.reduce((x, y) => x + y, 0) / list.length;
    const difference = mean(b.map((v, i) => v - a[i]));
    const lower = b.filter((v, i) => v < a[i]).length;
    console.log(`${what} CPU per request, B − A: ${difference >= 0 ? "+" : ""}${difference.toFixed(2)} µs ` +
                `(${((difference / mean(a)) * 100).toFixed(1)} % of A's ${mean(a).toFixed(1)}); B lower in ${lower} of ${a.length} rounds`);
  }
}

try {
  await main();
} finally {
  for (const child of children) child.kill("SIGTERM");
  for (const work of works) rmSync(work, { recursive: true, force: true });  // databases of ~100 MB
}
