"""What the demo workspace holds: Northwind Outfitters, an outdoor-gear shop answering its
customers on Chatterbox, a WhatsApp-like messenger. Data only; `seed` and `bridge` use it.

Phone numbers are fictional: +1 NXX 555-01XX and +61 491 570 XXX are reserved for drama.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from frontdesk.demo import media, video

# Every demo user's password, printed at start: the demo is a showcase, not a deployment.
PASSWORD = "frontdesk-demo"  # noqa: S105
APP_NAME = "Chatterbox bridge"
# The name of the bridge's token (a label, not a secret), minted anew at each start.
TOKEN_NAME = "Chatterbox demo bridge"  # noqa: S105
CHANNEL_NAME = "Chatterbox"
CHANNEL_DESCRIPTION = (
    "A WhatsApp-like messenger. Replies are delivered by the demo's simulated Chatterbox bridge."
)
CAPABILITIES: dict[str, Any] = {
    "deliveryIdentifierTypes": ["HS_PHONE_NUMBER"],
    "threadingModel": "DELIVERY_IDENTIFIER",  # one conversation per customer and line
    "richText": ["BOLD", "ITALIC", "HYPERLINK", "LISTS"],
    "allowInlineImages": False,
    "allowOutgoingMessages": True,
    "allowConversationStart": False,
    "allowMultipleRecipients": False,
    "outgoingAttachmentTypes": ["FILE"],
    "allowedFileAttachmentMimeTypes": ["image/*", "audio/*", "video/mp4", "application/pdf"],
    "maxFileAttachmentCount": 3,
    "maxFileAttachmentSizeBytes": 16_000_000,
    "maxTotalFileAttachmentSizeBytes": 25_000_000,
}


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    email: str
    role: str
    teams: tuple[str, ...]


ADMIN = Person("alex", "Alex Morgan", "admin@example.com", "admin", ())
AGENTS = (
    Person("maya", "Maya Chen", "maya@example.com", "agent", ("Support",)),
    Person("leo", "Leo Okafor", "leo@example.com", "agent", ("Sales",)),
    Person("priya", "Priya Nair", "priya@example.com", "agent", ("Support", "Sales")),
)
TEAMS = ("Support", "Sales")
INBOXES = (("Support", ("Support",)), ("Sales", ("Sales",)))


@dataclass(frozen=True)
class Line:
    """A channel account: one business number of the shop, connected to an inbox."""

    key: str
    name: str
    phone: str
    inbox: str


LINES = (
    Line("sales", "Chatterbox Sales line", "+12025550100", "Sales"),
    Line("support", "Chatterbox Support line", "+12025550101", "Support"),
)


@dataclass(frozen=True)
class Customer:
    name: str
    phone: str


CUSTOMERS = {
    "sofia": Customer("Sofia Martinez", "+13125550178"),
    "james": Customer("James Carter", "+12025550143"),
    "aiko": Customer("Aiko Tanaka", "+61491570156"),
    "oliver": Customer("Oliver Brown", "+14155550132"),
    "fatima": Customer("Fatima Al-Sayed", "+16175550199"),
    "lukas": Customer("Lukas Weber", "+12125550164"),
    "chloe": Customer("Chloé Dubois", "+61491570157"),
    "ravi": Customer("Ravi Patel", "+16465550120"),
    "emma": Customer("Emma Johansson", "+61491570158"),
    "daniel": Customer("Daniel Kim", "+12065550187"),
    "grace": Customer("Grace Liu", "+61491570159"),
}


@dataclass(frozen=True)
class Media:
    file_name: str
    make: Callable[[], bytes]
    usage: str | None  # fileUsageType; None lets Frontdesk infer it from the sniffed type


MEDIA = {
    "parcel": Media("crushed-parcel.png", media.parcel_png, "IMAGE"),
    "sunset": Media("campsite-sunset.png", media.sunset_png, "IMAGE"),
    "sticker": Media("smiley-sticker.png", media.sticker_png, "STICKER"),
    "voice": Media("voice-note.wav", media.voice_note_wav, "VOICE_RECORDING"),
    "beep": Media("headlamp-beep.wav", media.jingle_wav, "AUDIO"),
    "video": Media("bouncy-ball.mp4", video.ball_mp4, None),
    "invoice": Media("invoice-2024-0815.pdf", media.invoice_pdf, "OTHER"),
    "label": Media("return-label.pdf", media.return_label_pdf, "OTHER"),
}


@dataclass(frozen=True)
class Step:
    """One thing that happened: `minutes` after the conversation started."""

    kind: str  # in (customer), out (an agent's past reply), note (comment), send (reply now)
    text: str
    minutes: int = 0
    agent: str | None = None
    media: str | None = None
    rich: str | None = None


def said(minutes: int, text: str, media: str | None = None) -> Step:
    return Step("in", text, minutes, media=media)


def replied(
    minutes: int, agent: str, text: str, *, rich: str | None = None, media: str | None = None
) -> Step:
    return Step("out", text, minutes, agent=agent, media=media, rich=rich)


def noted(agent: str, text: str) -> Step:
    return Step("note", text, agent=agent)


def sends(agent: str, text: str) -> Step:
    return Step("send", text, agent=agent)


@dataclass(frozen=True)
class Conversation:
    line: str
    customer: str
    started_minutes_ago: int
    steps: tuple[Step, ...]
    assignee: str | None = None
    closed: bool = False


CONVERSATIONS = (
    Conversation(
        "support",
        "oliver",
        7,
        (
            said(0, "", media="voice"),
            said(1, "Sorry, driving. The paddle is missing from my kayak order NW-20931."),
        ),
    ),
    Conversation(
        "sales",
        "grace",
        12,
        (said(0, "Hi! Do you ship to Australia? I'm looking at the Alpine 55 backpack."),),
    ),
    Conversation(
        "sales",
        "lukas",
        35,
        (
            said(0, "Hello, which sizes does the Storm rain jacket come in? I'm 1.85 m, 80 kg."),
            replied(
                7,
                "leo",
                "Hi Lukas! The Storm jacket comes in S to XXL, in regular and long fits. "
                "For you we'd recommend L, long fit.",
                rich="<p>Hi Lukas! The Storm jacket comes in:</p><ul><li>S to XXL</li>"
                "<li>regular and long fits</li></ul><p>For you we'd recommend <b>L, long fit</b>."
                "</p>",
            ),
            said(20, "Perfect. Is the navy one in stock?"),
        ),
        assignee="leo",
    ),
    Conversation(
        "support",
        "chloe",
        70,
        (
            said(
                0, "Bonjour! My headlamp makes this sound every few minutes, even when off.", "beep"
            ),
            said(2, "It's the Summit 400. Is that normal?"),
        ),
    ),
    Conversation(
        "support",
        "sofia",
        95,
        (
            said(0, "Hi! My order arrived today but the box was crushed 😞", media="parcel"),
            said(1, "The tent inside looks ok but one pole is bent."),
            replied(
                6,
                "maya",
                "Hi Sofia, I'm so sorry about that! Could you send me your order number? "
                "I'll get a replacement pole out to you.",
            ),
            said(14, "Sure, it's NW-20874"),
            replied(
                20,
                "maya",
                "Thanks! A replacement pole ships tomorrow, free of charge.",
                rich="<p>Thanks! A replacement pole ships <b>tomorrow</b>, <i>free of charge</i>."
                "</p>",
            ),
            said(75, "Amazing, thank you Maya!"),
            noted("maya", "Replacement approved, warehouse ticket WH-5531."),
        ),
        assignee="maya",
    ),
    Conversation(
        "support",
        "fatima",
        150,
        (
            said(
                0,
                "Hello, I think I was charged twice for my last order. Invoice attached.",
                media="invoice",
            ),
            replied(
                9,
                "priya",
                "Hi Fatima, thanks for the invoice. I can see a pending authorisation next to the "
                "charge: the pending one drops off within 3 business days.",
            ),
            said(17, "OK, but my bank shows both as completed."),
            replied(25, "priya", "Understood, I've asked our payments team to check."),
            sends("priya", "Good news: the duplicate charge was refunded. It shows in 2-3 days."),
        ),
        assignee="priya",
    ),
    Conversation(
        "sales",
        "ravi",
        190,
        (
            said(
                0,
                "Saw this bouncy ball in your kids' corner ad. Do you have it in blue?",
                media="video",
            ),
            replied(10, "leo", "Hi Ravi! Blue and green are both in stock, 12.90 EUR each."),
            said(22, "Great, I'll take two blue ones. Can I pick them up in store?"),
        ),
        assignee="leo",
    ),
    Conversation(
        "sales",
        "aiko",
        1300,
        (
            said(0, "Do you sell gift cards? It's for my brother's birthday."),
            replied(
                14,
                "priya",
                "We do! Digital gift cards from 25 to 500 EUR, sent by email: "
                "https://northwind.example/gift-cards",
                rich='<p>We do! Digital gift cards from 25 to 500 EUR, sent by email: <a href="'
                'https://northwind.example/gift-cards">northwind.example/gift-cards</a></p>',
            ),
        ),
        assignee="priya",
    ),
    Conversation(
        "support",
        "james",
        1500,
        (
            said(0, "Hey, where's my order? It's been a week. NW-20790"),
            replied(
                12,
                "priya",
                "Hi James! It's with the courier, expected Thursday: "
                "https://track.example.com/NW-20790",
                rich="<p>Hi James! It's with the courier, expected <b>Thursday</b>: <a href=\""
                'https://track.example.com/NW-20790">track your parcel</a></p>',
            ),
            said(30, "Great, thanks!"),
        ),
        assignee="priya",
    ),
    Conversation(
        "support",
        "aiko",
        2900,
        (
            said(
                0, "Hi, how do I attach the rain fly to the Ridge 2 tent? The manual is confusing."
            ),
            replied(
                8,
                "maya",
                "Hi Aiko! Clip the four corner buckles first, then wrap the velcro tabs around the "
                "poles from the inside.",
            ),
            said(40, "That worked, thank you so much!"),
            said(41, "", media="sticker"),
        ),
        assignee="maya",
        closed=True,
    ),
    Conversation(
        "sales",
        "oliver",
        3000,
        (
            said(0, "Can I reserve the Sea Breeze kayak for pickup on Saturday?"),
            replied(5, "leo", "Sure, Oliver! It's reserved under your name until Saturday 6 pm."),
            said(9, "👍"),
        ),
        assignee="leo",
        closed=True,
    ),
    Conversation(
        "support",
        "emma",
        4400,
        (
            said(
                0,
                "The Ridge 2 held up great in last night's storm. This morning's view:",
                media="sunset",
            ),
            replied(
                15, "maya", "What a view! Thanks for sharing, Emma. Enjoy the rest of your trip."
            ),
        ),
        assignee="maya",
        closed=True,
    ),
    Conversation(
        "sales",
        "sofia",
        5500,
        (
            said(0, "Is the Ridge 2 tent still on sale this week?"),
            replied(20, "leo", "Yes, 20% off until Sunday!"),
            said(23, "Ordered, thanks!"),
        ),
        assignee="leo",
        closed=True,
    ),
    Conversation(
        "support",
        "daniel",
        5800,
        (
            said(0, "I'd like to return the hiking boots, they're half a size too small."),
            replied(
                11,
                "maya",
                "No problem, Daniel. Here's your prepaid return label: drop the parcel at any "
                "post office within 30 days.",
                media="label",
            ),
            said(26, "Got it, thanks."),
        ),
        assignee="maya",
        closed=True,
    ),
    Conversation(
        "sales",
        "james",
        7200,
        (
            said(
                0, "Hi, I run a climbing club. Could we get a quote for 12 harnesses and 6 ropes?"
            ),
            replied(
                25,
                "leo",
                "Hi James, happy to help! For 12 Apex harnesses and 6 Dynamic 60 m ropes we can "
                "offer 15% off list price. The quote follows by email today.",
            ),
            said(50, "Sounds great."),
        ),
        assignee="leo",
        closed=True,
    ),
)

# What the simulated bridge's customers write, per line; media keys from MEDIA.
LIVE_TEXTS = {
    "sales": (
        "Hi, is the Alpine 55 backpack waterproof?",
        "Do you have the Storm jacket in red, size M?",
        "What are your opening hours on Sunday?",
        "Can I pay in three instalments?",
        "Is there a student discount?",
        "Do you price-match other shops?",
        "How long is the warranty on sleeping bags?",
        "Could you hold a pair of Trail runners in 42 for me until tomorrow?",
    ),
    "support": (
        "My parcel says delivered but it's not here.",
        "The zip on my jacket broke after two weeks.",
        "Can I change the delivery address of order NW-21002?",
        "I got the wrong colour, I ordered green.",
        "How do I clean the Ridge 2 tent before storing it?",
        "The tracking link doesn't work for me.",
        "Thanks for the quick help yesterday!",
        "Is it normal that the stove smells the first time?",
    ),
}
LIVE_MEDIA = (("sticker", ""), ("parcel", "Here's a photo."), ("voice", ""), ("sunset", "Look!"))
NEW_CUSTOMERS = (
    Customer("Noah Schmidt", "+61491570110"),
    Customer("Amara Okafor", "+13125550111"),
    Customer("Lucía Fernández", "+14155550112"),
    Customer("Mei Wong", "+61491570313"),
    Customer("Jonas Berg", "+16175550113"),
    Customer("Zara Ahmed", "+12065550114"),
    Customer("Tom Hughes", "+61491570737"),
    Customer("Ines Costa", "+12125550115"),
)
