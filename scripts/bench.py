"""`make bench`: latency, throughput, start-up, training and memory, against Rasa's defaults.

Measured the same way every time, in one run, on this machine:

1. trains the project's model and a baseline from the same data with the
   configuration `rasa init` writes (BASELINE_CONFIG), timing each;
2. for each model, starts the whole stack (action server, Rasa server, public
   web service) and measures the cold start (process start to first good
   reply) and each process's resident memory;
3. drives realistic conversations (scripts/bench_locustfile.py) with Locust,
   headless, at 1, 10 and 50 concurrent conversations through POST /api/chat:
   replies per second, p50/p95/p99 per message, errors;
4. for the project: the same load at 1 conversation straight to Rasa, for the
   web service's own overhead, and a soak at 10 conversations for memory growth;
5. the project's model again in the scaled set-up of docs/deploy.md (two Rasa
   servers, PostgreSQL and Redis from scripts/services, two web workers),
   reached through nginx as the force's proxy (docs/nginx-site.conf, TLS), at
   the same levels;
6. the changes this project makes to Rasa (bot/rasa_patches, the selective
   domain of endpoints.yml, the recent conversations bot/storage/tracker_store.py
   keeps), added to Rasa as it ships one at a time (STEPS),
   each at 10 conversations: what each one gains, on its own. ``--steps``
   measures only these, into results/bench-steps.json.

7. the ceiling: the same conversations in-process through Rasa's
   Agent.handle_message, in-memory stores, the actions called directly, one
   process per core (scripts/bench_ceiling.py): the most Rasa can do here.

8. languages (issue 15): the embedded set-up offering English only, then
   English and Polish (a second Rasa server with the Polish model), each
   started afresh: cold start, every process's memory, and English
   conversations at 10 (2 in the smoke run) in both, Polish ones in the second.
   A deployment that offers only English must not pay for the second model.

Writes results/bench.json and results/bench.png, and prints a table of the
figures against the targets and the project/baseline ratios. Timing on shared
machines is noisy: compare figures from one run, never across runs.

``--smoke`` is the short version `make test` runs so that this cannot rot:
the already-trained model, no baseline, 1 and 2 conversations for a few
seconds, no soak, the ceiling, the scaled set-up too whenever PostgreSQL and
Redis can start, only the first step (Rasa as it ships), and both language
set-ups; it writes results/bench-smoke.json. ``--languages`` measures only
the language set-ups, into results/bench-languages.json.

Usage: python scripts/bench.py [--smoke | --steps [--rounds 3] | --languages]
       [--seconds 20] [--soak-seconds 300]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import psutil

from bot.serve import record_model
from bot.settings import STORE_SETTINGS, endpoints_with_actions_at
from tests.proxy import Proxy, start_proxy

PROJECT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
LOCUSTFILE = PROJECT / "scripts" / "bench_locustfile.py"
POLISH_MODEL = PROJECT / "models" / "welfare-pl.tar.gz"
# What `rasa init` writes for Rasa 3.6: the default pipeline and policies.
BASELINE_CONFIG = """\
recipe: default.v1
assistant_id: bench-baseline
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
    constrain_similarities: true
  - name: EntitySynonymMapper
  - name: ResponseSelector
    epochs: 100
    constrain_similarities: true
  - name: FallbackClassifier
    threshold: 0.3
    ambiguity_threshold: 0.1
policies:
  - name: MemoizationPolicy
  - name: RulePolicy
  - name: UnexpecTEDIntentPolicy
    max_history: 5
    epochs: 100
  - name: TEDPolicy
    max_history: 5
    epochs: 100
    constrain_similarities: true
