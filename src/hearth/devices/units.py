"""The canonical units, and how the spellings found in the wild map onto them."""

from __future__ import annotations

from enum import StrEnum


class Unit(StrEnum):
    """A unit a property's value is measured in (MIoT's names where it has one)."""

    PERCENTAGE = "percentage"
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"
    KELVIN = "kelvin"
    MILLISECONDS = "milliseconds"
    SECONDS = "seconds"
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"
    YEARS = "years"
    LUX = "lux"
    PPM = "ppm"
    PPB = "ppb"
    MG_M3 = "mg/m3"
    UG_M3 = "μg/m3"
    PASCAL = "pascal"
    HECTOPASCAL = "hectopascal"
    KILOPASCAL = "kilopascal"
    ARCDEGREES = "arcdegrees"
    RGB = "rgb"
    WATT = "watt"
    KILOWATT = "kilowatt"
    WATT_HOUR = "watt-hour"
    KILOWATT_HOUR = "kilowatt-hour"
    VOLT = "volt"
    MILLIVOLT = "millivolt"
    AMPERE = "ampere"
    MILLIAMPERE = "milliampere"
    LITRE = "litre"
    MILLILITRE = "millilitre"
    LITRES_PER_MINUTE = "litres-per-minute"
    METRE = "metre"
    CENTIMETRE = "centimetre"
    MILLIMETRE = "millimetre"
    SQUARE_METRE = "square-metre"
    CUBIC_METRES_PER_HOUR = "m3/h"
    KILOGRAM = "kilogram"
    GRAM = "gram"
    DECIBEL = "decibel"
    DBM = "dbm"
    HERTZ = "hertz"
    RPM = "rpm"
    BYTES = "bytes"
    KILOBYTES = "kilobytes"
    MEGABYTES = "megabytes"
    BYTES_PER_SECOND = "bytes-per-second"
    KILOBYTES_PER_SECOND = "kilobytes-per-second"
    MEGABITS_PER_SECOND = "megabits-per-second"
    TIMES = "times"


# Keys are lower-cased with spaces removed; every canonical value maps to itself too.
_ALIASES: dict[str, Unit] = {
    "%": Unit.PERCENTAGE,
    "percent": Unit.PERCENTAGE,
    "percents": Unit.PERCENTAGE,
    "percentage": Unit.PERCENTAGE,
    "pct": Unit.PERCENTAGE,
    "℃": Unit.CELSIUS,
    "°c": Unit.CELSIUS,
    "c": Unit.CELSIUS,
    "degc": Unit.CELSIUS,
    "celcius": Unit.CELSIUS,
    "centigrade": Unit.CELSIUS,
    "℉": Unit.FAHRENHEIT,
    "°f": Unit.FAHRENHEIT,
    "f": Unit.FAHRENHEIT,
    "k": Unit.KELVIN,
    "ms": Unit.MILLISECONDS,
    "millisecond": Unit.MILLISECONDS,
    "s": Unit.SECONDS,
    "sec": Unit.SECONDS,
    "secs": Unit.SECONDS,
    "second": Unit.SECONDS,
    "min": Unit.MINUTES,
    "mins": Unit.MINUTES,
    "minute": Unit.MINUTES,
    "h": Unit.HOURS,
    "hr": Unit.HOURS,
    "hrs": Unit.HOURS,
    "hour": Unit.HOURS,
    "d": Unit.DAYS,
    "day": Unit.DAYS,
    "week": Unit.WEEKS,
    "month": Unit.MONTHS,
    "year": Unit.YEARS,
    "lx": Unit.LUX,
    "mg/m³": Unit.MG_M3,
    "ug/m3": Unit.UG_M3,
    "µg/m3": Unit.UG_M3,  # the micro sign, U+00B5, not the Greek mu
    "μg/m³": Unit.UG_M3,
    "µg/m³": Unit.UG_M3,
    "pa": Unit.PASCAL,
    "hpa": Unit.HECTOPASCAL,
    "kpa": Unit.KILOPASCAL,
    "°": Unit.ARCDEGREES,
    "degree": Unit.ARCDEGREES,
    "degrees": Unit.ARCDEGREES,
    "arcdegree": Unit.ARCDEGREES,
    "w": Unit.WATT,
    "watts": Unit.WATT,
    "kw": Unit.KILOWATT,
    "wh": Unit.WATT_HOUR,
    "kwh": Unit.KILOWATT_HOUR,
    "kilowatt-hours": Unit.KILOWATT_HOUR,
    "v": Unit.VOLT,
    "volts": Unit.VOLT,
    "mv": Unit.MILLIVOLT,
    "a": Unit.AMPERE,
    "amp": Unit.AMPERE,
    "ma": Unit.MILLIAMPERE,
    "l": Unit.LITRE,
    "liter": Unit.LITRE,
    "litres": Unit.LITRE,
    "liters": Unit.LITRE,
    "ml": Unit.MILLILITRE,
    "milliliter": Unit.MILLILITRE,
    "l/min": Unit.LITRES_PER_MINUTE,
    "m": Unit.METRE,
    "meter": Unit.METRE,
    "meters": Unit.METRE,
    "cm": Unit.CENTIMETRE,
    "mm": Unit.MILLIMETRE,
    "m2": Unit.SQUARE_METRE,
    "m²": Unit.SQUARE_METRE,
    "㎡": Unit.SQUARE_METRE,
    "squaremeter": Unit.SQUARE_METRE,
    "m³/h": Unit.CUBIC_METRES_PER_HOUR,
    "kg": Unit.KILOGRAM,
    "g": Unit.GRAM,
    "db": Unit.DECIBEL,
    "hz": Unit.HERTZ,
    "r/min": Unit.RPM,
    "b": Unit.BYTES,
    "byte": Unit.BYTES,
    "kb": Unit.KILOBYTES,
    "mb": Unit.MEGABYTES,
    "b/s": Unit.BYTES_PER_SECOND,
    "bps": Unit.BYTES_PER_SECOND,
    "kb/s": Unit.KILOBYTES_PER_SECOND,
    "kbps": Unit.KILOBYTES_PER_SECOND,
    "mbps": Unit.MEGABITS_PER_SECOND,
    "time": Unit.TIMES,
}
_ALIASES.update({unit.value: unit for unit in Unit})
# Spellings that mean "no unit" and so need no record.
_NO_UNIT = frozenset(["", "none", "null", "n/a", "-"])


def normalise_unit(raw: str) -> tuple[Unit | None, bool]:
    """Return the canonical unit for ``raw`` and whether ``raw`` is a known spelling.

    ``(None, True)`` means "no unit"; ``(None, False)`` means a unit hearth does not know.
    """
    key = raw.strip().lower().replace(" ", "")
    if key in _NO_UNIT:
        return None, True
    unit = _ALIASES.get(key)
    return unit, unit is not None
