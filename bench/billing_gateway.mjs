// The gateway set-up the billing-on measurements share (bench/run.mjs's tollgate-billing lane,
// bench/memory.mjs, bench/callgrind.mjs): a config with billing on (batched durability) in front
// of the mock, a key, and its account credited enough never to run dry.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

// Writes `name`.yaml into `work` and returns { config, key }. `listen` defaults to any free port;
// `translate` adds an Anthropic-format provider and the model `claude-bench` on it;
// `usageBatchMs` sets store.usage_batch_ms (how long usage rows wait to be written together).
export function billingGateway({ bin, work, mockUrl, name = "tollgate", listen = "127.0.0.1:0", translate = false,
                                 usageBatchMs, threads = 1 }) {
  const config = join(work, `${name}.yaml`);
  writeFileSync(config, `
server: { listen: "${listen}", threads: ${threads}, access_log: "off" }
store: { sqlite: "${join(work, `${name}.db`)}"${usageBatchMs ? `, usage_batch_ms: ${usageBatchMs}` : ""} }
billing: { enabled: true, durability: batched }
providers:
  - { name: mock, type: openai, base_url: "${mockUrl}/v1", api_key: "bench-upstream" }
${translate ? `  - { name: mock-anthropic, type: anthropic, base_url: "${mockUrl}/v1", api_key: "bench-upstream" }\n` : ""}models:
  - { id: gpt-4o-mini, provider: mock, upstream_model: gpt-4o-mini-2024-07-18, pricing: { input_per_m: "0.15", output_per_m: "0.60" } }
${translate ? `  - { id: claude-bench, provider: mock-anthropic, upstream_model: claude-sonnet-4-5, pricing: { input_per_m: "3", output_per_m: "15" } }\n` : ""}`);
  const tollgate = join(bin, "tollgate");
  const run = (args) => execFileSync(tollgate, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const key = run(["keys", "create", "--config", config, "--name", "bench"]).trim();
  run(["credits", "topup", "--config", config, "--account", "default", "--usd", "1000000", "--idempotency-key", "bench"]);
  return { config, key };
}
