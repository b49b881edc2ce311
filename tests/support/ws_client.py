"""A tiny blocking websocket client (RFC 6455 text frames) for tests against a real server.

The venv has no websocket client library; this is just enough to talk JSON to Chatsy.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import threading
from typing import Any
from urllib.parse import urlsplit


class WebSocket:
    def __init__(
        self,
        url: str,
        path: str,
        *,
        origin: str | None = None,
        cookie: str | None = None,
        timeout: float = 10,
    ):
        parts = urlsplit(url)
        self.sock = socket.create_connection(("127.0.0.1", parts.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        headers = [
            f"GET {path} HTTP/1.1",
            f"Host: {parts.netloc}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
        if origin:
            headers.append(f"Origin: {origin}")
        if cookie:
            headers.append(f"Cookie: {cookie}")
        self.sock.sendall(("\r\n".join(headers) + "\r\n\r\n").encode())
        response = self._read_until(b"\r\n\r\n")
        if not response.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(response.decode("latin-1"))
        self.buffer = response.split(b"\r\n\r\n", 1)[1]
        self.send_lock = threading.Lock()  # a reader thread may answer pings mid-send

    def send_json(self, frame: dict[str, Any]) -> None:
        self._send_frame(0x1, json.dumps(frame).encode())

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        """One final frame, masked as a client's must be."""
        mask, length = os.urandom(4), len(payload)
        header = (
            bytes([0x80 | opcode, 0x80 | length])
            if length < 126
            else bytes([0x80 | opcode, 0xFE]) + struct.pack("!H", length)
        )
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        with self.send_lock:
            self.sock.sendall(header + mask + masked)

    def receive_json(self) -> dict[str, Any]:
        """The next text frame, parsed; raises on close."""
        return json.loads(self.receive_text())

    def receive_text(self) -> str:
        """The next text frame (server frames are unmasked); raises on close."""
        first, second = self._take(2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._take(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._take(8))[0]
        payload = self._take(length)
        opcode = first & 0x0F
        if opcode == 0x8:
            raise ConnectionError("closed by the server")
        if opcode == 0x9:  # Daphne pings idle sockets; answer, or it closes them.
            self._send_frame(0xA, payload)
            return self.receive_text()
        return payload.decode()

    def receive_type(self, kind: str) -> dict[str, Any]:
        while (frame := self.receive_json())["type"] != kind:
            pass
        return frame

    def close(self) -> None:
        self.sock.close()

    def _take(self, count: int) -> bytes:
        while len(self.buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection ended")
            self.buffer += chunk
        taken, self.buffer = self.buffer[:count], self.buffer[count:]
        return taken

    def _read_until(self, marker: bytes) -> bytes:
        data = b""
        while marker not in data:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("connection ended during the handshake")
            data += chunk
        return data
