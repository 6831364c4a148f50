"""Questions on the terminal (questionary over prompt_toolkit) with one rule for leaving them:
Esc raises Back (the flow steps back one question), Ctrl-C raises Quit (the wizard exits 130, nothing run)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from rich.console import Console

console = Console(highlight=False)


class Back(Exception):
    """Esc: go back one question."""


class Quit(Exception):
    """Ctrl-C at a question: leave the wizard, exit 130."""


@dataclass(frozen=True)
class Choice:
    title: str
    value: Any


def width(text: str) -> int:
    """Columns on a terminal (CJK characters take two)."""
    from prompt_toolkit.utils import get_cwidth

    return get_cwidth(text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def _with_escape(question):
    """Bind a lone Esc to 'back' (arrow keys arrive as whole escape sequences and are not affected)."""
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings

    kb = KeyBindings()

    @kb.add("escape", eager=True)
    def _(event):
        event.app.exit(exception=Back())

    app = question.application
    app.key_bindings = merge_key_bindings([app.key_bindings, kb]) if app.key_bindings else kb
    return question


def _ask(question) -> Any:
    try:
        answer = _with_escape(question).unsafe_ask()
    except KeyboardInterrupt:
        raise Quit() from None
    except EOFError:  # Ctrl-D or the terminal went away
        raise Quit() from None
    if answer is None:
        raise Quit()
    return answer


def select(message: str, choices: list[Choice], default: Any = None, search: bool = False) -> Any:
    """One choice from a list; returns its value."""
    import questionary

    qchoices = [questionary.Choice(c.title, value=i) for i, c in enumerate(choices)]
    start = next((qc for qc, c in zip(qchoices, choices) if default is not None and c.value == default), None)
    kwargs = dict(use_search_filter=True, use_jk_keys=False) if search else {}
    index = _ask(questionary.select(message, choices=qchoices, default=start, instruction=" ", **kwargs))
    return choices[index].value


def text(message: str, default: str = "", validate: Callable[[str], str | None] | None = None) -> str:
    """Free text; `validate` returns an error line (shown under the prompt) or None."""
    import questionary

    def check(value: str):
        if validate is None:
            return True
        problem = validate(value)
        return True if problem is None else problem

    return _ask(questionary.text(message, default=default, validate=check)).strip()


def confirm(message: str, default: bool = True) -> bool:
    import questionary

    return bool(_ask(questionary.confirm(message, default=default)))
