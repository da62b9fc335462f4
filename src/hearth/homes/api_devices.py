"""JSON API of a device for the people of its home: the device, moving it, its history,
and commands with the device's answer.

Mounted under ``/api/v1``; homes, and pairing a device into one, are in ``api.py``. Every
route checks the caller's membership in the device's home through the services; a device
that is not theirs answers 404. The device cloud (``hearth.hub``) sends the commands.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, status

from hearth.errors import BrokerUnavailable
from hearth.homes import binding, reading
from hearth.homes import history as homes_history
from hearth.homes.charts import Span
from hearth.homes.schemas_charts import (
    ChartOut,
    EnergyChartOut,
    EventsChartOut,
    LineChartOut,
    TimelineChartOut,
    chart_out,
)
from hearth.homes.service import device_for_member
from hearth.hub.schemas import (
    DeviceCommandIn,
    DeviceCommandOut,
    DeviceDetail,
    DeviceMoveIn,
    DeviceOut,
    HistoryPointOut,
)
from hearth.kit import timebounds
from hearth.kit.timebounds import AwareBoundedDatetime
from hearth.web.deps import CurrentUser, HearthDep, NowDep, SessionDep

router = APIRouter(tags=["devices"])


@router.get("/devices/{device_id}", response_model=DeviceDetail)
async def device_detail(device_id: str, user: CurrentUser, session: SessionDep) -> DeviceDetail:
    """Return a device: its spec, reported and desired state, availability."""
    return DeviceDetail.of(await reading.device_view(session, user=user, device_id=device_id))


@router.delete("/devices/{device_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_device(device_id: str, user: CurrentUser, session: SessionDep) -> None:
    """Remove a device from its home, with everything it reported there."""
    await binding.unbind(session, user=user, device_id=device_id)


@router.post("/devices/{device_id}/move", response_model=DeviceOut)
async def move_device(
    device_id: str, body: DeviceMoveIn, user: CurrentUser, session: SessionDep, now: NowDep
) -> DeviceOut:
    """Move a device to another home you own."""
    await binding.move(session, user=user, device_id=device_id, home_id=body.home_id, now=now)
    return DeviceOut.of(await reading.device_view(session, user=user, device_id=device_id))


@router.get("/devices/{device_id}/history", response_model=list[HistoryPointOut])
async def device_history(
    device_id: str,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    key: Annotated[str, Query(max_length=24, description='"2.1", or "e:2.1" for an event')],
    since: Annotated[
        AwareBoundedDatetime | None,
        Query(description=f"default: 24 hours ago; {timebounds.MESSAGE}"),
    ] = None,
    until: Annotated[
        AwareBoundedDatetime | None, Query(description=f"default: now; {timebounds.MESSAGE}")
    ] = None,
    points: Annotated[int | None, Query(description="downsample to this many buckets")] = None,
) -> list[HistoryPointOut]:
    """Return a property's or an event's history in a time range, downsampled on request."""
    end = until or now
    start = since or end - timedelta(hours=24)
    found = await reading.device_history(
        session, user=user, device_id=device_id, key=key, since=start, until=end, points=points
    )
    return [HistoryPointOut.of(p) for p in found]


@router.get(
    "/devices/{device_id}/chart",
    response_model=ChartOut,
    summary="A property's or an event's history as its chart draws it",
)
async def device_chart(
    device_id: str,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    key: Annotated[str, Query(max_length=24, description='"2.1", or "e:2.1" for an event')],
    span: Annotated[
        Span, Query(alias="range", description="the chart's range, ending at 'until'")
    ] = Span.DAY,
    until: Annotated[
        AwareBoundedDatetime | None, Query(description=f"default: now; {timebounds.MESSAGE}")
    ] = None,
) -> LineChartOut | TimelineChartOut | EventsChartOut | EnergyChartOut:
    """Return a chart over the whole range: a line or steps (with min/max per bucket), a
    timeline of states, event marks, or a meter's energy per bar, with its axis."""
    found = await homes_history.device_chart(
        session, user=user, device_id=device_id, key=key, span=span, until=until or now
    )
    return chart_out(found)


@router.post("/devices/{device_id}/commands", response_model=DeviceCommandOut)
async def send_command(
    device_id: str,
    body: DeviceCommandIn,
    user: CurrentUser,
    session: SessionDep,
    hearth: HearthDep,
) -> DeviceCommandOut:
    """Send a command and wait for the device's answer (504 on timeout, 409 if offline).

    ``status`` is ``succeeded`` or ``failed``; ``result.results`` has each property's code.
    """
    await device_for_member(session, user=user, device_id=device_id)  # 404 before anything
    if hearth.cloud is None:
        raise BrokerUnavailable("this hearth process has no broker connection to reach devices")
    # Release the request's transaction: waiting for a device must not hold a connection.
    await session.commit()
    command = await hearth.cloud.commands.execute(
        user=user,
        device_id=device_id,
        kind=body.kind,
        payload=body.payload(),
        request_id=body.request_id,
        answer_within=body.timeout,
        wait_online=body.wait_online,
    )
    return DeviceCommandOut.of(command)


@router.get("/devices/{device_id}/commands/{command_id}", response_model=DeviceCommandOut)
async def command_detail(
    device_id: str, command_id: str, user: CurrentUser, session: SessionDep
) -> DeviceCommandOut:
    """Return a command and its outcome (for one that timed out: did it arrive later?)."""
    return DeviceCommandOut.of(
        await reading.command_of(session, user=user, device_id=device_id, command_id=command_id)
    )
