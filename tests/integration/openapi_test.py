#!/usr/bin/python3
"""Holds a running node's HTTP/JSON api to the OpenAPI document sdk/openapi.yaml.

Run beside a real node:

  tests/testing/with_node.sh build/bin /usr/bin/python3 \
      tests/integration/openapi_test.py sdk/openapi.yaml

It reads the node's base URL from $AUTHNET_HTTP (http://127.0.0.1:PORT);
against a remote (HTTPS) listener set $AUTHNET_TOKEN to an admin token and,
for a private CA, $AUTHNET_CA to its PEM file. It checks

  * the document itself: OpenAPI 3.0.3, every $ref resolves, every operation
    has an operationId, summary, description, request examples and a
    documented 200, every example validates against its schema, request and
    response objects refuse unknown properties, and response objects require
    every property (the server prints all fields);
  * (a) every request example of every operation is answered 200 with a body
    that validates against the documented response schema;
  * (b) errors: statuses documented for the operation (or, for an unknown
    path or a wrong method, by x-authnet-unrouted), bodies that validate
    against Error, codes that match the status;
  * (c) no undocumented endpoints among plausible ones;
  * (d) a confirmed counterfeit unit reported over HTTP is denied by the next
    check, and allowed again once retracted.

One line per check; exits 1 if any failed. Needs Debian's python3-yaml and
python3-jsonschema (jsonschema 4.x: RefResolver, or referencing if present).
"""

import json
import os
import ssl
import sys
import urllib.error
import urllib.request
import uuid

try:
    import yaml
except ImportError:
    sys.exit("openapi_test: needs PyYAML (apt-get install python3-yaml)")
try:
    import jsonschema
except ImportError:
    sys.exit("openapi_test: needs jsonschema (apt-get install python3-jsonschema)")

# The document's base URI for resolving "#/components/..." references.
DOC_URI = "https://authnet.invalid/sdk/openapi.yaml"
METHODS = ("get", "post", "put", "patch", "delete", "options", "head")
# A GTIN with a valid check digit (GS1's example) and one off by one.
GTIN = "09506000134352"
BAD_GTIN = "09506000134353"

# Paths a client might plausibly try that the api does not have.
PLAUSIBLE_PATHS = [
    "/",
    "/v1",
    "/v1/",
    "/v1/checks",
    "/v1/Check",
    "/v1/CHECK",
    "/v1/check/",
    "/v1//check",
    "/v1/check/batch",
    "/v1/checkBatch",
    "/v1/check_batch",
    "/v1/check-batch/",
    "/v1/batch",
    "/v1/report/",
    "/v1/reports",
    "/v1/Report",
    "/v1/retract/",
    "/v1/retraction",
    "/v1/retractions",
    "/v1/status/",
    "/v1/Status",
    "/v1/health",
    "/v1/alerts",
    "/v1/roster",
    "/v1/push-roster",
    "/v1/tokens",
    "/v1/admin/status",
    "/v2/check",
    "/check",
    "/report",
    "/status",
    "/healthz",
    "/metrics",
    "/openapi.yaml",
    "/openapi.json",
    "/authnet.v1.CheckoutService/Check",
    "/authnet.v1.AdminService/Status",
    "/grpc.health.v1.Health/Check",
]


# ---------------------------------------------------------------- reporting

class Results:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def ok(self, name):
        self.passed += 1
        print(f"ok   {name}", flush=True)

    def fail(self, name, why):
        self.failed.append(name)
        print(f"FAIL {name}: {why}", flush=True)


class CheckFailed(Exception):
    pass


def expect(cond, why):
    if not cond:
        raise CheckFailed(why)


# ---------------------------------------------------------------- document

