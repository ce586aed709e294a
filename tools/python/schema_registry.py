#!/usr/bin/env python3
"""A small Confluent-compatible schema registry for sluice's tests.

Karapace is not published on PyPI and Confluent's registry is not on Maven Central, so the
Avro tests use this server. It implements the subset of the Confluent Schema Registry REST API
(https://docs.confluent.io/platform/current/schema-registry/develop/api.html) that producers and
consumers use, with the documented request/response shapes:

  POST /subjects/{subject}/versions        {"schema": "..."} -> {"id": N}
  GET  /schemas/ids/{id}                   -> {"schema": "..."}
  GET  /subjects                           -> ["subject", ...]
  GET  /subjects/{subject}/versions        -> [1, 2, ...]
  GET  /subjects/{subject}/versions/{v}    -> {"subject", "version", "id", "schema"}; v = latest ok

Schemas are validated with fastavro (422 if invalid); identical schema text gets one global id;
no compatibility checks (like compatibility NONE). In memory only.
Options: --port (0 = any free port; the chosen port is written to --port-file), basic auth
(--user/--password -> 401 without it), TLS (--cert/--key).
"""
import argparse
import base64
import json
import re
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import fastavro

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"


class Registry:
    def __init__(self):
        self.lock = threading.Lock()
        self.schemas = []  # id - 1 -> schema text
        self.subjects = {}  # subject -> [ids], version = index + 1

    def register(self, subject, schema):
        with self.lock:
            if schema in self.schemas:
                sid = self.schemas.index(schema) + 1
            else:
                self.schemas.append(schema)
                sid = len(self.schemas)
            versions = self.subjects.setdefault(subject, [])
            if sid not in versions:
                versions.append(sid)
            return sid


def make_handler(registry, auth):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            sys.stderr.write("schema_registry: " + (fmt % args) + "\n")

        def reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def error(self, status, code, message):
            self.reply(status, {"error_code": code, "message": message})

        def authorized(self):
            if auth is None:
                return True
            want = "Basic " + base64.b64encode(auth.encode()).decode()
            if self.headers.get("Authorization") == want:
                return True
            self.error(401, 40101, "Unauthorized")
            return False

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if not self.authorized():
                return
            m = re.fullmatch(r"/subjects/([^/]+)/versions", self.path)
            if not m:
                return self.error(404, 404, "Not Found")
            try:
                schema = json.loads(body)["schema"]
                fastavro.parse_schema(json.loads(schema))
            except Exception as e:  # invalid JSON or Avro schema
                return self.error(422, 42201, "Invalid schema: %s" % e)
            self.reply(200, {"id": registry.register(unquote(m.group(1)), schema)})

        def do_GET(self):
            if not self.authorized():
                return
            path = self.path.split("?")[0]
            with registry.lock:
                m = re.fullmatch(r"/schemas/ids/(\d+)", path)
                if m:
                    sid = int(m.group(1))
                    if 1 <= sid <= len(registry.schemas):
                        return self.reply(200, {"schema": registry.schemas[sid - 1]})
                    return self.error(404, 40403, "Schema not found")
                if path == "/subjects":
                    return self.reply(200, sorted(registry.subjects))
                m = re.fullmatch(r"/subjects/([^/]+)/versions(?:/([^/]+))?", path)
                if m:
                    versions = registry.subjects.get(unquote(m.group(1)))
                    if versions is None:
                        return self.error(404, 40401, "Subject not found")
                    if m.group(2) is None:
                        return self.reply(200, list(range(1, len(versions) + 1)))
                    v = len(versions) if m.group(2) == "latest" else int(m.group(2))
                    if not 1 <= v <= len(versions):
                        return self.error(404, 40402, "Version not found")
                    sid = versions[v - 1]
                    return self.reply(200, {"subject": unquote(m.group(1)), "version": v,
                                            "id": sid, "schema": registry.schemas[sid - 1]})
            self.error(404, 404, "Not Found")

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--user")
    ap.add_argument("--password", default="")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    args = ap.parse_args()
    auth = None if args.user is None else "%s:%s" % (args.user, args.password)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(Registry(), auth))
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(port))
        import os
        os.replace(args.port_file + ".tmp", args.port_file)
    sys.stderr.write("schema_registry: listening on %s:%d\n" % (args.host, port))
    server.serve_forever()


if __name__ == "__main__":
    main()
