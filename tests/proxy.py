"""The force's TLS proxy for tests and the benchmark: nginx from Debian's
package, running docs/nginx-site.conf as it is, on loopback, with a throwaway
certificate made for the run.

Only the wrapper around that file (where nginx keeps its pid, logs and
temporary files) is written here: the proxy's behaviour is the document's.
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from tests.assistant import end_process

PROJECT_DIR = Path(__file__).resolve().parent.parent
SITE_CONFIG = PROJECT_DIR / "docs" / "nginx-site.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@dataclass(frozen=True)
class Proxy:
    """A running proxy: its https URL, its certificate and a TLS context that trusts it."""

    url: str
    tls: ssl.SSLContext
    certificate: Path
    log: Path


def throwaway_certificate(directory: Path) -> tuple[Path, Path]:
    """Makes a self-signed certificate for 127.0.0.1, valid for a day."""
    certificate, key = directory / "proxy.crt", directory / "proxy.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        check=True,
        capture_output=True,
    )
    return certificate, key


def site_config(listen: str, certificate: Path, key: Path, web_service: str) -> str:
    """Returns docs/nginx-site.conf with its @@NAME@@ filled in."""
    text = SITE_CONFIG.read_text(encoding="utf-8")
    for name, value in {
        "LISTEN": listen,
        "CERTIFICATE": str(certificate),
        "CERTIFICATE_KEY": str(key),
        "WEB_SERVICE": web_service,
    }.items():
        text = text.replace(f"@@{name}@@", value)
    unfilled = [line for line in text.splitlines() if "@@" in line.split("#")[0]]
    assert not unfilled, f"docs/nginx-site.conf needs what the tests do not fill in: {unfilled}"
    return text


def start_proxy(workdir: Path, web_service: str, port: int) -> Iterator[Proxy]:
    """Starts nginx on 127.0.0.1:port in front of ``web_service`` (host:port); stops it after."""
    if not Path(NGINX).exists():
        raise RuntimeError("nginx is not installed: run `make services` (apt-get install nginx)")
    workdir.mkdir(parents=True, exist_ok=True)
    certificate, key = throwaway_certificate(workdir)
    (workdir / "site.conf").write_text(
        site_config(f"127.0.0.1:{port}", certificate, key, web_service), encoding="utf-8"
    )
    # Run as root (CI), nginx would hand its workers to a user who cannot
    # read this directory.
    user = "user root;\n" if os.geteuid() == 0 else ""
    log = workdir / "error.log"
    (workdir / "nginx.conf").write_text(
        f"{user}worker_processes 1;\n"
        f"pid {workdir}/nginx.pid;\n"
        f"error_log {log} warn;\n"
        "events { worker_connections 512; }\n"
        "http {\n"
        f"    client_body_temp_path {workdir}/body;\n"
        f"    proxy_temp_path {workdir}/proxy;\n"
        f"    fastcgi_temp_path {workdir}/fastcgi;\n"
        f"    uwsgi_temp_path {workdir}/uwsgi;\n"
        f"    scgi_temp_path {workdir}/scgi;\n"
        f"    include {workdir}/site.conf;\n"
        "}\n",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [
            NGINX,
            "-p",
            str(workdir),
            "-e",
            str(log),
            "-c",
            str(workdir / "nginx.conf"),
            "-g",
            "daemon off;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "nginx.out").open("w"),
    )
    tls = ssl.create_default_context(cafile=str(certificate))
    url = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2, context=tls):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "nginx did not start: " + (workdir / "nginx.out").read_text()
                    ) from None
                time.sleep(0.1)
        yield Proxy(url, tls, certificate, log)
    finally:
        end_process(process, timeout=10)
