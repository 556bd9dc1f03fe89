#!/usr/bin/env python3
"""The peer for the raw transport figure: pyzmq PUSH/PULL over ipc://, two-frame messages of the same
size and count as news-bench's Swift run, measured the same way (first send to last receive)."""
import sys
import tempfile
import threading
import time

import zmq


def main() -> None:
    count, size = int(sys.argv[1]), int(sys.argv[2])
    directory = tempfile.mkdtemp(prefix="nraw-py-")
    endpoint = f"ipc://{directory}/raw.ipc"
    context = zmq.Context()
    receiver = context.socket(zmq.PULL)
    receiver.bind(endpoint)
    topic, body = b"story.tagged", b"a" * size

    def send() -> None:
        sender = context.socket(zmq.PUSH)
        sender.connect(endpoint)
        for _ in range(count):
            sender.send_multipart([topic, body], copy=False)
        sender.close(linger=-1)

    start = time.perf_counter()
    thread = threading.Thread(target=send)
    thread.start()
    for _ in range(count):
        receiver.recv_multipart(copy=False)
    elapsed = time.perf_counter() - start
    thread.join()
    receiver.close()
    context.term()
    print(f"{count / elapsed:.0f}")


if __name__ == "__main__":
    main()
