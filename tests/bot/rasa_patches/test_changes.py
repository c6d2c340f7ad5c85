"""The changes to Rasa in bot/rasa_patches: they still fit Rasa, and they work."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from types import SimpleNamespace

import jsonschema
import pytest
import rasa
from aiohttp import web
from rasa.core import run
from rasa.core.actions.action import RemoteAction
from rasa.engine.storage.storage import ModelMetadata
from rasa.nlu.extractors import extractor
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.core import events
from rasa.shared.core.events import Event
from rasa.shared.utils import common
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_patches
from bot.understanding.language import DEFAULT_OUTPUT_DIR
from tests.assistant import MODEL, PROJECT_DIR, run_coroutine

GOOD_REPLY = {
    "events": [{"event": "slot", "name": "relationship", "value": "neighbour"}],
    "responses": [{"response": "utter_signs_noted"}],
}
ACTION = RemoteAction("action_note_warning_signs", None)
# A server with no agent loaded: Rasa has nothing of its own to close.
STOPPED_APP = SimpleNamespace(ctx=SimpleNamespace())
BAD_REPLY = {"events": [{"event": "slot", "name": 7}], "responses": []}


@pytest.fixture
def patched(monkeypatch):
    """Applies every patch for one test, then puts Rasa back as it ships."""
    for owner, name in [
        (RemoteAction, "_validate_action_result"),
        (EndpointConfig, "session"),
        (run, "close_resources"),
        (SpacyNLP, "load_model"),
        (Event, "resolve_by_type"),
        (ModelMetadata, "from_dict"),
    ]:
        # As stored (a staticmethod stays one), so undoing puts back Rasa's own.
        monkeypatch.setattr(owner, name, vars(owner)[name])
    monkeypatch.setattr(rasa_patches, "_applied", [])
    return rasa_patches.apply("all")


# The shape each patch relies on, read from the installed Rasa before any
# patch is applied. If one fails, Rasa changed: re-read the patch against it.


def test_rasa_is_the_version_the_patches_were_checked_against():
    assert rasa.__version__ == rasa_patches.CHECKED_AGAINST


def test_rasa_validates_action_replies_against_its_response_spec_on_every_call():
    method = RemoteAction._validate_action_result
    assert list(inspect.signature(method).parameters) == ["self", "result"]
    assert "validate(result, self.action_response_format_spec())" in inspect.getsource(method)
    assert isinstance(RemoteAction.action_response_format_spec(), dict)


def test_rasa_requests_open_the_endpoint_session_as_a_context_manager():
    assert list(inspect.signature(EndpointConfig.session).parameters) == ["self"]
    assert "async with self.session() as session:" in inspect.getsource(EndpointConfig.request)
    endpoint = EndpointConfig("http://127.0.0.1:1", headers={"X-Test": "1"})
    assert endpoint.headers == {"X-Test": "1"} and endpoint.basic_auth == {}


def test_rasa_closes_resources_when_its_server_stops():
    assert list(inspect.signature(run.close_resources).parameters) == ["app", "_"]
    source = inspect.getsource(run.serve_application)
    assert 'app.register_listener(close_resources, "after_server_stop")' in source


def test_rasa_loads_the_spacy_pipeline_in_each_spacy_node():
    assert isinstance(vars(SpacyNLP)["load_model"], staticmethod)
    assert list(inspect.signature(SpacyNLP.load_model).parameters) == ["spacy_model_name"]
    assert "cls.load_model(spacy_model_name)" in inspect.getsource(SpacyNLP.create)


def test_rasa_finds_an_event_class_by_walking_every_subclass():
    assert isinstance(vars(Event)["resolve_by_type"], staticmethod)
    assert list(inspect.signature(Event.resolve_by_type).parameters) == ["type_name", "default"]
    assert "all_subclasses(Event)" in inspect.getsource(Event.resolve_by_type)
    assert "Event.resolve_by_type(event_name, default)" in inspect.getsource(Event.from_parameters)


def test_thinc_probes_for_tensorflow_when_it_is_imported():
    import thinc.compat

    assert "import tensorflow\n" in inspect.getsource(thinc.compat)


def test_rasas_entity_extractor_imports_its_training_utilities_whole():
    source = inspect.getsource(extractor)
    assert "import rasa.utils.train_utils\n" in source
    assert "from rasa.utils.train_utils import" not in source


def test_rasa_resolves_the_training_graph_when_it_reads_a_models_metadata():
    assert isinstance(vars(ModelMetadata)["from_dict"], classmethod)
    source = inspect.getsource(ModelMetadata.from_dict)
    assert 'train_schema=GraphSchema.from_dict(serialized["train_schema"])' in source


# What each patch does.


def test_the_compiled_validator_accepts_what_rasa_accepts(patched):
    assert ACTION._validate_action_result(GOOD_REPLY) is True


def test_the_compiled_validator_rejects_with_rasas_own_error(patched, monkeypatch):
    with pytest.raises(jsonschema.ValidationError) as patched_error:
        ACTION._validate_action_result(BAD_REPLY)
    monkeypatch.undo()
    with pytest.raises(jsonschema.ValidationError) as rasa_error:
        ACTION._validate_action_result(BAD_REPLY)
    assert patched_error.value.message == rasa_error.value.message
    assert "Failed to validate Action server response" in patched_error.value.message


def test_the_schema_is_checked_once_however_many_replies(patched, monkeypatch):
    checks = []
    kind = jsonschema.validators.validator_for(RemoteAction.action_response_format_spec())
    original = kind.check_schema
    monkeypatch.setattr(kind, "check_schema", lambda schema: checks.append(1) or original(schema))
    for _ in range(5):
        ACTION._validate_action_result(GOOD_REPLY)
    assert len(checks) <= 1


async def _serve_counting_connections(ports):
    async def answer(request):
        ports.append(request.transport.get_extra_info("peername")[1])
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/webhook", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]


def ports_of_three_action_calls() -> list:
    """The client ports of three calls from one endpoint to a counting server."""

    async def scenario():
        ports = []
        runner, port = await _serve_counting_connections(ports)
        try:
            endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
            for _ in range(3):
                assert await endpoint.request(json={"next_action": "action_listen"}) == {"ok": True}
            await run.close_resources(STOPPED_APP, None)
        finally:
            await runner.cleanup()
        return ports

    return run_coroutine(scenario())


def test_action_calls_reuse_one_connection(patched):
    ports = ports_of_three_action_calls()
    assert len(ports) == 3 and len(set(ports)) == 1, "one client connection for all calls"


def test_without_the_pool_each_call_opens_a_connection():
    assert len(set(ports_of_three_action_calls())) == 3


def test_the_pooled_session_keeps_the_endpoints_headers_and_closes_on_stop(patched):
    async def scenario():
        endpoint = EndpointConfig("http://127.0.0.1:1", headers={"X-Test": "1"})
        async with endpoint.session() as first:
            pass
        async with endpoint.session() as second:
            pass
        assert first is second and not first.closed
        assert first.headers["X-Test"] == "1"
        await run.close_resources(STOPPED_APP, None)
        return first

    assert run_coroutine(scenario()).closed


def spacy_loads_counted(monkeypatch) -> list:
    import spacy

    loads, original = [], spacy.load
    monkeypatch.setattr(spacy, "load", lambda *a, **k: loads.append(a) or original(*a, **k))
    return loads


def test_both_spacy_nodes_share_one_loaded_pipeline(patched, monkeypatch):
    loads = spacy_loads_counted(monkeypatch)
    first = SpacyNLP.load_model(str(DEFAULT_OUTPUT_DIR))
    second = SpacyNLP.load_model(str(DEFAULT_OUTPUT_DIR))
    assert first is second and len(loads) == 1
    assert first.model("she has not left the house").text == "she has not left the house"


def test_without_the_change_each_node_loads_its_own(monkeypatch):
    loads = spacy_loads_counted(monkeypatch)
    first = SpacyNLP.load_model(str(DEFAULT_OUTPUT_DIR))
    second = SpacyNLP.load_model(str(DEFAULT_OUTPUT_DIR))
    assert first.model is not second.model and len(loads) == 2


ALL_CHANGES = [
    "without_tensorflow",
    "compiled_validator",
    "connection_pool",
    "one_spacy_pipeline",
    "event_types_by_name",
]


@pytest.mark.parametrize(
    "setting, names",
    [
        (None, ALL_CHANGES),
        ("all", ALL_CHANGES),
        ("none", []),
        ("connection_pool", ["connection_pool"]),
        (" compiled_validator , connection_pool ", ["compiled_validator", "connection_pool"]),
    ],
)
def test_rasa_patches_chooses_changes_by_name(setting, names):
    assert [patch.name for patch in rasa_patches.chosen(setting)] == names


def test_an_unknown_change_is_refused_by_name():
    with pytest.raises(ValueError, match="no_such_change"):
        rasa_patches.chosen("compiled_validator,no_such_change")


def rasas_own_answer(name):
    """The class Rasa's walk returns for a name: the first subclass that has it."""
    return next(kind for kind in common.all_subclasses(Event) if kind.type_name == name)


