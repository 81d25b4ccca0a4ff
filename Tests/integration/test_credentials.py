"""Every credential source of the default chain is found and used: the
proxy in front of moto records which access key id signed each request.
Temporary credentials from the fake metadata, container and STS services
rotate during a run; nothing any store says contains a secret."""
import calendar
import json
import sys
import threading
import time

import pytest

from conftest import ffi
from fakecreds import FakeContainer, FakeIMDS, FakeSSOPortal, FakeSTS, Issuer, iso8601

ENV_KEY, ENV_SECRET, ENV_TOKEN = "AKIDENVIRONMENT00001", "env-secret-c2VjcmV0ZW52", "env-token-dG9rZW5lbnY"
FILE_KEY, FILE_SECRET = "AKIDSHAREDFILE000001", "file-secret-ZmlsZXNlY3JldA"
ROLE = "arn:aws:iam::123456789012:role/connect-dynamo-test"
WEB_TOKEN = "eyJhbGciOiJSUzI1NiJ9.web-identity-token-d2Vi.c2ln"


def use(open_store, proxy, **options):
    """A store behind the proxy, its table ready."""
    s = open_store(endpoint=proxy.url, **options)
    code = s.ensure_table()
    assert code == ffi.CDYN_OK, (ffi.error_name(code), s.messages)
    return s


def signed_by(proxy):
    return set(proxy.key_ids())


def assert_no_secret(store, secrets):
    text = store.text()
    for secret in secrets:
        assert secret and secret not in text, "a secret leaked into: " + text


# --- static sources -------------------------------------------------------

def test_explicit_options_win_over_the_environment(open_store, proxy, aws_env):
    aws_env.setenv("AWS_ACCESS_KEY_ID", ENV_KEY)
    aws_env.setenv("AWS_SECRET_ACCESS_KEY", ENV_SECRET)
    s = use(open_store, proxy, access_key_id="AKIDEXPLICIT00000001", secret_access_key="explicit-secret-eHBs")
    assert signed_by(proxy) == {"AKIDEXPLICIT00000001"}
    assert_no_secret(s, ["explicit-secret-eHBs"])


