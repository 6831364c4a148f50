"""`swift <command> --help`, rendered from the option declarations."""
from __future__ import annotations

from swift_cli.options.declare import command_groups, command_specs


def render_help(config_cls: type, prog: str, summary: str, usage_tail: str = "") -> None:
    """Print usage and every option of the command, grouped by concern, with defaults and aliases."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]Usage:[/] {prog} [--config recipe.yaml] [OPTIONS]{usage_tail}\n")
    console.print(summary + "\n")
    console.print("Flags take ms-swift spellings (--train_type or --train-type); booleans take true/false or "
                  "stand alone; list options take several values after one flag.\n")
    groups = command_groups(config_cls)
    specs = command_specs(config_cls)
    for gname, gcls in groups.items():
        if gname == "ms":  # ms-swift's flags without an option of ours (options/compat.py): one line, not hundreds
            n = sum(1 for s in specs if s.group == gname)
            console.print(f"[dim]... and {n} more ms-swift flags of this command, accepted as ms-swift documents them "
                          "(each either runs, or says in one line why not here).[/]\n")
            continue
        table = Table(title=(gcls.__doc__ or gname).strip(), title_justify="left", show_header=False,
                      box=None, pad_edge=False)
        table.add_column(style="cyan", no_wrap=True)
        table.add_column(style="dim")
        table.add_column()
        for spec in (s for s in specs if s.group == gname):
            names = f"--{spec.name}" + "".join(f", --{a}" for a in spec.aliases)
            default = "" if spec.default in (None, [], "") else f"[{spec.default}]"
            table.add_row(names, spec.metavar, f"{spec.help} {default}".strip())
        console.print(table)
        console.print()
