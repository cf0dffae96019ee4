"""The golden dialogues of tests/flows/test_golden_dialogues.py: (who, says, reads), as a
person sees them. `{code}` and `{link}` are the referrer's own; everything else is literal."""

from __future__ import annotations

DIALOGUES: dict[str, list[tuple[str, str, str]]] = {
    "en": [
        (
            "mina",
            "hi",
            "Hi! I can send your referral link and tell you who joined.",
        ),
        (
            "mina",
            "how does it work?",
            "You get $20.00 for each friend you invite with your link, when they sign up.\n"
            "Your friend gets $20.00.\n"
            "Rewards are confirmed after a 14-day hold.\n"
            "Friends must join within 30 days of opening your link.",
        ),
        (
            "mina",
            "send me my link",
            "Your friend gets $20.00, you get $20.00 when they sign up.\n"
            "Here's your personal link: {link}\n"
            "Friends can also text JOIN {code} to sign up.",
        ),
        (
            "joon",
            "JOIN {code}",
            "Welcome! You joined through mina's invite, so you get $20.00.",
        ),
        (
            "mina",
            "how many friends joined?",
            "You've referred 1 friend.\nj***: reward pending until Dec 7, 2026",
        ),
        (
            "mina",
            "what have I earned?",
            "Your rewards:\n$20.00 - pending until Dec 7, 2026",
        ),
        (
            "mina",
            "leaderboard",
            "Top referrers:\n1. m*** (you) - 1\nYou're #1 with 1.",
        ),
        (
            "mina",
            "link or count",
            "Did you mean 1) how many friends joined or 2) your link? Reply 1 or 2.",
        ),
        (
            "mina",
            "2",
            "Your friend gets $20.00, you get $20.00 when they sign up.\n"
            "Here's your personal link: {link}\n"
            "Friends can also text JOIN {code} to sign up.",
        ),
        (
            "mina",
            "thanks!",
            "You're welcome! Anything else?",
        ),
        (
            "mina",
            "I don't want to stop getting these",
            "You're subscribed: you'll keep getting messages here. Text STOP any time to opt out.",
        ),
        (
            "mina",
            "HELP",
            "I help you share your referral link and keep track of friends who join. Text:\n"
            "LINK - your link\n"
            "COUNT - friends you've referred\n"
            "TOP - leaderboard\n"
            "REWARDS - your rewards\n"
            "LANG - change language\n"
            "STOP - unsubscribe\n"
            'You can also just ask, like "what\'s my link?"',
        ),
    ],
    "ko": [
        (
            "mina",
            "안녕하세요",
            "안녕하세요! 추천 링크를 보내드리고 누가 가입했는지 알려드려요.",
        ),
        (
            "mina",
            "어떻게 하는 거예요?",
            "추천 링크로 초대한 친구가 가입하면 한 명마다 US$20.00 받아요.\n"
            "친구는 US$20.00 받아요.\n"
            "보상은 14일 후에 확정돼요.\n"
            "친구는 링크를 연 뒤 30일 안에 가입해야 해요.",
        ),
        (
            "mina",
            "링크 주세요",
            "친구가 가입하면 친구는 US$20.00, 회원님은 US$20.00 받아요.\n"
            "전용 추천 링크예요:\n"
            "{link}\n"
            "친구가 이렇게 메시지를 보내도 가입할 수 있어요: JOIN {code}",
        ),
        (
            "joon",
            "가입 {code}",
            "환영해요! mina님의 초대로 가입해서 혜택을 드려요: US$20.00",
        ),
        (
            "mina",
            "몇 명 가입했어?",
            "지금까지 친구 1명을 추천했어요.\nj***: 보상 대기 (2026. 12. 7.까지)",
        ),
        (
            "mina",
            "내 보상 확인",
            "내 보상:\nUS$20.00 - 대기 중 (2026. 12. 7. 확정 예정)",
        ),
        (
            "mina",
            "순위 보여줘",
            "추천 순위:\n1. m*** (나) — 1명\n현재 1위예요. 추천한 친구는 1명이에요.",
        ),
        (
            "mina",
            "고마워",
            "천만에요! 더 필요한 게 있으세요?",
        ),
        (
            "mina",
            "수신거부 해제",
            "지금도 여기로 메시지를 받고 계세요. 그만 받으려면 언제든 STOP을 보내 주세요.",
        ),
        (
            "mina",
            "도움말",
            "추천 링크를 공유하고 가입한 친구를 확인하도록 도와드려요. 이렇게 보내 보세요:\n"
            "LINK 내 링크\n"
            "COUNT 추천한 친구 수\n"
            "TOP 추천 순위\n"
            "REWARDS 내 보상\n"
            "LANG 언어 변경\n"
            "STOP 수신 거부\n"
            '"추천 링크"처럼 편하게 물어봐도 돼요.',
        ),
    ],
    "zh-Hant": [
        (
            "mina",
            "你好",
            "你好！我可以傳送你的推薦連結，並告訴你誰加入了。",
        ),
        (
            "mina",
            "這個怎麼運作",
            "你邀請的每位朋友註冊後，你都可得 US$20.00。\n"
            "朋友可得 US$20.00。\n"
            "獎勵在 14 天後確認。\n"
            "朋友須在打開連結後 30 天內加入。",
        ),
        (
            "mina",
            "俾我條連結",
            "朋友可得 US$20.00，朋友註冊後你可得 US$20.00。\n"
            "這是你的專屬推薦連結：\n"
            "{link}\n"
            "朋友也可以傳訊息「JOIN {code}」來加入。",
        ),
        (
            "joon",
            "加入 {code}",
            "歡迎！你透過mina的邀請加入，可以獲得：US$20.00",
        ),
        (
            "mina",
            "幾多個朋友加入咗",
            "你已經推薦了 1 位朋友。\nj***：獎勵待確認至 2026年12月7日",
        ),
        (
            "mina",
            "我的獎勵",
            "你的獎勵：\nUS$20.00（待確認，預計 2026年12月7日）",
        ),
        (
            "mina",
            "推薦王是誰",
            "推薦排行榜：\n1. m***（你）— 1 位\n你目前排名第 1，推薦了 1 位朋友。",
        ),
        (
            "mina",
            "謝謝",
            "不客氣！還需要什麼嗎？",
        ),
        (
            "mina",
            "取消退訂",
            "你仍在訂閱中，會繼續在這裡收到訊息。隨時傳 STOP 就能取消訂閱。",
        ),
        (
            "mina",
            "說明",
            "我可以幫你分享推薦連結，並查看有哪些朋友加入。傳送以下關鍵字：\n"
            "LINK 我的連結\n"
            "COUNT 推薦人數\n"
            "TOP 排行榜\n"
            "REWARDS 我的獎勵\n"
            "LANG 切換語言\n"
            "STOP 取消訂閱\n"
            "也可以直接問我，例如「我的推薦連結」。",
        ),
    ],
    "zh-Hans": [
        (
            "mina",
            "你好",
            "你好！我可以发送你的推荐链接，并告诉你谁加入了。",
        ),
        (
            "mina",
            "这个怎么运作",
            "你邀请的每位朋友注册后，你都可得 US$20.00。\n"
            "朋友可得 US$20.00。\n"
            "奖励在 14 天后确认。\n"
            "朋友须在打开链接后 30 天内加入。",
        ),
        (
            "mina",
            "给我链接",
            "朋友可得 US$20.00，朋友注册后你可得 US$20.00。\n"
            "这是你的专属推荐链接：\n"
            "{link}\n"
            "朋友也可以发消息“JOIN {code}”来加入。",
        ),
        (
            "joon",
            "加入 {code}",
            "欢迎！你通过mina的邀请加入，可以获得：US$20.00",
        ),
        (
            "mina",
            "有多少人加入了",
            "你已经推荐了 1 位朋友。\nj***：奖励待确认至 2026年12月7日",
        ),
        (
            "mina",
            "我的奖励",
            "你的奖励：\nUS$20.00（待确认，预计 2026年12月7日）",
        ),
        (
            "mina",
            "推荐王是谁",
            "推荐排行榜：\n1. m***（你）— 1 位\n你目前排名第 1，推荐了 1 位朋友。",
        ),
        (
            "mina",
            "谢谢",
            "不客气！还需要什么吗？",
        ),
        (
            "mina",
            "取消退订",
            "你仍在订阅中，会继续在这里收到消息。随时发送 STOP 即可退订。",
        ),
        (
            "mina",
            "帮助",
            "我可以帮你分享推荐链接，并查看有哪些朋友加入。发送以下关键词：\n"
            "LINK 我的链接\n"
            "COUNT 推荐人数\n"
            "TOP 排行榜\n"
            "REWARDS 我的奖励\n"
            "LANG 切换语言\n"
            "STOP 退订\n"
            "也可以直接问我，比如“我的推荐链接”。",
        ),
    ],
}
