"""The benchmarks' load client, in its own process: posts pre-built HTTP requests over keep-alive
connections and prints what happened to each as JSON.

A bare HTTP/1.1 client on asyncio streams rather than httpx: the requests are built once before the
clock starts, and reading an answer costs one ``orjson.loads``, so the client takes as little of the
shared cores as it can. A refused batch (429 or 503) is sent again after its ``Retry-After``, as a
vendor would; any 5xx is counted (the service must never answer one) and retried too.

    python load_client.py --port 8003 --requests batches.bin --clients 4 [--batches-per-second 8 --start-at T]

Without ``--batches-per-second`` every client posts as fast as answers come back (closed loop);
with it, request ``i`` is sent at ``start + i / rate`` (open loop), whenever a client is free.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import orjson
import uvloop


def read_requests(path: Path) -> list[bytes]:
    """The length-prefixed requests written by ``benchstack.write_requests``."""
    data = path.read_bytes()
    requests, offset = [], 0
    while offset < len(data):
        size = int.from_bytes(data[offset : offset + 8], "big")
        requests.append(data[offset + 8 : offset + 8 + size])
        offset += 8 + size
    return requests


class Connection:
    """One keep-alive HTTP/1.1 connection; answers must carry a Content-Length (the service's do)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, request: bytes) -> tuple[int, dict[bytes, bytes], bytes]:
        """Send one request and read its answer: status, headers (lower-case names), body."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port, limit=2**24)
        assert self.reader is not None
        self.writer.write(request)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        headers: dict[bytes, bytes] = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        body = await self.reader.readexactly(int(headers.get(b"content-length", b"0")))
        return int(status_line.split()[1]), headers, body

    def close(self) -> None:
        """Drop the connection (it is reopened on the next post)."""
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def run(port: int, requests: list[bytes], clients: int, rate: float | None, start: float) -> dict[str, object]:
    """Post every request; returns per-request records and counts."""
    next_index = 0
    records: list[list[float | int]] = []
    counts = {"refused_429_or_503": 0, "answers_5xx": 0, "connection_errors": 0}

    async def client() -> None:
        nonlocal next_index
        connection = Connection(port)
        while next_index < len(requests):
            index = next_index
            next_index += 1
            if rate is not None:
                await asyncio.sleep(max(0.0, start + index / rate - time.time()))
            sent = time.time()
            attempts = 0
            while True:
                attempts += 1
                try:
                    status, headers, body = await connection.post(requests[index])
                except (ConnectionError, asyncio.IncompleteReadError, OSError):
                    counts["connection_errors"] += 1
                    connection.close()
                    await asyncio.sleep(0.5)
                    continue
                if status == 202:
                    answer = orjson.loads(body)
                    counted = [answer["accepted"], answer["duplicates"], answer["rejected"]]
                    records.append([index, sent, time.time(), *counted, attempts])
                    break
                if status in (429, 503):
                    counts["refused_429_or_503"] += 1
                    await asyncio.sleep(float(headers.get(b"retry-after", b"1")))
                    continue
                if status >= 500:
                    counts["answers_5xx"] += 1
                    await asyncio.sleep(1.0)
                    continue
                raise RuntimeError(f"batch {index} answered {status}: {body[:300]!r}")
        connection.close()

    await asyncio.sleep(max(0.0, start - time.time()))
    await asyncio.gather(*(client() for _ in range(clients)))
    return {"started_at": start, "finished_at": time.time(), "records": sorted(records), **counts}


def main() -> None:
    """Parse the options, run, print the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--requests", type=Path, required=True)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batches-per-second", type=float, default=None)
    parser.add_argument("--start-at", type=float, default=None, help="epoch seconds of the first request")
    args = parser.parse_args()
    requests = read_requests(args.requests)
    start = args.start_at if args.start_at is not None else time.time() + 0.5
    result = uvloop.run(run(args.port, requests, args.clients, args.batches_per_second, start))
    sys.stdout.buffer.write(orjson.dumps(result))


if __name__ == "__main__":
    main()
