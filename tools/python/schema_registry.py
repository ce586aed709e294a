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
  GET  /config[/{subject}]                 -> {"compatibilityLevel": "BACKWARD"}
  PUT  /config[/{subject}]                 {"compatibility": "NONE"} -> {"compatibility": ...}
  POST /compatibility/subjects/{subject}/versions/{v}   -> {"is_compatible": bool, "messages"}

Schemas are validated with fastavro (422 if invalid); identical schema text gets one global id.
Compatibility is checked like Confluent's registry (default level BACKWARD, --compatibility to
change it): a new version of a subject is checked with Apache Avro's own reader/writer checker
(avro.compatibility, the Python port of Java's SchemaCompatibility that Confluent's registry
calls) against the latest version (against all versions for the *_TRANSITIVE levels); a
rejected schema gets HTTP 409 with error_code 409 and Confluent's message shape, naming the
earlier version. In memory only.
Why a stand-in: Confluent's registry is not on Maven Central, Karapace is not on PyPI, and
Apicurio Registry cannot be assembled from what this machine's Maven Central serves (README).
Options: --port (0 = any free port; the chosen port is written to --port-file), basic auth
(--user/--password -> 401 without it), TLS (--cert/--key), --compatibility.
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
import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
LEVELS = ("NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL",
          "FULL_TRANSITIVE")


def incompatibilities(reader, writer):
    """Apache Avro's verdict on `reader` reading data written with `writer` ([] = compatible)."""
    r = ReaderWriterCompatibilityChecker().get_compatibility(
        avro.schema.parse(reader), avro.schema.parse(writer))
    if r.compatibility is SchemaCompatibilityType.compatible:
        return []
    out = []
    for kind, message, location in zip(r.incompatibilities, r.messages, r.locations):
        out.append("{errorType:'%s', description:'%s', additionalInfo:'%s'}"
                   % (kind.name.upper(), message, location))
    return out or ["{errorType:'INCOMPATIBLE', description:'incompatible'}"]


def check(level, new, versions):
    """Problems registering `new` after `versions` [(version, schema text)] under `level`."""
    if level == "NONE" or not versions:
        return []
    against = versions if level.endswith("_TRANSITIVE") else versions[-1:]
    base = level.replace("_TRANSITIVE", "")
    for version, old in reversed(against):
        problems = []
        if base in ("BACKWARD", "FULL"):
            problems += incompatibilities(new, old)
        if base in ("FORWARD", "FULL"):
            problems += incompatibilities(old, new)
        if problems:
            return problems + ["{oldSchemaVersion: %d}" % version, "{oldSchema: '%s'}" % old,
                               "{compatibility: '%s'}" % level]
    return []


class Registry:
    def __init__(self, compatibility):
        self.lock = threading.Lock()
        self.schemas = []  # id - 1 -> schema text
        self.subjects = {}  # subject -> [ids], version = index + 1
        self.compatibility = compatibility  # the global level
        self.subject_compatibility = {}

    def level(self, subject):
        return self.subject_compatibility.get(subject, self.compatibility)

    def register(self, subject, schema):
        """(id, None) or (None, [problems]) if the subject's compatibility level rejects it."""
        with self.lock:
            versions = self.subjects.get(subject, [])
            if schema in self.schemas and self.schemas.index(schema) + 1 in versions:
                return self.schemas.index(schema) + 1, None
            problems = check(self.level(subject), schema,
                             [(i + 1, self.schemas[sid - 1]) for i, sid in enumerate(versions)])
            if problems:
                return None, problems
            if schema in self.schemas:
                sid = self.schemas.index(schema) + 1
            else:
                self.schemas.append(schema)
                sid = len(self.schemas)
            self.subjects.setdefault(subject, []).append(sid)
            return sid, None


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

        def do_PUT(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if not self.authorized():
                return
            m = re.fullmatch(r"/config(?:/([^/]+))?", self.path.split("?")[0])
            if not m:
                return self.error(404, 404, "Not Found")
            try:
                level = json.loads(body)["compatibility"].upper()
            except Exception:
                level = None
            if level not in LEVELS:
                return self.error(422, 42203, "Invalid compatibility level")
            with registry.lock:
                if m.group(1) is None:
                    registry.compatibility = level
                else:
                    registry.subject_compatibility[unquote(m.group(1))] = level
            self.reply(200, {"compatibility": level})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if not self.authorized():
                return
            path = self.path.split("?")[0]
            m = re.fullmatch(r"/subjects/([^/]+)/versions", path)
            c = re.fullmatch(r"/compatibility/subjects/([^/]+)/versions/([^/]+)", path)
            if not m and not c:
                return self.error(404, 404, "Not Found")
            try:
                schema = json.loads(body)["schema"]
                fastavro.parse_schema(json.loads(schema))
            except Exception as e:  # invalid JSON or Avro schema
                return self.error(422, 42201, "Invalid schema: %s" % e)
            if c:
                subject = unquote(c.group(1))
                with registry.lock:
                    ids = registry.subjects.get(subject)
                    if ids is None:
                        return self.error(404, 40401, "Subject not found")
                    v = len(ids) if c.group(2) == "latest" else int(c.group(2))
                    if not 1 <= v <= len(ids):
                        return self.error(404, 40402, "Version not found")
                    level = registry.level(subject)
                    problems = check(level, schema, [(v, registry.schemas[ids[v - 1]])])
                return self.reply(200, {"is_compatible": not problems, "messages": problems})
            subject = unquote(m.group(1))
            sid, problems = registry.register(subject, schema)
            if problems:
                return self.error(409, 409, "Schema being registered is incompatible with an "
                                  "earlier schema for subject \"%s\", details: [%s]"
                                  % (subject, ", ".join(problems)))
            self.reply(200, {"id": sid})

        def do_GET(self):
            if not self.authorized():
                return
            path = self.path.split("?")[0]
            with registry.lock:
                m = re.fullmatch(r"/config(?:/([^/]+))?", path)
                if m:
                    if m.group(1) is None:
                        return self.reply(200, {"compatibilityLevel": registry.compatibility})
                    subject = unquote(m.group(1))
                    if subject in registry.subject_compatibility:
                        level = registry.subject_compatibility[subject]
                    elif "defaultToGlobal=true" in self.path:
                        level = registry.compatibility
                    else:
                        return self.error(404, 40408, "Subject '%s' does not have subject-level "
                                          "compatibility configured" % subject)
                    return self.reply(200, {"compatibilityLevel": level})
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
    ap.add_argument("--compatibility", default="BACKWARD", choices=LEVELS)
    args = ap.parse_args()
    auth = None if args.user is None else "%s:%s" % (args.user, args.password)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(Registry(args.compatibility), auth))
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