def pointer(*parts):
    """A JSON pointer from raw path segments."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def resolve_pointer(doc, ptr):
    node = doc
    if ptr in ("", "#"):
        return node
    for raw in ptr.lstrip("#").lstrip("/").split("/"):
        key = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(key)]
        else:
            node = node[key]
    return node


def openapi_to_jsonschema(node):
    """OpenAPI 3.0 schema objects are JSON Schema draft 4 plus a few
    keywords; `nullable` is the one that changes validation."""
    if isinstance(node, list):
        return [openapi_to_jsonschema(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: openapi_to_jsonschema(v) for k, v in node.items()}
    if out.get("nullable") is True:
        t = out.get("type")
        if isinstance(t, str):
            out["type"] = [t, "null"]
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = out["enum"] + [None]
    return out


class Document:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.raw = yaml.safe_load(f)
        self.schema_doc = openapi_to_jsonschema(self.raw)
        cls = jsonschema.Draft4Validator
        try:
            import referencing
            import referencing.jsonschema
            resource = referencing.Resource.from_contents(
                self.schema_doc, default_specification=referencing.jsonschema.DRAFT4)
            registry = referencing.Registry().with_resource(DOC_URI, resource)
            self._make = lambda schema: cls(schema, registry=registry)
        except ImportError:
            resolver = jsonschema.RefResolver(base_uri=DOC_URI, referrer=self.schema_doc)
            self._make = lambda schema: cls(schema, resolver=resolver)
        self._validators = {}

    def get(self, ptr):
        return resolve_pointer(self.raw, ptr)

    def deref(self, ptr):
        """Follows $ref (responses, request bodies) to the object itself:
        returns (pointer, object)."""
        obj = self.get(ptr)
        seen = set()
        while isinstance(obj, dict) and "$ref" in obj:
            ref = obj["$ref"]
            expect(ref.startswith("#/"), f"{ptr}: only local $refs are supported, got {ref}")
            expect(ref not in seen, f"{ptr}: $ref cycle at {ref}")
            seen.add(ref)
            ptr = ref[1:]
            obj = self.get(ptr)
        return ptr, obj

    def errors(self, schema_ptr, instance):
        """Validation errors of `instance` against the schema at `schema_ptr`
        ($refs resolved against the whole document)."""
        v = self._validators.get(schema_ptr)
        if v is None:
            v = self._make({"$ref": DOC_URI + "#" + schema_ptr})
            self._validators[schema_ptr] = v
        out = []
        for e in sorted(v.iter_errors(instance), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in e.absolute_path) or "(root)"
            out.append(f"at {where}: {e.message}")
        return out

    def operations(self):
        """(path, method, pointer, operation) in document order."""
        for path, item in self.raw.get("paths", {}).items():
            for method in METHODS:
                if method in item:
                    yield path, method, pointer("paths", path, method), item[method]

    def response(self, op_ptr, status):
        """The documented response of an operation for an HTTP status:
        (pointer, response object, key) with key the status or "default"."""
        responses = self.get(op_ptr)["responses"]
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in responses:
                rptr, resp = self.deref(op_ptr + pointer("responses", key))
                return rptr, resp, key
        return None, None, None


def media_examples(media):
    """[(name, value)] of a media type object's example/examples."""
    out = []
    if "example" in media:
        out.append(("example", media["example"]))
    for name, ex in (media.get("examples") or {}).items():
        expect("value" in ex, f"example {name} has no value (externalValue is not supported)")
        out.append((name, ex["value"]))
    return out


def walk_refs(node, where=""):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                yield where, v
            else:
                yield from walk_refs(v, f"{where}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk_refs(v, f"{where}/{i}")


def object_schemas(doc, ptr, seen=None):
    """Pointers of the object schemas reachable from the schema at `ptr`."""
    seen = set() if seen is None else seen
    if ptr in seen:
        return seen
    schema = doc.get(ptr)
    if not isinstance(schema, dict):
        return seen
    if "$ref" in schema:
        return object_schemas(doc, schema["$ref"][1:], seen)
    if schema.get("type") == "object" and "properties" in schema:
        seen.add(ptr)
    for key in ("properties",):
        for name in schema.get(key, {}):
            object_schemas(doc, ptr + pointer(key, name), seen)
    for key in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(key), dict):
            object_schemas(doc, ptr + pointer(key), seen)
    for key in ("allOf", "anyOf", "oneOf"):
        for i, _ in enumerate(schema.get(key, [])):
            object_schemas(doc, ptr + pointer(key, i), seen)
    return seen


# ---------------------------------------------------------------- http

class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        self.json = None
        self.json_error = None
        if body:
            try:
                self.json = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                self.json_error = str(e)

    def describe(self):
        text = self.body.decode("utf-8", "replace")
        if len(text) > 300:
            text = text[:300] + "..."
        return f"HTTP {self.status} {text.strip()}"


