#!/usr/bin/env python3
"""Decodes Confluent-framed Avro Kafka messages independently of sluice, with fastavro.

Input: JSON lines {"key": "<hex>"|null, "value": "<hex>"|null, ...}. For each key and value:
checks the magic byte 0, reads the 4-byte big-endian schema id, fetches that schema from the
registry (GET /schemas/ids/{id}, basic auth from the URL's user:password, TLS verified with
--ca) and decodes the Avro binary with fastavro's schemaless_reader (which must consume every
byte). Output: JSON lines {"key_id", "key", "value_id", "value"} in input order, with bytes as
"hex:<hex>", decimals as "dec:<plain text>", floats as JSON numbers; a null value stays null.
With --value-reader-id N each value is also decoded with schema N as the reader schema (Avro
schema resolution, as a consumer on a newer schema version reads older messages): "value_read".
"""
import argparse
import base64
import io
import json
import ssl
import sys
import urllib.request
from decimal import Decimal
from urllib.parse import unquote, urlsplit

import fastavro


def plain(v):
    if isinstance(v, bytes):
        return "hex:" + v.hex()
    if isinstance(v, Decimal):
        return "dec:" + format(v, "f")
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v


class SchemaCache:
    def __init__(self, url, ca):
        parts = urlsplit(url)
        self.base = "%s://%s%s" % (parts.scheme, parts.hostname +
                                   (":%d" % parts.port if parts.port else ""),
                                   parts.path.rstrip("/"))
        self.auth = None
        if parts.username is not None:
            cred = "%s:%s" % (unquote(parts.username), unquote(parts.password or ""))
            self.auth = "Basic " + base64.b64encode(cred.encode()).decode()
        self.ctx = ssl.create_default_context(cafile=ca) if parts.scheme == "https" else None
        self.cache = {}

    def get(self, sid):
        if sid not in self.cache:
            req = urllib.request.Request("%s/schemas/ids/%d" % (self.base, sid))
            if self.auth:
                req.add_header("Authorization", self.auth)
            with urllib.request.urlopen(req, context=self.ctx, timeout=10) as r:
                text = json.loads(r.read())["schema"]
            self.cache[sid] = fastavro.parse_schema(json.loads(text))
        return self.cache[sid]


def decode(cache, hexdata, reader_id=None):
    data = bytes.fromhex(hexdata)
    if len(data) < 5 or data[0] != 0:
        raise ValueError("not Confluent-framed Avro: %s" % hexdata[:20])
    sid = int.from_bytes(data[1:5], "big")
    buf = io.BytesIO(data[5:])
    reader = cache.get(reader_id) if reader_id is not None else None
    record = fastavro.schemaless_reader(buf, cache.get(sid), reader)
    if buf.tell() != len(data) - 5:
        raise ValueError("schema %d left %d trailing bytes" % (sid, len(data) - 5 - buf.tell()))
    return sid, plain(record)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--registry", required=True)
    ap.add_argument("--ca")
    ap.add_argument("--in", dest="inp", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--value-reader-id", type=int)
    args = ap.parse_args()
    cache = SchemaCache(args.registry, args.ca)
    with open(args.inp) as fin, open(args.out, "w") as fout:
        for line in fin:
            msg = json.loads(line)
            out = {"key_id": None, "key": None, "value_id": None, "value": None}
            if msg.get("key") is not None:
                out["key_id"], out["key"] = decode(cache, msg["key"])
            if msg.get("value") is not None:
                out["value_id"], out["value"] = decode(cache, msg["value"])
                if args.value_reader_id is not None:
                    out["value_read"] = decode(cache, msg["value"], args.value_reader_id)[1]
            fout.write(json.dumps(out, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
