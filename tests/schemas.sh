#!/bin/sh
# The schemas in schemas/ against the C library, both ways:
#  - every schema is valid JSON Schema (draft 2020-12);
#  - real messages printed by tests/unit/gen_messages validate, bodies and
#    certificate texts inside envelopes included, and the C decoder
#    accepts them;
#  - the inputs of the decoder cases that decode (tests/data/request,
#    tests/data/reply) validate;
#  - every document in tests/data/schema-invalid/<schema>/ is refused by
#    the schema AND by the C decoder;
#  - signatures verify with an ed25519 independent of libsodium, and each
#    reply's digest is the SHA-256 of its request's bytes computed here
#    (hashlib), as docs/PROTOCOL.md tells another language to; audiences
#    are sorted by byte value as the protocol requires.
. "$top_srcdir/tests/lib/tap.sh"

py=${PYTHON3:-}
[ -n "$py" ] && [ -x "$py" ] || py=/usr/bin/python3
[ -x "$py" ] || skip_all "python3 not found"
"$py" -c 'import jsonschema' 2>/dev/null ||
	skip_all "python3 module jsonschema not found"
gen="$top_builddir/tests/unit/gen_messages"
[ -x "$gen" ] || { echo "Bail out! $gen is not built"; exit 99; }

exec "$py" - "$top_srcdir" "$gen" <<'EOF'
import glob
import json
import os
import subprocess
import sys
import tempfile

from jsonschema import Draft202012Validator

top, gen = sys.argv[1], sys.argv[2]
kinds = ["request", "reply", "envelope", "certificate"]
schemas = {}
for k in kinds:
    with open(os.path.join(top, "schemas", k + ".schema.json")) as f:
        schemas[k] = json.load(f)

try:
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    registry = Registry().with_resources(
        (s["$id"], DRAFT202012.create_resource(s)) for s in schemas.values())

    def validator(k):
        return Draft202012Validator(schemas[k], registry=registry)
except ImportError:  # jsonschema before 4.18
    from jsonschema import RefResolver

    store = {s["$id"]: s for s in schemas.values()}

    def validator(k):
        return Draft202012Validator(
            schemas[k], resolver=RefResolver.from_schema(schemas[k],
                                                         store=store))

n = 0
failed = 0


def result(ok, what):
    global n, failed
    n += 1
    if not ok:
        failed += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, what))


def errors(k, doc):
    return [e.message for e in validator(k).iter_errors(doc)]


def decoder_accepts(k, text):
    with tempfile.NamedTemporaryFile("wb", suffix=".json") as f:
        f.write(text)
        f.flush()
        p = subprocess.run([gen, "check", k, f.name], capture_output=True)
    return p.returncode == 0, p.stderr.decode(errors="replace").strip()


def valid(k, doc, what):
    e = errors(k, doc)
    result(not e, what + ("" if not e else ": " + "; ".join(e)[:300]))


for k in kinds:
    try:
        Draft202012Validator.check_schema(schemas[k])
        result(True, "%s.schema.json is a valid 2020-12 schema" % k)
    except Exception as e:
        result(False, "%s.schema.json: %s" % (k, e))

for k in kinds:
    lines = subprocess.run([gen, "print", k], check=True,
                           capture_output=True).stdout.splitlines()
    result(len(lines) >= 4, "gen_messages prints %s documents" % k)
    for i, line in enumerate(lines):
        doc = json.loads(line)
        valid(k, doc, "%s %d from the library validates" % (k, i))
        ok, why = decoder_accepts(k, line)
        result(ok, "%s %d from the library decodes %s" % (k, i, why))
        if k == "envelope":
            body = json.loads(doc["body"])
            valid(body["type"], body, "envelope %d body validates" % i)
            if "certificate" in doc:
                text = json.loads(doc["certificate"]["certificate"])
                valid("certificate", text,
                      "envelope %d certificate text validates" % i)

