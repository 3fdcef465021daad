"""Uploads a file with mediashare's upload instructions, exactly as a third-party client would.

    presigned_upload.py INSTRUCTIONS_JSON FILE

INSTRUCTIONS_JSON is the body of `POST /api/{photos|videos|musics}/upload` (or a file holding
it, when it starts with `@`): `{fileUrl, upload: {url, fields}, maxBytes, expiresAt}`. The file
goes to `upload.url` as multipart/form-data with every entry of `upload.fields` and the file
last, in a part named `file` — what S3's POST policy expects. Only `requests` is used: nothing
of mediashare's own code, no AWS SDK, no credentials.

Prints `{"status": <S3's status>, "fileUrl": ...}` and exits 0 on a 2xx answer, else prints
S3's answer and exits 1.
"""

import json
import os
import sys

import requests


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    raw, path = sys.argv[1], sys.argv[2]
    if raw.startswith("@"):
        with open(raw[1:], encoding="utf-8") as f:
            raw = f.read()
    instructions = json.loads(raw)
    upload = instructions["upload"]
    size = os.path.getsize(path)
    if size > instructions["maxBytes"]:
        print(f"{path} is {size} bytes, more than maxBytes {instructions['maxBytes']}", file=sys.stderr)
        return 1
    # A list of pairs keeps the policy fields in order; `files` comes after `data` in the body.
    fields = list(upload["fields"].items())
    content_type = upload["fields"].get("Content-Type", "application/octet-stream")
    with open(path, "rb") as f:
        answer = requests.post(
            upload["url"],
            data=fields,
            files={"file": (os.path.basename(path), f, content_type)},
            timeout=60,
        )
    if not answer.ok:
        print(f"S3 answered {answer.status_code}: {answer.text}", file=sys.stderr)
        return 1
    print(json.dumps({"status": answer.status_code, "fileUrl": instructions["fileUrl"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
