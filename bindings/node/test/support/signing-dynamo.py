#!/usr/bin/env python3
"""A local DynamoDB (moto) that verifies every SigV4 signature, with two
IAM access keys made for the test: prints one JSON line {url, keys:
[{id, secret}, ...]}, then serves until its stdin closes."""
import json
import os
import sys

import boto3

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "scripts"))
from localdynamo import LocalDynamo  # noqa: E402

# The unchecked requests moto allows: create_user, put_user_policy and
# one create_access_key per key.
KEYS = 2


def main():
    with LocalDynamo(auth_after=2 + KEYS) as url:
        iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1",
                           aws_access_key_id="setup", aws_secret_access_key="setup")
        iam.create_user(UserName="sessions")
        iam.put_user_policy(UserName="sessions", PolicyName="all", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        keys = []
        for _ in range(KEYS):
            key = iam.create_access_key(UserName="sessions")["AccessKey"]
            keys.append({"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]})
        print(json.dumps({"url": url, "keys": keys}), flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
