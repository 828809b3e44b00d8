"""Connect to the server over Streamable HTTP as an OAuth client with the official Python SDK
(`mcp`, pinned in requirements.txt): its client-credentials provider finds the authorization
server from the server's 401 (RFC 9728 metadata), gets a token, and steps up when a call
needs more scope (403 insufficient_scope), failing loudly on any mismatch.

tests/e2e/sdk_clients.rs runs it against the server, the fake authorization server and the
fake Anchor API, with:
  SDK_SERVER_URL     the server's /mcp URL
  SDK_AUTH_ISSUER    the authorization server's issuer
  SDK_CLIENT_ID      a registered client, allowed only the read scope at first
  SDK_CLIENT_SECRET  its secret
  SDK_EXPECT         a JSON object: task_id (a task that runs), read_tools, run_tools (names)

Halfway, it prints STEP_UP_READY and waits for a line on stdin: the test grants the client
the run scope at the authorization server meanwhile, as an administrator would.
"""

import asyncio
import importlib.metadata
import json
import os
import sys

import anyio
import httpx2
from mcp import ClientSession
from mcp.client.auth.extensions.client_credentials import ClientCredentialsOAuthProvider
from mcp.client.streamable_http import streamable_http_client

READ = "browser-tasks:read"
RUN = "browser-tasks:run"


def check(condition, what):
    if not condition:
        raise SystemExit(f"python sdk oauth client: MISMATCH: {what}")


class MemoryStorage:
    """The SDK's TokenStorage, in memory."""

    def __init__(self):
        self.tokens = None
        self.client_info = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens):
        self.tokens = tokens

    async def get_client_info(self):
        return self.client_info

    async def set_client_info(self, client_info):
        self.client_info = client_info


def granted(storage):
    return set((storage.tokens.scope or "").split()) if storage.tokens else set()


async def main():
    url = os.environ["SDK_SERVER_URL"]
    expect = json.loads(os.environ["SDK_EXPECT"])
    version = importlib.metadata.version("mcp")
    storage = MemoryStorage()
    provider = ClientCredentialsOAuthProvider(
        server_url=url,
        storage=storage,
        client_id=os.environ["SDK_CLIENT_ID"],
        client_secret=os.environ["SDK_CLIENT_SECRET"],
        issuer=os.environ["SDK_AUTH_ISSUER"],
    )
    checks = 0
    async with httpx2.AsyncClient(auth=provider, timeout=60) as http:
        async with streamable_http_client(url, http_client=http) as (read, write):
            async with ClientSession(read, write) as session:
                # The first request met a 401; the SDK found the issuer and got a token.
                init = await session.initialize()
                check(storage.tokens is not None, "no token was obtained")
                check(granted(storage) == {READ}, f"first token's scopes {granted(storage)}")
                checks += 1

                tools = [tool.name for tool in (await session.list_tools()).tools]
                check(tools == expect["read_tools"], f"a read token lists {tools}")
                checks += 1

                print("STEP_UP_READY", flush=True)
                await anyio.to_thread.run_sync(sys.stdin.readline)

                # Beyond the read scope: 403 insufficient_scope, the SDK asks for more (the
                # scopes it asked for before plus the one named), then sends the call again.
                result = await session.call_tool("run_task", {"task_id": expect["task_id"]})
                check(not result.is_error, f"run_task after step-up: {result}")
                check(
                    result.structured_content and result.structured_content.get("status") == "success",
                    f"run_task result {result.structured_content}",
                )
                check(RUN in granted(storage), f"stepped-up token's scopes {granted(storage)}")
                checks += 1

                tools = [tool.name for tool in (await session.list_tools()).tools]
                check(tools == expect["run_tools"], f"a run token lists {tools}")
                checks += 1
    print(f"python mcp {version} (protocol {init.protocol_version}): {checks} oauth checks passed")


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