def test_the_environment(open_store, proxy, aws_env, tmp_path):
    aws_env.setenv("AWS_ACCESS_KEY_ID", ENV_KEY)
    aws_env.setenv("AWS_SECRET_ACCESS_KEY", ENV_SECRET)
    aws_env.setenv("AWS_SESSION_TOKEN", ENV_TOKEN)
    (tmp_path / "aws-credentials").write_text(
        "[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (FILE_KEY, FILE_SECRET))
    s = use(open_store, proxy)
    assert s.set("env") == ffi.CDYN_OK
    assert signed_by(proxy) == {ENV_KEY}
    assert {r["token"] for r in proxy.records} == {ENV_TOKEN}
    assert_no_secret(s, [ENV_SECRET, ENV_TOKEN])


def test_a_named_profile_of_the_shared_files(open_store, proxy, aws_env, tmp_path):
    (tmp_path / "aws-credentials").write_text(
        "[default]\naws_access_key_id = AKIDDEFAULTPROFILE01\naws_secret_access_key = other-secret-b3RoZXI\n"
        "[work]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (FILE_KEY, FILE_SECRET))
    aws_env.setenv("AWS_PROFILE", "work")
    s = use(open_store, proxy)
    assert signed_by(proxy) == {FILE_KEY}
    assert_no_secret(s, [FILE_SECRET])


# --- credential_process ---------------------------------------------------

def write_process(tmp_path, body, exit_code=0):
    """A credential_process script printing `body`, counting its runs."""
    script = tmp_path / "creds.py"
    counter = tmp_path / "runs"
    script.write_text(
        "import sys\n"
        "with open(%r, 'a') as f: f.write('x')\n"
        "sys.stdout.write(%r)\n"
        "sys.exit(%d)\n" % (str(counter), body, exit_code))
    return "%s %s" % (sys.executable, script), counter


def test_credential_process_of_a_profile(open_store, proxy, tmp_path):
    secret, token = "process-secret-cHJvY2Vzcw", "process-token-dG9rZW5wcm9j"
    expiry = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    command, runs = write_process(tmp_path, json.dumps({
        "Version": 1, "AccessKeyId": "ASIAPROCESS000000001", "SecretAccessKey": secret,
        "SessionToken": token, "Expiration": expiry}))
    (tmp_path / "aws-config").write_text("[profile proc]\ncredential_process = %s\n" % command)
    s = use(open_store, proxy, profile="proc")
    assert s.set("process") == ffi.CDYN_OK
    assert signed_by(proxy) == {"ASIAPROCESS000000001"}
    assert {r["token"] for r in proxy.records} == {token}
    assert runs.read_text() == "x"  # cached: an hour is far from expiry
    assert_no_secret(s, [secret, token])


@pytest.mark.parametrize("body, exit_code, words", [
    ('{"Version": 1, "AccessKeyId": "AKIDX", "SecretAccessKey": "leaky-secret-bGVha3k"}', 3, "status 3"),
    ('{"Version": 2, "AccessKeyId": "AKIDX", "SecretAccessKey": "leaky-secret-bGVha3k"}', 0, "Version"),
    ('not json leaky-secret-bGVha3k', 0, "JSON"),
    ('{"Version": 1, "AccessKeyId": "AKIDX", "SecretAccessKey": "leaky-secret-bGVha3k", '
     '"Expiration": "yesterday"}', 0, "Expiration"),
])
def test_a_failing_credential_process_is_a_credentials_error_without_its_output(
        open_store, proxy, tmp_path, body, exit_code, words):
    command, _ = write_process(tmp_path, body, exit_code)
    (tmp_path / "aws-config").write_text("[default]\ncredential_process = %s\n" % command)
    s = open_store(endpoint=proxy.url)
    assert s.ensure_table() == ffi.CDYN_ECREDENTIALS
    assert words in s.messages[-1]
    assert proxy.records == []
    assert_no_secret(s, ["leaky-secret-bGVha3k"])


# --- web identity ---------------------------------------------------------

@pytest.fixture
def sts():
    with FakeSTS(Issuer("STS", lifetime=3600), ROLE, WEB_TOKEN) as server:
        yield server


def test_web_identity_from_the_environment(open_store, proxy, aws_env, tmp_path, sts):
    token_file = tmp_path / "web-token"
    token_file.write_text(WEB_TOKEN + "\n")
    aws_env.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token_file))
    aws_env.setenv("AWS_ROLE_ARN", ROLE)
    aws_env.setenv("AWS_ROLE_SESSION_NAME", "my-pod")
    aws_env.setenv("AWS_ENDPOINT_URL_STS", sts.url)
    (tmp_path / "aws-credentials").write_text(
        "[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (FILE_KEY, FILE_SECRET))
    s = use(open_store, proxy)
    assert s.set("web") == ffi.CDYN_OK
    assert signed_by(proxy) == set(sts.issuer.key_ids()) == {"ASIASTS0001"}
    assert sts.requests[0]["RoleSessionName"] == "my-pod"
    assert_no_secret(s, sts.issuer.secrets() + [WEB_TOKEN])


def test_web_identity_from_a_profile(open_store, proxy, aws_env, tmp_path, sts):
    token_file = tmp_path / "web-token"
    token_file.write_text(WEB_TOKEN)
    (tmp_path / "aws-config").write_text(
        "[profile eks]\nrole_arn = %s\nweb_identity_token_file = %s\n" % (ROLE, token_file))
    aws_env.setenv("AWS_ENDPOINT_URL_STS", sts.url)
    s = use(open_store, proxy, profile="eks")
    assert signed_by(proxy) == {"ASIASTS0001"}
    assert sts.requests[0]["RoleSessionName"].startswith("connect-dynamo-")
    assert_no_secret(s, sts.issuer.secrets() + [WEB_TOKEN])


def test_a_rejected_web_identity_token_is_a_credentials_error_without_the_token(
        open_store, proxy, aws_env, tmp_path, sts):
    token_file = tmp_path / "web-token"
    token_file.write_text("wrong-token-d3Jvbmd0b2tlbg")
    aws_env.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token_file))
    aws_env.setenv("AWS_ROLE_ARN", ROLE)
    aws_env.setenv("AWS_ENDPOINT_URL_STS", sts.url)
    s = open_store(endpoint=proxy.url)
    assert s.ensure_table() == ffi.CDYN_ECREDENTIALS
    assert "InvalidIdentityToken" in s.messages[-1]
    assert_no_secret(s, ["wrong-token-d3Jvbmd0b2tlbg"])


