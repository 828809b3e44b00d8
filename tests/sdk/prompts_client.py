"""Drive the server's prompts and completions with the official Python SDK (`mcp`, pinned in
requirements.txt) over stdio, failing loudly on any mismatch.

tests/e2e/sdk_clients.rs runs it against the fakes, with:
  SDK_SERVER_COMMAND  the server binary
  SDK_SERVER_ENV      a JSON object of the server's environment (keys, base URLs, catalog)
  SDK_EXPECT          a JSON object: execution_id (a failed run in that catalog), its task_id,
                      task_prefix (typed) and task_name (what it completes to), providers
"""

import asyncio
import importlib.metadata
import json
import os
import sys

from mcp import Client, ClientSession, MCPError, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import PromptReference

EXPECTED_PROMPTS = ["automate_browser_task", "debug_failed_run", "write_code_task"]
INVALID_PARAMS = -32602


def check(condition, what):
    if not condition:
        raise SystemExit(f"python sdk client: MISMATCH: {what}")


async def run_checks(api, caps, expect):
    """The checks, through `api` (a ClientSession or a Client: the same calls); how many ran."""
    checks = 0
    check(caps.prompts is not None, f"prompts capability missing: {caps}")
    check(caps.completions is not None, f"completions capability missing: {caps}")
    checks += 1

    prompts = (await api.list_prompts()).prompts
    names = [p.name for p in prompts]
    check(names == EXPECTED_PROMPTS, f"prompts/list names {names}")
    required = {p.name: sorted(a.name for a in (p.arguments or []) if a.required) for p in prompts}
    check(
        required
        == {
            "automate_browser_task": ["goal"],
            "debug_failed_run": ["execution_id"],
            "write_code_task": ["goal"],
        },
        f"required arguments {required}",
    )
    checks += 1

    run_id = expect["execution_id"]
    debug = await api.get_prompt("debug_failed_run", {"execution_id": run_id})
    check(len(debug.messages) == 1, f"debug_failed_run messages {debug.messages}")
    message = debug.messages[0]
    check(message.role == "user", f"role {message.role}")
    text = message.content.text
    for needle in [run_id, f'task_id "{expect["task_id"]}"', "get_execution", "create_task"]:
        check(needle in text, f"{needle!r} not in debug_failed_run text:\n{text}")
    checks += 1

    automate = await api.get_prompt(
        "automate_browser_task",
        {"goal": "Find the newest mcp release on PyPI", "provider": "browser_use"},
    )
    text = automate.messages[0].content.text
    check('provider "browser_use"' in text, f"automate text:\n{text}")
    check("refine_task" in text, f"automate text lacks refine_task:\n{text}")
    checks += 1

    try:
        await api.get_prompt("automate_browser_task", {"provider": "nimbus"})
        check(False, "bad arguments were accepted")
    except MCPError as error:
        data = error.error
        check(data.code == INVALID_PARAMS, f"error code {data.code}")
        for needle in ["2 problems", "`goal`: missing", '"nimbus" is not a configured provider']:
            check(needle in data.message, f"{needle!r} not in error: {data.message}")
    checks += 1

    ids = (
        await api.complete(
            PromptReference(type="ref/prompt", name="debug_failed_run"),
            {"name": "execution_id", "value": run_id[:4].upper()},
        )
    ).completion
    check(ids.values == [run_id], f"execution ids {ids.values}")
    check((ids.total, ids.has_more) == (1, False), f"total/hasMore {ids.total} {ids.has_more}")
    checks += 1

    names = (
        await api.complete(
            PromptReference(type="ref/prompt", name="write_code_task"),
            {"name": "task_name", "value": expect["task_prefix"]},
        )
    ).completion
    check(names.values == [expect["task_name"]], f"task names {names.values}")
    checks += 1

    providers = (
        await api.complete(
            PromptReference(type="ref/prompt", name="automate_browser_task"),
            {"name": "provider", "value": ""},
        )
    ).completion
    check(providers.values == expect["providers"], f"providers {providers.values}")
    checks += 1
    return checks


async def main():
    expect = json.loads(os.environ["SDK_EXPECT"])
    server = StdioServerParameters(
        command=os.environ["SDK_SERVER_COMMAND"],
        env=json.loads(os.environ["SDK_SERVER_ENV"]),
    )
    version = importlib.metadata.version("mcp")

    # The initialize handshake, as every client before 2026 connects.
    async with stdio_client(server) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            checks = await run_checks(session, init.capabilities, expect)
            print(f"python mcp {version} (protocol {init.protocol_version}): {checks} checks passed")

    # The SDK's high-level client: it probes server/discover first and adopts the newest
    # version both sides speak.
    async with Client(server, mode="auto") as client:
        checks = await run_checks(client, client.server_capabilities, expect)
        print(f"python mcp {version} (protocol {client.protocol_version}): {checks} checks passed")


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
