"""Every string the wizard shows, in English and Chinese. `t(key, **fields)` picks the current language.

Option labels come from the declarations (`zh=` in swift_cli/options); OPTION_HELP_ZH only translates the
one-line explanations of the options the wizard asks about (the English text is the declaration's help).
"""
from __future__ import annotations

import os

LANGS = ("en", "zh")
_lang = "en"

S: dict[str, tuple[str, str]] = {
    # main menu
    "title": ("一锤定音 yichui: fine-tune, quantize and serve LLMs", "一锤定音 yichui：微调、量化、部署大模型"),
    "menu": ("What would you like to do?", "想做什么？"),
    "menu.download": ("Download a model", "下载模型"),
    "menu.chat": ("Chat with a model", "与模型对话"),
    "menu.sft": ("Fine-tune (LoRA / QLoRA / full)", "微调（LoRA / QLoRA / 全参）"),
    "menu.dpo": ("Align with preferences (DPO, ORPO, KTO...)", "偏好对齐（DPO、ORPO、KTO…）"),
    "menu.eval": ("Evaluate: did my fine-tune help? (benchmarks, your data, built-in sets)",
                  "评测：微调有没有用？（基准、自有数据、内置评测集）"),
    "menu.quantize": ("Quantize a model", "量化模型"),
    "report.scores": ("Benchmark scores (step 0 = before training)", "评测分数（第 0 步 = 训练前）"),
    "menu.export": ("Merge / export (merged weights, GGUF, Ollama...)", "合并 / 导出（合并权重、GGUF、Ollama…）"),
    "menu.deploy": ("Deploy an OpenAI-compatible API", "部署 OpenAI 兼容 API"),
    "menu.plan": ("Plan hardware & memory", "规划硬件与显存"),
    "menu.exit": ("Exit", "退出"),
    "keys": ("(arrows + Enter; Esc goes back; Ctrl-C quits)", "（方向键 + 回车；Esc 返回；Ctrl-C 退出）"),
    "bye": ("bye", "再见"),
    "cancelled": ("cancelled: nothing was run or written", "已取消：没有运行也没有写入任何内容"),
    "cancelled.after": ("cancelled; what already ran is kept as shown above", "已取消；已运行的结果保留（见上）"),
    "unavailable": ("`swift {cmd}` is not in this version yet", "此版本尚无 `swift {cmd}`"),
    # hardware
    "hw.title": ("This machine", "本机硬件"),
    "hw.profile": ("Planning for profile {name} (--hardware)", "按硬件档案 {name} 规划（--hardware）"),
    "hw.device": ("device", "设备"),
    "hw.memory": ("memory free / total", "可用 / 总内存"),
    "hw.cpu": ("CPU cores, RAM", "CPU 核数、内存"),
    "hw.engines": ("engines", "引擎"),
    "hw.none": ("no accelerator: training runs on the CPU (fine for the tiny model)",
                "没有加速卡：在 CPU 上训练（适合内置小模型）"),
    # model picker
    "model.ask": ("Which model?", "选择模型"),
    "model.tiny": ("Built-in tiny model (offline, a few MB, trains in seconds)", "内置小模型（离线，几 MB，几秒训练完）"),
    "model.registry": ("From the curated list ({n} models)", "从精选列表中选（{n} 个模型）"),
    "model.local": ("A folder on this machine", "本机上的文件夹"),
    "model.hub": ("Another ModelScope / Hugging Face id", "其他 ModelScope / Hugging Face 模型 id"),
    "model.adapter": ("A fine-tuned checkpoint folder (LoRA)", "微调得到的 checkpoint 文件夹（LoRA）"),
    "model.pick": ("Pick a model (type to filter)", "选择模型（可输入过滤）"),
    "model.path": ("Folder with config.json:", "含 config.json 的文件夹："),
    "model.ckpt": ("Checkpoint folder (has adapter_config.json):", "checkpoint 文件夹（含 adapter_config.json）："),
    "model.id": ("Model id (e.g. Qwen/Qwen2.5-0.5B-Instruct):", "模型 id（例如 Qwen/Qwen2.5-0.5B-Instruct）："),
    "model.no_config": ("{path}: no config.json there", "{path}：没有 config.json"),
    "model.no_adapter": ("{path}: no adapter_config.json there", "{path}：没有 adapter_config.json"),
    "model.building": ("building the tiny model in {path} ...", "正在 {path} 构建内置小模型…"),
    "fit.full": ("fits full fine-tuning", "可全参微调"),
    "fit.lora": ("fits LoRA", "可 LoRA"),
    "fit.qlora": ("fits QLoRA", "可 QLoRA"),
    "fit.infer": ("inference only", "仅能推理"),
    "fit.no": ("too big here", "本机放不下"),
    # dataset picker
    "data.ask": ("Which dataset?", "选择数据集"),
    "data.self": ("Built-in self-cognition (teach the model its name)", "内置自我认知（教模型它的名字）"),
    "data.pref": ("Built-in tiny-preferences (chosen / rejected pairs)", "内置 tiny-preferences（偏好对）"),
    "data.file": ("A local file (jsonl / json / csv / parquet / txt), checked now",
                  "本地文件（jsonl/json/csv/parquet/txt），立即检查"),
    "data.hub": ("A hub dataset name (NAME or NAME#N)", "数据集 hub 名称（NAME 或 NAME#N）"),
    "data.path": ("Dataset file:", "数据文件："),
    "data.hub_name": ("Dataset name:", "数据集名称："),
    "data.bad": ("{path} has bad rows (listed above); fix them or pick another file",
                 "{path} 有错误行（见上）；请修正或换一个文件"),
    "data.missing": ("{path}: no such file", "{path}：文件不存在"),
    "data.vl": ("An image-text dataset for vision-language models (coco caption, LaTeX OCR)",
                "图文数据集，用于多模态模型（coco caption、LaTeX OCR）"),
    "data.vl_pick": ("Which image-text dataset?", "选择图文数据集"),
    # tuning
    "tt.ask": ("How to train?", "训练方式"),
    "tt.lora": ("LoRA: small adapters, the usual choice", "LoRA：训练小的适配器，最常用"),
    "tt.qlora": ("QLoRA: LoRA on a 4-bit base, least memory", "QLoRA：4 比特底座上的 LoRA，最省显存"),
    "tt.dora": ("DoRA: LoRA with magnitude, a bit more memory", "DoRA：带幅度的 LoRA，显存略多"),
    "tt.full": ("Full: every weight, most memory", "全参：训练全部权重，显存最多"),
    "rlhf.ask": ("Which alignment algorithm?", "对齐算法"),
    # plan
    "plan.title": ("Memory estimate", "显存估算"),
    "plan.fits": ("fits: {peak} of {free} GiB free on {hw}", "放得下：需要 {peak} GiB，{hw} 可用 {free} GiB"),
    "plan.nofit": ("does NOT fit: needs {peak} GiB, {free} GiB free on {hw}",
                   "放不下：需要 {peak} GiB，{hw} 只有 {free} GiB"),
    "plan.none": ("no memory estimate ({why}); the run itself will tell", "无法估算显存（{why}）；以实际运行为准"),
    "plan.offer": ("Your choice does not fit. What now?", "当前选择放不下，怎么办？"),
    "plan.use": ("Use the plan that fits: {desc}", "使用放得下的方案：{desc}"),
    "plan.keep": ("Keep my choice anyway", "仍然使用我的选择"),
    "plan.machine": ("A machine where your choice fits: {hw}", "能放下当前选择的机器：{hw}"),
    "plan.nothing": ("Nothing fits on {hw}, even QLoRA with batch 1", "{hw} 上什么方案都放不下，QLoRA 加 batch 1 也不行"),
    "plan.task": ("Plan for which workload?", "规划哪种任务？"),
    # parameters
    "params.ask": ("Key parameters (planner defaults). Enter on a line to change it:",
                   "关键参数（规划器默认值）。选中一行回车可修改："),
    "params.done": ("Continue with these", "用这些参数继续"),
    "params.value": ("New value for {label}:", "{label} 的新值："),
    "params.bad": ("not accepted: {why}", "不接受：{why}"),
    # confirmation / run
    "confirm.title": ("The equivalent command", "等价命令"),
    "confirm.ask": ("Run it?", "运行吗？"),
    "confirm.run": ("Run", "运行"),
    "confirm.edit": ("Change parameters", "修改参数"),
    "confirm.back": ("Back", "返回"),
    "confirm.exit": ("Exit without running", "不运行，退出"),
    "confirm.saved": ("saved: {cmd} and {recipe}", "已保存：{cmd} 与 {recipe}"),
    "run.start": ("running: {cmd}", "正在运行：{cmd}"),
    "run.failed": ("the command failed (exit {code}); see the message above", "命令失败（退出码 {code}），见上方信息"),
    "run.interrupted": ("interrupted; resume with:\n  {cmd}", "已中断；继续训练：\n  {cmd}"),
    # report
    "report.title": ("Report", "报告"),
    "report.run_dir": ("run folder", "运行目录"),
    "report.ckpt": ("checkpoint", "checkpoint"),
    "report.plot": ("loss plot", "loss 曲线"),
    "report.rewards": ("rewards plot", "reward 曲线"),
    "report.command": ("replay", "复现命令"),
    "report.question": ("question", "问题"),
    "report.before": ("before", "训练前"),
    "report.after": ("after", "训练后"),
    "report.learned": ("name learned: {yes}", "name learned: {yes}（学会名字）"),
    "report.asking": ("asking the {which} model ...", "正在询问{which}模型…"),
    "report.base": ("untrained", "未训练的"),
    "report.tuned": ("fine-tuned", "微调后的"),
    "next.ask": ("Next?", "下一步？"),
    "next.chat": ("Chat with it", "和它对话"),
    "next.export": ("Merge / export it", "合并 / 导出"),
    "next.deploy": ("Deploy it as an API", "部署为 API"),
    "next.menu": ("Back to the main menu", "回到主菜单"),
    "next.exit": ("Exit", "退出"),
    "need.tty": ("swift wizard needs a terminal; use --auto or the swift commands in scripts",
                 "swift wizard 需要终端；脚本里请用 --auto 或 swift 子命令"),
    "auto.eta": (("ETA for training: about {min} min ({steps} steps; this machine multiplies at {gflops} GFLOPS "
                  "right now; the live bar shows the measured ETA)"),
                 "预计训练时间：约 {min} 分钟（{steps} 步；本机当前矩阵乘速度 {gflops} GFLOPS；进度条显示实测剩余时间）"),
    "auto.task": ("--auto runs sft, dpo or infer; for {task} use the menus or `swift {task}`",
                  "--auto 只运行 sft、dpo 或 infer；{task} 请用菜单或 `swift {task}`"),
}

