"""Token administration in /admin, in headless Chromium against a real uvicorn: log in, create
a token choosing the territory by typing its name, see the secret once, watch its last use,
revoke it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from data.db import make_engine
from data.users import create_user
from tests.live.harness import BROWSER, make_database, new_driver, wait_until
from tests.server import start_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not BROWSER, reason="pruebas de navegador: defina SALA_TEST_BROWSER=1"),
]
PASSWORD = "clave-muy-segura-1"


def api_status(base: str, secret: str) -> int:
    request = urllib.request.Request(
        f"{base}/api/v1/summary", headers={"Authorization": f"Bearer {secret}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def token_row(driver, name: str) -> list[str]:
    return driver.execute_script(
        "const r = document.querySelector(`tr[data-token='${arguments[0]}']`);"
        "return r ? [...r.cells].map(c => c.innerText.trim()) : [];",
        name,
    )


def test_admin_creates_uses_and_revokes_an_api_token(tmp_path: Path):
    database_url = make_database(tmp_path / "sala.db")
    engine = make_engine(database_url)
    with Session(engine) as s:
        create_user(s, "jefa", PASSWORD, "admin")
        s.commit()
    engine.dispose()
    server = start_server(
        database_url, {"REDIS_URL": "", "SALA_SECRET_KEY": "browser-ops-secret-0123456789abcdef"}
    )
    driver = new_driver(tmp_path / "profile")
    find = driver.find_element
    try:
        driver.get(f"{server.url}/login?next=/admin")
        find("id", "username").send_keys("jefa")
        find("id", "password").send_keys(PASSWORD)
        find("css selector", "form button[type=submit]").click()
        wait_until(lambda: driver.find_elements("id", "admin-token-form"), what="/admin")
        assert "Aún no hay tokens de la API" in find("id", "admin-tokens").text

        find("id", "token-name").send_keys("clap-capital")
        find("css selector", "#token-role option[value=read]").click()
        field = find("id", "token-territorios-input")
        field.send_keys("C2")  # part of a name, not a code to know by heart

        def options() -> list[str]:
            return driver.execute_script(
                "const l = document.getElementById('token-territorios');"
                "return l.dataset.query === 'C2' ? [...l.options].map(o => o.value) : [];"
            )

        wait_until(lambda: len(options()) > 0, what="la lista se llena con lo escrito")
        assert all("C2" in value for value in options())
        choice = next(value for value in options() if value.endswith("· VE-A-C2"))
        assert "circuito comunal" in choice and "Estado VE-A" in choice  # human names
        field.clear()
        field.send_keys(choice)  # what picking it from the list puts in the field
        find("css selector", "#admin-token-form button[type=submit]").click()

        wait_until(lambda: driver.find_elements("id", "token-secret"), what="secreto mostrado")
        secret = find("id", "token-secret").text.strip()
        assert secret.startswith("sala_")
        row = token_row(driver, "clap-capital")
        assert row[:3] == ["clap-capital", "lectura", "VE-A-C2"] and row[4] == "nunca"

        assert api_status(server.url, secret) == 200
        driver.get(f"{server.url}/admin")
        assert secret not in driver.page_source  # shown once only
        wait_until(lambda: token_row(driver, "clap-capital")[4] != "nunca", what="último uso")

        find("css selector", "tr[data-token='clap-capital'] button").click()
        wait_until(
            lambda: token_row(driver, "clap-capital")[5].startswith("revocado"), what="revocado"
        )
        assert "Token de la API revocado." in driver.page_source
        assert api_status(server.url, secret) == 401
        audit = find("css selector", "body").text
        assert "token_creado" in audit and "token_revocado" in audit
        severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not severe, json.dumps(severe, ensure_ascii=False)
    finally:
        driver.quit()
        server.stop()
