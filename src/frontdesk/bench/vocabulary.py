"""What the bench corpus says: names, phone numbers and support-chat text.

Texts are drawn from support phrases with slots (products, order numbers, carriers, cities ...),
each list ranked and drawn with Zipf-like weights, so a search benchmark finds very common
words ("order", "refund"), middling ones (a popular product) and rare ones (one order number).
Every text is a pure function of (seed, message id, kind): the corpus can compute a thread's
preview before it writes the thread's messages.
"""

from __future__ import annotations

import _random
import itertools
import random
import string
from bisect import bisect
from collections.abc import Sequence

FIRST_NAMES = (  # noqa: SIM905
    "Emma Liam Olivia Noah Ava Elijah Sophia Lucas Mia Mateo Amelia Levi Harper Ethan "
    "Evelyn Leo Luna Jack Ella James Chloe Mason Aria Logan Layla Aiden Nora Owen Zoe "
    "Samuel Lily Daniel Hannah Henry Grace Sebastian Maya Jacob Ana Omar Fatima Yusuf Aisha "
    "Ravi Priya Arjun Ananya Chen Mei Wei Yuki Hiro Sakura Kenji Lea Felix Clara Jonas "
    "Marie Paul Sofia Luca Giulia Marco Elena Pablo Lucia Diego Carmen Ines Tomas Nina Adam "
    "Eva Oscar Alma Hugo Iris Theo Ruby Max Julia Kofi Ama Tariq Leila Sven Astrid Mateus "
    "Beatriz"
).split()
LAST_NAMES = (  # noqa: SIM905
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell "
    "Carter Roberts Muller Schmidt Schneider Fischer Weber Meyer Wagner Becker Rossi Russo "
    "Ferrari Esposito Bianchi Romano Dubois Moreau Laurent Lefebvre Fernandez Silva Santos "
    "Oliveira Costa Kowalski Novak Horvat Jensen Nielsen Hansen Larsen Tanaka Suzuki Sato "
    "Kim Park Patel Shah Khan Singh Okafor Mensah Haddad"
).split()
AGENT_NAMES = (
    "Alex Rivera",
    "Sam Okafor",
    "Jordan Lee",
    "Taylor Brooks",
    "Morgan Silva",
    "Casey Novak",
    "Riley Chen",
    "Jamie Haddad",
    "Robin Fischer",
    "Avery Patel",
    "Quinn Larsen",
    "Drew Santos",
)

# (prefix, lowest and highest subscriber number) of mobile ranges that libphonenumber accepts
# as valid; US exchange codes never start with 0 or 1.
PHONE_RANGES = (
    *(
        (f"+1{npa}", 2_000_000, 9_999_999)
        for npa in (206, 212, 213, 303, 305, 312, 415, 512, 617, 646, 718, 917)
    ),
    ("+49151", 0, 99_999_999),
    ("+49160", 0, 99_999_999),
    ("+34612", 0, 999_999),
    ("+3934", 0, 99_999_999),
    ("+3165", 0, 9_999_999),
    ("+3361", 0, 9_999_999),
)

_ADJECTIVES = (  # noqa: SIM905
    "Aurora Nimbus Classic Urban Summit Coastal Nordic Vintage Pro Eco Luna Terra Atlas "
    "Orbit Cedar Willow Harbor Metro Prism Echo Nova Alpine Ember Sierra Zen Pixel Canyon "
    "Drift Solstice Maple"
).split()
_ITEMS = (  # noqa: SIM905
    "backpack, sneakers, headphones, jacket, water bottle, desk lamp, blender, "
    "coffee grinder, yoga mat, phone case, smartwatch, hoodie, duffel bag, kettle, "
    "air purifier, rain boots, sunglasses, wallet, charger cable, speaker, keyboard, "
    "mouse, monitor stand, tote bag, mug, thermos, umbrella, scarf, notebook, pen set, "
    "candle, pillow, blanket, tent, sleeping bag, bike light, helmet"
).split(", ")
_COLORS = (  # noqa: SIM905
    "black white navy olive sand red green charcoal blue pink grey"
).split()
_SIZES = ["XS", "S", "M", "L", "XL", "XXL", "38", "39", "40", "41", "42", "43", "44"]
_CARRIERS = ("UPS", "DHL", "FedEx", "USPS", "DPD", "GLS", "Royal Mail", "PostNL", "Correos")
_CITIES = (  # noqa: SIM905
    "Berlin Madrid Lisbon Austin Denver Chicago Boston Seattle Portland Toronto Dublin "
    "Amsterdam Rotterdam Hamburg Munich Vienna Zurich Milan Turin Lyon Marseille Barcelona "
    "Valencia Seville Porto Oslo Stockholm Copenhagen Helsinki Warsaw Prague Budapest "
    "Athens Brooklyn Miami Atlanta Phoenix Dallas Houston Nairobi Accra Lagos Mumbai Pune "
    "Osaka Kyoto"
).split()
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_PLANS = ("Basic", "Plus", "Premium", "Business", "Family", "Student")
_FEATURES = (
    "order history",
    "saved addresses",
    "gift cards",
    "the wishlist",
    "two-factor login",
    "invoice download",
    "the loyalty points",
    "express checkout",
    "the size guide",
    "push notifications",
)

