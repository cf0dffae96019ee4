"""Transcripts: a person writes, the bot answers, and the database remembers."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.app import ReferralBot
from bot.core.clock import FakeClock
from bot.core.effects import Effects
from bot.core.messages import Address
from bot.core.staffing import Staffing
from bot.staff.referral_card import follow
from tests.fakes import CollectingChannel, Conversation


async def code_of(bot: ReferralBot, who: str) -> str:
    async with bot.store.transaction() as tx:
        found = await tx.participants.by_address(Address("console", who))
    assert found is not None
    return found[0].code


async def test_alice_asks_for_her_link(conversation: Conversation, bot: ReferralBot) -> None:
    reply = await conversation.say("alice", "Can you send me my referral link?")
    code = await code_of(bot, "alice")
    assert f"https://ref.example/r/{code}" in reply
    assert f"JOIN {code}" in reply


async def test_a_newcomer_with_no_referrals_gets_the_link_to_share(
    conversation: Conversation, bot: ReferralBot
) -> None:
    reply = await conversation.say("alice", "how many friends have I referred?")
    assert f"https://ref.example/r/{await code_of(bot, 'alice')}" in reply
    assert reply == bot.catalogs.text(
        "en", "count.none", link=f"https://ref.example/r/{await code_of(bot, 'alice')}"
    )


async def test_bob_joins_with_alices_code_and_alice_is_thanked(
    conversation: Conversation, bot: ReferralBot
) -> None:
    await conversation.say("alice", "LINK")
    code = await code_of(bot, "alice")
    welcome = await conversation.say("bob", f"join {code.lower()}")
    assert welcome.startswith(bot.catalogs.text("en", "join.welcome", referrer="alice"))
    assert conversation.inbox("alice")[-1] == bot.catalogs.text(
        "en", "thanks.signup", count=1, friend="bob"
    )
    assert await conversation.say("alice", "how many friends have I referred?") == (
        bot.catalogs.text("en", "count.total", count=1)
    )


async def test_without_slack_an_account_managers_news_is_not_queued_where_it_cannot_go(
    conversation: Conversation, bot: ReferralBot
) -> None:
    await conversation.say("alice", "LINK")
    async with bot.store.transaction() as tx:
        found = await tx.participants.by_address(Address("console", "alice"))
        assert found is not None
        await tx.participants.update_profile(
            found[0].id, display_name="alice", segment="b2b", company="Acme Corp",
            account_manager="U0DANA", customer_since=None, lang="en", lang_chosen=False,
            time_zone=None,
        )  # fmt: skip
    await conversation.say("bob", f"JOIN {await code_of(bot, 'alice')}")
    assert conversation.inbox("alice")[-1] == bot.catalogs.text(
        "en", "thanks.signup", count=1, friend="bob"
    )
    async with bot.store.transaction() as tx:
        queued = [row.to.channel for row in await tx.outbox.recent(limit=100)]
    assert "slack" not in queued and sorted(set(queued)) == ["console"]
    # Nor a card for a notification channel named while Slack itself is not set up.
    named = replace(bot.context, staff=Staffing.parse(staff_users="", notify_channel="C0NOTIFY"))
    assert "slack" in named.off
    async with bot.store.transaction() as tx:
        bob = await tx.participants.by_address(Address("console", "bob"))
        assert bob is not None
        referral = await tx.referrals.of_friend(bob[0].id)
        assert referral is not None
        assert await follow(named, tx, referral.id, now=bot.clock.now()) == Effects()


async def test_a_retried_event_changes_nothing(
    conversation: Conversation, bot: ReferralBot, channel: CollectingChannel
) -> None:
    from bot.core.messages import Inbound

    inbound = Inbound(Address("console", "alice"), "LINK", "same-id", conversation.clock.now())
    first = await bot.engine.handle(inbound)
    again = await bot.engine.handle(inbound)
    assert not first.duplicate and first.enqueued == 1
    assert again.duplicate and again.enqueued == 0


async def test_a_friend_who_asks_how_to_join_is_told_how_and_then_joins(
    conversation: Conversation, bot: ReferralBot
) -> None:
    await conversation.say("alice", "LINK")
    code = await code_of(bot, "alice")
    how = bot.catalogs.text("en", "join.how")
    assert how == (
        "To join through a friend, open the link they sent you, or text JOIN and the code at "
        "the end of it, like JOIN K7Q2M9XA."
    )
    assert await conversation.say("bob", "my friend Alice invited me, how do I join?") == how
    assert await conversation.say("bob", "JOIN") == how
    assert not conversation.inbox("alice")[1:]  # asking is not joining: no thank-you yet
    welcome = await conversation.say("bob", f"JOIN {code}")
    assert welcome.startswith(bot.catalogs.text("en", "join.welcome", referrer="alice"))
    assert await conversation.say("bob", "I was referred by alice") == (
        "You've already joined through alice's invite. To invite friends of your own, text LINK."
    )
    # alice shares her own link: she is no friend joining, and "referred me" is not her count
    assert await conversation.say("alice", "how do I join?") == bot.catalogs.text(
        "en", "join.already_customer"
    )


async def test_friends_ask_how_to_join_in_korean_and_chinese(
    conversation: Conversation, bot: ReferralBot
) -> None:
    assert await conversation.say("minsu", "친구 초대로 왔어요. 어떻게 가입해요?") == (
        "친구 초대로 가입하려면 친구가 보낸 링크를 열거나, 링크 끝에 있는 코드를 JOIN과 함께 "
        "보내 주세요. 예: JOIN K7Q2M9XA"
    )
    assert await conversation.say("wei", "我是朋友推荐来的，怎么加入？") == (
        "要通过朋友的邀请加入，请打开朋友发给你的链接，或发送 JOIN 加上链接末尾的推荐码，"
        "例如 JOIN K7Q2M9XA。"
    )
    assert await conversation.say("mei", "朋友邀請我的") == bot.catalogs.text("zh-Hant", "join.how")


async def test_goodbyes_and_a_polite_no_get_one_line_and_change_nothing(
    conversation: Conversation, bot: ReferralBot
) -> None:
    assert await conversation.say("alice", "ok thanks bye") == "You're welcome! Anything else?"
    assert await conversation.say("alice", "bye!") == "Bye! Text LINK any time for your link."
    assert await conversation.say("alice", "no thanks, not interested") == (
        "No problem. Text LINK whenever you'd like your link, or STOP for no more messages."
    )
    assert await conversation.say("alice", "아니요 괜찮아요") == (
        "알겠어요. 링크가 필요할 때 LINK를, 메시지를 그만 받으려면 STOP을 보내 주세요."
    )
    assert await conversation.say("alice", "再见") == "再见！需要链接时随时发送 LINK。"
    assert await conversation.say("alice", "LINK")  # a no is no opt-out: she still hears back


async def test_wrong_number_is_heard_as_stop(conversation: Conversation, bot: ReferralBot) -> None:
    stopped = bot.catalogs.text("en", "stop.confirm")
    assert await conversation.say("carol", "Sorry, wrong number") == stopped
    assert await conversation.say("carol", "LINK") == ""
    assert await conversation.say("dan", "I typed the wrong number") != stopped
    assert await conversation.say("min", "번호 잘못 보내셨어요") == bot.catalogs.text(
        "ko", "stop.confirm"
    )


async def test_asking_for_a_person_without_a_support_contact_hears_what_the_bot_can_do(
    conversation: Conversation, bot: ReferralBot
) -> None:
    assert await conversation.say("alice", "can I talk to a real person?") == (
        "I'm the program's bot, so I can't hand you to a person here. I can send your link, "
        "tell you how many friends joined, show the leaderboard and your rewards."
    )
    assert await conversation.say("minsu", "상담원 연결해 주세요") == bot.catalogs.text(
        "ko", "help.human_none"
    )


async def test_refusals_say_why(conversation: Conversation, bot: ReferralBot) -> None:
    await conversation.say("alice", "LINK")
    alice = await code_of(bot, "alice")
    assert await conversation.say("alice", f"JOIN {alice}") == bot.catalogs.text(
        "en", "join.own_code"
    )
    assert await conversation.say("bob", "JOIN ZZZZ9999") == bot.catalogs.text(
        "en", "join.unknown_code", code="ZZZZ9999"
    )
    assert "isn't a valid code" in await conversation.say("bob", "JOIN ABC")
    await conversation.say("carol", "LINK")
    carol = await code_of(bot, "carol")
    await conversation.say("bob", f"JOIN {alice}")
    assert await conversation.say("bob", f"JOIN {carol}") == bot.catalogs.text(
        "en", "join.already_referred"
    )
    # carol brought a friend of her own: she is a customer already, not a new friend
    await conversation.say("erin", f"JOIN {carol}")
    assert await conversation.say("carol", f"JOIN {alice}") == bot.catalogs.text(
        "en", "join.already_customer"
    )
    # frank only asked for his own link first (the link he was sent, he thought): he has
    # bought nothing and brought nobody, so he still joins through his friend's
    await conversation.say("frank", "what's my link?")
    assert await conversation.say("frank", f"JOIN {alice}") == (
        "Welcome! You joined through alice's invite."
    )
    count = await conversation.say("alice", "COUNT")
    assert count.startswith(bot.catalogs.text("en", "count.total", count=2))
    assert bot.catalogs.text("en", "reason.already_customer") in count


async def test_stop_means_nothing_more_until_start(
    conversation: Conversation, bot: ReferralBot
) -> None:
    await conversation.say("alice", "LINK")
    code = await code_of(bot, "alice")
    assert await conversation.say("alice", "please stop texting me") == bot.catalogs.text(
        "en", "stop.confirm"
    )
    assert await conversation.say("alice", "LINK") == ""  # opted out: even replies wait for START
    await conversation.say("bob", f"JOIN {code}")
    assert bot.catalogs.text(
        "en", "thanks.signup", count=1, friend="bob"
    ) not in conversation.inbox("alice")
    assert await conversation.say("alice", "START") == bot.catalogs.text("en", "start.confirm")
    assert code in await conversation.say("alice", "LINK")


async def test_keeping_the_messages_is_no_welcome_back_for_someone_who_never_left(
    conversation: Conversation, bot: ReferralBot
) -> None:
    await conversation.say("alice", "LINK")
    assert await conversation.say("alice", "don't unsubscribe me") == (
        "You're subscribed: you'll keep getting messages here. Text STOP any time to opt out."
    )
    assert await conversation.say("alice", "STOP 하지 마") == (
        "지금도 여기로 메시지를 받고 계세요. 그만 받으려면 언제든 STOP을 보내 주세요."
    )
    assert await conversation.say("alice", "can't stop telling friends about you") == (
        "Sorry, I didn't catch that. Try LINK, COUNT, TOP, REWARDS or HELP."
    )
    assert await conversation.say("alice", "🛑") == bot.catalogs.text("en", "stop.confirm")
    assert await conversation.say("alice", "don't unsubscribe me") == bot.catalogs.text(
        "en", "start.confirm"
    )


async def test_a_stop_sent_by_mistake_is_taken_back_in_the_readers_own_words(
    conversation: Conversation, bot: ReferralBot
) -> None:
    await conversation.say("mei", "我的链接")
    assert await conversation.say("mei", "TD") == (
        "你已退订，之后不会再在这里收到消息。想恢复的话，发送 START 即可。"
    )
    assert await conversation.say("mei", "刚才点错了，不是要退订，恢复吧") == (
        "欢迎回来！你会重新在这里收到消息。随时发送 STOP 即可退订。"
    )
    assert await conversation.say("mei", "别停，继续给我推送") == (
        "你仍在订阅中，会继续在这里收到消息。随时发送 STOP 即可退订。"
    )
    # English glued to Cantonese: STOP and please
    assert await conversation.say("ka-yan", "STOP唔該") == (
        "你已取消訂閱，之後不會再從這裡收到訊息。想回來的話，傳 START 就可以了。"
    )
    assert await conversation.say("ka-yan", "我想再收訊息") == (
        "歡迎回來！你會再次在這裡收到訊息。隨時傳 STOP 就能取消訂閱。"
    )
    # "stop asking, just give me the link": the link, and no unsubscribing
    reply = await conversation.say("minsu", "그만 물어보고 링크나 줘")
    assert f"https://ref.example/r/{await code_of(bot, 'minsu')}" in reply
    assert await conversation.say("minsu", "실수로 그만 눌렀어요 다시 보내주세요") == (
        "지금도 여기로 메시지를 받고 계세요. 그만 받으려면 언제든 STOP을 보내 주세요."
    )


async def test_language_is_detected_switched_and_remembered(
    conversation: Conversation, bot: ReferralBot
) -> None:
    reply = await conversation.say("minsu", "내 추천 링크 보내줘")
    assert reply.startswith(bot.catalogs.text("ko", "link.reply", link="", code="")[:4])
    assert await conversation.say("minsu", "LANG zh-Hant") == bot.catalogs.text(
        "zh-Hant", "language.switched"
    )
    assert await conversation.say("minsu", "COUNT") == bot.catalogs.text(
        "zh-Hant", "count.none", link=f"https://ref.example/r/{await code_of(bot, 'minsu')}"
    )


async def test_a_newcomers_first_word_a_language_code_chooses_that_language(
    conversation: Conversation, bot: ReferralBot
) -> None:
    assert await conversation.say("minsu", "KO") == "알겠어요. 이제 한국어로 안내해 드릴게요."
    assert await conversation.say("wei", "ZH") == "好的，之后我会用简体中文和你沟通。"
    assert await conversation.say("ana", "EN") == "Okay, I'll write to you in English."
    assert await conversation.say("jisoo", "한국어") == "알겠어요. 이제 한국어로 안내해 드릴게요."
    assert await conversation.say("li", "中文") == "好的，之后我会用简体中文和你沟通。"
    assert await conversation.say("bea", "English") == "Okay, I'll write to you in English."
    link = f"https://ref.example/r/{await code_of(bot, 'minsu')}"
    assert await conversation.say("minsu", "COUNT") == bot.catalogs.text(
        "ko", "count.none", link=link
    )  # remembered
    assert (await conversation.say("tom", "I speak EN")).startswith("Sorry, I didn't catch")


async def test_an_english_sentence_after_korean_is_answered_in_english_unless_korean_was_chosen(
    conversation: Conversation, bot: ReferralBot
) -> None:
    await conversation.say("minsu", "내 링크")
    assert await conversation.say("minsu", "LINK") == bot.catalogs.text(
        "ko",
        "link.reply",
        link=f"https://ref.example/r/{await code_of(bot, 'minsu')}",
        code=await code_of(bot, "minsu"),
    )
    assert await conversation.say("minsu", "how many friends have I referred?") == (
        f"You haven't referred anyone yet. Share your link: "
        f"https://ref.example/r/{await code_of(bot, 'minsu')}"
    )
    await conversation.say("jisoo", "LANG ko")
    reply = await conversation.say("jisoo", "how many friends have I referred?")
    assert reply == bot.catalogs.text(
        "ko", "count.none", link=f"https://ref.example/r/{await code_of(bot, 'jisoo')}"
    )


async def test_a_korean_word_in_an_english_sentence_keeps_the_answers_in_english(
    conversation: Conversation, bot: ReferralBot
) -> None:
    await conversation.say("alice", "LINK")
    link = f"https://ref.example/r/{await code_of(bot, 'alice')}"
    assert await conversation.say("alice", "how many 🎉 friends 친구") == (
        f"You haven't referred anyone yet. Share your link: {link}"
    )
    assert await conversation.say("alice", "COUNT") == (
        f"You haven't referred anyone yet. Share your link: {link}"
    )
    assert await conversation.say("alice", "친구 몇 명") == bot.catalogs.text(
        "ko", "count.none", link=link
    )  # Korean itself still switches


async def test_the_same_words_are_answered_in_each_persons_own_language(
    conversation: Conversation, bot: ReferralBot
) -> None:
    # Short texts are read once and remembered (bot/services/conversation.py), per language.
    await conversation.say("minsu", "LANG ko")
    assert await conversation.say("minsu", "COUNT") == bot.catalogs.text(
        "ko", "count.none", link=f"https://ref.example/r/{await code_of(bot, 'minsu')}"
    )
    assert await conversation.say("alice", "COUNT") == bot.catalogs.text(
        "en", "count.none", link=f"https://ref.example/r/{await code_of(bot, 'alice')}"
    )
    assert await conversation.say("minsu", "COUNT") == bot.catalogs.text(
        "ko", "count.none", link=f"https://ref.example/r/{await code_of(bot, 'minsu')}"
    )


async def test_the_leaderboard_masks_names_and_shows_my_rank(
    conversation: Conversation, bot: ReferralBot
) -> None:
    await conversation.say("alexandra", "LINK")
    code = await code_of(bot, "alexandra")
    for friend in ("f1", "f2"):
        await conversation.say(friend, f"JOIN {code}")
    board = await conversation.say("alexandra", "show me the leaderboard")
    assert "alexandra" not in board and "al***" in board
    assert bot.catalogs.text("en", "leaderboard.you", rank=1, count=2) in board
    assert bot.catalogs.text("en", "leaderboard.you_unranked") in await conversation.say(
        "f1", "TOP"
    )


async def test_hostile_input_gets_a_sensible_reply(
    conversation: Conversation, bot: ReferralBot
) -> None:
    for text in [
        "",
        " ",
        "x" * 10_000,
        "\x00\x01\x1b[31m",
        "🎉🎉🎉",
        "\u202eKNIL",
        "'; DROP TABLE participants; --",
        "JOIN K7Q2M9XA1",
        "JOIN ÄÖÜ",
    ]:
        assert await conversation.say("mallory", text) != "", repr(text)
    async with bot.store.transaction() as tx:
        assert await tx.participants.by_address(Address("console", "mallory")) is not None


async def test_replies_leave_through_the_outbox(
    conversation: Conversation, bot: ReferralBot, channel: CollectingChannel
) -> None:
    from bot.core.messages import Inbound

    await bot.engine.handle(
        Inbound(Address("console", "alice"), "HELP", "e1", conversation.clock.now())
    )
    assert channel.sent == []  # nothing is sent from the handler itself
    async with bot.store.transaction() as tx:
        rows = await tx.outbox.recent(status="scheduled")
    assert len(rows) == 1 and rows[0].kind == "reply"
    conversation.clock.advance(timedelta(seconds=1))
    assert await bot.dispatcher.dispatch_due() == 1
    assert channel.sent[0].text == bot.catalogs.text("en", "help.text")


async def test_a_code_of_the_wrong_length_in_a_sentence_is_answered_as_a_code(
    conversation: Conversation,
) -> None:
    """Not with the person's own link: they were given a code, and it is not a valid one."""
    invalid = '"ABC123" isn\'t a valid code. Codes have 8 letters and numbers, like K7Q2M9XA.'
    assert await conversation.say("bob", "my friend gave me code ABC123") == invalid
    assert await conversation.say("bob", "my friend's code is ABC123") == invalid
    assert await conversation.say("minsu", "친구가 준 코드 ABC123 이요") == (
        "올바르지 않은 코드예요: ABC123\n코드는 K7Q2M9XA처럼 영문과 숫자 8자리예요."
    )
    assert await conversation.say("bob", "my verification code is 4F7K2Q") == (
        "Sorry, I didn't catch that. Try LINK, COUNT, TOP, REWARDS or HELP."
    )


