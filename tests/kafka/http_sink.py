"""http_sink.py — a local HTTP endpoint for the alert sink tests: records every POST it answers.

    python3 http_sink.py PORT_FILE LOG [--fail-for S] [--delay-every N] [--delay S] [--secret K]

Binds 127.0.0.1 on a free port (written to PORT_FILE once listening). Each request is appended
to LOG as one JSON line: {"t": seconds since start, "path", "status", "headers", "body",
"signature_ok": true/false/null}. Answers 503 for the first S seconds (--fail-for), then 202;
every Nth request (--delay-every) is answered only after --delay seconds. With --secret, the
X-Driftd-Signature header is checked against HMAC-SHA256(K, X-Driftd-Timestamp + "." + body).
"""
import hashlib
import hmac
import http.server
import json
import sys
import threading
import time

port_file, log_path = sys.argv[1], sys.argv[2]
args = sys.argv[3:]
opt = {"--fail-for": 0.0, "--delay-every": 0, "--delay": 0.0, "--secret": None}
for i in range(0, len(args), 2):
    opt[args[i]] = args[i + 1]
fail_for = float(opt["--fail-for"])
delay_every = int(opt["--delay-every"])
delay = float(opt["--delay"])
secret = opt["--secret"]
start = time.monotonic()
lock = threading.Lock()
count = [0]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        with lock:
            count[0] += 1
            k = count[0]
        if delay_every and k % delay_every == 0:
            time.sleep(delay)
        t = time.monotonic() - start
        status = 503 if t < fail_for else 202
        sig_ok = None
        if secret is not None:
            ts = self.headers.get("X-Driftd-Timestamp", "")
            want = "sha256=" + hmac.new(secret.encode(), ts.encode() + b"." + body,
                                        hashlib.sha256).hexdigest()
            sig_ok = hmac.compare_digest(want, self.headers.get("X-Driftd-Signature", ""))
        rec = {"t": t, "path": self.path, "status": status,
               "headers": {k.lower(): v for k, v in self.headers.items()},
               "body": body.decode("utf-8", "replace"), "signature_ok": sig_ok}
        with lock:
            with open(log_path, "a") as f:
                f.write(json.dumps(rec) + "\n")
        reply = b'{"status":"success"}' if status == 202 else b"unavailable"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os  # noqa: E402
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
