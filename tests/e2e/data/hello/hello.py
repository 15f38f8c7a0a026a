# The smallest job: prints its arguments.
import sys

print("hello from the training e2e test: %s" % " ".join(sys.argv[1:]), flush=True)
