"""The stand-in VK API server: real HTTP on loopback, answering `/method/<name>` like VK.

Everything a client can observe on the wire follows VK: API errors come with HTTP 200 and an
`{"error": ...}` body, transport trouble with other statuses or broken connections. The server
also counts what it served and keeps per-token request times, so tests can measure a client's
efficiency and politeness from the outside.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections import Counter, defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterable
from urllib.parse import parse_qsl, urlsplit

from vk_standin import methods, vkscript
from vk_standin.errors import ApiError, error_envelope
from vk_standin.faults import EXECUTE_ITEM, REQUEST_FAULTS, FaultInjector
from vk_standin.latency import NONE as NO_LATENCY
from vk_standin.latency import Latency
from vk_standin.limits import VK_DAILY_QUOTAS, WINDOW_SECONDS, TokenLedger
from vk_standin.world import World

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "standin-token"
MIN_VERSION = (5, 81)
EXECUTE_MAX_CALLS = 25
EXECUTE_MAX_BYTES = 5_000_000
_BAD_GATEWAY_PAGE = b"<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"
_SERVER_ERROR_PAGE = b"<html><body><h1>500 Internal Server Error</h1></body></html>"


class Counters:
    """What the server served. `method_calls` counts calls inside execute as well."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.http_requests = 0
            self.method_calls: Counter[str] = Counter()
            self.errors: Counter[int] = Counter()  # VK error codes answered, sub-calls included
            self.faults: Counter[str] = Counter()  # injected faults by kind
            self.requests_by_token: Counter[str] = Counter()
            # (method, owner_id) of the calls that name an owner: which walls were read.
            self.calls_by_owner: Counter[tuple[str, int]] = Counter()

    def request(self, token: str) -> None:
        with self._lock:
            self.http_requests += 1
            self.requests_by_token[token] += 1

    def call(self, method: str, owner_id: Any = None) -> None:
        with self._lock:
            self.method_calls[method] += 1
            if isinstance(owner_id, int) or (isinstance(owner_id, str)
                                             and owner_id.lstrip("-").isdigit()):
                self.calls_by_owner[(method, int(owner_id))] += 1

    def error(self, code: int) -> None:
        with self._lock:
            self.errors[code] += 1

    def fault(self, kind: str) -> None:
        with self._lock:
            self.faults[kind] += 1


