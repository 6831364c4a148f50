"""OpenAI request validation and the OpenAI error shape. Bad requests become ApiError (4xx), never a 500."""
from __future__ import annotations

import json
from dataclasses import dataclass

from swift_cli.engine.generate import GenParams

ROLES = {"system", "developer", "user", "assistant", "tool"}


class ApiError(Exception):
    """An error answered as {"error": {"message", "type", "param", "code"}} with an HTTP status."""

    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None,
                 type: str = "invalid_request_error"):
        super().__init__(message)
        self.status, self.message, self.param, self.code, self.type = status, message, param, code, type

    def body(self) -> dict:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


def bad(param: str, message: str, code: str = "invalid_value") -> ApiError:
    return ApiError(400, message, param=param, code=code)


def served_model(body: dict, names) -> str:
    """The request's `model`, which must be one of the served `names` (OpenAI's 400 / 404 otherwise)."""
    name = body.get("model")
    if not isinstance(name, str) or not name:
        raise bad("model", f"model is required; served: {', '.join(names)}", "missing_required_parameter")
    if name not in names:
        raise ApiError(404, f"The model '{name}' does not exist; served: {', '.join(names)}", param="model",
                       code="model_not_found")
    return name


def parse_json(raw: bytes) -> dict:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"the request body is not valid JSON ({exc})", code="invalid_json") from None
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a JSON object", code="invalid_json")
    return body


def _number(body: dict, name: str, default, lo: float | None = None, hi: float | None = None,
            integer: bool = False, lo_open: bool = False):
    value = body.get(name)
    if value is None:
        return default
    ok_type = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, ok_type):
        raise bad(name, f"{name} must be {'an integer' if integer else 'a number'}, got {value!r}", "invalid_type")
    if (lo is not None and (value <= lo if lo_open else value < lo)) or (hi is not None and value > hi):
        bounds = f"{'>' if lo_open else '>='} {lo}" if hi is None else f"in {'(' if lo_open else '['}{lo}, {hi}]"
        raise bad(name, f"{name} must be {bounds}, got {value!r}")
    return value


def _bool(body: dict, name: str, default: bool) -> bool:
    value = body.get(name, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise bad(name, f"{name} must be true or false, got {value!r}", "invalid_type")
    return value


@dataclass
class Decoding:
    sampling: GenParams
    n: int
    stream: bool
    include_usage: bool
    max_tokens_given: bool


def decoding(body: dict, defaults, max_n: int) -> Decoding:
    """Sampling settings of a chat/completions request; `defaults` is the server's GenParams."""
    max_tokens = _number(body, "max_tokens", None, 1, integer=True)
    max_tokens = _number(body, "max_completion_tokens", max_tokens, 1, integer=True)
    temperature = _number(body, "temperature", defaults.temperature, 0, 2)
    top_p = _number(body, "top_p", defaults.top_p, 0, 1, lo_open=True)
    top_k = _number(body, "top_k", defaults.top_k, -1, integer=True)
    rep = _number(body, "repetition_penalty", defaults.repetition_penalty, 0, lo_open=True)
    for name in ("presence_penalty", "frequency_penalty"):  # accepted for compatibility, not applied
        _number(body, name, 0.0, -2, 2)
    n = _number(body, "n", 1, 1, max_n, integer=True)
    seed = _number(body, "seed", None, integer=True)
    stop = body.get("stop")
    if stop is None:
        stop = list(defaults.stop)
    elif isinstance(stop, str):
        stop = [stop]
    if not isinstance(stop, list) or len(stop) > 4 or not all(isinstance(s, str) and s for s in stop):
        raise bad("stop", "stop must be a non-empty string or a list of at most 4 non-empty strings")
    for name in ("logprobs", "top_logprobs", "echo", "best_of"):
        if body.get(name) not in (None, False, 0) and not (name == "best_of" and body[name] == 1):
            raise bad(name, f"{name} is not supported by this server", "unsupported_parameter")
    stream = _bool(body, "stream", False)
    options = body.get("stream_options") or {}
    if not isinstance(options, dict):
        raise bad("stream_options", "stream_options must be an object", "invalid_type")
    include_usage = _bool(options, "include_usage", False)
    sampling = GenParams(max_tokens or defaults.max_new_tokens, float(temperature), float(top_p),
                        0 if top_k < 0 else top_k, float(rep), tuple(stop), seed)
    return Decoding(sampling, n, stream, include_usage, max_tokens is not None)


def messages_of(body: dict, images: bool = False) -> list[dict]:
    """The conversation, content parts joined to text (with `images`, a vision-language model's image_url parts
    are kept as parts); roles checked."""
    msgs = body.get("messages")
    if not isinstance(msgs, list) or not msgs:
        raise bad("messages", "messages must be a non-empty list of {role, content} objects")
    out = []
    for i, m in enumerate(msgs):
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            raise bad(f"messages[{i}]", f"messages[{i}] needs a role among {', '.join(sorted(ROLES))}")
        content = m.get("content")
        if images and isinstance(content, list) and any(isinstance(p, dict) and p.get("type") in ("image_url", "image")
                                                        for p in content):
            out.append({"role": m["role"], "content": content})  # checked by engine.vl.generate.vl_inputs
            continue
        if isinstance(content, list):
            parts = []
            for part in content:
                if not (isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str)):
                    raise bad(f"messages[{i}].content", "only text content parts are supported" +
                              ("" if images else " (image_url needs a vision-language model)"))
                parts.append(part["text"])
            content = "".join(parts)
        if content is None and m["role"] == "assistant":
            content = ""
        if not isinstance(content, str):
            raise bad(f"messages[{i}].content", f"messages[{i}].content must be a string or text parts")
        out.append({"role": "system" if m["role"] == "developer" else m["role"], "content": content})
    return out


def prompts_of(body: dict) -> list:
    """/v1/completions prompt: a string, a list of strings, token ids, or a list of token-id lists."""
    prompt = body.get("prompt")
    if isinstance(prompt, str):
        return [prompt]
    if isinstance(prompt, list) and prompt:
        if all(isinstance(p, str) for p in prompt):
            return list(prompt)
        if all(isinstance(t, int) and not isinstance(t, bool) for t in prompt):
            return [list(prompt)]
        if all(isinstance(p, list) and p and all(isinstance(t, int) for t in p) for p in prompt):
            return [list(p) for p in prompt]
    raise bad("prompt", "prompt must be a string, a list of strings, or token ids")


def fit_context(prompt_len: int, dec: Decoding, max_model_len: int, param: str = "messages") -> GenParams:
    """Refuse prompts that do not fit; shorten a default max_tokens to the room left."""
    room = max_model_len - prompt_len
    if room < 1 or (dec.max_tokens_given and dec.sampling.max_new_tokens > room):
        asked = f" + {dec.sampling.max_new_tokens} completion tokens" if dec.max_tokens_given else ""
        raise ApiError(400, f"This model's maximum context length is {max_model_len} tokens; the request has "
                       f"{prompt_len} prompt tokens{asked}. Shorten the prompt or max_tokens.",
                       param=param, code="context_length_exceeded")
    if dec.sampling.max_new_tokens > room:
        from dataclasses import replace

        return replace(dec.sampling, max_new_tokens=room)
    return dec.sampling
