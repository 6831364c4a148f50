"""Regenerate the built-in evaluation sets under eval/ (written by us, deterministic).

    python -m swift_cli.resources._make_eval_data

eval/yichui_math/{en,zh}_{train,test}.jsonl  arithmetic word problems in GSM8K's layout: `question`, and
    `answer` = one line of working + "#### N". The test files are the built-in benchmark; the train files
    are the training split of the same task (disjoint questions) for "did my fine-tune help?" demos.
eval/yichui_mcq/{en,zh}_val.csv             general-knowledge multiple choice in EvalScope's general_mcq
    layout: question,A,B,C,D,answer.
Not imported at runtime; the generated files are committed.
"""
from __future__ import annotations

import csv
import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent / "eval"
TEST_PER_LANG, TRAIN_PER_LANG = 40, 240

# (template, operation); {n} is a name, {a} {b} the numbers. Each template reads naturally for its operation.
EN_TEMPLATES = [
    ("{n} has {a} apples and buys {b} more. How many apples does {n} have now?", "+"),
    ("A shelf holds {a} books. {n} puts {b} more books on it. How many books are on the shelf?", "+"),
    ("{n} walked {a} km on Monday and {b} km on Tuesday. How many km did {n} walk in total?", "+"),
    ("There are {a} birds in a tree and {b} fly away. How many birds are left?", "-"),
    ("{n} had {a} coins and spent {b} of them. How many coins does {n} have left?", "-"),
    ("A bus carries {a} people. At the stop {b} people get off. How many people are still on the bus?", "-"),
    ("Each box holds {a} pencils. How many pencils are in {b} boxes?", "*"),
    ("{n} reads {a} pages every day. How many pages does {n} read in {b} days?", "*"),
    ("A ticket costs {a} dollars. How much do {b} tickets cost?", "*"),
]
ZH_TEMPLATES = [
    ("{n}有{a}个苹果，又买了{b}个。{n}现在有多少个苹果？", "+"),
    ("书架上有{a}本书，{n}又放上了{b}本。书架上一共有多少本书？", "+"),
    ("{n}星期一走了{a}公里，星期二走了{b}公里。{n}一共走了多少公里？", "+"),
    ("树上有{a}只鸟，飞走了{b}只。树上还剩多少只鸟？", "-"),
    ("{n}有{a}枚硬币，花掉了{b}枚。{n}还剩多少枚硬币？", "-"),
    ("公交车上有{a}个人，到站下去了{b}个人。车上还有多少人？", "-"),
    ("每个盒子装{a}支铅笔。{b}个盒子一共装多少支铅笔？", "*"),
    ("{n}每天读{a}页书。{b}天一共读多少页？", "*"),
    ("一张票{a}元。买{b}张票要多少元？", "*"),
]
EN_NAMES = ["Anna", "Ben", "Clara", "David", "Emma", "Felix", "Grace", "Henry", "Iris", "Jack", "Kate", "Leo"]
ZH_NAMES = ["小明", "小红", "小刚", "小丽", "小华", "小军", "小芳", "小强", "小云", "小东", "小雪", "小林"]


def _numbers(rng: random.Random, op: str) -> tuple[int, int, int]:
    if op == "*":
        a, b = rng.randint(2, 12), rng.randint(2, 9)
        return a, b, a * b
    a, b = rng.randint(5, 60), rng.randint(2, 40)
    if op == "-":
        a, b = max(a, b) + 1, min(a, b)
        return a, b, a - b
    return a, b, a + b


def arithmetic(lang: str, seed: int) -> tuple[list[dict], list[dict]]:
    """(test, train) rows with distinct questions (the train split never repeats a test question)."""
    rng = random.Random(seed)
    templates, names = (EN_TEMPLATES, EN_NAMES) if lang == "en" else (ZH_TEMPLATES, ZH_NAMES)
    seen: set[str] = set()
    rows: list[dict] = []
    while len(rows) < TEST_PER_LANG + TRAIN_PER_LANG:
        template, op = templates[len(rows) % len(templates)]
        a, b, c = _numbers(rng, op)
        question = template.format(n=rng.choice(names), a=a, b=b)
        if question in seen:
            continue
        seen.add(question)
        sign = {"+": "+", "-": "-", "*": "×"}[op]
        rows.append({"question": question, "answer": f"{a} {sign} {b} = {c}\n#### {c}"})
    return rows[:TEST_PER_LANG], rows[TEST_PER_LANG:]


