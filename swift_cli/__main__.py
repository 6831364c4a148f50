"""`python -m swift_cli` == `swift`."""
from swift_cli.app import main

main()
