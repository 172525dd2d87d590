"""The minute after a daily reminder: 1,000 people check in at once against the real `python -m bot run`.

The bot runs as people run it (a subprocess, default settings, long polling) against the fake Bot API with
Telegram's bot-wide limit switched on: at most 30 calls that put a message in a chat within any one second
(sends and edits; callback answers are free), a 429 with retry_after past it. Each person does one check-in:
`/checkin`, then, after reading the prompt for 1–3 s, a mood press, then waits for the answer. They arrive over
60 s as after a reminder: most in the first seconds, fewer later (the density falls linearly to zero at 60 s).
The same burst runs twice: alone, and while a facilitator's broadcast to 2,000 people is going out.

Figures, per interaction (a command or a press, until its answer is in the chat):
- `burst_p50_s`, `burst_p95_s`: how long people waited;
- `burst_lost`: interactions with no answer within 60 s;
- `burst_429s`: calls the fake refused for flood control (any chat, broadcast included);
- `burst_msgs_per_answer`: limited calls to the burst's people per answered interaction;
- `burst_p95_vs_limit`: p95 over the p95 of an ideal server fed the same arrivals (the measured push times of
  every command and press) that sends exactly 30 messages a second, first come first served, one message per
  interaction, with zero overhead: the physical limit.
With the broadcast, the same names end in `_with_broadcast`; `burst_broadcast_sent` counts broadcast copies
that went out while the burst lasted (the broadcast fills the spare capacity).

Two more say whether the bot or the machine was the limit: `burst_msgs_per_s` (the median count of messages in
each second the bot was sending; the budget allows 29) and `burst_bot_cpu_s` (CPU seconds the bot process
used). Every Bot API call costs the bot a few milliseconds of CPU in PTB and httpx, so on a busy machine the bot
may get too little CPU to use its whole budget and the waits grow past the limit's; `burst_bot_errors` counts
ERROR lines in the bot's log.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.bench_broadcast import FIRST_MEMBER_CHAT, noon_zone, prepare
from bench.common import KEY, ROOT, bench_settings
from bot.app import build_services
from bot.core import callbacks
from bot.core.messages import Address
from tests.e2e.fake_telegram import LIMITED_METHODS, TOKEN, FakeTelegram, Sent

PEOPLE = 1_000
SPREAD_S = 60.0
BROADCAST_RECIPIENTS = 2_000
THINK_S = (1.0, 3.0)
LOST_AFTER_S = 60.0
TELEGRAM_LIMIT = 30
FIRST_CHAT = 30_000_000
MOOD = "checkin:mood:4"
SEED = 18
BROADCAST_HEAD_START = 60  # copies out before the burst begins, so the broadcast is really running
START_TIMEOUT_S = 120.0


class BurstFake(FakeTelegram):
    """The fake Bot API that also wakes the one person a new message or a changed text is for."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.seen: dict[int, list[Sent]] = {}
        self.signals: dict[int, asyncio.Event] = {}

    def _arrived(self, sent: Sent) -> None:
        self.seen.setdefault(sent.chat_id, []).append(sent)
        signal = self.signals.get(sent.chat_id)
        if signal is not None:
            signal.set()

    def _store(self, params: dict[str, Any], kind: str, text: str, upload: Any = None) -> dict[str, Any]:
        result = super()._store(params, kind, text, upload)
        self._arrived(self.messages[-1])
        return result

    async def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any] | dict[str, str]:
        result = await super()._m_editMessageText(params)
        sent = self.message(int(params["message_id"]))
        if sent is not None:
            self._arrived(sent)
        return result

    async def answer(self, chat: int, after: int, timeout: float) -> tuple[float, Sent] | None:
        """The first message or text edit for chat past the first `after` ones, and when it came."""
        signal = self.signals.setdefault(chat, asyncio.Event())
        deadline = time.monotonic() + timeout
        while len(self.seen.get(chat, [])) <= after:
            signal.clear()
            try:
                await asyncio.wait_for(signal.wait(), max(deadline - time.monotonic(), 0))
            except TimeoutError:
                return None
        sent = self.seen[chat][after]
        return (sent.edited_at if sent.edited_at is not None and sent.edits else sent.at), sent


@dataclass
class Results:
    arrivals: list[float] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)
    lost: int = 0


async def person(fake: BurstFake, chat: int, at: float, think: float, key: bytes, results: Results) -> None:
    """One check-in: /checkin, read the prompt, press a mood, wait for the answer."""
    await asyncio.sleep(max(at - time.monotonic(), 0))
    pushed = time.monotonic()
    fake.push(fake.text_update(chat, "/checkin"))
    results.arrivals.append(pushed)
    got = await fake.answer(chat, 0, LOST_AFTER_S)
    if got is None:
        results.lost += 1
        return
    arrived, prompt = got
    results.waits.append(arrived - pushed)
    await asyncio.sleep(think)
    data = callbacks.sign(key, Address("telegram", str(chat)), MOOD)
    pushed = time.monotonic()
    fake.push(fake.callback_update(chat, data, prompt.message_id))
    results.arrivals.append(pushed)
    got = await fake.answer(chat, 1, LOST_AFTER_S)
    if got is None:
        results.lost += 1
        return
    results.waits.append(got[0] - pushed)


def ideal_waits(arrivals: list[float], per_second: float = TELEGRAM_LIMIT) -> list[float]:
    """Waits at a server sending exactly per_second messages, first come first served, no overhead."""
    waits: list[float] = []
    free = float("-inf")
    for arrival in sorted(arrivals):
        done = max(arrival, free) + 1 / per_second
        free = done
        waits.append(done - arrival)
    return waits


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * q), len(ordered) - 1)] if ordered else float("nan")


