"""Every change this project makes to Rasa's own behaviour, in one place.

Rasa starts only through ``python -m bot.serve rasa``, which calls
``apply()`` before Rasa's command line runs in the same process. Each change
wraps or replaces the smallest unit that does work for nothing (on every
message, or at every start), says why, and names the Rasa version it was
checked against. ``tests/bot/rasa_patches/`` fails when the installed Rasa's
function no longer has the shape the change expects, so an upgrade cannot
quietly undo one or break one. ``import_hooks`` holds the two changes to
importing that one of them needs.

``RASA_PATCHES`` chooses which changes apply (a comma-separated list of
names, ``all`` by default, ``none`` for Rasa as it ships). It is there so
that `make bench` can measure each change on its own in one run; a
deployment leaves it unset.
"""

from __future__ import annotations

import asyncio
import os
import sys
import weakref
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Text

from bot.rasa_patches import import_hooks

# Rasa's keep-alive on the action server (Sanic's KEEP_ALIVE_TIMEOUT) is
# 5 s. A pooled connection must be given up before the server closes it, or
# a call sent just as it closes would fail on a connection already gone.
POOLED_KEEPALIVE_S = 3.0
CHECKED_AGAINST = "3.6.21"


@dataclass(frozen=True)
class Patch:
    """One change to Rasa: what it replaces, why, and how to apply it."""

    name: Text
    target: Text
    why: Text
    apply: Callable[[], None]


def _without_tensorflow() -> None:
    """Serves without loading TensorFlow, which this model never uses.

    The pipeline (config.yml) has no TensorFlow component, yet TensorFlow
    was loaded at every start: about 3.5 s of the cold start on 2 cores and
    340 MB of each Rasa process's 690 MB. Three things loaded it, and this
    change takes each away only for what a server never runs:

    - spaCy's thinc imports TensorFlow, if it is installed, to offer layers
      that wrap it; the welfare pipeline has none. thinc is imported here
      with TensorFlow hidden, and TensorFlow is importable again after.
    - Rasa's entity extractor module imports ``rasa.utils.train_utils``,
      whose Keras callbacks import TensorFlow, and calls it only in
      training. It is loaded on first use instead, so if anything does
      call it, it loads then, TensorFlow with it, and works.
    - ``ModelMetadata.from_dict`` resolves every class of the model's
      training graph (its recipe validator imports DIET and TED, both
      TensorFlow). A server only runs the prediction graph, and nothing in
      Rasa's server reads ``train_schema``, so it is left empty.

    Must run before anything imports Rasa or spaCy; run later (as in the
    tests' own process), the first two parts find their modules imported
    and leave them be.
    """
    if "thinc.compat" not in sys.modules:
        with import_hooks.hidden("tensorflow"):
            import thinc.compat  # noqa: F401 - imported for its probe of TensorFlow
    import_hooks.load_on_first_use("rasa.utils.train_utils")

    from rasa.engine.storage.storage import ModelMetadata

    original = ModelMetadata.from_dict.__func__

    def from_dict(cls: Any, serialized: Dict[Text, Any]) -> ModelMetadata:
        return original(cls, {**serialized, "train_schema": {"nodes": {}}})

    ModelMetadata.from_dict = classmethod(from_dict)


def _compiled_action_validator() -> None:
    """Validates action-server replies with one validator, built once.

    ``RemoteAction._validate_action_result`` calls ``jsonschema.validate``,
    which rebuilds the event schema, checks it against the meta-schema and
    builds a new validator on every call: about a quarter of the time of a
    message in the profile of issue 11. The schema never changes while Rasa
    runs, so it is checked and compiled once. Same strictness and the same
    error (jsonschema's ``best_match``, with Rasa's hint appended).
    """
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    original = RemoteAction._validate_action_result
    validators: List[Any] = []

    def validator() -> Any:
        if not validators:
            schema = RemoteAction.action_response_format_spec()
            kind = validator_for(schema)
            kind.check_schema(schema)
            validators.append(kind(schema))
        return validators[0]

    def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
        if best_match(validator().iter_errors(result)) is None:
            return True
        # Rare: let Rasa's own method raise, so the error and its wording are
        # exactly Rasa's.
        return original(self, result)

    RemoteAction._validate_action_result = _validate_action_result


class _Borrowed:
    """``async with`` over a shared session that leaves it open afterwards."""

    def __init__(self, session: Any) -> None:
        self._session = session

    async def __aenter__(self) -> Any:
        return self._session

    async def __aexit__(self, *_: Any) -> None:
        return None


# Sessions opened by the pool, closed when the Rasa server stops.
_open_sessions: "weakref.WeakSet[Any]" = weakref.WeakSet()


