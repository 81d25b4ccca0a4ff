"""Randomized cross-check of our SigV4 against botocore's signer: every
request the library actually sends (captured on the wire by a loopback
server) must carry the Authorization header botocore computes for the same
request, credentials, region and time."""
import random
import string

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from connectdynamo import Store


def botocore_authorization(url, headers, body, key, secret, token, region):
    lower = {k.lower(): v for k, v in headers.items()}
    signed = ["content-type", "host", "x-amz-date", "x-amz-target"]
    if token:
        signed.append("x-amz-security-token")
    request = AWSRequest(method="POST", url=url, data=body,
                         headers={name: lower[name] for name in signed})
    request.context["timestamp"] = lower["x-amz-date"]
    auth = SigV4Auth(Credentials(key, secret, token), "dynamodb", region)
    canonical = auth.canonical_request(request)
    signature = auth.signature(auth.string_to_sign(request, canonical), request)
    scope = "%s/%s/dynamodb/aws4_request" % (lower["x-amz-date"][:8], region)
    return "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        key, scope, ";".join(sorted(signed)), signature)


def random_text(rng, alphabet, low, high):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))


def test_every_request_matches_botocores_signature(capture):
    rng = random.Random(20261129)
    secret_chars = string.ascii_letters + string.digits + "/+="
    sid_chars = string.ascii_letters + string.digits + "-_.~:é☃😀 "
    regions = ["us-east-1", "eu-west-3", "ap-southeast-2", "cn-north-1", "us-gov-west-1"]
    checked = 0
    for round_ in range(12):
        key = "AKID" + random_text(rng, string.ascii_uppercase + string.digits, 12, 16)
        secret = random_text(rng, secret_chars, 30, 40)
        token = random_text(rng, secret_chars, 40, 200) if round_ % 2 else None
        region = rng.choice(regions)
        capture.requests.clear()
        with Store("t-" + random_text(rng, string.ascii_lowercase, 3, 20), endpoint_url=capture.url,
                   region=region, aws_access_key_id=key, aws_secret_access_key=secret,
                   aws_session_token=token, create_table=False,
                   prefix=random_text(rng, sid_chars, 0, 6)) as store:
            for _ in range(4):
                sid = random_text(rng, sid_chars, 1, 40).strip() or "s"
                session = {"cookie": {}, random_text(rng, sid_chars, 1, 8): random_text(rng, sid_chars, 0, 300)}
                store.set(sid, session)
                store.get(sid)
                store.touch(sid)
                store.destroy(sid)
        assert len(capture.requests) == 16
        for path, headers, body in capture.requests:
            expected = botocore_authorization(capture.url + path, headers, body, key, secret, token, region)
            assert headers["Authorization"] == expected
            if token:
                assert headers["X-Amz-Security-Token"] == token
            checked += 1
    assert checked == 12 * 16
