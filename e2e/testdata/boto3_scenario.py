"""fedstore e2e scenario for boto3 (run by boto3_test.go with the pyenv python3).

Usage: boto3_scenario.py ENDPOINT BUCKET SMALL_FILE BIG_FILE WORKDIR [CA_FILE]
Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
Prints one line per step and "SCENARIO OK" at the end; any failure raises.
"""
import hashlib
import os
import ssl
import sys
import urllib.request

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config


FAILURES = []


def step(msg):
    print("step:", msg, flush=True)


def check(cond, msg):
    """A failed check is reported at the end; the scenario goes on."""
    if not cond:
        print("CHECK FAILED:", msg, flush=True)
        FAILURES.append(msg)


def digest(b):
    return hashlib.sha256(b).hexdigest()


def main():
    endpoint, bucket, small_path, big_path, workdir = sys.argv[1:6]
    ca = sys.argv[6] if len(sys.argv) > 6 else None
    small = open(small_path, "rb").read()
    big = open(big_path, "rb").read()

    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        verify=ca if ca else True,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )

    step("create_bucket")
    s3.create_bucket(Bucket=bucket)
    s3.head_bucket(Bucket=bucket)

    step("put_object small")
    r = s3.put_object(Bucket=bucket, Key="dir/small.bin", Body=small,
                      Metadata={"colour": "blue"}, ContentType="application/x-e2e")
    assert r["ETag"].strip('"') == hashlib.md5(small).hexdigest(), r["ETag"]

    step("upload_file big (multipart)")
    cfg = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024, max_concurrency=4)
    s3.upload_file(big_path, bucket, "big.bin", Config=cfg)
    h = s3.head_object(Bucket=bucket, Key="big.bin")
    assert h["ContentLength"] == len(big), h
    assert h["ETag"].strip('"').endswith("-3"), "multipart ETag expected, got %s" % h["ETag"]

    step("list_objects_v2")
    l = s3.list_objects_v2(Bucket=bucket)
    got = {c["Key"]: c["Size"] for c in l.get("Contents", [])}
    assert got == {"big.bin": len(big), "dir/small.bin": len(small)}, got
    l = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in l.get("CommonPrefixes", [])] == ["dir/"], l
    assert [c["Key"] for c in l.get("Contents", [])] == ["big.bin"], l

    step("get_object small")
    o = s3.get_object(Bucket=bucket, Key="dir/small.bin")
    assert o["Body"].read() == small
    check(o["Metadata"] == {"colour": "blue"},
          "GetObject: user metadata %r, want {'colour': 'blue'} (x-amz-meta-* header names must be sent lower-case)" % o["Metadata"])
    check(o["ContentType"] == "application/x-e2e", "GetObject: ContentType %r" % o["ContentType"])

    step("get_object range")
    o = s3.get_object(Bucket=bucket, Key="big.bin", Range="bytes=100-199")
    assert o["Body"].read() == big[100:200]
    assert o["ContentRange"] == "bytes 100-199/%d" % len(big), o["ContentRange"]

    step("download_file big")
    out = os.path.join(workdir, "big.out")
    s3.download_file(bucket, "big.bin", out)
    assert digest(open(out, "rb").read()) == digest(big), "big.bin differs after download"

    step("copy_object")
    s3.copy_object(Bucket=bucket, Key="small-copy.bin", CopySource={"Bucket": bucket, "Key": "dir/small.bin"})
    assert s3.get_object(Bucket=bucket, Key="small-copy.bin")["Body"].read() == small
    s3.copy(CopySource={"Bucket": bucket, "Key": "big.bin"}, Bucket=bucket, Key="big-copy.bin", Config=cfg)
    assert digest(s3.get_object(Bucket=bucket, Key="big-copy.bin")["Body"].read()) == digest(big)

    step("presigned GET via urllib")
    # botocore presigns with SigV2 (AWSAccessKeyId/Signature/Expires) unless
    # told s3v4; fedstore speaks SigV4 only, as its docs tell boto3 users.
    s3v4 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        verify=ca if ca else True,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    url = s3v4.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "dir/small.bin"}, ExpiresIn=300)
    assert "X-Amz-Signature=" in url, url
    ctx = ssl.create_default_context(cafile=ca) if ca else None
    with urllib.request.urlopen(url, context=ctx, timeout=60) as resp:
        assert resp.status == 200, resp.status
        assert resp.read() == small
    sig = url.split("X-Amz-Signature=")[1][:64]
    bad = url.replace("X-Amz-Signature=" + sig, "X-Amz-Signature=" + ("1" if sig[0] == "0" else "0") + sig[1:])
    try:
        urllib.request.urlopen(bad, context=ctx, timeout=60)
        raise AssertionError("tampered presigned URL was accepted")
    except urllib.error.HTTPError as e:
        assert e.code == 403, e.code
        body = e.read().decode()
        assert "SignatureDoesNotMatch" in body, body

    step("odd keys")
    odd = ["odd/ü é+plus&amp=(1).bin", "odd/tab\there~*.bin", "odd/%41 percent.bin"]
    for k in odd:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
    l = s3.list_objects_v2(Bucket=bucket, Prefix="odd/")  # botocore asks encoding-type=url
    check(sorted(c["Key"] for c in l.get("Contents", [])) == sorted(odd),
          "list of odd keys: %r" % [c["Key"] for c in l.get("Contents", [])])
    for k in odd:
        try:
            check(s3.get_object(Bucket=bucket, Key=k)["Body"].read() == k.encode(), "get %r: wrong bytes" % k)
        except Exception as e:  # report and go on
            check(False, "get %r: %s" % (k, e))
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in odd]})

    step("delete_objects")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in ("dir/small.bin", "big.bin", "small-copy.bin")]})
    assert len(r.get("Deleted", [])) == 3 and not r.get("Errors"), r
    s3.delete_object(Bucket=bucket, Key="big-copy.bin")
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0

    step("delete_bucket")
    s3.delete_bucket(Bucket=bucket)
    try:
        s3.head_bucket(Bucket=bucket)
        raise AssertionError("bucket still exists after delete_bucket")
    except s3.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] in ("404", "NoSuchBucket"), e.response

    if FAILURES:
        print("SCENARIO FAILED CHECKS: %d" % len(FAILURES), flush=True)
        sys.exit(1)
    print("SCENARIO OK", flush=True)


if __name__ == "__main__":
    main()
