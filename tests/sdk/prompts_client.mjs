// Drive the server's prompts and completions with the official TypeScript SDK
// (@modelcontextprotocol/sdk, pinned in package.json and package-lock.json) over stdio, failing
// loudly on any mismatch.
//
// tests/e2e/sdk_clients.rs runs it against the fakes, with the same environment as
// prompts_client.py: SDK_SERVER_COMMAND, SDK_SERVER_ENV (JSON), SDK_EXPECT (JSON).

import { readFileSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";

const EXPECTED_PROMPTS = ["automate_browser_task", "debug_failed_run", "write_code_task"];

function check(condition, what) {
  if (!condition) {
    console.error(`typescript sdk client: MISMATCH: ${what}`);
    process.exit(1);
  }
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

const expect = JSON.parse(process.env.SDK_EXPECT);
const transport = new StdioClientTransport({
  command: process.env.SDK_SERVER_COMMAND,
  env: JSON.parse(process.env.SDK_SERVER_ENV),
  stderr: "inherit",
});
// The client hands a transport the version the server answered with, if it can take it.
let protocol = "unknown";
transport.setProtocolVersion = (version) => {
  protocol = version;
};
const client = new Client({ name: "browser-tasks-sdk-check", version: "0.0.0" });
await client.connect(transport);
let checks = 0;

const caps = client.getServerCapabilities();
check(caps?.prompts, `prompts capability missing: ${JSON.stringify(caps)}`);
check(caps?.completions, `completions capability missing: ${JSON.stringify(caps)}`);
checks++;

const { prompts } = await client.listPrompts();
const names = prompts.map((p) => p.name);
check(same(names, EXPECTED_PROMPTS), `prompts/list names ${names}`);
const required = Object.fromEntries(
  prompts.map((p) => [p.name, (p.arguments ?? []).filter((a) => a.required).map((a) => a.name).sort()]),
);
check(
  same(required, {
    automate_browser_task: ["goal"],
    debug_failed_run: ["execution_id"],
    write_code_task: ["goal"],
  }),
  `required arguments ${JSON.stringify(required)}`,
);
checks++;

const runId = expect.execution_id;
const debug = await client.getPrompt({ name: "debug_failed_run", arguments: { execution_id: runId } });
check(debug.messages.length === 1, `debug_failed_run messages ${JSON.stringify(debug.messages)}`);
check(debug.messages[0].role === "user", `role ${debug.messages[0].role}`);
let text = debug.messages[0].content.text;
for (const needle of [runId, `task_id "${expect.task_id}"`, "get_execution", "create_task"]) {
  check(text.includes(needle), `${JSON.stringify(needle)} not in debug_failed_run text:\n${text}`);
}
checks++;

const automate = await client.getPrompt({
  name: "automate_browser_task",
  arguments: { goal: "Find the newest mcp release on PyPI", provider: "browser_use" },
});
text = automate.messages[0].content.text;
check(text.includes('provider "browser_use"'), `automate text:\n${text}`);
check(text.includes("refine_task"), `automate text lacks refine_task:\n${text}`);
checks++;

try {
  await client.getPrompt({ name: "automate_browser_task", arguments: { provider: "nimbus" } });
  check(false, "bad arguments were accepted");
} catch (error) {
  check(error instanceof McpError, `not an MCP error: ${error}`);
  check(error.code === ErrorCode.InvalidParams, `error code ${error.code}`);
  for (const needle of ["2 problems", "`goal`: missing", '"nimbus" is not a configured provider']) {
    check(error.message.includes(needle), `${JSON.stringify(needle)} not in error: ${error.message}`);
  }
}
checks++;

const complete = async (prompt, name, value) =>
  (await client.complete({ ref: { type: "ref/prompt", name: prompt }, argument: { name, value } })).completion;

const ids = await complete("debug_failed_run", "execution_id", runId.slice(0, 4).toUpperCase());
check(same(ids.values, [runId]), `execution ids ${ids.values}`);
check(ids.total === 1 && ids.hasMore === false, `total/hasMore ${ids.total} ${ids.hasMore}`);
checks++;

const taskNames = await complete("write_code_task", "task_name", expect.task_prefix);
check(same(taskNames.values, [expect.task_name]), `task names ${taskNames.values}`);
checks++;

const providers = await complete("automate_browser_task", "provider", "");
check(same(providers.values, expect.providers), `providers ${providers.values}`);
checks++;

await client.close();
const sdk = JSON.parse(
  readFileSync(new URL("./node_modules/@modelcontextprotocol/sdk/package.json", import.meta.url)),
);
console.log(`typescript @modelcontextprotocol/sdk ${sdk.version} (protocol ${protocol}): ${checks} checks passed`);
