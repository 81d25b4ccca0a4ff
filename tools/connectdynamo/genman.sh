#!/usr/bin/env bash
# Writes the connectdynamo(1) man page, in roff, from the tool's own --help
# and each verb's (so the page cannot drift from the program).
#   tools/connectdynamo/genman.sh build/bin/connectdynamo VERSION > connectdynamo.1
set -euo pipefail
tool=$1
version=$2
date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y-%m-%d)

# Text to roff: escape backslashes, and a leading dot or quote.
roff() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; }

cat <<ROFF
.TH CONNECTDYNAMO 1 "$date" "connectdynamo $version" "User Commands"
.SH NAME
connectdynamo \- operate a connect-dynamo session table in DynamoDB
.SH SYNOPSIS
.B connectdynamo
[\fIglobal options\fR] \fIverb\fR [\fIoptions\fR] [\fIarguments\fR]
.SH DESCRIPTION
.nf
ROFF
"$tool" --help | roff
echo ".fi"
echo ".SH VERBS"
for verb in $("$tool" --help | sed -n '/^Verbs:/,/^$/p' | awk 'NF && $1 != "Verbs:" {print $1}'); do
    echo ".SS $verb"
    echo ".nf"
    # The verb's own part: from its usage line to the global options.
    "$tool" "$verb" --help | sed '/^Global options/,$d' | roff
    echo ".fi"
done
cat <<ROFF
.SH ENVIRONMENT
The AWS variables the library reads (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB,
AWS_PROFILE, AWS_ACCESS_KEY_ID, ...), and the shared AWS config and
credentials files, as the AWS SDKs do.
.TP
.B CONNECTDYNAMO_ID_HASH_SECRET_FILE
A file holding the HMAC secret of hashed session ids (the default of
\-\-id\-hash\-secret\-file). The secret is never taken on the command line,
where other users of the machine could read it.
.SH SECURITY
Under \-\-hash\-ids the table's keys (and its \fBuid\fR attribute) hold
SHA\-256 (with a secret, HMAC\-SHA\-256) hashes in hex, never a session id:
\fBls\fR and \fBuser\fR print those hashes, and \fBget\fR, \fBset\fR,
\fBtouch\fR and \fBrm\fR hash the SID they are given. The README's
"Threat model" says what that protects against.
.SH SEE ALSO
The connect-dynamo README; the C API in connectdynamo.h.
ROFF
