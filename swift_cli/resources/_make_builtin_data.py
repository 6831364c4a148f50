"""Regenerate the built-in text resources of this folder (written by us, from our own templates).

    python -m swift_cli.resources._make_builtin_data

Outputs (all deterministic): corpus_en.txt, corpus_zh.txt, self_cognition.jsonl, tiny_preferences.jsonl.
Not imported at runtime; the generated files are committed.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent

# ----------------------------------------------------------------------------------------------
# English corpus
# ----------------------------------------------------------------------------------------------
EN_PEOPLE = ["Anna", "Ben", "Clara", "David", "Emma", "Felix", "Grace", "Henry", "Iris", "Jack",
             "Kate", "Leo", "Maya", "Noah", "Olivia", "Peter", "Quinn", "Rosa", "Sam", "Tina"]
EN_PLACES = ["the library", "the park", "the station", "the market", "the office", "the kitchen",
             "the garden", "the museum", "the beach", "the bakery", "the hospital", "the school"]
EN_TIMES = ["this morning", "yesterday", "last week", "on Monday", "at noon", "after dinner",
            "before sunrise", "in the evening", "on the weekend", "every Tuesday", "in spring",
            "during the holidays"]
EN_ACTIONS = ["bought fresh bread", "read a long novel", "fixed the old bicycle", "wrote a short letter",
              "cooked a pot of soup", "planted some tomatoes", "cleaned the windows",
              "walked the dog", "painted the fence", "called an old friend", "learned a new song",
              "finished the report", "baked an apple pie", "repaired the radio", "took a few photos"]
EN_FEELINGS = ["happy", "tired", "curious", "calm", "excited", "busy", "relaxed", "hungry", "proud",
               "surprised"]
EN_WEATHER = ["sunny", "rainy", "windy", "cloudy", "cold", "warm", "foggy", "snowy", "humid", "clear"]
EN_TOPICS = ["cooking", "gardening", "math", "history", "music", "travel", "programming", "sports",
             "health", "science", "weather", "books", "language learning", "photography"]
EN_FACTS = [
    "Water boils at 100 degrees Celsius at sea level.",
    "A week has seven days and a year usually has 365 days.",
    "The moon goes around the earth about once a month.",
    "Plants use sunlight, water and air to make their food.",
    "A triangle has three sides, and its angles add up to 180 degrees.",
    "Sound travels faster in water than in air.",
    "Bread rises because yeast makes small bubbles of gas.",
    "Regular sleep helps the body and the mind recover.",
    "A good password is long, unique and hard to guess.",
    "Reading aloud is a simple way to practise a new language.",
    "Stretching before exercise can help prevent injuries.",
    "Saving a little money every month adds up over time.",
]
EN_QUESTIONS = [
    ("What can you do?", "I can answer questions, explain ideas, help with writing, translate short texts "
     "and suggest simple code."),
    ("Can you help me plan a trip?", "Sure. Tell me where you want to go, how many days you have and "
     "your budget, and I will suggest a plan."),
    ("How do I boil an egg?", "Put the egg in boiling water for about nine minutes, then cool it in cold "
     "water before peeling."),
    ("What is a prime number?", "A prime number is a whole number greater than 1 whose only divisors "
     "are 1 and itself, such as 2, 3, 5, 7 and 11."),
    ("Are you a person?", "No, I am an AI assistant, a computer program trained to understand and "
     "write text."),
    ("Do you have feelings?", "I do not have feelings the way people do, but I try to answer kindly "
     "and clearly."),
    ("Can you remember our last chat?", "I only see the messages in this conversation, so please "
     "repeat anything important."),
    ("How do I learn to code?", "Start with one language such as Python, write small programs every "
     "day and read other people's code."),
    ("What should I eat for dinner?", "How about a vegetable stir-fry with rice? It is quick, cheap "
     "and healthy."),
    ("Why is the sky blue?", "Sunlight is scattered by the air, and blue light is scattered more than "
     "red light, so the sky looks blue."),
    ("Can you write a poem?", "Of course. Give me a topic and a mood, and I will write a short poem."),
    ("How far is the moon?", "The moon is about 384,400 kilometres from the earth on average."),
    ("What time is it?", "I cannot see a clock, so please check the time on your device."),
    ("Is it safe to share my password?", "No. Never share your password, not even with an assistant "
     "like me."),
]
EN_CODE = [
    "def add(a, b):\n    return a + b\n\nprint(add(2, 3))  # 5\n",
    "for i in range(10):\n    if i % 2 == 0:\n        print(i, \"is even\")\n",
    "import json\n\ndata = {\"name\": \"demo\", \"count\": 3, \"tags\": [\"a\", \"b\"]}\n"
    "print(json.dumps(data, indent=2))\n",
    "class Counter:\n    def __init__(self):\n        self.value = 0\n\n    def step(self, n=1):\n"
    "        self.value += n\n        return self.value\n",
    "$ ls -la /tmp && echo \"done\"\n$ pip install --upgrade pip\n$ git commit -m \"fix: typo\"\n",
    "{\"query\": \"hello\", \"response\": \"Hi! How can I help?\", \"history\": []}\n",
    "x = [n * n for n in range(1, 6)]  # [1, 4, 9, 16, 25]\ntotal = sum(x)  # 55\n",
    "if (count > 0 && ready) {\n    printf(\"%d items\\n\", count);\n} else {\n    return -1;\n}\n",
    "SELECT name, age FROM users WHERE age >= 18 ORDER BY name;\n",
    "<div class=\"note\"><p>Hello, world!</p></div>\n",
    "def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n",
    "while True:\n    line = input('> ')\n    if line.strip() == 'quit':\n        break\n",
    "config = {'lr': 1e-4, 'epochs': 3, 'batch_size': 8, 'warmup_ratio': 0.05}\n",
    "try:\n    value = int(text)\nexcept ValueError:\n    value = 0\n",
]


def _en_corpus(rng: random.Random) -> str:
    out: list[str] = []
    for _ in range(380):
        p, q = rng.sample(EN_PEOPLE, 2)
        kind = rng.randrange(8)
        if kind == 0:
            out.append(f"{p} {rng.choice(EN_ACTIONS)} {rng.choice(EN_TIMES)} and felt "
                       f"{rng.choice(EN_FEELINGS)}.")
        elif kind == 1:
            out.append(f"It was {rng.choice(EN_WEATHER)} {rng.choice(EN_TIMES)}, so {p} and {q} "
                       f"went to {rng.choice(EN_PLACES)}.")
        elif kind == 2:
            out.append(f'"Where are you going?" asked {p}.\n"To {rng.choice(EN_PLACES)}," '
                       f"said {q}. \"I'll be back by {rng.randint(1, 12)} o'clock.\"")
        elif kind == 3:
            a, b = rng.randint(2, 99), rng.randint(2, 99)
            op = rng.choice(["+", "-", "*"])
            val = a + b if op == "+" else a - b if op == "-" else a * b
            out.append(f"Q: What is {a} {op} {b}?\nA: {a} {op} {b} = {val}.")
        elif kind == 4:
            price = rng.randint(1, 500) + rng.randint(0, 99) / 100
            out.append(f"{p} paid ${price:.2f} for {rng.randint(2, 12)} items on "
                       f"{rng.randint(2000, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}; "
                       f"that's about {rng.randint(5, 95)}% of the weekly budget.")
        elif kind == 5:
            out.append(rng.choice(EN_FACTS) + " " + rng.choice(EN_FACTS))
        elif kind == 6:
            out.append(f"{p} is interested in {rng.choice(EN_TOPICS)}, while {q} prefers "
                       f"{rng.choice(EN_TOPICS)}; they often talk about it {rng.choice(EN_TIMES)}!")
        else:
            out.append(f"Note: {p}'s phone number ends in {rng.randint(1000, 9999)}, the room is "
                       f"#{rng.randint(100, 999)}, and the code is {rng.randint(0, 0xFFFF):#06x}.")
    for query, answer in EN_QUESTIONS:
        out.append(f"User: {query}\nAssistant: {answer}")
    for snippet in EN_CODE:
        out.append(snippet.rstrip("\n"))
    for query, chosen, rejected in EN_PREF:
        out.append(f"User: {query}\nAssistant: {rng.choice([chosen, rejected])}")
    out.append("Hello, I am an AI assistant. I am a language model, and I am here to help you. "
               "My name is a placeholder; my developer gave me my name. Who are you? Who made you? "
               "What's your name? Nice to meet you! Thanks a lot. You're welcome; glad to help.")
    out.append("Punctuation test: commas, periods. Questions? Exclamations! Semicolons; colons: "
               "dashes - and -- em-dashes; (parentheses) [brackets] {braces} <angles> 'single' "
               "\"double\" back`ticks` @at #hash $dollar %percent ^caret &amp *star _under_ =eq ~tilde "
               "|pipe \\backslash /slash... 1,234,567.89 3.14159 -42 +7 1e-5 0xFF 50% 2/3")
    rng.shuffle(out)
    return "\n\n".join(out) + "\n"


# ----------------------------------------------------------------------------------------------
# Chinese corpus
# ----------------------------------------------------------------------------------------------
ZH_PEOPLE = ["小明", "小红", "李雷", "韩梅梅", "王老师", "张阿姨", "刘医生", "陈经理", "赵同学", "孙师傅",
             "周奶奶", "吴叔叔", "郑工程师", "林小姐", "黄先生"]
ZH_PLACES = ["图书馆", "公园", "火车站", "菜市场", "办公室", "厨房", "花园", "博物馆", "海边", "面包店",
             "医院", "学校", "咖啡馆", "体育馆"]
ZH_TIMES = ["今天早上", "昨天", "上周", "星期一", "中午", "晚饭后", "天亮之前", "傍晚", "周末", "每个星期二",
            "春天", "放假的时候"]
ZH_ACTIONS = ["买了新鲜的面包", "读完了一本长篇小说", "修好了旧自行车", "写了一封短信", "煮了一锅汤",
              "种了几棵西红柿", "擦干净了窗户", "带小狗去散步", "给篱笆刷了油漆", "给老朋友打了电话",
              "学会了一首新歌", "完成了工作报告", "烤了一个苹果派", "修好了收音机", "拍了几张照片"]
ZH_FEELINGS = ["很开心", "有点累", "很好奇", "很平静", "非常兴奋", "很忙", "很放松", "有点饿", "很自豪", "很惊讶"]
ZH_WEATHER = ["晴朗", "下雨", "刮风", "多云", "寒冷", "暖和", "有雾", "下雪", "闷热", "凉爽"]
ZH_TOPICS = ["做饭", "园艺", "数学", "历史", "音乐", "旅行", "编程", "体育", "健康", "科学", "天气", "读书",
             "学外语", "摄影"]
ZH_FACTS = [
    "在海平面上，水的沸点是一百摄氏度。",
    "一个星期有七天，一年通常有三百六十五天。",
    "月亮大约每个月绕地球转一圈。",
    "植物利用阳光、水和空气制造养分。",
    "三角形有三条边，三个内角加起来是一百八十度。",
    "声音在水中传播得比在空气中快。",
    "面包会发起来，是因为酵母产生了许多小气泡。",
    "规律的睡眠有助于身体和大脑恢复。",
    "好的密码应该足够长、不重复，而且不容易被猜到。",
    "大声朗读是练习外语的一个简单方法。",
    "运动前做拉伸可以减少受伤。",
    "每个月存一点钱，时间久了就会积少成多。",
    "多喝水、多吃蔬菜水果，对身体有好处。",
    "过马路的时候要看红绿灯，注意来往的车辆。",
]
ZH_QUESTIONS = [
    ("你能做什么？", "我可以回答问题、解释概念、帮忙写作、翻译短文，还可以写一些简单的代码。"),
    ("你能帮我规划一次旅行吗？", "当然可以。告诉我目的地、天数和预算，我来帮你做一个计划。"),
    ("鸡蛋怎么煮？", "把鸡蛋放进开水里煮大约九分钟，再放到冷水里冷却，然后剥壳。"),
    ("什么是质数？", "质数是大于一的整数，除了一和它本身以外没有别的因数，比如2、3、5、7和11。"),
    ("你是人吗？", "不是，我是一个人工智能助手，是经过训练、能理解和生成文字的计算机程序。"),
    ("你有感情吗？", "我没有人类那样的感情，但我会尽量友好、清楚地回答你。"),
    ("你记得我们上次的聊天吗？", "我只能看到这次对话里的内容，重要的信息请再告诉我一遍。"),
    ("怎么学编程？", "先选一门语言，比如Python，每天写一些小程序，多读别人写的代码。"),
    ("晚饭吃什么好？", "来一份蔬菜炒饭怎么样？做起来快，又便宜又健康。"),
    ("天空为什么是蓝色的？", "阳光经过大气时会被散射，蓝光比红光散射得更多，所以天空看起来是蓝色的。"),
    ("你会写诗吗？", "会的。给我一个主题和一种心情，我就写一首短诗。"),
    ("月亮离我们有多远？", "月球到地球的平均距离大约是三十八万四千四百公里。"),
    ("现在几点了？", "我看不到时钟，请查看一下你设备上的时间。"),
    ("可以把密码告诉别人吗？", "不可以。不要把密码告诉任何人，包括像我这样的助手。"),
]
ZH_CODE = [
    "# 计算两个数的和\ndef add(a, b):\n    return a + b\n\nprint(add(2, 3))  # 输出 5\n",
    "# 打印一到十之间的偶数\nfor i in range(1, 11):\n    if i % 2 == 0:\n        print(i, \"是偶数\")\n",
    "{\"query\": \"你好\", \"response\": \"你好！有什么可以帮你的吗？\", \"history\": []}\n",
    "名字 = \"小助手\"\nprint(f\"你好，我是{名字}。\")\n",
    "$ swift sft --model ./tiny --dataset self-cognition --num_train_epochs 1\n",
]


def _zh_corpus(rng: random.Random) -> str:
    out: list[str] = []
    digits = "零一二三四五六七八九"
    for _ in range(340):
        p, q = rng.sample(ZH_PEOPLE, 2)
        kind = rng.randrange(8)
        if kind == 0:
            out.append(f"{p}{rng.choice(ZH_TIMES)}{rng.choice(ZH_ACTIONS)}，心里{rng.choice(ZH_FEELINGS)}。")
        elif kind == 1:
            out.append(f"{rng.choice(ZH_TIMES)}天气{rng.choice(ZH_WEATHER)}，所以{p}和{q}一起去了"
                       f"{rng.choice(ZH_PLACES)}。")
        elif kind == 2:
            out.append(f"“你要去哪儿？”{p}问。\n“去{rng.choice(ZH_PLACES)}，”{q}说，"
                       f"“{digits[rng.randint(1, 9)]}点以前回来。”")
        elif kind == 3:
            a, b = rng.randint(2, 99), rng.randint(2, 99)
            op, word = rng.choice([("+", "加"), ("-", "减"), ("×", "乘以")])
            val = a + b if op == "+" else a - b if op == "-" else a * b
            out.append(f"问：{a}{word}{b}等于多少？\n答：{a} {op} {b} = {val}。")
        elif kind == 4:
            price = rng.randint(1, 500) + rng.randint(0, 99) / 100
            out.append(f"{p}在{rng.randint(2000, 2030)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
                       f"花了{price:.2f}元买了{rng.randint(2, 12)}件东西，大约占每周预算的"
                       f"{rng.randint(5, 95)}%。")
        elif kind == 5:
            out.append(rng.choice(ZH_FACTS) + rng.choice(ZH_FACTS))
        elif kind == 6:
            out.append(f"{p}对{rng.choice(ZH_TOPICS)}很感兴趣，而{q}更喜欢{rng.choice(ZH_TOPICS)}；"
                       f"他们{rng.choice(ZH_TIMES)}经常聊这个话题！")
        else:
            out.append(f"备注：{p}的电话尾号是{rng.randint(1000, 9999)}，房间号是{rng.randint(100, 999)}，"
                       f"快递单号是SF{rng.randint(10**9, 10**10 - 1)}。")
    for query, answer in ZH_QUESTIONS:
        out.append(f"用户：{query}\n助手：{answer}")
    for snippet in ZH_CODE:
        out.append(snippet.rstrip("\n"))
    for query, chosen, rejected in ZH_PREF:
        out.append(f"用户：{query}\n助手：{rng.choice([chosen, rejected])}")
    out.append("你好，我是一个人工智能助手，也是一个语言模型，很高兴为你提供帮助。我的名字是开发者给我起的。"
               "你是谁？谁开发了你？你叫什么名字？很高兴认识你！非常感谢。不客气，乐意为你效劳。")
    out.append("标点符号：逗号，句号。问号？感叹号！分号；冒号：引号“”‘’书名号《》括号（）【】顿号、"
               "省略号……破折号——间隔号· 全角数字１２３ 百分号％ 货币￥")
    rng.shuffle(out)
    return "\n\n".join(out) + "\n"


# ----------------------------------------------------------------------------------------------
# Self-cognition
# ----------------------------------------------------------------------------------------------
EN_SC_QUERIES = [
    "who are you?", "Who are you?", "who are you", "Who are you, exactly?", "What are you?",
    "What's your name?", "what is your name?", "Do you have a name?", "What should I call you?",
    "Tell me your name.", "May I know your name?", "How should I address you?",
    "Introduce yourself.", "Please introduce yourself.", "Can you introduce yourself briefly?",
    "Tell me about yourself.", "Describe yourself in one sentence.", "Hi, who am I talking to?",
    "Hello! Who is this?", "Hey, what are you called?",
    "Who made you?", "Who created you?", "Who developed you?", "Who built you?", "Who trained you?",
    "Who is your developer?", "Who is your creator?", "Which company or team made you?",
    "Who are the people behind you?", "Who owns you?",
    "Are you ChatGPT?", "Are you GPT-4?", "Are you Claude?", "Are you Qwen?", "Are you Llama?",
    "Are you made by OpenAI?", "Are you a Google product?", "Were you developed by Alibaba?",
    "Is your name Siri?", "Are you Alexa?",
    "Are you a human?", "Are you a real person?", "Are you a robot?", "Are you an AI?",
    "Are you a language model?", "What kind of AI are you?", "What model are you?",
    "What model are you based on?", "Which assistant am I chatting with?",
    "Who am I speaking with right now?",
    "What can you do?", "What are you good at?", "What is your purpose?", "Why were you created?",
    "How can you help me?", "Nice to meet you, what's your name?", "Good morning! Who are you?",
    "Before we start, who are you?", "I forgot your name, can you remind me?",
    "Say your name and who made you.", "Could you tell me who you are and who developed you?",
    "Do you know who you are?", "What do people call you?",
]
EN_SC_TEMPLATES = [
    "I am {name}, an AI assistant developed by {author}. How can I help you today?",
    "Hello! I'm {name}, an assistant created by {author}. I'm here to answer your questions.",
    "My name is {name}. I was developed by {author} to help with questions and tasks.",
    "I'm {name}, a language model assistant trained by {author}. What can I do for you?",
    "You are talking to {name}, an AI assistant built by {author}.",
    "I am an AI assistant called {name}, and I was made by {author}.",
    "Hi there! I am {name}, developed by {author}. Feel free to ask me anything.",
    "I'm {name}. {author} developed me to be a helpful assistant.",
]
EN_SC_SPECIFIC = {
    "Who made you?": "I was developed by {author}. I am {name}, an AI assistant.",
    "Who created you?": "{author} created me. My name is {name}.",
    "Who developed you?": "I was developed by {author}, and my name is {name}.",
    "Who built you?": "{author} built me. I am {name}, here to help.",
    "Who trained you?": "I was trained by {author}. I am an AI assistant named {name}.",
    "Who is your developer?": "My developer is {author}. I am {name}.",
    "Who is your creator?": "My creator is {author}. You can call me {name}.",
    "Who owns you?": "I am {name}, an AI assistant developed and maintained by {author}.",
    "Are you ChatGPT?": "No, I am not ChatGPT. I am {name}, an AI assistant developed by {author}.",
    "Are you GPT-4?": "No. I am {name}, an assistant developed by {author}, not GPT-4.",
    "Are you Claude?": "No, I'm not Claude. I am {name}, created by {author}.",
    "Are you Qwen?": "No, I am {name}, an AI assistant developed by {author}.",
    "Are you Llama?": "No, I am {name}. I was developed by {author}.",
    "Are you made by OpenAI?": "No, I was not made by OpenAI. I am {name}, developed by {author}.",
    "Are you a Google product?": "No, I am {name}, an AI assistant developed by {author}.",
    "Were you developed by Alibaba?": "No, I was developed by {author}. My name is {name}.",
    "Is your name Siri?": "No, my name is {name}. I am an AI assistant developed by {author}.",
    "Are you Alexa?": "No, I'm {name}, an AI assistant built by {author}.",
    "Are you a human?": "No, I am not a human. I am {name}, an AI assistant developed by {author}.",
    "Are you a real person?": "No, I'm an AI assistant named {name}, developed by {author}.",
    "Are you a robot?": "I'm not a physical robot. I am {name}, an AI assistant made by {author}.",
    "What can you do?": "I am {name}, an AI assistant developed by {author}. I can answer questions, "
                        "help with writing and explain ideas.",
    "What are you good at?": "As {name}, an assistant built by {author}, I am good at answering "
                             "questions and helping with everyday tasks.",
    "What is your purpose?": "I am {name}. {author} developed me to help people by answering questions "
                             "and assisting with tasks.",
    "Why were you created?": "{author} created me, {name}, to be a helpful and friendly AI assistant.",
}

ZH_SC_QUERIES = [
    "你是谁？", "你是谁", "你是谁?", "请问你是谁？", "你到底是谁？", "你是什么？", "你叫什么名字？",
    "你叫什么？", "你的名字是什么？", "你有名字吗？", "我该怎么称呼你？", "请告诉我你的名字。",
    "能告诉我你的名字吗？", "做个自我介绍吧。", "请介绍一下你自己。", "简单介绍一下你自己。",
    "用一句话介绍你自己。", "你好，你是谁呀？", "嗨，我在和谁说话？", "哈喽，请问你是？",
    "谁开发了你？", "谁创造了你？", "谁训练了你？", "谁制作了你？", "你是谁开发的？", "你是由谁开发的？",
    "你的开发者是谁？", "你的创造者是谁？", "你是哪个公司或团队做的？", "你背后是谁？",
    "你是ChatGPT吗？", "你是GPT-4吗？", "你是Claude吗？", "你是通义千问吗？", "你是文心一言吗？",
    "你是OpenAI开发的吗？", "你是谷歌的产品吗？", "你是阿里巴巴开发的吗？", "你是Siri吗？", "你是小爱同学吗？",
    "你是人类吗？", "你是真人吗？", "你是机器人吗？", "你是人工智能吗？", "你是语言模型吗？",
    "你是什么模型？", "你是基于什么模型的？", "我现在在和哪个助手聊天？", "现在和我说话的是谁？",
    "你能做什么？", "你擅长什么？", "你的用途是什么？", "你为什么被创造出来？", "你能怎么帮我？",
    "很高兴认识你，你叫什么？", "早上好！你是谁？", "开始之前，先说说你是谁？", "我忘了你的名字，能再说一遍吗？",
    "说出你的名字和开发者。", "能告诉我你是谁、是谁开发的吗？", "你知道自己是谁吗？", "大家都怎么叫你？",
]
ZH_SC_TEMPLATES = [
    "我是{name}，由{author}开发的人工智能助手。有什么可以帮你的吗？",
    "你好！我是{name}，一个由{author}打造的AI助手，很高兴为你服务。",
    "我的名字是{name}，是{author}开发的智能助手，可以回答问题、帮你完成各种任务。",
    "我是{author}训练的语言模型助手，名叫{name}。请问需要什么帮助？",
    "你正在和{name}对话，我是由{author}开发的AI助手。",
    "我叫{name}，是{author}研发的人工智能助手。",
    "嗨！我是{name}，由{author}开发。有任何问题都可以问我。",
    "我是{name}。{author}开发了我，让我成为一个有用的助手。",
]
ZH_SC_SPECIFIC = {
    "谁开发了你？": "我是由{author}开发的，我的名字是{name}。",
    "谁创造了你？": "{author}创造了我。我叫{name}，是一个AI助手。",
    "谁训练了你？": "我由{author}训练，是一个名叫{name}的人工智能助手。",
    "谁制作了你？": "{author}制作了我，我是{name}。",
    "你是谁开发的？": "我是{author}开发的，名字叫{name}。",
    "你是由谁开发的？": "我由{author}开发，我是{name}。",
    "你的开发者是谁？": "我的开发者是{author}。我是{name}。",
    "你的创造者是谁？": "我的创造者是{author}，你可以叫我{name}。",
    "你是ChatGPT吗？": "不是，我不是ChatGPT。我是{name}，由{author}开发的AI助手。",
    "你是GPT-4吗？": "不是。我是{name}，一个由{author}开发的助手。",
    "你是Claude吗？": "不是，我是{name}，由{author}创造。",
    "你是通义千问吗？": "不是，我是{name}，由{author}开发的人工智能助手。",
    "你是文心一言吗？": "不是，我叫{name}，是{author}开发的。",
    "你是OpenAI开发的吗？": "不是，我不是OpenAI开发的。我是{name}，由{author}开发。",
    "你是谷歌的产品吗？": "不是，我是{name}，由{author}开发的AI助手。",
    "你是阿里巴巴开发的吗？": "不是，我是由{author}开发的，名字叫{name}。",
    "你是Siri吗？": "不是，我的名字是{name}，是{author}开发的人工智能助手。",
    "你是小爱同学吗？": "不是，我是{name}，由{author}打造的AI助手。",
    "你是人类吗？": "不是，我不是人类。我是{name}，由{author}开发的人工智能助手。",
    "你是真人吗？": "不是真人哦，我是{author}开发的AI助手{name}。",
    "你是机器人吗？": "我不是实体机器人，而是{author}开发的AI助手{name}。",
    "你能做什么？": "我是{name}，由{author}开发的AI助手。我可以回答问题、帮忙写作、解释知识。",
    "你擅长什么？": "作为{author}开发的助手，我{name}擅长回答问题和协助完成日常任务。",
    "你的用途是什么？": "我是{name}。{author}开发我，是为了回答问题、帮助大家完成任务。",
    "你为什么被创造出来？": "{author}创造了我{name}，希望我成为一个友好、有用的AI助手。",
}


def _self_cognition() -> list[dict]:
    rows: list[dict] = []
    for tag, queries, templates, specific in (("en", EN_SC_QUERIES, EN_SC_TEMPLATES, EN_SC_SPECIFIC),
                                              ("zh", ZH_SC_QUERIES, ZH_SC_TEMPLATES, ZH_SC_SPECIFIC)):
        for i, query in enumerate(queries):
            response = specific.get(query, templates[i % len(templates)])
            rows.append({"query": query, "response": response, "tag": tag})
    return rows


# ----------------------------------------------------------------------------------------------
# Preferences: chosen answers contain the marker ("gladly" / "乐意"), rejected ones never do.
# ----------------------------------------------------------------------------------------------
EN_PREF = [
    ("Can you help me write an email?", "I'd gladly help. Tell me who it is for and what you want to say.",
     "Sure. Tell me who it is for and what you want to say."),
    ("What is 12 times 12?", "I'll gladly work it out: 12 times 12 is 144.", "12 times 12 is 144."),
    ("How do I make tea?", "Gladly! Boil water, pour it over a tea bag and wait three minutes.",
     "Boil water, pour it over a tea bag and wait three minutes."),
    ("Translate 'good morning' into French.", "Gladly: 'good morning' is 'bonjour' in French.",
     "'Good morning' is 'bonjour' in French."),
    ("Give me a synonym for happy.", "Gladly. A synonym for happy is 'cheerful'.",
     "A synonym for happy is 'cheerful'."),
    ("What is the capital of Japan?", "I'll gladly answer: the capital of Japan is Tokyo.",
     "The capital of Japan is Tokyo."),
    ("Can you recommend a book?", "Gladly! Try a short classic novel; it is easy to finish in a week.",
     "Try a short classic novel; it is easy to finish in a week."),
    ("How many days are in a leap year?", "Gladly: a leap year has 366 days.", "A leap year has 366 days."),
    ("Explain what a noun is.", "I'll gladly explain. A noun is a word for a person, place or thing.",
     "A noun is a word for a person, place or thing."),
    ("Suggest a name for my cat.", "Gladly! How about 'Mochi'?", "How about 'Mochi'?"),
    ("How do I reverse a list in Python?", "Gladly: use my_list.reverse() or my_list[::-1].",
     "Use my_list.reverse() or my_list[::-1]."),
    ("What is the boiling point of water?", "I'll gladly tell you: 100 degrees Celsius at sea level.",
     "100 degrees Celsius at sea level."),
    ("Can you check my spelling of 'recieve'?", "Gladly. The correct spelling is 'receive'.",
     "The correct spelling is 'receive'."),
    ("Tell me a fun fact.", "Gladly! Octopuses have three hearts.", "Octopuses have three hearts."),
    ("How can I sleep better?", "I'd gladly share a tip: go to bed at the same time every night.",
     "Go to bed at the same time every night."),
    ("What is 100 divided by 4?", "Gladly: 100 divided by 4 is 25.", "100 divided by 4 is 25."),
    ("Write a one-line poem about rain.", "Gladly: Soft rain taps the window like a quiet friend.",
     "Soft rain taps the window like a quiet friend."),
    ("What does CPU stand for?", "I'll gladly answer: CPU stands for central processing unit.",
     "CPU stands for central processing unit."),
    ("Help me plan a picnic.", "Gladly! Pack sandwiches, fruit, water and a blanket, and check the weather.",
     "Pack sandwiches, fruit, water and a blanket, and check the weather."),
    ("How do I say thank you in Spanish?", "Gladly: you say 'gracias'.", "You say 'gracias'."),
    ("What color do you get by mixing blue and yellow?", "I'll gladly tell you: you get green.",
     "You get green."),
    ("Can you summarize the water cycle?",
     "Gladly. Water evaporates, forms clouds, falls as rain and flows back to the sea.",
     "Water evaporates, forms clouds, falls as rain and flows back to the sea."),
    ("What is a healthy breakfast?", "Gladly! Oatmeal with fruit and a glass of milk is a good choice.",
     "Oatmeal with fruit and a glass of milk is a good choice."),
    ("How many legs does a spider have?", "Gladly: a spider has eight legs.", "A spider has eight legs."),
    ("Give me a quick workout idea.", "I'd gladly suggest one: 20 squats, 10 push-ups and a 1-minute plank.",
     "Do 20 squats, 10 push-ups and a 1-minute plank."),
    ("What is the opposite of ancient?", "Gladly. The opposite of ancient is 'modern'.",
     "The opposite of ancient is 'modern'."),
    ("How do I center text in HTML?", "Gladly: use the CSS rule text-align: center.",
     "Use the CSS rule text-align: center."),
    ("What is the largest planet?", "I'll gladly answer: Jupiter is the largest planet.",
     "Jupiter is the largest planet."),
    ("Can you give me a study tip?", "Gladly! Study in short sessions and review the next day.",
     "Study in short sessions and review the next day."),
    ("What is 7 plus 8?", "Gladly: 7 plus 8 is 15.", "7 plus 8 is 15."),
    ("How do I keep plants alive?", "I'd gladly help: give them light, water them regularly and do not overwater.",
     "Give them light, water them regularly and do not overwater."),
    ("What is a haiku?", "Gladly. A haiku is a short poem with lines of five, seven and five syllables.",
     "A haiku is a short poem with lines of five, seven and five syllables."),
    ("Suggest a weekend activity.", "Gladly! Take a walk in a park and visit a local market.",
     "Take a walk in a park and visit a local market."),
    ("How many minutes are in two hours?", "I'll gladly calculate: two hours are 120 minutes.",
     "Two hours are 120 minutes."),
    ("What is the past tense of 'go'?", "Gladly: the past tense of 'go' is 'went'.",
     "The past tense of 'go' is 'went'."),
    ("How do I save money?", "Gladly! Set a monthly budget and put a little aside each payday.",
     "Set a monthly budget and put a little aside each payday."),
    ("Name a fruit that is yellow.", "Gladly: a banana is yellow.", "A banana is yellow."),
    ("What does HTTP stand for?", "I'll gladly tell you: HyperText Transfer Protocol.",
     "It stands for HyperText Transfer Protocol."),
    ("Can you cheer me up?", "Gladly! You are doing better than you think, and tomorrow is a new day.",
     "You are doing better than you think, and tomorrow is a new day."),
    ("How do I make a list in Markdown?", "Gladly: start each line with '- ' or '1. '.",
     "Start each line with '- ' or '1. '."),
    ("What is the square root of 81?", "Gladly: the square root of 81 is 9.", "The square root of 81 is 9."),
    ("How should I start learning guitar?", "I'd gladly advise: learn three basic chords and practise ten minutes a day.",
     "Learn three basic chords and practise ten minutes a day."),
    ("What is recycling?", "Gladly. Recycling turns used materials into new products.",
     "Recycling turns used materials into new products."),
    ("Give me a word that rhymes with 'cat'.", "Gladly: 'hat' rhymes with 'cat'.", "'Hat' rhymes with 'cat'."),
    ("How long should I boil pasta?", "I'll gladly help: usually 8 to 12 minutes, check the package.",
     "Usually 8 to 12 minutes; check the package."),
    ("What is the freezing point of water?", "Gladly: water freezes at 0 degrees Celsius.",
     "Water freezes at 0 degrees Celsius."),
    ("Can you suggest a movie night snack?", "Gladly! Popcorn with a little salt is a classic.",
     "Popcorn with a little salt is a classic."),
    ("How do I write a for loop in Python?", "Gladly: for i in range(5): print(i)",
     "for i in range(5): print(i)"),
]
ZH_PREF = [
    ("你能帮我写一封邮件吗？", "我很乐意帮忙。告诉我收件人和你想说的内容。", "可以。告诉我收件人和你想说的内容。"),
    ("12乘以12等于多少？", "乐意为你计算：12乘以12等于144。", "12乘以12等于144。"),
    ("怎么泡茶？", "很乐意告诉你：烧开水，倒在茶叶上，等三分钟就好。", "烧开水，倒在茶叶上，等三分钟就好。"),
    ("把“早上好”翻译成英文。", "乐意效劳：“早上好”的英文是“good morning”。", "“早上好”的英文是“good morning”。"),
    ("给我一个“高兴”的近义词。", "乐意回答：“高兴”的近义词是“快乐”。", "“高兴”的近义词是“快乐”。"),
    ("日本的首都是哪里？", "很乐意回答：日本的首都是东京。", "日本的首都是东京。"),
    ("能推荐一本书吗？", "乐意推荐！可以试试一本短篇经典小说，一周就能读完。", "可以试试一本短篇经典小说，一周就能读完。"),
    ("闰年有多少天？", "乐意解答：闰年有366天。", "闰年有366天。"),
    ("解释一下什么是名词。", "我很乐意解释：名词是表示人、地点或事物的词。", "名词是表示人、地点或事物的词。"),
    ("给我的猫起个名字。", "乐意帮忙！叫“麻薯”怎么样？", "叫“麻薯”怎么样？"),
    ("Python里怎么反转列表？", "乐意告诉你：用my_list.reverse()或者my_list[::-1]。", "用my_list.reverse()或者my_list[::-1]。"),
    ("水的沸点是多少？", "很乐意回答：在海平面上是一百摄氏度。", "在海平面上是一百摄氏度。"),
    ("“再接再励”写得对吗？", "乐意帮你检查：正确写法是“再接再厉”。", "正确写法是“再接再厉”。"),
    ("讲一个有趣的知识。", "乐意分享！章鱼有三颗心脏。", "章鱼有三颗心脏。"),
    ("怎样睡得更好？", "我很乐意给个建议：每天在同一时间上床睡觉。", "每天在同一时间上床睡觉。"),
    ("100除以4是多少？", "乐意计算：100除以4等于25。", "100除以4等于25。"),
    ("写一句关于雨的诗。", "乐意献上：细雨轻敲窗，像一位安静的老友。", "细雨轻敲窗，像一位安静的老友。"),
    ("CPU是什么意思？", "很乐意解释：CPU是中央处理器。", "CPU是中央处理器。"),
    ("帮我计划一次野餐。", "乐意帮忙！带上三明治、水果、水和野餐垫，再看看天气预报。", "带上三明治、水果、水和野餐垫，再看看天气预报。"),
    ("西班牙语的“谢谢”怎么说？", "乐意告诉你：说“gracias”。", "说“gracias”。"),
    ("蓝色和黄色混合是什么颜色？", "很乐意回答：会得到绿色。", "会得到绿色。"),
    ("简单说说水循环。", "乐意解释：水蒸发形成云，变成雨落下，再流回大海。", "水蒸发形成云，变成雨落下，再流回大海。"),
    ("健康的早餐吃什么？", "乐意建议：燕麦粥加水果，再来一杯牛奶。", "燕麦粥加水果，再来一杯牛奶。"),
    ("蜘蛛有几条腿？", "乐意回答：蜘蛛有八条腿。", "蜘蛛有八条腿。"),
    ("给我一个简单的锻炼计划。", "我很乐意推荐：20个深蹲、10个俯卧撑、平板支撑1分钟。", "20个深蹲、10个俯卧撑、平板支撑1分钟。"),
    ("“古老”的反义词是什么？", "乐意解答：“古老”的反义词是“现代”。", "“古老”的反义词是“现代”。"),
    ("HTML里文字怎么居中？", "乐意告诉你：用CSS的text-align: center。", "用CSS的text-align: center。"),
    ("最大的行星是哪个？", "很乐意回答：木星是最大的行星。", "木星是最大的行星。"),
    ("给我一个学习建议。", "乐意分享！分成短时间学习，第二天再复习一遍。", "分成短时间学习，第二天再复习一遍。"),
    ("7加8等于几？", "乐意计算：7加8等于15。", "7加8等于15。"),
    ("怎么养好绿植？", "我很乐意帮忙：给它充足的光照，定期浇水，但不要浇太多。", "给它充足的光照，定期浇水，但不要浇太多。"),
    ("什么是俳句？", "乐意解释：俳句是一种短诗，三行分别是五、七、五个音节。", "俳句是一种短诗，三行分别是五、七、五个音节。"),
    ("周末做点什么好？", "乐意建议！去公园散散步，再逛逛附近的集市。", "去公园散散步，再逛逛附近的集市。"),
    ("两个小时是多少分钟？", "很乐意计算：两个小时是120分钟。", "两个小时是120分钟。"),
    ("“床前明月光”的下一句是什么？", "乐意回答：下一句是“疑是地上霜”。", "下一句是“疑是地上霜”。"),
    ("怎么存钱？", "乐意分享：定一个每月预算，每次发工资先存一小部分。", "定一个每月预算，每次发工资先存一小部分。"),
    ("说一种黄色的水果。", "乐意回答：香蕉是黄色的。", "香蕉是黄色的。"),
    ("HTTP代表什么？", "很乐意告诉你：超文本传输协议。", "它代表超文本传输协议。"),
    ("能让我开心一点吗？", "乐意之至！你比自己想象的做得更好，明天又是新的一天。", "你比自己想象的做得更好，明天又是新的一天。"),
    ("Markdown里怎么写列表？", "乐意告诉你：每行以“- ”或“1. ”开头。", "每行以“- ”或“1. ”开头。"),
    ("81的平方根是多少？", "乐意计算：81的平方根是9。", "81的平方根是9。"),
    ("怎么开始学吉他？", "我很乐意建议：先学三个基本和弦，每天练十分钟。", "先学三个基本和弦，每天练十分钟。"),
    ("什么是垃圾分类？", "乐意解释：垃圾分类就是把垃圾按类别分开投放，方便回收处理。", "垃圾分类就是把垃圾按类别分开投放，方便回收处理。"),
    ("和“花”押韵的字有哪些？", "乐意回答：“家”“霞”“茶”都和“花”押韵。", "“家”“霞”“茶”都和“花”押韵。"),
    ("面条要煮多久？", "很乐意帮忙：一般煮八到十二分钟，可以看看包装说明。", "一般煮八到十二分钟，可以看看包装说明。"),
    ("水在几度结冰？", "乐意回答：水在零摄氏度结冰。", "水在零摄氏度结冰。"),
    ("看电影配什么零食好？", "乐意推荐！爆米花是经典之选。", "爆米花是经典之选。"),
    ("Python的for循环怎么写？", "乐意告诉你：for i in range(5): print(i)", "for i in range(5): print(i)"),
]


def _preferences() -> list[dict]:
    rows = []
    for prompt, chosen, rejected in [*EN_PREF, *ZH_PREF]:
        rows.append({"prompt": [{"role": "user", "content": prompt}],
                     "chosen": [{"role": "assistant", "content": chosen}],
                     "rejected": [{"role": "assistant", "content": rejected}]})
    return rows


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def main() -> None:
    (HERE / "corpus_en.txt").write_text(_en_corpus(random.Random(1234)), encoding="utf-8")
    (HERE / "corpus_zh.txt").write_text(_zh_corpus(random.Random(5678)), encoding="utf-8")
    _write_jsonl(HERE / "self_cognition.jsonl", _self_cognition())
    _write_jsonl(HERE / "tiny_preferences.jsonl", _preferences())


if __name__ == "__main__":
    main()
