"""The approval gate: a product is approved only with a passed run of its current spec."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.errors import CertificationMissing
from hearth.mall.certification.models import CertificationRun
from hearth.mall.certification.report import RunStatus


async def require_certified(session: AsyncSession, *, product_id: str, spec_version: int) -> None:
    """Raise ``CertificationMissing`` unless a run of this spec version passed."""
    found = await session.scalar(
        select(CertificationRun.id)
        .where(
            CertificationRun.product_id == product_id,
            CertificationRun.spec_version == spec_version,
            CertificationRun.status == RunStatus.PASSED.value,
        )
        .limit(1)
    )
    if found is None:
        raise CertificationMissing(spec_version)
