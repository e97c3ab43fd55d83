"""A few Kafka requests over the wire protocol, standard library only (as deploy/kafka/probe.py),
so the soak suite needs no venv and no test binary: create a topic with N partitions, the
partitions' earliest and latest offsets, and read a whole (small) topic with its headers.

Request versions are the oldest Kafka 4.x still serves and 2.x already did: CreateTopics v2,
ListOffsets v1, Fetch v4 (all non-flexible). Records must be uncompressed record batches (magic
2), which is what driftd's producer writes (librdkafka's default compression.codec none).
Only for a single broker on 127.0.0.1 (the one deploy/kafka.sh starts): requests go to the
bootstrap address, which is the leader of every partition there.
"""
import socket
import struct
import time

# UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER: a topic just created
RETRIABLE = (3, 5, 6)


class KafkaError(Exception):
    pass


class _Retriable(KafkaError):
    pass


def _str(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def _nstr(s):
    return struct.pack(">h", -1) if s is None else _str(s)


class _Reader:
    def __init__(self, buf, off=0):
        self.buf, self.off = buf, off

    def take(self, fmt):
        vals = struct.unpack_from(fmt, self.buf, self.off)
        self.off += struct.calcsize(fmt)
        return vals if len(vals) > 1 else vals[0]

    def string(self):
        n = self.take(">h")
        if n < 0:
            return None
        s = self.buf[self.off:self.off + n].decode("utf-8", "replace")
        self.off += n
        return s

    def raw(self, n):
        if n < 0:
            return None
        b = self.buf[self.off:self.off + n]
        self.off += n
        return b

    def varint(self):
        shift = result = 0
        while True:
            if self.off >= len(self.buf):
                raise IndexError("varint past the end")
            byte = self.buf[self.off]
            self.off += 1
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                break
            shift += 7
            if shift > 63:
                raise KafkaError("varint too long")
        return (result >> 1) ^ -(result & 1)  # zigzag


class Client:
    def __init__(self, bootstrap, timeout_s=30.0):
        host, port = bootstrap.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=timeout_s)
        self.sock.settimeout(timeout_s)
        self.corr = 0

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _recv(self, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(min(n - len(buf), 1 << 20))
            if not chunk:
                raise KafkaError("the broker closed the connection")
            buf += chunk
        return bytes(buf)

    def request(self, api_key, version, body):
        self.corr += 1
        req = struct.pack(">hhi", api_key, version, self.corr) + _str("driftd-bench-soak") + body
        self.sock.sendall(struct.pack(">i", len(req)) + req)
        (size,) = struct.unpack(">i", self._recv(4))
        if size < 4 or size > 256 << 20:
            raise KafkaError("implausible response size %d" % size)
        resp = self._recv(size)
        r = _Reader(resp)
        if r.take(">i") != self.corr:
            raise KafkaError("correlation id mismatch")
        return r

    def create_topic(self, topic, partitions, configs=()):
        """Creates TOPIC with PARTITIONS partitions (replication 1); an existing topic is an
        error (the suite names its topics afresh)."""
        body = struct.pack(">i", 1) + _str(topic) + struct.pack(">ihi", partitions, 1, 0)
        body += struct.pack(">i", len(configs))
        for k, v in configs:
            body += _str(k) + _nstr(v)
        body += struct.pack(">i?", 30000, False)
        r = self.request(19, 2, body)
        r.take(">i")  # throttle
        for _ in range(r.take(">i")):
            name = r.string()
            err = r.take(">h")
            msg = r.string()
            if err != 0:
                raise KafkaError("creating %s: error %d %s" % (name, err, msg or ""))

    def offsets(self, topic, partitions, latest=True, wait_s=30.0):
        """{partition: offset}: the latest (high watermark) or earliest offset of each. Errors a
        new topic gives while its leaders are elected (unknown topic, no leader yet) are asked
        again for up to WAIT_S seconds."""
        deadline = time.monotonic() + wait_s
        while True:
            try:
                return self._offsets(topic, partitions, latest)
            except _Retriable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def _offsets(self, topic, partitions, latest):
        ts = -1 if latest else -2
        body = struct.pack(">i", -1) + struct.pack(">i", 1) + _str(topic)
        body += struct.pack(">i", len(partitions))
        for p in partitions:
            body += struct.pack(">iq", p, ts)
        r = self.request(2, 1, body)
        out = {}
        for _ in range(r.take(">i")):
            r.string()
            for _ in range(r.take(">i")):
                p, err, _ts, off = r.take(">ihqq")
                if err in RETRIABLE:
                    raise _Retriable("ListOffsets %s[%d]: error %d" % (topic, p, err))
                if err != 0:
                    raise KafkaError("ListOffsets %s[%d]: error %d" % (topic, p, err))
                out[p] = off
        return out

    def fetch_all(self, topic, partitions, max_messages=10_000_000):
        """Every message of TOPIC's PARTITIONS from the earliest offset to the high watermark as
        read now: a list of dicts {partition, offset, timestamp, key, value, headers}."""
        start = self.offsets(topic, partitions, latest=False)
        end = self.offsets(topic, partitions, latest=True)
        out = []
        for p in partitions:
            pos = start[p]
            rounds = 0
            while pos < end[p] and len(out) < max_messages:
                rounds += 1
                if rounds > 100000:
                    raise KafkaError("fetching %s[%d]: no progress" % (topic, p))
                msgs = self._fetch(topic, p, pos)
                msgs = [m for m in msgs if m["offset"] >= pos]
                if not msgs:
                    raise KafkaError("fetching %s[%d] at %d: nothing returned" % (topic, p, pos))
                out += msgs
                pos = msgs[-1]["offset"] + 1
        return out

    def _fetch(self, topic, partition, offset, max_bytes=4 << 20):
        body = struct.pack(">iiiib", -1, 500, 1, max_bytes, 0)
        body += struct.pack(">i", 1) + _str(topic) + struct.pack(">i", 1)
        body += struct.pack(">iqi", partition, offset, max_bytes)
        r = self.request(1, 4, body)
        r.take(">i")  # throttle
        msgs = []
        for _ in range(r.take(">i")):
            r.string()
            for _ in range(r.take(">i")):
                p, err, _hw, _lso = r.take(">ihqq")
                n_aborted = r.take(">i")
                for _ in range(max(n_aborted, 0)):
                    r.take(">qq")
                records = r.raw(r.take(">i"))
                if err != 0:
                    raise KafkaError("Fetch %s[%d]: error %d" % (topic, p, err))
                if records:
                    msgs += _batches(records, p)
        return msgs


def _batches(buf, partition):
    """The messages of the record batches in BUF (a partial batch at the end is skipped)."""
    out = []
    off = 0
    while off + 12 <= len(buf):
        base_offset, batch_len = struct.unpack_from(">qi", buf, off)
        end = off + 12 + batch_len
        if end > len(buf):
            break
        r = _Reader(buf, off + 12)
        r.take(">i")  # partition leader epoch
        magic = r.take(">b")
        if magic != 2:
            raise KafkaError("record batch magic %d (only 2 is read)" % magic)
        r.take(">I")  # crc
        attributes = r.take(">h")
        r.take(">i")  # last offset delta
        base_ts = r.take(">q")
        r.take(">qqhi")  # max timestamp, producer id, epoch, base sequence
        count = r.take(">i")
        if attributes & 0x07:
            raise KafkaError("compressed record batch (codec %d) not supported" % (attributes & 7))
        control = attributes & 0x20
        for _ in range(count):
            length = r.varint()
            rec_end = r.off + length
            r.take(">b")  # attributes
            ts_delta = r.varint()
            off_delta = r.varint()
            key = r.raw(r.varint())
            value = r.raw(r.varint())
            headers = {}
            for _ in range(r.varint()):
                hk = r.raw(r.varint()).decode("utf-8", "replace")
                hv = r.raw(r.varint())
                headers[hk] = None if hv is None else hv.decode("utf-8", "replace")
            r.off = rec_end
            if not control:
                out.append({"partition": partition, "offset": base_offset + off_delta,
                            "timestamp": base_ts + ts_delta, "key": key, "value": value,
                            "headers": headers})
        off = end
    return out