class StandInServer:
    """`with StandInServer(World()) as server:` serves on 127.0.0.1 at `server.base_url`."""

    def __init__(
        self,
        world: World,
        *,
        tokens: Iterable[str] = (DEFAULT_TOKEN,),
        service_tokens: Iterable[str] = (),
        rps_per_token: float | None = None,
        daily_quota: dict[str, int] | None = None,
        fault_rate: float = 0.0,
        fault_kinds: Iterable[str] = REQUEST_FAULTS,
        slow_seconds: float = 2.0,
        seed: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
        execute_max_bytes: int = EXECUTE_MAX_BYTES,
        latency: Latency = NO_LATENCY,
    ) -> None:
        self.world = world
        self.tokens = list(tokens)
        self.counters = Counters()
        self.execute_max_bytes = execute_max_bytes
        self._valid_tokens = set(self.tokens)
        # An app's service key: valid for wall.*, groups.* and the like, refused by execute.
        self._service_tokens = set(service_tokens)
        self._valid_tokens |= self._service_tokens
        self._ledger = TokenLedger(
            rps_per_token, VK_DAILY_QUOTAS if daily_quota is None else daily_quota
        )
        self._faults = FaultInjector(fault_rate, fault_kinds, slow_seconds, seed)
        self.latency = latency
        self._canned: dict[str, deque[dict]] = defaultdict(deque)
        self._canned_lock = threading.Lock()
        self._address = (host, port)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    # ------------------------------------------------------------- lifecycle
    def start(self) -> "StandInServer":
        httpd = ThreadingHTTPServer(self._address, _Handler)
        httpd.standin = self  # type: ignore[attr-defined]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name="vk-standin", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        # Keep-alive connections would otherwise go on being served after stop().
        with self._connections_lock:
            for conn in list(self._connections):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self._httpd = None

    def __enter__(self) -> "StandInServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the server is not running")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self._address[0]}:{self.port}/method"

    @property
    def token(self) -> str:
        return self.tokens[0]

    # -------------------------------------------------------- runtime knobs
    def set_faults(
        self, rate: float, kinds: Iterable[str] | None = None, slow_seconds: float | None = None
    ) -> None:
        self._faults.configure(rate, kinds, slow_seconds)

    def set_rate_limit(self, rps_per_token: float | None) -> None:
        self._ledger.rps_per_token = rps_per_token

    def set_daily_quota(self, method: str, calls: int | None, token: str | None = None) -> None:
        """Daily calls of `method` per token (None: unlimited); for one token if given."""
        quotas: dict = self._ledger.daily_quota if token is None else self._ledger.token_quota
        key = method if token is None else (token, method)
        if calls is None:
            quotas.pop(key, None)
        else:
            quotas[key] = calls

    def exhaust(self, token: str, method: str) -> None:
        """From now on `token` gets error 29 for `method` until reset_quotas()."""
        self._ledger.exhaust(token, method)

    def reset_quotas(self) -> None:
        self._ledger.reset_quotas()

    def quota_used(self, token: str, method: str) -> int:
        return self._ledger.used(token, method)

    def add_token(self, token: str, service: bool = False) -> None:
        self._valid_tokens.add(token)
        if service:
            self._service_tokens.add(token)

    def revoke(self, token: str) -> None:
        """The token stops working (error 5), as when a user revokes it."""
        self._valid_tokens.discard(token)

    def queue_reply(self, method: str, payload: dict, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with `payload` ({"response"}/{"error"}).

        Works for calls inside execute too, which lets recorded VK responses travel the same
        path as generated ones.
        """
        with self._canned_lock:
            self._canned[method].extend([payload] * times)

    def request_times(self, token: str) -> list[float]:
        """Monotonic arrival times of every request made with `token`."""
        return self._ledger.times(token)

    def max_requests_in_window(self, token: str, window: float = WINDOW_SECONDS) -> int:
        return self._ledger.max_in_window(token, window)

    def reset_counters(self) -> None:
        self.counters.reset()
        self._ledger.clear_times()

    # ------------------------------------------------------------- serving
    def handle(self, handler: "_Handler", body: bytes) -> None:
        url = urlsplit(handler.path)
        if not url.path.startswith("/method/"):
            self._send(handler, 404, b"not found", "text/plain")
            return
        method = url.path[len("/method/"):]
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        token = params.pop("access_token", "")
        self.counters.request(token)
        admitted = self._ledger.admit(token)
        fault = self._faults.for_request()
        if fault:
            self.counters.fault(fault)
        if fault in ("http_500", "http_502"):
            page = _SERVER_ERROR_PAGE if fault == "http_500" else _BAD_GATEWAY_PAGE
            self._send(handler, int(fault[-3:]), page, "text/html")
            return
        if fault and fault.startswith("error_"):
            error = ApiError(int(fault.removeprefix("error_")))
            self.counters.error(error.code)
            payload = error_envelope(error, method, params)
        else:
            payload = self._process(method, params, token, admitted)
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        if method == "execute" and "response" in payload and len(data) > self.execute_max_bytes:
            error = ApiError(13, "response size is too big")
            self.counters.error(error.code)
            data = json.dumps(error_envelope(error, method, params)).encode()
        delay = self.latency.of(_calls_in(method, params), payload)
        if fault == "slow":
            delay += self._faults.slow_seconds
        if delay > 0:
            time.sleep(delay)
        if fault == "cutoff":
            self._send_cut(handler, data)
            return
        self._send(handler, 200, data, "application/json; charset=utf-8")

    def _process(self, method: str, params: dict, token: str, admitted: bool) -> dict:
        try:
            if token not in self._valid_tokens:
                raise ApiError(5)
            version = _version(params.get("v"))
            if not admitted:
                raise ApiError(6)
            if method == "execute":
                if token in self._service_tokens:
                    raise ApiError(28)
                return self._execute(params, token, version)
            return {"response": self._call(method, params, token, version)}
        except ApiError as error:
            self.counters.error(error.code)
            return error_envelope(error, method, params)

    def _call(self, method: str, params: dict, token: str, version: tuple[int, int]) -> Any:
        self.counters.call(method, params.get("owner_id"))
        if not self._ledger.spend(token, method):
            raise ApiError(29)
        canned = self._take_canned(method)
        if canned is not None:
            if "error" in canned:
                raise ApiError.from_body(canned["error"])
            return canned.get("response")
        return methods.call(self.world, method, params, version)

    def _execute(self, params: dict, token: str, version: tuple[int, int]) -> dict:
        self.counters.call("execute")
        if not self._ledger.spend(token, "execute"):
            raise ApiError(29)
        canned = self._take_canned("execute")
        if canned is not None:
            return canned
        try:
            calls, as_list = vkscript.parse(str(params.get("code") or ""))
        except vkscript.ScriptError as exc:
            raise ApiError(12, str(exc)) from None
        if len(calls) > EXECUTE_MAX_CALLS:
            raise ApiError(13, f"too many API calls ({len(calls)} > {EXECUTE_MAX_CALLS})")
        results: list[Any] = []
        errors: list[dict] = []
        for name, args in calls:
            try:
                if self._faults.for_execute_item():
                    self.counters.call(name)
                    self.counters.fault(EXECUTE_ITEM)
                    raise ApiError(10)
                results.append(self._call(name, args, token, version))
            except ApiError as error:
                self.counters.error(error.code)
                results.append(False)
                errors.append({"method": name, "error_code": error.code, "error_msg": error.msg})
        if calls and len(errors) == len(calls):
            response = None  # VK answers null when every sub-call failed
        else:
            response = results if as_list else results[0]
        payload: dict = {"response": response}
        if errors:
            payload["execute_errors"] = errors
        return payload

    def _take_canned(self, method: str) -> dict | None:
        with self._canned_lock:
            queue = self._canned.get(method)
            return queue.popleft() if queue else None

    def _send(self, handler: "_Handler", status: int, data: bytes, content_type: str) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _send_cut(self, handler: "_Handler", data: bytes) -> None:
        half = data[: len(data) // 2]
        if self._faults.coin():
            # The connection dies mid-body: fewer bytes than Content-Length promised.
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json; charset=utf-8")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(half)
            handler.wfile.flush()
            handler.close_connection = True
        else:
            # A complete HTTP response whose JSON is cut short (a misbehaving proxy).
            self._send(handler, 200, half, "application/json; charset=utf-8")

    def _track(self, conn: socket.socket, alive: bool) -> None:
        with self._connections_lock:
            if alive:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like VK's front ends
    server_version = "vk-standin/1"

    def setup(self) -> None:
        super().setup()
        self.server.standin._track(self.connection, True)  # type: ignore[attr-defined]

    def finish(self) -> None:
        self.server.standin._track(self.connection, False)  # type: ignore[attr-defined]
        try:
            super().finish()
        except OSError:
            pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._serve(b"")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self._serve(self.rfile.read(length))

    def _serve(self, body: bytes) -> None:
        try:
            self.server.standin.handle(self, body)  # type: ignore[attr-defined]
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. timed out on a slow reply)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("%s " + format, self.address_string(), *args)


def _calls_in(method: str, params: dict) -> int:
    if method != "execute":
        return 1
    return max(1, str(params.get("code") or "").count("API."))


def _version(raw: Any) -> tuple[int, int]:
    if raw is None or raw == "":
        raise ApiError(8, "v (version) is required")
    major, _, minor = str(raw).strip().partition(".")
    try:
        version = (int(major), int(minor or 0))
    except ValueError:
        raise ApiError(8, f"invalid version {raw!r}") from None
    if version < MIN_VERSION:
        raise ApiError(8)
    return version