EN_MCQ = [
    ("Which planet is closest to the Sun?", "Venus", "Mercury", "Mars", "Earth", "B"),
    ("How many days are in a leap year?", "364", "365", "366", "367", "C"),
    ("What is the chemical symbol for water?", "H2O", "CO2", "O2", "NaCl", "A"),
    ("Which animal is a mammal?", "Shark", "Frog", "Eagle", "Dolphin", "D"),
    ("What is 7 times 8?", "54", "56", "58", "64", "B"),
    ("Which gas do plants take in to make food?", "Oxygen", "Nitrogen", "Carbon dioxide", "Helium", "C"),
    ("What is the capital of France?", "Paris", "Rome", "Berlin", "Madrid", "A"),
    ("How many continents are there on Earth?", "5", "6", "8", "7", "D"),
    ("Water freezes at what temperature in Celsius?", "10 degrees", "0 degrees", "-10 degrees", "100 degrees",
     "B"),
    ("Which is the largest ocean?", "Atlantic", "Indian", "Pacific", "Arctic", "C"),
    ("How many sides does a hexagon have?", "6", "5", "7", "8", "A"),
    ("Which organ pumps blood through the body?", "Lungs", "Liver", "Kidney", "Heart", "D"),
    ("What is the square root of 81?", "8", "9", "7", "81", "B"),
    ("Which of these is a primary color of light?", "Yellow", "Purple", "Green", "Brown", "C"),
    ("What do bees make?", "Honey", "Milk", "Silk", "Wax paper", "A"),
    ("How many minutes are in an hour?", "100", "24", "30", "60", "D"),
    ("Which language has the most native speakers?", "French", "Mandarin Chinese", "German", "Italian", "B"),
    ("What is the opposite of 'ancient'?", "Old", "Historic", "Modern", "Dusty", "C"),
    ("Which shape has three sides?", "Triangle", "Square", "Circle", "Pentagon", "A"),
    ("What is 100 divided by 4?", "20", "40", "30", "25", "D"),
    ("Which metal is liquid at room temperature?", "Iron", "Mercury", "Copper", "Silver", "B"),
    ("Which season comes after winter?", "Autumn", "Summer", "Spring", "Winter", "C"),
    ("What force pulls objects toward the Earth?", "Gravity", "Magnetism", "Friction", "Wind", "A"),
    ("How many legs does a spider have?", "6", "10", "4", "8", "D"),
    ("Which is a prime number?", "9", "13", "15", "21", "B"),
    ("What is the boiling point of water at sea level in Celsius?", "50 degrees", "90 degrees", "100 degrees",
     "212 degrees", "C"),
    ("Which instrument has black and white keys?", "Piano", "Violin", "Drum", "Flute", "A"),
    ("What is the largest planet in the solar system?", "Earth", "Saturn", "Mars", "Jupiter", "D"),
    ("Which word is a verb?", "Quickly", "Run", "Blue", "Table", "B"),
    ("How many hours are in a day?", "12", "36", "24", "48", "C"),
]
ZH_MCQ = [
    ("中国的首都是哪座城市？", "北京", "上海", "广州", "深圳", "A"),
    ("一年有几个季节？", "两个", "四个", "三个", "六个", "B"),
    ("水的化学式是什么？", "CO2", "O2", "H2O", "NaCl", "C"),
    ("下列哪种动物是哺乳动物？", "鲨鱼", "青蛙", "老鹰", "鲸鱼", "D"),
    ("9 乘以 6 等于多少？", "54", "56", "45", "63", "A"),
    ("太阳从哪个方向升起？", "西方", "东方", "南方", "北方", "B"),
    ("一天有多少小时？", "12", "48", "24", "36", "C"),
    ("下列哪个是三角形的内角和？", "90 度", "360 度", "270 度", "180 度", "D"),
    ("长江是中国最长的河流吗？", "是", "不是", "不确定", "只在夏天是", "A"),
    ("植物进行光合作用需要什么？", "月光", "阳光", "灯光", "星光", "B"),
    ("一个星期有几天？", "五天", "六天", "七天", "八天", "C"),
    ("下列哪个是质数？", "9", "15", "21", "11", "D"),
    ("熊猫主要吃什么？", "竹子", "鱼", "肉", "米饭", "A"),
    ("在标准大气压下，水在多少摄氏度结冰？", "10 度", "0 度", "50 度", "100 度", "B"),
    ("“春眠不觉晓”的下一句是？", "床前明月光", "白日依山尽", "处处闻啼鸟", "举头望明月", "C"),
    ("地球绕太阳一圈大约需要多长时间？", "一天", "一个月", "十年", "一年", "D"),
    ("人体最大的器官是什么？", "皮肤", "心脏", "肝脏", "大脑", "A"),
    ("100 除以 5 等于多少？", "25", "20", "15", "50", "B"),
    ("下列哪种颜色是彩虹中的颜色？", "黑色", "白色", "绿色", "灰色", "C"),
    ("蜜蜂酿造的是什么？", "牛奶", "果汁", "丝绸", "蜂蜜", "D"),
    ("正方形有几条边？", "四条", "三条", "五条", "六条", "A"),
    ("下列哪个是汉字“大”的反义词？", "多", "小", "高", "长", "B"),
    ("一小时有多少分钟？", "100", "30", "60", "24", "C"),
    ("太阳系中最大的行星是？", "地球", "火星", "土星", "木星", "D"),
    ("月亮绕着什么转？", "地球", "太阳", "火星", "金星", "A"),
    ("下列哪个是动词？", "美丽", "跑步", "桌子", "红色", "B"),
    ("一公里等于多少米？", "10 米", "100 米", "1000 米", "10000 米", "C"),
    ("下列哪种是水果？", "白菜", "土豆", "萝卜", "苹果", "D"),
    ("蜘蛛有几条腿？", "八条", "六条", "四条", "十条", "A"),
    ("中国的国土面积大约是多少平方公里？", "96 万", "960 万", "9600 万", "9.6 万", "B"),
]


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _write_mcq(path: Path, rows: list[tuple]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["question", "A", "B", "C", "D", "answer"])
        w.writerows(rows)


def main() -> None:
    for lang, seed in (("en", 16), ("zh", 61)):
        test, train = arithmetic(lang, seed)
        _write_jsonl(OUT / "yichui_math" / f"{lang}_test.jsonl", test)
        _write_jsonl(OUT / "yichui_math" / f"{lang}_train.jsonl", train)
    _write_mcq(OUT / "yichui_mcq" / "en_val.csv", EN_MCQ)
    _write_mcq(OUT / "yichui_mcq" / "zh_val.csv", ZH_MCQ)


if __name__ == "__main__":
    main()
