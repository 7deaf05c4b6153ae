"""A fault-injecting TCP relay for the chaos suite: one Link per directed peer
link (node i dialing node j), on loopback. Each link can be cut (open
connections are reset and new ones refused), slowed (every chunk waits),
reset mid-stream (open connections reset, new ones accepted) and healed.
This kernel has no netem, so the faults happen here, between real nodes.
"""

import asyncio
import socket
import struct


def _reset(writer):
    """Closes a connection with RST (SO_LINGER 0), not a polite FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.transport.abort()


class Link:
    """Relays 127.0.0.1:<port> to 127.0.0.1:<target>, with faults on demand."""

    def __init__(self, name, target_port):
        self.name = name
        self.target_port = target_port
        self.port = 0
        self.cut = False
        self.delay = 0.0
        self._server = None
        self._conns = set()  # (client writer, upstream writer)

    async def start(self):
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self):
        self.reset_all()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def set_cut(self, cut):
        self.cut = cut
        if cut:
            self.reset_all()

    def set_delay(self, seconds):
        self.delay = seconds

    def heal(self):
        self.cut = False
        self.delay = 0.0

    def reset_all(self):
        """Resets every open connection mid-stream."""
        for client, upstream in list(self._conns):
            _reset(client)
            if upstream is not None:
                _reset(upstream)
        self._conns.clear()

    async def _handle(self, reader, writer):
        if self.cut:
            _reset(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            _reset(writer)  # the node behind the link is down
            return
        pair = (writer, up_writer)
        self._conns.add(pair)
        try:
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        finally:
            self._conns.discard(pair)
            for w in pair:
                if not w.is_closing():
                    w.close()

    async def _pipe(self, reader, writer):
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                if self.delay > 0:
                    await asyncio.sleep(self.delay)
                if self.cut:
                    break
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            if not writer.is_closing():
                try:
                    writer.write_eof()
                except (OSError, RuntimeError):
                    writer.close()
