"""B0: a raw `websockets` echo server, no Django, no Channels.

python -m chatsy.bench.echo_server PORT
"""

from __future__ import annotations

import asyncio
import sys

from websockets.asyncio.server import ServerConnection, serve


async def echo(connection: ServerConnection) -> None:
    async for frame in connection:
        await connection.send(frame)


async def serve_forever(port: int) -> None:
    async with serve(echo, "127.0.0.1", port, compression=None, max_size=64 * 1024) as server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve_forever(int(sys.argv[1])))