def _pooled_endpoint_sessions() -> None:
    """One connection pool per endpoint, instead of a new one per call.

    ``EndpointConfig.request`` opens an aiohttp session for every call to
    the action server and closes it after, so no connection is ever reused:
    each action call pays a TCP handshake. Here ``session()`` hands out one
    session per endpoint and event loop, with the endpoint's own headers,
    authentication and timeout, and keeps it open; Rasa's ``close_resources``
    (on server stop) closes them.
    """
    import aiohttp
    from rasa.core import run
    from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
    from rasa.utils.endpoints import EndpointConfig

    def open_session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
        auth = None
        if endpoint.basic_auth:
            auth = aiohttp.BasicAuth(
                endpoint.basic_auth["username"], endpoint.basic_auth["password"]
            )
        return aiohttp.ClientSession(
            headers=endpoint.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=POOLED_KEEPALIVE_S),
        )

    def session(self: EndpointConfig) -> _Borrowed:
        loop = asyncio.get_running_loop()
        pooled = self.__dict__.get("_pooled_session")
        if pooled is None or pooled.closed or pooled._loop is not loop:
            pooled = open_session(self)
            self.__dict__["_pooled_session"] = pooled
            _open_sessions.add(pooled)
        return _Borrowed(pooled)

    original_close = run.close_resources

    async def close_resources(app: Any, loop: Any) -> None:
        try:
            await original_close(app, loop)
        finally:
            for pooled in list(_open_sessions):
                if not pooled.closed:
                    await pooled.close()

    EndpointConfig.session = session
    run.close_resources = close_resources


def _one_spacy_pipeline() -> None:
    """Loads each spaCy pipeline once per process, not once per graph node.

    Rasa's predict graph has two ``SpacyNLP`` nodes, ``provide_SpacyNLP0``
    (the pipeline for the components after it) and ``run_SpacyNLP0`` (which
    parses each message), and each one's ``create`` calls
    ``SpacyNLP.load_model``, so the same pipeline is read from disk twice:
    about 1.5 s of cold start and a second copy in memory. Both nodes only
    read the pipeline, so one loaded copy serves both.
    """
    from rasa.nlu.utils.spacy_utils import SpacyNLP

    original = SpacyNLP.load_model
    loaded: Dict[Text, Any] = {}

    def load_model(spacy_model_name: Text) -> Any:
        if spacy_model_name not in loaded:
            loaded[spacy_model_name] = original(spacy_model_name)
        return loaded[spacy_model_name]

    SpacyNLP.load_model = staticmethod(load_model)


def _event_types_by_name() -> None:
    """Finds an event's class by its name in a table, not by walking every class.

    Each event Rasa reads back (a conversation from the tracker store, the
    events of an action server's reply) calls ``Event.resolve_by_type``,
    which walks Event's whole tree of subclasses and asks ``inspect`` of
    each whether it is abstract: about 0.13 ms an event, and 14 % of a
    message in the in-process profile of issue 11 (6,770 events in ten bench
    conversations). The classes do not change once Rasa is loaded, so each
    name's answer from Rasa's own walk is kept; a name the table lacks goes
    to Rasa's walk, so an unknown name fails exactly as it would unpatched.
    """
    from rasa.shared.core.events import Event

    original = Event.resolve_by_type
    found_by_name: Dict[Text, Any] = {}

    def resolve_by_type(type_name: Text, default: Optional[Any] = None) -> Optional[Any]:
        if type_name in found_by_name:
            return found_by_name[type_name]
        found = original(type_name, default)
        # Kept only when Rasa's walk found the class, never a caller's default.
        if found is not None and getattr(found, "type_name", None) == type_name:
            found_by_name[type_name] = found
        return found

    Event.resolve_by_type = staticmethod(resolve_by_type)


PATCHES: Sequence[Patch] = (
    # First: it must run before the others import Rasa.
    Patch(
        name="without_tensorflow",
        target="rasa.engine.storage.storage.ModelMetadata.from_dict",
        why="TensorFlow, which the model never uses, is not loaded",
        apply=_without_tensorflow,
    ),
    Patch(
        name="compiled_validator",
        target="rasa.core.actions.action.RemoteAction._validate_action_result",
        why="the action reply schema is compiled once, not on every call",
        apply=_compiled_action_validator,
    ),
    Patch(
        name="connection_pool",
        target="rasa.utils.endpoints.EndpointConfig.session",
        why="action-server calls reuse connections instead of a new session each",
        apply=_pooled_endpoint_sessions,
    ),
    Patch(
        name="one_spacy_pipeline",
        target="rasa.nlu.utils.spacy_utils.SpacyNLP.load_model",
        why="the two SpacyNLP graph nodes share one loaded pipeline",
        apply=_one_spacy_pipeline,
    ),
    Patch(
        name="event_types_by_name",
        target="rasa.shared.core.events.Event.resolve_by_type",
        why="an event's class is looked up by name, not found by walking every class",
        apply=_event_types_by_name,
    ),
)
_applied: List[Text] = []


def chosen(setting: Optional[Text]) -> List[Patch]:
    """Returns the patches a ``RASA_PATCHES`` value names (unset: all of them)."""
    value = (setting or "all").strip()
    if value == "all":
        return list(PATCHES)
    if value == "none":
        return []
    names = {name.strip() for name in value.split(",") if name.strip()}
    unknown = names - {patch.name for patch in PATCHES}
    if unknown:
        raise ValueError(f"RASA_PATCHES names no such change: {', '.join(sorted(unknown))}")
    return [patch for patch in PATCHES if patch.name in names]


def apply(setting: Optional[Text] = None) -> List[Text]:
    """Applies the chosen patches once; returns the names of those applied."""
    if setting is None:
        setting = os.environ.get("RASA_PATCHES")
    for patch in chosen(setting):
        if patch.name not in _applied:
            patch.apply()
            _applied.append(patch.name)
    return list(_applied)
