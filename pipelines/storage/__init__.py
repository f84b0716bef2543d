"""The archive's storage: one S3 bucket behind boto3 (SeaweedFS locally, AWS/MinIO/Ceph elsewhere).

- :mod:`pipelines.storage.settings`: :class:`S3Settings` from the environment, an Airflow connection's
  extras, or the local stack's state file;
- :mod:`pipelines.storage.s3`: :class:`Storage`, the one client every reader and writer uses;
- :mod:`pipelines.storage.errors`: one exception class per failure a caller can act on.
"""

from pipelines.storage.errors import (
    AccessDenied,
    BucketNotFound,
    EndpointUnreachable,
    InvalidKey,
    ObjectNotFound,
    PreconditionFailed,
    StorageError,
)
from pipelines.storage.s3 import Storage, StoredObject, dumps_json, make_client, validate_key
from pipelines.storage.settings import (
    BUCKET_ENV,
    DEFAULT_BUCKET,
    ENDPOINT_ENV,
    S3Settings,
    is_loopback_host,
    is_loopback_url,
)

__all__ = [
    "AccessDenied", "BucketNotFound", "EndpointUnreachable", "InvalidKey", "ObjectNotFound", "PreconditionFailed",
    "StorageError", "Storage", "StoredObject", "dumps_json", "make_client", "validate_key", "BUCKET_ENV",
    "DEFAULT_BUCKET", "ENDPOINT_ENV", "S3Settings", "is_loopback_host", "is_loopback_url",
]
