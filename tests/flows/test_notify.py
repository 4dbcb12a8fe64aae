"""Notifications against real local receivers: an HTTP server on 127.0.0.1 and aiosmtpd."""

from __future__ import annotations

import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from flows.alerts import AlertCandidate, apply
from flows.config import parse_config
from flows.notify import NotifyError, notify
from warehouse.db import writer


class Receiver:
    """Records JSON bodies; answers 500 to the first `fail_first` requests."""

    def __init__(self, fail_first: int = 0) -> None:
        self.bodies: list[dict] = []
        self.fail_first = fail_first
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                return

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if outer.fail_first > 0:
                    outer.fail_first -= 1
                    self.send_response(500)
                else:
                    outer.bodies.append(body)
                    self.send_response(200)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()


def _config(kind: str, env: str, **extra):
    return parse_config(
        {
            "brands": [{"id": "lumo", "name": "Lumo", "aliases": {"en": ["Lumo"]}}],
            "sources": [{"id": "s", "kind": "rss", "start_urls": ["https://example.com/f"]}],
            "notifications": [{"kind": kind, "secret_env": env, "min_severity": "medium", **extra}],
        }
    )


@pytest.fixture
def con(tmp_path):
    with writer(tmp_path / "n.duckdb") as connection:
        apply(
            connection,
            [
                AlertCandidate(
                    "lumo",
                    "negative_spike",
                    date(2026, 11, 15),
                    "high",
                    "18 negative posts about lumo.",
                    {"k": 4},
                    ["p1"],
                    reason_zh="lumo 有 18 条负面帖子。",
                )
            ],
            3,
        )
        yield connection


@pytest.mark.parametrize("kind", ["webhook", "slack", "feishu", "dingtalk", "wecom"])
def test_formats_and_never_twice(con, monkeypatch, kind):
    receiver = Receiver()
    monkeypatch.setenv("HOOK_URL", receiver.url)
    try:
        config = _config(kind, "HOOK_URL")
        assert notify(config, con) == 1
        assert notify(config, con) == 0  # same alert state: nothing sent again
        assert len(receiver.bodies) == 1
        body = receiver.bodies[0]
        shape = {
            "webhook": ("event", "alert"),
            "slack": ("text",),
            "feishu": ("msg_type", "content"),
            "dingtalk": ("msgtype", "text"),
            "wecom": ("msgtype", "text"),
        }[kind]
        assert set(body) == set(shape)
        text = json.dumps(receiver.bodies[0], ensure_ascii=False)
        # the rule by its title in the message's language; the JSON webhook keeps the alert's fields (the id)
        title = {"webhook": "negative_spike", "slack": "Negative spike"}.get(kind, "负面帖子激增")
        assert title in text
        # the brand by its name, as in the inbox (the JSON webhook carries the id and the name)
        assert (
            (f"Lumo · {title}" in text)
            if kind != "webhook"
            else ('"brand_id": "lumo"' in text and '"brand_name": "Lumo"' in text)
        )
        # the Chinese workplace bots get the Chinese sentence, Slack the English one, the JSON webhook both
        chinese, english = "lumo 有 18 条负面帖子" in text, "18 negative posts" in text
        assert (chinese, english) == {"webhook": (True, True), "slack": (False, True)}.get(kind, (True, False))
    finally:
        receiver.close()


def test_a_target_can_choose_its_language(con, monkeypatch):
    receiver = Receiver()
    monkeypatch.setenv("HOOK_URL", receiver.url)
    try:
        assert notify(_config("slack", "HOOK_URL", language="zh"), con) == 1
        assert "lumo 有 18 条负面帖子" in receiver.bodies[0]["text"]
    finally:
        receiver.close()


def test_receiver_failing_twice_then_succeeding(con, monkeypatch):
    receiver = Receiver(fail_first=2)
    monkeypatch.setenv("HOOK_URL", receiver.url)
    try:
        config = _config("slack", "HOOK_URL")
        for _ in range(2):  # what the flow's task retries do
            with pytest.raises(NotifyError, match="500"):
                notify(config, con)
        assert notify(config, con) == 1 and len(receiver.bodies) == 1
        assert notify(config, con) == 0
    finally:
        receiver.close()


def test_missing_secret_is_a_clear_error(con, monkeypatch):
    monkeypatch.delenv("NOT_SET_HOOK", raising=False)
    with pytest.raises(NotifyError, match="NOT_SET_HOOK is not set"):
        notify(_config("webhook", "NOT_SET_HOOK"), con)


def test_email_over_local_smtp(con, monkeypatch):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    class Keep(Sink):
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope.content.decode("utf-8", "replace"))
            return "250 OK"

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setenv("KOUBEI_SMTP", f"127.0.0.1:{port}|koubei@example.com|")
        assert notify(_config("email", "KOUBEI_SMTP", to=["pr@example.com"]), con) == 1
        assert len(handler.messages) == 1 and "Lumo · Negative spike: " in handler.messages[0]
    finally:
        controller.stop()


def test_a_failing_target_does_not_make_the_others_receive_twice(con, monkeypatch):
    good, bad = Receiver(), Receiver(fail_first=1)
    monkeypatch.setenv("GOOD_URL", good.url)
    monkeypatch.setenv("BAD_URL", bad.url)
    try:
        config = _config("slack", "GOOD_URL").model_copy(
            update={"notifications": [*_config("slack", "GOOD_URL").notifications, *_config("webhook", "BAD_URL").notifications]}
        )
        with pytest.raises(NotifyError, match=r"webhook: .*500"):
            notify(config, con)
        assert (len(good.bodies), len(bad.bodies)) == (1, 0)
        assert notify(config, con) == 1  # the retry reaches only the target that failed
        assert (len(good.bodies), len(bad.bodies)) == (1, 1)
        assert con.execute("SELECT notified_state FROM alerts").fetchall() == [("high:open",)]
        assert notify(config, con) == 0
    finally:
        good.close()
        bad.close()
