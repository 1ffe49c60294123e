"""A plain round-robin TCP load balancer on loopback, for tests: each new connection goes to the next
backend port; a backend that refuses the connection is skipped. No stickiness of any kind."""

import asyncio
import itertools
import socket
import threading


class RoundRobinProxy:
    def __init__(self, backend_ports):
        self.backend_ports = list(backend_ports)
        self._next = itertools.cycle(range(len(self.backend_ports)))
        self._loop = asyncio.new_event_loop()
        self._server = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = None

    def __enter__(self):
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("proxy did not start")
        return self

    def __exit__(self, *exc):
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    async def _shutdown(self):
        self._server.close()
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def _run(self):
        asyncio.set_event_loop(self._loop)
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        self.port = listener.getsockname()[1]
        self._server = self._loop.run_until_complete(asyncio.start_server(self._serve, sock=listener))
        self._ready.set()
        self._loop.run_forever()

    async def _serve(self, client_reader, client_writer):
        backend = None
        for _ in range(len(self.backend_ports)):
            port = self.backend_ports[next(self._next)]
            try:
                backend = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                continue
        if backend is None:
            client_writer.close()
            return
        backend_reader, backend_writer = backend

        async def pipe(reader, writer):
            try:
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                try:
                    writer.close()
                except Exception:
                    pass

        await asyncio.gather(pipe(client_reader, backend_writer), pipe(backend_reader, client_writer))
