"""--eval_dataset / --eval_dataset_args → EvalScope's `datasets` and `dataset_args`, checked before any model loads.

- Built-in names (yichui_math, yichui_mcq) point at the packaged files.
- EvalScope names pass through; with `local_path` on a folder in the benchmark's ORIGINAL published layout
  (GSM8K's test.jsonl/train.jsonl; C-Eval's val/<subject>_val.csv, dev/<subject>_dev.csv; MMLU's and
  CMMLU's subject CSVs, engine/eval/subject_tables.py), a copy in the hub-snapshot layout EvalScope's loader
  reads (README.md `configs:`) is staged.
- general_qa (jsonl: query/response) and general_mcq (csv: question,A,B,...,answer) read the user's files;
  a file path given as a dataset name is shorthand for those two.
Every file we read is checked line by line; a problem is one UsageError naming the file and line.
"""
from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from swift_cli.engine.eval import subject_tables
from swift_cli.engine.eval.builtin import BUILTIN
from swift_cli.errors import UsageError

SPLITS = ("train", "test", "val", "validation", "dev")
DATA_EXTS = (".jsonl", ".json", ".csv", ".parquet")
ANSWER_LETTERS = "ABCDEFGHIJ"


@dataclass
class Resolved:
    datasets: list[str]
    dataset_args: dict
    notes: list[str] = field(default_factory=list)
    files: dict = field(default_factory=dict)  # dataset -> {subset: the eval file we read} (local data only)

    def total(self, limit: int | None) -> int | None:
        """Items that will be scored, when every dataset is a local file (for the progress bar's ETA)."""
        if any(name not in self.files for name in self.datasets):
            return None
        return sum(min(count_rows(path), limit or 10**12) for subsets in self.files.values()
                   for path in subsets.values())


def parse_json_flag(flag: str, text: str | None) -> dict:
    return _json_object(text, flag) if text else {}


