from lrs_adapter.cli import main

main()
