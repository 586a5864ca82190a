"""``create-token`` prints the secret as its last line (only a hash is stored); ``revoke-token``."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cli import main
from data.models import ApiToken
from tests import factories as f


def test_created_token_works_until_revoked(engine, capsys, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    with Session(engine) as s:
        f.two_estados(s)
        s.commit()
    assert (
        main(["create-token", "--name", "consulta", "--role", "read", "--territory", "VE-M"]) == 0
    )
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    with Session(engine) as s:
        stored = s.scalar(select(ApiToken).where(ApiToken.name == "consulta"))
        assert stored.token_hash != secret and secret not in stored.token_hash
    from app import create_app

    client = TestClient(create_app().server)
    headers = {"Authorization": f"Bearer {secret}"}
    r = client.get("/api/v1/summary", headers=headers)
    assert r.status_code == 200 and r.json()["territory"] == "VE-M"
    assert main(["create-token", "--name", "consulta", "--role", "read"]) == 2  # name taken
    assert main(["revoke-token", "--name", "consulta"]) == 0
    assert client.get("/api/v1/summary", headers=headers).status_code == 401
    assert main(["create-token", "--name", "x", "--role", "read", "--territory", "NOPE"]) == 2