# The signatures, checked the way docs/PROTOCOL.md tells another language
# to: over the unescaped UTF-8 bytes of the strings, before parsing them.
CA_PUBKEY = "CXNma9gtnDCqzNq5JlbY335WF3PFnv6PenNpWtInZ1U="
try:
    import base64
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import \
        Ed25519PublicKey

    def verifies(pk_b64, sig_b64, text):
        pk = Ed25519PublicKey.from_public_bytes(base64.b64decode(pk_b64))
        try:
            pk.verify(base64.b64decode(sig_b64), text.encode("utf-8"))
            return True
        except InvalidSignature:
            return False

    lines = subprocess.run([gen, "print", "envelope"], check=True,
                           capture_output=True).stdout.splitlines()
    signed = [json.loads(x) for x in lines if b'"signature"' in x]
    result(len(signed) >= 2, "signed envelopes to verify")
    for i, env in enumerate(signed):
        cert = env["certificate"]
        result(verifies(CA_PUBKEY, cert["signature"], cert["certificate"]),
               "signed envelope %d: CA signature verifies" % i)
        pk = json.loads(cert["certificate"])["pubkey"]
        result(verifies(pk, env["signature"], env["body"]),
               "signed envelope %d: body signature verifies" % i)
        result(not verifies(pk, env["signature"], env["body"] + " "),
               "signed envelope %d: changed body does not verify" % i)
except ImportError:
    n += 1
    print("ok %d # SKIP python3 module cryptography not found" % n)

# Protocol 2: gen_messages's reply n answers its request n.
import hashlib

reqs = subprocess.run([gen, "print", "request"], check=True,
                      capture_output=True).stdout.splitlines()
reps = subprocess.run([gen, "print", "reply"], check=True,
                      capture_output=True).stdout.splitlines()
result(len(reqs) == len(reps) and len(reqs) >= 4, "requests and replies pair")
for i, (rq, rp) in enumerate(zip(reqs, reps)):
    want = hashlib.sha256(rq).hexdigest()
    result(json.loads(rp)["digest"] == want,
           "reply %d: digest is SHA-256 of request %d's bytes" % (i, i))
    result(json.loads(rp)["digest"] != hashlib.sha256(rq + b" ").hexdigest(),
           "reply %d: other bytes, another digest" % i)
audiences, dry = set(), set()
for i, rq in enumerate(reqs):
    b = json.loads(rq)
    audiences.add(b["audience"]["type"])
    dry.add(b["dry_run"])
    if b["audience"]["type"] == "direct":
        ids = b["audience"]["identities"]
        result(ids == sorted(set(ids), key=lambda x: x.encode("utf-8")),
               "request %d: audience sorted by byte value, unique" % i)
result(audiences == {"broadcast", "direct"}, "both kinds of audience seen")
result(dry == {True, False}, "both values of dry_run seen")

for k in ("request", "reply"):
    for d in sorted(glob.glob(os.path.join(top, "tests/data", k, "*"))):
        if not os.path.exists(os.path.join(d, "expected")):
            continue
        with open(os.path.join(d, "input"), "rb") as f:
            doc = json.loads(f.read())
        valid(k, doc, "decoder case %s/%s validates"
              % (k, os.path.basename(d)))

for k in kinds:
    cases = sorted(glob.glob(
        os.path.join(top, "tests/data/schema-invalid", k, "*.json")))
    result(len(cases) >= 5, "at least 5 invalid %s documents" % k)
    for path in cases:
        name = "%s/%s" % (k, os.path.basename(path))
        with open(path, "rb") as f:
            text = f.read()
        result(bool(errors(k, json.loads(text))),
               "schema refuses %s" % name)
        ok, why = decoder_accepts(k, text)
        result(not ok, "decoder refuses %s: %s" % (name, why))

print("1..%d" % n)
sys.exit(1 if failed else 0)
EOF