class Client:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.token = os.environ.get("AUTHNET_TOKEN", "")
        self.context = None
        if self.base.startswith("https:"):
            self.context = ssl.create_default_context(cafile=os.environ.get("AUTHNET_CA") or None)

    def call(self, method, path, body=None, content_type="application/json", headers=None):
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        h = {"Accept": "application/json"}
        if content_type is not None and data is not None:
            h["Content-Type"] = content_type
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        h.update(headers or {})
        req = urllib.request.Request(self.base + path, data=data, method=method.upper(), headers=h)
        try:
            with urllib.request.urlopen(req, timeout=60, context=self.context) as r:
                return Reply(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Reply(e.code, e.headers, e.read())


# ---------------------------------------------------------------- the test

class OpenApiTest:
    def __init__(self, doc_path, base):
        self.doc_path = doc_path
        self.doc = Document(doc_path)
        self.http = Client(base)
        self.r = Results()
        self.ops = {}  # operationId -> (path, method, pointer, operation)
        for path, method, ptr, op in self.doc.operations():
            if op.get("operationId"):
                self.ops[op["operationId"]] = (path, method, ptr, op)

    def run(self, name, fn, *args):
        try:
            fn(*args)
        except CheckFailed as e:
            self.r.fail(name, str(e))
        except Exception as e:  # a bug in the test or a dead server
            self.r.fail(name, f"{type(e).__name__}: {e}")
        else:
            self.r.ok(name)

    # -- helpers --------------------------------------------------------

    def op_by_route(self, method, path):
        for op_id, (p, m, ptr, op) in self.ops.items():
            if p == path and m == method.lower():
                return ptr
        raise CheckFailed(f"the document has no {method.upper()} {path}")

    def check_json_body(self, reply, what):
        ctype = reply.headers.get("Content-Type", "")
        expect(ctype.split(";")[0].strip().lower() == "application/json",
               f"{what}: Content-Type {ctype!r}, expected application/json")
        expect(reply.json is not None,
               f"{what}: body is not JSON ({reply.json_error}): {reply.describe()}")

    def check_documented(self, op_ptr, reply, what, expect_status=None):
        """The reply's status is documented for the operation and its body
        validates against that response's schema. Returns the body."""
        if expect_status is not None:
            expect(reply.status == expect_status,
                   f"{what}: expected HTTP {expect_status}, got {reply.describe()}")
        rptr, resp, key = self.doc.response(op_ptr, reply.status)
        expect(resp is not None,
               f"{what}: HTTP {reply.status} is not documented for {op_ptr}: {reply.describe()}")
        if reply.status >= 300 and key == "default" and expect_status is not None:
            raise CheckFailed(f"{what}: HTTP {reply.status} is documented only as `default` "
                              f"for {op_ptr}; document it explicitly")
        self.check_response_body(rptr, resp, reply, what)
        return reply.json

    def check_response_body(self, rptr, resp, reply, what):
        self.check_json_body(reply, what)
        expect("content" in resp and "application/json" in resp["content"],
               f"{what}: response {rptr} documents no application/json content")
        schema_ptr = rptr + pointer("content", "application/json", "schema")
        errs = self.doc.errors(schema_ptr, reply.json)
        expect(not errs, f"{what}: body does not match {self.schema_name(schema_ptr)}: "
                         f"{'; '.join(errs)}; body {json.dumps(reply.json)}")
        codes = resp.get("x-grpc-codes")
        if reply.status >= 300 and codes is not None:
            code = reply.json.get("code")
            expect(code in codes,
                   f"{what}: error code {code} is not one documented for HTTP {reply.status} "
                   f"({', '.join(codes)})")

    def schema_name(self, schema_ptr):
        s = self.doc.get(schema_ptr)
        if isinstance(s, dict) and "$ref" in s:
            return s["$ref"].split("/")[-1]
        return schema_ptr

    def error(self, method, path, body, status, code, prefix, content_type="application/json",
              op_ptr=None):
        """Sends a request that must fail: the status is `status` and
        documented for the operation, the body validates against its schema,
        the code is `code` and the message starts with `prefix`."""
        reply = self.http.call(method, path, body, content_type=content_type)
        what = f"{method.upper()} {path}"
        op_ptr = op_ptr or self.op_by_route(method, path)
        body_json = self.check_documented(op_ptr, reply, what, expect_status=status)
        expect(body_json.get("code") == code,
               f"{what}: code {body_json.get('code')}, expected {code}: {reply.describe()}")
        expect(body_json.get("message", "").startswith(prefix),
               f"{what}: message {body_json.get('message')!r} does not start with {prefix!r}")
        return body_json

    def unrouted(self, kind):
        spec = self.doc.raw.get("x-authnet-unrouted", {}).get(kind)
        expect(spec is not None, f"the document has no x-authnet-unrouted.{kind}")
        expect(isinstance(spec.get("status"), int), f"x-authnet-unrouted.{kind}.status: not an int")
        rptr, resp = self.doc.deref(pointer("x-authnet-unrouted", kind, "response"))
        return spec["status"], rptr, resp

    def ok_call(self, op_id, body):
        path, method, ptr, _ = self.ops[op_id]
        reply = self.http.call(method, path, body)
        return self.check_documented(ptr, reply, f"{method.upper()} {path}", expect_status=200)

    # -- the document ---------------------------------------------------

    def doc_header(self):
        d = self.doc.raw
        expect(d.get("openapi") == "3.0.3", f"openapi is {d.get('openapi')!r}, expected 3.0.3")
        info = d.get("info", {})
        expect(info.get("title"), "info.title is missing")
        expect(info.get("version") == "1.0.0", f"info.version is {info.get('version')!r}")
        for word in ("Bearer", "loopback", "code", "message"):
            expect(word in info.get("description", ""), f"info.description does not mention {word}")
        urls = [s.get("url") for s in d.get("servers", [])]
        expect("http://127.0.0.1:8080" in urls, f"servers {urls} lack http://127.0.0.1:8080")
        bearer = d.get("components", {}).get("securitySchemes", {}).get("bearerAuth", {})
        expect(bearer.get("type") == "http" and bearer.get("scheme") == "bearer",
               f"components.securitySchemes.bearerAuth is not HTTP bearer: {bearer}")

    def doc_refs(self):
        bad = []
        for where, ref in walk_refs(self.doc.raw):
            try:
                expect(ref.startswith("#/"), "not local")
                self.doc.get(ref[1:])
            except (CheckFailed, KeyError, IndexError, ValueError, TypeError):
                bad.append(f"{where} -> {ref}")
        expect(not bad, "unresolved $refs: " + ", ".join(bad))

    def doc_schemas(self):
        problems = []
        for name, schema in self.doc.schema_doc["components"]["schemas"].items():
            try:
                jsonschema.Draft4Validator.check_schema(schema)
            except jsonschema.SchemaError as e:
                problems.append(f"{name}: {e.message}")
        expect(not problems, "; ".join(problems))

    def doc_operation(self, path, method, ptr, op):
        for key in ("operationId", "summary", "description"):
            expect(op.get(key), f"no {key}")
        ids = [o.get("operationId") for _, _, _, o in self.doc.operations()]
        expect(ids.count(op["operationId"]) == 1, f"operationId {op['operationId']} is not unique")
        request_objects = set()
        if method != "get":
            _, body = self.doc.deref(ptr + "/requestBody")
            media = body.get("content", {}).get("application/json")
            expect(media is not None, "requestBody has no application/json content")
            expect("$ref" in media.get("schema", {}), "requestBody schema is not a $ref")
            examples = media_examples(media)
            expect(examples, "requestBody has no example")
            sptr = ptr + pointer("requestBody", "content", "application/json", "schema")
            for name, value in examples:
                errs = self.doc.errors(sptr, value)
                expect(not errs, f"request example {name} does not match its schema: {errs}")
            request_objects = object_schemas(self.doc, sptr)
        responses = op.get("responses", {})
        expect("200" in responses, "no 200 response")
        response_objects = set()
        for status in responses:
            rptr, resp = self.doc.deref(ptr + pointer("responses", status))
            media = resp.get("content", {}).get("application/json")
            expect(media is not None, f"response {status} has no application/json content")
            expect("$ref" in media.get("schema", {}), f"response {status} schema is not a $ref")
            sptr = rptr + pointer("content", "application/json", "schema")
            if status == "200":
                response_objects = object_schemas(self.doc, sptr)
            else:
                expect(media["schema"]["$ref"] == "#/components/schemas/Error",
                       f"response {status} is not an Error")
            examples = media_examples(media)
            expect(examples or status != "200", f"response {status} has no example")
            for name, value in examples:
                errs = self.doc.errors(sptr, value)
                expect(not errs, f"response {status} example {name} does not match: {errs}")
        for sp in sorted(request_objects | response_objects):
            schema = self.doc.get(sp)
            expect(schema.get("additionalProperties") is False,
                   f"{sp}: object schema without additionalProperties: false")
        for sp in sorted(response_objects):
            schema = self.doc.get(sp)
            missing = set(schema["properties"]) - set(schema.get("required", []))
            expect(not missing, f"{sp}: response object does not require {sorted(missing)} "
                                "(the server prints every field)")

    def doc_unrouted(self):
        for kind in ("unknownPath", "wrongMethod"):
            status, rptr, resp = self.unrouted(kind)
            expect(not 200 <= status < 300, f"x-authnet-unrouted.{kind}.status is 2xx")
            media = resp.get("content", {}).get("application/json", {})
            expect(media.get("schema", {}).get("$ref") == "#/components/schemas/Error",
                   f"x-authnet-unrouted.{kind} is not an Error response")

    # -- (a) examples ---------------------------------------------------

    def example_order(self):
        """Operations in document order, but reports before retracts, so a
        retract example names records that exist."""
        ops = list(self.doc.operations())
        rank = {"report": 0, "retract": 2}
        return sorted(ops, key=lambda o: rank.get(o[3].get("operationId"), 1))

    def send_example(self, path, method, ptr, value):
        reply = self.http.call(method, path, value)
        self.check_documented(ptr, reply, f"{method.upper()} {path}", expect_status=200)

    # -- (b) errors -----------------------------------------------------

    def bad_gtin(self):
        self.error("post", "/v1/check", {"subjects": {"gtin": BAD_GTIN}}, 400,
                   "INVALID_ARGUMENT", "subjects.gtin")

    def bad_gtin_batch(self):
        body = {"checks": [{"subjects": {"gtin": GTIN}}, {"subjects": {"gtin": BAD_GTIN}}]}
        self.error("post", "/v1/check-batch", body, 400, "INVALID_ARGUMENT",
                   "checks[1].subjects.gtin")

    def bad_gtin_report(self):
        body = {"subjects": {"gtin": BAD_GTIN}, "kind": "SIGNAL_KIND_COUNTERFEIT_SUSPECTED"}
        self.error("post", "/v1/report", body, 400, "INVALID_ARGUMENT", "subjects.gtin")

    def unknown_field(self):
        self.error("post", "/v1/check", {"subjects": {"gtin": GTIN}, "foo": 1}, 400,
                   "INVALID_ARGUMENT", "body: ")

    def unknown_nested_field(self):
        self.error("post", "/v1/report",
                   {"subjects": {"gtin": GTIN, "colour": "red"}, "kind": "SIGNAL_KIND_UNIT_SOLD"},
                   400, "INVALID_ARGUMENT", "body: ")

    def unknown_enum(self):
        self.error("post", "/v1/report",
                   {"subjects": {"gtin": GTIN}, "kind": "SIGNAL_KIND_STOLEN"},
                   400, "INVALID_ARGUMENT", "body: ")

    def wrong_content_type(self):
        self.error("post", "/v1/check", b'{"subjects":{"gtin":"%s"}}' % GTIN.encode(), 400,
                   "INVALID_ARGUMENT", "Content-Type", content_type="text/plain")

    def empty_body(self):
        self.error("post", "/v1/check", b"", 400, "INVALID_ARGUMENT", "body: ")

    def not_json(self):
        self.error("post", "/v1/check", b"subjects=gtin", 400, "INVALID_ARGUMENT", "body: ")

    def no_subjects(self):
        self.error("post", "/v1/check", {}, 400, "INVALID_ARGUMENT", "subjects")

    def report_unspecified_kind(self):
        self.error("post", "/v1/report",
                   {"subjects": {"gtin": GTIN}, "kind": "SIGNAL_KIND_UNSPECIFIED"}, 400,
                   "INVALID_ARGUMENT", "kind")

    def report_bad_weight(self):
        self.error("post", "/v1/report",
                   {"subjects": {"gtin": GTIN}, "kind": "SIGNAL_KIND_UNIT_SOLD", "weight": 1.5},
                   400, "INVALID_ARGUMENT", "weight")

    def idempotency_key_reuse(self):
        key = "openapi-test-reuse-" + uuid.uuid4().hex
        first = {"subjects": {"supplier": "openapi test " + key},
                 "kind": "SIGNAL_KIND_VERIFICATION_PASSED", "idempotencyKey": key}
        self.ok_call("report", first)
        second = dict(first, kind="SIGNAL_KIND_VERIFICATION_FAILED")
        self.error("post", "/v1/report", second, 400, "INVALID_ARGUMENT", "idempotency_key")

    def retract_no_seq(self):
        self.error("post", "/v1/retract", {}, 400, "INVALID_ARGUMENT", "seq")

    def retract_past_log(self):
        self.error("post", "/v1/retract", {"seq": "18446744073709551615"}, 404, "NOT_FOUND",
                   "seq")

    def retract_too_many(self):
        self.error("post", "/v1/retract", {"seq": "1", "count": 1_000_001}, 429,
                   "RESOURCE_EXHAUSTED", "count")

    def batch_too_large(self):
        body = {"checks": [{"subjects": {"gtin": GTIN}}] * 10_001}
        self.error("post", "/v1/check-batch", body, 429, "RESOURCE_EXHAUSTED", "checks")

    def body_too_large(self):
        body = json.dumps({"subjects": {"supplier": "x" * ((4 << 20) + 1)}}).encode()
        self.error("post", "/v1/check", body, 429, "RESOURCE_EXHAUSTED", "body")

    def wrong_methods(self, path, item):
        status, rptr, resp = self.unrouted("wrongMethod")
        taken = sorted(m.upper() for m in METHODS if m in item)
        for method in METHODS:
            if method in item:
                continue
            reply = self.http.call(method, path, {} if method in ("post", "put", "patch") else None)
            what = f"{method.upper()} {path}"
            expect(reply.status == status,
                   f"{what}: expected HTTP {status} (x-authnet-unrouted.wrongMethod), "
                   f"got {reply.describe()}")
            if "Allow" in resp.get("headers", {}) or status == 405:
                allow = reply.headers.get("Allow")
                got = sorted(m.strip().upper() for m in (allow or "").split(",") if m.strip())
                expect(got == taken,
                       f"{what}: Allow header {allow!r}, expected {', '.join(taken)}")
            if method == "head":
                continue  # no body
            self.check_response_body(rptr, resp, reply, what)
            expect(reply.json.get("code") == "UNIMPLEMENTED", f"{what}: {reply.describe()}")

    def snake_case_accepted(self):
        self.ok_call("check", {"subjects": {"nfc_uid": "04a1b2c3", "image_phash": "0011223344556677"}})

    def query_string_ignored(self):
        path, method, ptr, _ = self.ops["check"]
        reply = self.http.call(method, path + "?verbose=1", {"subjects": {"gtin": GTIN}})
        self.check_documented(ptr, reply, f"{method.upper()} {path}?verbose=1", expect_status=200)

    # -- (c) undocumented endpoints ---------------------------------------

    def no_undocumented(self):
        status, rptr, resp = self.unrouted("unknownPath")
        documented = set(self.doc.raw["paths"])
        problems = []
        for path in PLAUSIBLE_PATHS:
            if path in documented:
                problems.append(f"{path} is in the document; take it off PLAUSIBLE_PATHS")
                continue
            for method in ("get", "post"):
                reply = self.http.call(method, path, {} if method == "post" else None)
                what = f"{method.upper()} {path}"
                try:
                    expect(reply.status == status,
                           f"{what}: expected HTTP {status} (x-authnet-unrouted.unknownPath), "
                           f"got {reply.describe()}")
                    self.check_response_body(rptr, resp, reply, what)
                    expect(reply.json.get("code") == "NOT_FOUND", f"{what}: {reply.describe()}")
                except CheckFailed as e:
                    problems.append(str(e))
        expect(not problems, "; ".join(problems))

    # -- (d) report, then check -----------------------------------------

    def report_then_check(self):
        serial = "OA" + uuid.uuid4().hex[:12].upper()
        clean = "OA" + uuid.uuid4().hex[:12].upper()
        unit = {"gtin": GTIN, "serial": serial}
        key = "openapi-test-" + serial
        report = {"subjects": unit, "kind": "SIGNAL_KIND_COUNTERFEIT_CONFIRMED",
                  "idempotencyKey": key}

        first = self.ok_call("report", report)
        expect(first["accepted"] == 1 and not first["replayed"] and int(first["seq"]) > 0,
               f"report: expected 1 new record, got {first}")

        answer = self.ok_call("check", {"subjects": unit})
        expect(answer["decision"] == "DECISION_DENY",
               f"check after a confirmed counterfeit report: {answer['decision']}, expected "
               f"DECISION_DENY: {answer}")
        expect(answer["reporters"] >= 1, f"check: reporters {answer['reporters']}, expected >= 1")
        expect(any(r["code"] == "counterfeit_confirmed"
                   and r["kind"] == "SIGNAL_KIND_COUNTERFEIT_CONFIRMED"
                   and r["subjectType"] == "SUBJECT_TYPE_UNIT" and r["local"]
                   and r["members"] >= 1 for r in answer["reasons"]),
               f"check: no local counterfeit_confirmed unit reason: {answer['reasons']}")

        scanned = self.ok_call("check", {"subjects": {"gs1": f"(01){GTIN}(21){serial}"}})
        expect(scanned["decision"] == "DECISION_DENY",
               f"check of the same unit by its GS1 scan: {scanned['decision']}")

        again = self.ok_call("report", report)
        expect(again["replayed"] and again["seq"] == first["seq"]
               and again["accepted"] == first["accepted"],
               f"report retried with its idempotency key: {again}, expected a replay of {first}")

        for order in ([serial, clean], [clean, serial]):
            batch = self.ok_call("checkBatch", {"checks": [
                {"subjects": {"gtin": GTIN, "serial": s}} for s in order]})
            got = [r["decision"] for r in batch["results"]]
            want = ["DECISION_DENY" if s == serial else "DECISION_ALLOW" for s in order]
            expect(got == want, f"check-batch: decisions {got}, expected {want} (request order)")

        retract = self.ok_call("retract", {"seq": first["seq"], "count": first["accepted"]})
        expect(retract["retracted"] == first["accepted"] and int(retract["seq"]) > int(first["seq"]),
               f"retract of {first}: {retract}")
        after = self.ok_call("check", {"subjects": unit})
        expect(after["decision"] == "DECISION_ALLOW",
               f"check after the report was retracted: {after['decision']}: {after}")
        twice = self.ok_call("retract", {"seq": first["seq"], "count": first["accepted"]})
        expect(twice == {"retracted": 0, "seq": "0"}, f"retract repeated: {twice}")

        status = self.ok_call("status", None)
        held = status["versionVector"].get(status["member"])
        expect(held is not None and int(held) >= int(retract["seq"]),
               f"status: versionVector[{status['member']}] is {held}, expected >= "
               f"{retract['seq']} (the retraction)")

    def reasons_without_kind(self):
        """The reasons whose kind is SIGNAL_KIND_UNSPECIFIED (expired,
        reputation) are answered as documented."""
        expired = self.ok_call("check", {"subjects": {"gs1": f"(01){GTIN}(10)LOT1(17)240101"}})
        codes = {r["code"]: r for r in expired["reasons"]}
        expect("expired" in codes, f"check of a lot expired 2024-01-01: no expired reason: "
                                   f"{expired}")
        expect(expired["decision"] == "DECISION_ALLOW",
               f"an expired reason alone changed the decision: {expired}")
        supplier = "openapi test supplier " + uuid.uuid4().hex
        self.ok_call("report", {"subjects": {"supplier": supplier},
                                "kind": "SIGNAL_KIND_VERIFICATION_FAILED"})
        answer = self.ok_call("check", {"subjects": {"supplier": supplier}})
        codes = sorted(r["code"] for r in answer["reasons"])
        expect("verification_failed" in codes and "reputation" in codes,
               f"check of a supplier that failed verification: reason codes {codes}, expected "
               "verification_failed and reputation")

    # -- all ------------------------------------------------------------

    def main(self):
        self.run("document: openapi 3.0.3, info, servers, bearer scheme", self.doc_header)
        self.run("document: every $ref resolves", self.doc_refs)
        self.run("document: component schemas are valid JSON Schema", self.doc_schemas)
        self.run("document: x-authnet-unrouted names Error responses", self.doc_unrouted)
        for path, method, ptr, op in self.doc.operations():
            self.run(f"document: {method.upper()} {path} ({op.get('operationId')}) is complete",
                     self.doc_operation, path, method, ptr, op)
        for name in ("check", "checkBatch", "report", "retract", "status"):
            if name not in self.ops:
                self.r.fail(f"document: operation {name}", "missing")

        # (a) every request example is answered as documented.
        for path, method, ptr, op in self.example_order():
            body = op.get("requestBody")
            if body is None:
                self.run(f"(a) {method.upper()} {path} answers 200 as documented",
                         self.send_example, path, method, ptr, None)
                continue
            _, body = self.doc.deref(ptr + "/requestBody")
            for name, value in media_examples(body["content"]["application/json"]):
                self.run(f"(a) {method.upper()} {path} example {name} answers 200 as documented",
                         self.send_example, path, method, ptr, value)
        self.run("(a) request field names in snake_case are accepted", self.snake_case_accepted)
        self.run("(a) a query string is ignored", self.query_string_ignored)

        # (b) errors.
        self.run("(b) check: bad gtin is 400 subjects.gtin", self.bad_gtin)
        self.run("(b) check-batch: bad gtin is 400 checks[1].subjects.gtin", self.bad_gtin_batch)
        self.run("(b) report: bad gtin is 400 subjects.gtin", self.bad_gtin_report)
        self.run("(b) check: unknown field is 400 body:", self.unknown_field)
        self.run("(b) report: unknown field in subjects is 400 body:", self.unknown_nested_field)
        self.run("(b) report: unknown enum name is 400 body:", self.unknown_enum)
        self.run("(b) check: Content-Type text/plain is 400", self.wrong_content_type)
        self.run("(b) check: empty body is 400", self.empty_body)
        self.run("(b) check: a body that is not JSON is 400", self.not_json)
        self.run("(b) check: no subjects is 400", self.no_subjects)
        self.run("(b) report: SIGNAL_KIND_UNSPECIFIED is 400 kind", self.report_unspecified_kind)
        self.run("(b) report: weight 1.5 is 400 weight", self.report_bad_weight)
        self.run("(b) report: an idempotency key reused for another report is 400",
                 self.idempotency_key_reuse)
        self.run("(b) retract: no seq is 400", self.retract_no_seq)
        self.run("(b) retract: records past the log are 404", self.retract_past_log)
        self.run("(b) retract: count over the limit is 429", self.retract_too_many)
        self.run("(b) check-batch: 10001 checks is 429", self.batch_too_large)
        self.run("(b) check: a body over 4 MiB is 429", self.body_too_large)
        for path, item in self.doc.raw["paths"].items():
            taken = ", ".join(m.upper() for m in METHODS if m in item)
            self.run(f"(b) {path}: methods other than {taken} answer x-authnet-unrouted."
                     "wrongMethod", self.wrong_methods, path, item)

        # (c) nothing undocumented.
        self.run(f"(c) {len(PLAUSIBLE_PATHS)} plausible undocumented paths are 404 NOT_FOUND",
                 self.no_undocumented)

        # (d) the decision path end to end over HTTP.
        self.run("(d) a reported confirmed counterfeit unit is denied, and allowed once retracted",
                 self.report_then_check)
        self.run("(d) expired and reputation reasons (kind SIGNAL_KIND_UNSPECIFIED) are as "
                 "documented", self.reasons_without_kind)

        total = self.r.passed + len(self.r.failed)
        if self.r.failed:
            print(f"openapi_test: {len(self.r.failed)} of {total} checks FAILED against "
                  f"{self.http.base} ({self.doc_path}):", flush=True)
            for name in self.r.failed:
                print(f"  {name}")
            return 1
        print(f"openapi_test: all {total} checks passed against {self.http.base} "
              f"({self.doc_path})", flush=True)
        return 0


def main(argv):
    if len(argv) != 2:
        print("usage: openapi_test.py OPENAPI_YAML   (with $AUTHNET_HTTP set; see "
              "tests/testing/with_node.sh)", file=sys.stderr)
        return 2
    base = os.environ.get("AUTHNET_HTTP")
    if not base:
        print("openapi_test: $AUTHNET_HTTP is not set; run it under tests/testing/with_node.sh",
              file=sys.stderr)
        return 2
    try:
        test = OpenApiTest(argv[1], base)
    except (OSError, yaml.YAMLError) as e:
        print(f"openapi_test: cannot read {argv[1]}: {e}", file=sys.stderr)
        return 1
    return test.main()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
