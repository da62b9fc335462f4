"""Where uploaded files live: a small ``Storage`` protocol and its two implementations.

``LocalStorage`` keeps files under the data directory (the default, one machine or a
shared volume); ``S3Storage`` keeps them in any S3-compatible bucket so that several
hearth processes on several machines see the same files. ``make_storage`` picks one from
the settings. Keys are relative paths chosen by hearth (never by the uploader).
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from hearth.errors import ConfigError, NotFound

if TYPE_CHECKING:
    from hearth.config import Settings

KEY = re.compile(r"^[a-z0-9_-]+(/[a-z0-9_-]+)*\.[a-z0-9]+$")


class Storage(Protocol):
    """Put, get and delete whole files by key."""

    async def put(self, key: str, data: bytes, *, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes:
        """Return the file's bytes, or raise ``NotFound``."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the file; a missing file is not an error."""
        ...


def check_key(key: str) -> str:
    """Refuse keys that could escape the storage root."""
    if not KEY.match(key) or ".." in key:
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalStorage:
    """Files in a directory; writes are atomic (temporary file, then rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        await asyncio.to_thread(self._write, self._path(key), data)

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError as err:
            raise NotFound("no such file") from err

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)


class S3Storage:
    """Files in an S3-compatible bucket (AWS S3, MinIO, Ceph, ...), through boto3 in a thread."""

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        prefix: str = "",
    ) -> None:
        import boto3

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region or "us-east-1",
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
        )

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        await asyncio.to_thread(
            self.client.put_object,
            Bucket=self.bucket,
            Key=self._key(key),
            Body=data,
            ContentType=content_type,
        )

    async def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            response = await asyncio.to_thread(
                self.client.get_object, Bucket=self.bucket, Key=self._key(key)
            )
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise NotFound("no such file") from err
            raise
        body: bytes = await asyncio.to_thread(response["Body"].read)
        return body

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=self._key(key))


def make_storage(settings: Settings) -> Storage:
    """Return the storage the settings ask for: S3 when a bucket is set, else the data dir."""
    if settings.s3_bucket:
        return S3Storage(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key=settings.s3_access_key,
            secret_key=(
                settings.s3_secret_key.get_secret_value() if settings.s3_secret_key else None
            ),
            prefix=settings.s3_prefix,
        )
    if settings.s3_endpoint_url:
        raise ConfigError("s3_endpoint_url is set but s3_bucket is not")
    return LocalStorage(settings.data_dir / "uploads")
