"""一锤定音: guided menus (zh/en) that build the same argv the CLI takes and run the same command functions.

Entry point: `swift wizard` (swift_cli/commands/wizard.py) → wizard.menu.run(options).
Modules: i18n (strings), ui (questions; Esc = back, Ctrl-C = exit 130), questions (prompts derived from
the option declarations), pickers (model / dataset), planfit (hardware summary and memory plan), jobs
(argv → confirmation → command.sh + recipe.yaml → dispatch), flows (one per menu entry), report.
"""