def _json_object(text: str, where: str) -> dict:
    """One JSON object, or a UsageError naming `where` (a flag, or file:line)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(value, dict):
        raise UsageError(f"{where}: expected a JSON object, got {type(value).__name__}")
    return value


def _registry():
    from evalscope.api.registry import BENCHMARK_REGISTRY

    from swift_cli.engine.eval.builtin import register

    register()
    return BENCHMARK_REGISTRY


def resolve(names: list[str], args_json: str | None, stage_root: Path) -> Resolved:
    """Names and per-dataset args as EvalScope takes them; local copies checked and staged under stage_root."""
    user_args = parse_json_flag("--eval_dataset_args", args_json)
    registry = _registry()
    datasets: list[str] = []
    out_args: dict = {}
    notes: list[str] = []
    files: dict = {}
    for raw in names or list(BUILTIN):
        name, file_args = _from_file(raw) if Path(raw).suffix in (".jsonl", ".csv") else (raw, None)
        name = name.replace("-", "_") if name.replace("-", "_") in BUILTIN else name
        if name == "builtin":
            datasets += [b for b in BUILTIN if b not in datasets]
            continue
        if name not in registry:
            hint = registry._suggest(name) if hasattr(registry, "_suggest") else ""
            raise UsageError(f"--eval_dataset {raw}: unknown benchmark. {hint} "
                             f"(built-in offline sets: {', '.join(BUILTIN)}; `evalscope benchmark-info` lists all)")
        if name in datasets:
            raise UsageError(f"--eval_dataset {raw}: {name} is given twice")
        datasets.append(name)
        args = {**(file_args or {}), **dict(user_args.get(name) or {})}
        out_args[name] = _prepare(name, registry[name], args, stage_root, notes)
        found = eval_files(name, registry[name], out_args[name])
        if found:
            files[name] = found
    for key in user_args:
        if key not in datasets:
            raise UsageError(f"--eval_dataset_args: {key!r} is not one of the datasets given ({', '.join(datasets)})")
    return Resolved(datasets, out_args, notes, files)


def eval_files(name: str, meta, args: dict) -> dict:
    """{subset: file} of the eval split, when the data is on disk (built-in, staged or the user's files)."""
    root = Path(args.get("local_path") or meta.dataset_id)
    if not root.is_dir():
        return {}
    out = {}
    for subset in args.get("subset_list") or meta.subset_list:
        candidates = [root / f"{subset}_{meta.eval_split}{ext}" for ext in DATA_EXTS]
        candidates += [root / f"{subset}{ext}" for ext in DATA_EXTS]
        candidates += [root / subset / f"{meta.eval_split}{ext}" for ext in DATA_EXTS]
        path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            return {}
        out[subset] = path
    return out


def count_rows(path: Path) -> int:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as f:
            return max(sum(1 for row in csv.reader(f) if any(c.strip() for c in row)) - 1, 0)
    if path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as f:
            return sum(1 for line in f if line.strip())
    return 0


def _from_file(raw: str) -> tuple[str, dict]:
    path = Path(raw)
    if not path.is_file():
        raise UsageError(f"--eval_dataset {raw}: no such file")
    kind = "general_qa" if path.suffix == ".jsonl" else "general_mcq"
    return kind, {"local_path": str(path.resolve().parent), "subset_list": [path.stem]}


def _prepare(name: str, meta, args: dict, stage_root: Path, notes: list[str]) -> dict:
    local = args.get("local_path")
    if name in ("general_qa", "general_mcq"):
        if not local:
            raise UsageError(f"--eval_dataset {name}: needs your files: --eval_dataset_args "
                             f"'{{\"{name}\": {{\"local_path\": \"DIR\", \"subset_list\": [\"NAME\"]}}}}' "
                             f"(DIR/NAME.{'jsonl' if name == 'general_qa' else 'csv'}), or give the file itself")
        folder = _existing_dir(name, local)
        subsets = args.get("subset_list") or meta.subset_list
        split = meta.eval_split
        for subset in subsets:
            ext = ".jsonl" if name == "general_qa" else ".csv"
            path = next((p for p in (folder / f"{subset}_{split}{ext}", folder / f"{subset}{ext}") if p.is_file()),
                        None)
            if path is None:
                raise UsageError(f"--eval_dataset_args {name}: no {subset}_{split}{ext} or {subset}{ext} in {folder}")
            (check_qa_jsonl if name == "general_qa" else check_mcq_csv)(path)
        return {**args, "local_path": str(folder), "subset_list": list(subsets)}
    if not local:
        _check_hub(name, meta)
        return args
    folder = _existing_dir(name, local)
    # Staged under a name that carries the content's hash: the datasets cache keys its entries by folder name and
    # config, so two different copies in folders of the same name must not meet there.
    dst = stage_root / f"{name}-{content_key(folder)}"
    if name in BUILTIN or is_hub_snapshot(folder):
        shutil.copytree(folder, dst)
        return {**args, "local_path": str(dst)}  # already the hub-snapshot layout EvalScope reads
    if subject_tables.handles(name):   # MMLU, CMMLU: subject CSVs → the one table EvalScope reads
        subsets, shots = subject_tables.stage(name, meta, folder, dst, SPLITS)
        out = {**args, "local_path": str(dst)}
    else:
        staged = stage_original_layout(name, meta, folder, dst)
        subsets, shots = staged.subsets, staged.rows(meta.train_split)
        out = {**args, "local_path": str(staged.root)}
    if "subset_list" not in args and subsets != list(meta.subset_list):
        out["subset_list"] = subsets
    if meta.few_shot_num and "few_shot_num" not in args and shots < meta.few_shot_num:
        out["few_shot_num"] = shots  # EvalScope refuses more shots than the split holds
        notes.append(f"{name}: {shots} {meta.train_split} rows in {folder}, so {shots}-shot instead of "
                     f"{meta.few_shot_num} (set few_shot_num in --eval_dataset_args to change)")
    return out


def is_hub_snapshot(folder: Path) -> bool:
    """The hub-snapshot layout: a README.md whose YAML front matter names the data files (`configs:`). Any other
    README (a licence note, the repository's readme) says nothing about the layout."""
    readme = folder / "README.md"
    if not readme.is_file():
        return False
    text = readme.read_text(encoding="utf-8", errors="replace")
    if not text.startswith("---"):
        return False
    front = text[3:].split("\n---", 1)[0]
    return any(line.startswith("configs:") for line in front.splitlines())


def content_key(folder: Path) -> str:
    """12 hex digits of sha256 over the folder's data files and README (relative names and bytes)."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and (p.suffix in DATA_EXTS or p.name == "README.md")):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _check_hub(name: str, meta) -> None:
    """A hub benchmark without local_path is downloaded by EvalScope mid-run: offline with no cached copy, say so
    now, before any model loads, with the local-copy spelling."""
    import os

    from swift_cli.engine.hub import answers, endpoint
    from swift_cli.errors import FetchError

    cache = Path(os.environ.get("MODELSCOPE_CACHE") or Path.home() / ".cache" / "modelscope" / "hub")
    if (cache / "datasets" / str(meta.dataset_id)).is_dir():
        return
    url = endpoint(use_hf=False)
    if not answers(url):
        raise FetchError(f"--eval_dataset {name}: the hub ({url}) is unreachable and {meta.dataset_id} is not cached; "
                         f"give a local copy in the benchmark's published layout: --eval_dataset_args "
                         f"'{{\"{name}\": {{\"local_path\": \"DIR\"}}}}'")


def _existing_dir(name: str, local: str) -> Path:
    folder = Path(str(local)).expanduser()
    if not folder.is_dir():
        raise UsageError(f"--eval_dataset_args {name}.local_path {local}: no such folder")
    return folder.resolve()


@dataclass
class Staged:
    root: Path
    files: dict  # subset -> {split: relative path}

    @property
    def subsets(self) -> list[str]:
        return list(self.files)

    def rows(self, split: str | None) -> int:
        """Fewest rows of `split` over the subsets (0 when a subset lacks it)."""
        counts = [count_rows(self.root / splits[split]) if split in splits else 0 for splits in self.files.values()]
        return min(counts, default=0)


def _split_of(path: Path, top: Path, default_subset: str) -> tuple[str, str] | None:
    """(subset, split) from a published file name: test.jsonl, val/<subject>_val.csv, dev/<subject>.csv."""
    stem = path.stem
    if stem in SPLITS:
        return default_subset, stem
    head, _, tail = stem.rpartition("_")
    if head and tail in SPLITS:
        return head, tail
    if path.parent != top and path.parent.name in SPLITS:
        return stem, path.parent.name
    return None


def stage_original_layout(name: str, meta, src: Path, dst: Path) -> Staged:
    """Copy src's data files into dst/<subset>/<split>.<ext> and write the README.md `configs:` that
    datasets.load_dataset(dst, name=subset, split=split) — EvalScope's local read — needs."""
    default_subset = meta.subset_list[0] if len(meta.subset_list) == 1 else "default"
    files: dict[str, dict[str, str]] = {}
    for path in sorted(p for p in src.rglob("*") if p.suffix in DATA_EXTS and p.is_file()
                       and len(p.relative_to(src).parts) <= 2):
        found = _split_of(path, src, default_subset)
        if found is None:
            continue
        subset, split = found
        _check_benchmark_file(name, path)
        rel = f"{subset}/{split}{path.suffix}"
        (dst / subset).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dst / rel)
        files.setdefault(subset, {})[split] = rel
    evals = [s for s, splits in files.items() if meta.eval_split in splits]
    if not evals:
        raise UsageError(f"--eval_dataset_args {name}.local_path {src}: no {meta.eval_split} file in the "
                         f"published layout (e.g. {meta.eval_split}.jsonl or {meta.eval_split}/<subset>_"
                         f"{meta.eval_split}.csv)")
    files = {s: files[s] for s in evals}
    lines = ["---", "configs:"]
    for subset, splits in files.items():
        lines += [f"- config_name: {subset}", "  data_files:"]
        lines += [f"  - split: {split}\n    path: {rel}" for split, rel in splits.items()]
    (dst / "README.md").write_text("\n".join(lines + ["---", ""]), encoding="utf-8")
    return Staged(dst, files)


