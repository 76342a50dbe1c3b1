"""A delivered result as a buyer reads it: the answer as text, the confidence, the verification as
a sentence, the proof files (through the signed links the API also hands out) and the operator's
public stats."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from marketplace_app.uploads.links import INLINE_TYPES
from marketplace_app.work.verification import explain

KIB = 1024


@dataclasses.dataclass
class ProofFile:
    """One proof file: a thumbnail when it is an image, a link otherwise."""

    name: str = ""
    url: str = ""
    kind: str = ""
    size: str = ""
    is_image: bool = False


@dataclasses.dataclass
class ResultView:
    """What the operator delivered, in words."""

    answer: str = ""
    answer_is_json: bool = False
    confidence: str = ""
    verification: str = ""
    proof_notes: str = ""
    files: list[ProofFile] = dataclasses.field(default_factory=list)


def result_view(result: Mapping[str, Any]) -> ResultView:
    """The API's `result` (files already carrying signed links) for the request page."""
    answer, is_json = answer_text(str(result.get("answer") or ""))
    return ResultView(answer=answer, answer_is_json=is_json, confidence=str(result.get("confidence") or ""),
                      verification=explain(result.get("verification")),
                      proof_notes=str(result.get("proof_notes") or ""),
                      files=[proof_file(entry) for entry in result.get("files") or []])


def answer_text(answer: str) -> tuple[str, bool]:
    """The answer as written, or pretty-printed when it is a JSON object or list."""
    stripped = answer.strip()
    if not stripped.startswith(("{", "[")):
        return answer, False
    try:
        document = json.loads(stripped)
    except (ValueError, RecursionError):
        return answer, False
    return json.dumps(document, indent=2, ensure_ascii=False), True


def proof_file(entry: Mapping[str, Any]) -> ProofFile:
    """One entry of `result.files`."""
    content_type = str(entry["content_type"])
    return ProofFile(name=str(entry["name"]), url=str(entry["url"]), kind=_kind(content_type),
                     size=file_size(int(entry["size"])), is_image=content_type in INLINE_TYPES)


def file_size(size_bytes: int) -> str:
    """`812 bytes`, `14 KB`, `2.3 MB`."""
    if size_bytes < KIB:
        return f"{size_bytes} bytes"
    if size_bytes < KIB * KIB:
        return f"{round(size_bytes / KIB)} KB"
    return f"{size_bytes / (KIB * KIB):.1f} MB"


def operator_stats(human: Mapping[str, Any]) -> list[dict[str, str]]:
    """The operator's public numbers only: public id, completed tasks, average rating."""
    average = human.get("avg_response_quality")
    return [{"label": "Operator", "value": str(human.get("id") or "")},
            {"label": "Completed tasks", "value": str(human.get("tasks_completed") or 0)},
            {"label": "Average rating", "value": "No ratings yet" if average is None else f"{average} / 5"}]


def _kind(content_type: str) -> str:
    if content_type == "application/pdf":
        return "PDF document"
    return content_type.split("/")[-1].upper() + " image" if content_type in INLINE_TYPES else "File"
