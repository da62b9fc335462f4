"""Every table of every area, so migrations and tests see the whole schema."""

from __future__ import annotations


def load_all() -> None:
    """Import every area's models module so its tables join ``Base.metadata``."""
    import hearth.accounts.models  # noqa: F401
    import hearth.community.models  # noqa: F401
    import hearth.funding.models  # noqa: F401
    import hearth.homes.models  # noqa: F401
    import hearth.hub.models  # noqa: F401
    import hearth.insights.models  # noqa: F401
    import hearth.mail.models  # noqa: F401
    import hearth.mall.certification.models  # noqa: F401
    import hearth.mall.models  # noqa: F401
    import hearth.notifications.models  # noqa: F401
    import hearth.payments.models  # noqa: F401
    import hearth.sales.models  # noqa: F401
    import hearth.scenes.models  # noqa: F401
