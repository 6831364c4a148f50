"""The console's words in English and Chinese. The wizard's strings (wizard/i18n.py S) are reused where they
exist (`wz.` keys); the rest are the pages' own. Option labels and help come from the declarations."""
from __future__ import annotations

LANGS = ("en", "zh")
LANG_COOKIE = "yichui_lang"


def request_lang(request, console) -> str:
    """?lang=, else the cookie, else the console's --lang."""
    lang = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or console.lang
    return lang if lang in LANGS else "en"

PAGE: dict[str, tuple[str, str]] = {
    "nav.home": ("Home", "首页"), "nav.new": ("New run", "新建训练"), "nav.compare": ("Compare", "对比"),
    "nav.chat": ("Chat", "对话"),
    "home.running": ("Running and queued", "运行中与排队中"), "home.history": ("History", "历史"),
    "home.none": ("No jobs yet.", "还没有任务。"),
    "col.id": ("#", "#"), "col.status": ("status", "状态"), "col.command": ("command", "命令"),
    "col.loss": ("loss", "损失"), "col.score": ("score", "得分"), "col.duration": ("duration", "耗时"),
    "col.peak": ("peak predicted / measured", "峰值 预测 / 实测"), "col.step": ("step", "步数"),
    "new.task": ("Task", "任务"), "new.upload": ("or upload a file", "或上传文件"),
    "new.plan": ("Plan", "规划"), "new.fits": ("fits this machine", "本机放得下"),
    "new.nofit": ("does not fit", "放不下"), "new.nearest": ("nearest change that fits", "最近的可行修改"),
    "new.elsewhere": ("would fit on", "可放下的机器"), "new.command": ("Command", "命令"),
    "new.copy": ("Copy", "复制"), "new.dryrun": ("Dry run (plan only)", "试运行（仅规划）"),
    "new.launch": ("Launch", "启动"), "new.refused": ("Refused", "已拒绝"),
    "new.rows": ("good rows", "有效行"),
    "new.extra": ("More flags", "更多参数"),
    "new.extra_help": ("any flag of the command, ms-swift spelling; checked by the same parser as the CLI",
                       "命令的任意参数（ms-swift 写法），与命令行同一解析器检查"),
    "run.progress": ("Progress", "进度"), "run.eta": ("ETA", "剩余时间"), "run.chart": ("loss / lr", "损失 / 学习率"),
    "run.log": ("Log tail", "日志末尾"), "run.stop": ("Stop", "停止"), "run.resume": ("Resume", "继续"),
    "run.chat": ("Chat with it", "与它对话"), "run.hint": ("Failure hint", "失败提示"),
    "run.memory": ("Memory: measured peak / predicted", "内存：实测峰值 / 预测"),
    "run.steps": ("steps seen", "已收到步数"),
    "run.rewards": ("Rewards (RL)", "奖励（强化学习）"), "run.evals": ("Eval", "评测"),
    "run.record": ("Record of the finished run", "运行记录"),
    "act.title": ("When done: evaluate, export, deploy", "完成后：评测、导出、部署"),
    "act.limit": ("items per set", "每个评测集条数"), "act.eval": ("Evaluate before/after", "评测训练前/后"),
    "act.merge": ("Export: merge LoRA", "导出：合并 LoRA"), "act.gguf": ("Export: GGUF", "导出：GGUF"),
    "act.gguf_type": ("GGUF tensor type (--gguf_type)", "GGUF 张量类型（--gguf_type）"),
    "act.quantize": ("Export: quantize", "导出：量化"),
    "act.deploy": ("Deploy (127.0.0.1)", "部署（127.0.0.1）"), "act.dataset": ("dataset", "数据集"),
    "act.before": ("before [95% interval]", "训练前 [95% 区间]"), "act.after": ("after [95% interval]", "训练后 [95% 区间]"),
    "compare.scores": ("Scores with 95% intervals", "得分与 95% 区间"),
    "act.from": ("Started from run", "来自训练"),
    "act.diff": ("after − before [95% paired interval]", "训练后 − 训练前 [95% 配对区间]"),
    "act.interval": ("Each score: 95% Wilson interval over its n items; the difference: swift eval's paired "
                     "bootstrap on the same items.", "每个分数：n 条样本上的 95% Wilson 区间；差值：swift eval 在相同样本上的配对自助法区间。"),
    "run.monitor": ("Memory: measured peak vs the plan's prediction", "内存：实测峰值与规划预测"),
    "chat.image": ("Image (vision-language models)", "图片（多模态模型）"),
    "chat.job_ckpt": ("the last checkpoint of job", "任务的最新 checkpoint："),
    "compare.pick": ("Jobs to compare (ids, comma separated)", "要对比的任务（编号，逗号分隔）"),
    "compare.diff": ("Config differences", "配置差异"), "compare.curves": ("Loss curves", "损失曲线"),
    "chat.system": ("System prompt", "系统提示"), "chat.send": ("Send", "发送"),
    "chat.temperature": ("temperature", "温度"), "chat.max_tokens": ("max new tokens", "最多生成 token"),
    "chat.model": ("Model", "模型"), "chat.placeholder": ("Type a message", "输入消息"),
    "chat.loading": ("starting the model server...", "正在启动模型服务…"),
    "token.needed": ("This console needs its access token: open the link `swift web-ui` printed (…/?token=…).",
                     "此控制台需要访问令牌：请打开 `swift web-ui` 打印的链接（…/?token=…）。"),
}
# Wizard strings reused by the pages (their keys in wizard/i18n.py).
WIZARD_KEYS = ("hw.title", "hw.device", "hw.memory", "hw.cpu", "hw.none", "model.ask", "data.ask", "tt.ask",
               "menu.chat", "menu.sft", "title", "fit.full", "fit.lora", "fit.qlora", "fit.infer", "fit.no")


def table(lang: str) -> dict[str, str]:
    """Every string for one language: the pages' own, then the wizard's under `wz.<key>`."""
    from wizard.i18n import S

    i = 1 if lang == "zh" else 0
    out = {k: v[i] for k, v in PAGE.items()}
    out |= {f"wz.{k}": S[k][i] for k in WIZARD_KEYS if k in S}
    return out


def option_text(lang: str, name: str, command: str = "sft") -> tuple[str, str]:
    """(label, one-line help) of an option from its declaration (zh label and help where declared)."""
    from swift_cli.options.declare import command_specs
    from swift_cli.options.render import command_config
    from wizard.i18n import OPTION_HELP_ZH

    spec = next((s for s in command_specs(command_config(command)) if s.name == name), None)
    if spec is None:
        return name, ""
    if lang == "zh":
        return (f"{spec.zh} ({name})" if spec.zh else name), OPTION_HELP_ZH.get(name, spec.help)
    return name, spec.help
