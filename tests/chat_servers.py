"""Fake 企业微信 and 钉钉 robot endpoints: real HTTP servers on 127.0.0.1 for the work-chat
tests (twinning/notify/chat.py).

Each fixture starts a ``ThreadingHTTPServer`` on a free port, points the platform's
setting (``WECOM_WEBHOOK_URL`` / ``DINGTALK_WEBHOOK_URL``) at it and shortens
``CHAT_TIMEOUT_SECONDS``. The server checks what the real platform checks — the webhook
key (企业微信), the access token and the signature of the timestamp (钉钉, 加签), the
size of a text message, 20 messages a minute per robot — records every request, and on
demand answers HTTP 500, a platform error, or nothing until the client has given up.

    from tests.chat_servers import dingtalk, wecom

    def test_something(world, wecom):
        robot = wecom.robot(actor=world.coord_helping, school=world.helping)
        ...
        assert [m.text for m in wecom.messages()] == [...]
        assert wecom.limited == []
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

# What the tests shorten the client's patience to: a hanging server costs this much.
CLIENT_TIMEOUT = 0.5
# A hanging answer is held at most this long (or until the test ends), so that a thread
# left behind never outlives the test run by much.
HANG_LIMIT = 10.0
RATE_PER_MINUTE = 20
WECOM_TEXT_BYTES = 2048
SIGN_WINDOW_MS = 60 * 60 * 1000  # 钉钉 accepts a timestamp within an hour of its clock

_tokens = itertools.count(1)


@dataclass
class Request:
    """One request as the platform saw it, and what it answered."""

    path: str
    query: dict[str, str]
    body: dict | None
    at: float  # when it arrived, by the platform's clock (time.time() + its skew)
    token: str = ""
    status: int = 200
    answer: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.answer.get("errcode") == 0

    @property
    def text(self) -> str:
        return ((self.body or {}).get("text") or {}).get("content", "")


class FakePlatform:
    """One platform's robot endpoint. ``robots`` maps each known token to its secret."""

    platform = ""
    path = ""
    token_param = ""
    rate_errcode = 0
    rate_errmsg = ""
    text_limit = 20000  # bytes of a text message

    def __init__(self):
        self.robots: dict[str, str] = {}
        self.requests: list[Request] = []
        self.limited: list[Request] = []  # answered "too many messages": must stay empty
        self.oversized: list[Request] = []  # a text beyond the platform's limit
        self._failures: dict[str | None, tuple] = {}  # token (None: every robot) → how
        self._lock = threading.Lock()
        self._release = threading.Event()
        self.skew = 0.0  # seconds the platform's clock is ahead (see advance())
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        kwargs={"poll_interval": 0.05})  # fmt: skip
        self._thread.start()

    # --- for the tests --------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self.path}"

    def new_token(self) -> str:
        raise NotImplementedError

    def webhook(self, token: str | None = None, secret: str = "") -> str:
        """A robot's address on this platform, the robot known to it from now on."""
        token = token or self.new_token()
        self.robots[token] = secret
        return f"{self.url}?{urllib.parse.urlencode({self.token_param: token})}"

    def robot(self, *, actor, school=None, region=None, name=""):
        """A robot registered through the service (twinning.notify.chat.robot_register)."""
        from twinning.notify import chat

        secret = self.new_secret()
        return chat.robot_register(
            actor=actor, name=name or f"{self.platform} {len(self.robots) + 1}",
            platform=self.platform, webhook=self.webhook(secret=secret), secret=secret,
            school=school, region=region,
        )  # fmt: skip

    def new_secret(self) -> str:
        return ""

    def fail(self, token: str | None = None, *, status: int = 0, errcode: int = 0,
             errmsg: str = "", hang: bool = False, garbage: bool = False) -> None:  # fmt: skip
        """From now on answer the robot ``token`` (every robot with None) with HTTP
        ``status``, or the platform error ``errcode``, or nothing (``hang``: the answer is
        held past the client's timeout; with ``status``, its headers are sent and its body
        held), or a line that is not HTTP (``garbage``: what a broken proxy in between may
        answer)."""
        how = "hang" if hang else "garbage" if garbage else ""
        self._failures[token] = (status, errcode, errmsg, how)

    def heal(self, token: str | None = None) -> None:
        self._failures.pop(token, None)

    def advance(self, seconds: float) -> None:
        """Move the platform's clock (its rate limit's minute) forward, as a test moves
        the application's."""
        self.skew += seconds

    def messages(self, token: str | None = None) -> list[Request]:
        """The messages the platform took (answered errcode 0), oldest first."""
        with self._lock:
            return [r for r in self.requests if r.ok and token in (None, r.token)]

    def close(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- the platform's rules -------------------------------------------------------------

    def check(self, query: dict[str, str], body: dict | None) -> dict | None:
        """The platform's error for a request it refuses; None when it takes it."""
        raise NotImplementedError

    def _answer(self, request: Request) -> tuple[int, dict, str]:
        """The HTTP status and the answer, or how to answer otherwise ("hang", "garbage")."""
        status, errcode, errmsg, how = self._failures.get(
            request.token, self._failures.get(None, (0, 0, "", ""))
        )
        if how:
            return status, {"error": "too late"}, how
        if status:
            # A gateway's error page, echoing the address as some do (tests check that
            # the token is blanked out of the log).
            return status, {"error": f"upstream failed for {self.path}?{request.query}"}, ""
        if errcode:
            return 200, {"errcode": errcode, "errmsg": errmsg or "system error"}, ""
        refused = self.check(request.query, request.body)
        if refused:
            return 200, refused, ""
        if request.body is None or request.body.get("msgtype") != "text":
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}, ""
        if len(request.text.encode()) > self.text_limit:
            self.oversized.append(request)
            return 200, {"errcode": 40058, "errmsg": "content exceed max length"}, ""
        with self._lock:
            recent = [r for r in self.requests
                      if r.token == request.token and r.ok and r.at > request.at - 60]  # fmt: skip
            if len(recent) >= RATE_PER_MINUTE:
                self.limited.append(request)
                return 200, {"errcode": self.rate_errcode, "errmsg": self.rate_errmsg}, ""
            request.status, request.answer = 200, {"errcode": 0, "errmsg": "ok"}
        return 200, request.answer, ""

    def _handler(self):
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 – http.server's name
                split = urllib.parse.urlsplit(self.path)
                query = {k: v[0] for k, v in urllib.parse.parse_qs(split.query).items()}
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw.decode())
                except ValueError:
                    body = None
                request = Request(path=split.path, query=query, body=body,
                                  at=time.time() + platform.skew,
                                  token=query.get(platform.token_param, ""))  # fmt: skip
                with platform._lock:
                    platform.requests.append(request)
                if split.path != platform.path:
                    self._reply(404, {"errcode": 404, "errmsg": "not found"})
                    return
                status, answer, how = platform._answer(request)
                if how == "garbage":
                    request.status = 0
                    with contextlib.suppress(OSError):
                        self.wfile.write(b"SSH-2.0-OpenSSH_9.6 not http\r\n")
                    self.close_connection = True
                    return
                if how == "hang" and not status:
                    status, answer = 200, {"errcode": -1, "errmsg": "gave up waiting"}
                request.status = status
                if not request.ok:
                    request.answer = answer
                self._reply(status, answer, hang=how == "hang")

            def _reply(self, status, answer, hang=False):
                data = json.dumps(answer, ensure_ascii=False).encode()
                with contextlib.suppress(OSError):  # the client gave up waiting
                    if hang and status == 200:
                        platform._release.wait(HANG_LIMIT)
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if hang and status != 200:  # the headers now, the body too late
                        self.wfile.flush()
                        platform._release.wait(HANG_LIMIT)
                    self.wfile.write(data)

            def log_message(self, format, *args):  # noqa: A002 – http.server's name
                pass

        return Handler


