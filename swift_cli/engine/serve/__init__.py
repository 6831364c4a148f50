"""`swift deploy`: an OpenAI-compatible server (pt backend with request batching, or vLLM's own server).

Modules: `options` (the serve flags, import-light), `batcher` (shared forward passes), `protocol`
(request validation and the OpenAI error shape), `server` (FastAPI + uvicorn), `vllm` (flag mapping
and launch of vLLM's server).
"""
