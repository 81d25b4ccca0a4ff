#!/usr/bin/env python3
"""boto3, the independent oracle: reads a JSON list of [operation, kwargs]
pairs on stdin, calls each on a DynamoDB client for CDYN_TEST_ENDPOINT and
prints the JSON list of answers ({"error": code} for a ClientError)."""
import json
import os
import sys

import boto3
from botocore.exceptions import ClientError


def main():
    client = boto3.client(
        "dynamodb",
        endpoint_url=os.environ["CDYN_TEST_ENDPOINT"],
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    answers = []
    for operation, kwargs in json.load(sys.stdin):
        try:
            answer = getattr(client, operation)(**kwargs)
            answer.pop("ResponseMetadata", None)
        except ClientError as error:
            answer = {"error": error.response["Error"]["Code"]}
        answers.append(answer)
    json.dump(answers, sys.stdout, default=str)


if __name__ == "__main__":
    main()