# --- roles assumed from a source (AssumeRole) -----------------------------

ROLE2 = "arn:aws:iam::123456789012:role/connect-dynamo-chained"


@pytest.fixture
def role_sts(aws_env):
    """STS assuming ROLE and ROLE2 for the shared file's keys, the
    environment's keys and what it issued itself; the store finds it
    through AWS_ENDPOINT_URL_STS."""
    with FakeSTS(Issuer("ROLE", lifetime=3600), ROLE, WEB_TOKEN, assumable={ROLE, ROLE2},
                 sources={FILE_KEY: (FILE_SECRET, None), ENV_KEY: (ENV_SECRET, ENV_TOKEN)}) as server:
        aws_env.setenv("AWS_ENDPOINT_URL_STS", server.url)
        yield server


def assumed(sts):
    """(key id that signed, role asked for) of each AssumeRole call."""
    return [(r.get("key_id"), r.get("RoleArn")) for r in sts.requests if r.get("Action") == "AssumeRole"]


def test_a_role_assumed_with_a_source_profiles_keys(open_store, proxy, tmp_path, role_sts):
    (tmp_path / "aws-config").write_text(
        "[profile app]\nrole_arn = %s\nsource_profile = base\nexternal_id = ext-42\n"
        "role_session_name = web-1\nduration_seconds = 1800\n" % ROLE)
    (tmp_path / "aws-credentials").write_text(
        "[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (FILE_KEY, FILE_SECRET))
    s = use(open_store, proxy, profile="app")
    assert s.set("role") == ffi.CDYN_OK
    assert signed_by(proxy) == {"ASIAROLE0001"}
    assert assumed(role_sts) == [(FILE_KEY, ROLE)]  # and botocore agreed with its signature
    request = role_sts.requests[0]
    assert (request["ExternalId"], request["RoleSessionName"], request["DurationSeconds"]) == ("ext-42", "web-1", "1800")
    assert_no_secret(s, role_sts.issuer.secrets() + [FILE_SECRET])


def test_a_chain_of_roles_signs_each_step_with_the_one_before(open_store, proxy, aws_env, tmp_path, role_sts):
    (tmp_path / "aws-config").write_text(
        "[profile app]\nrole_arn = %s\nsource_profile = middle\n"
        "[profile middle]\nrole_arn = %s\nsource_profile = base\n" % (ROLE2, ROLE))
    (tmp_path / "aws-credentials").write_text(
        "[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (FILE_KEY, FILE_SECRET))
    aws_env.setenv("AWS_PROFILE", "app")
    s = use(open_store, proxy)
    assert assumed(role_sts) == [(FILE_KEY, ROLE), ("ASIAROLE0001", ROLE2)]
    assert signed_by(proxy) == {"ASIAROLE0002"}
    assert_no_secret(s, role_sts.issuer.secrets() + [FILE_SECRET])


def test_a_role_from_the_environments_keys_when_the_profile_is_named(open_store, proxy, aws_env, tmp_path,
                                                                     role_sts):
    aws_env.setenv("AWS_ACCESS_KEY_ID", ENV_KEY)
    aws_env.setenv("AWS_SECRET_ACCESS_KEY", ENV_SECRET)
    aws_env.setenv("AWS_SESSION_TOKEN", ENV_TOKEN)
    (tmp_path / "aws-config").write_text(
        "[profile app]\nrole_arn = %s\ncredential_source = Environment\n" % ROLE)
    s = use(open_store, proxy, profile="app")
    assert assumed(role_sts) == [(ENV_KEY, ROLE)]
    assert signed_by(proxy) == {"ASIAROLE0001"}
    assert_no_secret(s, role_sts.issuer.secrets() + [ENV_SECRET, ENV_TOKEN])


def test_a_role_from_instance_metadata(open_store, proxy, aws_env, tmp_path, role_sts, imds):
    (tmp_path / "aws-config").write_text(
        "[profile app]\nrole_arn = %s\ncredential_source = Ec2InstanceMetadata\n" % ROLE)
    role_sts.trust(imds.issuer)
    s = use(open_store, proxy, profile="app")
    assert assumed(role_sts) == [("ASIAIMDS0001", ROLE)]
    assert signed_by(proxy) == {"ASIAROLE0001"}
    assert_no_secret(s, role_sts.issuer.secrets() + imds.secrets())


def test_a_source_with_the_wrong_secret_is_refused_by_sts(open_store, proxy, tmp_path, role_sts):
    (tmp_path / "aws-config").write_text("[profile app]\nrole_arn = %s\nsource_profile = base\n" % ROLE)
    (tmp_path / "aws-credentials").write_text(
        "[base]\naws_access_key_id = %s\naws_secret_access_key = wrong-secret-d3Jvbmc\n" % FILE_KEY)
    s = open_store(endpoint=proxy.url, profile="app")
    assert s.ensure_table() == ffi.CDYN_ECREDENTIALS
    assert "AssumeRole" in s.messages[-1] and "SignatureDoesNotMatch" in s.messages[-1]
    assert proxy.records == []
    assert_no_secret(s, ["wrong-secret-d3Jvbmc"])


@pytest.mark.parametrize("config, words", [
    ("[profile app]\nrole_arn = %s\nsource_profile = other\n"
     "[profile other]\nrole_arn = %s\nsource_profile = app\n" % (ROLE, ROLE), "cycle"),
    ("[profile app]\nrole_arn = %s\nsource_profile = nowhere\n" % ROLE, "not in the shared AWS files"),
    ("[profile app]\nrole_arn = %s\n" % ROLE, "no source_profile"),
    ("[profile app]\nrole_arn = %s\nsource_profile = app\ncredential_source = Environment\n" % ROLE, "both"),
    ("[profile app]\nrole_arn = %s\ncredential_source = Laptop\n" % ROLE, "Laptop"),
    ("[profile app]\nrole_arn = %s\nsource_profile = app\nmfa_serial = arn:aws:iam::1:mfa/me\n" % ROLE, "MFA"),
    ("[profile app]\nrole_arn = %s\nsource_profile = app\nduration_seconds = 60\n" % ROLE, "duration_seconds"),
])
def test_a_role_that_cannot_be_assumed_fails_loudly(open_store, proxy, tmp_path, role_sts, config, words):
    (tmp_path / "aws-config").write_text(config)
    s = open_store(endpoint=proxy.url, profile="app")
    assert s.ensure_table() == ffi.CDYN_ECREDENTIALS
    assert words in s.messages[-1]
    assert proxy.records == [] and assumed(role_sts) == []


def test_a_profile_that_is_its_own_source_signs_with_its_keys(open_store, proxy, tmp_path, role_sts):
    (tmp_path / "aws-config").write_text(
        "[profile app]\nrole_arn = %s\nsource_profile = app\n"
        "aws_access_key_id = %s\naws_secret_access_key = %s\n" % (ROLE, FILE_KEY, FILE_SECRET))
    use(open_store, proxy, profile="app")
    assert assumed(role_sts) == [(FILE_KEY, ROLE)]
    assert signed_by(proxy) == {"ASIAROLE0001"}


# --- IAM Identity Center (SSO) --------------------------------------------

SSO_TOKEN = "sso-access-token-c3NvdG9rZW4"


@pytest.fixture
def portal(aws_env):
    with FakeSSOPortal(Issuer("SSO", lifetime=3600), SSO_TOKEN, "123456789012", "Developer") as server:
        aws_env.setenv("AWS_ENDPOINT_URL_SSO", server.url)
        yield server


def cache_path(tmp_path, key):
    import hashlib
    return tmp_path / ".aws" / "sso" / "cache" / (hashlib.sha1(key.encode()).hexdigest() + ".json")


def cache_token(tmp_path, key, token=SSO_TOKEN, expires_in=3600, stamp=None, **renewal):
    """What `aws sso login` leaves: ~/.aws/sso/cache/<sha1(key)>.json (with
    clientId, clientSecret, refreshToken... when given, as sso-session
    sign-ins leave them)."""
    path = cache_path(tmp_path, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    expires = stamp or iso8601(time.time() + expires_in)
    path.write_text(json.dumps(dict({"startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1",
                                     "accessToken": token, "expiresAt": expires}, **renewal)))


SSO_SESSION_CONFIG = ("[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\n"
                      "sso_role_name = Developer\n[sso-session corp]\n"
                      "sso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n")


def test_an_sso_session_profile(open_store, proxy, tmp_path, portal):
    (tmp_path / "aws-config").write_text(SSO_SESSION_CONFIG)
    cache_token(tmp_path, "corp")
    s = use(open_store, proxy, profile="dev")
    assert s.set("sso") == ffi.CDYN_OK
    assert signed_by(proxy) == {"ASIASSO0001"}
    assert portal.requests == [{"account_id": "123456789012", "role_name": "Developer", "token": SSO_TOKEN}]
    assert_no_secret(s, portal.issuer.secrets() + [SSO_TOKEN])


def test_a_legacy_sso_profile_with_an_older_clis_expiry_format(open_store, proxy, aws_env, tmp_path, portal):
    (tmp_path / "aws-config").write_text(
        "[profile dev]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
        "sso_account_id = 123456789012\nsso_role_name = Developer\n")
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SUTC", time.gmtime(time.time() + 3600))
    cache_token(tmp_path, "https://corp.awsapps.com/start", stamp=stamp)
    aws_env.setenv("AWS_PROFILE", "dev")
    s = use(open_store, proxy)
    assert signed_by(proxy) == {"ASIASSO0001"}
    assert_no_secret(s, portal.issuer.secrets() + [SSO_TOKEN])


@pytest.mark.parametrize("token, expires_in, words", [
    (SSO_TOKEN, -60, "has expired"),
    ("sso-revoked-token-cmV2b2tlZA", 3600, "refused the sign-in"),
    (None, 0, "has not signed in"),
])
def test_an_sso_sign_in_that_does_not_work_says_to_log_in_again(open_store, proxy, tmp_path, portal,
                                                                token, expires_in, words):
    (tmp_path / "aws-config").write_text(SSO_SESSION_CONFIG)
    if token:
        cache_token(tmp_path, "corp", token=token, expires_in=expires_in)
    s = open_store(endpoint=proxy.url, profile="dev")
    assert s.ensure_table() == ffi.CDYN_ECREDENTIALS
    assert words in s.messages[-1] and "aws sso login --sso-session corp" in s.messages[-1]
    assert proxy.records == []
    assert_no_secret(s, [SSO_TOKEN, "sso-revoked-token-cmV2b2tlZA"])


CLIENT_SECRET, REFRESH = "sso-client-secret-Y2xpZW50", "sso-refresh-token-1-cmVmcmVzaA"


def renewal_fields(secret=CLIENT_SECRET):
    return {"clientId": "sso-client-id", "clientSecret": secret, "refreshToken": REFRESH,
            "registrationExpiresAt": iso8601(time.time() + 86400)}


@pytest.fixture
def renewing_portal(portal, aws_env):
    portal.client_secret, portal.refresh_token = CLIENT_SECRET, REFRESH
    aws_env.setenv("AWS_ENDPOINT_URL_SSO_OIDC", portal.url)
    return portal


def test_an_sso_token_near_its_expiry_is_renewed_and_written_back(open_store, proxy, tmp_path,
                                                                  renewing_portal):
    (tmp_path / "aws-config").write_text(SSO_SESSION_CONFIG)
    cache_token(tmp_path, "corp", expires_in=300, **renewal_fields())
    s = use(open_store, proxy, profile="dev")
    assert renewing_portal.renewals == 1
    assert signed_by(proxy) == {"ASIASSO0001"}  # the old token is refused since the renewal
    cached = json.loads(cache_path(tmp_path, "corp").read_text())
    assert cached["accessToken"] == renewing_portal.access_token
    assert cached["refreshToken"] == renewing_portal.refresh_token
    assert cached["startUrl"] == "https://corp.awsapps.com/start"  # the rest is kept
    assert calendar.timegm(time.strptime(cached["expiresAt"], "%Y-%m-%dT%H:%M:%SZ")) > time.time() + 3000
    assert_no_secret(s, [SSO_TOKEN, CLIENT_SECRET, REFRESH, renewing_portal.access_token,
                         renewing_portal.refresh_token] + renewing_portal.issuer.secrets())


def test_a_token_that_cannot_be_renewed_is_used_while_it_lasts(open_store, proxy, tmp_path, renewing_portal):
    (tmp_path / "aws-config").write_text(SSO_SESSION_CONFIG)
    cache_token(tmp_path, "corp", expires_in=300, **renewal_fields(secret="wrong-client-secret-d3Jvbmc"))
    use(open_store, proxy, profile="dev")
    assert renewing_portal.renewals == 0 and len(renewing_portal.token_requests) == 1
    assert signed_by(proxy) == {"ASIASSO0001"}
    assert json.loads(cache_path(tmp_path, "corp").read_text())["accessToken"] == SSO_TOKEN


def test_an_expired_token_that_cannot_be_renewed_says_to_log_in(open_store, proxy, tmp_path, renewing_portal):
    (tmp_path / "aws-config").write_text(SSO_SESSION_CONFIG)
    cache_token(tmp_path, "corp", expires_in=-60, **renewal_fields(secret="wrong-client-secret-d3Jvbmc"))
    s = open_store(endpoint=proxy.url, profile="dev")
    assert s.ensure_table() == ffi.CDYN_ECREDENTIALS
    assert "could not be renewed" in s.messages[-1] and "aws sso login --sso-session corp" in s.messages[-1]
    assert proxy.records == [] and renewing_portal.requests == []
    assert_no_secret(s, [SSO_TOKEN, "wrong-client-secret-d3Jvbmc", REFRESH])


def test_a_role_chained_from_an_sso_profile(open_store, proxy, aws_env, tmp_path, portal, role_sts):
    (tmp_path / "aws-config").write_text(
        SSO_SESSION_CONFIG + "[profile app]\nrole_arn = %s\nsource_profile = dev\n" % ROLE)
    cache_token(tmp_path, "corp")
    role_sts.trust(portal.issuer)
    use(open_store, proxy, profile="app")
    assert assumed(role_sts) == [("ASIASSO0001", ROLE)]
    assert signed_by(proxy) == {"ASIAROLE0001"}


# --- container ------------------------------------------------------------

def test_container_credentials_with_a_token(open_store, proxy, aws_env):
    auth = "container-auth-token-Y29udGFpbmVy"
    with FakeContainer(Issuer("CTR"), auth_token=auth) as container:
        aws_env.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", container.url + container.path)
        aws_env.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", auth)
        s = use(open_store, proxy)
        assert signed_by(proxy) == {"ASIACTR0001"}
        assert container.authorizations == [auth]
        assert_no_secret(s, container.issuer.secrets() + [auth])


def test_container_credentials_with_a_token_file_that_wins(open_store, proxy, aws_env, tmp_path):
    auth = "container-file-token-ZmlsZXRva2Vu"
    token_file = tmp_path / "eks-token"
    token_file.write_text(auth + "\n")
    with FakeContainer(Issuer("EKS"), auth_token=auth) as container:
        aws_env.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", container.url + container.path)
        aws_env.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored-when-a-file-is-set")
        aws_env.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", str(token_file))
        s = use(open_store, proxy)
        assert signed_by(proxy) == {"ASIAEKS0001"}
        assert_no_secret(s, container.issuer.secrets() + [auth])


def test_a_wrong_container_token_is_a_credentials_error_without_the_token(open_store, proxy, aws_env):
    with FakeContainer(Issuer("CTR"), auth_token="the-right-one") as container:
        aws_env.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", container.url + container.path)
        aws_env.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong-container-token-d3Jvbmc")
        s = open_store(endpoint=proxy.url)
        assert s.ensure_table() == ffi.CDYN_ECREDENTIALS
        assert "HTTP 401" in s.messages[-1]
        assert_no_secret(s, ["wrong-container-token-d3Jvbmc"])


@pytest.mark.parametrize("uri", ["http://10.0.0.7/creds", "http://169.254.169.254/creds",
                                 "http://example.com/creds", "ftp://127.0.0.1/creds"])
def test_a_container_uri_over_plain_http_must_stay_on_this_host(open_store, proxy, aws_env, uri):
    aws_env.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri)
    s = open_store(endpoint=proxy.url)
    assert s.ensure_table() == ffi.CDYN_ECREDENTIALS
    assert "AWS_CONTAINER_CREDENTIALS_FULL_URI" in s.messages[-1]


# --- EC2 instance metadata ------------------------------------------------

@pytest.fixture
def imds(aws_env):
    with FakeIMDS(Issuer("IMDS")) as server:
        aws_env.delenv("AWS_EC2_METADATA_DISABLED")
        aws_env.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url)
        yield server


def test_ec2_instance_metadata_v2(open_store, proxy, imds):
    s = use(open_store, proxy)
    assert s.set("imds") == ffi.CDYN_OK
    assert signed_by(proxy) == {"ASIAIMDS0001"}
    assert imds.ttls == [21600] and imds.v1_requests == 0
    assert_no_secret(s, imds.secrets())


def test_metadata_disabled_and_nothing_else_is_a_credentials_error(open_store, proxy):
    s = open_store(endpoint=proxy.url)
    assert s.ensure_table() == ffi.CDYN_ECREDENTIALS
    assert "no AWS credentials found" in s.messages[-1]
    assert "EC2 instance metadata" in s.messages[-1]
    assert proxy.records == []


def test_no_metadata_service_fails_fast(open_store, proxy, aws_env):
    import socket
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    url = "http://127.0.0.1:%d" % dead.getsockname()[1]
    dead.close()
    aws_env.delenv("AWS_EC2_METADATA_DISABLED")
    aws_env.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url)
    s = open_store(endpoint=proxy.url)
    # What failed is the point, not how long it took: the refused metadata
    # service reads as "not on EC2", the end of the chain.
    assert s.ensure_table() == ffi.CDYN_ECREDENTIALS
    assert "not on EC2" in s.messages[-1]


