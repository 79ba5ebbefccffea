"""Deterministic fake content: texts, names and attachments that look like a VK wall.

Everything takes a `random.Random` so the caller decides what the content is seeded by.
Texts mix Russian and English, hashtags, links and emoji because the loaders' full-text
search, link extraction and encoding handling all need to meet them.
"""

from __future__ import annotations

import random

RU_WORDS = (
    "сегодня новости город встреча концерт выставка погода проект команда друзья "
    "праздник скидки обзор история фото видео музыка спорт победа лето зима весна "
    "осень работа школа университет книга фильм игра кофе утро вечер неделя "
    "результаты голосование розыгрыш подарок отличный интересный важный новый"
).split()
EN_WORDS = (
    "today news city meetup concert exhibition weather project team friends holiday "
    "sale review story photo video music sports win summer winter release update "
    "community event tickets giveaway great new important weekly results"
).split()
HASHTAGS = (
    "#новости", "#москва", "#спорт", "#музыка", "#розыгрыш", "#news", "#event",
    "#sale", "#photo", "#weekend", "#питер", "#казань",
)
LINKS = (
    "https://vk.com/wall-1_1", "https://example.com/article?id=42",
    "http://example.org/путь/страница", "vk.cc/abc123", "https://t.me/example",
    "https://youtu.be/dQw4w9WgXcQ",
)
EMOJI = ("😀", "🔥", "👍", "❤️", "🎉", "😂", "🙏", "💯", "🤔", "✨", "😢", "🚀")
NAME_WORDS = (
    ("Новости", "news"), ("Музыка", "music"), ("Спорт", "sport"), ("Кино", "cinema"),
    ("Город", "city"), ("Книги", "books"), ("Игры", "games"), ("Путешествия", "travel"),
    ("Еда", "food"), ("Наука", "science"),
)
NAME_TAGS = ("alpha", "beta", "gamma", "delta", "omega", "nord", "sever", "luna")
ACTIVITIES = ("Новости", "Музыка", "Спорт", "Развлечения", "Образование", "Городское сообщество")
ATTACHMENT_TYPES = ("photo", "video", "link", "doc", "poll", "audio")


def sentence(rng: random.Random, min_words: int = 3, max_words: int = 14) -> str:
    words = RU_WORDS if rng.random() < 0.65 else EN_WORDS
    text = " ".join(rng.choice(words) for _ in range(rng.randint(min_words, max_words)))
    return text[0].upper() + text[1:]


def post_text(rng: random.Random) -> str:
    if rng.random() < 0.08:
        return ""  # attachment-only posts are common
    parts = [sentence(rng) + "." for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.5:
        parts.append(" ".join(rng.sample(HASHTAGS, rng.randint(1, 3))))
    if rng.random() < 0.3:
        parts.append(rng.choice(LINKS))
    if rng.random() < 0.4:
        parts.append("".join(rng.choices(EMOJI, k=rng.randint(1, 3))))
    return "\n".join(parts) if rng.random() < 0.5 else " ".join(parts)


def comment_text(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.1:
        return "".join(rng.choices(EMOJI, k=rng.randint(1, 4)))
    if roll < 0.25:
        # Long enough that a client forgetting preview_length=0 gets visibly cut texts.
        return " ".join(sentence(rng, 8, 20) + "." for _ in range(rng.randint(2, 4)))
    text = sentence(rng, 1, 12)
    if rng.random() < 0.15:
        text += " " + rng.choice(HASHTAGS)
    if rng.random() < 0.08:
        text += " " + rng.choice(LINKS)
    if rng.random() < 0.3:
        text += " " + rng.choice(EMOJI)
    return text


def group_name(rng: random.Random, index: int) -> tuple[str, str]:
    """A display name and a unique screen name for group number `index`."""
    ru, en = rng.choice(NAME_WORDS)
    tag = rng.choice(NAME_TAGS)
    return f"{ru} {tag.capitalize()} {index}", f"{en}_{tag}_{index}"


def attachment(rng: random.Random, owner_id: int, date: int, kind: str | None = None) -> dict:
    kind = kind or rng.choice(ATTACHMENT_TYPES)
    item_id = rng.randint(100_000, 999_999_999)
    if kind == "photo":
        width, height = rng.choice(((1280, 720), (1080, 1080), (604, 453)))
        body = {
            "id": item_id, "album_id": -7, "owner_id": owner_id, "date": date, "text": "",
            "access_key": f"{rng.getrandbits(64):016x}",
            "sizes": [
                {"type": "m", "width": width // 10, "height": height // 10,
                 "url": f"https://sun9-1.userapi.com/m/{item_id}.jpg"},
                {"type": "x", "width": width, "height": height,
                 "url": f"https://sun9-1.userapi.com/x/{item_id}.jpg"},
            ],
        }
    elif kind == "video":
        body = {
            "id": item_id, "owner_id": owner_id, "title": sentence(rng, 2, 6),
            "duration": rng.randint(5, 3600), "date": date, "views": rng.randint(0, 100_000),
            "access_key": f"{rng.getrandbits(64):016x}",
        }
    elif kind == "link":
        body = {
            "url": rng.choice(LINKS), "title": sentence(rng, 2, 8),
            "caption": "example.com", "description": sentence(rng),
        }
    elif kind == "doc":
        body = {
            "id": item_id, "owner_id": owner_id, "title": f"file_{item_id}.pdf",
            "size": rng.randint(1_000, 10_000_000), "ext": "pdf", "date": date, "type": 1,
            "url": f"https://vk.com/doc{owner_id}_{item_id}",
        }
    elif kind == "poll":
        answers = [
            {"id": item_id * 10 + i, "text": sentence(rng, 1, 4), "votes": rng.randint(0, 500),
             "rate": 0.0}
            for i in range(rng.randint(2, 5))
        ]
        total = sum(a["votes"] for a in answers)
        for answer in answers:
            answer["rate"] = round(100.0 * answer["votes"] / total, 2) if total else 0.0
        body = {
            "id": item_id, "owner_id": owner_id, "created": date, "question": sentence(rng) + "?",
            "votes": total, "answers": answers, "anonymous": rng.random() < 0.5, "multiple": False,
        }
    elif kind == "audio":
        body = {
            "id": item_id, "owner_id": rng.randint(1, 10_000_000), "artist": sentence(rng, 1, 2),
            "title": sentence(rng, 1, 4), "duration": rng.randint(60, 400), "date": date,
        }
    elif kind == "sticker":
        body = {"product_id": rng.randint(1, 500), "sticker_id": rng.randint(1, 90_000)}
    else:
        raise ValueError(f"unknown attachment type {kind!r}")
    return {"type": kind, kind: body}