# Most common first: the rank gives the weight.
INCOMING = (
    "Hi, where is my order {order}?",
    "Hello, I ordered the {product} last {weekday} and it still hasn't arrived.",
    "Thanks!",
    "ok thank you",
    "Can I get a refund for order {order}? The {product} is not what I expected.",
    "The tracking number {tracking} has not updated since {weekday}.",
    "Is the {product} available in {color}?",
    "I was charged twice for order {order}, please refund one of the payments.",
    "My {product} stopped working after {days} days. Can I get a replacement?",
    "Do you ship to {city}?",
    "I need to change the delivery address for order {order} to {city}.",
    "Can I exchange the {product} for a size {size}?",
    "Hi, I can't log in to my account, the password reset email never arrives.",
    "The package says delivered but I never got it. Order {order}.",
    "How long does shipping to {city} usually take with {carrier}?",
    "Great, that worked, thanks a lot!",
    "Can you cancel order {order} please? I ordered the wrong {product}.",
    "The discount code {code} doesn't work at checkout.",
    "I want to cancel my {plan} subscription.",
    "Is there a warranty on the {product}?",
    "The {product} arrived damaged, the box was crushed. Photos attached.",
    "When will the {product} in {color} be back in stock?",
    "Why was I charged {amount} when the price said less?",
    "Can I pick up order {order} in your {city} store instead?",
    "I never received the invoice for order {order}.",
    "Hello? Anyone there?",
    "Could you upgrade me to {plan}? I need {feature}.",
    "{feature} is not loading in the app since the last update.",
    "My courier {carrier} says the address is incomplete, what should I do?",
    "I returned the {product} {days} days ago and still no refund.",
)
OUTGOING = (
    "Hi {first}, thanks for reaching out! Let me check order {order} for you.",
    "You're welcome, have a great day!",
    "I'm sorry about the delay. Your package is with {carrier} and should arrive by {weekday}.",
    "I've issued a refund of {amount} to your original payment method; it takes 3-5 business days.",
    "Could you send me a photo of the {product} and the label on the box?",
    "The {product} in {color} is back in stock next {weekday}. Want me to reserve one?",
    "I've updated the delivery address to {city}. You'll get a new confirmation by email.",
    "Sorry about that! Here is a new code for you: {code}.",
    "Your {plan} subscription is cancelled; you keep access until the end of the month.",
    "I've opened a claim with {carrier} for tracking number {tracking}.",
    "Yes, we ship to {city}! Delivery usually takes {days} days with {carrier}.",
    "I've sent a password reset link again, please check your spam folder too.",
    "The exchange for a size {size} is on its way, order {order}.",
    "Is there anything else I can help you with?",
    "I've attached the invoice for order {order}.",
    "The {product} has a two-year warranty, so we'll replace it free of charge.",
    "Order {order} has been cancelled and you won't be charged.",
    "Our team fixed the issue with {feature}; please update the app and try again.",
)
COMMENTS = (
    "Repeat customer, offer a 10% coupon if they're unhappy.",
    "Escalating to billing: duplicate charge on {order}.",
    "@{agent} can you take this one? Warehouse says the {product} is out of stock.",
    "Carrier claim opened for {tracking}, follow up on {weekday}.",
    "Refund of {amount} approved by finance.",
    "Customer asked for a callback, prefers mornings.",
    "Known bug with {feature}, linked to the engineering ticket.",
    "Address change confirmed with {carrier}.",
)
DETAILS = (
    "It's a gift for my {relation}, so I need it before {weekday}.",
    "I'm in {city} until the end of the month.",
    "I already tried restarting it.",
    "My order number is {order} if that helps.",
    "This is the second time this happened.",
    "I bought it at your {city} store.",
    "Please call me back if that's easier.",
    "The box said {product} but inside was a {product2}.",
)
_RELATIONS = (  # noqa: SIM905
    "sister brother mother father daughter son friend colleague partner grandmother"
).split()