def _check_benchmark_file(name: str, path: Path) -> None:
    if name in ("gsm8k",) and path.suffix == ".jsonl":
        for lineno, row in _jsonl_rows(path):
            if not isinstance(row.get("question"), str) or "####" not in str(row.get("answer", "")):
                raise UsageError(f"{path}:{lineno}: a GSM8K row needs 'question' and an 'answer' ending in '#### N'")
    elif path.suffix == ".csv" and name == "ceval":
        check_mcq_csv(path, need=("question", "A", "B", "C", "D", "answer"))


def _jsonl_rows(path: Path):
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if line.strip():
                yield lineno, _json_object(line, f"{path}:{lineno}")


def check_qa_jsonl(path: Path) -> None:
    """general_qa rows: query/question + response/answer (strings), or messages."""
    n = 0
    for lineno, row in _jsonl_rows(path):
        n += 1
        if isinstance(row.get("messages"), list):
            continue
        query = row.get("query", row.get("question"))
        answer = row.get("response", row.get("answer"))
        if not isinstance(query, str) or not query.strip():
            raise UsageError(f"{path}:{lineno}: needs a non-empty 'query' (or 'question') string")
        if not isinstance(answer, str):
            raise UsageError(f"{path}:{lineno}: needs a 'response' (or 'answer') string")
    if n == 0:
        raise UsageError(f"{path}: no rows")


def check_mcq_csv(path: Path, need: tuple[str, ...] = ("question", "A", "B", "answer")) -> None:
    """Multiple-choice csv: a header with question, A, B, ... and answer; each answer one of the choices."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if not header:
            raise UsageError(f"{path}:1: empty file (expected the header {','.join(need)})")
        header = [h.strip() for h in header]
        missing = [c for c in need if c not in header]
        if missing:
            raise UsageError(f"{path}:1: header lacks {', '.join(missing)} (expected {','.join(need)}...)")
        letters = [c for c in ANSWER_LETTERS if c in header]
        rows = 0
        for row in reader:
            lineno = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            rows += 1
            if len(row) != len(header):
                raise UsageError(f"{path}:{lineno}: {len(row)} fields, the header has {len(header)}")
            answer = row[header.index("answer")].strip()
            if answer not in letters:
                raise UsageError(f"{path}:{lineno}: answer {answer!r} is not one of {', '.join(letters)}")
        if rows == 0:
            raise UsageError(f"{path}: no rows after the header")