def arrival_offsets(rng: random.Random) -> list[float]:
    """Seconds after the reminder: density 2/S·(1 - t/S), most people in the first seconds."""
    return sorted(SPREAD_S * (1 - (1 - rng.random()) ** 0.5) for _ in range(PEOPLE))


async def setup(folder: Path, fake: FakeTelegram, with_broadcast: bool) -> bytes:
    if with_broadcast:
        await prepare(folder, fake.base_url, BROADCAST_RECIPIENTS)
    services = await build_services(bench_settings(folder, telegram_bot_token=TOKEN,
                                                   telegram_base_url=fake.base_url))
    try:
        now = services.clock.now()
        zone = noon_zone(now)
        for n in range(PEOPLE):
            await services.store.contacts.create(Address("telegram", str(FIRST_CHAT + n)), "en", zone, now)
        return services.store.vault.callback_key
    finally:
        await services.close()


async def start_bot(folder: Path, fake: FakeTelegram) -> asyncio.subprocess.Process:
    env = {**os.environ, "DATABASE_PATH": str(folder / "bench.db"), "DATA_KEY": KEY,
           "CONTENT_DIR": str(ROOT / "content"), "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": fake.base_url,
           "PYTHONPATH": str(ROOT)}
    for name in ("TELEGRAM_WEBHOOK_URL", "WHATSAPP_ACCESS_TOKEN"):
        env.pop(name, None)
    log = (folder / "bot.log").open("w")
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=folder, env=env,
                                                stdout=log, stderr=log)


def broadcast_copies(fake: FakeTelegram) -> int:
    return sum(1 for m in fake.messages if FIRST_MEMBER_CHAT <= m.chat_id < FIRST_MEMBER_CHAT + BROADCAST_RECIPIENTS)


async def one_run(with_broadcast: bool) -> dict[str, float]:
    fake = BurstFake(send_limit=TELEGRAM_LIMIT)
    await fake.start()
    cpu_before = _children_cpu()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        key = await setup(folder, fake, with_broadcast)
        bot = await start_bot(folder, fake)
        try:
            await fake.wait_for(lambda: fake.calls_of("getUpdates"), START_TIMEOUT_S)
            if with_broadcast:
                await fake.wait_for(lambda: broadcast_copies(fake) >= BROADCAST_HEAD_START, START_TIMEOUT_S)
            rng = random.Random(SEED)
            start = time.monotonic() + 0.5
            copies_before = broadcast_copies(fake)
            results = Results()
            chats = [FIRST_CHAT + n for n in range(PEOPLE)]
            await asyncio.gather(*(person(fake, chat, start + at, rng.uniform(*THINK_S), key, results)
                                   for chat, at in zip(chats, arrival_offsets(rng), strict=True)))
            copies_during = broadcast_copies(fake) - copies_before
        finally:
            if bot.returncode is None:
                bot.terminate()
            try:
                await asyncio.wait_for(bot.wait(), 30)
            except TimeoutError:
                bot.kill()
                await bot.wait()
            await fake.stop()
            log = (folder / "bot.log").read_text(errors="replace")
    people = set(chats)
    limited = sum(1 for c in fake.calls if c.method in LIMITED_METHODS and c.fault is None
                  and int(c.params.get("chat_id", 0)) in people)
    ideal_p95 = quantile(ideal_waits(results.arrivals), 0.95)
    p95 = quantile(results.waits, 0.95)
    suffix = "_with_broadcast" if with_broadcast else ""
    figures = {f"burst_p50_s{suffix}": round(quantile(results.waits, 0.5), 2), f"burst_p95_s{suffix}": round(p95, 2),
               f"burst_lost{suffix}": results.lost, f"burst_429s{suffix}": fake.throttled,
               f"burst_msgs_per_answer{suffix}": round(limited / max(len(results.waits), 1), 2),
               f"burst_ideal_p95_s{suffix}": round(ideal_p95, 2),
               f"burst_p95_vs_limit{suffix}": round(p95 / ideal_p95, 2)}
    figures[f"burst_msgs_per_s{suffix}"] = round(_busy_rate(fake), 1)
    figures[f"burst_bot_cpu_s{suffix}"] = round(_children_cpu() - cpu_before, 1)
    figures[f"burst_bot_errors{suffix}"] = sum(1 for line in log.splitlines() if " ERROR " in line)
    if with_broadcast:
        figures["burst_broadcast_sent"] = copies_during
    return figures


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _busy_rate(fake: BurstFake) -> float:
    """Messages a second the bot sent over its busiest stretch: the median of its per-second counts while it
    was sending (what the budget let through, broadcast included)."""
    times = sorted(m.at for m in fake.messages) + sorted(m.edited_at for m in fake.messages if m.edited_at)
    if not times:
        return 0.0
    first = min(times)
    per_second: dict[int, int] = {}
    for moment in times:
        per_second[int(moment - first)] = per_second.get(int(moment - first), 0) + 1
    counts = sorted(per_second.values())
    return float(counts[len(counts) // 2])


async def measure(variants: list[bool]) -> dict[str, float]:
    figures: dict[str, float] = {}
    for with_broadcast in variants:
        figures.update(await one_run(with_broadcast))
    return figures


def main() -> None:
    """`python -m bench.bench_burst [alone|broadcast]` runs one variant; no argument runs both."""
    choice = sys.argv[1:2]
    variants = [False, True] if not choice else [choice[0] == "broadcast"]
    json.dump(asyncio.run(measure(variants)), sys.stdout)


if __name__ == "__main__":
    main()
