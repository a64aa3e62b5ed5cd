"""The coach's review through the official MCP Python SDK (`mcp` on PyPI) against `debrief serve`.

Usage: review_flow.py BASE_URL COACH_KEY OTHER_COACH_KEY
Drives list_workshops -> get_workshop -> update_participant (and a stale one) -> approve_and_send
(twice: the second finds every participant already sent), checks the tool list's annotations
and schemas, and that another coach's key sees none of it. Exits non-zero on any mismatch.
"""

import asyncio
import sys

from mcp import ClientSession
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
    check(set(tools) == {"list_workshops", "get_workshop", "update_participant", "approve_and_send"}, "four tools")
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
    check(len(got.content[0].text) < 100_000 and len(str(got.structured_content)) < 100_000, "well under 100,000 characters")
    first = participants[0]
    pid, version = first["participantId"], first["version"]

    one = await session.call_tool("get_workshop", {"sessionId": sid, "participantId": pid, "view": "full"})
    check(len(one.structured_content["participants"]) == 1 and "wins" in one.structured_content["participants"][0], "one participant in full")

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


async def main():
    base, key, other = sys.argv[1], sys.argv[2], sys.argv[3]
    sid, pid = await session_for(base, key, coach_flow)
    await session_for(base, other, lambda s: other_coach_flow(s, sid, pid))
    print("review_flow: all checks passed")


asyncio.run(main())