def zipf_cum_weights(count: int, exponent: float = 1.07) -> list[float]:
    """Cumulative Zipf weights for ranks 1..count, for `random.choices(cum_weights=...)`."""
    return list(itertools.accumulate(1 / (rank**exponent) for rank in range(1, count + 1)))


class Ranked:
    """A list drawn by Zipf-like rank weights."""

    def __init__(self, items: Sequence[str], exponent: float = 1.07) -> None:
        self.items = list(items)
        self._cum = zipf_cum_weights(len(self.items), exponent)
        self._total = self._cum[-1]

    def pick(self, rng: random.Random) -> str:
        return self.items[bisect(self._cum, rng.random() * self._total)]


class TextMaker:
    """Message texts for one corpus seed."""

    def __init__(self, seed: int) -> None:
        shuffler = random.Random(f"vocabulary-{seed}")
        products = [f"{a} {i}" for a in _ADJECTIVES for i in _ITEMS]
        shuffler.shuffle(products)  # which product is the popular one depends on the seed
        self.seed = seed
        self._rng = random.Random()
        self._ranked = {
            "incoming": Ranked(INCOMING),
            "outgoing": Ranked(OUTGOING),
            "comment": Ranked(COMMENTS),
            "detail": Ranked(DETAILS),
            "product": Ranked(products, exponent=1.0),
            "color": Ranked(_COLORS),
            "size": Ranked(_SIZES),
            "carrier": Ranked(_CARRIERS),
            "city": Ranked(_CITIES, exponent=0.9),
            "weekday": Ranked(_WEEKDAYS, exponent=0.3),
            "plan": Ranked(_PLANS),
            "feature": Ranked(_FEATURES),
            "relation": Ranked(_RELATIONS),
            "agent": Ranked([n.split()[0] for n in AGENT_NAMES], exponent=0.5),
        }

    def draw(
        self, message_id: int, kind: str, *, first_name: str = ""
    ) -> tuple[str, random.Random]:
        """The text of message `message_id` (kind: incoming, outgoing or comment), and the
        generator it came from, which then draws the message's other traits."""
        rng = self._rng
        # The C-level seed: Random.seed's Python wrapper doubles the cost, a million times.
        _random.Random.seed(rng, self.seed * 1_000_003 + message_id)
        text = self._fill(self._ranked[kind].pick(rng), rng, first_name)
        if kind == "incoming" and rng.random() < 0.25:
            text = f"{text} {self._fill(self._ranked['detail'].pick(rng), rng, first_name)}"
        return text, rng

    def _fill(self, template: str, rng: random.Random, first_name: str) -> str:
        slots = _SLOTS.get(template)
        if slots is None:
            slots = _SLOTS[template] = tuple(
                name for _, name, _, _ in string.Formatter().parse(template) if name
            )
        if not slots:
            return template
        values: dict[str, object] = {}
        for name in slots:
            if name in self._ranked:
                values[name] = self._ranked[name].pick(rng)
            elif name == "product2":
                values[name] = self._ranked["product"].pick(rng)
            elif name == "first":
                values[name] = first_name or "there"
            else:
                values[name] = _RARE[name](rng)
        return template.format_map(values)


_SLOTS: dict[str, tuple[str, ...]] = {}
# Rare tokens: nearly every value occurs once in the corpus.
_RARE = {
    "order": lambda rng: f"#{rng.randrange(100000, 999999)}",
    "tracking": lambda rng: f"1Z{rng.randrange(16**10):010X}",
    "code": lambda rng: f"SAVE{rng.randrange(100, 999)}",
    "amount": lambda rng: f"${rng.randrange(5, 400)}.{rng.randrange(100):02d}",
    "days": lambda rng: str(rng.randrange(2, 21)),
}


def contact_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def phone_number(rng: random.Random) -> str:
    """A random mobile number in E.164 that libphonenumber accepts."""
    prefix, low, high = PHONE_RANGES[rng.randrange(len(PHONE_RANGES))]
    return prefix + str(rng.randint(low, high)).zfill(len(str(high)))