"""
# The changes of bot/rasa_patches, endpoints.yml and bot/storage/tracker_store.py,
# added one at a time to Rasa as it ships: (step, RASA_PATCHES,
# enable_selective_domain, CONVERSATIONS_KEPT_IN_MEMORY).
STEPS = (
    ("rasa as shipped", "none", False, "0"),
    ("+ compiled validator", "compiled_validator", False, "0"),
    ("+ connection pool", "compiled_validator,connection_pool", False, "0"),
    ("+ selective domain", "compiled_validator,connection_pool", True, "0"),
    ("+ recent conversations kept", "compiled_validator,connection_pool", True, "500"),
    (
        "+ event types by name",
        "compiled_validator,connection_pool,event_types_by_name",
        True,
        "500",
    ),
    (
        "+ one spaCy pipeline",
        "compiled_validator,connection_pool,event_types_by_name,one_spacy_pipeline",
        True,
        "500",
    ),
    ("+ without TensorFlow", "all", True, "500"),
)
STEP_FIGURES = ("replies_per_s", "p50_ms", "p95_ms", "p99_ms", "cold_start_s", "rasa_rss_mb")
TARGETS = {
    "p95_ms_at_10": 150,
    "p95_at_10_vs_baseline_at_most": 0.25,
    "rps_at_50_vs_baseline_at_least": 4.0,
    "errors_at_50": 0,
    "cold_start_s": 10,
    "rasa_rss_mb": 700,
    "training_s": 180,
    "web_overhead_p50_ms": 10,
    "soak_growth_percent": 10,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def train(config: Path, out: Path, name: str) -> float:
    """Trains a model with the given config; returns the seconds it took."""
    started = time.monotonic()
    subprocess.run(
        [str(VENV_BIN / "rasa"), "train", "--config", str(config), "--domain", "domain.yml",
         "--data", "data/nlu", "data/rules", "--out", str(out), "--fixed-model-name", name,
         "--force"],
        cwd=PROJECT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    # bot.serve loads only recorded models, this run's baseline included.
    record_model(out / f"{name}.tar.gz")
    return elapsed


def scaled_services() -> Optional[Dict[str, str]]:
    """Returns where PostgreSQL and Redis are for the scaled set-up, or None.

    From the environment, else from scripts/services, which installs and
    starts them on loopback (quickly, if they are already running).
    """
    names = ("CONCERNS_TEST_DATABASE_URL", "TEST_REDIS_URL")
    if all(os.environ.get(name) for name in names):
        return {name: os.environ[name] for name in names}
    finished = subprocess.run(
        [str(PROJECT / "scripts" / "services")], capture_output=True, text=True, check=False
    )
    found = dict(line.split("=", 1) for line in finished.stdout.splitlines() if "=" in line)
    return found if finished.returncode == 0 and all(found.get(n) for n in names) else None


def post(url: str, body: dict, timeout: float = 10) -> Optional[object]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return json.loads(answer.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def rss_mb(process: subprocess.Popen) -> float:
    """Returns the resident memory of a process and its children, in MB."""
    try:
        parent = psutil.Process(process.pid)
        members = [parent] + parent.children(recursive=True)
        return sum(member.memory_info().rss for member in members) / 2**20
    except psutil.Error:
        return float("nan")


class Stack:
    """The action server, the Rasa server(s) with one model, and the public web service.

    Embedded (``services`` None): one Rasa server, conversations in SQLite, as
    `make run`. Scaled (``services`` gives PostgreSQL and Redis): two Rasa
    servers sharing conversations through PostgreSQL and Redis locks
    (endpoints.scaled.yml) and a two-worker web service, as docs/deploy.md.
    """

    def __init__(
        self,
        model: Path,
        workdir: Path,
        services: Optional[Dict[str, str]] = None,
        *,
        patches: str = "all",
        selective_domain: bool = True,
        conversations_kept: str = "500",
        languages: Optional[Dict[str, Path]] = None,
    ) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        rasa_names = ["rasa", "rasa-2"] if services else ["rasa"]
        self.action_port, self.web_port = free_port(), free_port()
        self.rasa_ports = {name: free_port() for name in rasa_names}
        self.rasa_port = self.rasa_ports["rasa"]
        actions_url = f"http://127.0.0.1:{self.action_port}"
        env = {
            **os.environ,
            "PYTHONPATH": str(PROJECT),
            "SANIC_HOST": "127.0.0.1",
            "CONCERNS_DATA_DIR": str(workdir / "data"),
            "RASA_URL": ",".join(f"http://127.0.0.1:{port}" for port in self.rasa_ports.values()),
            "ACTIONS_URL": actions_url,
            "WEB_REQUESTS_PER_MINUTE": "100000000",
            "RASA_TELEMETRY_ENABLED": "false",
            "RASA_PATCHES": patches,
            "CONVERSATIONS_KEPT_IN_MEMORY": conversations_kept,
        }
        # Another language's assistant: its own Rasa server and model, sharing
        # the conversations, named to the web service by RASA_URL_<CODE>.
        languages = languages or {}
        models = {name: model for name in rasa_names}
        for code, language_model in languages.items():
            models[f"rasa-{code}"] = language_model
            self.rasa_ports[f"rasa-{code}"] = free_port()
            env[f"RASA_URL_{code.upper()}"] = f"http://127.0.0.1:{self.rasa_ports[f'rasa-{code}']}"
        for name in (*STORE_SETTINGS, "DEPLOYMENT"):
            env.pop(name, None)
        if services:
            endpoints = PROJECT / "endpoints.scaled.yml"
            redis = urllib.parse.urlsplit(services["TEST_REDIS_URL"])
            env.update(
                CONVERSATIONS_DATABASE_URL=services["CONCERNS_TEST_DATABASE_URL"],
                REDIS_HOST=redis.hostname or "127.0.0.1",
                REDIS_PORT=str(redis.port or 6379),
                REDIS_PASSWORD="",
                # Behind the proxy, its limits shared by both workers, as docs/deploy.md.
                WEB_TRUSTED_PROXIES="127.0.0.1",
                WEB_LIMITS_REDIS_URL=redis._replace(path="/1").geturl(),
            )
        else:
            # The same stack as `make run`, from its endpoints.yml.
            endpoints = workdir / "endpoints.yml"
            endpoints.write_text(
                endpoints_with_actions_at(actions_url, selective_domain=selective_domain)
            )
        self.processes: Dict[str, subprocess.Popen] = {}
        self.processes["actions"] = self._start(
            "actions",
            [sys.executable, "-m", "bot.serve", "actions", "--actions", "actions",
             "--port", str(self.action_port)],
            env,
        )  # fmt: skip
        started = time.monotonic()
        for name, port in self.rasa_ports.items():
            self.processes[name] = self._start(
                name,
                [sys.executable, "-m", "bot.serve", "rasa", "--model", str(models[name]),
                 "--interface", "127.0.0.1", "--port", str(port), "--endpoints", str(endpoints),
                 "--credentials", "credentials.yml"],
                env,
            )  # fmt: skip
        self.processes["web"] = self._start(
            "web",
            [sys.executable, "-m", "bot.web", "public", "--port", str(self.web_port),
             "--workers", str(len(rasa_names))],
            env,
        )  # fmt: skip
        self.cold_start_s = self._first_good_reply(started)
        # Until every Rasa server answers (another language's too).
        self.all_ready_s = max(
            [self.cold_start_s]
            + [self._wait_for_reply(port, started) for port in list(self.rasa_ports.values())[1:]]
        )
        # The scaled set-up is reached through the force's proxy, nginx with
        # docs/nginx-site.conf; the embedded one straight, as `make run`.
        self._proxy: Optional[Iterator[Proxy]] = None
        self.proxy: Optional[Proxy] = None
        self.url = f"http://127.0.0.1:{self.web_port}"
        if services:
            self._proxy = start_proxy(workdir / "nginx", f"127.0.0.1:{self.web_port}", free_port())
            self.proxy = next(self._proxy)
            self.url = self.proxy.url

    def _start(self, name: str, command: List[str], env: dict) -> subprocess.Popen:
        log = (self.workdir / f"{name}.log").open("w")
        return subprocess.Popen(command, cwd=PROJECT, env=env, stdout=log, stderr=log)

    def _first_good_reply(self, started: float) -> float:
        cold = self._wait_for_reply(self.rasa_port, started)
        while post(f"http://127.0.0.1:{self.web_port}/api/session", {}) is None:
            time.sleep(0.2)
        return cold

    def _wait_for_reply(self, port: int, started: float) -> float:
        url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
        while time.monotonic() - started < 300:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited; see {self.workdir / (name + '.log')}")
            if post(url, {"sender": f"bench-cold-start-{port}", "message": "hello"}, timeout=5):
                return time.monotonic() - started
            time.sleep(0.2)
        raise RuntimeError("the Rasa server gave no reply within 300 s")

    def memory(self) -> Dict[str, float]:
        return {name: round(rss_mb(process), 1) for name, process in self.processes.items()}

    def stop(self) -> None:
        if self._proxy is not None:
            self._proxy.close()
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def load(
    host: str,
    users: int,
    seconds: int,
    target: str,
    prefix: Path,
    proxy: Optional[Proxy] = None,
    language: str = "en",
) -> Dict[str, float]:
    """Runs Locust headless; returns per-message throughput, latency and errors.

    Through the proxy, Locust trusts its throwaway certificate and no other.
    """
    env = {**os.environ, "BENCH_TARGET": target, "BENCH_LANGUAGE": language}
    if proxy is not None:
        env["BENCH_CA_BUNDLE"] = str(proxy.certificate)
    subprocess.run(
        [str(VENV_BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "-u", str(users),
         "-r", str(users), "-t", f"{seconds}s", "--host", host, "--csv", str(prefix),
         "--only-summary", "--stop-timeout", "10", "--loglevel", "ERROR"],
        cwd=PROJECT, env=env, check=False,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    with open(f"{prefix}_stats.csv", newline="") as stream:
        row = next((r for r in csv.DictReader(stream) if r["Name"] == "message"), None)
    if row is None:  # Locust sent nothing: report it as such, not as fast
        raise RuntimeError(f"Locust recorded no messages; run it by hand: {prefix}")
    return {
        "users": users,
        "messages": int(row["Request Count"]),
        "errors": int(row["Failure Count"]),
        "replies_per_s": round(float(row["Requests/s"]), 2),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
        "p99_ms": float(row["99%"]),
    }


def measure(
    name: str,
    model: Path,
    args: argparse.Namespace,
    workdir: Path,
    services: Optional[Dict[str, str]] = None,
) -> dict:
    """Starts the stack with one model and measures it."""
    print(f"bench: {name}: starting the stack", flush=True)
    stack = Stack(model, workdir / name, services)
    figures: dict = {"cold_start_s": round(stack.cold_start_s, 2), "rss_idle_mb": stack.memory()}
    try:
        web = stack.url
        figures["through_proxy"] = stack.proxy is not None
        figures["load"] = []
        for users in args.levels:
            print(f"bench: {name}: {users} conversations for {args.seconds} s", flush=True)
            figures["load"].append(
                load(web, users, args.seconds, "web", workdir / f"{name}-{users}", stack.proxy)
            )
        figures["rss_after_load_mb"] = stack.memory()
        if name == "project":
            rasa = f"http://127.0.0.1:{stack.rasa_port}"
            direct = load(rasa, 1, args.seconds, "rasa", workdir / f"{name}-direct")
            through = load(web, 1, args.seconds, "web", workdir / f"{name}-through")
            figures["web_overhead"] = {
                "direct": direct,
                "through_web": through,
                "p50_ms": round(through["p50_ms"] - direct["p50_ms"], 1),
            }
            if args.soak_seconds:
                print(f"bench: {name}: soak, 10 conversations, {args.soak_seconds} s", flush=True)
                before = stack.memory()
                soak = load(web, 10, args.soak_seconds, "web", workdir / f"{name}-soak")
                after = stack.memory()
                figures["soak"] = {
                    "load": soak,
                    "rss_before_mb": before,
                    "rss_after_mb": after,
                    "growth_percent": {
                        process: round(
                            100 * (after[process] - before[process]) / before[process], 1
                        )
                        for process in before
                    },
                }
    finally:
        stack.stop()
    return figures


def measure_steps(model: Path, args: argparse.Namespace, workdir: Path) -> List[dict]:
    """Adds the changes to Rasa one at a time, each measured on its own (issue 11).

    The embedded set-up at 10 conversations (2 in the smoke run), started
    afresh for each step, in the order of STEPS; ``--rounds`` repeats the
    whole sequence, and the figures of each step are the medians over rounds.
    """
    users = 2 if args.smoke else 10
    rounds: Dict[str, List[dict]] = {name: [] for name, *_ in STEPS}
    for round_number in range(args.rounds):
        for index, (name, patches, selective, kept) in enumerate(
            STEPS[: 1 if args.smoke else None]
        ):
            print(f"bench: step {name!r}, round {round_number + 1}", flush=True)
            folder = workdir / f"step-{index}-round-{round_number}"
            stack = Stack(
                model, folder, patches=patches, selective_domain=selective, conversations_kept=kept
            )
            try:
                # Cold start and memory too: some changes act only on those.
                start = {"cold_start_s": stack.cold_start_s, "rasa_rss_mb": stack.memory()["rasa"]}
                level = load(stack.url, users, args.seconds, "web", folder / "load")
                rounds[name].append({**level, **start})
            finally:
                stack.stop()
    steps = []
    for name, patches, selective, kept in STEPS:
        if not rounds[name]:
            continue
        figures = {
            key: statistics.median(level[key] for level in rounds[name]) for key in STEP_FIGURES
        }
        figures["errors"] = sum(level["errors"] for level in rounds[name])
        figures["each_round"] = rounds[name]
        steps.append({"step": name, "patches": patches, "selective_domain": selective,
                      "conversations_kept": int(kept), "users": users,
                      "rounds": len(rounds[name]), **figures})  # fmt: skip
    for previous, step in zip(steps, steps[1:], strict=False):
        step["p50_vs_previous"] = round(step["p50_ms"] / previous["p50_ms"], 3)
        step["replies_per_s_vs_previous"] = round(
            step["replies_per_s"] / previous["replies_per_s"], 3
        )
    return steps


def measure_languages(args: argparse.Namespace, workdir: Path) -> dict:
    """English only, then English and Polish: what offering a second language costs."""
    users = 2 if args.smoke else 10
    figures: dict = {}
    for name, languages in (("english_only", {}), ("with_polish", {"pl": POLISH_MODEL})):
        print(f"bench: languages, {name}", flush=True)
        folder = workdir / f"languages-{name}"
        stack = Stack(PROJECT / "models" / "welfare.tar.gz", folder, languages=languages)
        try:
            memory = stack.memory()
            setup = {
                "cold_start_s": round(stack.all_ready_s, 2),
                "rss_mb": memory,
                "rss_total_mb": round(sum(memory.values()), 1),
                "english": load(stack.url, users, args.seconds, "web", folder / "en"),
            }
            if languages:
                setup["polish"] = load(
                    stack.url, users, args.seconds, "web", folder / "pl", language="pl"
                )
            figures[name] = setup
        finally:
            stack.stop()
    only, both = figures["english_only"], figures["with_polish"]
    figures["ratios"] = {
        "rss_total": round(both["rss_total_mb"] / only["rss_total_mb"], 2),
        "english_p50": round(both["english"]["p50_ms"] / only["english"]["p50_ms"], 2),
        "english_replies_per_s": round(
            both["english"]["replies_per_s"] / only["english"]["replies_per_s"], 2
        ),
    }
    return figures


def languages_table(figures: dict) -> str:
    """Returns the two language set-ups side by side."""
    rows = [("measure", "English only", "English and Polish", "ratio")]
    only, both = figures["english_only"], figures["with_polish"]
    rows.append(("processes' memory MB (all)", only["rss_total_mb"], both["rss_total_mb"],
                 figures["ratios"]["rss_total"]))  # fmt: skip
    rows.append(("cold start s", only["cold_start_s"], both["cold_start_s"], ""))
    for key in ("replies_per_s", "p50_ms", "p95_ms", "errors"):
        rows.append((f"English {key}", only["english"][key], both["english"][key], ""))
    for key in ("replies_per_s", "p50_ms", "p95_ms", "errors"):
        rows.append((f"Polish {key}", "", both["polish"][key], ""))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows
    )


def percentile(values: List[float], share: float) -> float:
    """Returns the value below which ``share`` of the values fall (nearest rank)."""
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


def measure_ceiling(model: Path, args: argparse.Namespace, workdir: Path) -> dict:
    """The same conversations in-process through Agent.handle_message (scripts/bench_ceiling.py).

    One process per core, the conversations shared out between them, all
    talking at once; figures as for the stacks, per message.
    """
    cores = os.cpu_count() or 1
    levels = []
    for users in args.levels:
        print(f"bench: ceiling: {users} conversations for {args.seconds} s", flush=True)
        count = min(cores, users)
        folders = [workdir / f"ceiling-{users}-{n}" for n in range(count)]
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    str(PROJECT / "scripts" / "bench_ceiling.py"),
                    str(model),
                    str(folder),
                    "--users",
                    str(users // count + (n < users % count)),
                    "--seconds",
                    str(args.seconds),
                ],
                cwd=PROJECT,
                env={
                    **os.environ,
                    "PYTHONPATH": str(PROJECT),
                    "CONCERNS_DATA_DIR": str(folder / "data"),
                },
                stdout=subprocess.DEVNULL,
                stderr=(workdir / f"ceiling-{users}-{n}.log").open("w"),
            )  # fmt: skip
            for n, folder in enumerate(folders)
        ]
        while not all((folder / "ready").exists() for folder in folders):
            if any(process.poll() is not None for process in processes):
                raise RuntimeError(f"a ceiling process exited; see {workdir}/ceiling-*.log")
            time.sleep(0.2)
        for folder in folders:
            (folder / "go").write_text("go")
        for process in processes:
            process.wait(timeout=args.seconds + 300)
        parts = [json.loads((folder / "latencies.json").read_text()) for folder in folders]
        latencies = [ms for part in parts for ms in part["latencies_ms"]]
        seconds = max(part["seconds"] for part in parts)
        levels.append({
            "users": users,
            "messages": len(latencies),
            "errors": sum(len(part["failures"]) for part in parts),
            "replies_per_s": round(len(latencies) / seconds, 2),
            "p50_ms": percentile(latencies, 0.50),
            "p95_ms": percentile(latencies, 0.95),
            "p99_ms": percentile(latencies, 0.99),
            "processes": count,
        })  # fmt: skip
    return {"load": levels}


def steps_table(steps: List[dict]) -> str:
    rows = [("step", "replies/s", "p50 ms", "p95 ms", "errors", "p50 vs previous",
             "cold start s", "rasa MB")]  # fmt: skip
    for step in steps:
        rows.append((step["step"], step["replies_per_s"], step["p50_ms"], step["p95_ms"],
                     step["errors"], step.get("p50_vs_previous", ""),
                     round(step["cold_start_s"], 2), step["rasa_rss_mb"]))  # fmt: skip
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows
    )


def at(figures: dict, users: int) -> dict:
    return next(level for level in figures["load"] if level["users"] == users)


BETTER = {"replies_per_s": max, "p50_ms": min, "p95_ms": min, "p99_ms": min, "errors": min}


def table(results: dict) -> str:
    """Returns the figures against the targets, with best/baseline ratios.

    "best" is the better of the embedded and scaled set-ups: the targets apply
    to whichever a force would run.
    """
    project, baseline = results["project"], results.get("baseline")
    scaled, ceiling = results.get("scaled"), results.get("ceiling")
    rows = [("measure", "embedded", "scaled", "baseline", "ceiling", "best/baseline",
             "best/ceiling", "target")]  # fmt: skip
    for level in project["load"]:
        users = level["users"]
        base = at(baseline, users) if baseline else None
        other = at(scaled, users) if scaled else None
        top = at(ceiling, users) if ceiling else None
        for key in ("replies_per_s", "p50_ms", "p95_ms", "p99_ms", "errors"):
            best = BETTER[key](level[key], other[key]) if other else level[key]
            ratio = f"{best / base[key]:.2f}" if base and base[key] else ""
            of_ceiling = f"{best / top[key]:.2f}" if top and top[key] else ""
            target = ""
            if users == 10 and key == "p95_ms":
                target = f"< {TARGETS['p95_ms_at_10']} ms, <= 0.25 x baseline"
            if users == 50 and key == "replies_per_s":
                target = ">= 4 x baseline, >= 0.5 x ceiling"
            if users == 50 and key == "errors":
                target = "0"
            rows.append(
                (f"{key} at {users}", level[key], other[key] if other else "",
                 base[key] if base else "", top[key] if top else "", ratio, of_ceiling, target)
            )  # fmt: skip
    none = {"cold_start_s": "", "rss_after_load_mb": {"rasa": ""}}
    other, base = scaled or none, baseline or none
    rows.append(("cold start s", project["cold_start_s"], other["cold_start_s"],
                 base["cold_start_s"], "", "", "", "< 10"))  # fmt: skip
    rss = [figures["rss_after_load_mb"]["rasa"] for figures in (project, other, base)]
    rows.append(("rasa RSS MB after load (each)", *rss, "", "", "", "< 700"))
    training = results.get("training_s", {})
    if training:
        rows.append(("training s", training.get("project"), "", training.get("baseline"), "",
                     "", "", "< 180"))  # fmt: skip
    if "web_overhead" in project:
        overhead = project["web_overhead"]["p50_ms"]
        rows.append(("web overhead p50 ms", overhead, "", "", "", "", "", "< 10"))
    if "soak" in project:
        growth = project["soak"]["growth_percent"]
        rows.append(("soak growth % (rasa)", growth["rasa"], "", "", "", "", "", "< 10"))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows
    )


def plot(results: dict, path: Path) -> None:
    """Draws latency (p50, p95) against concurrency: both set-ups, baseline and ceiling."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4.5))
    for name, style in (("project", "-"), ("scaled", "-."), ("baseline", "--"),
                        ("ceiling", ":")):  # fmt: skip
        if name not in results:
            continue
        levels = results[name]["load"]
        users = [level["users"] for level in levels]
        for key, marker in (("p50_ms", "o"), ("p95_ms", "s")):
            axis.plot(users, [level[key] for level in levels], style, marker=marker,
                      label=f"{name} {key[:3]}")  # fmt: skip
    axis.set_xlabel("concurrent conversations")
    axis.set_ylabel("latency per message (ms)")
    axis.set_yscale("log")
    axis.set_title("Welfare assistant: latency against concurrency")
    axis.legend()
    axis.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="the short run make test does")
    parser.add_argument("--seconds", type=int, default=20, help="per load level")
    parser.add_argument("--soak-seconds", type=int, default=300)
    parser.add_argument("--levels", type=lambda s: [int(x) for x in s.split(",")],
                        default=[1, 10, 50])  # fmt: skip
    parser.add_argument("--out", type=Path, default=PROJECT / "results")
    parser.add_argument(
        "--steps", action="store_true", help="measure only the changes to Rasa, one at a time"
    )
    parser.add_argument("--rounds", type=int, default=1, help="of the steps")  # fmt: skip
    parser.add_argument(
        "--languages", action="store_true", help="measure only English alone vs with Polish"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.seconds, args.soak_seconds, args.levels = 4, 0, [1, 2]
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        },  # fmt: skip
        "targets": TARGETS,
    }
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        workdir = Path(tmp)
        if args.steps:
            steps = measure_steps(PROJECT / "models" / "welfare.tar.gz", args, workdir)
            out = args.out / "bench-steps.json"
            out.write_text(json.dumps({**results, "steps": steps}, indent=2))
            print(steps_table(steps))
            print(f"bench: figures in {out}")
            return 0 if all(step["errors"] == 0 for step in steps) else 1
        if args.languages:
            languages = measure_languages(args, workdir)
            out = args.out / "bench-languages.json"
            out.write_text(json.dumps({**results, "languages": languages}, indent=2))
            print(languages_table(languages))
            print(f"bench: figures in {out}")
            return 0
        if args.smoke:
            models = {"project": PROJECT / "models" / "welfare.tar.gz"}
        else:
            baseline_config = workdir / "baseline-config.yml"
            baseline_config.write_text(BASELINE_CONFIG)
            results["training_s"] = {}
            models = {}
            for name, config in (
                ("project", PROJECT / "config.yml"),
                ("baseline", baseline_config),
            ):
                print(f"bench: training the {name} model", flush=True)
                results["training_s"][name] = round(train(config, workdir / "models", name), 1)
                models[name] = workdir / "models" / f"{name}.tar.gz"
        results["ceiling"] = measure_ceiling(models["project"], args, workdir)
        for name, model in models.items():
            results[name] = measure(name, model, args, workdir)
        results["steps"] = measure_steps(models["project"], args, workdir)
        services = scaled_services()
        if services:
            results["scaled"] = measure("scaled", models["project"], args, workdir, services)
        else:
            print("bench: !!! PostgreSQL or Redis could not start: no scaled figures !!!")
        results["languages"] = measure_languages(args, workdir)
        if args.smoke:
            shutil.rmtree(workdir / "project" / "data", ignore_errors=True)
    out = args.out / ("bench-smoke.json" if args.smoke else "bench.json")
    out.write_text(json.dumps(results, indent=2))
    if not args.smoke:
        plot(results, args.out / "bench.png")
    print(table(results))
    print(steps_table(results["steps"]))
    print(languages_table(results["languages"]))
    print(f"bench: figures in {out}")
    levels = [
        level
        for name in ("project", "scaled", "ceiling")
        for level in results.get(name, {}).get("load", [])
    ]
    errors = [level["errors"] for level in levels] + [step["errors"] for step in results["steps"]]
    for setup in ("english_only", "with_polish"):
        figures = results["languages"][setup]
        errors += [figures[said]["errors"] for said in ("english", "polish") if said in figures]
    return (
        0
        if not args.smoke or (sum(errors) == 0 and results["project"]["load"][0]["messages"])
        else 1
    )


if __name__ == "__main__":
    sys.exit(main())