# --- the order of the chain -----------------------------------------------

def test_the_chain_order(open_store, proxy, aws_env, tmp_path, sts, imds):
    """environment > web identity > profile > container > IMDS: each source
    is used once the ones before it are taken away."""
    token_file = tmp_path / "web-token"
    token_file.write_text(WEB_TOKEN)
    (tmp_path / "aws-credentials").write_text(
        "[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (FILE_KEY, FILE_SECRET))
    with FakeContainer(Issuer("CTR")) as container:
        aws_env.setenv("AWS_ACCESS_KEY_ID", ENV_KEY)
        aws_env.setenv("AWS_SECRET_ACCESS_KEY", ENV_SECRET)
        aws_env.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token_file))
        aws_env.setenv("AWS_ROLE_ARN", ROLE)
        aws_env.setenv("AWS_ENDPOINT_URL_STS", sts.url)
        aws_env.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", container.url + container.path)
        expected = [ENV_KEY, "ASIASTS0001", FILE_KEY, "ASIACTR0001", "ASIAIMDS0001"]
        removals = [
            lambda: (aws_env.delenv("AWS_ACCESS_KEY_ID"), aws_env.delenv("AWS_SECRET_ACCESS_KEY")),
            lambda: aws_env.delenv("AWS_WEB_IDENTITY_TOKEN_FILE"),
            lambda: (tmp_path / "aws-credentials").unlink(),
            lambda: aws_env.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
        ]
        for i, key in enumerate(expected):
            proxy.reset_records()
            s = use(open_store, proxy)
            assert signed_by(proxy) == {key}, i
            s.close()
            if i < len(removals):
                removals[i]()


