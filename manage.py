#!/usr/bin/env python
from trellis.cli import main

if __name__ == "__main__":
    main()
