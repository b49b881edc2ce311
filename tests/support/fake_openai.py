"""A fake OpenAI-compatible chat server on 127.0.0.1, for testing the real SDK over real HTTP.

    with FakeOpenAI() as server:
        server.enqueue("http_500", slow_first_token(2.0))  # the next two requests
        config = LLMConfig(api_key="test", base_url=server.base_url)
        ...
        assert server.request_count == 2

Each request to POST /v1/chat/completions consumes the next scripted behaviour ("normal" once
the queue is empty) and is recorded, so tests can inspect prompts or assert that none was made.
Stdlib only; streams are chunked SSE, so a cut connection looks like a real one.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KINDS = frozenset(
    {
        "normal",
        "slow_first_token",
        "hang",
        "stall",
        "http_500",
        "http_429",
        "http_401",
        "context_length",
        "stream_cut",
        "malformed_json",
    }
)
DEFAULT_REPLY = (
    "You can return most items within 30 days of delivery. Start the return from your "
    "account's order page and print the prepaid label.\nCONFIDENCE: 0.9"
)


@dataclass(frozen=True)
class Behaviour:
    """What the server does for one request.

    seconds: the first-token delay (slow_first_token) or the Retry-After value (http_429).
    after_chunks: content chunks sent before the connection is cut (stream_cut) or the
    server goes silent (stall). reply / logprob override the server's defaults.
    """

    kind: str = "normal"
    seconds: float = 0.0
    after_chunks: int = 3
    reply: str | None = None
    logprob: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown behaviour {self.kind!r}; one of {sorted(KINDS)}")


def normal(reply: str, logprob: float | None = None) -> Behaviour:
    return Behaviour("normal", reply=reply, logprob=logprob)


def slow_first_token(seconds: float) -> Behaviour:
    return Behaviour("slow_first_token", seconds=seconds)


def http_429(retry_after: float) -> Behaviour:
    return Behaviour("http_429", seconds=retry_after)


def stream_cut(after_chunks: int = 3) -> Behaviour:
    return Behaviour("stream_cut", after_chunks=after_chunks)


def stall(after_chunks: int = 3) -> Behaviour:
    return Behaviour("stall", after_chunks=after_chunks)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lowercased
    body: Any  # the parsed JSON, or the raw text if it was not JSON
    before_retry_after: bool = False  # sent before the last 429's Retry-After had passed

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", []) if isinstance(self.body, dict) else []


@dataclass
class FakeOpenAI:
    reply: str = DEFAULT_REPLY
    token_logprob: float = -0.05
    model: str = "fake-model"
    requests: list[RecordedRequest] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self._script: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._retry_not_before = 0.0  # monotonic time the last 429's Retry-After ends
        self.stopping = threading.Event()  # wakes handlers that hang or sleep, at shutdown
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> FakeOpenAI:
        self._server = _Server(("127.0.0.1", 0), _Handler, fake=self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    # --- script and record -----------------------------------------------------------

    def enqueue(self, *behaviours: str | Behaviour) -> None:
        """Script the next requests, in order; plain names take the default parameters."""
        with self._lock:
            self._script.extend(b if isinstance(b, Behaviour) else Behaviour(b) for b in behaviours)

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    def _take(self, request: RecordedRequest) -> Behaviour:
        with self._lock:
            now = time.monotonic()
            request = replace(request, before_retry_after=now < self._retry_not_before)
            self.requests.append(request)
            behaviour = self._script.popleft() if self._script else Behaviour()
            if behaviour.kind == "http_429":
                self._retry_not_before = now + behaviour.seconds
            return behaviour


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type, *, fake: FakeOpenAI) -> None:
        self.fake = fake
        super().__init__(address, handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked bodies, like a real API
    timeout = 10  # idle keep-alive connections end on their own
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # quiet test output

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = RecordedRequest("POST", self.path, headers, body)
        behaviour = self.server.fake._take(request)
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send_json(404, _error("Not found", "invalid_request_error", "not_found"))
            return
        wants_stream = isinstance(body, dict) and bool(body.get("stream"))
        wants_logprobs = isinstance(body, dict) and bool(body.get("logprobs"))
        try:
            _Reply(self, behaviour, stream=wants_stream, logprobs=wants_logprobs).send()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (its deadline); nothing to do

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()


class _Reply:
    """Carries out one behaviour for one request."""

    def __init__(
        self, handler: _Handler, behaviour: Behaviour, *, stream: bool, logprobs: bool
    ) -> None:
        self.handler = handler
        self.behaviour = behaviour
        self.fake = handler.server.fake
        self.stream = stream
        self.logprobs = logprobs
        self.text = behaviour.reply if behaviour.reply is not None else self.fake.reply
        self.logprob = (
            behaviour.logprob if behaviour.logprob is not None else self.fake.token_logprob
        )

    def send(self) -> None:
        kind = self.behaviour.kind
        if kind in ERRORS:
            status, payload = ERRORS[kind]
            headers = {"Retry-After": _number(self.behaviour.seconds)} if kind == "http_429" else {}
            self.handler._send_json(status, payload, headers)
        elif kind == "hang":
            self.fake.stopping.wait()
            self.handler.close_connection = True
        elif kind == "malformed_json":
            self._malformed()
        elif self.stream:
            self._stream()
        else:
            self._complete()

    def _complete(self) -> None:
        if self.behaviour.kind == "slow_first_token":
            self.fake.stopping.wait(self.behaviour.seconds)
        if self.behaviour.kind in ("stall", "stream_cut"):
            self.fake.stopping.wait()  # a whole-body reply cannot be cut half-way: hang
            self.handler.close_connection = True
            return
        self.handler._send_json(200, self._completion())

    def _stream(self) -> None:
        self._start_chunked()
        self._event(self._chunk({"role": "assistant", "content": ""}))
        kind = self.behaviour.kind
        if kind == "slow_first_token":
            self.fake.stopping.wait(self.behaviour.seconds)
        for position, token in enumerate(_tokens(self.text)):
            if kind in ("stream_cut", "stall") and position == self.behaviour.after_chunks:
                self._cut() if kind == "stream_cut" else self._stall()
                return
            self._event(self._chunk({"content": token}, logprob_token=token))
        self._event(self._chunk({}, finish_reason="stop"))
        self._write_chunk(b"data: [DONE]\n\n")
        self._write_chunk(b"")  # the zero-length chunk ends the body

    def _malformed(self) -> None:
        if not self.stream:
            self.handler._send_json(200, b'{"id": "chatcmpl-fake", "choices": [{"mess')
            return
        self._start_chunked()
        self._write_chunk(b'data: {"id": "chatcmpl-fake", "choices": [{"delta": {"cont\n\n')
        self._write_chunk(b"data: [DONE]\n\n")
        self._write_chunk(b"")

    def _start_chunked(self) -> None:
        self.handler.send_response(200)
        self.handler.send_header("Content-Type", "text/event-stream")
        self.handler.send_header("Transfer-Encoding", "chunked")
        self.handler.end_headers()

    def _cut(self) -> None:
        """Drop the connection mid-body, without the terminating chunk."""
        self.handler.wfile.flush()
        self.handler.connection.shutdown(socket.SHUT_RDWR)
        self.handler.close_connection = True

    def _stall(self) -> None:
        self.fake.stopping.wait()
        self.handler.close_connection = True

    def _event(self, payload: dict[str, Any]) -> None:
        self._write_chunk(f"data: {json.dumps(payload)}\n\n".encode())

    def _write_chunk(self, data: bytes) -> None:
        self.handler.wfile.write(b"%X\r\n%s\r\n" % (len(data), data))
        self.handler.wfile.flush()

    def _chunk(
        self, delta: dict[str, Any], *, finish_reason: str | None = None, logprob_token: str = ""
    ) -> dict[str, Any]:
        logprobs = None
        if self.logprobs and logprob_token:
            logprobs = {"content": [self._token_logprob(logprob_token)], "refusal": None}
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": self.fake.model,
            "choices": [
                {"index": 0, "delta": delta, "logprobs": logprobs, "finish_reason": finish_reason}
            ],
        }

    def _completion(self) -> dict[str, Any]:
        logprobs = None
        if self.logprobs:
            logprobs = {"content": [self._token_logprob(t) for t in _tokens(self.text)]}
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.fake.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": self.text, "refusal": None},
                    "logprobs": logprobs,
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }

    def _token_logprob(self, token: str) -> dict[str, Any]:
        return {
            "token": token,
            "logprob": self.logprob,
            "bytes": list(token.encode()),
            "top_logprobs": [],
        }


def _tokens(text: str) -> list[str]:
    """Word-sized pieces with their trailing whitespace; joined they give the text back."""
    return re.findall(r"\S+\s*|\s+", text) or [text]


def _error(
    message: str, kind: str, code: str | None, *, param: str | None = None
) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


ERRORS: dict[str, tuple[int, dict[str, Any]]] = {
    "http_500": (500, _error("The server had an error", "server_error", None)),
    "http_429": (429, _error("Rate limit reached", "requests", "rate_limit_exceeded")),
    "http_401": (401, _error("Incorrect API key", "invalid_request_error", "invalid_api_key")),
    "context_length": (
        400,
        _error(
            "This model's maximum context length is 128000 tokens.",
            "invalid_request_error",
            "context_length_exceeded",
            param="messages",
        ),
    ),
}