# --- rotation -------------------------------------------------------------

def test_credentials_in_the_mandatory_window_are_renewed_before_each_use(open_store, proxy, imds):
    imds.issuer.lifetime = 300  # 5 minutes: always inside the 10-minute window
    s = use(open_store, proxy)
    for i in range(5):
        assert s.set("rotate-%d" % i) == ffi.CDYN_OK
    used = proxy.key_ids()
    assert imds.issuer.fetches == len(used) == 6
    assert used == imds.issuer.key_ids()  # each request waited for fresh ones
    assert_no_secret(s, imds.secrets())


def test_credentials_in_the_advisory_window_rotate_in_the_background(open_store, proxy, aws_env):
    # 12 minutes left: each request signs with what it has and starts one
    # background refresh. The agent answers the first fetch and holds every
    # later one until released, so the sets below run while a refresh is
    # outstanding; no clock is read. (That nobody waits for it is proved
    # without timing by CredentialCacheTests.inTheAdvisoryWindow...; here
    # the same behaviour is seen through the library, a real agent and
    # DynamoDB.)
    with FakeContainer(Issuer("ADV", lifetime=720), hold_after=1) as container:
        aws_env.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", container.url + container.path)
        s = use(open_store, proxy)  # waits once: there is nothing yet
        for i in range(10):
            assert s.set("advisory-%d" % i) == ffi.CDYN_OK
        assert container.issuer.fetches == 1  # the refresh is still held...
        assert set(proxy.key_ids()) == {"ASIAADV0001"}  # ...and the old keys signed
        for _ in range(300):  # bounded wait for the background fetch to arrive
            if container.held:
                break
            time.sleep(0.1)
        assert container.held >= 1  # a refresh was started, and is held
        container.release()
        # Once the agent answers, the new keys sign. (Bounded polling, not
        # a time limit: a held fetch that the client gave up on is retried
        # after CredentialCache.retryAfterFailure.)
        for i in range(300):
            assert s.set("rotated-%d" % i) == ffi.CDYN_OK
            if len(set(proxy.key_ids())) >= 2:
                break
            time.sleep(0.1)
        used = proxy.key_ids()
        assert len(set(used)) >= 2  # rotated
        assert set(used) <= set(container.issuer.key_ids())
        assert container.issuer.fetches < len(used)  # one refresh at a time
        assert_no_secret(s, container.issuer.secrets())


