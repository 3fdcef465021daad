"""moto_server, with DynamoDB made atomic the way DynamoDB is.

moto serves each request on its own thread, but its DynamoDB backend is not thread-safe:
concurrent TransactWriteItems / UpdateItem calls on one item lose updates (20 concurrent
`ADD likes 1` transactions were measured ending at 5), and stream reads can race table
writes. Real DynamoDB applies each operation atomically, so this launcher serialises every
DynamoDB and DynamoDB Streams backend operation behind one lock, then runs moto's own CLI.
Everything else (SQS long polls included) keeps moto's threading.

Usage: python tools/moto_server.py [moto_server arguments]   (e.g. -H 127.0.0.1 -p 4566)
"""

import functools
import sys
import threading

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodbstreams.models import DynamoDBStreamsBackend
from moto.server import main

_LOCK = threading.RLock()


def _serialised(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with _LOCK:
            return method(*args, **kwargs)

    return wrapper


def _serialise_public_methods(cls):
    for name, member in list(vars(cls).items()):
        if callable(member) and not name.startswith("_"):
            setattr(cls, name, _serialised(member))


_serialise_public_methods(DynamoDBBackend)
_serialise_public_methods(DynamoDBStreamsBackend)

if __name__ == "__main__":
    sys.exit(main())
