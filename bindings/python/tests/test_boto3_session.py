"""Store(boto3_session=...): credentials from a boto3 session, asked for by
the library through its credentials callback at first use and again before
they expire. A moto that verifies SigV4 against IAM keys it made shows which
keys signed each call."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import boto3
import botocore.session
import pytest
from botocore.credentials import RefreshableCredentials

from connectdynamo import Store
from connectdynamo.errors import AuthError, CredentialsError, InvalidArgument

from conftest import _localdynamo


class RenewingSession:
    """A boto3 Session whose credentials are botocore's RefreshableCredentials
    (as an assumed role's are), refreshed from `current` and counted."""

    def __init__(self, key: str, secret: str, lifetime: timedelta) -> None:
        self.refreshes = 0
        self.lock = threading.Lock()
        self.current = self.metadata(key, secret, lifetime)
        core = botocore.session.Session()
        core._credentials = RefreshableCredentials.create_from_metadata(
            self.current, refresh_using=self.refresh, method="test-role")
        self.session = boto3.Session(botocore_session=core)

    @staticmethod
    def metadata(key: str, secret: str, lifetime: timedelta) -> dict[str, str]:
        expiry = datetime.now(timezone.utc) + lifetime
        return {"access_key": key, "secret_key": secret, "token": "",
                "expiry_time": expiry.isoformat()}

    def answer(self, key: str, secret: str, lifetime: timedelta) -> None:
        with self.lock:
            self.current = self.metadata(key, secret, lifetime)

    def refresh(self) -> dict[str, str]:
        with self.lock:
            self.refreshes += 1
            if isinstance(self.current, Exception):
                raise self.current
            return dict(self.current)


SOON = timedelta(seconds=60)  # inside the library's 10-minute refresh window
LATER = timedelta(days=1)


@pytest.fixture(scope="module")
def signing():
    """moto verifying signatures, and two IAM keys of a user allowed all."""
    with _localdynamo().LocalDynamo(auth_after=4) as url:
        iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1",
                           aws_access_key_id="setup", aws_secret_access_key="setup")
        iam.create_user(UserName="sessions")
        iam.put_user_policy(UserName="sessions", PolicyName="all", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        keys = [iam.create_access_key(UserName="sessions")["AccessKey"] for _ in range(2)]
        yield url, [(k["AccessKeyId"], k["SecretAccessKey"]) for k in keys]


def test_each_renewal_of_the_session_signs_the_calls_after_it(signing, table_name):
    url, [(first, first_secret), (second, second_secret)] = signing
    source = RenewingSession(first, first_secret, SOON)
    with Store(table_name, endpoint_url=url, boto3_session=source.session) as store:
        store.ensure_table()
        assert store.info.explicit_credentials is False
        # the next answer, asked for as the first nears expiry, is wrong
        source.answer(first, first_secret + "x", SOON)
        with pytest.raises(AuthError):
            store.get("s")
        source.answer(second, second_secret, LATER)
        store.set("s", {"cookie": {}, "signed": True})
        refreshes = source.refreshes
        assert store.get("s") == {"cookie": {}, "signed": True}
        assert source.refreshes == refreshes, "credentials a day from expiry are kept"


def test_a_session_that_cannot_refresh_fails_the_call_with_its_reason(endpoint, table_name):
    source = RenewingSession("AKIDPY", "secret", SOON)
    source.current = RuntimeError("the role cannot be assumed")
    with Store(table_name, endpoint_url=endpoint, boto3_session=source.session) as store:
        with pytest.raises(CredentialsError, match="the role cannot be assumed"):
            store.get("x")


def test_boto3_session_is_checked_and_excludes_explicit_keys(endpoint):
    with pytest.raises(InvalidArgument, match="boto3_session"):
        Store("t-bad", endpoint_url=endpoint, boto3_session=5)
    session = boto3.Session(aws_access_key_id="a", aws_secret_access_key="b")
    with pytest.raises(InvalidArgument, match="credentials callback"):
        Store("t-bad", endpoint_url=endpoint, boto3_session=session,
              aws_access_key_id="a", aws_secret_access_key="b")
