#!/usr/bin/env python3
"""Asks a Kafka broker for its metadata over the wire protocol and prints the brokers it lists.

Used by deploy/kafka.sh to decide that a broker is ready: an open TCP port is not enough, the
broker must answer a Metadata request (v4, supported by Kafka 2.x through 4.x) and list itself.
Standard library only, so it runs before any venv exists. Exit status 0 = answered with at least
one broker, 1 = no usable answer.
"""
import socket
import struct
import sys


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def metadata(host, port, timeout_s):
    client_id = b"driftd-probe"
    # Request header v1: api_key=3 (Metadata), api_version=4, correlation_id, client_id.
    header = struct.pack(">hhih", 3, 4, 7, len(client_id)) + client_id
    # Metadata v4 body: topics = empty array (no topics, keeps the answer small),
    # allow_auto_topic_creation = false.
    body = struct.pack(">i?", 0, False)
    request = header + body
    with socket.create_connection((host, port), timeout=timeout_s) as sock:
        sock.settimeout(timeout_s)
        sock.sendall(struct.pack(">i", len(request)) + request)
        (size,) = struct.unpack(">i", read_exact(sock, 4))
        if size < 8 or size > 1 << 20:
            raise ValueError("implausible response size %d" % size)
        resp = read_exact(sock, size)
    (correlation_id, _throttle_ms, n_brokers) = struct.unpack_from(">iii", resp, 0)
    if correlation_id != 7:
        raise ValueError("correlation id %d, expected 7" % correlation_id)
    if n_brokers < 0 or n_brokers > 10000:
        raise ValueError("implausible broker count %d" % n_brokers)
    off = 12
    brokers = []
    for _ in range(n_brokers):
        (node_id, host_len) = struct.unpack_from(">ih", resp, off)
        off += 6
        bhost = resp[off:off + host_len].decode("utf-8", "replace")
        off += host_len
        (bport, rack_len) = struct.unpack_from(">ih", resp, off)
        off += 6 + max(rack_len, 0)
        brokers.append((node_id, bhost, bport))
    return brokers


def main():
    if len(sys.argv) != 2 or ":" not in sys.argv[1]:
        print("usage: probe.py HOST:PORT", file=sys.stderr)
        return 2
    host, port = sys.argv[1].rsplit(":", 1)
    try:
        brokers = metadata(host, int(port), 2.0)
    except (OSError, ValueError, struct.error) as exc:
        print("no metadata from %s: %s" % (sys.argv[1], exc), file=sys.stderr)
        return 1
    if not brokers:
        print("metadata from %s lists no brokers yet" % sys.argv[1], file=sys.stderr)
        return 1
    for node_id, bhost, bport in brokers:
        print("broker %d at %s:%d" % (node_id, bhost, bport))
    return 0


if __name__ == "__main__":
    sys.exit(main())
