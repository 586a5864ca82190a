"""Headless Chromium against a real uvicorn: log in, the Sala loads, no CSP violation.

Runs only with SALA_TEST_BROWSER=1 (Debian chromium + chromedriver).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.config import ROOT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(os.environ.get("SALA_TEST_BROWSER") != "1", reason="SALA_TEST_BROWSER=1"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'sala.db'}",
        "SALA_SECRET_KEY": "browser-test-secret-0123456789abcdef",
        "SALA_TILE_URL": "none",  # no network: the Panorama map must not fetch tiles
    }
    py = sys.executable
    subprocess.run([py, "manage.py", "init-db"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [
            py,
            "manage.py",
            "create-user",
            "--username",
            "ana",
            "--role",
            "admin",
            "--password-stdin",
        ],
        cwd=ROOT,
        env=env,
        input="clave-muy-segura-1\n",
        text=True,
        check=True,
    )
    port = free_port()
    proc = subprocess.Popen(
        [py, "-m", "uvicorn", "app:server", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def driver(tmp_path: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chrome'}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    yield drv
    drv.quit()


def test_login_then_the_sala_loads_without_csp_errors(server, driver):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, 20)
    driver.get(server + "/")
    wait.until(ec.url_contains("/login"))
    driver.find_element(By.ID, "username").send_keys("ana")
    driver.find_element(By.ID, "password").send_keys("clave-muy-segura-1")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    box = wait.until(ec.presence_of_element_located((By.ID, "user-box")))
    assert "ana" in box.text and "Salir" in box.text
    wait.until(lambda d: d.find_element(By.ID, "clock-time").text.strip())  # clientside JS ran
    time.sleep(1.0)  # let late resource loads report
    logs = driver.get_log("browser")
    violations = [e["message"] for e in logs if "Content Security Policy" in e["message"]]
    assert violations == []
    severe = [e["message"] for e in logs if e["level"] == "SEVERE"]
    assert severe == []

    # The session ends (cookie gone): the next Dash request gets 401 and the page goes to login.
    driver.delete_cookie("sala_sesion")
    driver.execute_script("fetch('/_dash-layout')")
    wait.until(ec.url_contains("/login"))