def test_each_event_name_finds_the_class_rasa_finds(patched):
    names = {kind.type_name for kind in common.all_subclasses(Event)}
    assert {"user", "bot", "action", "slot", "session_started"} <= names
    for _ in range(2):  # found by the walk, then from the table
        for name in names:
            assert Event.resolve_by_type(name) is rasas_own_answer(name)


def test_an_unknown_event_name_fails_or_defaults_as_rasa_does(patched):
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", default=events.SlotSet) is events.SlotSet
    assert Event.resolve_by_type("topic") is None
    # A default given once is never kept as the answer for that name.
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")


def test_an_event_name_is_looked_up_once_however_many_events(patched, monkeypatch):
    walks = []
    walk = common.all_subclasses
    monkeypatch.setattr(common, "all_subclasses", lambda kind: walks.append(kind) or walk(kind))
    stored = [{"event": "slot", "name": "relationship", "value": "neighbour"}] * 50
    read = [Event.from_parameters(dict(parameters)) for parameters in stored]
    assert all(isinstance(event, events.SlotSet) for event in read)
    assert read[0].value == "neighbour" and walks.count(Event) <= 1


# Invented messages: a greeting, signs, danger now, a question about reporting.
MESSAGES = [
    "hello",
    "my neighbour has kept her curtains shut for two weeks and her phone is off",
    "he is outside her door with a knife right now",
    "can I tell you about this without giving my name",
]
UNDERSTAND = """
import asyncio, json, sys
from bot import rasa_patches
applied = rasa_patches.apply(sys.argv[1])
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage

async def answers(agent):
    found = []
    for number, text in enumerate(json.loads(sys.argv[3])):
        parse = await agent.parse_message(text)
        await agent.log_message(UserMessage(text, sender_id=f"invented-{number}"))
        scores = (await agent.predict_next_for_sender_id(f"invented-{number}"))["scores"]
        found.append({
            "intent": parse["intent"]["name"],
            "confidence": round(parse["intent"]["confidence"], 6),
            "entities": [(e["entity"], e["value"]) for e in parse["entities"]],
            "next": max(scores, key=lambda score: score["score"])["action"],
        })
    return found

found = asyncio.run(answers(Agent.load(sys.argv[2])))
loaded = "tensorflow" in sys.modules
import rasa.utils.train_utils
rasa.utils.train_utils.check_deprecated_options({})
print(json.dumps({"applied": applied, "answers": found, "tensorflow_loaded": loaded,
                  "tensorflow_after_training_code": "tensorflow" in sys.modules}))
"""


def understand(patches: str) -> dict:
    """Loads the trained model in a new Rasa process with ``patches``; what it makes of MESSAGES."""
    finished = subprocess.run(
        [sys.executable, "-c", UNDERSTAND, patches, str(MODEL), json.dumps(MESSAGES)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    return json.loads(finished.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def without() -> dict:
    return understand("without_tensorflow")


def test_the_model_answers_the_same_without_tensorflow_loaded(without):
    shipped = understand("none")
    assert without["applied"] == ["without_tensorflow"] and shipped["applied"] == []
    assert without["tensorflow_loaded"] is False
    assert shipped["tensorflow_loaded"] is True
    assert without["answers"] == shipped["answers"]
    assert {answer["intent"] for answer in without["answers"]} >= {"greet", "immediate_danger"}


def test_training_code_called_anyway_still_works_and_loads_tensorflow_then(without):
    assert without["tensorflow_after_training_code"] is True
