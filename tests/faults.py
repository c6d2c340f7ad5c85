"""Making a part of the service fail on purpose: a TCP relay that can be cut.

The relay sits between a server and what it depends on (the action server and
its database, Rasa and Redis). Cutting it drops every open connection and
refuses new ones, as a crashed or unreachable database would; mending it lets
connections through again. It listens on loopback only.
"""

from __future__ import annotations

import socket
import threading
from typing import List

import sqlalchemy as sa
from cryptography.fernet import Fernet

from bot.storage.concerns import ConcernStore


class Relay:
    """Passes TCP connections from a loopback port to ``target_port`` until cut."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cut = False
        self._open: List[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def break_connections(self) -> None:
        """Drops every connection and refuses new ones, until ``mend``."""
        with self._lock:
            self.cut = True
            for sock in self._open:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self._open.clear()

    def mend(self) -> None:
        with self._lock:
            self.cut = False

    def close(self) -> None:
        self.break_connections()
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            with self._lock:
                if self.cut:
                    client.close()
                    continue
                try:
                    server = socket.create_connection(("127.0.0.1", self.target_port))
                except OSError:
                    client.close()
                    continue
                self._open += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


# A port nothing listens on, on loopback: a connection is refused at once.
UNREACHABLE_DATABASE = "postgresql://nobody@127.0.0.1:9/none"


def unreachable_concern_store() -> ConcernStore:
    """Returns a real concern store whose database refuses every connection."""
    return ConcernStore(sa.create_engine(UNREACHABLE_DATABASE), Fernet.generate_key())
