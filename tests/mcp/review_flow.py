"""The coach's review through the official MCP Python SDK (`mcp` on PyPI) against `debrief serve`.

Usage: review_flow.py BASE_URL COACH_KEY OTHER_COACH_KEY
Drives list_workshops -> get_workshop -> update_participant (and a stale one) -> approve_and_send
(twice: the second finds every participant already sent), checks the tool list's annotations
and schemas, and that another coach's key sees none of it. Then connects as ChatGPT and Claude
do, with the SDK's OAuth client: discovery -> dynamic registration -> PKCE authorization (the
sign-in page filled in as a coach would: their key, then Allow) -> token -> tools; and once
more with the stored refresh token only. Exits non-zero on any mismatch.
"""

import asyncio
import re
import sys
import time
from urllib.parse import parse_qs, urlparse

import httpx2
from mcp import ClientSession
from mcp.client.auth import OAuthClientProvider
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientMetadata
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


def check(cond, what):
    if not cond:
        raise SystemExit(f"FAILED: {what}")
    print(f"ok: {what}")


async def session_for(base, key, body):
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {key}"})
    async with http:
        async with streamable_http_client(f"{base}/mcp", http_client=http) as streams:
            read, write = streams[0], streams[1]
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await body(session)


async def coach_flow(session):
    tools = {t.name: t for t in (await session.list_tools()).tools}
    check(set(tools) == {"list_workshops", "get_workshop", "update_participant", "approve_and_send", "rep_stats", "client_health", "health_summary", "intervention_queue"}, "eight tools")
    for name in ["rep_stats", "client_health", "health_summary", "intervention_queue"]:
        check(tools[name].annotations.read_only_hint is True, f"{name} is read-only")
    check(tools["get_workshop"].annotations.read_only_hint is True, "get_workshop is read-only")
    check(tools["approve_and_send"].annotations.destructive_hint is True and tools["approve_and_send"].annotations.open_world_hint is True, "approve_and_send is destructive and open-world")
    check(all(t.output_schema for t in tools.values()), "every tool has an output schema")

    listed = await session.call_tool("list_workshops", {})
    check(not listed.is_error and listed.structured_content["workshops"], "list_workshops finds the session")
    sid = listed.structured_content["workshops"][0]["sessionId"]

    got = await session.call_tool("get_workshop", {"sessionId": sid})
    check(not got.is_error, "get_workshop answers")
    participants = got.structured_content["participants"]
    check(participants[0].get("priorityRank") is not None, "priority clients first")
    priority = got.structured_content["priorityClients"]
    check(priority and priority[0]["participantId"] == participants[0]["participantId"], "priorityClients lists the most urgent first")
    check(len(got.content[0].text) < 100_000 and len(str(got.structured_content)) < 100_000, "well under 100,000 characters")
    first = participants[0]
    pid, version = first["participantId"], first["version"]

    one = await session.call_tool("get_workshop", {"sessionId": sid, "participantId": pid, "view": "full"})
    check(len(one.structured_content["participants"]) == 1 and "keyWins" in one.structured_content["participants"][0], "one participant in full")

    bad = await session.call_tool("get_workshop", {"sessionId": 7})
    check(bad.is_error and "sessionId" in bad.content[0].text, "a bad argument is a tool error naming it")

    edited = await session.call_tool("update_participant", {"sessionId": sid, "participantId": pid, "expectedVersion": version,
                                                            "email": "Hi,\nThank you for today.\nMaya", "reviewStatus": "customized"})
    check(not edited.is_error and edited.structured_content["version"] == version + 1, "update_participant saves with the version read")
    stale = await session.call_tool("update_participant", {"sessionId": sid, "participantId": pid, "expectedVersion": version,
                                                           "summary": "late edit", "reviewStatus": "reviewed"})
    check(stale.is_error and "get_workshop" in stale.content[0].text, "a stale version is a tool error that says to re-read")

    sent = await session.call_tool("approve_and_send", {"sessionId": sid, "participants": [{"participantId": pid}]})
    check(not sent.is_error and sent.structured_content["results"][0]["outcome"] == "sent", "approve_and_send sends")
    again = await session.call_tool("approve_and_send", {"sessionId": sid, "participants": [{"participantId": pid}]})
    check(again.structured_content["results"][0]["outcome"] == "already_sent", "a second send is already_sent")
    return sid, pid


