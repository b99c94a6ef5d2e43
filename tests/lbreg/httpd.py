"""A test HTTP server on loopback: every answer is its NAME; /slow?ms=N
answers after N ms. One line per request in its log (stdout):
"NAME START_MS END_MS PATH"."""
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

name, port = sys.argv[1], int(sys.argv[2])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):
        start = time.time()
        url = urlparse(self.path)
        if url.path == "/slow":
            time.sleep(int(parse_qs(url.query)["ms"][0]) / 1000)
        body = (name + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        print(name, int(start * 1000), int(time.time() * 1000), url.path,
              flush=True)

    def log_message(self, *args):
        pass


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
