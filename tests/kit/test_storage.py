"""Upload storage: the data-dir default, and the S3-compatible one against moto's S3 server
(a real HTTP server on 127.0.0.1, speaking the S3 protocol)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest

from hearth.bootstrap import Hearth
from hearth.errors import NotFound
from hearth.kit.ports import free_port
from hearth.kit.storage import LocalStorage, S3Storage, Storage, make_storage
from tests.conftest import make_settings
from tests.mall.flows import approved_partner, client_for, draft, png, staff, upload
from tests.servers import wait_for_port

BUCKET = "hearth-uploads"
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, 30)
        url = f"http://127.0.0.1:{port}"
        boto3.client(
            "s3",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id=KEYS["aws_access_key_id"],
            aws_secret_access_key=KEYS["aws_secret_access_key"],
        ).create_bucket(Bucket=BUCKET)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def s3(endpoint: str, prefix: str = "") -> S3Storage:
    return S3Storage(
        bucket=BUCKET,
        endpoint_url=endpoint,
        access_key=KEYS["aws_access_key_id"],
        secret_key=KEYS["aws_secret_access_key"],
        prefix=prefix,
    )


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "uploads")
    return s3(request.getfixturevalue("s3_endpoint"), prefix=tmp_path.name)


async def test_keeps_returns_and_deletes_a_file(storage: Storage) -> None:
    await storage.put("products/prd_1/img_1.png", b"bytes", content_type="image/png")
    assert await storage.get("products/prd_1/img_1.png") == b"bytes"
    await storage.put("products/prd_1/img_1.png", b"newer", content_type="image/png")
    assert await storage.get("products/prd_1/img_1.png") == b"newer"

    await storage.delete("products/prd_1/img_1.png")
    with pytest.raises(NotFound):
        await storage.get("products/prd_1/img_1.png")
    await storage.delete("products/prd_1/img_1.png")  # deleting twice is fine


@pytest.mark.parametrize("key", ["../secret_key.txt", "/etc/passwd.txt", "a/../../b.png", "x"])
async def test_refuses_keys_that_could_escape(storage: Storage, key: str) -> None:
    with pytest.raises(ValueError, match="not a storage key"):
        await storage.put(key, b"x", content_type="image/png")


def test_settings_pick_s3_only_with_a_bucket(tmp_path: Path) -> None:
    local = make_settings(tmp_path, "sqlite+aiosqlite:///x.db")
    assert isinstance(make_storage(local), LocalStorage)
    remote = make_settings(
        tmp_path, "sqlite+aiosqlite:///x.db", s3_bucket=BUCKET, s3_endpoint_url="http://s3.test"
    )
    assert isinstance(make_storage(remote), S3Storage)


async def test_a_product_image_travels_through_s3_when_the_settings_say_so(
    tmp_path: Path, database_url: str, s3_endpoint: str
) -> None:
    settings = make_settings(
        tmp_path,
        database_url,
        s3_bucket=BUCKET,
        s3_endpoint_url=s3_endpoint,
        s3_prefix=f"run-{tmp_path.name}",
        s3_access_key=KEYS["aws_access_key_id"],
        s3_secret_key=KEYS["aws_secret_access_key"],
    )
    runtime = Hearth.from_settings(settings)
    await runtime.start(mqtt=False)
    try:
        reviewer = await staff(runtime, "ada")
        partner = await approved_partner(runtime, reviewer, "leo", "Zhimi Labs")
        pid = await draft(partner)
        image = png()
        sent = await upload(partner, f"/api/v1/products/{pid}/images", image)
        assert sent.status_code == 201, sent.text
        assert (await partner.get(sent.json()["url"])).content == image
        # A second process (another app over the same settings) serves the same file.
        other: httpx.AsyncClient = client_for(runtime)
        other.cookies.update(partner.cookies)
        assert (await other.get(sent.json()["url"])).content == image
        assert not (settings.data_dir / "uploads").exists()
    finally:
        await runtime.stop()