class FakeWeCom(FakePlatform):
    """企业微信's group robot: ``POST /cgi-bin/webhook/send?key=…``."""

    platform = "wecom"
    path = "/cgi-bin/webhook/send"
    token_param = "key"
    rate_errcode, rate_errmsg = 45009, "api freq out of limit"
    text_limit = WECOM_TEXT_BYTES

    def new_token(self) -> str:
        return f"693a91f6-7b1c-4bc4-97a0-{next(_tokens):012x}"

    def check(self, query, body):
        if query.get("key") not in self.robots:
            return {"errcode": 93000, "errmsg": "invalid webhook url"}
        return None


class FakeDingTalk(FakePlatform):
    """钉钉's custom robot with 加签: ``POST /robot/send?access_token=…&timestamp=…&sign=…``."""

    platform = "dingtalk"
    path = "/robot/send"
    token_param = "access_token"
    # 钉钉's own code for a robot sending too fast (企业微信's is 45009).
    rate_errcode, rate_errmsg = 130101, "send too fast, exceed 20 times per minute"

    def new_token(self) -> str:
        return hashlib.sha256(f"token-{next(_tokens)}".encode()).hexdigest()

    def new_secret(self) -> str:
        return "SEC" + hashlib.sha256(f"secret-{next(_tokens)}".encode()).hexdigest()

    @staticmethod
    def sign(timestamp: str, secret: str) -> str:
        digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256)
        return base64.b64encode(digest.digest()).decode()

    def check(self, query, body):
        token = query.get("access_token")
        if token not in self.robots:
            return {"errcode": 300001, "errmsg": "token is not exist"}
        secret = self.robots[token]
        timestamp = query.get("timestamp", "")
        fresh = timestamp.isdigit() and abs(int(timestamp) - time.time() * 1000) < SIGN_WINDOW_MS
        if not fresh:
            return {"errcode": 310000, "errmsg": "sign not match, timestamp is invalid"}
        if not hmac.compare_digest(query.get("sign", ""), self.sign(timestamp, secret)):
            return {"errcode": 310000, "errmsg": "sign not match"}
        return None


def _serve(cls, settings, monkeypatch, setting: str):
    server = cls()
    setattr(settings, setting, server.url)
    settings.CHAT_TIMEOUT_SECONDS = CLIENT_TIMEOUT
    # A proxy of the environment must not stand between the client and 127.0.0.1.
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return server


@pytest.fixture
def wecom(settings, monkeypatch):
    """A fake 企业微信 robot endpoint, the platform's setting pointing at it."""
    server = _serve(FakeWeCom, settings, monkeypatch, "WECOM_WEBHOOK_URL")
    yield server
    server.close()


@pytest.fixture
def dingtalk(settings, monkeypatch):
    """A fake 钉钉 robot endpoint, the platform's setting pointing at it."""
    server = _serve(FakeDingTalk, settings, monkeypatch, "DINGTALK_WEBHOOK_URL")
    yield server
    server.close()
