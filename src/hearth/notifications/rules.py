"""Which notifications exist, how they are grouped for a person to choose, and the defaults.

Every ``kind`` an area passes to ``notify`` belongs to one topic; a person chooses per
topic whether it reaches them in the app, by email, both or neither. The defaults: every
topic in the app; by email the ones a person must not miss (money that did not move, an
order, a company's standing, an invitation). Pure.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    """A group of notifications a person turns on or off together."""

    key: str
    label: str
    about: str
    kinds: tuple[str, ...]  # exact kinds, or prefixes ending in "."
    in_app: bool = True
    email: bool = False
    roles: tuple[str, ...] = ()  # the roles it concerns (shown to them only); empty: everyone

    def concerns(self, role: str) -> bool:
        """Tell whether a person of ``role`` meets this topic's notifications."""
        return not self.roles or role in self.roles


TOPICS: tuple[Topic, ...] = (
    Topic(
        "payments",
        "Payments",
        "A pledge charged, a payment that failed, a pledge dropped or released.",
        ("campaign_funded", "payment_failed", "pledge_dropped", "pledge_released"),
        email=True,
    ),
    Topic(
        "orders",
        "Orders",
        "An order created, shipped or refunded; a store order, a return asked for or answered.",
        (
            "order_created",
            "order_shipped",
            "order_refunded",
            "sale_order",
            "return_requested",
            "return_accepted",
            "return_declined",
        ),
        email=True,
    ),
    Topic(
        "campaign_updates",
        "Campaign updates",
        "News from the makers of campaigns you back.",
        ("campaign_update",),
    ),
    Topic(
        "tickets",
        "Customer service",
        "A new ticket, or a reply on one.",
        ("ticket_opened", "ticket_reply"),
        email=True,
    ),
    Topic(
        "homes",
        "Home invitations",
        "Someone invites you to their home.",
        ("home_invitation",),
        email=True,
    ),
    Topic(
        "scenes",
        "Scenes and automations",
        "Messages your automations send, and automations that were stopped.",
        ("scene",),
    ),
    Topic(
        "partner",
        "Partner company",
        "Your company's application, its campaigns that did not reach their goal, and "
        "invitations to join a company.",
        ("mall.partner.", "campaign_failed"),
        email=True,
    ),
    Topic(
        "reviews",
        "Product review",
        "Review steps and comments on products and campaign launches.",
        ("mall.product.", "funding.launch."),
        roles=("partner", "reviewer", "admin"),
    ),
    # Before "community": its kinds start "community." too, and the first topic that names
    # a kind takes it.
    Topic(
        "moderation",
        "Community moderation",
        "A moderator hid or restored something you wrote, or muted you for a time.",
        ("community.moderation.",),
    ),
    Topic(
        "community_shipped",
        "Suggestions shipped",
        "A release note ships a suggestion you follow.",
        ("community.shipped",),
    ),
    Topic(
        "community_replies",
        "Answers to your reviews and questions",
        "The maker answers your review of a product, or your question about a campaign.",
        ("community.review_answered", "community.question_answered"),
    ),
    Topic(
        "community",
        "Community",
        "Official answers to the suggestions you follow (yours, and those you voted for), "
        "and their merges into another.",
        ("community.",),
    ),
    Topic(
        "payments_in_doubt",
        "Charges in doubt",
        "A charge the payment provider has not confirmed after many asks, waiting for you.",
        ("payment_in_doubt",),
        email=True,
        roles=("reviewer", "admin"),
    ),
)
OTHER = Topic("other", "Other", "Anything else hearth tells you.", ())
BY_KEY = {topic.key: topic for topic in (*TOPICS, OTHER)}


def topic_of(kind: str) -> Topic:
    """Return the topic a notification's kind belongs to (``OTHER`` for one no topic names)."""
    for topic in TOPICS:
        for name in topic.kinds:
            if kind == name or (name.endswith(".") and kind.startswith(name)):
                return topic
    return OTHER


@dataclass(frozen=True)
class Choice:
    """How one topic reaches one person."""

    in_app: bool
    email: bool


def default(topic: Topic) -> Choice:
    """Return how a topic reaches a person who has not chosen."""
    return Choice(topic.in_app, topic.email)