def test_one_refresh_serves_every_waiting_request(open_store, proxy, aws_env):
    with FakeContainer(Issuer("ONE", lifetime=3600), delay=1.0) as container:
        aws_env.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", container.url + container.path)
        s = open_store(endpoint=proxy.url, create_table=0)
        codes = []
        threads = [threading.Thread(target=lambda i=i: codes.append(s.set("many-%d" % i)))
                   for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert codes == [ffi.CDYN_OK] * 16
        assert container.issuer.fetches == 1
        assert signed_by(proxy) == {"ASIAONE0001"}


def test_a_restarted_metadata_service_gets_a_new_session_token(open_store, proxy, imds):
    imds.issuer.lifetime = 300
    s = use(open_store, proxy)
    imds.revoke_tokens()
    assert s.set("after-restart") == ffi.CDYN_OK
    assert len(imds.tokens) == 2
    assert proxy.key_ids()[-1] == imds.issuer.key_ids()[-1]


def test_a_failed_refresh_keeps_credentials_that_still_work(open_store, proxy, aws_env):
    with FakeContainer(Issuer("KEEP", lifetime=300)) as container:
        aws_env.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", container.url + container.path)
        s = use(open_store, proxy)
    # The agent is gone; the 5-minute credentials still sign.
    assert s.set("agent-gone") == ffi.CDYN_OK
    assert proxy.key_ids()[-1] == "ASIAKEEP0001"
    assert any("still work" in line for _, line in s.lines)


def test_an_expired_token_answer_swaps_in_new_credentials(open_store, proxy, imds):
    s = use(open_store, proxy)
    proxy.script("expired", op="PutItem")
    assert s.set("expired-rotate") == ffi.CDYN_OK
    assert proxy.key_ids("PutItem") == ["ASIAIMDS0001", "ASIAIMDS0002"]
    assert_no_secret(s, imds.secrets())


def test_a_rotated_web_identity_token_file_is_read_again(open_store, proxy, aws_env, tmp_path, sts):
    sts.issuer.lifetime = 300  # every request re-assumes the role
    token_file = tmp_path / "web-token"
    token_file.write_text(WEB_TOKEN)
    aws_env.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token_file))
    aws_env.setenv("AWS_ROLE_ARN", ROLE)
    aws_env.setenv("AWS_ENDPOINT_URL_STS", sts.url)
    s = use(open_store, proxy)
    rotated = WEB_TOKEN + ".rotated"
    token_file.write_text(rotated)
    sts.web_token = rotated
    assert s.set("web-rotated") == ffi.CDYN_OK
    assert [r["WebIdentityToken"] for r in sts.requests] == [WEB_TOKEN, rotated]
    assert proxy.key_ids() == ["ASIASTS0001", "ASIASTS0002"]
    assert_no_secret(s, sts.issuer.secrets() + [WEB_TOKEN, rotated])
