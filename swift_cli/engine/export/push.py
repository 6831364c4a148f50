"""Upload an exported folder to ModelScope (default) or Hugging Face; the token is never printed."""
from __future__ import annotations

import os
from pathlib import Path

from swift_cli.errors import FetchError, UsageError


def token_for(use_hf: bool, flag_token: str | None) -> str:
    token = flag_token or os.environ.get("HF_TOKEN" if use_hf else "MODELSCOPE_API_TOKEN") \
        or (os.environ.get("HUGGING_FACE_HUB_TOKEN") if use_hf else None)
    if not token:
        env = "HF_TOKEN" if use_hf else "MODELSCOPE_API_TOKEN"
        raise UsageError(f"--push_to_hub needs a token: --hub_token or the {env} environment variable")
    return token


def push_folder(folder: Path, repo_id: str, *, use_hf: bool, token: str, private: bool, message: str) -> str:
    """Create the repository if needed and upload `folder`; returns its URL. Any failure → one FetchError line."""
    from swift_cli.engine import hub as hub_client

    hub = "Hugging Face" if use_hf else "ModelScope"
    url = hub_client.endpoint(use_hf)
    if not hub_client.reachable(url):  # fail fast instead of the clients' retries
        raise FetchError(f"cannot push {folder} to {hub} as {repo_id}: offline or hub unreachable ({url}); "
                         "nothing was uploaded, the local folder is unchanged")
    try:
        if use_hf:
            from huggingface_hub import HfApi

            api = HfApi(token=token)
            api.create_repo(repo_id, private=private, exist_ok=True)
            api.upload_folder(repo_id=repo_id, folder_path=str(folder), commit_message=message)
            return f"{api.endpoint}/{repo_id}"
        from modelscope.hub.api import HubApi

        api = HubApi(max_retries=1)
        api.login(token)
        api.create_repo(repo_id, visibility="private" if private else "public", exist_ok=True)
        api.upload_folder(repo_id=repo_id, folder_path=str(folder), commit_message=message)
        return f"https://modelscope.cn/models/{repo_id}"
    except Exception as exc:  # noqa: BLE001 - offline, auth, quota: one line, never the token
        raise FetchError(f"cannot push {folder} to {hub} as {repo_id} ({type(exc).__name__}; offline, bad token "
                         "or no permission?); the local folder is unchanged") from None
