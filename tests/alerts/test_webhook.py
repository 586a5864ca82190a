"""Webhooks: signed JSON POSTs to a local receiver, per scope and minimum level, retried with
backoff while the receiver is down, in order, nothing lost; given up after the retry window."""

from __future__ import annotations

import dataclasses
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.alerts import store
from data.alerts.webhook import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    WebhookError,
    create_webhook,
    drain,
    list_webhooks,
    sign,
    verify,
)
from data.models import AlertOutbox
from data.scope import NATIONAL, OutOfScope, scope_for
from tests import factories as f
from tests.alerts.conftest import NOW, alerts, hours_ago, only, run
from tests.server import free_port


class Receiver:
    """A local HTTP receiver that records every POST; ``status`` is what it answers."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[dict] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *_args) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sala"

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def _hook(engine, name, url, territory=None, min_level=4) -> str:
    with Session(engine) as s, s.begin():
        _, secret = create_webhook(s, name, url, territory, min_level, NATIONAL, NOW)
    return secret


def _raise_alerts(engine, settings):
    """Level 5 on VE-A-C1 and on VE-M-C1, level 3 on VE-M-M1."""
    only(engine, "incidente_grave", "defensa_alistamiento_bajo")
    with Session(engine) as s:
        f.incident(s, "I1", "Q-VE-A-1", "VE-A-C1", "homicidio", hours_ago(NOW, 1), 5)
        f.incident(s, "I2", "Q-VE-M-1", "VE-M-C1", "secuestro", hours_ago(NOW, 1), 5)
        f.defense(s, "ADI-1", "VE-M-M1", 30)
        f.defense(s, "U-1", "VE-M-C1", 30)
        s.commit()
    run(engine, NOW, settings)


def test_signed_post_per_scope_and_minimum_level(engine, world, settings, receiver):
    secret = _hook(engine, "zona-m", receiver.url, territory="VE-M", min_level=4)
    _raise_alerts(engine, settings)
    result = drain(engine, NOW, settings)
    assert (result.delivered, result.retried) == (1, 0)
    (got,) = receiver.received  # VE-A is outside the scope; the level-3 alert is below it
    body = json.loads(got["body"])
    assert body["event"] == "alerta.abierta"
    assert (body["alert"]["territory_code"], body["alert"]["level"]) == ("VE-M-C1", 5)
    assert got["headers"][EVENT_HEADER] == "alerta.abierta"
    assert got["headers"][SIGNATURE_HEADER] == sign(secret, got["body"])
    assert verify(secret, got["body"], got["headers"][SIGNATURE_HEADER])
    assert not verify("otro-secreto", got["body"], got["headers"][SIGNATURE_HEADER])
    expected = "sha256=" + hmac.new(secret.encode(), got["body"], "sha256").hexdigest()
    assert got["headers"][SIGNATURE_HEADER] == expected
    assert drain(engine, NOW, settings).delivered == 0  # delivered once


def test_nothing_is_lost_while_the_receiver_is_down(engine, world, settings, receiver):
    _hook(engine, "sala-central", receiver.url)
    _raise_alerts(engine, settings)
    receiver.status = 503
    first = drain(engine, NOW, settings)
    assert (first.delivered, first.retried) == (0, 1)  # the head fails, the rest waits behind
    later = drain(engine, NOW + timedelta(milliseconds=500), settings)
    assert later.retried == 0  # backing off: 1 s, then 2 s, 4 s...
    drain(engine, NOW + timedelta(seconds=1), settings)
    with Session(engine) as s:
        head = s.scalars(select(AlertOutbox).order_by(AlertOutbox.id)).first()
        assert (head.attempts, head.last_error) == (2, "HTTP 503")
        assert head.next_attempt_at == NOW + timedelta(seconds=3)
    receiver.status = 200
    delivered = drain(engine, NOW + timedelta(seconds=3), settings)
    assert delivered.delivered == 2
    ids = [int(r["headers"][DELIVERY_HEADER]) for r in receiver.received]
    assert ids[-2:] == sorted(ids[-2:]) and ids[0] == ids[1] == ids[2]  # retries of one, in order
    territories = [json.loads(r["body"])["alert"]["territory_code"] for r in receiver.received[2:]]
    assert sorted(territories) == ["VE-A-C1", "VE-M-C1"]


def test_a_receiver_that_never_answers_is_given_up_after_the_retry_window(engine, world, settings):
    settings = dataclasses.replace(settings, webhook_retry_hours=1, webhook_timeout_s=0.5)
    _hook(engine, "caido", f"http://127.0.0.1:{free_port()}/nadie")
    _raise_alerts(engine, settings)
    drain(engine, NOW, settings)
    assert drain(engine, NOW + timedelta(hours=1), settings).failed == 1
    with Session(engine) as s:
        (info,) = list_webhooks(s, NATIONAL)
    assert (info.pending, info.failed) == (1, 1)
    assert info.last_error


def test_every_lifecycle_step_is_notified(engine, world, settings, receiver):
    _hook(engine, "todo", receiver.url, min_level=1)
    only(engine, "incidente_grave")
    with Session(engine) as s:
        f.incident(s, "I1", "Q-VE-A-1", "VE-A-C1", "homicidio", hours_ago(NOW, 1), 5)
        s.commit()
    run(engine, NOW, settings)
    from data.alerts import engine as evaluator

    evaluator.escalate(engine, NOW + timedelta(minutes=20), settings)
    (alert,) = alerts(engine)
    with Session(engine) as s, s.begin():
        store.acknowledge(
            s, None, alert.id, "op1", "voy", store.Changes(), now=NOW + timedelta(minutes=21)
        )
    with Session(engine) as s, s.begin():
        store.resolve(
            s, None, alert.id, "op1", "listo", store.Changes(), now=NOW + timedelta(minutes=22)
        )
    drain(engine, NOW + timedelta(minutes=23), settings)
    events = [r["headers"][EVENT_HEADER] for r in receiver.received]
    assert events == ["alerta.abierta", "alerta.escalada", "alerta.reconocida", "alerta.resuelta"]
    last = json.loads(receiver.received[-1]["body"])["alert"]
    assert [n["by"] for n in last["notes"]][-2:] == ["op1", "op1"]


def test_webhook_settings_are_checked(engine, world):
    with Session(engine) as s:
        with pytest.raises(WebhookError, match="http"):
            create_webhook(s, "x", "ftp://sala", None, 4, NATIONAL, NOW)
        with pytest.raises(WebhookError, match="nivel"):
            create_webhook(s, "x", "https://sala.example/h", None, 6, NATIONAL, NOW)
        with pytest.raises(OutOfScope):
            create_webhook(s, "x", "https://sala.example/h", "VE-A", 4, scope_for(s, "VE-M"), NOW)
        hook, _ = create_webhook(
            s, "x", "https://sala.example/h", None, 4, scope_for(s, "VE-M"), NOW
        )
        assert hook.territory_code == "VE-M"  # a scoped admin's webhook stays in the scope
        s.flush()
        with pytest.raises(WebhookError, match="Ya existe"):
            create_webhook(s, "x", "https://sala.example/h", None, 4, NATIONAL, NOW)


def test_webhook_commands(engine, world, receiver, capsys):
    from cli import main

    assert (
        main(["create-webhook", "--name", "cli", "--url", receiver.url, "--territory", "VE-A"]) == 0
    )
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert len(secret) > 30
    assert main(["list-webhooks"]) == 0
    assert "cli" in capsys.readouterr().out
    assert main(["delete-webhook", "--name", "cli"]) == 0
    assert main(["delete-webhook", "--name", "cli"]) == 2
