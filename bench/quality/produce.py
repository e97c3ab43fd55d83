"""Produces the lines of a file, one message each and in order, to a one-partition topic through
librdkafka's C API (ctypes on the system's librdkafka, the library driftd links), so the suite
needs no Kafka client package.

Usage: produce.py BOOTSTRAP TOPIC FILE   -> prints {"messages": N, "delivered": D, "seconds": S}

Idempotent producer, acks=all: messages keep the file's order, and the count of delivery reports
without error must equal the line count, or the exit status is 1.
"""
import ctypes
import ctypes.util
import json
import sys
import time

RD_KAFKA_PRODUCER = 0
RD_KAFKA_MSG_F_COPY = 0x2
RD_KAFKA_RESP_ERR__QUEUE_FULL = -184

DR_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)


class _Message(ctypes.Structure):  # the head of rd_kafka_message_t: err comes first
    _fields_ = [("err", ctypes.c_int)]


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    bootstrap, topic, path = sys.argv[1:]
    lib = ctypes.CDLL(ctypes.util.find_library("rdkafka") or "librdkafka.so.1")
    lib.rd_kafka_conf_new.restype = ctypes.c_void_p
    lib.rd_kafka_conf_set.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                                      ctypes.c_char_p, ctypes.c_size_t]
    lib.rd_kafka_conf_set_dr_msg_cb.argtypes = [ctypes.c_void_p, DR_CB]
    lib.rd_kafka_new.restype = ctypes.c_void_p
    lib.rd_kafka_new.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.rd_kafka_topic_new.restype = ctypes.c_void_p
    lib.rd_kafka_topic_new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
    lib.rd_kafka_produce.argtypes = [ctypes.c_void_p, ctypes.c_int32, ctypes.c_int, ctypes.c_char_p,
                                     ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t,
                                     ctypes.c_void_p]
    lib.rd_kafka_poll.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.rd_kafka_flush.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.rd_kafka_outq_len.argtypes = [ctypes.c_void_p]
    lib.rd_kafka_last_error.restype = ctypes.c_int
    lib.rd_kafka_topic_destroy.argtypes = [ctypes.c_void_p]
    lib.rd_kafka_destroy.argtypes = [ctypes.c_void_p]

    err = ctypes.create_string_buffer(512)
    conf = lib.rd_kafka_conf_new()
    for k, v in (("bootstrap.servers", bootstrap), ("enable.idempotence", "true"), ("acks", "all"),
                 ("linger.ms", "5"), ("queue.buffering.max.messages", "200000")):
        if lib.rd_kafka_conf_set(conf, k.encode(), v.encode(), err, 512) != 0:
            print("produce: %s: %s" % (k, err.value.decode()), file=sys.stderr)
            return 2
    counts = {"ok": 0, "failed": 0}

    @DR_CB
    def on_delivery(_rk, msg, _opaque):
        if ctypes.cast(msg, ctypes.POINTER(_Message)).contents.err == 0:
            counts["ok"] += 1
        else:
            counts["failed"] += 1

    lib.rd_kafka_conf_set_dr_msg_cb(conf, on_delivery)
    rk = lib.rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, 512)
    if not rk:
        print("produce: %s" % err.value.decode(), file=sys.stderr)
        return 2
    rkt = lib.rd_kafka_topic_new(rk, topic.encode(), None)
    t0 = time.perf_counter()
    n = 0
    with open(path, "rb") as f:
        for line in f:
            body = line.rstrip(b"\n")
            while lib.rd_kafka_produce(rkt, 0, RD_KAFKA_MSG_F_COPY, body, len(body), None, 0,
                                       None) != 0:
                if lib.rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL:
                    print("produce: rd_kafka_produce failed (%d)" % lib.rd_kafka_last_error(),
                          file=sys.stderr)
                    return 1
                lib.rd_kafka_poll(rk, 100)
            n += 1
            if n % 1000 == 0:
                lib.rd_kafka_poll(rk, 0)
    lib.rd_kafka_flush(rk, 60000)
    lib.rd_kafka_poll(rk, 0)
    left = lib.rd_kafka_outq_len(rk)
    lib.rd_kafka_topic_destroy(rkt)
    lib.rd_kafka_destroy(rk)
    out = {"messages": n, "delivered": counts["ok"], "failed": counts["failed"], "left": left,
           "seconds": round(time.perf_counter() - t0, 2)}
    print(json.dumps(out))
    return 0 if counts["ok"] == n and left == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
