#!/usr/bin/env python3
"""A CONNECT proxy that records what passes through it, for the proxy tests.

Usage: connect-proxy.py LOG [USER:PASSWORD]   (prints the port it listens on, then serves until killed)

Each CONNECT appends one JSON line to LOG: the target, whether Proxy-Authorization was sent and
whether it matched USER:PASSWORD, and the bytes tunnelled each way (all of them are kept in LOG.bytes,
so a test can search them for the token). With USER:PASSWORD, a CONNECT without them gets 407.
"""
import base64
import json
import socket
import sys
import threading

LOG = sys.argv[1]
CREDENTIALS = sys.argv[2] if len(sys.argv) > 2 else None
lock = threading.Lock()


def record(entry, data=b""):
    with lock:
        with open(LOG, "a") as log:
            log.write(json.dumps(entry) + "\n")
        with open(LOG + ".bytes", "ab") as raw:
            raw.write(data)


def pipe(source, destination, counter, key, captured):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            counter[key] += len(data)
            captured.append(data)
            destination.sendall(data)
    except OSError:
        pass
    finally:
        try:
            destination.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def handle(client):
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = client.recv(4096)
        if not chunk:
            client.close()
            return
        head += chunk
    lines = head.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {line.split(":", 1)[0].strip().lower(): line.split(":", 1)[1].strip() for line in lines[1:] if ":" in line}
    sent = headers.get("proxy-authorization")
    matched = CREDENTIALS is not None and sent == "Basic " + base64.b64encode(CREDENTIALS.encode()).decode()
    entry = {"method": method, "target": target, "authorization": sent is not None, "authorized": matched}
    if method != "CONNECT" or (CREDENTIALS is not None and not matched):
        status = b"407 Proxy Authentication Required" if method == "CONNECT" else b"405 Method Not Allowed"
        client.sendall(b"HTTP/1.1 " + status + b"\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n")
        record(dict(entry, refused=True), head)
        client.close()
        return
    host, port = target.rsplit(":", 1)
    upstream = socket.create_connection((host, int(port)))
    client.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
    counter = {"up": 0, "down": 0}
    captured = [head]
    threads = [threading.Thread(target=pipe, args=(client, upstream, counter, "up", captured)),
               threading.Thread(target=pipe, args=(upstream, client, counter, "down", captured))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client.close()
    upstream.close()
    record(dict(entry, **counter), b"".join(captured))


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(64)
print(listener.getsockname()[1], flush=True)
while True:
    connection, _ = listener.accept()
    threading.Thread(target=handle, args=(connection,), daemon=True).start()