async def test_a_cantonese_friend_asking_how_to_join_is_told_how(
    conversation: Conversation,
) -> None:
    how = (
        "要透過朋友的邀請加入，請打開朋友傳給你的連結，或傳送 JOIN 加上連結結尾的推薦碼，"
        "例如 JOIN K7Q2M9XA。"
    )
    assert (await conversation.say("wong", "我係朋友介紹嚟嘅，點樣加入？")).startswith(how)
    said = "我朋友介紹我嚟…但係我唔記得咗個code，點算好？"
    assert (await conversation.say("chan", said)).startswith(how)


async def test_a_fast_texter_muted_by_the_loop_guard_is_told_so_once(
    conversation: Conversation, clock: FakeClock
) -> None:
    """60 answers in half an hour: the next one is a notice in the person's language, and the
    ones after it go unanswered until the hour frees up, as for an auto-responder."""
    for _ in range(60):
        assert await conversation.say("minsu", "몇 명 가입했어요?", lang="ko")
        clock.advance(timedelta(seconds=30))
    assert await conversation.say("minsu", "링크 주세요") == (
        "지난 한 시간 동안 답장을 많이 보내서 잠시 쉴게요. 31분 뒤에 다시 보내 주세요."
    )
    clock.advance(timedelta(minutes=30))
    assert await conversation.say("minsu", "링크 주세요") == ""
    clock.advance(timedelta(minutes=1))
    assert "JOIN" in await conversation.say("minsu", "링크 주세요")


