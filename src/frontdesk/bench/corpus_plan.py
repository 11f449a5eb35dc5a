"""The shape of the bench corpus, decided before anything is written: who talks to whom, on
which channel account, when, how each conversation ends. Pure and seeded: the same seed and
end time give the same plan.

A conversation is a list of rows (messages, comments, system entries) with strictly increasing
times. Message ids follow time across the whole corpus, as they would in a live inbox, so the
plan also fixes `order`: the thread index of every message row, in id order.
"""

from __future__ import annotations

import math
import random
from array import array
from collections import defaultdict
from dataclasses import dataclass, field

from frontdesk.bench.vocabulary import contact_name, phone_number

DAY_MS = 86_400_000
SPAN_DAYS = 90
FEATURED_MESSAGES = 200
MAX_ROWS = 150  # in any other thread

# Row kinds.
INCOMING, OUTGOING, COMMENT, ASSIGNMENT, CLOSING = range(5)
MESSAGE_KINDS = (INCOMING, OUTGOING)
CONVERSATION_KINDS = (INCOMING, OUTGOING, COMMENT)  # what `last_message_id` may point at


@dataclass(frozen=True)
class AccountSpec:
    name: str
    channel: str  # "phone" (threads by the sender's number) | "chat" (by conversation id)
    inbox: str
    delivery_value: str
    weight: float  # share of contacts who write here first


TEAMS = ("Support", "Sales", "Billing")
INBOXES = {"Support": ("Support", "Billing"), "Sales": ("Sales",)}
# (agent index in vocabulary.AGENT_NAMES, team)
AGENT_TEAMS = tuple((i, TEAMS[0] if i < 6 else TEAMS[1] if i < 9 else TEAMS[2]) for i in range(12))
ACCOUNTS = (
    AccountSpec("Support line", "phone", "Support", "+12125550100", 0.35),
    AccountSpec("Sales line", "phone", "Sales", "+12125550101", 0.15),
    AccountSpec("Billing line", "phone", "Support", "+12125550102", 0.10),
    AccountSpec("Website chat", "chat", "Support", "site-main", 0.30),
    AccountSpec("Shop chat", "chat", "Sales", "site-shop", 0.10),
)
FEATURED_ACCOUNT = 3


def inbox_agents(inbox: str) -> list[int]:
    """Agent indices who see `inbox` (members of its teams)."""
    return [agent for agent, team in AGENT_TEAMS if team in INBOXES[inbox]]


@dataclass
class ContactPlan:
    name: str
    phone: str
    visitor_id: str | None = None  # the chat channel's opaque id, for contacts who chat
    owner: int | None = None  # agent index
    first_at: int = 0


@dataclass
class ThreadPlan:
    contact: int
    account: int
    times: list[int] = field(default_factory=list)
    kinds: bytearray = field(default_factory=bytearray)
    status: str = "OPEN"
    assignee: int | None = None  # agent index
    assigner: int | None = None
    closer: int | None = None
    holds_key: bool = True  # the thread its key points at (older phone threads lost theirs)
    featured: bool = False


@dataclass
class CorpusPlan:
    seed: int
    end_at: int
    contacts: list[ContactPlan]  # in id order
    threads: list[ThreadPlan]  # in id order (creation time)
    order: array[int]  # thread index of each message row, in id order
    featured: int  # index of the thread with FEATURED_MESSAGES rows

    @property
    def message_count(self) -> int:
        return len(self.order)


