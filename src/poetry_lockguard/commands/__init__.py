"""The use cases: each takes options and gives one Outcome; no argparse, no cleo."""