async def other_coach_flow(session, sid, pid):
    listed = await session.call_tool("list_workshops", {})
    check(listed.structured_content["workshops"] == [], "another coach lists nothing")
    for name, args in [("get_workshop", {"sessionId": sid}),
                       ("update_participant", {"sessionId": sid, "participantId": pid, "expectedVersion": 1, "reviewStatus": "approved"}),
                       ("approve_and_send", {"sessionId": sid, "participants": [{"participantId": pid}]})]:
        r = await session.call_tool(name, args)
        text = r.content[0].text if r.content else ""
        outcome = (r.structured_content or {}).get("results", [{}])[0].get("outcome") if r.structured_content else None
        check(r.is_error and "No such workshop" in text or outcome == "not_found", f"{name}: another coach's session is not found")


class MemoryStorage:
    def __init__(self):
        self.tokens = None
        self.client = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens):
        self.tokens = tokens

    async def get_client_info(self):
        return self.client

    async def set_client_info(self, info):
        self.client = info


class Browser:
    """What the coach does in the browser: open the link, paste the key, press Allow."""

    def __init__(self, key):
        self.key = key
        self.location = None

    async def open(self, url):
        async with httpx2.AsyncClient(follow_redirects=False) as http:
            page = (await http.get(url)).text
            fields = dict(re.findall(r'name="(request|csrf)" value="([^"]+)"', page))
            consent = await http.post(url.split("?")[0], data={**fields, "action": "key", "key": self.key})
            check("Allow access?" in consent.text, "the consent screen names what the client may do")
            allowed = await http.post(url.split("?")[0], data={**fields, "action": "allow"})
            check(allowed.status_code == 303, "Allow redirects back to the client")
            self.location = allowed.headers["location"]

    async def callback(self):
        q = parse_qs(urlparse(self.location).query)
        return AuthorizationCodeResult(code=q["code"][0], state=q.get("state", [None])[0])


async def oauth_session(base, provider, body):
    http = create_mcp_http_client(auth=provider)
    async with http:
        async with streamable_http_client(f"{base}/mcp", http_client=http) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                await session.initialize()
                return await body(session)


async def oauth_flow(base, key):
    storage, browser = MemoryStorage(), Browser(key)
    provider = OAuthClientProvider(
        server_url=f"{base}/mcp",
        client_metadata=OAuthClientMetadata(client_name="review_flow.py", redirect_uris=["http://127.0.0.1:33418/callback"],
                                            grant_types=["authorization_code", "refresh_token"], response_types=["code"],
                                            token_endpoint_auth_method="none"),
        storage=storage,
        redirect_handler=lambda url: browser.open(url),
        callback_handler=lambda: browser.callback(),
    )

    async def listed(session):
        r = await session.call_tool("list_workshops", {})
        check(not r.is_error and r.structured_content["workshops"], "an OAuth access token reads the coach's workshops")

    await oauth_session(base, provider, listed)
    check(storage.tokens is not None and storage.client is not None, "registered and holding tokens")
    first_refresh = storage.tokens.refresh_token
    # The access token expires: the second run refreshes it, without the browser.
    provider.context.token_expiry_time = time.time() - 1

    async def refused_browser(url):
        raise SystemExit("FAILED: the refresh run opened the browser")

    browser.open = refused_browser
    await oauth_session(base, provider, listed)
    check(storage.tokens.refresh_token != first_refresh, "the refresh token was rotated")


async def main():
    base, key, other = sys.argv[1], sys.argv[2], sys.argv[3]
    sid, pid = await session_for(base, key, coach_flow)
    await session_for(base, other, lambda s: other_coach_flow(s, sid, pid))
    await oauth_flow(base, key)
    print("review_flow: all checks passed")


asyncio.run(main())