def make_plan(*, threads: int, messages: int, seed: int, end_at: int) -> CorpusPlan:
    """The whole corpus shape for `threads` conversations and `messages` message rows."""
    if threads < 2 or not threads + FEATURED_MESSAGES - 1 <= messages <= _most(threads):
        raise ValueError(
            f"need at least 2 threads, and from {FEATURED_MESSAGES - 1} messages more than "
            f"threads up to {MAX_ROWS} a thread (one has {FEATURED_MESSAGES})"
        )
    rng = random.Random(seed)
    sizes = _thread_sizes(rng, threads=threads, messages=messages)
    contacts = [
        ContactPlan(contact_name(rng), "") for _ in range(max(1, math.ceil(threads * 0.65)))
    ]
    _give_phones(rng, contacts)
    for contact in contacts:
        if rng.random() < 0.1:
            contact.owner = rng.randrange(len(AGENT_TEAMS))
    plans = _assign_contacts(rng, sizes, contacts)
    plans[0].featured = True  # the first plan is drawn like any other, then reshaped
    plans[0].account = FEATURED_ACCOUNT
    _place_in_time(rng, plans, end_at=end_at)
    for plan in plans:
        _decide_outcome(rng, plan, end_at=end_at)
        _fill_kinds(rng, plan)
    plans.sort(key=lambda p: (p.times[0], p.contact))
    contacts = _order_contacts(rng, contacts, plans)
    featured = next(i for i, p in enumerate(plans) if p.featured)
    return CorpusPlan(seed, end_at, contacts, plans, _message_order(plans), featured)


def _most(threads: int) -> int:
    return FEATURED_MESSAGES + MAX_ROWS * (threads - 1)


def _thread_sizes(rng: random.Random, *, threads: int, messages: int) -> list[int]:
    """Rows per thread summing to `messages`: most short, a long tail, one of exactly 200."""
    others = threads - 1
    budget = messages - FEATURED_MESSAGES
    minimum = 2 if budget >= 2 * others else 1
    mean_extra = budget / others - minimum
    sigma = 0.9
    mu = math.log(max(mean_extra, 0.01)) - sigma * sigma / 2
    sizes = [minimum + round(rng.lognormvariate(mu, sigma)) for _ in range(others)]
    sizes = [min(s, MAX_ROWS) for s in sizes]
    diff = budget - sum(sizes)
    while diff:
        i = rng.randrange(others)
        if diff > 0 and sizes[i] < MAX_ROWS:
            sizes[i] += 1
            diff -= 1
        elif diff < 0 and sizes[i] > minimum:
            sizes[i] -= 1
            diff += 1
    return [FEATURED_MESSAGES, *sizes]


def _give_phones(rng: random.Random, contacts: list[ContactPlan]) -> None:
    seen: set[str] = set()
    for contact in contacts:
        phone = phone_number(rng)
        while phone in seen:
            phone = phone_number(rng)
        seen.add(phone)
        contact.phone = phone


def _assign_contacts(
    rng: random.Random, sizes: list[int], contacts: list[ContactPlan]
) -> list[ThreadPlan]:
    """Every contact gets a conversation; the rest go to returning contacts, some often."""
    count = len(contacts)
    owners = list(range(count))[: len(sizes)]
    owners += [int(count * rng.random() ** 1.5) for _ in range(len(sizes) - len(owners))]
    rng.shuffle(owners)
    weights = [a.weight for a in ACCOUNTS]
    home = rng.choices(range(len(ACCOUNTS)), weights=weights, k=count)
    plans = []
    for size, owner in zip(sizes, owners, strict=True):
        account = home[owner] if rng.random() < 0.85 else rng.randrange(len(ACCOUNTS))
        plans.append(ThreadPlan(owner, account, times=[0] * size))
    return plans


def _place_in_time(rng: random.Random, plans: list[ThreadPlan], *, end_at: int) -> None:
    """Message times. A phone account threads by the sender's number and starts a new thread
    once the old one is closed, so one contact's threads on one such account follow each
    other: each gets its own slice of the period."""
    groups: dict[tuple[int, int], list[ThreadPlan]] = defaultdict(list)
    for plan in plans:
        if ACCOUNTS[plan.account].channel == "phone":
            groups[(plan.contact, plan.account)].append(plan)
        else:
            _fill_times(rng, plan, start=end_at - SPAN_DAYS * DAY_MS, end=end_at)
    for group in groups.values():
        slot = SPAN_DAYS * DAY_MS // len(group)
        for n, plan in enumerate(group):
            start = end_at - SPAN_DAYS * DAY_MS + n * slot
            _fill_times(rng, plan, start=start, end=start + slot)
            plan.holds_key = n == len(group) - 1
    featured = plans[0]
    _fill_times(rng, featured, start=end_at - 3 * DAY_MS, end=end_at)


