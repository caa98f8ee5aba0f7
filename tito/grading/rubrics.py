"""The rubric of a written question: what earns each point, and a model answer.

Both stand in the answer cell of the instructor's source, inside its solution region, so nbgrader's release
replaces them with "YOUR ANSWER HERE" like any solution:

    ### BEGIN SOLUTION
    Rubric:
    - 1 point: the figure the notebook measured, with its unit
    - 2 points: why it is not half: ...
    Model answer: In-place ReLU allocated ...
    ### END SOLUTION

An item may wrap onto the next lines; the model answer runs to the end of the region.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import markers

ITEM = re.compile(r"^- (\d+(?:\.\d+)?) points?: (.+)$")
RUBRIC, MODEL_ANSWER = "Rubric:", "Model answer:"


class RubricError(ValueError):
    """The answer cell's rubric is missing or malformed; the message says what to write."""


@dataclass
class Rubric:
    items: list[tuple[float, str]] = field(default_factory=list)  # (points, what earns them)
    model_answer: str = ""

    @property
    def points(self) -> float:
        return sum(p for p, _ in self.items)

    def __str__(self) -> str:
        lines = [f"- {p:g} point{'s' if p != 1 else ''}: {text}" for p, text in self.items]
        return "\n".join(lines + [f"{MODEL_ANSWER} {self.model_answer}"])


def rubric_of(source: str) -> Rubric:
    """The rubric in an answer cell's source (markdown text, as in the notebook); RubricError if there is none."""
    found = markers.regions(source, markers.BEGIN_SOLUTION, markers.END_SOLUTION)
    if len(found) != 1:
        raise RubricError(f"an answer cell holds one `{markers.BEGIN_SOLUTION}` / `{markers.END_SOLUTION}` region "
                          f"with its `{RUBRIC}` items and a `{MODEL_ANSWER}`")
    begin, end = found[0]
    rubric, section, answer = Rubric(), None, []
    for line in source.splitlines()[begin + 1:end]:
        text = line.strip()
        if text == RUBRIC:
            section = "rubric"
        elif text.startswith(MODEL_ANSWER):
            section = "answer"
            answer.append(text[len(MODEL_ANSWER):].strip())
        elif section == "answer":
            answer.append(text)
        elif section == "rubric" and text:
            item = ITEM.match(text)
            if item:
                rubric.items.append((float(item.group(1)), item.group(2)))
            elif rubric.items:
                points, said = rubric.items[-1]
                rubric.items[-1] = (points, f"{said} {text}")
            else:
                raise RubricError(f"a rubric item reads `- N points: what earns them`, got: {text}")
    rubric.model_answer = " ".join(a for a in answer if a)
    if not rubric.items:
        raise RubricError(f"no rubric: write `{RUBRIC}` and one `- N points: ...` line per part of the answer")
    if not rubric.model_answer:
        raise RubricError(f"no model answer: write `{MODEL_ANSWER} ...` after the rubric")
    return rubric
