"""The fault tests' client against a scripted server: it must resync on a `resync` hint,
reconnect after a 4000–4999 close, resync after the highest seq it showed and re-send its
unacknowledged message with the same client_id. (The servers that send hints and close
codes are issue 11's; this pins the client's side of that contract.)"""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.server import serve

from tests.support.widget_client import WidgetClient

pytestmark = pytest.mark.faults


def bot(seq: int) -> dict:
    return {"seq": seq, "sender": "bot", "body": f"answer {seq}", "client_id": None, "meta": {}}


async def expect(ws, heard: list[dict], kind: str) -> dict:
    """The scripted server's next frame, recorded in `heard`: it must be of `kind`."""
    frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
    heard.append(frame)
    assert frame["type"] == kind, heard
    return frame


def client_for(server, **options) -> WidgetClient:
    """A started client of the scripted server (websockets' `serve`)."""
    port = server.sockets[0].getsockname()[1]
    client = WidgetClient(
        name="v", token="t", site_key="s", servers=[f"http://127.0.0.1:{port}"], **options
    )
    client.start()
    return client


def test_the_client_resyncs_on_a_hint_and_resends_after_a_4xxx_close():
    heard: list[list[dict]] = []

    async def handler(ws):
        frames: list[dict] = []
        heard.append(frames)

        await expect(ws, frames, "auth")
        await ws.send(json.dumps({"type": "ready", "conversation": {"id": "c", "status": "bot"}}))
        if len(heard) == 1:
            await expect(ws, frames, "resync")
            await ws.send(json.dumps({"type": "history", "messages": [bot(1)]}))
            await expect(ws, frames, "message")  # not acked: the server "loses" it
            await ws.send(json.dumps({"type": "resync"}))
            await expect(ws, frames, "resync")
            await ws.send(json.dumps({"type": "history", "messages": [bot(2)]}))
            await ws.close(4001, "resync")
        else:
            await expect(ws, frames, "resync")
            await ws.send(json.dumps({"type": "history", "messages": []}))
            sent = await expect(ws, frames, "message")
            ack = {"type": "ack", "client_id": sent["client_id"], "seq": 3, "duplicate": False}
            await ws.send(json.dumps(ack))
            await ws.wait_closed()

    async def scenario() -> WidgetClient:
        async with serve(handler, "127.0.0.1", 0) as server:
            client = client_for(server, backoff_min=0.05)
            await client.wait_until(lambda: client.ready, timeout=5)
            sent = client.send_message("where is my parcel?")
            assert await client.wait_acked(sent, timeout=10)
            await client.stop()
            return client

    client = asyncio.run(scenario())
    first, second = heard
    assert [f["type"] for f in first] == ["auth", "resync", "message", "resync"]
    assert (first[1]["after_seq"], first[3]["after_seq"]) == (0, 1)
    assert [f["type"] for f in second] == ["auth", "resync", "message"]
    assert second[1]["after_seq"] == 2
    assert second[2]["client_id"] == first[2]["client_id"]  # the same message, re-sent
    assert client.close_codes == [4001] and client.resync_hints == 1
    assert sorted(client.transcript) == [1, 2, 3] and client.last_seq == 3


def test_the_client_fetches_what_a_seq_frame_says_it_lacks():
    """The widget's side of the `seq` frame: a seq past what it holds, with no message to show
    the gap, is fetched after the gap wait, on the same socket."""
    heard: list[dict] = []

    async def handler(ws):
        await expect(ws, heard, "auth")
        await ws.send(json.dumps({"type": "ready", "conversation": {"id": "c", "status": "bot"}}))
        await expect(ws, heard, "resync")
        await ws.send(json.dumps({"type": "history", "messages": [bot(1)], "last_seq": 1}))
        await expect(ws, heard, "ping")
        await ws.send(json.dumps({"type": "pong"}))
        await ws.send(json.dumps({"type": "seq", "last_seq": 2}))  # seq 2's broadcast: lost
        await expect(ws, heard, "resync")
        await ws.send(json.dumps({"type": "history", "messages": [bot(2)], "last_seq": 2}))
        await ws.wait_closed()

    async def scenario() -> WidgetClient:
        async with serve(handler, "127.0.0.1", 0) as server:
            client = client_for(server, ping_seconds=0.2)
            await client.wait_until(lambda: client.last_seq == 2, timeout=10)
            await client.stop()
            return client

    client = asyncio.run(scenario())
    assert [f["type"] for f in heard] == ["auth", "resync", "ping", "resync"]
    assert heard[3]["after_seq"] == 1
    assert client.connections == 1 and sorted(client.transcript) == [1, 2]
