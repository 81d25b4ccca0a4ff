"""Fake AWS credential services on loopback: EC2 instance metadata
(IMDSv2), the container credentials endpoint and STS
AssumeRoleWithWebIdentity and AssumeRole (whose signature botocore checks),
and the IAM Identity Center (SSO) portal's GetRoleCredentials. Each hands out fresh, numbered credentials from
an Issuer on every fetch, so a test can tell which fetch signed which
request, and can make them short-lived to force refreshes.

    with FakeIMDS(Issuer("IMDS", lifetime=660)) as imds:
        env AWS_EC2_METADATA_SERVICE_ENDPOINT=imds.url
        imds.issuer.fetches          # how many credential documents were served
"""
import datetime
import json
import re
import secrets
import threading
import urllib.parse
from xml.sax.saxutils import escape

from loopback import Handler, LoopbackServer


def iso8601(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Issuer:
    """Numbered temporary credentials: key ids ASIA<PREFIX>0001, ...;
    secrets and tokens random (and recorded, for leak searches); each
    expiring `lifetime` seconds after it is issued."""

    def __init__(self, prefix, lifetime=3600, token=True):
        self.prefix = prefix.upper()
        self.lifetime = lifetime
        self.with_token = token
        self.lock = threading.Lock()
        self.issued = []

    @property
    def fetches(self):
        with self.lock:
            return len(self.issued)

    def key_ids(self):
        with self.lock:
            return [c["AccessKeyId"] for c in self.issued]

    def secrets(self):
        """Every secret and token handed out (what must never leak)."""
        with self.lock:
            out = [c["SecretAccessKey"] for c in self.issued]
            out += [c["Token"] for c in self.issued if c.get("Token")]
            return out

    def issue(self):
        import time
        with self.lock:
            n = len(self.issued) + 1
            creds = {
                "AccessKeyId": "ASIA%s%04d" % (self.prefix, n),
                "SecretAccessKey": "secret-%s-%d-%s" % (self.prefix.lower(), n, secrets.token_hex(12)),
                "Token": ("token-%s-%d-%s" % (self.prefix.lower(), n, secrets.token_urlsafe(24))
                          if self.with_token else None),
                "Expiration": iso8601(time.time() + self.lifetime),
            }
            self.issued.append(creds)
            return dict(creds)


class _IMDSHandler(Handler):
    ROLE = "connect-dynamo-test-role"
    CREDS = "/latest/meta-data/iam/security-credentials/"

    def do_PUT(self):
        owner = self.server.owner
        self.body()
        if self.path != "/latest/api/token":
            return self.reply(404, "not found")
        ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
        if not ttl or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            return self.reply(400, "bad ttl")
        token = "imds-session-" + secrets.token_urlsafe(16)
        with owner.lock:
            owner.tokens.append(token)
            owner.ttls.append(int(ttl))
        self.reply(200, token, [("X-aws-ec2-metadata-token-ttl-seconds", ttl)])

    def do_GET(self):
        owner = self.server.owner
        token = self.headers.get("X-aws-ec2-metadata-token")
        with owner.lock:
            valid = token in owner.tokens and token not in owner.revoked
            if not token:
                owner.v1_requests += 1
        if not valid:
            return self.reply(401, "")
        if self.path == self.CREDS:
            return self.reply(200, self.ROLE)
        if self.path == self.CREDS + self.ROLE:
            creds = owner.issuer.issue()
            doc = {"Code": "Success", "LastUpdated": iso8601(0), "Type": "AWS-HMAC",
                   "AccessKeyId": creds["AccessKeyId"], "SecretAccessKey": creds["SecretAccessKey"],
                   "Token": creds["Token"], "Expiration": creds["Expiration"]}
            return self.reply(200, json.dumps(doc), [("Content-Type", "text/plain")])
        self.reply(404, "not found")


class FakeIMDS(LoopbackServer):
    """IMDSv2: a session token from PUT /latest/api/token is required on
    every GET (401 otherwise, and unauthenticated GETs are counted as
    v1_requests). revoke_tokens() makes the tokens handed out so far
    invalid, as a restarted metadata service would."""

    def __init__(self, issuer):
        super().__init__(_IMDSHandler)
        self.issuer = issuer
        self.lock = threading.Lock()
        self.tokens = []
        self.ttls = []
        self.revoked = set()
        self.v1_requests = 0

    def revoke_tokens(self):
        with self.lock:
            self.revoked.update(self.tokens)

    def secrets(self):
        with self.lock:
            return self.issuer.secrets() + list(self.tokens)


class _ContainerHandler(Handler):
    def do_GET(self):
        owner = self.server.owner
        with owner.lock:
            owner.authorizations.append(self.headers.get("Authorization"))
        if owner.delay:
            owner.stopping.wait(owner.delay)
        if owner.hold_after is not None and len(owner.authorizations) > owner.hold_after:
            # Held until the test releases it (or the server stops): a
            # refresh that is provably still outstanding, whatever the
            # machine's speed.
            with owner.lock:
                owner.held += 1
            while not owner.released.wait(0.05) and not owner.stopping.is_set():
                pass
        if self.path != owner.path:
            return self.reply(404, "not found")
        if owner.auth_token is not None and self.headers.get("Authorization") != owner.auth_token:
            return self.reply(401, json.dumps({"message": "bad token"}))
        creds = owner.issuer.issue()
        doc = {"AccessKeyId": creds["AccessKeyId"], "SecretAccessKey": creds["SecretAccessKey"],
               "Token": creds["Token"], "Expiration": creds["Expiration"], "RoleArn": "arn:aws:iam::1:role/x"}
        self.reply(200, json.dumps(doc), [("Content-Type", "application/json")])


class FakeContainer(LoopbackServer):
    """The ECS/EKS container credentials endpoint at `path`; with an
    auth_token, requests must carry it as their Authorization header. With
    a delay, each answer takes that many seconds (a slow agent). With
    hold_after=N, every request after the first N waits until release()
    (`held` counts them)."""

    def __init__(self, issuer, path="/v2/credentials/test", auth_token=None, delay=0.0,
                 hold_after=None):
        super().__init__(_ContainerHandler)
        self.delay = delay
        self.hold_after = hold_after
        self.held = 0
        self.released = threading.Event()
        self.issuer = issuer
        self.path = path
        self.auth_token = auth_token
        self.lock = threading.Lock()
        self.authorizations = []

    def release(self):
        self.released.set()


class _STSHandler(Handler):
    NS = "https://sts.amazonaws.com/doc/2011-06-15/"

    def error(self, status, code, message):
        xml = ("<ErrorResponse xmlns=\"%s\"><Error><Type>Sender</Type><Code>%s</Code>"
               "<Message>%s</Message></Error><RequestId>r</RequestId></ErrorResponse>"
               % (self.NS, code, escape(message)))
        self.reply(status, xml, [("Content-Type", "text/xml")])

    def do_POST(self):
        owner = self.server.owner
        raw = self.body()
        form = urllib.parse.parse_qs(raw.decode(), keep_blank_values=True)
        field = {k: v[0] for k, v in form.items()}
        with owner.lock:
            owner.requests.append(field)
        if field.get("Version") != "2011-06-15":
            return self.error(400, "InvalidAction", "unsupported version")
        if field.get("Action") == "AssumeRole":
            return self.assume_role(owner, field, raw)
        if field.get("Action") != "AssumeRoleWithWebIdentity":
            return self.error(400, "InvalidAction", "unsupported action")
        if self.headers.get("Authorization"):
            return self.error(400, "InvalidRequest", "AssumeRoleWithWebIdentity is not signed")
        if field.get("WebIdentityToken") != owner.web_token:
            return self.error(400, "InvalidIdentityToken", "The web identity token is not valid")
        if field.get("RoleArn") != owner.role_arn or not field.get("RoleSessionName"):
            return self.error(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
        self.answer("AssumeRoleWithWebIdentity", owner.role_arn, field["RoleSessionName"], owner.issuer.issue())

    def assume_role(self, owner, field, raw):
        key_id, problem = owner.check_signature(self.headers, raw, self.path)
        field["key_id"] = key_id
        if problem:
            return self.error(403, "SignatureDoesNotMatch", problem)
        if field.get("RoleArn") not in owner.assumable or not field.get("RoleSessionName"):
            return self.error(403, "AccessDenied", "Not authorized to perform sts:AssumeRole")
        self.answer("AssumeRole", field["RoleArn"], field["RoleSessionName"], owner.issuer.issue())

    def answer(self, action, role_arn, session_name, creds):
        xml = ("<%sResponse xmlns=\"%s\"><%sResult>"
               "<AssumedRoleUser><Arn>%s/%s</Arn><AssumedRoleId>AROA:%s</AssumedRoleId></AssumedRoleUser>"
               "<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey>"
               "<SessionToken>%s</SessionToken><Expiration>%s</Expiration></Credentials>"
               "</%sResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></%sResponse>"
               % (action, self.NS, action, escape(role_arn), escape(session_name), escape(session_name),
                  creds["AccessKeyId"], escape(creds["SecretAccessKey"]), escape(creds["Token"]),
                  creds["Expiration"], action, action))
        self.reply(200, xml, [("Content-Type", "text/xml")])


class FakeSTS(LoopbackServer):
    """STS (query protocol, XML answers): AssumeRoleWithWebIdentity for one
    role and one web identity token; AssumeRole of the roles in
    `assumable`, signed (as botocore would sign it, checked) by one of
    `sources` (key id -> (secret, token or None)), by credentials this
    server issued, or by those of an issuer it was told to trust. Each request's form fields are in `requests`, with the
    signing key id of AssumeRole calls as "key_id"."""

    def __init__(self, issuer, role_arn, web_token, assumable=(), sources=None):
        super().__init__(_STSHandler)
        self.issuer = issuer
        self.role_arn = role_arn
        self.web_token = web_token
        self.assumable = set(assumable)
        self.sources = dict(sources or {})
        self.trusted = [issuer]
        self.lock = threading.Lock()
        self.requests = []

    def trust(self, issuer):
        """Accepts AssumeRole signed with what `issuer` hands out (another
        fake service's credentials, as a role's source)."""
        self.trusted.append(issuer)

    def check_signature(self, headers, body, path):
        """(key id, None) when the request carries botocore's signature for
        its signed headers and body; (key id, why not) otherwise."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        match = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/sts/aws4_request, "
                         r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$",
                         headers.get("Authorization", ""))
        if not match:
            return None, "no SigV4 Authorization for sts"
        key_id, _, region, signed, _ = match.groups()
        issued = {c["AccessKeyId"]: (c["SecretAccessKey"], c["Token"])
                  for issuer in self.trusted for c in issuer.issued}
        secret, token = self.sources.get(key_id) or issued.get(key_id) or (None, None)
        if secret is None:
            return key_id, "unknown access key id"
        if token != headers.get("X-Amz-Security-Token"):
            return key_id, "wrong or missing session token"
        names = signed.split(";")
        if "host" not in names or "x-amz-date" not in names or (token and "x-amz-security-token" not in names):
            return key_id, "host, x-amz-date and the token must be signed"
        request = AWSRequest(method="POST", url="http://%s%s" % (headers["Host"], path), data=body,
                             headers={name: headers[name] for name in names})
        request.context["timestamp"] = headers["X-Amz-Date"]
        auth = SigV4Auth(Credentials(key_id, secret, token), "sts", region)
        signature = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
        if not headers["Authorization"].endswith("Signature=" + signature):
            return key_id, "signature does not match"
        return key_id, None


class _SSOPortalHandler(Handler):
    def do_POST(self):
        """SSO OIDC CreateToken with a refresh token (the same fake serves it)."""
        owner = self.server.owner
        try:
            request = json.loads(self.body() or b"{}")
        except ValueError:
            request = {}
        with owner.lock:
            owner.token_requests.append(request)
        if self.path != "/token":
            return self.reply(404, "not found")
        expected = {"grantType": "refresh_token", "clientId": owner.client_id,
                    "clientSecret": owner.client_secret, "refreshToken": owner.refresh_token}
        if request != expected:
            return self.reply(400, json.dumps({"error": "invalid_grant"}), [("Content-Type", "application/json")])
        with owner.lock:
            owner.renewals += 1
            owner.access_token = "sso-renewed-token-%d-%s" % (owner.renewals, secrets.token_hex(8))
            owner.refresh_token = "sso-refresh-token-%d-%s" % (owner.renewals + 1, secrets.token_hex(8))
            answer = {"accessToken": owner.access_token, "tokenType": "Bearer", "expiresIn": 3600,
                      "refreshToken": owner.refresh_token}
        self.reply(200, json.dumps(answer), [("Content-Type", "application/json")])

    def do_GET(self):
        owner = self.server.owner
        url = urllib.parse.urlsplit(self.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        token = self.headers.get("x-amz-sso_bearer_token")
        with owner.lock:
            owner.requests.append(dict(query, token=token))
        if url.path != "/federation/credentials":
            return self.reply(404, "not found")
        if token != owner.access_token:
            return self.reply(401, json.dumps({"message": "Session token not found or invalid"}),
                              [("Content-Type", "application/json")])
        if (query.get("account_id"), query.get("role_name")) != (owner.account_id, owner.role_name):
            return self.reply(403, json.dumps({"message": "No access"}), [("Content-Type", "application/json")])
        creds = owner.issuer.issue()
        expiration = datetime.datetime.strptime(creds["Expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
        doc = {"roleCredentials": {"accessKeyId": creds["AccessKeyId"], "secretAccessKey": creds["SecretAccessKey"],
                                   "sessionToken": creds["Token"], "expiration": int(expiration * 1000)}}
        self.reply(200, json.dumps(doc), [("Content-Type", "application/json")])


class FakeSSOPortal(LoopbackServer):
    """GET /federation/credentials?role_name=&account_id= with the header
    x-amz-sso_bearer_token: credentials for one account and role, for the
    current access token only (401 for another, 403 for another account or
    role). Each request's query and token are in `requests`.

    Also SSO OIDC's POST /token (CreateToken) for one client and its
    current refresh token: a renewal replaces both tokens, so the old
    access token is refused from then on. Its bodies are in
    `token_requests`."""

    def __init__(self, issuer, access_token, account_id, role_name,
                 client_id="sso-client-id", client_secret=None, refresh_token=None):
        super().__init__(_SSOPortalHandler)
        self.issuer = issuer
        self.access_token = access_token
        self.account_id = account_id
        self.role_name = role_name
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_token = refresh_token
        self.renewals = 0
        self.lock = threading.Lock()
        self.requests = []
        self.token_requests = []