_GAP_MU = math.log(240_000)  # median gap: four minutes


def _fill_times(rng: random.Random, plan: ThreadPlan, *, start: int, end: int) -> None:
    # Replies come in minutes, sometimes hours: log-normal gaps, at least two seconds apart.
    gauss = rng.gauss
    gaps = [max(2_000, int(math.exp(_GAP_MU + 1.4 * gauss()))) for _ in plan.times[1:]]
    room = (end - start) * 0.9
    span = sum(gaps)
    if span > room:
        gaps = [max(1_000, int(g * room / span)) for g in gaps]
        span = sum(gaps)
    at = start + int(rng.random() * max(0, end - start - span))
    plan.times[0] = at
    for i, gap in enumerate(gaps, start=1):
        at += gap
        plan.times[i] = at


def _decide_outcome(rng: random.Random, plan: ThreadPlan, *, end_at: int) -> None:
    """Open or closed by age (recent conversations are mostly open), assigned or not."""
    size = len(plan.times)
    age_days = (end_at - plan.times[-1]) / DAY_MS
    open_chance = 0.85 if age_days < 2 else 0.3 if age_days < 14 else 0.04
    closed = size >= 2 and (not plan.holds_key or rng.random() >= open_chance)
    if plan.featured:
        closed = False
    plan.status = "CLOSED" if closed else "OPEN"
    agents = inbox_agents(ACCOUNTS[plan.account].inbox)
    if size >= (3 if closed else 2) and (plan.featured or rng.random() < 0.8):
        plan.assignee = rng.choice(agents)
        plan.assigner = plan.assignee if rng.random() < 0.5 else agents[0]
    if closed:
        plan.closer = plan.assignee if plan.assignee is not None else rng.choice(agents)


# After a row of kind k: the chance that INCOMING comes next, then INCOMING or OUTGOING (the
# rest is a COMMENT).
_NEXT = {
    INCOMING: (0.32, 0.92),
    OUTGOING: (0.62, 0.92),
    COMMENT: (0.25, 1.0),
}


def _fill_kinds(rng: random.Random, plan: ThreadPlan) -> None:
    """The customer opens; an assignment follows the first message; a closing ends it."""
    size = len(plan.times)
    kinds = bytearray(size)
    kinds[0] = INCOMING
    first_free = 1
    if plan.assignee is not None:
        kinds[1] = ASSIGNMENT
        first_free = 2
    last_free = size - 1 if plan.status == "CLOSED" else size
    previous = INCOMING
    draw = rng.random
    for i in range(first_free, last_free):
        incoming, message = _NEXT[previous]
        chance = draw()
        previous = INCOMING if chance < incoming else OUTGOING if chance < message else COMMENT
        kinds[i] = previous
    if plan.status == "CLOSED":
        kinds[-1] = CLOSING
    plan.kinds = kinds


def _order_contacts(
    rng: random.Random, contacts: list[ContactPlan], plans: list[ThreadPlan]
) -> list[ContactPlan]:
    """Contacts in id order (first conversation first); chat visitors get their opaque id."""
    new_index: dict[int, int] = {}
    ordered: list[ContactPlan] = []
    for plan in plans:
        contact = contacts[plan.contact]
        if plan.contact not in new_index:
            new_index[plan.contact] = len(ordered)
            contact.first_at = plan.times[0]
            ordered.append(contact)
        if ACCOUNTS[plan.account].channel == "chat" and contact.visitor_id is None:
            contact.visitor_id = f"visitor-{rng.getrandbits(48):012x}"
        plan.contact = new_index[plan.contact]
    return ordered


def _message_order(plans: list[ThreadPlan]) -> array[int]:
    """The thread index of every row, sorted by time (ties by thread): message id order."""
    shift = max(1, len(plans)).bit_length()
    keys = [(at << shift) | index for index, plan in enumerate(plans) for at in plan.times]
    keys.sort()
    mask = (1 << shift) - 1
    return array("l", (key & mask for key in keys))