OPTION_HELP_ZH: dict[str, str] = {
    "model": "本地文件夹、ModelScope id（默认）或 Hugging Face id",
    "dataset": "数据文件或内置名称，可加 #N 采样 N 行",
    "model_name": "自我认知数据里的名字：先中文后英文",
    "model_author": "自我认知数据里的作者：先中文后英文",
    "train_type": "全参、LoRA、DoRA 或 QLoRA",
    "lora_rank": "LoRA 秩：越大可学的越多，显存也越多",
    "num_train_epochs": "训练轮数（max_steps > 0 时忽略）",
    "max_steps": "总优化步数；> 0 时覆盖轮数",
    "per_device_train_batch_size": "每张卡每步的样本数",
    "gradient_accumulation_steps": "累积几个小批再更新一次",
    "learning_rate": "学习率；LoRA 默认 1e-4，全参 1e-5",
    "max_length": "最长的样本 token 数",
    "gradient_checkpointing": "反向时重算激活以省显存（更慢）",
    "rlhf_type": "偏好对齐算法",
    "port": "监听端口",
    "beta": "偏好项的强度",
}


def set_lang(lang: str | None) -> str:
    """Set the language (zh/en); None picks it from LC_ALL / LC_MESSAGES / LANG."""
    global _lang
    if not lang:
        env = next((os.environ[v] for v in ("LC_ALL", "LC_MESSAGES", "LANG") if os.environ.get(v)), "")
        lang = "zh" if env.lower().startswith("zh") else "en"
    _lang = lang if lang in LANGS else "en"
    return _lang


def lang() -> str:
    return _lang


def t(key: str, **fields) -> str:
    """The string for `key` in the current language, with {fields} filled."""
    en, zh = S[key]
    text = zh if _lang == "zh" else en
    return text.format(**fields) if fields else text


def option_label(spec) -> str:
    """An option's label: its declared zh label in Chinese, else its flag name."""
    return f"{spec.zh} ({spec.name})" if _lang == "zh" and spec.zh else spec.name


def option_help(spec) -> str:
    """An option's one-line explanation in the current language (the declaration's help in English)."""
    return OPTION_HELP_ZH.get(spec.name, spec.help) if _lang == "zh" else spec.help