async def test_slang_shorthand_and_emoji_are_understood_in_every_language(
    conversation: Conversation, bot: ReferralBot
) -> None:
    for text in ("wheres my link", "lnk pls", "🔗?", "🔥 my link 🔥"):
        reply = await conversation.say("alice", text)
        code = await code_of(bot, "alice")
        assert reply == (
            f"Here's your personal link: https://ref.example/r/{code}\n"
            f"Friends can also text JOIN {code} to sign up."
        ), text
    none_yet = f"You haven't referred anyone yet. Share your link: https://ref.example/r/{code}"
    for text in (
        "how many ppl joined",
        "hw many frnds",
        "👀 my referrals",
        "lol how many did i get",
    ):
        assert await conversation.say("alice", text) == none_yet, text
    assert await conversation.say("alice", "ur leaderboard") == "No referrals yet. Be the first!"
    for text in ("thx", "ty", "🙏", "❤️"):
        assert await conversation.say("alice", text) == "You're welcome! Anything else?", text
    assert await conversation.say("alice", "👍") == "Great! Anything else I can do?"
    minsu = await conversation.say("minsu", "링크 ㄱㄱ")
    assert minsu.startswith("전용 추천 링크예요:\nhttps://ref.example/r/")
    assert await conversation.say("minsu", "몇명임?") == (
        f"아직 추천한 친구가 없어요. 링크를 공유해 보세요: https://ref.example/r/"
        f"{await code_of(bot, 'minsu')}"
    )
    assert await conversation.say("minsu", "ㅇㅇ") == "좋아요! 더 도와드릴까요?"
    assert await conversation.say("minsu", "ㄴㄴ") == (
        "알겠어요. 링크가 필요할 때 LINK를, 메시지를 그만 받으려면 STOP을 보내 주세요."
    )
    assert (await conversation.say("wei", "链接呢")).startswith("这是你的专属推荐链接：\n")
    assert await conversation.say("wei", "几个人了") == (
        f"你还没有推荐任何朋友。分享你的链接吧：https://ref.example/r/{await code_of(bot, 'wei')}"
    )
    assert await conversation.say("wei", "排行榜呢") == "目前还没有人推荐，来当第一个吧！"
    assert await conversation.say("mei", "謝啦") == "不客氣！還需要什麼嗎？"
