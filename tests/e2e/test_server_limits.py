"""Daphne as `make run` starts it: no per-message compression, and a cap on message size
(chatsy.devstack.WEBSOCKET_MAX_MESSAGE_BYTES, from CHATSY_WS_MAX_MESSAGE_BYTES)."""

from __future__ import annotations

import base64
import os
import socket
import struct
from urllib.parse import urlsplit

import pytest

from chatsy.devstack import WEBSOCKET_MAX_MESSAGE_BYTES

pytestmark = pytest.mark.e2e


def handshake(url: str, extra_headers: str = "") -> tuple[socket.socket, str]:
    parts = urlsplit(url)
    sock = socket.create_connection(("127.0.0.1", parts.port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /ws/widget/ HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"{extra_headers}\r\n"
        ).encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        response += sock.recv(4096)
    return sock, response.decode("latin-1")


def masked_text_frame(payload: bytes) -> bytes:
    mask = os.urandom(4)
    header = bytes([0x81])
    length = len(payload)
    if length < 126:
        header += bytes([0x80 | length])
    elif length < 65536:
        header += bytes([0x80 | 126]) + struct.pack("!H", length)
    else:
        header += bytes([0x80 | 127]) + struct.pack("!Q", length)
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def test_per_message_compression_is_not_negotiated(live_url):
    sock, response = handshake(
        live_url, "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    )
    assert response.startswith("HTTP/1.1 101")
    assert "permessage-deflate" not in response.lower()
    sock.close()


def test_a_message_over_the_size_cap_closes_the_connection(live_url):
    sock, response = handshake(live_url)
    assert response.startswith("HTTP/1.1 101")
    sock.sendall(masked_text_frame(b"x" * (WEBSOCKET_MAX_MESSAGE_BYTES + 1)))
    assert connection_closed_by_server(sock)


def test_a_message_under_the_cap_reaches_the_application(live_url):
    sock, _ = handshake(live_url)
    sock.sendall(masked_text_frame(b'{"type": "ping"}'))
    # The app answers (auth_required: the first frame must be auth), it is not dropped.
    assert b"auth_required" in sock.recv(4096)
    sock.close()


def connection_closed_by_server(sock: socket.socket) -> bool:
    """True once the server ends the connection; False if it is still open after 5 s."""
    try:
        while sock.recv(4096):
            pass
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return True
